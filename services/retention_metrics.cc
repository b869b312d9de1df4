#include "services/retention_metrics.h"

#include <string>

#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace maillage::services {

RetentionMetrics::RetentionMetrics(prometheus::Registry& registry) {
  auto& purged = prometheus::BuildCounter()
                     .Name("maillage_retention_purged_total")
                     .Help(
                         "Records the retention sweeper deleted (or, for "
                         "lifecycle_personal_fields, pseudonymised), by "
                         "kind of record (docs/PRIVACY.md, Retention).")
                     .Register(registry);
  for (size_t i = 0; i < core::kRetentionRecordCount; ++i) {
    std::string_view name =
        core::RetentionRecordName(static_cast<core::RetentionRecord>(i));
    purged_[i] = &purged.Add({{"record", std::string(name)}});
  }
  last_run_ = &prometheus::BuildGauge()
                   .Name("maillage_retention_last_run_timestamp_seconds")
                   .Help(
                       "When the last retention sweep ended, whatever its "
                       "outcome (Unix time; 0 before the first).")
                   .Register(registry)
                   .Add({});
  last_success_ =
      &prometheus::BuildGauge()
           .Name("maillage_retention_last_success_timestamp_seconds")
           .Help(
               "When the last retention sweep that went through every "
               "record ended (Unix time; 0 before the first).")
           .Register(registry)
           .Add({});
  duration_ = &prometheus::BuildHistogram()
                   .Name("maillage_retention_run_duration_seconds")
                   .Help(
                       "How long retention sweeps take, stopped ones "
                       "included.")
                   .Register(registry)
                   .Add({}, prometheus::Histogram::BucketBoundaries{
                                0.01, 0.1, 1, 10, 60, 600, 3600});
}

void RetentionMetrics::Purged(core::RetentionRecord record, int64_t count) {
  size_t i = static_cast<size_t>(record);
  if (i >= purged_.size() || count <= 0) return;
  purged_[i]->Increment(static_cast<double>(count));
}

void RetentionMetrics::SweepEnded(absl::Time end, absl::Duration duration,
                                  const absl::Status& status) {
  const double seconds = absl::ToDoubleSeconds(end - absl::UnixEpoch());
  last_run_->Set(seconds);
  if (status.ok()) last_success_->Set(seconds);
  duration_->Observe(absl::ToDoubleSeconds(duration));
}

}  // namespace maillage::services

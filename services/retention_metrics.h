#ifndef MAILLAGE_SERVICES_RETENTION_METRICS_H_
#define MAILLAGE_SERVICES_RETENTION_METRICS_H_

#include <array>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/retention.h"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
}  // namespace prometheus

namespace maillage::services {

// What the retention sweeper (core/retention.h) reports, as Prometheus
// metrics in the server's registry (ops/metrics.h):
//   maillage_retention_purged_total{record="suggestion" |
//     "lifecycle_personal_fields" | "event" | "request" | "audit_entry"}
//     counter: records deleted, or pseudonymised for
//     lifecycle_personal_fields; every label value is there from the start
//     (at 0), so that rate() and alerts see the series before the first
//     purge;
//   maillage_retention_last_run_timestamp_seconds gauge: when the last sweep
//     ended, whatever its outcome (0 before the first);
//   maillage_retention_last_success_timestamp_seconds gauge: when the last
//     sweep that went through every record ended (alert when it grows old:
//     a full disk or an error keeps stopping the sweeps);
//   maillage_retention_run_duration_seconds histogram: how long sweeps take,
//     stopped ones included.
// Thread-safe (prometheus-cpp's metrics are).
class RetentionMetrics final : public core::RetentionReporter {
 public:
  // Registers the families in `registry`, which must outlive this object.
  explicit RetentionMetrics(prometheus::Registry& registry);

  void Purged(core::RetentionRecord record, int64_t count) override;
  void SweepEnded(absl::Time end, absl::Duration duration,
                  const absl::Status& status) override;

 private:
  std::array<prometheus::Counter*, core::kRetentionRecordCount> purged_{};
  prometheus::Gauge* last_run_ = nullptr;
  prometheus::Gauge* last_success_ = nullptr;
  prometheus::Histogram* duration_ = nullptr;
};

}  // namespace maillage::services

#endif  // MAILLAGE_SERVICES_RETENTION_METRICS_H_

#ifndef MAILLAGE_SERVICES_ACTIVITY_METRICS_H_
#define MAILLAGE_SERVICES_ACTIVITY_METRICS_H_

#include <array>
#include <cstdint>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "maillage/v1/actor.pb.h"
#include "maillage/v1/lifecycle.pb.h"

namespace prometheus {
class Counter;
class Gauge;
class Registry;
}  // namespace prometheus

namespace maillage::services {

// What the services do for their users, as Prometheus metrics (see
// docs/OBSERVABILITY.md), counted where the services see it (the core knows
// nothing of metrics):
//   maillage_import_rows_total{outcome="created" | "updated" | "unchanged" |
//     "rejected" | "kept_opted_out"} counter: ImportActors rows, counted as
//     each batch is acknowledged;
//   maillage_import_rows_per_second gauge: the throughput of the last
//     ImportActors stream that ended (rows over the stream's duration);
//   maillage_import_paced_seconds_total counter: time imports waited for
//     interactive calls (--import_rows_per_second_when_busy);
//   maillage_suggestions_served_total{method="SuggestPartners" |
//     "SuggestForTerritory"} counter: suggestions (pairs) answered;
//   maillage_suggestion_changes_total{state="kept" | "dismissed" | …}
//     counter: lifecycle changes made by UpdateSuggestion, by the state
//     moved to.
// Every label value is there from the start, at 0. An import's end is also
// logged ("import.end"). Thread-safe.
class ActivityMetrics {
 public:
  // Registers the families in `registry`, which must outlive this object.
  explicit ActivityMetrics(prometheus::Registry& registry);

  // One ImportActors batch acknowledged with `counts`.
  void ImportBatch(const v1::ImportCounts& counts);
  // An import batch waited `wait` for interactive calls (ImportPacer).
  void ImportPaced(absl::Duration wait);
  // An ImportActors stream ended with `status` after `batches` batches and
  // `duration`, having applied `totals`.
  void ImportEnded(const v1::ImportCounts& totals, int64_t batches,
                   absl::Duration duration, const absl::Status& status);
  // `count` suggestions answered by `method` (SuggestPartners or
  // SuggestForTerritory; another name is not counted).
  void SuggestionsServed(std::string_view method, int64_t count);
  // A suggestion moved to `state` (UpdateSuggestion).
  void SuggestionChanged(v1::SuggestionState state);

 private:
  static constexpr int kImportOutcomes = 5;
  static constexpr int kStates = v1::SuggestionState_ARRAYSIZE;
  std::array<prometheus::Counter*, kImportOutcomes> import_rows_{};
  prometheus::Gauge* import_rate_ = nullptr;
  prometheus::Counter* import_paced_ = nullptr;
  prometheus::Counter* served_partners_ = nullptr;
  prometheus::Counter* served_territory_ = nullptr;
  std::array<prometheus::Counter*, kStates> changes_{};  // null: not counted
};

}  // namespace maillage::services

#endif  // MAILLAGE_SERVICES_ACTIVITY_METRICS_H_

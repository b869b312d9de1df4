#include "services/activity_metrics.h"

#include <string>

#include "absl/strings/ascii.h"
#include "base/log.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace maillage::services {
namespace {

constexpr const char* kImportOutcomeNames[] = {
    "created", "updated", "unchanged", "rejected", "kept_opted_out"};

// "kept" for SUGGESTION_STATE_KEPT.
std::string StateLabel(v1::SuggestionState state) {
  constexpr std::string_view kPrefix = "SUGGESTION_STATE_";
  std::string name = v1::SuggestionState_Name(state);
  if (name.rfind(kPrefix, 0) == 0) name.erase(0, kPrefix.size());
  return absl::AsciiStrToLower(name);
}

int64_t Rows(const v1::ImportCounts& c) {
  return c.created() + c.updated() + c.unchanged() + c.rejected();
}

}  // namespace

ActivityMetrics::ActivityMetrics(prometheus::Registry& registry) {
  auto& rows = prometheus::BuildCounter()
                   .Name("maillage_import_rows_total")
                   .Help(
                       "ImportActors rows acknowledged, by outcome "
                       "(kept_opted_out rows are also counted as updated or "
                       "unchanged).")
                   .Register(registry);
  for (int i = 0; i < kImportOutcomes; ++i) {
    import_rows_[i] = &rows.Add({{"outcome", kImportOutcomeNames[i]}});
  }
  import_rate_ = &prometheus::BuildGauge()
                      .Name("maillage_import_rows_per_second")
                      .Help(
                          "Rows per second of the last ImportActors stream "
                          "that ended, over its whole duration (0 before "
                          "the first).")
                      .Register(registry)
                      .Add({});
  import_paced_ = &prometheus::BuildCounter()
                       .Name("maillage_import_paced_seconds_total")
                       .Help(
                           "Seconds imports waited for interactive calls "
                           "(--import_rows_per_second_when_busy).")
                       .Register(registry)
                       .Add({});
  auto& served = prometheus::BuildCounter()
                     .Name("maillage_suggestions_served_total")
                     .Help("Suggestions (pairs) answered, by method.")
                     .Register(registry);
  served_partners_ = &served.Add({{"method", "SuggestPartners"}});
  served_territory_ = &served.Add({{"method", "SuggestForTerritory"}});
  auto& changes = prometheus::BuildCounter()
                      .Name("maillage_suggestion_changes_total")
                      .Help(
                          "Suggestion lifecycle changes (UpdateSuggestion), "
                          "by the state moved to.")
                      .Register(registry);
  for (int s = 0; s < kStates; ++s) {
    auto state = static_cast<v1::SuggestionState>(s);
    // Nothing moves a suggestion to UNSPECIFIED or back to PROPOSED.
    if (!v1::SuggestionState_IsValid(s) ||
        state == v1::SUGGESTION_STATE_UNSPECIFIED ||
        state == v1::SUGGESTION_STATE_PROPOSED) {
      continue;
    }
    changes_[s] = &changes.Add({{"state", StateLabel(state)}});
  }
}

void ActivityMetrics::ImportBatch(const v1::ImportCounts& counts) {
  const int64_t by_outcome[kImportOutcomes] = {
      counts.created(), counts.updated(), counts.unchanged(), counts.rejected(),
      counts.kept_opted_out()};
  for (int i = 0; i < kImportOutcomes; ++i) {
    if (by_outcome[i] > 0) {
      import_rows_[i]->Increment(static_cast<double>(by_outcome[i]));
    }
  }
}

void ActivityMetrics::ImportPaced(absl::Duration wait) {
  if (wait > absl::ZeroDuration()) {
    import_paced_->Increment(absl::ToDoubleSeconds(wait));
  }
}

void ActivityMetrics::ImportEnded(const v1::ImportCounts& totals,
                                  int64_t batches, absl::Duration duration,
                                  const absl::Status& status) {
  const double seconds = absl::ToDoubleSeconds(duration);
  const int64_t rows = Rows(totals);
  const double rate = seconds > 0 ? static_cast<double>(rows) / seconds : 0;
  if (rows > 0) import_rate_->Set(rate);
  base::Log(status.ok() ? base::LogLevel::kInfo : base::LogLevel::kWarning,
            "import.end")
      .Add("status", absl::StatusCodeToString(status.code()))
      .Add("batches", batches)
      .Add("rows", rows)
      .Add("created", totals.created())
      .Add("updated", totals.updated())
      .Add("unchanged", totals.unchanged())
      .Add("rejected", totals.rejected())
      .Add("kept_opted_out", totals.kept_opted_out())
      .Add("seconds", seconds)
      .Add("rows_per_second", rate);
}

void ActivityMetrics::SuggestionsServed(std::string_view method,
                                        int64_t count) {
  if (count <= 0) return;
  if (method == "SuggestPartners") {
    served_partners_->Increment(static_cast<double>(count));
  } else if (method == "SuggestForTerritory") {
    served_territory_->Increment(static_cast<double>(count));
  }
}

void ActivityMetrics::SuggestionChanged(v1::SuggestionState state) {
  const int s = static_cast<int>(state);
  if (s >= 0 && s < kStates && changes_[s] != nullptr) changes_[s]->Increment();
}

}  // namespace maillage::services

#include "core/weight_book.h"

#include <time.h>
#include <xxhash.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/log.h"
#include "base/thread_priority.h"
#include "google/protobuf/util/time_util.h"

namespace maillage::core {
namespace {

constexpr char kMethod[] =
    "Bradley-Terry (RankNet) pairwise model on the engine's own log-scores: a "
    "partner the asker formed a partnership with (or whose meeting found a "
    "cooperation possible; a kept suggestion counts half) should rank above "
    "one it turned down and above the engine's other candidates for it (its "
    "top 50 under the defaults). The weighted pairwise logistic loss plus an "
    "L2 pull toward the defaults is minimised by gradient descent over the "
    "logs of the additive weights and the logits of the proximity and "
    "similar-success strengths (capacity and responsiveness stay: an outcome "
    "changes them itself). A quarter of the askers is held out; the fitted "
    "weights are used only when they rank its positive pairs better than the "
    "defaults (higher NDCG@10, recall@10 not lower) with at least 30 pairs to "
    "learn from and 10 held out.";

void ToProto(const matcher::Weights& w, v1::MatchWeights* out) {
  out->set_complementarity(w.complementarity);
  out->set_shared_themes(w.shared_themes);
  out->set_proximity(w.proximity);
  out->set_fragility(w.fragility);
  out->set_cross_kind(w.cross_kind);
  out->set_capacity(w.capacity);
  out->set_common_partners(w.common_partners);
  out->set_responsiveness(w.responsiveness);
  out->set_similar_success(w.similar_success);
}

void ToProto(const matcher::WeightsEvaluation& e, v1::HeldOutRanking* out) {
  out->set_pairs(static_cast<int32_t>(e.positives));
  out->set_recall_at_10(e.recall_at_10);
  out->set_ndcg_at_10(e.ndcg_at_10);
}

// CPU time the calling thread has used so far.
absl::Duration ThreadCpu() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return absl::DurationFromTimespec(t);
}

// A stable key of an actor id: the split of the askers.
uint64_t KeyOf(const std::string& id) {
  return XXH64(id.data(), id.size(), /*seed=*/15);
}

// A workspace's labelled pairs grouped by asker, as ids.
struct AskerIds {
  std::string actor;
  std::vector<std::pair<std::string, double>> positives;
  std::vector<std::pair<std::string, double>> negatives;
};

std::vector<AskerIds> GroupByAsker(
    const std::vector<Lifecycle::LabelledPair>& pairs) {
  std::map<std::string, AskerIds> by_actor;
  for (const Lifecycle::LabelledPair& p : pairs) {
    AskerIds& asker = by_actor[p.actor];
    asker.actor = p.actor;
    if (p.weight > 0) asker.positives.emplace_back(p.partner, p.weight);
    if (p.weight < 0) asker.negatives.emplace_back(p.partner, -p.weight);
  }
  std::vector<AskerIds> out;
  out.reserve(by_actor.size());
  for (auto& [_, asker] : by_actor) out.push_back(std::move(asker));
  return out;
}

// Keeps at most `max` askers (0: all): internal::LowestHashing's sample.
void SampleAskers(size_t max, std::vector<AskerIds>* askers) {
  std::vector<std::string_view> ids;
  ids.reserve(askers->size());
  for (const AskerIds& a : *askers) ids.push_back(a.actor);
  std::vector<size_t> kept = internal::LowestHashing(ids, max);
  if (kept.size() == askers->size()) return;
  std::vector<AskerIds> sample;
  sample.reserve(kept.size());
  for (size_t i : kept) sample.push_back(std::move((*askers)[i]));
  *askers = std::move(sample);
}

// The asker's outcomes as numbers of `index` (those still in it).
std::optional<matcher::AskerOutcomes> Resolve(const matcher::ActorIndex& index,
                                              const AskerIds& ids) {
  auto actor = index.Find(ids.actor);
  if (!actor.has_value()) return std::nullopt;
  matcher::AskerOutcomes out;
  out.actor = *actor;
  out.key = KeyOf(ids.actor);
  for (const auto& [id, weight] : ids.positives) {
    if (auto n = index.Find(id)) out.positives.push_back({*n, weight});
  }
  for (const auto& [id, weight] : ids.negatives) {
    if (auto n = index.Find(id)) out.negatives.push_back({*n, weight});
  }
  return out;
}

}  // namespace

WeightBook::WeightBook(ActorDirectory* actors, const Lifecycle* lifecycle,
                       Options options)
    : actors_(actors), lifecycle_(lifecycle), options_(std::move(options)) {}

WeightBook::~WeightBook() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    abandon_ = true;
  }
  wake_.notify_all();
  if (task_.joinable()) task_.join();
}

void WeightBook::Start() {
  if (options_.relearn_interval <= absl::ZeroDuration()) return;
  {
    std::lock_guard lock(mu_);
    for (std::string& w : lifecycle_->WorkspacesWithOutcomes()) {
      ++changes_[std::move(w)];
    }
  }
  task_ = std::thread([this] { Loop(); });
}

void WeightBook::NoteOutcomesChanged(std::string_view workspace) {
  std::lock_guard lock(mu_);
  auto it = changes_.find(workspace);
  if (it == changes_.end()) it = changes_.emplace(workspace, 0).first;
  ++it->second;
}

void WeightBook::Loop() {
  base::SetThisThreadName("mlg-weights");
  std::unique_lock lock(mu_);
  // The first round at once (the workspaces with outcomes at start), then
  // one every interval, for the workspaces whose outcomes grew enough before
  // it began (internal::RelearnDue; the others keep their count of changes
  // for the next interval): outcomes recorded during a round wait for the
  // next interval
  // (taking them at once kept a round running back to back with the next
  // while outcomes kept coming, holding its memory and its share of a core
  // all along).
  bool first = true;
  while (!stopping_) {
    if (!first) {
      wake_.wait_for(lock, absl::ToChronoSeconds(options_.relearn_interval),
                     [&] { return stopping_; });
    }
    first = false;
    std::vector<std::string> due;
    for (auto it = changes_.begin(); it != changes_.end();) {
      auto learned = learned_pairs_.find(it->first);
      const bool is_due =
          internal::RelearnDue(it->second,
                               learned == learned_pairs_.end()
                                   ? std::nullopt
                                   : std::optional<size_t>(learned->second),
                               options_.relearn_min_growth);
      if (!is_due) {
        ++it;
        continue;
      }
      due.push_back(it->first);
      it = changes_.erase(it);
    }
    for (const std::string& workspace : due) {
      if (stopping_) break;
      lock.unlock();
      LearnAndKeep(workspace, /*background=*/true);
      lock.lock();
    }
  }
}

matcher::Weights WeightBook::WeightsFor(std::string_view workspace) const {
  std::lock_guard lock(mu_);
  auto it = learned_.find(workspace);
  return it == learned_.end() ? options_.defaults : it->second.result.weights;
}

v1::WorkspaceMatchWeights WeightBook::Describe(
    std::string_view workspace) const {
  v1::WorkspaceMatchWeights out;
  out.set_workspace(std::string(workspace));
  out.set_method(kMethod);
  ToProto(options_.defaults, out.mutable_defaults());
  std::lock_guard lock(mu_);
  auto it = learned_.find(workspace);
  if (it == learned_.end()) {
    ToProto(options_.defaults, out.mutable_weights());
    out.set_source(v1::MATCH_WEIGHTS_SOURCE_DEFAULTS);
    out.set_reason(
        "not learned yet since the server started: the default weights");
    return out;
  }
  const matcher::LearnedWeights& r = it->second.result;
  ToProto(r.weights, out.mutable_weights());
  ToProto(r.fitted, out.mutable_fitted());
  out.set_source(r.adopted ? v1::MATCH_WEIGHTS_SOURCE_LEARNED
                           : v1::MATCH_WEIGHTS_SOURCE_DEFAULTS);
  out.set_reason(r.reason);
  *out.mutable_learn_time() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
          absl::ToUnixMicros(it->second.time));
  out.set_training_askers(static_cast<int32_t>(r.training_askers));
  out.set_training_positives(static_cast<int32_t>(r.training_positives));
  out.set_training_negatives(static_cast<int32_t>(r.training_negatives));
  out.set_held_out_askers(static_cast<int32_t>(r.held_out_askers));
  ToProto(r.with_defaults, out.mutable_with_defaults());
  ToProto(r.with_fitted, out.mutable_with_fitted());
  return out;
}

v1::WorkspaceMatchWeights WeightBook::Learn(std::string_view workspace) {
  LearnAndKeep(workspace, /*background=*/false);
  return Describe(workspace);
}

void WeightBook::LearnAndKeep(std::string_view workspace, bool background) {
  std::lock_guard learning(learn_mu_);
  const absl::Time start = absl::Now();
  RoundFacts facts;
  Learned learned{Run(workspace, background, &facts), absl::Now()};
  if (abandon_) return;  // cut short: not a result
  // One line per round, so that its time and its cost can be told apart
  // from the requests' in a server's log (a paced round lasts minutes).
  base::Log(base::LogLevel::kInfo, "weights.learned")
      .Add("workspace", std::string(workspace))
      .Add("background", background)
      .Add("training_askers", learned.result.training_askers)
      .Add("held_out_askers", learned.result.held_out_askers)
      .Add("adopted", learned.result.adopted)
      .Add("seconds", absl::ToDoubleSeconds(learned.time - start))
      .Add("labelled_pairs", facts.labelled_pairs)
      .Add("read_cpu_seconds", absl::ToDoubleSeconds(facts.read_cpu))
      .Add("fit_cpu_seconds", absl::ToDoubleSeconds(facts.fit_cpu));
  std::lock_guard lock(mu_);
  learned_[std::string(workspace)] = std::move(learned);
  learned_pairs_[std::string(workspace)] = facts.labelled_pairs;
}

// Sleeps so that `busy` is Options::background_share of the time (at most
// a second at once).
void WeightBook::PaceAfter(absl::Duration busy) const {
  const double share = options_.background_share;
  if (share >= 1 || share <= 0) return;
  absl::SleepFor(std::min(busy * (1 / share - 1), absl::Seconds(1)));
}

matcher::LearnedWeights WeightBook::Run(std::string_view workspace,
                                        bool background,
                                        RoundFacts* facts) const {
  const std::vector<Lifecycle::LabelledPair> pairs =
      lifecycle_->OutcomesOf(workspace);
  facts->labelled_pairs = pairs.size();
  std::vector<AskerIds> askers = GroupByAsker(pairs);
  SampleAskers(options_.max_training_askers, &askers);
  matcher::WeightLearner learner(options_.defaults, options_.learning);
  std::unique_ptr<storage::MemoryCharge> charge =
      options_.charge_memory ? options_.charge_memory() : nullptr;
  auto charge_learner = [&] {
    if (charge != nullptr) charge->Set(learner.MemoryBytes());
  };
  // Each pass reads a few askers per hold of the read lock, resolving their
  // ids again each time (an actor deleted meanwhile is left out).
  auto pass = [&](bool fitted) {
    for (size_t start = 0; start < askers.size() && !abandon_;
         start += options_.askers_per_lock) {
      const size_t end =
          std::min(askers.size(), start + options_.askers_per_lock);
      const absl::Time hold_start = absl::Now();
      const absl::Duration cpu_start = ThreadCpu();
      actors_->ReadMatching(
          workspace, [&](const matcher::ActorIndex& index,
                         const matcher::MatchContext& context,
                         const matcher::CooperationSignals& cooperations) {
            for (size_t i = start; i < end; ++i) {
              auto outcomes = Resolve(index, askers[i]);
              if (!outcomes.has_value()) continue;
              if (fitted) {
                learner.AddFittedCandidates(index, context, &cooperations,
                                            *outcomes);
              } else {
                learner.Add(index, context, &cooperations, *outcomes);
              }
            }
          });
      facts->read_cpu += ThreadCpu() - cpu_start;
      charge_learner();
      if (background) PaceAfter(absl::Now() - hold_start);
    }
  };
  // The fits (a loss over every example, tens of times per iteration) and
  // the held-out test hold no lock: in the background, at a low priority.
  const int nice = background ? options_.background_fit_nice : 0;
  auto fit_step = [&](absl::FunctionRef<void()> step) {
    base::RunAtNice(nice, [&] {
      const absl::Duration cpu_start = ThreadCpu();
      step();
      facts->fit_cpu += ThreadCpu() - cpu_start;
    });
  };
  pass(/*fitted=*/false);
  for (int round = 0; round < learner.rounds() && !abandon_; ++round) {
    fit_step([&] {
      // Paced as the reads are, one pass over the examples at a time: at a
      // low priority alone, the fits took the idle time that absorbs the
      // load's bursts, and the soak's calls queued for the 11 minutes of a
      // round; paced after each iteration (hundreds of ms of a core at
      // once) they still did (RELIABILITY.md, "Soak").
      // A round abandoned (the server stopping) ends within a step.
      absl::Time busy_since = absl::Now();
      learner.Fit([&] {
        if (abandon_) return false;
        if (background) PaceAfter(absl::Now() - busy_since);
        busy_since = absl::Now();
        return true;
      });
    });
    pass(/*fitted=*/true);
  }
  matcher::LearnedWeights result;
  fit_step([&] { result = learner.Finish(); });
  return result;
}

namespace internal {

std::vector<size_t> LowestHashing(const std::vector<std::string_view>& ids,
                                  size_t max) {
  std::vector<std::pair<uint64_t, size_t>> keyed;
  keyed.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    keyed.emplace_back(XXH64(ids[i].data(), ids[i].size(), /*seed=*/16), i);
  }
  if (max != 0 && keyed.size() > max) {
    std::nth_element(keyed.begin(), keyed.begin() + static_cast<ptrdiff_t>(max),
                     keyed.end());
    keyed.resize(max);
  }
  std::vector<size_t> kept;
  kept.reserve(keyed.size());
  for (const auto& [_, i] : keyed) kept.push_back(i);
  std::sort(kept.begin(), kept.end());
  return kept;
}

bool RelearnDue(size_t changes, std::optional<size_t> learned_pairs,
                double min_growth) {
  if (changes == 0) return false;
  if (!learned_pairs.has_value()) return true;
  return static_cast<double>(changes) >=
         min_growth * static_cast<double>(*learned_pairs);
}

}  // namespace internal
}  // namespace maillage::core

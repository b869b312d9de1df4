#ifndef MAILLAGE_CORE_WEIGHT_BOOK_H_
#define MAILLAGE_CORE_WEIGHT_BOOK_H_

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/actor_directory.h"
#include "core/lifecycle.h"
#include "maillage/v1/matching.pb.h"
#include "matcher/learning.h"
#include "matcher/partners.h"
#include "storage/store.h"

namespace maillage::core {

// The weights each workspace's matching starts from: the server's defaults,
// or the weights learned from that workspace's outcomes (its labelled pairs,
// Lifecycle::OutcomesOf) once they passed their held-out test
// (matcher/learning.h). A request's own weights override either.
//
// Learning reads the index one asker at a time under the directory's read
// lock, and fits without it. It runs when asked (Learn: LearnMatchWeights),
// and in a background task for every workspace whose outcomes grew enough
// since its last round (Options::relearn_min_growth), at most once per
// Options::relearn_interval (and for every workspace with outcomes once
// after Start). Learned weights live in memory only: the
// same outcomes give the same weights, so a restarted server learns them
// again in the background (meanwhile its workspaces use the defaults).
//
// Thread-safe.
class WeightBook {
 public:
  struct Options {
    matcher::Weights defaults;
    matcher::LearningOptions learning;
    // 0: learn only when asked.
    absl::Duration relearn_interval = absl::Minutes(10);
    // A workspace is learned again in the background once the changes to
    // its outcomes since its last round reach this share of the labelled
    // pairs that round learned from (at least one change): a few outcomes
    // more among thousands would not move the weights, and a round costs
    // a minute or more of CPU. 0: after any change.
    double relearn_min_growth = 0.05;
    // Askers read under one hold of the read lock: short holds, so that
    // writers (and the readers queued behind them) wait little.
    size_t askers_per_lock = 4;
    // A learning round searches the candidates of every asker it trains on,
    // several times: past this many askers with outcomes, it trains on a
    // stable sample of them (those whose ids hash lowest), so that a
    // round's cost stays bounded however many outcomes accumulate. 0: all.
    size_t max_training_askers = 5000;
    // The share of one core the background relearning may take: after each
    // hold of the read lock, and after each pass of a fit over its
    // examples, it sleeps for what keeps its busy time at this share. The reads
    // are not at a lower priority (a thread preempted while it holds the
    // index's read lock would hold up every writer). 1: no pause.
    // LearnMatchWeights, asked by an admin, is not paced. A tenth: at a
    // quarter, a round took an eighth of a 2-core server at 80% of its peak and
    // its calls queued; with the reads paced but not the fits, the fits at nice
    // 19 took the idle time the load's bursts need (RELIABILITY.md, "Soak").
    double background_share = 0.1;
    // The nice value of a background round's fits and held-out test, which
    // read only the round's own examples (no lock): they run on a thread of
    // their own at this value, paced as above. 0: the server's priority.
    int background_fit_nice = 19;
    // Where a round charges the memory of its examples (tens of MB for a few
    // thousand askers) while it holds them: the store's cache
    // (Store::ChargeMemory), so that cached blocks make room for them and
    // the server's memory does not rise by a round's size every interval.
    // Empty: not charged.
    std::function<std::unique_ptr<storage::MemoryCharge>()> charge_memory;
  };

  WeightBook(ActorDirectory* actors, const Lifecycle* lifecycle,
             Options options);
  // Stops the background task; a round under way stops at its next hold
  // of the index lock and keeps nothing.
  ~WeightBook();
  WeightBook(const WeightBook&) = delete;
  WeightBook& operator=(const WeightBook&) = delete;

  // Starts the background task, which first learns every workspace that
  // has outcomes. Once, after the lifecycle is loaded.
  void Start();

  // The weights `workspace`'s queries start from.
  matcher::Weights WeightsFor(std::string_view workspace) const;
  // What GetMatchWeights answers for `workspace`.
  v1::WorkspaceMatchWeights Describe(std::string_view workspace) const;
  // Learns `workspace`'s weights now (LearnMatchWeights) and answers as
  // Describe.
  v1::WorkspaceMatchWeights Learn(std::string_view workspace);

  // A workspace's outcomes changed (Lifecycle's listener): learn again.
  void NoteOutcomesChanged(std::string_view workspace);

 private:
  struct Learned {
    matcher::LearnedWeights result;
    absl::Time time;
  };
  // What a round learned from and what it cost, for its log line and the
  // next round's due time: the workspace's labelled pairs, CPU time reading
  // the index (under its read lock) and fitting (the fits and the held-out
  // test).
  struct RoundFacts {
    size_t labelled_pairs = 0;
    absl::Duration read_cpu;
    absl::Duration fit_cpu;
  };
  // Collects the workspace's outcomes, fits and evaluates; paced to
  // Options::background_share when `background`.
  matcher::LearnedWeights Run(std::string_view workspace, bool background,
                              RoundFacts* facts) const;
  void PaceAfter(absl::Duration busy) const;
  // Learns `workspace`'s weights and keeps them.
  void LearnAndKeep(std::string_view workspace, bool background);
  void Loop();

  ActorDirectory* actors_;
  const Lifecycle* lifecycle_;
  const Options options_;

  std::mutex learn_mu_;  // one fit at a time
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::map<std::string, Learned, std::less<>> learned_;  // guarded by mu_
  // Changes to each workspace's outcomes since its last round began, and
  // the labelled pairs of its last round.
  std::map<std::string, size_t, std::less<>> changes_;        // guarded by mu_
  std::map<std::string, size_t, std::less<>> learned_pairs_;  // guarded by mu_
  bool stopping_ = false;                                     // guarded by mu_
  // Set with stopping_, read by a round under way without mu_: the round
  // stops at its next hold of the read lock or its fit's next pass, and
  // keeps nothing.
  std::atomic<bool> abandon_{false};
  std::thread task_;
};

namespace internal {

// The positions in `ids` of the `max` ids that hash lowest (every position
// when `max` is 0 or not smaller than ids.size()), in increasing order. A
// stable sample: adding ids only ever replaces kept ones by added ones. The
// hash's seed differs from the held-out split's (matcher::LearningOptions),
// so the sample favours neither side of it.
std::vector<size_t> LowestHashing(const std::vector<std::string_view>& ids,
                                  size_t max);

// Whether a workspace is due for a background round: `changes` to its
// outcomes since its last round, which learned from `learned_pairs`
// labelled pairs (none: it was never learned, due at any change).
bool RelearnDue(size_t changes, std::optional<size_t> learned_pairs,
                double min_growth);

}  // namespace internal
}  // namespace maillage::core

#endif  // MAILLAGE_CORE_WEIGHT_BOOK_H_

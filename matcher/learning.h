#ifndef MAILLAGE_MATCHER_LEARNING_H_
#define MAILLAGE_MATCHER_LEARNING_H_

// Weights learned from outcomes: which pairs a workspace's animators brought
// to a partnership, and which they turned down.
//
// The model is the engine's own score s_w(A, B) (partners.h), with the
// weights w as its parameters over the factors of the explanation. For an
// asker A with a positive partner P (a partnership formed or registered, a
// meeting that found a cooperation possible; a suggestion kept counts
// half), P should come first among P, the partners A turned down and the
// engine's best other candidates for A, C(A):
//   Pr(P first) = s_w(A, P)^beta / (s_w(A, P)^beta + sum_N c_N s_w(A, N)^beta)
// (a top-one listwise model, ListNet / sampled softmax, on the scores;
// beta = 4; c_N = 1 for a candidate, the outcome's weight for a partner
// turned down). The parameters minimise the mean negative log-likelihood
// (each positive weighted by its weight) plus an L2 penalty pulling them
// toward the defaults, l2 |theta - theta_0|^2. theta holds the logs of the
// additive weights (complementarity, shared themes, fragility, across
// kinds, common partners) kept on the simplex of their default sum (only
// their ratios matter to a ranking), and the logits of the proximity and
// similar-success strengths. A factor constant over the training pairs
// (no fragility known, no cooperation signal) keeps its default weight:
// the data says nothing of it. Capacity and responsiveness are not learned:
// an outcome changes them itself (a partnership uses capacity, a meeting is
// an answer), so what they would learn is the outcome, not the pair. Scores
// are floored at 1e-4. The fit is deterministic gradient descent
// (central-difference gradient, backtracking line search) from the
// defaults.
//
// C(A) starts as the engine's top `pool` under the defaults. Optimising
// against a fixed list rewards weights that bring up candidates the list
// never showed, so the fit runs `rounds` times, each round adding the
// previous fit's own top `pool` to C(A) (hard negatives).
//
// Evaluation before use. The askers are split by a stable key: a share is
// held out, never seen by the fit. For every held-out positive pair (A, P)
// of weight 1, P is ranked among C(A) (the defaults' top `pool` and each
// fit's, the final one's included) and A's turned-down partners; a tie
// counts against P. Both weight sets meet their own best candidates, so
// recall@10, the share of those pairs ranked in the top 10, and NDCG@10,
// the mean of 1 / log2(1 + rank) over them (0 beyond 10), are exact. The
// fitted weights are adopted only when there are at least min_positives
// training and min_held_out held-out positive pairs, and they rank the
// held-out pairs better: NDCG@10 higher and recall@10 not lower than the
// defaults'. Otherwise the defaults stay, and the reason says why.
//
// Use: the caller holds the index (read) while it hands over each asker,
// and may release it between askers:
//   Add for every asker;
//   `rounds` times: Fit, then AddFittedCandidates for every asker;
//   Finish.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "matcher/actor_index.h"
#include "matcher/context.h"
#include "matcher/partners.h"

namespace maillage::matcher {

struct LearningOptions {
  // Fewer positive pairs (training, held out) and the defaults stay.
  size_t min_positives = 30;
  size_t min_held_out = 10;
  // Share of the askers held out for the evaluation, in (0, 1).
  double held_out_share = 0.25;
  // Candidates per asker and per set of weights (at least 10: the
  // evaluation's top 10 must be exact).
  size_t pool = 50;
  int rounds = 3;
  double l2 = 0.05;
  int max_iterations = 60;
};

// One asker's outcomes, as numbers of the index being read. A weight says
// how much an outcome counts (1 for a partnership formed or registered, or
// a meeting that found a cooperation possible; less for a suggestion only
// kept); only positives of weight >= 1 are evaluated.
struct AskerOutcomes {
  ActorNum actor = 0;
  uint64_t key = 0;  // stable (e.g. a hash of the public id): the split
  struct Labelled {
    ActorNum partner = 0;
    double weight = 1;
  };
  std::vector<Labelled> positives;
  std::vector<Labelled> negatives;  // turned down
};

struct WeightsEvaluation {
  size_t positives = 0;  // held-out positive pairs ranked
  double recall_at_10 = 0;
  double ndcg_at_10 = 0;
};

struct LearnedWeights {
  Weights weights;  // in effect: the fitted ones when adopted, else defaults
  Weights fitted;   // what the fit found (the defaults when it did not run)
  bool adopted = false;
  std::string reason;  // why adopted or not, for humans
  size_t training_askers = 0;
  size_t training_positives = 0;
  size_t training_negatives = 0;  // turned down (the pools come on top)
  size_t held_out_askers = 0;
  WeightsEvaluation with_defaults;
  WeightsEvaluation with_fitted;
};

class WeightLearner {
 public:
  WeightLearner(const Weights& defaults, const LearningOptions& options);
  ~WeightLearner();
  WeightLearner(const WeightLearner&) = delete;
  WeightLearner& operator=(const WeightLearner&) = delete;

  int rounds() const { return options_.rounds; }
  // Whether the asker of `key` is held out.
  bool HeldOut(uint64_t key) const;

  // Reads one asker's labelled pairs and its candidates under the defaults
  // (the asker's capacity left aside). Askers that are not live, have no
  // positive, or were added already are ignored.
  void Add(const ActorIndex& index, const MatchContext& context,
           const CooperationSignals* cooperations,
           const AskerOutcomes& outcomes);
  // Fits the weights on the training askers' pairs and candidates so far,
  // calling `between_steps` after each evaluation of the loss (one pass over
  // the training examples; up to 15 for a gradient and 30 for its line
  // search an iteration): where a background caller paces itself, and stops
  // the fit by answering false (the fit keeps where it got to).
  void Fit(absl::FunctionRef<bool()> between_steps);
  void Fit() {
    Fit([] { return true; });
  }
  // After a Fit: adds the asker's candidates under the fitted weights.
  void AddFittedCandidates(const ActorIndex& index, const MatchContext& context,
                           const CooperationSignals* cooperations,
                           const AskerOutcomes& outcomes);
  // Evaluates and decides.
  LearnedWeights Finish() const;

  // Bytes the learner holds (its askers' examples, reserved capacity
  // included): about 100 per example, up to 4 × pool per training asker.
  size_t MemoryBytes() const;

 private:
  struct Example;
  struct Asker;
  // Adds to `asker` the top `pool` candidates under `weights` it does not
  // have yet.
  void AddCandidates(const ActorIndex& index, const MatchContext& context,
                     const CooperationSignals* cooperations,
                     const Weights& weights, Asker* asker) const;
  // The training loss at parameters `theta` (see the top of the file).
  double Loss(const std::vector<double>& theta) const;
  // Which parameters the training pairs say something of.
  std::vector<bool> Learnable() const;
  WeightsEvaluation Evaluate(const Weights& weights) const;

  const Weights defaults_;
  const LearningOptions options_;
  std::vector<Asker> askers_;
  absl::flat_hash_map<uint64_t, size_t> by_key_;  // index in askers_
  Weights fitted_;
  bool fit_ran_ = false;
};

}  // namespace maillage::matcher

#endif  // MAILLAGE_MATCHER_LEARNING_H_

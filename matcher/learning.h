#ifndef MAILLAGE_MATCHER_LEARNING_H_
#define MAILLAGE_MATCHER_LEARNING_H_

// Weights learned from outcomes: which pairs a workspace's animators brought
// to a partnership, and which they turned down.
//
// The model is the engine's own score s_w(A, B) (partners.h), with the
// weights w as its parameters over the factors of the explanation. For an
// asker A, a partner P that A formed a partnership with (or whose meeting
// found a cooperation possible) should rank above a partner N that A turned
// down, and above the engine's other candidates for A (its top `pool` under
// the default weights, none of which A took up):
//   Pr(P above N) = sigmoid(beta (ln s_w(A, P) - ln s_w(A, N)))
// (a Bradley-Terry / RankNet pairwise model on log-scores). The parameters
// minimise the weighted pairwise logistic loss plus an L2 penalty pulling
// them toward the defaults:
//   L(theta) = sum c_PN ln(1 + exp(-beta (ln s(P) - ln s(N)))) / sum c_PN
//              + l2 |theta - theta_0|^2
// where c_PN = weight(P) weight(N), s is floored at 1e-4, and theta holds
// the logarithms of the additive weights (complementarity, shared themes,
// fragility, across kinds, common partners), the logits of the proximity
// and similar-success strengths, and ln beta (beta = 4 at the start, not
// penalised). Capacity and responsiveness are not learned: an outcome
// changes them itself (a partnership uses capacity, a meeting is an
// answer), so what they would learn is the outcome, not the pair. The fit
// is deterministic gradient descent (central-difference gradient,
// backtracking line search) from the defaults.
//
// Evaluation before use. The askers are split by a stable key: a share is
// held out, never seen by the fit. For every held-out positive pair (A, P),
// P is ranked among the engine's top `pool` for A under the default weights
// and under the fitted weights (both lists, so that each set of weights
// meets its own best candidates) and A's turned-down partners; a tie counts
// against P. recall@10 is the share of those pairs ranked in the top 10,
// NDCG@10 the mean of 1 / log2(1 + rank) over them (0 beyond 10). The
// fitted weights are adopted only when there are at least min_positives
// training and min_held_out held-out positive pairs, and they rank the
// held-out pairs better: NDCG@10 higher and recall@10 not lower than the
// defaults'. Otherwise the defaults stay, and the reason says why.
//
// Use: the caller holds the index (read) while it hands over each asker,
// and may release it between askers: Add for every asker, Fit, then
// AddHeldOutCandidates for every held-out asker, then Finish.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

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
  // Candidates per asker: the implicit negatives, and the evaluation's
  // competitors.
  size_t pool = 50;
  // Strength of the pull toward the defaults.
  double l2 = 0.02;
  int max_iterations = 80;
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

  // Whether the asker of `key` is held out.
  bool HeldOut(uint64_t key) const;

  // Reads one asker's candidates (the top `pool` under the defaults, the
  // asker's capacity left aside) and the factors of every pair. Askers
  // that are not live, or have no positive, are ignored.
  void Add(const ActorIndex& index, const MatchContext& context,
           const CooperationSignals* cooperations,
           const AskerOutcomes& outcomes);
  // Fits the weights on the training askers.
  void Fit();
  // After Fit: a held-out asker's candidates under the fitted weights.
  void AddHeldOutCandidates(const ActorIndex& index,
                            const MatchContext& context,
                            const CooperationSignals* cooperations,
                            const AskerOutcomes& outcomes);
  // Evaluates and decides.
  LearnedWeights Finish() const;

 private:
  struct Example;
  struct Asker;
  // Adds to `asker` the top `pool` candidates under `weights` it does not
  // have yet.
  void AddCandidates(const ActorIndex& index, const MatchContext& context,
                     const CooperationSignals* cooperations, ActorNum actor,
                     const Weights& weights, Asker* asker) const;
  // The training loss at parameters `theta` (see the top of the file).
  double Loss(const std::vector<double>& theta) const;
  WeightsEvaluation Evaluate(const Weights& weights) const;

  const Weights defaults_;
  const LearningOptions options_;
  std::vector<Asker> training_;
  std::vector<Asker> held_out_;
  Weights fitted_;
  bool fit_ran_ = false;
};

}  // namespace maillage::matcher

#endif  // MAILLAGE_MATCHER_LEARNING_H_

#include "matcher/learning.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

#include "matcher/actor_index_internal.h"
#include "matcher/partner_search.h"
#include "matcher/scoring.h"

namespace maillage::matcher {

using internal::NormalizedWeights;
using internal::Query;

struct WeightLearner::Example {
  Query::Factors factors;
  ActorNum partner = 0;
  double weight = 1;
  int label = 0;  // 1 positive, -1 turned down, 0 a candidate
};

struct WeightLearner::Asker {
  uint64_t key = 0;
  ActorNum actor = 0;
  std::vector<Example> examples;
};

namespace {

// theta: ln of the additive weights learned, logits of the strengths, ln
// beta (see learning.h).
enum Param {
  kComplementarity = 0,
  kSharedThemes,
  kFragility,
  kCrossKind,
  kCommonPartners,
  kProximity,
  kSimilarSuccess,
  kBeta,
  kParamCount
};
constexpr double kScoreFloor = 1e-4;
constexpr double kStartBeta = 4;

double Logit(double p) {
  p = std::clamp(p, 0.01, 0.99);
  return std::log(p / (1 - p));
}
double Sigmoid(double x) { return 1 / (1 + std::exp(-x)); }
double Softplus(double x) {
  return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

std::vector<double> ParamsOf(const Weights& w) {
  std::vector<double> theta(kParamCount);
  auto ln = [](double v) { return std::log(std::max(v, 1e-3)); };
  theta[kComplementarity] = ln(w.complementarity);
  theta[kSharedThemes] = ln(w.shared_themes);
  theta[kFragility] = ln(w.fragility);
  theta[kCrossKind] = ln(w.cross_kind);
  theta[kCommonPartners] = ln(w.common_partners);
  theta[kProximity] = Logit(w.proximity);
  theta[kSimilarSuccess] = Logit(w.similar_success);
  theta[kBeta] = std::log(kStartBeta);
  return theta;
}

// The weights of parameters `theta`; capacity keeps its default share of
// the additive weights, responsiveness its default strength.
Weights WeightsOf(const std::vector<double>& theta, const Weights& defaults) {
  Weights w = defaults;
  w.complementarity = std::exp(theta[kComplementarity]);
  w.shared_themes = std::exp(theta[kSharedThemes]);
  w.fragility = std::exp(theta[kFragility]);
  w.cross_kind = std::exp(theta[kCrossKind]);
  w.common_partners = std::exp(theta[kCommonPartners]);
  w.proximity = Sigmoid(theta[kProximity]);
  w.similar_success = Sigmoid(theta[kSimilarSuccess]);
  const double default_others = defaults.complementarity +
                                defaults.shared_themes + defaults.fragility +
                                defaults.cross_kind + defaults.common_partners;
  const double others = w.complementarity + w.shared_themes + w.fragility +
                        w.cross_kind + w.common_partners;
  w.capacity = default_others > 0 ? defaults.capacity * others / default_others
                                  : defaults.capacity;
  return w;
}

// The log-score of every example of `asker` under `weights`.
template <typename Examples>
void LogScores(const Examples& examples, const NormalizedWeights& weights,
               std::vector<double>* out) {
  out->clear();
  for (const auto& e : examples) {
    const double s = Query::Combine(e.factors, weights).total;
    out->push_back(std::log(std::max(s, kScoreFloor)));
  }
}

std::string Figures(const WeightsEvaluation& e) {
  char text[96];
  std::snprintf(text, sizeof(text), "NDCG@10 %.3f, recall@10 %.3f",
                e.ndcg_at_10, e.recall_at_10);
  return text;
}

}  // namespace

WeightLearner::WeightLearner(const Weights& defaults,
                             const LearningOptions& options)
    : defaults_(defaults), options_(options), fitted_(defaults) {}

WeightLearner::~WeightLearner() = default;

bool WeightLearner::HeldOut(uint64_t key) const {
  // A multiplicative hash spreads consecutive keys.
  const uint64_t mixed = key * 0x9E3779B97F4A7C15ull;
  return static_cast<double>(mixed >> 11) / static_cast<double>(1ull << 53) <
         options_.held_out_share;
}

void WeightLearner::Add(const ActorIndex& index, const MatchContext& context,
                        const CooperationSignals* cooperations,
                        const AskerOutcomes& outcomes) {
  if (!index.IsLive(outcomes.actor) || outcomes.positives.empty()) return;
  Asker asker;
  asker.key = outcomes.key;
  asker.actor = outcomes.actor;
  const Query query(index, context, outcomes.actor,
                    internal::Normalize(defaults_), cooperations);
  auto add = [&](const AskerOutcomes::Labelled& l, int label) {
    if (l.partner == outcomes.actor || !index.IsLive(l.partner)) return;
    const ActorProfile& a = index.Get(outcomes.actor);
    const ActorProfile& b = index.Get(l.partner);
    const internal::PairInputs inputs{internal::DirectCredits(a, b),
                                      internal::DirectCredits(b, a)};
    asker.examples.push_back(Example{query.ComputeFactors(l.partner, inputs),
                                     l.partner, l.weight, label});
  };
  for (const AskerOutcomes::Labelled& l : outcomes.positives) add(l, 1);
  for (const AskerOutcomes::Labelled& l : outcomes.negatives) add(l, -1);
  if (std::none_of(asker.examples.begin(), asker.examples.end(),
                   [](const Example& e) { return e.label > 0; })) {
    return;
  }
  AddCandidates(index, context, cooperations, outcomes.actor, defaults_,
                &asker);
  (HeldOut(outcomes.key) ? held_out_ : training_).push_back(std::move(asker));
}

void WeightLearner::AddCandidates(const ActorIndex& index,
                                  const MatchContext& context,
                                  const CooperationSignals* cooperations,
                                  ActorNum actor, const Weights& weights,
                                  Asker* asker) const {
  // The search itself, not SuggestPartners: an asker whose capacity the
  // partnerships used up still has candidates to compare.
  PartnerOptions options;
  options.limit = options_.pool;
  options.weights = weights;
  options.cooperations = cooperations;
  const Query query(index, context, actor, internal::Normalize(weights),
                    cooperations);
  thread_local internal::SearchBuffers buffers;
  internal::PartnerSearch search(query, options, buffers);
  for (internal::Ranked& r : search.Run()) {
    const bool known =
        std::any_of(asker->examples.begin(), asker->examples.end(),
                    [&](const Example& e) { return e.partner == r.num; });
    if (!known) asker->examples.push_back(Example{r.detail, r.num, 1, 0});
  }
}

double WeightLearner::Loss(const std::vector<double>& theta) const {
  const NormalizedWeights w = internal::Normalize(WeightsOf(theta, defaults_));
  const double beta = std::exp(theta[kBeta]);
  double loss = 0;
  double total = 0;
  std::vector<double> log_scores;
  for (const Asker& asker : training_) {
    LogScores(asker.examples, w, &log_scores);
    for (size_t p = 0; p < asker.examples.size(); ++p) {
      const Example& pos = asker.examples[p];
      if (pos.label <= 0) continue;
      for (size_t n = 0; n < asker.examples.size(); ++n) {
        const Example& neg = asker.examples[n];
        if (neg.label > 0) continue;
        const double c = pos.weight * neg.weight;
        loss += c * Softplus(-beta * (log_scores[p] - log_scores[n]));
        total += c;
      }
    }
  }
  if (total > 0) loss /= total;
  const std::vector<double> start = ParamsOf(defaults_);
  for (int i = 0; i < kBeta; ++i) {
    loss += options_.l2 * (theta[i] - start[i]) * (theta[i] - start[i]);
  }
  return loss;
}

void WeightLearner::Fit() {
  size_t positives = 0;
  for (const Asker& asker : training_) {
    for (const Example& e : asker.examples) positives += e.label > 0;
  }
  if (positives < options_.min_positives) return;
  std::vector<double> theta = ParamsOf(defaults_);
  double loss = Loss(theta);
  constexpr double kStep = 1e-4;
  double rate = 1;
  for (int iteration = 0; iteration < options_.max_iterations; ++iteration) {
    std::vector<double> gradient(kParamCount);
    for (int i = 0; i < kParamCount; ++i) {
      std::vector<double> up = theta;
      std::vector<double> down = theta;
      up[i] += kStep;
      down[i] -= kStep;
      gradient[i] = (Loss(up) - Loss(down)) / (2 * kStep);
    }
    // Backtracking: the largest step (from twice the last one) that lowers
    // the loss.
    rate = std::min(rate * 2, 4.0);
    bool moved = false;
    for (int halving = 0; halving < 30 && !moved; ++halving, rate /= 2) {
      std::vector<double> next = theta;
      for (int i = 0; i < kParamCount; ++i) next[i] -= rate * gradient[i];
      const double next_loss = Loss(next);
      if (next_loss < loss) {
        moved = loss - next_loss > 1e-9 * std::max(1.0, loss);
        theta = std::move(next);
        loss = next_loss;
        if (!moved) break;
      }
    }
    if (!moved) break;
  }
  fitted_ = WeightsOf(theta, defaults_);
  fit_ran_ = true;
}

void WeightLearner::AddHeldOutCandidates(const ActorIndex& index,
                                         const MatchContext& context,
                                         const CooperationSignals* cooperations,
                                         const AskerOutcomes& outcomes) {
  if (!fit_ran_ || !index.IsLive(outcomes.actor)) return;
  for (Asker& asker : held_out_) {
    if (asker.key != outcomes.key || asker.actor != outcomes.actor) continue;
    AddCandidates(index, context, cooperations, outcomes.actor, fitted_,
                  &asker);
    return;
  }
}

WeightsEvaluation WeightLearner::Evaluate(const Weights& weights) const {
  const NormalizedWeights w = internal::Normalize(weights);
  WeightsEvaluation eval;
  double hits = 0;
  double gain = 0;
  std::vector<double> log_scores;
  for (const Asker& asker : held_out_) {
    LogScores(asker.examples, w, &log_scores);
    for (size_t p = 0; p < asker.examples.size(); ++p) {
      const Example& pos = asker.examples[p];
      if (pos.label <= 0 || pos.weight < 1) continue;
      size_t rank = 1;
      for (size_t n = 0; n < asker.examples.size(); ++n) {
        if (asker.examples[n].label <= 0 && log_scores[n] >= log_scores[p]) {
          ++rank;
        }
      }
      ++eval.positives;
      if (rank <= 10) {
        hits += 1;
        gain += 1 / std::log2(1.0 + rank);
      }
    }
  }
  if (eval.positives > 0) {
    eval.recall_at_10 = hits / eval.positives;
    eval.ndcg_at_10 = gain / eval.positives;
  }
  return eval;
}

LearnedWeights WeightLearner::Finish() const {
  LearnedWeights out;
  out.weights = defaults_;
  out.fitted = fitted_;
  out.training_askers = training_.size();
  out.held_out_askers = held_out_.size();
  for (const Asker& asker : training_) {
    for (const Example& e : asker.examples) {
      out.training_positives += e.label > 0;
      out.training_negatives += e.label < 0;
    }
  }
  out.with_defaults = Evaluate(defaults_);
  out.with_fitted = fit_ran_ ? Evaluate(fitted_) : out.with_defaults;
  const size_t held = out.with_defaults.positives;
  if (!fit_ran_ || held < options_.min_held_out) {
    out.reason =
        "not enough outcomes: " + std::to_string(out.training_positives) +
        " positive pairs to learn from (at least " +
        std::to_string(options_.min_positives) + ") and " +
        std::to_string(held) + " held out (at least " +
        std::to_string(options_.min_held_out) + "); the default weights stay";
    return out;
  }
  const std::string figures =
      Figures(out.with_fitted) + " against " + Figures(out.with_defaults) +
      " with the defaults, on " + std::to_string(held) + " held-out pairs";
  if (out.with_fitted.ndcg_at_10 > out.with_defaults.ndcg_at_10 &&
      out.with_fitted.recall_at_10 >= out.with_defaults.recall_at_10) {
    out.adopted = true;
    out.weights = fitted_;
    out.reason = "adopted: " + figures;
  } else {
    out.reason =
        "not adopted, the fitted weights rank the held-out pairs no "
        "better: " +
        figures;
  }
  return out;
}

}  // namespace maillage::matcher

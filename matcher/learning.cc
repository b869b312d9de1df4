#include "matcher/learning.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <utility>

#include "matcher/actor_index_internal.h"
#include "matcher/partner_search.h"
#include "matcher/scoring.h"

namespace maillage::matcher {

using internal::NormalizedWeights;
using internal::Query;

namespace {

// What the fit reads of a pair's factors: Query::Combine's inputs, and
// nothing of the explanation (88 bytes where Query::Factors takes 168; a
// round holds one per example, about 200 per training asker).
struct CombinedFactors {
  double cover_actor, cover_partner, themes_actor, themes_partner;
  double fragility, cross_kind, capacity, common;
  double proximity, success, responsiveness;

  explicit CombinedFactors(const Query::Factors& f)
      : cover_actor(f.fit.cover_actor),
        cover_partner(f.fit.cover_partner),
        themes_actor(f.fit.themes_actor),
        themes_partner(f.fit.themes_partner),
        fragility(f.fragility),
        cross_kind(f.cross_kind),
        capacity(f.capacity),
        common(f.common),
        proximity(f.proximity.value),
        success(f.success.value),
        responsiveness(f.responsiveness) {}

  // Factors whose Combine gives the score the original's did, to the bit:
  // the fields Combine reads are these, the others keep their defaults.
  Query::Factors ToFactors() const {
    Query::Factors f;
    f.fit.cover_actor = cover_actor;
    f.fit.cover_partner = cover_partner;
    f.fit.themes_actor = themes_actor;
    f.fit.themes_partner = themes_partner;
    f.fragility = fragility;
    f.cross_kind = cross_kind;
    f.capacity = capacity;
    f.common = common;
    f.proximity.value = proximity;
    f.success.value = success;
    f.responsiveness = responsiveness;
    return f;
  }
};

}  // namespace

struct WeightLearner::Example {
  CombinedFactors factors;
  ActorNum partner = 0;
  int label = 0;  // 1 positive, -1 turned down, 0 a candidate
  double weight = 1;
};

struct WeightLearner::Asker {
  uint64_t key = 0;
  ActorNum actor = 0;
  bool held_out = false;
  std::vector<Example> examples;
};

namespace {

// theta: logs of the additive weights learned (on the simplex of their
// default sum), logits of the strengths (see learning.h).
enum Param {
  kComplementarity = 0,
  kSharedThemes,
  kFragility,
  kCrossKind,
  kCommonPartners,
  kAdditiveCount,
  kProximity = kAdditiveCount,
  kSimilarSuccess,
  kParamCount
};
constexpr double kScoreFloor = 1e-4;
// A partner scoring twice another's is preferred 2^4 = 16 to 1.
constexpr double kBeta = 4;

double Logit(double p) {
  p = std::clamp(p, 0.01, 0.99);
  return std::log(p / (1 - p));
}
double Sigmoid(double x) { return 1 / (1 + std::exp(-x)); }
// ln(1 + e^x), also for x = -inf.
double Softplus(double x) {
  return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

double* Additive(Weights& w, int param) {
  switch (param) {
    case kComplementarity:
      return &w.complementarity;
    case kSharedThemes:
      return &w.shared_themes;
    case kFragility:
      return &w.fragility;
    case kCrossKind:
      return &w.cross_kind;
    default:
      return &w.common_partners;
  }
}

std::vector<double> ParamsOf(Weights w) {
  std::vector<double> theta(kParamCount);
  for (int i = 0; i < kAdditiveCount; ++i) {
    theta[i] = std::log(std::max(*Additive(w, i), 1e-3));
  }
  theta[kProximity] = Logit(w.proximity);
  theta[kSimilarSuccess] = Logit(w.similar_success);
  return theta;
}

// The weights of parameters `theta`: the learned additive weights keep the
// defaults' sum (so capacity keeps its share), responsiveness its strength.
Weights WeightsOf(const std::vector<double>& theta, Weights defaults) {
  Weights w = defaults;
  double sum = 0;
  double exp_sum = 0;
  for (int i = 0; i < kAdditiveCount; ++i) {
    sum += *Additive(defaults, i);
    exp_sum += std::exp(theta[i]);
  }
  for (int i = 0; i < kAdditiveCount; ++i) {
    *Additive(w, i) = sum * std::exp(theta[i]) / exp_sum;
  }
  w.proximity = Sigmoid(theta[kProximity]);
  w.similar_success = Sigmoid(theta[kSimilarSuccess]);
  return w;
}

// The value of a parameter's factor in a pair.
double FactorValue(const CombinedFactors& f, int param) {
  switch (param) {
    case kComplementarity:
      return f.cover_actor + f.cover_partner;
    case kSharedThemes:
      return f.themes_actor + f.themes_partner;
    case kFragility:
      return f.fragility;
    case kCrossKind:
      return f.cross_kind;
    case kCommonPartners:
      return f.common;
    case kProximity:
      return f.proximity;
    default:
      return f.success;
  }
}

// The log-score of every example under `weights`.
template <typename Examples>
void LogScores(const Examples& examples, const NormalizedWeights& weights,
               std::vector<double>* out) {
  out->clear();
  for (const auto& e : examples) {
    const double s = Query::Combine(e.factors.ToFactors(), weights).total;
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
  if (!index.IsLive(outcomes.actor) || outcomes.positives.empty() ||
      by_key_.contains(outcomes.key)) {
    return;
  }
  Asker asker;
  asker.key = outcomes.key;
  asker.actor = outcomes.actor;
  asker.held_out = HeldOut(outcomes.key);
  const Query query(index, context, outcomes.actor,
                    internal::Normalize(defaults_), cooperations);
  auto add = [&](const AskerOutcomes::Labelled& l, int label) {
    if (l.partner == outcomes.actor || !index.IsLive(l.partner)) return;
    const ActorProfile& a = index.Get(outcomes.actor);
    const ActorProfile& b = index.Get(l.partner);
    const internal::PairInputs inputs{internal::DirectCredits(a, b),
                                      internal::DirectCredits(b, a)};
    asker.examples.push_back(
        Example{CombinedFactors(query.ComputeFactors(l.partner, inputs)),
                l.partner, label, l.weight});
  };
  for (const AskerOutcomes::Labelled& l : outcomes.positives) add(l, 1);
  for (const AskerOutcomes::Labelled& l : outcomes.negatives) add(l, -1);
  if (std::none_of(asker.examples.begin(), asker.examples.end(),
                   [](const Example& e) { return e.label > 0; })) {
    return;
  }
  AddCandidates(index, context, cooperations, defaults_, &asker);
  by_key_[asker.key] = askers_.size();
  askers_.push_back(std::move(asker));
}

void WeightLearner::AddFittedCandidates(const ActorIndex& index,
                                        const MatchContext& context,
                                        const CooperationSignals* cooperations,
                                        const AskerOutcomes& outcomes) {
  auto it = by_key_.find(outcomes.key);
  if (!fit_ran_ || it == by_key_.end() || !index.IsLive(outcomes.actor)) {
    return;
  }
  Asker& asker = askers_[it->second];
  if (asker.actor != outcomes.actor) return;  // renumbered meanwhile
  AddCandidates(index, context, cooperations, fitted_, &asker);
}

void WeightLearner::AddCandidates(const ActorIndex& index,
                                  const MatchContext& context,
                                  const CooperationSignals* cooperations,
                                  const Weights& weights, Asker* asker) const {
  // The search itself, not SuggestPartners: an asker whose capacity the
  // partnerships used up still has candidates to compare.
  PartnerOptions options;
  options.limit = options_.pool;
  options.weights = weights;
  options.cooperations = cooperations;
  const Query query(index, context, asker->actor, internal::Normalize(weights),
                    cooperations);
  internal::PartnerSearch search(query, options, internal::ThreadBuffers());
  const std::vector<internal::Ranked> ranked = search.Run();
  // Grown by what this search may add, not doubled: a round holds every
  // training asker's examples at once.
  asker->examples.reserve(asker->examples.size() + ranked.size());
  for (const internal::Ranked& r : ranked) {
    const bool known =
        std::any_of(asker->examples.begin(), asker->examples.end(),
                    [&](const Example& e) { return e.partner == r.num; });
    if (!known) {
      asker->examples.push_back(
          Example{CombinedFactors(r.detail), r.num, 0, 1});
    }
  }
}

double WeightLearner::Loss(const std::vector<double>& theta) const {
  const NormalizedWeights w = internal::Normalize(WeightsOf(theta, defaults_));
  double loss = 0;
  double total = 0;
  std::vector<double> log_scores;
  for (const Asker& asker : askers_) {
    if (asker.held_out) continue;
    LogScores(asker.examples, w, &log_scores);
    // ln of the negatives' part of the softmax's denominator (-inf when
    // there is none), then each positive's -ln Pr(first) =
    // ln(1 + negatives / s_P^beta).
    double top = -std::numeric_limits<double>::infinity();
    for (size_t n = 0; n < asker.examples.size(); ++n) {
      if (asker.examples[n].label <= 0) top = std::max(top, log_scores[n]);
    }
    double sum = 0;
    for (size_t n = 0; n < asker.examples.size(); ++n) {
      const Example& e = asker.examples[n];
      if (e.label <= 0)
        sum += e.weight * std::exp(kBeta * (log_scores[n] - top));
    }
    const double negatives = sum > 0 ? kBeta * top + std::log(sum)
                                     : -std::numeric_limits<double>::infinity();
    for (size_t p = 0; p < asker.examples.size(); ++p) {
      const Example& pos = asker.examples[p];
      if (pos.label <= 0) continue;
      loss += pos.weight * Softplus(negatives - kBeta * log_scores[p]);
      total += pos.weight;
    }
  }
  if (total > 0) loss /= total;
  const std::vector<double> start = ParamsOf(defaults_);
  for (int i = 0; i < kParamCount; ++i) {
    loss += options_.l2 * (theta[i] - start[i]) * (theta[i] - start[i]);
  }
  return loss;
}

std::vector<bool> WeightLearner::Learnable() const {
  std::vector<bool> learnable(kParamCount, false);
  for (int i = 0; i < kParamCount; ++i) {
    double low = 1e300;
    double high = -1e300;
    for (const Asker& asker : askers_) {
      if (asker.held_out) continue;
      for (const Example& e : asker.examples) {
        low = std::min(low, FactorValue(e.factors, i));
        high = std::max(high, FactorValue(e.factors, i));
      }
    }
    learnable[i] = high - low > 1e-9;
  }
  return learnable;
}

void WeightLearner::Fit(absl::FunctionRef<bool()> between_steps) {
  size_t positives = 0;
  for (const Asker& asker : askers_) {
    if (asker.held_out) continue;
    for (const Example& e : asker.examples) positives += e.label > 0;
  }
  if (positives < options_.min_positives) return;
  const std::vector<bool> learnable = Learnable();
  std::vector<double> theta = ParamsOf(fitted_);
  // Every evaluation of the loss is a step; once between_steps answers
  // false, the fit keeps the parameters it has.
  bool stopped = false;
  auto step = [&](const std::vector<double>& at) {
    const double value = Loss(at);
    if (!stopped && !between_steps()) stopped = true;
    return value;
  };
  double loss = step(theta);
  constexpr double kStep = 1e-4;
  double rate = 1;
  for (int iteration = 0; iteration < options_.max_iterations && !stopped;
       ++iteration) {
    std::vector<double> gradient(kParamCount, 0.0);
    for (int i = 0; i < kParamCount && !stopped; ++i) {
      if (!learnable[i]) continue;
      std::vector<double> up = theta;
      std::vector<double> down = theta;
      up[i] += kStep;
      down[i] -= kStep;
      const double loss_up = step(up);
      const double loss_down = step(down);
      gradient[i] = (loss_up - loss_down) / (2 * kStep);
    }
    if (stopped) break;  // a part of the gradient is no direction
    // Backtracking: the largest step (from twice the last one) that lowers
    // the loss; stop when none lowers it noticeably.
    rate = std::min(rate * 2, 4.0);
    bool moved = false;
    for (int halving = 0; halving < 30 && !stopped; ++halving, rate /= 2) {
      std::vector<double> next = theta;
      for (int i = 0; i < kParamCount; ++i) next[i] -= rate * gradient[i];
      const double next_loss = step(next);
      if (next_loss < loss) {
        moved = loss - next_loss > 1e-9 * std::max(1.0, loss);
        theta = std::move(next);
        loss = next_loss;
        break;
      }
    }
    if (!moved) break;
  }
  fitted_ = WeightsOf(theta, defaults_);
  fit_ran_ = true;
}

WeightsEvaluation WeightLearner::Evaluate(const Weights& weights) const {
  const NormalizedWeights w = internal::Normalize(weights);
  WeightsEvaluation eval;
  double hits = 0;
  double gain = 0;
  std::vector<double> log_scores;
  for (const Asker& asker : askers_) {
    if (!asker.held_out) continue;
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

size_t WeightLearner::MemoryBytes() const {
  size_t bytes = askers_.capacity() * sizeof(Asker) +
                 by_key_.capacity() * (sizeof(uint64_t) + sizeof(size_t) + 1);
  for (const Asker& asker : askers_) {
    bytes += asker.examples.capacity() * sizeof(Example);
  }
  return bytes;
}

LearnedWeights WeightLearner::Finish() const {
  LearnedWeights out;
  out.weights = defaults_;
  out.fitted = fitted_;
  for (const Asker& asker : askers_) {
    if (asker.held_out) {
      ++out.held_out_askers;
      continue;
    }
    ++out.training_askers;
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
        "not adopted, the fitted weights rank the held-out pairs no better: " +
        figures;
  }
  return out;
}

}  // namespace maillage::matcher

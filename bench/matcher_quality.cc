// Quality of SuggestPartners against simpler baselines, on synthetic
// territories with a hidden truth.
//
// The generator gives every actor a true profile (themes, needs, offers),
// of which it declares only a noisy, partial view (needs and offers dropped,
// themes forgotten or wrong, spurious entries). Past partnerships are drawn
// from the truth and proximity: a pair forms with a propensity that grows
// with what each side truly gains from the other and decays with distance.
// 20% of the partnerships are held out; the rest are known to the engine
// (registry). For every actor with a held-out partner, each method ranks
// partners (never the actor itself nor a known partner) and we measure
// recall@10 and NDCG@10 of the held-out partners:
//   engine     SuggestPartners with the default weights, limit 10
//   learned    SuggestPartners with the weights learned from the known
//              partnerships (matcher/learning.h: its own split of them,
//              its own held-out test before adoption: the defaults when
//              the test refuses them); the benchmark's held-out 20% are
//              never shown to it
//   fitted     the same with the fitted weights, adopted or not
//   proximity  the engine's proximity factor alone
//   themes     shared declared themes, rarer ones weighing more
//   one_way    the engine's score with fit(A <- B) in place of the mutual
//              fit (default weights, and learned ones)
//   random     a random order
//   oracle     the generator's own propensity from the hidden truth: the
//              ceiling; and the same propensity computed from the declared
//              needs and offers (true positions and themes): what the
//              declared exchanges allow at best, whatever the weights
// The known partnerships are also the engine's cooperation signals, as a
// workspace's registry is on the server. The generator's shapes (gain,
// distance decay, noise) are its own, not the engine's formulas.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "matcher/actor_index.h"
#include "matcher/context.h"
#include "matcher/learning.h"
#include "matcher/partners.h"
#include "matcher/scoring.h"
#include "matcher/synthetic.h"
#include "matcher/vocabulary.h"

namespace maillage::matcher {
namespace {

using territory::Level;

struct TrueExchange {
  uint8_t resource;
  uint8_t theme;
};

struct TrueActor {
  Kind kind;
  uint32_t commune;
  double x_km;  // true position
  double y_km;
  ThemeSet themes = 0;
  std::vector<TrueExchange> needs;
  std::vector<TrueExchange> offers;
};

struct Weighted {
  const char* code;
  double weight;
};

// What each kind truly needs and offers (the generator's own tables).
constexpr Weighted kNeeds[][6] = {
    {{"funding", 4},
     {"volunteers", 3},
     {"skills", 2},
     {"in_kind", 2},
     {"premises", 1},
     {"audience_access", 1}},  // association
    {{"services", 3},
     {"hiring", 2},
     {"visibility", 2},
     {"purchasing", 1},
     {"expertise", 1},
     {"network", 1}},  // company
    {{"services", 3},
     {"expertise", 2},
     {"evaluation", 1},
     {"volunteers", 1},
     {"audience_access", 1},
     {"network", 1}},  // public body
    {{"funding", 3},
     {"audience_access", 2},
     {"network", 1},
     {"in_kind", 1},
     {"premises", 1},
     {"visibility", 1}},  // academic
    {{"funding", 3},
     {"network", 2},
     {"expertise", 1},
     {"visibility", 1},
     {"services", 1},
     {"premises", 1}},  // media
};
constexpr Weighted kOffers[][6] = {
    {{"services", 3},
     {"audience_access", 2},
     {"volunteers", 2},
     {"visibility", 2},
     {"hiring", 1},
     {"expertise", 1}},
    {{"funding", 3},
     {"skills", 3},
     {"in_kind", 2},
     {"volunteers", 1},
     {"purchasing", 1},
     {"premises", 1}},
    {{"funding", 3},
     {"public_support", 2},
     {"premises", 2},
     {"network", 2},
     {"audience_access", 1},
     {"in_kind", 1}},
    {{"expertise", 3},
     {"evaluation", 2},
     {"skills", 1},
     {"volunteers", 1},
     {"network", 1},
     {"premises", 1}},
    {{"visibility", 3},
     {"audience_access", 2},
     {"network", 1},
     {"skills", 1},
     {"services", 1},
     {"expertise", 1}},
};

class QualityWorld {
 public:
  static constexpr size_t kActors = 10000;

  explicit QualityWorld(uint64_t seed);
  // The constructor's steps, in the order they draw from the generator.
  void DrawTruth(std::mt19937_64& rng);
  std::vector<std::pair<size_t, size_t>> DrawPartnerships(std::mt19937_64& rng);
  void DeclareProfiles(std::mt19937_64& rng);
  void SplitPartnerships(const std::vector<std::pair<size_t, size_t>>& pairs);

  const Vocabulary& vocabulary() const { return *vocabulary_; }

  std::unique_ptr<Vocabulary> vocabulary_;
  std::unique_ptr<synthetic::France> france_;
  std::vector<TrueActor> truth_;
  std::unique_ptr<ActorIndex> index_;
  std::unique_ptr<MatchContext> context_;
  std::vector<ActorNum> num_;                 // actor i -> number in the index
  std::vector<size_t> actor_of_;              // number in the index -> actor i
  std::vector<std::vector<ActorNum>> known_;  // by number, sorted
  std::vector<std::vector<ActorNum>> held_out_;  // by number
  size_t partnerships_ = 0;
};

double Uniform(std::mt19937_64& rng) {
  return std::uniform_real_distribution<double>(0, 1)(rng);
}

uint8_t DrawFrom(const Weighted (&table)[6], const Vocabulary& vocabulary,
                 std::mt19937_64& rng) {
  double sum = 0;
  for (const Weighted& w : table) sum += w.weight;
  double x = Uniform(rng) * sum;
  for (const Weighted& w : table) {
    x -= w.weight;
    if (x <= 0) return *vocabulary.Resource(w.code);
  }
  return *vocabulary.Resource(table[5].code);
}

uint8_t DrawTheme(size_t themes, std::mt19937_64& rng) {
  // Zipf-like popularity, the generator's own exponent.
  double sum = 0;
  for (size_t t = 0; t < themes; ++t) sum += 1.0 / (t + 2.0);
  double x = Uniform(rng) * sum;
  for (size_t t = 0; t < themes; ++t) {
    x -= 1.0 / (t + 2.0);
    if (x <= 0) return static_cast<uint8_t>(t);
  }
  return static_cast<uint8_t>(themes - 1);
}

// What X truly gains from Y: each true need met by a true offer of the same
// resource, fully on the same theme, a little on another theme X works on.
double Gain(const TrueActor& x, const TrueActor& y) {
  double gain = 0;
  for (const TrueExchange& need : x.needs) {
    double best = 0;
    for (const TrueExchange& offer : y.offers) {
      if (offer.resource != need.resource) continue;
      best = std::max(best, offer.theme == need.theme       ? 1.0
                            : (x.themes >> offer.theme & 1) ? 0.3
                                                            : 0.0);
    }
    gain += best;
  }
  return std::min(gain, 2.0);
}

QualityWorld::QualityWorld(uint64_t seed) {
  std::mt19937_64 rng(seed);
  absl::StatusOr<Vocabulary> vocabulary =
      Vocabulary::LoadFromDir(MAILLAGE_REFERENCE_DIR "/vocab");
  if (!vocabulary.ok()) std::abort();
  vocabulary_ = std::make_unique<Vocabulary>(*std::move(vocabulary));
  synthetic::FranceOptions options;
  options.regions = 2;
  options.departements = 8;
  options.epcis = 80;
  options.communes = 1500;
  options.seed = seed;
  france_ = std::make_unique<synthetic::France>(options);

  DrawTruth(rng);
  std::vector<std::pair<size_t, size_t>> pairs = DrawPartnerships(rng);
  partnerships_ = pairs.size();
  DeclareProfiles(rng);
  SplitPartnerships(pairs);
}

// Each actor's true kind, place, themes, needs and offers.
void QualityWorld::DrawTruth(std::mt19937_64& rng) {
  const size_t themes = vocabulary_->theme_count();
  truth_.resize(kActors);
  for (TrueActor& a : truth_) {
    const double k = Uniform(rng);
    a.kind = k < 0.5    ? Kind::kAssociation
             : k < 0.85 ? Kind::kCompany
             : k < 0.93 ? Kind::kPublicBody
             : k < 0.97 ? Kind::kAcademic
                        : Kind::kMedia;
    a.commune = france_->DrawCommune(rng);
    a.y_km = (france_->Latitude(a.commune) - 46.0) * 111.0 +
             (Uniform(rng) - 0.5) * 2;
    a.x_km =
        (france_->Longitude(a.commune) - 2.0) * 76.0 + (Uniform(rng) - 0.5) * 2;
    std::vector<uint8_t> own;
    for (int i = 0, n = 1 + static_cast<int>(rng() % 3); i < n; ++i) {
      own.push_back(DrawTheme(themes, rng));
      a.themes |= ThemeSet{1} << own.back();
    }
    const int kind = static_cast<int>(a.kind) - 1;
    for (int i = 0, n = 2 + static_cast<int>(rng() % 2); i < n; ++i) {
      a.needs.push_back(
          {DrawFrom(kNeeds[kind], *vocabulary_, rng), own[rng() % own.size()]});
    }
    for (int i = 0, n = 2 + static_cast<int>(rng() % 2); i < n; ++i) {
      a.offers.push_back({DrawFrom(kOffers[kind], *vocabulary_, rng),
                          own[rng() % own.size()]});
    }
  }
}

// Past partnerships drawn from the truth and proximity: pairs (a < b) of
// actors, distinct, shuffled.
std::vector<std::pair<size_t, size_t>> QualityWorld::DrawPartnerships(
    std::mt19937_64& rng) {
  std::vector<std::pair<size_t, size_t>> pairs;
  std::vector<double> weight(kActors);
  for (size_t a = 0; a < kActors; ++a) {
    const TrueActor& x = truth_[a];
    double sum = 0;
    for (size_t b = 0; b < kActors; ++b) {
      if (b == a) {
        weight[b] = 0;
        continue;
      }
      const TrueActor& y = truth_[b];
      const double dx = x.x_km - y.x_km;
      const double dy = x.y_km - y.y_km;
      const double d2 = dx * dx + dy * dy;
      const double decay = 1.0 / (1.0 + d2 / 144.0);  // 12 km half-point
      if (decay < 1e-3) {
        weight[b] = 0;
        continue;
      }
      double w = (0.15 + Gain(x, y)) * (0.15 + Gain(y, x)) * decay;
      if (x.kind != y.kind) w *= 1.5;
      if (x.themes & y.themes) w *= 1.5;
      weight[b] = w;
      sum += w;
    }
    const int attempts = 1 + std::poisson_distribution<int>(1.0)(rng);
    for (int i = 0; i < attempts && sum > 0; ++i) {
      double r = Uniform(rng) * sum;
      size_t b = 0;
      for (; b + 1 < kActors; ++b) {
        r -= weight[b];
        if (r <= 0) break;
      }
      pairs.emplace_back(std::min(a, b), std::max(a, b));
    }
  }
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  std::shuffle(pairs.begin(), pairs.end(), rng);
  return pairs;
}

// The declared, noisy and partial view of the truth, in the index.
void QualityWorld::DeclareProfiles(std::mt19937_64& rng) {
  const size_t themes = vocabulary_->theme_count();
  index_ = std::make_unique<ActorIndex>();
  index_->SetCommunePlaces(france_->communes());
  num_.resize(kActors);
  for (size_t i = 0; i < kActors; ++i) {
    const TrueActor& a = truth_[i];
    ActorProfile p;
    char id[32];
    std::snprintf(id, sizeof(id), "q:%06zu", i);
    p.id = id;
    p.kind = a.kind;
    p.home = france_->Commune(a.commune);
    if (Uniform(rng) < 0.7) {
      p.latitude = static_cast<float>(46.0 + a.y_km / 111.0);
      p.longitude = static_cast<float>(2.0 + a.x_km / 76.0);
    }
    for (int t = 0; t < 64; ++t) {
      if ((a.themes >> t & 1) && Uniform(rng) < 0.8) {
        p.themes |= ThemeSet{1} << t;
      }
    }
    if (Uniform(rng) < 0.2) p.themes |= ThemeSet{1} << DrawTheme(themes, rng);
    auto declare = [&](const std::vector<TrueExchange>& truth,
                       const Weighted(&table)[6], std::vector<Exchange>* out) {
      for (const TrueExchange& e : truth) {
        if (Uniform(rng) >= 0.6) continue;  // not declared
        Exchange x{e.resource, e.theme};
        const double u = Uniform(rng);
        if (u < 0.3) {
          x.theme = Exchange::kAnyTheme;
        } else if (u < 0.4) {
          x.theme = DrawTheme(themes, rng);
        }
        out->push_back(x);
      }
      if (Uniform(rng) < 0.3) {  // a spurious one
        out->push_back(
            {DrawFrom(table, *vocabulary_, rng), DrawTheme(themes, rng)});
      }
    };
    const int kind = static_cast<int>(a.kind) - 1;
    declare(a.needs, kNeeds[kind], &p.needs);
    declare(a.offers, kOffers[kind], &p.offers);
    p.capacity = 5;
    num_[i] = index_->Upsert(std::move(p));
  }
  actor_of_.resize(index_->num_limit());
  for (size_t i = 0; i < kActors; ++i) actor_of_[num_[i]] = i;
}

void QualityWorld::SplitPartnerships(
    const std::vector<std::pair<size_t, size_t>>& pairs) {
  // 80% known to the engine (in every category, so that none is proposed
  // again), 20% held out.
  context_ = std::make_unique<MatchContext>(*vocabulary_);
  known_.resize(index_->num_limit());
  held_out_.resize(index_->num_limit());
  const size_t held = pairs.size() / 5;
  for (size_t i = 0; i < pairs.size(); ++i) {
    const ActorNum a = num_[pairs[i].first];
    const ActorNum b = num_[pairs[i].second];
    if (i < held) {
      held_out_[a].push_back(b);
      held_out_[b].push_back(a);
      continue;
    }
    for (Category c :
         {Category::kMecenat, Category::kResponsiblePractices,
          Category::kEconomicCooperation, Category::kSocietalInnovation}) {
      context_->AddPartnership({a, b, c, true});
    }
    context_->AddCooperationSignal(a, b);
    known_[a].push_back(b);
    known_[b].push_back(a);
  }
  for (auto& list : known_) std::sort(list.begin(), list.end());
}

QualityWorld& World() {
  // MAILLAGE_QUALITY_SEED draws another territory.
  static QualityWorld* world = new QualityWorld(
      std::getenv("MAILLAGE_QUALITY_SEED")
          ? std::strtoull(std::getenv("MAILLAGE_QUALITY_SEED"), nullptr, 10)
          : 2024);
  return *world;
}

// The weights learned from the known partnerships: every actor with known
// partners is an asker whose partners are positives.
const LearnedWeights& Learned() {
  static const LearnedWeights* learned = [] {
    const QualityWorld& w = World();
    WeightLearner learner(Weights{}, LearningOptions{});
    std::vector<AskerOutcomes> outcomes;
    for (ActorNum a = 0; a < w.index_->num_limit(); ++a) {
      if (w.known_[a].empty()) continue;
      AskerOutcomes o;
      o.actor = a;
      o.key = a;
      for (ActorNum b : w.known_[a]) o.positives.push_back({b, 1});
      outcomes.push_back(std::move(o));
    }
    for (const AskerOutcomes& o : outcomes) {
      learner.Add(*w.index_, *w.context_, nullptr, o);
    }
    for (int round = 0; round < learner.rounds(); ++round) {
      learner.Fit();
      for (const AskerOutcomes& o : outcomes) {
        learner.AddFittedCandidates(*w.index_, *w.context_, nullptr, o);
      }
    }
    auto* result = new LearnedWeights(learner.Finish());
    const Weights& x = result->fitted;
    std::fprintf(stderr,
                 "fitted weights (%s): complementarity %.3f, shared_themes "
                 "%.3f, fragility %.3f, cross_kind %.3f, capacity %.3f, "
                 "common_partners %.3f, proximity %.3f, responsiveness %.3f, "
                 "similar_success %.3f\n",
                 result->reason.c_str(), x.complementarity, x.shared_themes,
                 x.fragility, x.cross_kind, x.capacity, x.common_partners,
                 x.proximity, x.responsiveness, x.similar_success);
    return result;
  }();
  return *learned;
}

enum class Method {
  kEngine,
  kEngineLearned,
  kEngineFitted,
  kProximity,
  kThemes,
  kOneWay,
  kOneWayLearned,
  kRandom,
  kOracle,
  kOracleDeclared
};

// What X gains from Y when their needs and offers are the declared ones: an
// exchange declared without a theme has one of its owner's true themes
// (the generator wipes 30% of them), so its quality is averaged over them.
double ExpectedGain(const TrueActor& x, const TrueActor& y) {
  auto themes_of = [](uint8_t theme, ThemeSet own) {
    std::vector<uint8_t> out;
    if (theme != Exchange::kAnyTheme) return std::vector<uint8_t>{theme};
    for (int t = 0; t < 64; ++t) {
      if (own >> t & 1) out.push_back(static_cast<uint8_t>(t));
    }
    return out;
  };
  double gain = 0;
  for (const TrueExchange& need : x.needs) {
    double best = 0;
    for (const TrueExchange& offer : y.offers) {
      if (offer.resource != need.resource) continue;
      const std::vector<uint8_t> wanted = themes_of(need.theme, x.themes);
      const std::vector<uint8_t> given = themes_of(offer.theme, y.themes);
      double sum = 0;
      for (uint8_t tn : wanted) {
        for (uint8_t to : given) {
          sum += tn == to ? 1.0 : (x.themes >> to & 1) ? 0.3 : 0.0;
        }
      }
      if (!wanted.empty() && !given.empty()) {
        best = std::max(best, sum / (wanted.size() * given.size()));
      }
    }
    gain += best;
  }
  return std::min(gain, 2.0);
}

// The generator's propensity of x and y (see QualityWorld), with `gain`.
template <typename GainFn>
double Propensity(const TrueActor& x, const TrueActor& y, GainFn gain) {
  const double dx = x.x_km - y.x_km;
  const double dy = x.y_km - y.y_km;
  return (0.15 + gain(x, y)) * (0.15 + gain(y, x)) /
         (1.0 + (dx * dx + dy * dy) / 144.0) * (x.kind != y.kind ? 1.5 : 1.0) *
         ((x.themes & y.themes) ? 1.5 : 1.0);
}

// An actor's truth with its declared needs and offers in place of its true
// ones.
TrueActor WithDeclaredExchanges(const TrueActor& truth,
                                const ActorProfile& declared) {
  TrueActor x = truth;
  x.needs.clear();
  x.offers.clear();
  for (const Exchange& e : declared.needs) {
    x.needs.push_back({e.resource, e.theme});
  }
  for (const Exchange& e : declared.offers) {
    x.offers.push_back({e.resource, e.theme});
  }
  return x;
}

// The top 10 of a method for `actor`.
std::vector<ActorNum> Rank(const QualityWorld& w, Method method, ActorNum actor,
                           std::mt19937_64& rng) {
  if (method == Method::kEngine || method == Method::kEngineLearned ||
      method == Method::kEngineFitted) {
    PartnerOptions options;
    options.limit = 10;
    if (method == Method::kEngineLearned) options.weights = Learned().weights;
    if (method == Method::kEngineFitted) options.weights = Learned().fitted;
    absl::StatusOr<std::vector<Suggestion>> result =
        SuggestPartners(*w.index_, *w.context_, actor, options);
    if (!result.ok()) std::abort();
    std::vector<ActorNum> top;
    for (const Suggestion& s : *result) top.push_back(s.partner);
    return top;
  }
  const internal::Query query(
      *w.index_, *w.context_, actor,
      internal::Normalize(method == Method::kOneWayLearned ? Learned().weights
                                                           : Weights{}));
  const ActorProfile& me = w.index_->Get(actor);
  std::vector<std::pair<double, ActorNum>> scored;
  for (ActorNum b = 0; b < w.index_->num_limit(); ++b) {
    if (b == actor ||
        std::binary_search(w.known_[actor].begin(), w.known_[actor].end(), b)) {
      continue;
    }
    // Ties are broken at random, not by number.
    const double jitter = Uniform(rng) * 1e-9;
    double score = 0;
    switch (method) {
      case Method::kProximity:
        score = query.ComputeProximity(b).value;
        break;
      case Method::kThemes: {
        const ThemeSet shared = me.themes & w.index_->Get(b).themes;
        score = query.IdfSum(shared);
        break;
      }
      case Method::kOneWay:
      case Method::kOneWayLearned: {
        const ActorProfile& other = w.index_->Get(b);
        const internal::PairInputs inputs{internal::DirectCredits(me, other),
                                          internal::DirectCredits(other, me)};
        const internal::Query::Score s = query.ComputeScore(b, inputs);
        score = s.fit.fit_actor * s.lifted * s.distance_factor *
                s.responsiveness_factor;
        break;
      }
      case Method::kOracle: {
        // The generator's own propensity, from the hidden truth: the
        // ceiling no method can reach on average.
        score = Propensity(w.truth_[w.actor_of_[actor]],
                           w.truth_[w.actor_of_[b]], Gain);
        break;
      }
      case Method::kOracleDeclared: {
        // The same with the declared needs and offers: what any score of
        // the declared exchanges can reach at best.
        score = Propensity(
            WithDeclaredExchanges(w.truth_[w.actor_of_[actor]], me),
            WithDeclaredExchanges(w.truth_[w.actor_of_[b]], w.index_->Get(b)),
            ExpectedGain);
        break;
      }
      default:
        score = Uniform(rng);
        break;
    }
    scored.emplace_back(score + jitter, b);
  }
  const size_t k = std::min<size_t>(10, scored.size());
  std::partial_sort(
      scored.begin(), scored.begin() + k, scored.end(),
      [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<ActorNum> top;
  for (size_t i = 0; i < k; ++i) top.push_back(scored[i].second);
  return top;
}

void Evaluate(benchmark::State& state, Method method) {
  const QualityWorld& w = World();
  std::mt19937_64 rng(77);
  double recall = 0;
  double ndcg = 0;
  size_t queries = 0;
  size_t held = 0;
  for (auto _ : state) {
    for (ActorNum actor = 0; actor < w.index_->num_limit(); ++actor) {
      const std::vector<ActorNum>& truth = w.held_out_[actor];
      if (truth.empty()) continue;
      const std::vector<ActorNum> top = Rank(w, method, actor, rng);
      double hits = 0;
      double dcg = 0;
      for (size_t i = 0; i < top.size(); ++i) {
        if (std::find(truth.begin(), truth.end(), top[i]) != truth.end()) {
          hits += 1;
          dcg += 1.0 / std::log2(i + 2.0);
        }
      }
      double ideal = 0;
      for (size_t i = 0; i < std::min<size_t>(10, truth.size()); ++i) {
        ideal += 1.0 / std::log2(i + 2.0);
      }
      recall += hits / truth.size();
      ndcg += dcg / ideal;
      ++queries;
      held += truth.size();
    }
  }
  state.counters["recall_at_10"] = recall / queries;
  state.counters["ndcg_at_10"] = ndcg / queries;
  state.counters["queries"] = static_cast<double>(queries);
  state.counters["partnerships"] = static_cast<double>(w.partnerships_);
  state.counters["held_out_pairs"] = static_cast<double>(held) / 2;
}
void BM_QualityEngine(benchmark::State& state) {
  Evaluate(state, Method::kEngine);
}
void BM_QualityEngineLearned(benchmark::State& state) {
  const LearnedWeights& learned = Learned();
  Evaluate(state, Method::kEngineLearned);
  // The learner's own held-out test (on its split of the known
  // partnerships), before adoption.
  state.counters["adopted"] = learned.adopted;
  state.counters["learner_ndcg_default"] = learned.with_defaults.ndcg_at_10;
  state.counters["learner_ndcg_fitted"] = learned.with_fitted.ndcg_at_10;
  state.counters["learner_recall_default"] = learned.with_defaults.recall_at_10;
  state.counters["learner_recall_fitted"] = learned.with_fitted.recall_at_10;
}
// The fitted weights whether the learner's held-out test adopted them or
// not: what the test protects from (or lets through).
void BM_QualityEngineFitted(benchmark::State& state) {
  Evaluate(state, Method::kEngineFitted);
}
void BM_QualityProximityOnly(benchmark::State& state) {
  Evaluate(state, Method::kProximity);
}
void BM_QualitySharedThemesOnly(benchmark::State& state) {
  Evaluate(state, Method::kThemes);
}
void BM_QualityOneWay(benchmark::State& state) {
  Evaluate(state, Method::kOneWay);
}
void BM_QualityOneWayLearned(benchmark::State& state) {
  Evaluate(state, Method::kOneWayLearned);
}
void BM_QualityRandom(benchmark::State& state) {
  Evaluate(state, Method::kRandom);
}
void BM_QualityOracle(benchmark::State& state) {
  Evaluate(state, Method::kOracle);
}
void BM_QualityOracleDeclaredExchanges(benchmark::State& state) {
  Evaluate(state, Method::kOracleDeclared);
}
BENCHMARK(BM_QualityEngine)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_QualityEngineLearned)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_QualityEngineFitted)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_QualityProximityOnly)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_QualitySharedThemesOnly)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_QualityOneWay)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_QualityOneWayLearned)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_QualityRandom)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_QualityOracle)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_QualityOracleDeclaredExchanges)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace maillage::matcher

BENCHMARK_MAIN();

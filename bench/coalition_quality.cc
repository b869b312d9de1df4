// Quality of SuggestCoalition on planted teams (issue 15), part of the
// matcher_quality program: how many members of a real team the top
// coalition recovers, against simpler ways of choosing one.
//
// The generator builds a synthetic région (4 départements, ~15,000 actors
// each) and plants 10 challenges per département. A challenge has 1 or 2
// themes and 4 needed resources. Its planted team (5 to 7 actors: at least
// an association, a company and a public body) lives around one EPCI; it
// truly offers every needed resource on the challenge's themes, its members
// truly need what other members offer (the co-construction logic of the
// kit), and some of them already work together (30% of the pairs are in the
// partnership registry). Around it, in the same département, 500 look-alikes
// of the same kinds act on the same themes (on both themes of a two-theme
// challenge half of the time) with random needs and offers from the same
// tables, so that coverage alone cannot tell them apart. 40,000 background
// actors (synthetic::MakeActor) fill the région, and neighbours (same EPCI)
// are partners at random (one pair per three actors), look-alikes included.
// Planted members declare a noisy view of their truth (offers 80%, needs 75%,
// a theme dropped 30% of the time, a spurious need or offer 30% each,
// themes 90% each).
//
// Each method proposes a coalition of at most the team's size on the
// challenge's département; we report the share of the planted members it
// recovers (recall), the share of its members that are planted (precision)
// and its mean size:
//   engine         SuggestCoalition, max_size = the team's size
//   coverage_only  greedy weighted maximum coverage of the needed resources
//                  (offer quality only: on a challenge theme 1, any theme by
//                  an actor acting on one 0.9, otherwise 0.5, another theme
//                  0.4), stopping when nothing more is covered
//   proximity_only the best single provider, then the providers (offering a
//                  needed resource) closest on average to the members so far
//   random         random providers of a needed resource
// Ties are broken at random in the baselines. The generator's tables and
// noise are its own, not the engine's formulas. MAILLAGE_QUALITY_SEED draws
// another région.

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
#include "matcher/coalition.h"
#include "matcher/context.h"
#include "matcher/synthetic.h"
#include "matcher/vocabulary.h"

namespace maillage::matcher {
namespace {

using territory::Level;

struct Weighted {
  const char* code;
  double weight;
};

// The generator's own tables: what each kind offers and needs, and what
// collective experiments need.
constexpr Weighted kOffers[][5] = {
    {{"services", 2},
     {"audience_access", 2},
     {"volunteers", 2},
     {"expertise", 1},
     {"premises", 0.5}},  // association
    {{"funding", 3},
     {"skills", 2},
     {"in_kind", 2},
     {"volunteers", 1},
     {"services", 1}},  // company
    {{"funding", 3},
     {"public_support", 2},
     {"premises", 1.5},
     {"audience_access", 1.5},
     {"network", 1}},  // public body
    {{"expertise", 3},
     {"evaluation", 2},
     {"volunteers", 1},
     {"skills", 0.5},
     {"network", 0.5}},  // academic
    {{"visibility", 3},
     {"audience_access", 1.5},
     {"network", 1},
     {"skills", 0.5},
     {"services", 0.5}},  // media
};
constexpr Weighted kNeeds[][5] = {
    {{"funding", 4},
     {"volunteers", 2},
     {"in_kind", 2},
     {"skills", 2},
     {"premises", 1}},
    {{"services", 2},
     {"hiring", 2},
     {"visibility", 2},
     {"audience_access", 1},
     {"expertise", 1}},
    {{"services", 2},
     {"expertise", 2},
     {"evaluation", 1},
     {"volunteers", 1},
     {"audience_access", 1}},
    {{"funding", 2},
     {"audience_access", 2},
     {"in_kind", 1},
     {"network", 1},
     {"premises", 1}},
    {{"funding", 2},
     {"network", 1},
     {"expertise", 1},
     {"services", 1},
     {"premises", 1}},
};
constexpr Weighted kChallengeNeeds[] = {
    {"funding", 3},         {"volunteers", 2}, {"in_kind", 2},
    {"audience_access", 2}, {"skills", 1.5},   {"premises", 1},
    {"expertise", 1},       {"services", 1},   {"public_support", 1}};

double Uniform(std::mt19937_64& rng) {
  return std::uniform_real_distribution<double>(0, 1)(rng);
}

template <size_t N>
uint8_t Draw(const Weighted (&table)[N], const Vocabulary& vocabulary,
             std::mt19937_64& rng) {
  double sum = 0;
  for (const Weighted& w : table) sum += w.weight;
  double x = Uniform(rng) * sum;
  for (const Weighted& w : table) {
    x -= w.weight;
    if (x <= 0) return *vocabulary.Resource(w.code);
  }
  return *vocabulary.Resource(table[N - 1].code);
}

bool KindOffers(Kind kind, uint8_t resource, const Vocabulary& vocabulary) {
  for (const Weighted& w : kOffers[static_cast<int>(kind) - 1]) {
    if (*vocabulary.Resource(w.code) == resource) return true;
  }
  return false;
}

Kind DrawKind(std::mt19937_64& rng) {
  const double k = Uniform(rng);
  return k < 0.45   ? Kind::kAssociation
         : k < 0.80 ? Kind::kCompany
         : k < 0.90 ? Kind::kPublicBody
         : k < 0.95 ? Kind::kAcademic
                    : Kind::kMedia;
}

struct PlantedChallenge {
  uint32_t departement = 0;
  std::vector<uint8_t> themes;  // 1 or 2
  std::vector<uint8_t> needs;   // 4 needed resources
  std::vector<ActorNum> team;   // the planted members
};

// A planted member's truth before its noisy declaration.
struct TrueMember {
  Kind kind;
  std::vector<Exchange> offers;
  std::vector<Exchange> needs;
};

class PlantedWorld {
 public:
  static constexpr uint32_t kDepartements = 4;
  static constexpr int kChallengesPerDepartement = 10;
  static constexpr int kLookAlikes = 500;
  static constexpr int kBackground = 40000;

  explicit PlantedWorld(uint64_t seed);

  std::unique_ptr<Vocabulary> vocabulary;
  std::unique_ptr<synthetic::France> france;
  std::unique_ptr<ActorIndex> index;
  std::unique_ptr<MatchContext> context;
  std::vector<PlantedChallenge> challenges;

 private:
  uint32_t DrawCommuneIn(Level level, uint32_t number, std::mt19937_64& rng);
  ActorProfile Locate(ActorProfile p, uint32_t commune, std::mt19937_64& rng);
  void Plant(uint32_t departement, std::mt19937_64& rng);
  std::vector<TrueMember> TeamTruth(const PlantedChallenge& c,
                                    std::mt19937_64& rng);
  ActorProfile Declare(const TrueMember& truth, const PlantedChallenge& c,
                       std::mt19937_64& rng);
  ActorProfile LookAlike(const PlantedChallenge& c, std::mt19937_64& rng);
  void Neighbours(std::mt19937_64& rng);

  uint64_t next_id_ = 0;
};

uint32_t PlantedWorld::DrawCommuneIn(Level level, uint32_t number,
                                     std::mt19937_64& rng) {
  for (;;) {
    const uint32_t c = france->DrawCommune(rng);
    if (france->Commune(c).At(level) == number) return c;
  }
}

ActorProfile PlantedWorld::Locate(ActorProfile p, uint32_t commune,
                                  std::mt19937_64& rng) {
  char id[32];
  std::snprintf(id, sizeof(id), "p:%07llu",
                static_cast<unsigned long long>(next_id_++));
  p.id = id;
  p.name = id;
  p.home = france->Commune(commune);
  if (Uniform(rng) < 0.7) {
    p.latitude = france->Latitude(commune) +
                 static_cast<float>((Uniform(rng) - 0.5) * 0.02);
    p.longitude = france->Longitude(commune) +
                  static_cast<float>((Uniform(rng) - 0.5) * 0.03);
  }
  p.capacity = static_cast<uint16_t>(1 + rng() % 4);
  return p;
}

PlantedWorld::PlantedWorld(uint64_t seed) {
  std::mt19937_64 rng(seed);
  absl::StatusOr<Vocabulary> loaded =
      Vocabulary::LoadFromDir(MAILLAGE_REFERENCE_DIR "/vocab");
  if (!loaded.ok()) std::abort();
  vocabulary = std::make_unique<Vocabulary>(*std::move(loaded));
  synthetic::FranceOptions options;
  options.regions = 1;
  options.departements = kDepartements;
  options.epcis = 40;
  options.communes = 800;
  options.seed = seed;
  france = std::make_unique<synthetic::France>(options);
  index = std::make_unique<ActorIndex>();
  index->SetCommunePlaces(france->communes());
  context = std::make_unique<MatchContext>(*vocabulary);
  for (uint64_t n = 0; n < kBackground; ++n) {
    index->Upsert(synthetic::MakeActor(*france, *vocabulary, n, rng));
  }
  for (uint32_t d = 0; d < kDepartements; ++d) {
    for (int i = 0; i < kChallengesPerDepartement; ++i) Plant(d, rng);
  }
  Neighbours(rng);
}

void PlantedWorld::Plant(uint32_t departement, std::mt19937_64& rng) {
  PlantedChallenge c;
  c.departement = departement;
  // Themes not used by another challenge of the département.
  const size_t theme_count = vocabulary->theme_count();
  const int themes = Uniform(rng) < 0.5 ? 1 : 2;
  while (static_cast<int>(c.themes.size()) < themes) {
    const auto t = static_cast<uint8_t>(rng() % theme_count);
    bool used =
        std::find(c.themes.begin(), c.themes.end(), t) != c.themes.end();
    for (const PlantedChallenge& other : challenges) {
      if (other.departement != departement) continue;
      used |= std::find(other.themes.begin(), other.themes.end(), t) !=
              other.themes.end();
    }
    if (!used) c.themes.push_back(t);
  }
  while (c.needs.size() < 4) {
    const uint8_t r = Draw(kChallengeNeeds, *vocabulary, rng);
    if (std::find(c.needs.begin(), c.needs.end(), r) == c.needs.end()) {
      c.needs.push_back(r);
    }
  }
  // The team lives around the EPCI of a commune of the département.
  const uint32_t epci =
      france->Commune(DrawCommuneIn(Level::kDepartement, departement, rng))
          .epci;
  for (const TrueMember& truth : TeamTruth(c, rng)) {
    ActorProfile p = Locate(Declare(truth, c, rng),
                            DrawCommuneIn(Level::kEpci, epci, rng), rng);
    c.team.push_back(index->Upsert(std::move(p)));
  }
  for (size_t i = 0; i < c.team.size(); ++i) {
    for (size_t j = i + 1; j < c.team.size(); ++j) {
      if (Uniform(rng) < 0.3) {
        context->AddPartnership(
            {c.team[i], c.team[j], static_cast<Category>(1 + rng() % 4), true});
      }
    }
  }
  for (int i = 0; i < kLookAlikes; ++i) {
    index->Upsert(Locate(LookAlike(c, rng),
                         DrawCommuneIn(Level::kDepartement, departement, rng),
                         rng));
  }
  challenges.push_back(std::move(c));
}

std::vector<TrueMember> PlantedWorld::TeamTruth(const PlantedChallenge& c,
                                                std::mt19937_64& rng) {
  const Vocabulary& v = *vocabulary;
  std::vector<TrueMember> team;
  for (Kind kind : {Kind::kAssociation, Kind::kCompany, Kind::kPublicBody}) {
    team.push_back({kind, {}, {}});
  }
  const size_t size = 5 + rng() % 3;
  while (team.size() < size) team.push_back({DrawKind(rng), {}, {}});
  auto theme = [&] { return c.themes[rng() % c.themes.size()]; };
  // Every needed resource by a member whose kind offers it, when one does.
  for (uint8_t r : c.needs) {
    std::vector<size_t> able;
    for (size_t m = 0; m < team.size(); ++m) {
      if (KindOffers(team[m].kind, r, v)) able.push_back(m);
    }
    const size_t m =
        able.empty() ? rng() % team.size() : able[rng() % able.size()];
    team[m].offers.push_back({r, theme()});
  }
  // Each member needs 1 or 2 things that another member offers.
  for (size_t m = 0; m < team.size(); ++m) {
    const int needs = 1 + static_cast<int>(rng() % 2);
    for (int i = 0; i < needs; ++i) {
      size_t giver = rng() % (team.size() - 1);
      if (giver >= m) ++giver;
      const uint8_t r =
          Draw(kOffers[static_cast<int>(team[giver].kind) - 1], v, rng);
      team[m].needs.push_back({r, theme()});
      team[giver].offers.push_back({r, theme()});
    }
  }
  // A member providing nothing the challenge needs co-provides one need.
  for (TrueMember& member : team) {
    const bool provides = std::any_of(
        member.offers.begin(), member.offers.end(), [&](const Exchange& e) {
          return std::find(c.needs.begin(), c.needs.end(), e.resource) !=
                 c.needs.end();
        });
    if (!provides) member.offers.push_back({c.needs[rng() % 4], theme()});
  }
  return team;
}

ActorProfile PlantedWorld::Declare(const TrueMember& truth,
                                   const PlantedChallenge& c,
                                   std::mt19937_64& rng) {
  const size_t theme_count = vocabulary->theme_count();
  ActorProfile p;
  p.kind = truth.kind;
  for (uint8_t t : c.themes) {
    if (Uniform(rng) < 0.9) p.themes |= ThemeSet{1} << t;
  }
  if (p.themes == 0) p.themes = ThemeSet{1} << c.themes[0];
  auto declare = [&](const std::vector<Exchange>& truths, double keep,
                     std::vector<Exchange>* out) {
    for (Exchange e : truths) {
      if (Uniform(rng) >= keep) continue;
      if (Uniform(rng) < 0.3) e.theme = Exchange::kAnyTheme;
      out->push_back(e);
    }
  };
  declare(truth.offers, 0.8, &p.offers);
  declare(truth.needs, 0.75, &p.needs);
  const int kind = static_cast<int>(truth.kind) - 1;
  if (Uniform(rng) < 0.3) {
    p.offers.push_back({Draw(kOffers[kind], *vocabulary, rng),
                        static_cast<uint8_t>(rng() % theme_count)});
  }
  if (Uniform(rng) < 0.3) {
    p.needs.push_back({Draw(kNeeds[kind], *vocabulary, rng),
                       static_cast<uint8_t>(rng() % theme_count)});
  }
  return p;
}

ActorProfile PlantedWorld::LookAlike(const PlantedChallenge& c,
                                     std::mt19937_64& rng) {
  const size_t theme_count = vocabulary->theme_count();
  ActorProfile p;
  p.kind = DrawKind(rng);
  if (c.themes.size() == 2 && Uniform(rng) < 0.5) {
    p.themes = ThemeSet{1} << c.themes[0] | ThemeSet{1} << c.themes[1];
  } else {
    p.themes = ThemeSet{1} << c.themes[rng() % c.themes.size()];
  }
  if (Uniform(rng) < 0.5) p.themes |= ThemeSet{1} << (rng() % theme_count);
  const int kind = static_cast<int>(p.kind) - 1;
  auto exchange = [&](const Weighted(&table)[5]) {
    Exchange e{Draw(table, *vocabulary, rng), Exchange::kAnyTheme};
    if (Uniform(rng) < 0.6) e.theme = c.themes[rng() % c.themes.size()];
    return e;
  };
  for (int i = 0, n = 1 + static_cast<int>(rng() % 3); i < n; ++i) {
    p.offers.push_back(exchange(kOffers[kind]));
  }
  for (int i = 0, n = 1 + static_cast<int>(rng() % 3); i < n; ++i) {
    p.needs.push_back(exchange(kNeeds[kind]));
  }
  return p;
}

void PlantedWorld::Neighbours(std::mt19937_64& rng) {
  std::vector<std::vector<ActorNum>> by_epci(france->Count(Level::kEpci));
  for (ActorNum num = 0; num < index->num_limit(); ++num) {
    by_epci[index->Get(num).home.epci].push_back(num);
  }
  const size_t pairs = index->size() / 3;
  for (size_t i = 0; i < pairs; ++i) {
    const ActorNum a = static_cast<ActorNum>(rng() % index->num_limit());
    const std::vector<ActorNum>& near = by_epci[index->Get(a).home.epci];
    context->AddPartnership({a, near[rng() % near.size()],
                             static_cast<Category>(1 + rng() % 4),
                             Uniform(rng) < 0.6});
  }
}

PlantedWorld& World() {
  static PlantedWorld* world = new PlantedWorld(
      std::getenv("MAILLAGE_QUALITY_SEED")
          ? std::strtoull(std::getenv("MAILLAGE_QUALITY_SEED"), nullptr, 10)
          : 2024);
  return *world;
}

// The baselines' view of a candidate: what it offers of each needed resource.
struct Provider {
  ActorNum num;
  std::vector<double> value;  // by need index
};

double OfferQuality(const ActorProfile& p, const Exchange& offer,
                    const PlantedChallenge& c) {
  ThemeSet challenge = 0;
  for (uint8_t t : c.themes) challenge |= ThemeSet{1} << t;
  if (offer.theme != Exchange::kAnyTheme) {
    return challenge >> offer.theme & 1 ? 1.0 : 0.4;
  }
  return p.themes & challenge ? 0.9 : 0.5;
}

// Proposable actors of the challenge's département offering a needed
// resource.
std::vector<Provider> Providers(const PlantedWorld& w,
                                const PlantedChallenge& c) {
  const Scope scope = w.france->ScopeOf(Level::kDepartement, c.departement);
  std::vector<Provider> out;
  for (ActorNum num = 0; num < w.index->num_limit(); ++num) {
    const ActorProfile& p = w.index->Get(num);
    if (!p.available || p.capacity == 0 || !w.index->ActsIn(num, scope)) {
      continue;
    }
    Provider provider{num, std::vector<double>(c.needs.size(), 0)};
    bool any = false;
    for (const Exchange& offer : p.offers) {
      for (size_t r = 0; r < c.needs.size(); ++r) {
        if (offer.resource != c.needs[r]) continue;
        provider.value[r] =
            std::max(provider.value[r], OfferQuality(p, offer, c));
        any = true;
      }
    }
    if (any) out.push_back(std::move(provider));
  }
  return out;
}

// Greedy weighted maximum coverage (weights 1), ties at random.
std::vector<ActorNum> CoverageOnly(const std::vector<Provider>& providers,
                                   size_t size, std::mt19937_64& rng) {
  std::vector<ActorNum> team;
  std::vector<double> best(providers.empty() ? 0 : providers[0].value.size());
  std::vector<bool> taken(providers.size(), false);
  while (team.size() < size) {
    size_t pick = providers.size();
    double pick_key = 0;
    for (size_t i = 0; i < providers.size(); ++i) {
      if (taken[i]) continue;
      double gain = 0;
      for (size_t r = 0; r < best.size(); ++r) {
        gain += std::max(0.0, providers[i].value[r] - best[r]);
      }
      if (gain <= 1e-9) continue;
      const double key = gain + Uniform(rng) * 1e-6;
      if (key > pick_key) {
        pick = i;
        pick_key = key;
      }
    }
    if (pick == providers.size()) break;
    taken[pick] = true;
    team.push_back(providers[pick].num);
    for (size_t r = 0; r < best.size(); ++r) {
      best[r] = std::max(best[r], providers[pick].value[r]);
    }
  }
  return team;
}

// The baseline's own closeness: by distance when both have coordinates,
// else by the finest territory shared.
double Closeness(const ActorProfile& a, const ActorProfile& b) {
  if (!std::isnan(a.latitude) && !std::isnan(b.latitude)) {
    const double dy = (a.latitude - b.latitude) * 111.0;
    const double dx = (a.longitude - b.longitude) * 76.0;
    return 1.0 / (1.0 + std::sqrt(dx * dx + dy * dy) / 10.0);
  }
  if (a.home.commune == b.home.commune) return 1.0;
  if (a.home.epci == b.home.epci) return 0.7;
  return a.home.departement == b.home.departement ? 0.4 : 0.15;
}

std::vector<ActorNum> ProximityOnly(const PlantedWorld& w,
                                    const std::vector<Provider>& providers,
                                    size_t size, std::mt19937_64& rng) {
  std::vector<ActorNum> team = CoverageOnly(providers, 1, rng);
  std::vector<bool> taken(providers.size(), false);
  for (size_t i = 0; i < providers.size(); ++i) {
    taken[i] = !team.empty() && providers[i].num == team[0];
  }
  while (!team.empty() && team.size() < size) {
    size_t pick = providers.size();
    double pick_key = -1;
    for (size_t i = 0; i < providers.size(); ++i) {
      if (taken[i]) continue;
      double key = Uniform(rng) * 1e-9;
      for (ActorNum m : team) {
        key += Closeness(w.index->Get(m), w.index->Get(providers[i].num));
      }
      if (key > pick_key) {
        pick = i;
        pick_key = key;
      }
    }
    if (pick == providers.size()) break;
    taken[pick] = true;
    team.push_back(providers[pick].num);
  }
  return team;
}

std::vector<ActorNum> RandomProviders(const std::vector<Provider>& providers,
                                      size_t size, std::mt19937_64& rng) {
  std::vector<ActorNum> nums;
  for (const Provider& p : providers) nums.push_back(p.num);
  std::shuffle(nums.begin(), nums.end(), rng);
  nums.resize(std::min(size, nums.size()));
  return nums;
}

// MAILLAGE_COALITION_WEIGHTS="themes,needs,ties,seed_pairs" overrides the
// engine's defaults (to compare settings).
CoalitionWeights EngineWeights() {
  CoalitionWeights weights;
  if (const char* env = std::getenv("MAILLAGE_COALITION_WEIGHTS")) {
    unsigned long seeds = weights.seed_pairs;
    std::sscanf(env, "%lf,%lf,%lf,%lu,%lf,%lf,%lf", &weights.themes,
                &weights.needs, &weights.ties, &seeds, &weights.exchange_floor,
                &weights.backup, &weights.min_gain);
    weights.seed_pairs = seeds;
  }
  return weights;
}

std::vector<ActorNum> Engine(const PlantedWorld& w, const PlantedChallenge& c,
                             size_t size, const CoalitionWeights& weights) {
  Challenge challenge;
  challenge.themes = c.themes;
  challenge.needed_resources = c.needs;
  CoalitionOptions options;
  options.max_size = size;
  options.min_size = std::min(options.min_size, size);
  // As served: an alternative with a larger objective becomes the top.
  options.alternatives = 3;
  options.weights = weights;
  absl::StatusOr<CoalitionAnswer> answer =
      SuggestCoalition(*w.index, *w.context,
                       w.france->ScopeOf(Level::kDepartement, c.departement),
                       challenge, options);
  if (!answer.ok()) std::abort();
  std::vector<ActorNum> team;
  for (const CoalitionMember& m : answer->best.members) {
    team.push_back(m.actor);
  }
  return team;
}

enum class Method {
  kEngine,
  kEngineCoverage,  // the engine's C + T alone: no X, no L, no pair starts
  kEngineNoTies,    // the engine without L (nor pair starts)
  kEngineNoNeeds,   // the engine without X
  kCoverageOnly,
  kProximityOnly,
  kRandom
};

void EvaluateCoalitions(benchmark::State& state, Method method) {
  const PlantedWorld& w = World();
  std::mt19937_64 rng(99);
  double recall = 0;
  double precision = 0;
  double size = 0;
  for (auto _ : state) {
    for (const PlantedChallenge& c : w.challenges) {
      const std::vector<Provider> providers = Providers(w, c);
      const size_t k = c.team.size();
      std::vector<ActorNum> team;
      switch (method) {
        case Method::kEngine:
          team = Engine(w, c, k, EngineWeights());
          break;
        case Method::kEngineCoverage: {
          CoalitionWeights weights = EngineWeights();
          weights.needs = weights.ties = 0;
          weights.seed_pairs = 0;
          team = Engine(w, c, k, weights);
          break;
        }
        case Method::kEngineNoTies: {
          CoalitionWeights weights = EngineWeights();
          weights.ties = 0;
          weights.seed_pairs = 0;
          team = Engine(w, c, k, weights);
          break;
        }
        case Method::kEngineNoNeeds: {
          CoalitionWeights weights = EngineWeights();
          weights.needs = 0;
          team = Engine(w, c, k, weights);
          break;
        }
        case Method::kCoverageOnly:
          team = CoverageOnly(providers, k, rng);
          break;
        case Method::kProximityOnly:
          team = ProximityOnly(w, providers, k, rng);
          break;
        case Method::kRandom:
          team = RandomProviders(providers, k, rng);
          break;
      }
      size_t found = 0;
      for (ActorNum m : team) {
        found += std::count(c.team.begin(), c.team.end(), m);
      }
      recall += static_cast<double>(found) / k;
      precision += team.empty() ? 0 : static_cast<double>(found) / team.size();
      size += static_cast<double>(team.size());
    }
  }
  const double n = static_cast<double>(w.challenges.size());
  state.counters["planted_recovered"] = recall / n;
  state.counters["precision"] = precision / n;
  state.counters["mean_size"] = size / n;
  state.counters["challenges"] = n;
  state.counters["actors"] = static_cast<double>(w.index->size());
}

void BM_CoalitionEngine(benchmark::State& state) {
  EvaluateCoalitions(state, Method::kEngine);
}
void BM_CoalitionEngineCoveragePart(benchmark::State& state) {
  EvaluateCoalitions(state, Method::kEngineCoverage);
}
void BM_CoalitionEngineNoTies(benchmark::State& state) {
  EvaluateCoalitions(state, Method::kEngineNoTies);
}
void BM_CoalitionEngineNoNeeds(benchmark::State& state) {
  EvaluateCoalitions(state, Method::kEngineNoNeeds);
}
void BM_CoalitionCoverageOnly(benchmark::State& state) {
  EvaluateCoalitions(state, Method::kCoverageOnly);
}
void BM_CoalitionProximityOnly(benchmark::State& state) {
  EvaluateCoalitions(state, Method::kProximityOnly);
}
void BM_CoalitionRandom(benchmark::State& state) {
  EvaluateCoalitions(state, Method::kRandom);
}
BENCHMARK(BM_CoalitionEngine)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CoalitionEngineCoveragePart)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CoalitionEngineNoTies)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CoalitionEngineNoNeeds)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CoalitionCoverageOnly)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CoalitionProximityOnly)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CoalitionRandom)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace maillage::matcher

// Properties of coalitions on random territories, the greedy's guarantee
// against brute force on small ones, and the incremental gains against the
// objective computed from scratch.

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "matcher/coalition.h"
#include "matcher/coalition_team.h"
#include "matcher/test_util.h"

namespace maillage::matcher {
namespace {

using ::maillage::matcher::testing::Geography;
using ::maillage::matcher::testing::TestVocabulary;
using territory::Level;
using ::testing::HasSubstr;

bool Gives(const CoalitionMember& m) {
  return !m.brings.empty() || !m.reinforces.empty() || !m.gives.empty() ||
         m.represents != 0;
}

struct RandomWorld {
  explicit RandomWorld(uint32_t seed, int actors)
      : geo(Geography::Make(3, 3, 3, 5)), context(TestVocabulary()) {
    std::mt19937 rng(seed);
    index.SetCommunePlaces(geo.communes);
    for (int i = 0; i < actors; ++i) {
      index.Upsert(
          testing::RandomProfile(rng, geo, "ext:r:" + std::to_string(i)));
    }
    // Partnerships between neighbours (same département).
    for (int i = 0; i < actors / 2; ++i) {
      const ActorNum a = rng() % index.num_limit();
      const ActorNum b = rng() % index.num_limit();
      if (index.HomeOf(a).departement == index.HomeOf(b).departement) {
        context.AddPartnership({a, b, Category::kMecenat, rng() % 2 == 0});
      }
    }
  }
  Geography geo;
  ActorIndex index;
  MatchContext context;
};

Challenge RandomChallenge(std::mt19937& rng) {
  Challenge challenge;
  const int themes = 1 + rng() % 3;
  while (static_cast<int>(challenge.themes.size()) < themes) {
    const auto t = static_cast<uint8_t>(rng() % 8);
    if (std::count(challenge.themes.begin(), challenge.themes.end(), t) == 0) {
      challenge.themes.push_back(t);
    }
  }
  if (rng() % 2) {
    for (size_t i = 0; i < challenge.themes.size(); ++i) {
      challenge.theme_weights.push_back(1 + rng() % 4);
    }
  }
  if (rng() % 2) {
    for (int i = 0; i < 4; ++i) {
      challenge.needed_resources.push_back(static_cast<uint8_t>(rng() % 14));
    }
  }
  return challenge;
}

CoalitionOptions RandomOptions(std::mt19937& rng) {
  CoalitionOptions options;
  options.min_size = 1 + rng() % 3;
  options.max_size = options.min_size + rng() % 6;
  options.required_kinds = rng() % 3 == 0 ? 0 : (rng() % 64) & ~1u;
  options.alternatives = rng() % 4;
  return options;
}

void CheckCoalition(const RandomWorld& w, const Scope& scope,
                    const Challenge& challenge, const CoalitionOptions& options,
                    const CoalitionAnswer& answer, const Coalition& c) {
  EXPECT_LE(c.members.size(), options.max_size);
  EXPECT_NEAR(
      c.objective,
      [&] {
        double sum = 0;
        for (const CoalitionMember& m : c.members) sum += m.relevance;
        return sum;
      }(),
      1e-9);
  std::set<ActorNum> nums;
  for (size_t j = 0; j < c.members.size(); ++j) {
    const CoalitionMember& m = c.members[j];
    nums.insert(m.actor);
    const ActorProfile& p = w.index.Get(m.actor);
    EXPECT_TRUE(p.available);
    EXPECT_EQ(m.home_commune, p.home.commune);
    EXPECT_EQ(m.distance_km >= 0,
              answer.centre.has_value() && !std::isnan(p.latitude));
    if (challenge.anchor && *challenge.anchor == m.actor) {
      EXPECT_EQ(j, 0u);
      EXPECT_EQ(m.basis, MemberBasis::kAnchor);
      EXPECT_TRUE(m.lead);
      continue;
    }
    EXPECT_GT(p.capacity, 0);
    EXPECT_TRUE(w.index.ActsIn(m.actor, scope));
    // Nobody is there for nothing, unless a kind or the size forced it,
    // and then the reason says so.
    if (m.basis == MemberBasis::kContributes) {
      EXPECT_TRUE(Gives(m)) << m.id;
      EXPECT_GT(m.relevance, 0) << m.id;
    } else if (!Gives(m)) {
      EXPECT_THAT(m.reason, HasSubstr("n'apporte rien")) << m.id;
    }
    if (m.basis == MemberBasis::kRequiredKind) {
      EXPECT_TRUE(options.required_kinds >> static_cast<int>(m.kind) & 1);
      EXPECT_THAT(m.reason, HasSubstr("pour que la coalition compte"));
    }
    if (m.basis == MemberBasis::kMinSize) {
      EXPECT_THAT(m.reason, HasSubstr("taille minimale demandée"));
    }
  }
  EXPECT_EQ(nums.size(), c.members.size());
  EXPECT_EQ(c.covered.size() + c.uncovered.size(),
            answer.needed_resources.size());
  EXPECT_GE(c.coverage, 0);
  EXPECT_LE(c.coverage, 1 + 1e-12);
  for (Kind kind : {Kind::kAssociation, Kind::kCompany, Kind::kPublicBody,
                    Kind::kAcademic, Kind::kMedia}) {
    if (!(options.required_kinds >> static_cast<int>(kind) & 1)) continue;
    const bool present =
        std::any_of(c.members.begin(), c.members.end(),
                    [&](const CoalitionMember& m) { return m.kind == kind; });
    EXPECT_TRUE(present || (c.missing_kinds >> static_cast<int>(kind) & 1) ||
                c.members.empty());
  }
}

// Whether `c` holds none of the most relevant half of `other`'s members
// (the anchor excepted).
bool LacksKeyHalf(const Coalition& c, const Coalition& other) {
  std::vector<const CoalitionMember*> key;
  for (const CoalitionMember& m : other.members) {
    if (m.basis != MemberBasis::kAnchor) key.push_back(&m);
  }
  std::stable_sort(key.begin(), key.end(), [](auto* a, auto* b) {
    return a->relevance > b->relevance;
  });
  key.resize((key.size() + 1) / 2);
  for (const CoalitionMember* k : key) {
    for (const CoalitionMember& m : c.members) {
      if (m.actor == k->actor) return false;
    }
  }
  return true;
}

TEST(CoalitionPropertyTest, HoldOnRandomTerritories) {
  for (uint32_t seed : {5u, 6u}) {
    const RandomWorld w(seed, 3000);
    std::mt19937 rng(seed);
    for (int q = 0; q < 100; ++q) {
      const Scope scope = rng() % 2
                              ? w.geo.ScopeOf(Level::kDepartement, rng() % 9)
                              : w.geo.ScopeOf(Level::kEpci, rng() % 27);
      Challenge challenge = RandomChallenge(rng);
      const ActorNum anchor = rng() % w.index.num_limit();
      if (rng() % 3 == 0 && w.index.Get(anchor).available) {
        challenge.anchor = anchor;
      }
      const CoalitionOptions options = RandomOptions(rng);
      absl::StatusOr<CoalitionAnswer> answer =
          SuggestCoalition(w.index, w.context, scope, challenge, options);
      ASSERT_TRUE(answer.ok()) << answer.status();
      std::vector<const Coalition*> all = {&answer->best};
      for (const Coalition& c : answer->alternatives) all.push_back(&c);
      EXPECT_LE(answer->alternatives.size(), options.alternatives);
      for (size_t i = 0; i < all.size(); ++i) {
        CheckCoalition(w, scope, challenge, options, *answer, *all[i]);
        // Of any two, one lacks the most relevant half of the other's
        // members (the anchor excepted).
        for (size_t j = 0; j < i; ++j) {
          EXPECT_TRUE(LacksKeyHalf(*all[i], *all[j]) ||
                      LacksKeyHalf(*all[j], *all[i]));
        }
      }
      for (size_t i = 1; i < all.size(); ++i) {
        EXPECT_LE(all[i]->objective, answer->best.objective);
      }
      absl::StatusOr<CoalitionAnswer> again =
          SuggestCoalition(w.index, w.context, scope, challenge, options);
      ASSERT_TRUE(again.ok());
      ASSERT_EQ(again->best.members.size(), answer->best.members.size());
      for (size_t i = 0; i < answer->best.members.size(); ++i) {
        EXPECT_EQ(again->best.members[i].id, answer->best.members[i].id);
      }
    }
  }
}

// The challenge of a pool built by hand (what BuildPool does when every
// candidate acts on a challenge theme).
internal::ChallengeSpec Spec(const Challenge& challenge) {
  internal::ChallengeSpec spec;
  spec.themes = challenge.themes;
  for (uint8_t t : spec.themes) {
    spec.theme_set |= ThemeSet{1} << t;
    spec.theme_weights.push_back(1.0 / spec.themes.size());
  }
  for (uint8_t r : challenge.needed_resources) {
    if (spec.need_mask >> r & 1) continue;
    spec.needs.push_back(r);
    spec.need_weights.push_back(1);
    spec.need_mask |= 1u << r;
  }
  return spec;
}

// A small random territory: one EPCI, every actor acting on theme 0.
struct SmallWorld {
  SmallWorld(uint32_t seed, int actors) : world(seed, 0) {
    std::mt19937 rng(seed);
    for (int i = 0; i < actors; ++i) {
      ActorProfile p =
          testing::RandomProfile(rng, world.geo, "ext:s:" + std::to_string(i));
      p.home = world.geo.Commune(rng() % 5);  // EPCI 0
      p.action_areas.clear();
      p.themes |= 1;
      p.available = true;
      p.capacity = 1;
      world.index.Upsert(p);
    }
    for (int i = 0; i < actors / 3; ++i) {
      world.context.AddPartnership({static_cast<ActorNum>(rng() % actors),
                                    static_cast<ActorNum>(rng() % actors),
                                    Category::kMecenat, true});
    }
    challenge.themes = {0};
    if (rng() % 2) challenge.themes.push_back(1 + rng() % 5);
    for (int i = 0; i < 4; ++i) {
      challenge.needed_resources.push_back(static_cast<uint8_t>(rng() % 14));
    }
  }
  RandomWorld world;
  Challenge challenge;
};

// Over every team of at most k of the pool's candidates, the largest g.
double BestCoverage(const internal::CoalitionPool& pool, size_t k) {
  const size_t n = pool.size();
  double best = 0;
  for (uint32_t subset = 0; subset < (1u << n); ++subset) {
    if (static_cast<size_t>(__builtin_popcount(subset)) > k) continue;
    internal::Team team(pool);
    for (size_t i = 0; i < n; ++i) {
      if (subset >> i & 1) team.Add(i);
    }
    best = std::max(best, team.value());
  }
  return best;
}

TEST(CoalitionPropertyTest, GreedyReachesItsGuaranteeOnSmallTerritories) {
  for (uint32_t seed = 1; seed <= 30; ++seed) {
    const SmallWorld s(seed, 12);
    const Scope scope = s.world.geo.ScopeOf(Level::kEpci, 0);
    CoalitionOptions options;
    options.required_kinds = 0;
    options.alternatives = 0;
    options.max_size = 1 + seed % 4;
    absl::StatusOr<CoalitionAnswer> answer = SuggestCoalition(
        s.world.index, s.world.context, scope, s.challenge, options);
    ASSERT_TRUE(answer.ok());
    // g alone: the same pool with X and L off.
    const internal::ChallengeSpec spec = Spec(s.challenge);
    CoalitionWeights g_only = options.weights;
    g_only.needs = 0;
    g_only.ties = 0;
    internal::CoalitionPool pool(s.world.index, s.world.context, spec, g_only,
                                 std::nullopt);
    for (ActorNum num = 0; num < s.world.index.num_limit(); ++num) {
      pool.Add(num, true);
    }
    pool.Index();
    const double tau = options.weights.min_gain;
    const double bound =
        (1 - std::exp(-1.0)) * BestCoverage(pool, options.max_size) -
        options.max_size * tau;
    EXPECT_GE(answer->best.objective * pool.scale(), bound - 1e-9)
        << "seed " << seed;
  }
}

TEST(CoalitionPropertyTest, IncrementalGainsEqualTheObjective) {
  for (uint32_t seed = 1; seed <= 10; ++seed) {
    const SmallWorld s(seed, 200);
    const internal::ChallengeSpec spec = Spec(s.challenge);
    const CoalitionWeights weights;
    internal::CoalitionPool pool(s.world.index, s.world.context, spec, weights,
                                 std::nullopt);
    for (ActorNum num = 0; num < s.world.index.num_limit(); ++num) {
      pool.Add(num, true);
    }
    pool.Index();
    std::vector<double> alone;
    const internal::Team empty(pool);
    for (size_t i = 0; i < pool.size(); ++i) {
      alone.push_back(empty.GainOf(i).total());
    }
    internal::Team team(pool);
    internal::GainTable table(pool, alone, std::vector<char>(pool.size(), 0),
                              team);
    std::mt19937 rng(seed);
    for (int step = 0; step < 8; ++step) {
      size_t x = rng() % pool.size();
      while (team.Has(x)) x = rng() % pool.size();
      const internal::Team::Change change = team.Add(x);
      table.Joined(team, x, change);
      for (size_t i = 0; i < pool.size(); ++i) {
        if (team.Has(i)) continue;
        const internal::Team::Gain want = team.GainOf(i);
        const internal::Team::Gain got = table.GainOf(i);
        EXPECT_NEAR(got.challenge, want.challenge, 1e-9);
        EXPECT_NEAR(got.gives, want.gives, 1e-9);
        EXPECT_NEAR(got.receives, want.receives, 1e-9);
        EXPECT_NEAR(got.ties, want.ties, 1e-9);
      }
    }
  }
}

}  // namespace
}  // namespace maillage::matcher

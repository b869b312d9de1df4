// Property tests of SuggestPartners and ExplainMatch over random indexes
// (fixed seeds): the hard rules hold for every answer, scores are in [0, 1]
// and sorted, contributions add up to the score, the answer is exhaustive
// among complementary actors and neighbours sharing a theme, and it does not
// depend on insertion order; lifecycle feedback (responsiveness, cooperation
// signals) keeps all of it, and without feedback the score is exactly mutual *
// context * distance.

#include <algorithm>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "matcher/context.h"
#include "matcher/partners.h"
#include "matcher/scoring.h"
#include "matcher/test_util.h"

namespace maillage::matcher {
namespace {

using ::maillage::matcher::testing::Geography;
using ::maillage::matcher::testing::RandomProfile;
using ::maillage::matcher::testing::TestVocabulary;
using territory::Level;

constexpr uint32_t kAllCategories = 0x1E;

struct World {
  Geography geo = Geography::Make(3, 3, 3, 5);
  std::vector<ActorProfile> profiles;
  std::vector<std::pair<std::string, std::string>> partnerships;
  std::vector<Category> partnership_categories;
  std::vector<bool> partnership_active;
  std::vector<Fragility> fragilities;
  // Lifecycle feedback, by public id.
  struct Answers {
    std::string id;
    uint16_t answered;
    uint16_t no_answers;
  };
  std::vector<Answers> answers;
  std::vector<std::pair<std::string, std::string>> cooperations;
};

// With `wide`, four intercommunalities of 40 communes each, 52 km across:
// their neighbours are cut by distance. Else 27 of 5 communes.
World MakeWorld(uint32_t seed, int actors, bool feedback, bool wide = false) {
  World world;
  if (wide) world.geo = Geography::Make(1, 2, 2, 40);
  // The third intercommunality straddles two départements of its région,
  // as some do in France: its last commune lies in the other. The others
  // lie in one.
  territory::Place& straddler =
      world.geo.communes[3 * world.geo.communes_per_epci - 1];
  straddler.departement ^= 1;
  std::mt19937 rng(seed);
  for (int i = 0; i < actors; ++i) {
    world.profiles.push_back(
        RandomProfile(rng, world.geo, "actor:" + std::to_string(i)));
  }
  for (int i = 0; i < actors / 2; ++i) {
    world.partnerships.emplace_back(world.profiles[rng() % actors].id,
                                    world.profiles[rng() % actors].id);
    world.partnership_categories.push_back(
        static_cast<Category>(1 + rng() % 4));
    world.partnership_active.push_back(rng() % 2 == 0);
  }
  for (int i = 0; i < 60; ++i) {
    Fragility f;
    const int kind = static_cast<int>(rng() % 3);
    f.level = kind == 0   ? Level::kEpci
              : kind == 1 ? Level::kDepartement
                          : Level::kCommune;
    f.territory = static_cast<uint32_t>(rng() % world.geo.Count(f.level));
    f.theme = static_cast<uint8_t>(rng() % 8);
    f.severity = static_cast<float>(rng() % 100) / 100.0f;
    world.fragilities.push_back(f);
  }
  if (feedback) {
    for (int i = 0; i < actors / 8; ++i) {
      world.answers.push_back({world.profiles[rng() % actors].id,
                               static_cast<uint16_t>(rng() % 4),
                               static_cast<uint16_t>(rng() % 6)});
    }
    // Some actors with many signals (more than the engine reads); few
    // signals in all for odd seeds, many for even ones.
    for (int i = 0; i < (seed % 2 ? actors / 30 : actors / 3); ++i) {
      const int a = static_cast<int>(rng() % (i % 4 == 0 ? 10 : actors));
      world.cooperations.emplace_back(world.profiles[a].id,
                                      world.profiles[rng() % actors].id);
    }
  }
  return world;
}

// Builds the index (in the given order) and its context.
void Load(const World& world, bool reverse, ActorIndex* index,
          MatchContext* context) {
  index->SetCommunePlaces(world.geo.communes);
  std::vector<ActorProfile> profiles = world.profiles;
  if (reverse) std::reverse(profiles.begin(), profiles.end());
  for (const ActorProfile& p : profiles) index->Upsert(p);
  for (size_t i = 0; i < world.partnerships.size(); ++i) {
    context->AddPartnership({*index->Find(world.partnerships[i].first),
                             *index->Find(world.partnerships[i].second),
                             world.partnership_categories[i],
                             world.partnership_active[i]});
  }
  for (const Fragility& f : world.fragilities) context->AddFragility(f);
  for (const World::Answers& a : world.answers) {
    context->SetResponsiveness(*index->Find(a.id), a.answered, a.no_answers);
  }
  for (const auto& [a, b] : world.cooperations) {
    context->AddCooperationSignal(*index->Find(a), *index->Find(b));
  }
}

PartnerOptions RandomOptions(std::mt19937& rng, const Geography& geo) {
  PartnerOptions options;
  options.limit = 1 + rng() % 30;
  if (rng() % 4 == 0)
    options.kinds = 1u << (1 + rng() % 5) | 1u << (1 + rng() % 5);
  if (rng() % 4 == 0) options.categories = 1u << (1 + rng() % 4);
  if (rng() % 5 == 0) options.themes = ThemeSet{1} << (rng() % 8);
  if (rng() % 10 == 0) options.min_score = (rng() % 30) / 100.0;
  switch (rng() % 6) {
    case 0:
      options.scope =
          geo.ScopeOf(Level::kEpci, rng() % geo.Count(Level::kEpci));
      break;
    case 1:
      options.scope = geo.ScopeOf(Level::kDepartement,
                                  rng() % geo.Count(Level::kDepartement));
      break;
    case 2:
      options.scope =
          geo.ScopeOf(Level::kRegion, rng() % geo.Count(Level::kRegion));
      break;
    case 3: {
      std::vector<uint32_t> communes;
      for (int i = 0; i < 10; ++i) {
        communes.push_back(rng() % geo.Count(Level::kCommune));
      }
      options.scope = geo.CustomScope(communes);
      break;
    }
    default:
      break;
  }
  if (rng() % 5 == 0) {
    options.weights.proximity = (rng() % 10) / 10.0;
    options.weights.common_partners = (rng() % 10) / 10.0;
    options.weights.shared_themes = (rng() % 10) / 10.0;
    options.weights.responsiveness = (rng() % 11) / 10.0;
    options.weights.similar_success = (rng() % 11) / 10.0;
  }
  return options;
}

// Whether `other` lives in the territory whose actors are `me`'s
// neighbours (partners.h): its EPT, else its intercommunality, else its
// commune (this geography's territories are all small).
bool Neighbours(const ActorProfile& me, const ActorProfile& other) {
  for (Level level : {Level::kEpt, Level::kEpci, Level::kCommune}) {
    const uint32_t n = me.home.At(level);
    if (n != territory::kNone) return other.home.At(level) == n;
  }
  return false;
}

// (seed, with lifecycle feedback, wide intercommunalities)
class PartnersPropertyTest
    : public ::testing::TestWithParam<std::tuple<uint32_t, bool, bool>> {};

TEST_P(PartnersPropertyTest, HardRulesScoresAndExplanationsHold) {
  const uint32_t seed = std::get<0>(GetParam());
  const bool feedback = std::get<1>(GetParam());
  const World world = MakeWorld(seed, 1500, feedback, std::get<2>(GetParam()));
  ActorIndex index;
  MatchContext context(TestVocabulary());
  Load(world, false, &index, &context);
  ActorIndex reversed;
  MatchContext reversed_context(TestVocabulary());
  Load(world, true, &reversed, &reversed_context);

  std::mt19937 rng(seed * 7919);
  int answered = 0;
  int nonempty = 0;
  for (int q = 0; q < 250; ++q) {
    const ActorNum actor =
        *index.Find(world.profiles[rng() % world.profiles.size()].id);
    const PartnerOptions options = RandomOptions(rng, world.geo);
    absl::StatusOr<std::vector<Suggestion>> result =
        SuggestPartners(index, context, actor, options);
    const ActorProfile& me = index.Get(actor);
    if (!me.available || me.capacity == 0) {
      ASSERT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
      continue;
    }
    ASSERT_TRUE(result.ok()) << result.status();
    ++answered;
    const std::vector<Suggestion>& suggestions = *result;
    if (!suggestions.empty()) ++nonempty;
    ASSERT_LE(suggestions.size(), options.limit);

    const uint32_t accepted_by_actor =
        me.accepted_categories ? me.accepted_categories & kAllCategories
                               : kAllCategories;
    for (size_t i = 0; i < suggestions.size(); ++i) {
      const Suggestion& s = suggestions[i];
      SCOPED_TRACE("seed " + std::to_string(seed) + " query " +
                   std::to_string(q) + " rank " + std::to_string(i));
      // Hard rules.
      ASSERT_NE(s.partner, actor);
      const ActorProfile& partner = index.Get(s.partner);
      EXPECT_EQ(partner.id, s.partner_id);
      EXPECT_TRUE(partner.available);
      EXPECT_GT(partner.capacity, 0);
      if (options.scope) {
        EXPECT_TRUE(index.ActsIn(s.partner, *options.scope));
      }
      if (options.kinds) {
        EXPECT_TRUE(options.kinds >> static_cast<int>(partner.kind) & 1);
      }
      EXPECT_NE(s.categories, 0u);
      EXPECT_TRUE(s.categories >> static_cast<int>(s.category) & 1);
      uint32_t active = 0;
      for (const auto& link : context.PartnersOf(actor)) {
        if (link.partner == s.partner) active = link.active_categories;
      }
      const uint32_t accepted_by_partner =
          partner.accepted_categories
              ? partner.accepted_categories & kAllCategories
              : kAllCategories;
      EXPECT_EQ(
          s.categories & (active | ~accepted_by_actor | ~accepted_by_partner),
          0u);
      if (options.categories) {
        EXPECT_EQ(s.categories & ~options.categories, 0u);
      }
      // Scores.
      EXPECT_GT(s.score, 0);
      EXPECT_LE(s.score, 1);
      EXPECT_GE(s.score, options.min_score);
      if (i > 0) {
        const Suggestion& prev = suggestions[i - 1];
        EXPECT_TRUE(prev.score > s.score ||
                    (prev.score == s.score && prev.partner_id < s.partner_id));
      }
      double sum = 0;
      ASSERT_EQ(s.factors.size(), static_cast<size_t>(kFactorCount));
      for (int k = 0; k < kFactorCount; ++k) {
        EXPECT_EQ(s.factors[k].kind, static_cast<FactorKind>(k));
        EXPECT_FALSE(s.factors[k].detail.empty());
      }
      for (const Factor& f : s.factors) {
        EXPECT_GE(f.value, 0);
        EXPECT_LE(f.value, 1 + 1e-12);
        // The additive parts of the pair's potential add; distance and
        // unanswered contacts only take away.
        if (f.kind == FactorKind::kProximity ||
            f.kind == FactorKind::kResponsiveness) {
          EXPECT_LE(f.contribution, 1e-12);
        } else {
          EXPECT_GE(f.contribution, -1e-12);
        }
        sum += f.contribution;
      }
      EXPECT_NEAR(sum, s.score, 1e-6);
      EXPECT_FALSE(s.sentence.empty());
      // The same score, factor by factor, from ExplainMatch.
      absl::StatusOr<MatchExplanation> e =
          ExplainMatch(index, context, actor, s.partner, options.weights);
      ASSERT_TRUE(e.ok());
      EXPECT_EQ(e->suggestion.score, s.score);
      EXPECT_TRUE(e->blockers.empty());
    }

    // Exhaustive among complementary actors: none left out scores higher
    // than the last returned one (or, with room left, scores at all).
    internal::Query query(index, context, actor,
                          internal::Normalize(options.weights));
    for (ActorNum b = 0; b < index.num_limit(); ++b) {
      if (b == actor || !index.IsLive(b)) continue;
      const ActorProfile& partner = index.Get(b);
      if (!partner.available || partner.capacity == 0) continue;
      if (options.scope && !index.ActsIn(b, *options.scope)) continue;
      if (options.kinds &&
          !(options.kinds >> static_cast<int>(partner.kind) & 1)) {
        continue;
      }
      const internal::PairInputs inputs{internal::DirectCredits(me, partner),
                                        internal::DirectCredits(partner, me)};
      const uint32_t partner_themes = IndexAccess::Of(index).records[b].acts_on;
      // With nothing to exchange, a neighbour sharing a theme.
      if (inputs.to_actor.mask == 0 && inputs.to_partner.mask == 0 &&
          !((partner_themes & IndexAccess::Of(index).records[actor].acts_on) &&
            Neighbours(me, partner))) {
        continue;
      }
      if (options.themes && !(partner_themes & options.themes)) continue;
      const uint32_t accepted_by_partner =
          partner.accepted_categories
              ? partner.accepted_categories & kAllCategories
              : kAllCategories;
      const uint32_t requested =
          options.categories ? options.categories : kAllCategories;
      const uint32_t allowed = query.InferredCategories(b, inputs) &
                               accepted_by_actor & accepted_by_partner &
                               requested & ~query.ActiveCategories(b);
      if (allowed == 0) continue;
      const internal::Query::Score detail = query.ComputeScore(b, inputs);
      const double score = detail.total;
      if (!feedback) {
        // No feedback: not a bit of difference.
        EXPECT_EQ(detail.lifted, detail.context);
        EXPECT_EQ(detail.responsiveness_factor, 1.0);
        EXPECT_EQ(score, std::clamp(detail.fit.mutual * detail.context *
                                        detail.distance_factor,
                                    0.0, 1.0));
      }
      if (score <= 0 || score < options.min_score) continue;
      const bool returned =
          std::any_of(suggestions.begin(), suggestions.end(),
                      [&](const Suggestion& s) { return s.partner == b; });
      if (returned) continue;
      ASSERT_EQ(suggestions.size(), options.limit)
          << partner.id << " scores " << score << " but was left out";
      ASSERT_LE(score, suggestions.back().score)
          << partner.id << " (commune " << partner.home.commune
          << ") left out for " << me.id << " (commune " << me.home.commune
          << ")";
    }

    // Insertion order does not matter.
    absl::StatusOr<std::vector<Suggestion>> again = SuggestPartners(
        reversed, reversed_context, *reversed.Find(me.id), options);
    ASSERT_TRUE(again.ok());
    ASSERT_EQ(again->size(), suggestions.size());
    for (size_t i = 0; i < suggestions.size(); ++i) {
      EXPECT_EQ((*again)[i].partner_id, suggestions[i].partner_id);
      EXPECT_EQ((*again)[i].score, suggestions[i].score);
      EXPECT_EQ((*again)[i].category, suggestions[i].category);
      EXPECT_EQ((*again)[i].sentence, suggestions[i].sentence);
    }
  }
  EXPECT_GT(answered, 150);
  EXPECT_GT(nonempty, answered / 2);
}

INSTANTIATE_TEST_SUITE_P(
    Seeds, PartnersPropertyTest,
    ::testing::Combine(::testing::Values(11u, 22u, 33u, 44u, 55u, 66u),
                       ::testing::Bool(), ::testing::Bool()));

// Feedback on some actors changes the scores of their pairs only, lowers
// them for non-answers, raises them for cooperation signals, and keeps the
// score symmetric.
TEST(PartnersFeedbackPropertyTest, FeedbackMovesOnlyTheScoresItShould) {
  const World world = MakeWorld(77, 800, false);
  ActorIndex index;
  MatchContext plain(TestVocabulary());
  Load(world, false, &index, &plain);
  MatchContext fed = plain;
  std::mt19937 rng(78);
  std::vector<bool> silent(index.num_limit(), false);
  std::vector<bool> signaled(index.num_limit(), false);
  for (int i = 0; i < 60; ++i) {
    const ActorNum num = static_cast<ActorNum>(rng() % index.num_limit());
    fed.SetResponsiveness(num, 0, static_cast<uint16_t>(1 + rng() % 5));
    silent[num] = true;
  }
  for (int i = 0; i < 60; ++i) {
    const ActorNum a = static_cast<ActorNum>(rng() % index.num_limit());
    const ActorNum b = static_cast<ActorNum>(rng() % index.num_limit());
    fed.AddCooperationSignal(a, b);
    if (a != b) signaled[a] = signaled[b] = true;
  }
  const internal::NormalizedWeights weights = internal::Normalize(Weights{});
  int lowered = 0;
  int raised = 0;
  for (int q = 0; q < 40; ++q) {
    const ActorNum a = static_cast<ActorNum>(rng() % index.num_limit());
    const internal::Query before(index, plain, a, weights);
    const internal::Query after(index, fed, a, weights);
    for (ActorNum b = 0; b < index.num_limit(); ++b) {
      if (b == a) continue;
      const internal::PairInputs inputs{
          internal::DirectCredits(index.Get(a), index.Get(b)),
          internal::DirectCredits(index.Get(b), index.Get(a))};
      const internal::Query::Score x = before.ComputeScore(b, inputs);
      const internal::Query::Score y = after.ComputeScore(b, inputs);
      if (x.total <= 0) {
        EXPECT_EQ(y.total, 0);
        continue;
      }
      const bool can_rise = signaled[a] || signaled[b];
      const bool can_fall = silent[a] || silent[b];
      if (!can_rise && !can_fall) {
        ASSERT_EQ(y.total, x.total) << a << " " << b;
      } else if (!can_rise) {
        ASSERT_LT(y.total, x.total);
        ++lowered;
      } else if (!can_fall) {
        ASSERT_GE(y.total, x.total);
        if (y.total > x.total) ++raised;
      }
      // Symmetric.
      const internal::Query reverse(index, fed, b, weights);
      const internal::PairInputs swapped{inputs.to_partner, inputs.to_actor};
      EXPECT_NEAR(reverse.ComputeScore(a, swapped).total, y.total, 1e-12);
    }
  }
  EXPECT_GT(lowered, 0);
  EXPECT_GT(raised, 0);
}

// An admission (the core's territorial scope) only removes actors: the
// answer is the unrestricted answer without the actors it refuses, in the
// same order with the same scores, as long as the limit leaves room.
TEST(PartnersAdmissionPropertyTest, AdmissionFiltersWithoutReordering) {
  const World world = MakeWorld(5, 1500, /*feedback=*/true);
  ActorIndex index;
  MatchContext context(TestVocabulary());
  Load(world, false, &index, &context);
  std::mt19937 rng(5);
  int compared = 0;
  for (int q = 0; q < 200; ++q) {
    const ActorNum actor =
        *index.Find(world.profiles[rng() % world.profiles.size()].id);
    PartnerOptions options = RandomOptions(rng, world.geo);
    options.limit = 1000;  // everything, so that filtering is comparable
    auto all = SuggestPartners(index, context, actor, options);
    if (!all.ok()) continue;
    // Admit the actors homed in some départements only.
    const uint32_t kept = static_cast<uint32_t>(rng());
    options.admit = [&](ActorNum n) {
      return (kept >> (index.Get(n).home.departement % 32) & 1) != 0;
    };
    auto admitted = SuggestPartners(index, context, actor, options);
    ASSERT_TRUE(admitted.ok()) << admitted.status();
    std::vector<std::pair<std::string, double>> expected, got;
    for (const Suggestion& s : *all) {
      if (options.admit(s.partner))
        expected.emplace_back(s.partner_id, s.score);
    }
    for (const Suggestion& s : *admitted) {
      ASSERT_TRUE(options.admit(s.partner)) << s.partner_id;
      got.emplace_back(s.partner_id, s.score);
    }
    EXPECT_EQ(got, expected) << "query " << q;
    compared += !expected.empty();
  }
  EXPECT_GT(compared, 20);
}

}  // namespace
}  // namespace maillage::matcher

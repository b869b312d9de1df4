// Coalitions from the kit's collective experiment (Silver Geek: digital
// inclusion of seniors in Deux-Sèvres), each team planted among thousands of
// synthetic look-alikes of the same kinds acting on the same themes, with
// random needs and offers, in the same département.

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "matcher/coalition.h"
#include "matcher/test_util.h"

namespace maillage::matcher {
namespace {

using ::maillage::matcher::testing::Geography;
using ::maillage::matcher::testing::ProfileBuilder;
using ::maillage::matcher::testing::ResourceNum;
using ::maillage::matcher::testing::TestVocabulary;
using ::maillage::matcher::testing::ThemeNum;
using territory::Level;

constexpr const char* kNeeds[] = {"funding", "volunteers", "in_kind",
                                  "audience_access"};
constexpr Kind kTeamKinds[] = {Kind::kAssociation, Kind::kAssociation,
                               Kind::kCompany, Kind::kCompany,
                               Kind::kPublicBody};

class CoalitionScenarioTest : public ::testing::Test {
 protected:
  // Département 0 of 2 (4 EPCI of 8 communes each).
  CoalitionScenarioTest()
      : geo_(Geography::Make(1, 2, 4, 8)), context_(TestVocabulary()) {
    index_.SetCommunePlaces(geo_.communes);
    challenge_.themes = {ThemeNum("digital_inclusion"),
                         ThemeNum("seniors_ageing")};
    for (const char* need : kNeeds) {
      challenge_.needed_resources.push_back(ResourceNum(need));
    }
  }

  uint32_t Commune(std::mt19937& rng) { return rng() % 32; }

  // `count` look-alikes: Silver Geek's kinds, acting on one or both themes,
  // 1-3 random needs and offers (any resource, on a challenge theme or on
  // none), in random communes of the département.
  void LookAlikes(int count, std::mt19937& rng) {
    const Vocabulary& v = TestVocabulary();
    for (int i = 0; i < count; ++i) {
      ProfileBuilder p("ext:like:" + std::to_string(i), kTeamKinds[rng() % 5],
                       geo_.Commune(Commune(rng)));
      const int themes = rng() % 3;
      if (themes == 0) p.Themes({"digital_inclusion"});
      if (themes == 1) p.Themes({"seniors_ageing"});
      if (themes == 2) p.Themes({"digital_inclusion", "seniors_ageing"});
      auto resource = [&] {
        return v.ResourceCode(static_cast<uint8_t>(rng() % v.resource_count()));
      };
      auto theme = [&]() -> std::string_view {
        return rng() % 2 ? "digital_inclusion" : "";
      };
      for (int k = 0, n = 1 + rng() % 3; k < n; ++k)
        p.Need(resource(), theme());
      for (int k = 0, n = 1 + rng() % 3; k < n; ++k) {
        p.Offer(resource(), theme());
      }
      index_.Upsert(p);
    }
  }

  // Five actors acting on both themes offering the needs on them, in the
  // given communes; with `need_each_other`, each needs what the next one
  // offers (on the themes), else each needs "evaluation" on sport, which
  // nobody offers.
  std::vector<std::string> Team(const std::string& prefix,
                                const std::vector<uint32_t>& communes,
                                bool need_each_other) {
    const char* offers[5][2] = {{"volunteers", "network"},
                                {"audience_access", "services"},
                                {"funding", "skills"},
                                {"in_kind", "hiring"},
                                {"funding", "premises"}};
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) {
      ProfileBuilder p(prefix + std::to_string(i), kTeamKinds[i],
                       geo_.Commune(communes[i]));
      p.Themes({"digital_inclusion", "seniors_ageing"})
          .Offer(offers[i][0], "digital_inclusion")
          .Offer(offers[i][1], "seniors_ageing");
      if (need_each_other) {
        p.Need(offers[(i + 1) % 5][1], "seniors_ageing");
      } else {
        p.Need("evaluation", "sport");
      }
      index_.Upsert(p);
      ids.push_back(prefix + std::to_string(i));
    }
    return ids;
  }

  absl::StatusOr<CoalitionAnswer> Suggest(const CoalitionOptions& options) {
    return SuggestCoalition(index_, context_,
                            geo_.ScopeOf(Level::kDepartement, 0), challenge_,
                            options);
  }

  Geography geo_;
  ActorIndex index_;
  MatchContext context_;
  Challenge challenge_;
};

size_t CountOf(const Coalition& c, const std::vector<std::string>& ids) {
  size_t n = 0;
  for (const CoalitionMember& m : c.members) {
    n += std::count(ids.begin(), ids.end(), m.id);
  }
  return n;
}

// A team whose members need each other, and an equal-coverage set of
// unrelated actors (same kinds, themes, offers and communes; needs nobody
// meets), both among 3,000 look-alikes: the team comes out ahead.
TEST_F(CoalitionScenarioTest, ATeamThatNeedsItselfBeatsUnrelatedTwins) {
  std::mt19937 rng(15);
  // Around one town, as Silver Geek around Niort.
  const std::vector<uint32_t> communes = {0, 1, 2, 3, 4};
  const std::vector<std::string> team = Team("ext:team:", communes, true);
  const std::vector<std::string> twins = Team("ext:twin:", communes, false);
  LookAlikes(3000, rng);

  CoalitionOptions options;
  options.max_size = 5;
  options.alternatives = 0;
  // Each set alone: the same coverage, a larger objective for the team.
  auto alone = [&](const std::vector<std::string>& ids) {
    CoalitionOptions only = options;
    only.required_kinds = 0;
    only.admit = [&](ActorNum n) {
      return std::count(ids.begin(), ids.end(), index_.Get(n).id) > 0;
    };
    absl::StatusOr<CoalitionAnswer> answer = Suggest(only);
    EXPECT_TRUE(answer.ok());
    return answer->best;
  };
  const Coalition team_alone = alone(team);
  const Coalition twins_alone = alone(twins);
  EXPECT_NEAR(team_alone.coverage, twins_alone.coverage, 1e-9);
  EXPECT_GT(team_alone.team_part, 0);
  EXPECT_EQ(twins_alone.team_part, 0);
  EXPECT_GT(team_alone.objective, twins_alone.objective);

  // Among everyone, look-alikes' webs of random needs and offers score as
  // well as the team's (the engine cannot tell a real team from declared
  // needs alone); two of the team's partnerships in the registry are
  // enough for the search to find it, and not the twins.
  context_.AddPartnership(
      {*index_.Find(team[0]), *index_.Find(team[2]), Category::kMecenat, true});
  context_.AddPartnership({*index_.Find(team[1]), *index_.Find(team[3]),
                           Category::kResponsiblePractices, true});
  absl::StatusOr<CoalitionAnswer> answer = Suggest(options);
  ASSERT_TRUE(answer.ok());
  EXPECT_GE(CountOf(answer->best, team), 4u);
  EXPECT_EQ(CountOf(answer->best, twins), 0u);
}

// For each need, a provider acting on both themes and its twin acting on
// one (same offers, same commune), among 3,000 look-alikes: the coalition's
// providers act on both themes.
TEST_F(CoalitionScenarioTest, ATwoThemeChallengePrefersActorsOnBoth) {
  std::mt19937 rng(16);
  LookAlikes(3000, rng);
  std::vector<std::string> both;
  std::vector<std::string> one;
  for (int i = 0; i < 4; ++i) {
    for (bool on_both : {true, false}) {
      const std::string id =
          std::string(on_both ? "ext:both:" : "ext:one:") + std::to_string(i);
      ProfileBuilder p(id, kTeamKinds[i], geo_.Commune(5 + i));
      if (on_both) {
        p.Themes({"digital_inclusion", "seniors_ageing"});
      } else {
        p.Themes({"digital_inclusion"});
      }
      p.Offer(kNeeds[i], "digital_inclusion");
      index_.Upsert(p);
      (on_both ? both : one).push_back(id);
    }
  }
  CoalitionOptions options;
  options.max_size = 4;
  options.required_kinds = 0;
  options.alternatives = 0;
  absl::StatusOr<CoalitionAnswer> answer = Suggest(options);
  ASSERT_TRUE(answer.ok());
  const ThemeSet themes = ThemeSet{1} << ThemeNum("digital_inclusion") |
                          ThemeSet{1} << ThemeNum("seniors_ageing");
  for (const CoalitionMember& m : answer->best.members) {
    if (m.brings.empty()) continue;
    EXPECT_EQ(m.themes, themes) << m.id << " brings a need, on one theme";
  }
  EXPECT_EQ(CountOf(answer->best, one), 0u);
  EXPECT_TRUE(answer->best.uncovered.empty());
}

}  // namespace
}  // namespace maillage::matcher

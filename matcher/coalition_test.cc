#include "matcher/coalition.h"

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "matcher/test_util.h"

namespace maillage::matcher {
namespace {

using ::maillage::matcher::testing::Geography;
using ::maillage::matcher::testing::ProfileBuilder;
using ::maillage::matcher::testing::ResourceNum;
using ::maillage::matcher::testing::TestVocabulary;
using ::maillage::matcher::testing::ThemeNum;
using territory::Level;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

const CoalitionMember* Provider(const Coalition& c, std::string_view resource) {
  for (const CoalitionMember& m : c.members) {
    if (std::find(m.brings.begin(), m.brings.end(), ResourceNum(resource)) !=
        m.brings.end()) {
      return &m;
    }
  }
  return nullptr;
}

class CoalitionTest : public ::testing::Test {
 protected:
  CoalitionTest()
      : geo_(Geography::Make(2, 2, 2, 4)), context_(TestVocabulary()) {
    index_.SetCommunePlaces(geo_.communes);
  }
  // Silver Geek, département 0 (communes 0-7): young volunteers, a social
  // centre with access to seniors, a telecom company funding, an insertion
  // workshop refurbishing computers, the département.
  void SilverGeek() {
    index_.Upsert(
        ProfileBuilder("rna:uniscite", Kind::kAssociation, geo_.Commune(0))
            .Name("Unis-Cité")
            .Themes({"youth", "digital_inclusion"})
            .Offer("volunteers", "digital_inclusion"));
    index_.Upsert(
        ProfileBuilder("rna:centre", Kind::kAssociation, geo_.Commune(1))
            .Name("Centre social des Brizeaux")
            .Themes({"seniors_ageing", "digital_inclusion"})
            .Need("funding", "digital_inclusion")
            .Need("in_kind", "digital_inclusion")
            .Offer("audience_access", "digital_inclusion"));
    index_.Upsert(
        ProfileBuilder("siret:orange", Kind::kCompany, geo_.Commune(2))
            .Name("Orange")
            .Themes({"digital_inclusion"})
            .Offer("funding", "digital_inclusion")
            .Offer("skills", "digital_inclusion"));
    index_.Upsert(
        ProfileBuilder("siret:atelier", Kind::kCompany, geo_.Commune(3))
            .Name("Atelier du Bocage")
            .Subtype(kSubtypeInsertionStructure)
            .Themes({"circular_economy", "digital_inclusion"})
            .Offer("in_kind", "digital_inclusion"));
    index_.Upsert(ProfileBuilder("dep:79", Kind::kPublicBody, geo_.Commune(4))
                      .Name("Département des Deux-Sèvres")
                      .Subtype(kSubtypeLocalAuthority)
                      .Themes({"seniors_ageing"})
                      .Offer("audience_access", "seniors_ageing")
                      .Offer("funding", "seniors_ageing"));
    // Distractors.
    index_.Upsert(ProfileBuilder("siret:far", Kind::kCompany, geo_.Commune(20))
                      .Themes({"digital_inclusion"})
                      .Offer("funding", "digital_inclusion"));
    index_.Upsert(ProfileBuilder("siret:gone", Kind::kCompany, geo_.Commune(2))
                      .Themes({"digital_inclusion"})
                      .Offer("in_kind", "digital_inclusion")
                      .Unavailable());
    index_.Upsert(
        ProfileBuilder("rna:sport", Kind::kAssociation, geo_.Commune(5))
            .Themes({"sport"})
            .Offer("volunteers", "sport"));
  }

  Geography geo_;
  ActorIndex index_;
  MatchContext context_;
};

TEST_F(CoalitionTest, DigitalInclusionOfSeniorsIsCoveredWithTheRightKinds) {
  SilverGeek();
  Challenge challenge;
  challenge.theme = ThemeNum("digital_inclusion");
  challenge.needed_resources = {
      ResourceNum("funding"), ResourceNum("volunteers"), ResourceNum("in_kind"),
      ResourceNum("audience_access")};
  absl::StatusOr<CoalitionAnswer> answer = SuggestCoalition(
      index_, context_, geo_.ScopeOf(Level::kDepartement, 0), challenge);
  ASSERT_TRUE(answer.ok()) << answer.status();
  const Coalition& c = answer->best;
  EXPECT_FALSE(answer->derived_needs);
  EXPECT_TRUE(c.uncovered.empty());
  EXPECT_EQ(c.covered.size(), 4u);
  EXPECT_NEAR(c.coverage, 1.0, 1e-9);

  std::set<Kind> kinds;
  std::vector<std::string> ids;
  for (const CoalitionMember& m : c.members) {
    kinds.insert(m.kind);
    ids.push_back(m.id);
    EXPECT_FALSE(m.role.empty());
    EXPECT_FALSE(m.reason.empty());
  }
  EXPECT_TRUE(kinds.count(Kind::kAssociation));
  EXPECT_TRUE(kinds.count(Kind::kCompany));
  EXPECT_TRUE(kinds.count(Kind::kPublicBody));
  EXPECT_THAT(ids,
              UnorderedElementsAre("rna:uniscite", "rna:centre", "siret:orange",
                                   "siret:atelier", "dep:79"));
  EXPECT_EQ(Provider(c, "funding")->id, "siret:orange");
  EXPECT_EQ(Provider(c, "volunteers")->id, "rna:uniscite");
  EXPECT_EQ(Provider(c, "in_kind")->id, "siret:atelier");
  EXPECT_EQ(Provider(c, "audience_access")->kind, Kind::kAssociation);
  // The lead is an association.
  const auto lead =
      std::find_if(c.members.begin(), c.members.end(),
                   [](const CoalitionMember& m) { return m.lead; });
  ASSERT_NE(lead, c.members.end());
  EXPECT_EQ(lead->kind, Kind::kAssociation);
  EXPECT_THAT(lead->role, HasSubstr("Porteur"));
  EXPECT_THAT(c.summary, HasSubstr("Coalition de 5 acteurs"));
  EXPECT_THAT(c.summary, HasSubstr("inclusion numérique"));
}

TEST_F(CoalitionTest, ReportsUncoveredNeedsAndDerivesNeeds) {
  SilverGeek();
  Challenge challenge;
  challenge.theme = ThemeNum("digital_inclusion");
  challenge.needed_resources = {ResourceNum("funding"),
                                ResourceNum("premises")};
  absl::StatusOr<CoalitionAnswer> answer = SuggestCoalition(
      index_, context_, geo_.ScopeOf(Level::kDepartement, 0), challenge);
  ASSERT_TRUE(answer.ok());
  EXPECT_THAT(answer->best.uncovered,
              ::testing::ElementsAre(ResourceNum("premises")));
  EXPECT_THAT(answer->best.summary, HasSubstr("reste à trouver : « locaux »"));

  // Derived: the social centre's needs are only two; the default set then.
  challenge.needed_resources.clear();
  answer = SuggestCoalition(index_, context_,
                            geo_.ScopeOf(Level::kDepartement, 0), challenge);
  ASSERT_TRUE(answer.ok());
  EXPECT_TRUE(answer->derived_needs);
  EXPECT_EQ(answer->needed_resources.size(), 5u);
  // Three more actors needing audience access on the theme: derived now.
  for (int i = 0; i < 3; ++i) {
    index_.Upsert(ProfileBuilder("rna:club" + std::to_string(i),
                                 Kind::kAssociation, geo_.Commune(6))
                      .Themes({"digital_inclusion"})
                      .Need("audience_access"));
  }
  answer = SuggestCoalition(index_, context_,
                            geo_.ScopeOf(Level::kDepartement, 0), challenge);
  ASSERT_TRUE(answer.ok());
  EXPECT_THAT(
      answer->needed_resources,
      UnorderedElementsAre(ResourceNum("funding"), ResourceNum("in_kind"),
                           ResourceNum("audience_access")));
  EXPECT_TRUE(answer->best.uncovered.empty());
}

TEST_F(CoalitionTest, AlternativesDifferAndRespectBounds) {
  SilverGeek();
  // A second set of actors able to do the same.
  index_.Upsert(
      ProfileBuilder("rna:b-volunteers", Kind::kAssociation, geo_.Commune(6))
          .Themes({"digital_inclusion"})
          .Offer("volunteers", "digital_inclusion")
          .Offer("audience_access", "digital_inclusion"));
  index_.Upsert(ProfileBuilder("siret:b-bank", Kind::kCompany, geo_.Commune(7))
                    .Themes({"digital_inclusion"})
                    .Offer("funding", "digital_inclusion")
                    .Offer("in_kind"));
  Challenge challenge;
  challenge.theme = ThemeNum("digital_inclusion");
  CoalitionOptions options;
  options.min_size = 3;
  options.max_size = 4;
  absl::StatusOr<CoalitionAnswer> answer =
      SuggestCoalition(index_, context_, geo_.ScopeOf(Level::kDepartement, 0),
                       challenge, options);
  ASSERT_TRUE(answer.ok());
  ASSERT_FALSE(answer->alternatives.empty());
  EXPECT_LE(answer->alternatives.size(), 3u);
  std::set<std::set<std::string>> sets;
  for (const Coalition* c : {&answer->best, &answer->alternatives[0]}) {
    EXPECT_GE(c->members.size(), 3u);
    EXPECT_LE(c->members.size(), 4u);
    std::set<std::string> ids;
    for (const CoalitionMember& m : c->members) ids.insert(m.id);
    EXPECT_EQ(ids.size(), c->members.size());
    sets.insert(ids);
  }
  EXPECT_EQ(sets.size(), 2u);

  // The kinds can be relaxed.
  options.required_kinds = 0;
  options.min_size = 1;
  options.max_size = 2;
  answer =
      SuggestCoalition(index_, context_, geo_.ScopeOf(Level::kDepartement, 0),
                       challenge, options);
  ASSERT_TRUE(answer.ok());
  EXPECT_LE(answer->best.members.size(), 2u);
}

TEST_F(CoalitionTest, EmptyTerritoriesAndErrors) {
  SilverGeek();
  Challenge challenge;
  challenge.theme = ThemeNum("gender_equality");
  absl::StatusOr<CoalitionAnswer> answer = SuggestCoalition(
      index_, context_, geo_.ScopeOf(Level::kRegion, 1), challenge);
  ASSERT_TRUE(answer.ok());
  // Only the far funder is there, and it does not act on the theme but
  // offers funding on another one.
  EXPECT_LE(answer->best.members.size(), 1u);
  EXPECT_FALSE(answer->best.uncovered.empty());

  answer = SuggestCoalition(index_, context_, geo_.ScopeOf(Level::kCommune, 31),
                            challenge);
  ASSERT_TRUE(answer.ok());
  EXPECT_TRUE(answer->best.members.empty());
  EXPECT_EQ(answer->best.uncovered.size(), answer->needed_resources.size());

  challenge.theme = 200;
  EXPECT_FALSE(SuggestCoalition(index_, context_,
                                geo_.ScopeOf(Level::kRegion, 1), challenge)
                   .ok());
  challenge.theme = 0;
  CoalitionOptions options;
  options.min_size = 5;
  options.max_size = 4;
  EXPECT_FALSE(SuggestCoalition(index_, context_,
                                geo_.ScopeOf(Level::kRegion, 1), challenge,
                                options)
                   .ok());
  EXPECT_FALSE(SuggestCoalition(index_, context_, Scope{}, challenge).ok());
}

TEST(CoalitionPropertyTest, MembersAreProposableInScopeAndDeterministic) {
  const Geography geo = Geography::Make(3, 3, 3, 5);
  for (uint32_t seed : {5u, 6u}) {
    std::mt19937 rng(seed);
    ActorIndex index;
    index.SetCommunePlaces(geo.communes);
    for (int i = 0; i < 2000; ++i) {
      index.Upsert(
          testing::RandomProfile(rng, geo, "actor:" + std::to_string(i)));
    }
    MatchContext context(TestVocabulary());
    for (int q = 0; q < 100; ++q) {
      Scope scope = rng() % 2 ? geo.ScopeOf(Level::kDepartement, rng() % 9)
                              : geo.ScopeOf(Level::kEpci, rng() % 27);
      Challenge challenge;
      challenge.theme = static_cast<uint8_t>(rng() % 10);
      if (rng() % 2) {
        for (int i = 0; i < 4; ++i) {
          challenge.needed_resources.push_back(
              static_cast<uint8_t>(rng() % 14));
        }
      }
      CoalitionOptions options;
      options.min_size = 1 + rng() % 3;
      options.max_size = options.min_size + rng() % 5;
      absl::StatusOr<CoalitionAnswer> answer =
          SuggestCoalition(index, context, scope, challenge, options);
      ASSERT_TRUE(answer.ok()) << answer.status();
      std::vector<const Coalition*> all = {&answer->best};
      for (const Coalition& c : answer->alternatives) all.push_back(&c);
      for (const Coalition* c : all) {
        EXPECT_LE(c->members.size(), options.max_size);
        std::set<ActorNum> nums;
        for (const CoalitionMember& m : c->members) {
          nums.insert(m.actor);
          const ActorProfile& p = index.Get(m.actor);
          EXPECT_TRUE(p.available);
          EXPECT_GT(p.capacity, 0);
          EXPECT_TRUE(index.ActsIn(m.actor, scope));
        }
        EXPECT_EQ(nums.size(), c->members.size());
        EXPECT_EQ(c->covered.size() + c->uncovered.size(),
                  answer->needed_resources.size());
        EXPECT_GE(c->coverage, 0);
        EXPECT_LE(c->coverage, 1 + 1e-12);
        // Required kinds are there unless the territory lacks them.
        for (Kind kind :
             {Kind::kAssociation, Kind::kCompany, Kind::kPublicBody}) {
          const bool present = std::any_of(
              c->members.begin(), c->members.end(),
              [&](const CoalitionMember& m) { return m.kind == kind; });
          const bool missing = c->missing_kinds >> static_cast<int>(kind) & 1;
          EXPECT_TRUE(present || missing || c->members.empty());
        }
      }
      absl::StatusOr<CoalitionAnswer> again =
          SuggestCoalition(index, context, scope, challenge, options);
      ASSERT_TRUE(again.ok());
      ASSERT_EQ(again->best.members.size(), answer->best.members.size());
      for (size_t i = 0; i < answer->best.members.size(); ++i) {
        EXPECT_EQ(again->best.members[i].id, answer->best.members[i].id);
      }
    }
  }
}

}  // namespace
}  // namespace maillage::matcher

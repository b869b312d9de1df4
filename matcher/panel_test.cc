#include "matcher/panel.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "matcher/scoring.h"
#include "matcher/test_util.h"

namespace maillage::matcher {
namespace {

using ::maillage::matcher::testing::Geography;
using ::maillage::matcher::testing::ProfileBuilder;
using ::maillage::matcher::testing::TestVocabulary;
using ::maillage::matcher::testing::ThemeNum;
using territory::Level;
using ::testing::HasSubstr;

ThemeSet Bit(std::string_view code) { return ThemeSet{1} << ThemeNum(code); }

class PanelTest : public ::testing::Test {
 protected:
  PanelTest() : geo_(Geography::Make(2, 2, 2, 4)), context_(TestVocabulary()) {
    index_.SetCommunePlaces(geo_.communes);
    // Département 0: many associations on youth, a few others.
    for (int i = 0; i < 6; ++i) {
      index_.Upsert(ProfileBuilder("rna:youth" + std::to_string(i),
                                   Kind::kAssociation, geo_.Commune(i))
                        .Themes({"youth"}));
    }
    index_.Upsert(
        ProfileBuilder("rna:health", Kind::kAssociation, geo_.Commune(1))
            .Themes({"health"}));
    index_.Upsert(
        ProfileBuilder("siret:transport", Kind::kCompany, geo_.Commune(2))
            .Themes({"mobility"}));
    index_.Upsert(
        ProfileBuilder("siret:pharma", Kind::kCompany, geo_.Commune(3))
            .Themes({"health", "youth"}));
    index_.Upsert(ProfileBuilder("mairie:1", Kind::kPublicBody, geo_.Commune(0))
                      .Themes({"youth", "mobility"}));
    index_.Upsert(ProfileBuilder("univ:1", Kind::kAcademic, geo_.Commune(5))
                      .Themes({"health"}));
    index_.Upsert(ProfileBuilder("media:1", Kind::kMedia, geo_.Commune(6))
                      .Themes({"mobility"}));
    index_.Upsert(
        ProfileBuilder("rna:gone", Kind::kAssociation, geo_.Commune(6))
            .Themes({"mobility", "health", "youth"})
            .Unavailable());
    index_.Upsert(
        ProfileBuilder("rna:elsewhere", Kind::kAssociation, geo_.Commune(20))
            .Themes({"mobility"}));
  }
  Geography geo_;
  ActorIndex index_;
  MatchContext context_;
};

TEST_F(PanelTest, ThreeThemesAreCoveredByAtLeastThreeKinds) {
  absl::StatusOr<Panel> panel = SuggestDialoguePanel(
      index_, context_, geo_.ScopeOf(Level::kDepartement, 0),
      {ThemeNum("youth"), ThemeNum("health"), ThemeNum("mobility")}, 6);
  ASSERT_TRUE(panel.ok()) << panel.status();
  EXPECT_EQ(panel->invitations.size(), 6u);
  EXPECT_EQ(panel->covered_themes,
            Bit("youth") | Bit("health") | Bit("mobility"));
  EXPECT_EQ(panel->uncovered_themes, 0u);
  std::set<Kind> kinds;
  for (const Invitation& invitation : panel->invitations) {
    kinds.insert(invitation.kind);
    EXPECT_NE(invitation.id, "rna:gone");
    EXPECT_NE(invitation.id, "rna:elsewhere");
    EXPECT_FALSE(invitation.reason.empty());
  }
  EXPECT_GE(kinds.size(), 3u);
  // Six associations are there but do not crowd the panel.
  EXPECT_LE(panel->kind_counts[static_cast<int>(Kind::kAssociation)], 2);
  EXPECT_THAT(panel->summary, HasSubstr("6 invitations"));
}

TEST_F(PanelTest, SevereFragilitiesAreFavouredAndGapsReported) {
  Fragility fragility;
  fragility.level = Level::kCommune;
  fragility.territory = 4;
  fragility.theme = ThemeNum("youth");
  fragility.severity = 0.9f;
  context_.AddFragility(fragility);
  absl::StatusOr<Panel> panel = SuggestDialoguePanel(
      index_, context_, geo_.ScopeOf(Level::kDepartement, 0),
      {ThemeNum("youth"), ThemeNum("gender_equality")}, 2);
  ASSERT_TRUE(panel.ok());
  ASSERT_FALSE(panel->invitations.empty());
  // The association of commune 4, on its severe youth fragility, first.
  EXPECT_EQ(panel->invitations[0].id, "rna:youth4");
  EXPECT_THAT(panel->invitations[0].reason, HasSubstr("fragilité forte"));
  EXPECT_EQ(panel->uncovered_themes, Bit("gender_equality"));
  EXPECT_THAT(panel->summary, HasSubstr("personne sur le territoire pour "
                                        "égalité femmes-hommes"));
}

TEST_F(PanelTest, InvitationsSayWhereTheActorsAre) {
  // Two positioned actors of the département: its centre is their middle.
  for (const char* id : {"rna:youth0", "mairie:1"}) {
    ActorProfile p = index_.Get(*index_.Find(id));
    p.latitude = geo_.latitude[p.home.commune];
    p.longitude = geo_.longitude[p.home.commune] + (id[0] == 'r' ? 0.2f : 0);
    index_.Upsert(p);
  }
  absl::StatusOr<Panel> panel = SuggestDialoguePanel(
      index_, context_, geo_.ScopeOf(Level::kDepartement, 0),
      {ThemeNum("youth")}, 12);
  ASSERT_TRUE(panel.ok());
  ASSERT_TRUE(panel->centre.has_value());
  int positioned = 0;
  for (const Invitation& invitation : panel->invitations) {
    const ActorProfile& p = index_.Get(invitation.actor);
    EXPECT_EQ(invitation.home_commune, p.home.commune);
    if (std::isnan(p.latitude)) {
      EXPECT_EQ(invitation.distance_km, -1);
    } else {
      ++positioned;
      // 0.2 degrees of longitude apart, the centre in the middle.
      EXPECT_NEAR(invitation.distance_km,
                  internal::HaversineKm(p.latitude, 0, p.latitude, 0.1), 0.05);
    }
  }
  EXPECT_EQ(positioned, 2);
}

TEST_F(PanelTest, Errors) {
  const Scope scope = geo_.ScopeOf(Level::kDepartement, 0);
  EXPECT_FALSE(SuggestDialoguePanel(index_, context_, scope, {}, 5).ok());
  EXPECT_FALSE(SuggestDialoguePanel(index_, context_, scope, {99}, 5).ok());
  EXPECT_FALSE(SuggestDialoguePanel(index_, context_, scope, {0}, 0).ok());
  EXPECT_FALSE(SuggestDialoguePanel(index_, context_, Scope{}, {0}, 5).ok());
}

TEST(PanelPropertyTest, InvitationsAreAvailableInScopeOnThemeAndBalanced) {
  const Geography geo = Geography::Make(3, 3, 3, 5);
  std::mt19937 rng(99);
  ActorIndex index;
  index.SetCommunePlaces(geo.communes);
  for (int i = 0; i < 2000; ++i) {
    index.Upsert(testing::RandomProfile(rng, geo, "a:" + std::to_string(i)));
  }
  MatchContext context(TestVocabulary());
  for (int q = 0; q < 200; ++q) {
    const Scope scope = geo.ScopeOf(Level::kDepartement, rng() % 9);
    std::vector<uint8_t> themes;
    ThemeSet requested = 0;
    for (int i = 0; i < 1 + static_cast<int>(rng() % 3); ++i) {
      themes.push_back(static_cast<uint8_t>(rng() % 12));
      requested |= ThemeSet{1} << themes.back();
    }
    const size_t size = 1 + rng() % 12;
    absl::StatusOr<Panel> panel =
        SuggestDialoguePanel(index, context, scope, themes, size);
    ASSERT_TRUE(panel.ok());
    EXPECT_LE(panel->invitations.size(), size);
    std::set<ActorNum> seen;
    int counts[kKindCount] = {};
    ThemeSet covered = 0;
    for (const Invitation& invitation : panel->invitations) {
      EXPECT_TRUE(seen.insert(invitation.actor).second);
      const ActorProfile& p = index.Get(invitation.actor);
      EXPECT_TRUE(p.available);
      EXPECT_TRUE(index.ActsIn(invitation.actor, scope));
      EXPECT_NE(invitation.themes & requested, 0u);
      ++counts[static_cast<int>(invitation.kind)];
      covered |= invitation.themes;
    }
    EXPECT_EQ(panel->covered_themes, covered & requested);
    EXPECT_EQ(panel->covered_themes | panel->uncovered_themes, requested);
    // Balanced: a kind that still had actors to invite has at most
    // 1 + #themes fewer invitations than the largest (the coverage phase
    // may pick by theme first).
    int pool_counts[kKindCount] = {};
    for (ActorNum num = 0; num < index.num_limit(); ++num) {
      if (!index.IsLive(num) || !index.Get(num).available ||
          !index.ActsIn(num, scope)) {
        continue;
      }
      const ActorProfile& p = index.Get(num);
      ThemeSet acts = p.themes;
      for (const Exchange& e : p.needs) {
        if (e.theme < 64) acts |= ThemeSet{1} << e.theme;
      }
      for (const Exchange& e : p.offers) {
        if (e.theme < 64) acts |= ThemeSet{1} << e.theme;
      }
      if (acts & requested) ++pool_counts[static_cast<int>(p.kind)];
    }
    const int max_count = *std::max_element(counts, counts + kKindCount);
    for (int k = 1; k < kKindCount; ++k) {
      if (pool_counts[k] > counts[k]) {
        EXPECT_LE(max_count - counts[k], 1 + static_cast<int>(themes.size()))
            << "kind " << k << " query " << q;
      }
    }
  }
}

}  // namespace
}  // namespace maillage::matcher

#include "matcher/coalition.h"

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
using ::maillage::matcher::testing::ResourceNum;
using ::maillage::matcher::testing::TestVocabulary;
using ::maillage::matcher::testing::ThemeNum;
using territory::Level;
using ::testing::HasSubstr;

constexpr uint32_t kAllKinds = 0;

const CoalitionMember* Member(const Coalition& c, std::string_view id) {
  for (const CoalitionMember& m : c.members) {
    if (m.id == id) return &m;
  }
  return nullptr;
}

const CoalitionMember* Provider(const Coalition& c, std::string_view resource) {
  for (const CoalitionMember& m : c.members) {
    if (std::count(m.brings.begin(), m.brings.end(), ResourceNum(resource))) {
      return &m;
    }
  }
  return nullptr;
}

bool Gives(const CoalitionMember& m) {
  return !m.brings.empty() || !m.reinforces.empty() || !m.gives.empty() ||
         m.represents != 0;
}

double RelevanceSum(const Coalition& c) {
  double sum = 0;
  for (const CoalitionMember& m : c.members) sum += m.relevance;
  return sum;
}

Challenge DigitalInclusionOfSeniors() {
  Challenge challenge;
  challenge.themes = {ThemeNum("digital_inclusion"),
                      ThemeNum("seniors_ageing")};
  challenge.needed_resources = {
      ResourceNum("funding"), ResourceNum("volunteers"), ResourceNum("in_kind"),
      ResourceNum("audience_access")};
  return challenge;
}

class CoalitionTest : public ::testing::Test {
 protected:
  CoalitionTest()
      : geo_(Geography::Make(2, 2, 2, 4)), context_(TestVocabulary()) {
    index_.SetCommunePlaces(geo_.communes);
  }
  // Silver Geek, département 0 (communes 0-7): young volunteers in civic
  // service, a social centre opening the door to seniors, a telecom
  // operator funding, an insertion workshop refurbishing computers, the
  // département, a mutual insurer; each needs something another offers.
  void SilverGeek() {
    Add(ProfileBuilder("rna:uniscite", Kind::kAssociation, geo_.Commune(0))
            .Name("Unis-Cité")
            .Themes({"youth", "digital_inclusion"})
            .Offer("volunteers", "digital_inclusion")
            .Need("funding", "digital_inclusion"));
    Add(ProfileBuilder("rna:centre", Kind::kAssociation, geo_.Commune(1))
            .Name("Centre social des 3 Cités")
            .Themes({"seniors_ageing", "digital_inclusion"})
            .Need("in_kind", "digital_inclusion")
            .Need("volunteers", "digital_inclusion")
            .Offer("audience_access", "seniors_ageing"));
    Add(ProfileBuilder("siret:orange", Kind::kCompany, geo_.Commune(2))
            .Name("Orange")
            .Themes({"digital_inclusion"})
            .Offer("funding", "digital_inclusion")
            .Offer("skills", "digital_inclusion")
            .Need("audience_access", "digital_inclusion"));
    Add(ProfileBuilder("siret:atelier", Kind::kCompany, geo_.Commune(3))
            .Name("Ateliers du Bocage")
            .Subtype(kSubtypeInsertionStructure)
            .Themes({"circular_economy", "digital_inclusion"})
            .Offer("in_kind", "digital_inclusion")
            .Need("funding"));
    Add(ProfileBuilder("dep:79", Kind::kPublicBody, geo_.Commune(4))
            .Name("Département des Deux-Sèvres")
            .Subtype(kSubtypeLocalAuthority)
            .Themes({"seniors_ageing"})
            .Offer("audience_access", "seniors_ageing")
            .Offer("funding", "seniors_ageing"));
    Add(ProfileBuilder("siret:macif", Kind::kCompany, geo_.Commune(5))
            .Name("MACIF")
            .Subtype(kSubtypeMutualInsurer)
            .Themes({"seniors_ageing"})
            .Offer("funding", "seniors_ageing"));
    // Distractors: out of the territory, unavailable, off the themes.
    Add(ProfileBuilder("siret:far", Kind::kCompany, geo_.Commune(20))
            .Themes({"digital_inclusion"})
            .Offer("funding", "digital_inclusion"));
    Add(ProfileBuilder("siret:gone", Kind::kCompany, geo_.Commune(2))
            .Themes({"digital_inclusion"})
            .Offer("in_kind", "digital_inclusion")
            .Unavailable());
    Add(ProfileBuilder("rna:sport", Kind::kAssociation, geo_.Commune(5))
            .Themes({"sport"})
            .Offer("volunteers", "sport"));
  }
  ActorNum Add(const ActorProfile& profile) { return index_.Upsert(profile); }
  ActorNum Num(std::string_view id) { return *index_.Find(id); }
  absl::StatusOr<CoalitionAnswer> Suggest(const Challenge& challenge,
                                          const CoalitionOptions& options = {},
                                          Level level = Level::kDepartement,
                                          uint32_t number = 0) {
    return SuggestCoalition(index_, context_, geo_.ScopeOf(level, number),
                            challenge, options);
  }

  Geography geo_;
  ActorIndex index_;
  MatchContext context_;
};

TEST_F(CoalitionTest, SilverGeekTeamCoversTheNeedsAndServesItself) {
  SilverGeek();
  absl::StatusOr<CoalitionAnswer> answer = Suggest(DigitalInclusionOfSeniors());
  ASSERT_TRUE(answer.ok()) << answer.status();
  const Coalition& c = answer->best;
  EXPECT_FALSE(answer->derived_needs);
  EXPECT_TRUE(c.uncovered.empty());
  EXPECT_EQ(c.uncovered_themes, 0u);
  EXPECT_NEAR(c.coverage, 1.0, 1e-9);
  EXPECT_EQ(Provider(c, "volunteers")->id, "rna:uniscite");
  EXPECT_EQ(Provider(c, "in_kind")->id, "siret:atelier");
  // The social centre acts on both themes: it beats the département.
  EXPECT_EQ(Provider(c, "audience_access")->id, "rna:centre");
  for (const char* id : {"rna:uniscite", "rna:centre", "siret:orange",
                         "siret:atelier", "dep:79"}) {
    EXPECT_NE(Member(c, id), nullptr) << id;
  }
  EXPECT_EQ(Member(c, "siret:far"), nullptr);
  EXPECT_EQ(Member(c, "siret:gone"), nullptr);
  EXPECT_EQ(Member(c, "rna:sport"), nullptr);
  // What they give each other: Unis-Cité's volunteers to the social centre.
  const CoalitionMember* uniscite = Member(c, "rna:uniscite");
  ASSERT_EQ(uniscite->gives.size(), 1u);
  EXPECT_EQ(uniscite->gives[0].receiver, Num("rna:centre"));
  EXPECT_THAT(uniscite->reason,
              HasSubstr("apporte « bénévoles » à Centre social des 3 Cités"));
  EXPECT_THAT(Member(c, "rna:centre")->reason,
              HasSubstr("agit sur les 2 thèmes du défi"));
  EXPECT_GT(c.team_part, 0);
  EXPECT_NEAR(RelevanceSum(c), c.objective, 1e-9);
  for (const CoalitionMember& m : c.members) {
    EXPECT_EQ(m.basis, MemberBasis::kContributes) << m.id;
    EXPECT_GT(m.relevance, 0) << m.id;
    EXPECT_FALSE(m.role.empty());
    EXPECT_EQ(m.home_commune, index_.Get(m.actor).home.commune);
  }
  const auto lead =
      std::find_if(c.members.begin(), c.members.end(),
                   [](const CoalitionMember& m) { return m.lead; });
  ASSERT_NE(lead, c.members.end());
  EXPECT_EQ(lead->kind, Kind::kAssociation);
  EXPECT_THAT(c.summary, HasSubstr("inclusion numérique"));
  EXPECT_THAT(c.summary, HasSubstr("au sein de l'équipe"));
}

TEST_F(CoalitionTest, MaxSizeIsAnUpperBoundNotATarget) {
  SilverGeek();
  Challenge challenge = DigitalInclusionOfSeniors();
  challenge.needed_resources = {ResourceNum("volunteers")};
  CoalitionOptions options;
  options.required_kinds = kAllKinds;
  options.max_size = 12;
  absl::StatusOr<CoalitionAnswer> answer = Suggest(challenge, options);
  ASSERT_TRUE(answer.ok());
  // Unis-Cité brings the volunteers, the social centre receives them and
  // represents seniors; nobody else adds anything worth a place.
  std::set<std::string> ids;
  for (const CoalitionMember& m : answer->best.members) ids.insert(m.id);
  EXPECT_TRUE(ids.count("rna:uniscite"));
  EXPECT_LT(answer->best.members.size(), 12u);
  for (const CoalitionMember& m : answer->best.members) {
    EXPECT_TRUE(Gives(m)) << m.id;
  }
}

TEST_F(CoalitionTest, DerivesNeedsAndReportsUncoveredOnes) {
  SilverGeek();
  Challenge challenge = DigitalInclusionOfSeniors();
  challenge.needed_resources = {ResourceNum("funding"),
                                ResourceNum("premises")};
  absl::StatusOr<CoalitionAnswer> answer = Suggest(challenge);
  ASSERT_TRUE(answer.ok());
  EXPECT_THAT(answer->best.uncovered,
              ::testing::ElementsAre(ResourceNum("premises")));
  EXPECT_THAT(answer->best.summary, HasSubstr("reste à trouver : « locaux »"));
  // Derived from what the actors on the themes need there.
  challenge.needed_resources.clear();
  answer = Suggest(challenge);
  ASSERT_TRUE(answer.ok());
  EXPECT_TRUE(answer->derived_needs);
  EXPECT_THAT(answer->needed_resources,
              ::testing::UnorderedElementsAre(
                  ResourceNum("funding"), ResourceNum("in_kind"),
                  ResourceNum("volunteers"), ResourceNum("audience_access")));
}

TEST_F(CoalitionTest, AnAnchorLeadsAndDistancesAreMeasuredFromIt) {
  SilverGeek();
  const uint32_t home = 6;
  Add(ProfileBuilder("rna:uriopss", Kind::kAssociation, geo_.Commune(home))
          .Name("URIOPSS")
          .Subtype(kSubtypeFederation)
          .Themes({"seniors_ageing"})
          .Offer("network", "seniors_ageing")
          .Coordinates(geo_.latitude[home], geo_.longitude[home])
          .Capacity(0));
  Challenge challenge = DigitalInclusionOfSeniors();
  challenge.anchor = Num("rna:uriopss");
  absl::StatusOr<CoalitionAnswer> answer = Suggest(challenge);
  ASSERT_TRUE(answer.ok()) << answer.status();
  const Coalition& c = answer->best;
  ASSERT_FALSE(c.members.empty());
  EXPECT_EQ(c.members[0].id, "rna:uriopss");
  EXPECT_EQ(c.members[0].basis, MemberBasis::kAnchor);
  EXPECT_TRUE(c.members[0].lead);
  EXPECT_THAT(c.members[0].reason, HasSubstr("chef de file"));
  EXPECT_TRUE(answer->centre_is_anchor);
  EXPECT_NEAR(c.members[0].distance_km, 0, 1e-6);
  for (const Coalition& alternative : answer->alternatives) {
    EXPECT_EQ(alternative.members[0].id, "rna:uriopss");
  }
  // The anchor must be live and available.
  index_.Upsert(ProfileBuilder("rna:out", Kind::kAssociation, geo_.Commune(1))
                    .Themes({"seniors_ageing"})
                    .Unavailable());
  challenge.anchor = Num("rna:out");
  EXPECT_EQ(Suggest(challenge).status().code(),
            absl::StatusCode::kFailedPrecondition);
  challenge.anchor = index_.num_limit() + 5;
  EXPECT_EQ(Suggest(challenge).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(CoalitionTest, DistancesAndCommunesFromTheTerritoryCentre) {
  SilverGeek();
  // Two positioned members: the centre is the mean of the positioned
  // actors homed in the territory.
  ActorProfile orange = index_.Get(Num("siret:orange"));
  orange.latitude = geo_.latitude[2];
  orange.longitude = geo_.longitude[2];
  index_.Upsert(orange);
  ActorProfile uniscite = index_.Get(Num("rna:uniscite"));
  uniscite.latitude = geo_.latitude[0];
  uniscite.longitude = geo_.longitude[0];
  index_.Upsert(uniscite);
  absl::StatusOr<CoalitionAnswer> answer = Suggest(DigitalInclusionOfSeniors());
  ASSERT_TRUE(answer.ok());
  ASSERT_TRUE(answer->centre.has_value());
  EXPECT_FALSE(answer->centre_is_anchor);
  const double lat = (geo_.latitude[0] + geo_.latitude[2]) / 2;
  const double lon = (geo_.longitude[0] + geo_.longitude[2]) / 2;
  EXPECT_NEAR(answer->centre->latitude, lat, 1e-5);
  for (const CoalitionMember& m : answer->best.members) {
    if (m.id == "siret:orange") {
      EXPECT_NEAR(
          m.distance_km,
          internal::HaversineKm(lat, lon, geo_.latitude[2], geo_.longitude[2]),
          0.01);
      EXPECT_THAT(m.reason, HasSubstr("km du centre du territoire"));
    } else if (m.id != "rna:uniscite") {
      EXPECT_EQ(m.distance_km, -1) << m.id;  // no coordinates
    }
  }
}

TEST_F(CoalitionTest, MembersAddedForAKindOrASizeSaySo) {
  SilverGeek();
  // A media acting on the theme, offering nothing needed.
  Add(ProfileBuilder("media:nr", Kind::kMedia, geo_.Commune(7))
          .Name("La Nouvelle République")
          .Themes({"digital_inclusion"})
          .Offer("visibility", "digital_inclusion"));
  CoalitionOptions options;
  options.required_kinds = 1u << static_cast<int>(Kind::kMedia);
  absl::StatusOr<CoalitionAnswer> answer =
      Suggest(DigitalInclusionOfSeniors(), options);
  ASSERT_TRUE(answer.ok());
  const CoalitionMember* media = Member(answer->best, "media:nr");
  ASSERT_NE(media, nullptr);
  EXPECT_EQ(media->basis, MemberBasis::kRequiredKind);
  EXPECT_THAT(media->reason,
              HasSubstr("pour que la coalition compte un média"));
  EXPECT_THAT(media->reason, HasSubstr("n'apporte rien d'autre"));
  EXPECT_NEAR(RelevanceSum(answer->best), answer->best.objective, 1e-9);

  // min_size beyond what brings something: padded, and said.
  Challenge challenge = DigitalInclusionOfSeniors();
  challenge.needed_resources = {ResourceNum("volunteers")};
  options.required_kinds = kAllKinds;
  options.min_size = 8;
  options.max_size = 8;
  answer = Suggest(challenge, options);
  ASSERT_TRUE(answer.ok());
  int padded = 0;
  for (const CoalitionMember& m : answer->best.members) {
    if (m.basis != MemberBasis::kMinSize) continue;
    ++padded;
    EXPECT_THAT(m.reason, HasSubstr("taille minimale demandée"));
  }
  EXPECT_GT(padded, 0);
}

TEST_F(CoalitionTest, AlternativesLeaveOutTheKeyMembers) {
  SilverGeek();
  // A second team able to do the same.
  Add(ProfileBuilder("rna:b-volunteers", Kind::kAssociation, geo_.Commune(6))
          .Themes({"digital_inclusion", "seniors_ageing"})
          .Offer("volunteers", "digital_inclusion")
          .Offer("audience_access", "seniors_ageing"));
  Add(ProfileBuilder("siret:b-bank", Kind::kCompany, geo_.Commune(7))
          .Themes({"digital_inclusion"})
          .Offer("funding", "digital_inclusion")
          .Offer("in_kind"));
  Add(ProfileBuilder("mairie:b", Kind::kPublicBody, geo_.Commune(6))
          .Themes({"seniors_ageing"})
          .Offer("premises", "seniors_ageing"));
  absl::StatusOr<CoalitionAnswer> answer = Suggest(DigitalInclusionOfSeniors());
  ASSERT_TRUE(answer.ok());
  ASSERT_FALSE(answer->alternatives.empty());
  std::vector<const Coalition*> all = {&answer->best};
  for (const Coalition& c : answer->alternatives) all.push_back(&c);
  for (size_t i = 1; i < all.size(); ++i) {
    EXPECT_LE(all[i]->objective, all[i - 1]->objective);
    for (size_t j = 0; j < i; ++j) {
      std::set<std::string> a;
      std::set<std::string> b;
      for (const CoalitionMember& m : all[i]->members) a.insert(m.id);
      for (const CoalitionMember& m : all[j]->members) b.insert(m.id);
      size_t shared = 0;
      for (const std::string& id : a) shared += b.count(id);
      // Of two coalitions, one lacks half of the other's members.
      EXPECT_TRUE(shared <= a.size() - (a.size() + 1) / 2 ||
                  shared <= b.size() - (b.size() + 1) / 2);
    }
  }
}

TEST_F(CoalitionTest, Errors) {
  SilverGeek();
  Challenge challenge;
  EXPECT_EQ(Suggest(challenge).status().code(),
            absl::StatusCode::kInvalidArgument);  // no theme
  challenge.themes = {ThemeNum("youth"), ThemeNum("youth")};
  EXPECT_FALSE(Suggest(challenge).ok());  // repeated
  challenge.themes = {200};
  EXPECT_FALSE(Suggest(challenge).ok());  // unknown
  challenge.themes = {ThemeNum("youth"), ThemeNum("health")};
  challenge.theme_weights = {1};
  EXPECT_FALSE(Suggest(challenge).ok());  // one weight for two themes
  challenge.theme_weights = {1, -1};
  EXPECT_FALSE(Suggest(challenge).ok());
  challenge.theme_weights = {};
  challenge.needed_resources = {99};
  EXPECT_FALSE(Suggest(challenge).ok());
  challenge.needed_resources = {};
  CoalitionOptions options;
  options.min_size = 5;
  options.max_size = 4;
  EXPECT_FALSE(Suggest(challenge, options).ok());
  EXPECT_FALSE(
      SuggestCoalition(index_, context_, Scope{}, challenge, CoalitionOptions{})
          .ok());
  // An empty territory: an empty coalition, every need uncovered.
  absl::StatusOr<CoalitionAnswer> answer =
      Suggest(challenge, CoalitionOptions{}, Level::kCommune, 31);
  ASSERT_TRUE(answer.ok());
  EXPECT_TRUE(answer->best.members.empty());
  EXPECT_EQ(answer->best.uncovered.size(), answer->needed_resources.size());
  EXPECT_THAT(answer->best.summary, HasSubstr("Aucun acteur disponible"));
}

}  // namespace
}  // namespace maillage::matcher

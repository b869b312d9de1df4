#include "matcher/partners.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "matcher/context.h"
#include "matcher/test_util.h"

namespace maillage::matcher {
namespace {

using ::maillage::matcher::testing::Geography;
using ::maillage::matcher::testing::ProfileBuilder;
using ::maillage::matcher::testing::TestVocabulary;
using ::maillage::matcher::testing::ThemeNum;
using territory::Level;
using ::testing::HasSubstr;
using ::testing::Not;

double SumOfContributions(const Suggestion& s) {
  double sum = 0;
  for (const Factor& f : s.factors) sum += f.contribution;
  return sum;
}

std::vector<std::string> Ids(const std::vector<Suggestion>& suggestions) {
  std::vector<std::string> ids;
  for (const Suggestion& s : suggestions) ids.push_back(s.partner_id);
  return ids;
}

class PartnersTest : public ::testing::Test {
 protected:
  // 2 régions x 2 départements x 2 EPCI x 4 communes: communes 0-3 form
  // EPCI 0, 4-7 EPCI 1 (both in département 0), 16-31 région 1.
  PartnersTest()
      : geo_(Geography::Make(2, 2, 2, 4)), context_(TestVocabulary()) {
    index_.SetCommunePlaces(geo_.communes);
  }

  ActorNum Add(const ActorProfile& profile) { return index_.Upsert(profile); }

  std::vector<Suggestion> Suggest(ActorNum actor,
                                  const PartnerOptions& options = {}) {
    absl::StatusOr<std::vector<Suggestion>> result =
        SuggestPartners(index_, context_, actor, options);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : std::vector<Suggestion>{};
  }

  Geography geo_;
  ActorIndex index_;
  MatchContext context_;
};

TEST_F(PartnersTest, SkillsOfferedInTheSameEpciRankFirstAsSkillsSponsorship) {
  const ActorNum asso =
      Add(ProfileBuilder("rna:W1", Kind::kAssociation, geo_.Commune(0))
              .Name("Connexions Solidaires")
              .Themes({"digital_inclusion", "seniors_ageing"})
              .Need("skills", "digital_inclusion")
              .Need("funding"));
  // The right answer: same EPCI, skills on the same theme.
  Add(ProfileBuilder("siret:near", Kind::kCompany, geo_.Commune(2))
          .Name("NumériTech")
          .Themes({"digital_inclusion"})
          .Offer("skills", "digital_inclusion"));
  // The same offer far away (another région).
  Add(ProfileBuilder("siret:far", Kind::kCompany, geo_.Commune(20))
          .Themes({"digital_inclusion"})
          .Offer("skills", "digital_inclusion"));
  // Skills on another theme, next door.
  Add(ProfileBuilder("siret:other-theme", Kind::kCompany, geo_.Commune(0))
          .Themes({"education_training"})
          .Offer("skills", "education_training"));
  // Same themes, nothing to exchange, same commune.
  Add(ProfileBuilder("rna:W2", Kind::kAssociation, geo_.Commune(0))
          .Themes({"digital_inclusion", "seniors_ageing"}));

  std::vector<Suggestion> suggestions = Suggest(asso);
  ASSERT_FALSE(suggestions.empty());
  const Suggestion& first = suggestions[0];
  EXPECT_EQ(first.partner_id, "siret:near");
  EXPECT_EQ(first.category, Category::kMecenat);
  EXPECT_EQ(first.modality, Modality::kSkills);
  EXPECT_THAT(first.sentence, HasSubstr("L'entreprise NumériTech propose du "
                                        "mécénat de compétences en inclusion "
                                        "numérique dont l'association "
                                        "Connexions Solidaires a besoin"));
  EXPECT_THAT(first.sentence, HasSubstr("même intercommunalité"));
  ASSERT_FALSE(first.exchanges.empty());
  EXPECT_EQ(first.exchanges[0].resource, testing::ResourceNum("skills"));
  EXPECT_EQ(first.exchanges[0].theme, ThemeNum("digital_inclusion"));
  EXPECT_DOUBLE_EQ(first.exchanges[0].quality, 1.0);
  // The far twin comes after it; the theme-only neighbour is no partner of
  // choice for skills.
  std::vector<std::string> ids = Ids(suggestions);
  auto far = std::find(ids.begin(), ids.end(), "siret:far");
  ASSERT_NE(far, ids.end());
  EXPECT_NEAR(SumOfContributions(first), first.score, 1e-9);
  EXPECT_EQ(first.factors.size(), static_cast<size_t>(kFactorCount));
  for (const Factor& f : first.factors) EXPECT_FALSE(f.detail.empty());

  // Without the factors' details, the same answer with empty details.
  PartnerOptions terse;
  terse.factor_details = false;
  std::vector<Suggestion> without = Suggest(asso, terse);
  ASSERT_EQ(without.size(), suggestions.size());
  for (size_t i = 0; i < without.size(); ++i) {
    EXPECT_EQ(without[i].partner_id, suggestions[i].partner_id);
    EXPECT_EQ(without[i].score, suggestions[i].score);
    EXPECT_EQ(without[i].sentence, suggestions[i].sentence);
    EXPECT_EQ(without[i].category, suggestions[i].category);
    ASSERT_EQ(without[i].factors.size(), suggestions[i].factors.size());
    for (size_t k = 0; k < without[i].factors.size(); ++k) {
      EXPECT_TRUE(without[i].factors[k].detail.empty());
      EXPECT_EQ(without[i].factors[k].contribution,
                suggestions[i].factors[k].contribution);
    }
  }
}

TEST_F(PartnersTest, InsertionServicesMakeResponsiblePracticesNotMecenat) {
  const ActorNum company =
      Add(ProfileBuilder("siret:suez", Kind::kCompany, geo_.Commune(1))
              .Name("Eaux du Grand Est")
              .Themes({"environment_climate"})
              .Need("services", "circular_economy")
              .Offer("funding", "environment_climate"));
  Add(ProfileBuilder("rna:adeis", Kind::kAssociation, geo_.Commune(3))
          .Name("ADEIS")
          .Subtype(kSubtypeInsertionStructure)
          .Themes({"employment_insertion", "circular_economy"})
          .Offer("services", "circular_economy"));

  std::vector<Suggestion> suggestions = Suggest(company);
  ASSERT_EQ(suggestions.size(), 1u);
  const Suggestion& s = suggestions[0];
  EXPECT_EQ(s.partner_id, "rna:adeis");
  EXPECT_EQ(s.category, Category::kResponsiblePractices);
  EXPECT_EQ(s.modality, Modality::kResponsiblePurchasing);
  EXPECT_FALSE(s.categories >> static_cast<int>(Category::kMecenat) & 1);
  EXPECT_THAT(s.sentence, HasSubstr("L'association d'insertion ADEIS propose"));
  EXPECT_THAT(s.sentence, HasSubstr("pratiques responsables"));
  EXPECT_THAT(s.sentence, Not(HasSubstr("mécénat")));

  // Asked from the other side, the same pair and the same score.
  std::vector<Suggestion> reverse = Suggest(*index_.Find("rna:adeis"));
  ASSERT_EQ(reverse.size(), 1u);
  EXPECT_EQ(reverse[0].category, Category::kResponsiblePractices);
  EXPECT_DOUBLE_EQ(reverse[0].score, s.score);
}

TEST_F(PartnersTest, AMutualMatchRanksAboveAOneSidedOne) {
  const ActorNum asso =
      Add(ProfileBuilder("rna:A", Kind::kAssociation, geo_.Commune(0))
              .Themes({"youth"})
              .Need("funding", "youth")
              .Offer("visibility", "youth"));
  // Both give funding in the same commune; only "mutual" needs visibility.
  Add(ProfileBuilder("siret:mutual", Kind::kCompany, geo_.Commune(0))
          .Themes({"youth"})
          .Offer("funding", "youth")
          .Need("visibility", "youth"));
  Add(ProfileBuilder("siret:one-sided", Kind::kCompany, geo_.Commune(0))
          .Themes({"youth"})
          .Offer("funding", "youth")
          .Need("premises", "youth"));
  std::vector<Suggestion> suggestions = Suggest(asso);
  ASSERT_EQ(suggestions.size(), 2u);
  EXPECT_EQ(suggestions[0].partner_id, "siret:mutual");
  EXPECT_EQ(suggestions[1].partner_id, "siret:one-sided");
  EXPECT_GT(suggestions[0].score, suggestions[1].score);
  EXPECT_GT(suggestions[0].mutual_fit, suggestions[1].mutual_fit);
  // One-sided: the partner gets nothing it needs.
  EXPECT_LT(suggestions[1].fit_for_partner, suggestions[1].fit_for_actor);
}

TEST_F(PartnersTest, HardRules) {
  const ActorNum asso =
      Add(ProfileBuilder("rna:A", Kind::kAssociation, geo_.Commune(0))
              .Themes({"sport"})
              .Need("funding", "sport")
              .Need("in_kind", "sport"));
  auto funder = [&](std::string id, uint32_t commune) {
    return ProfileBuilder(std::move(id), Kind::kCompany, geo_.Commune(commune))
        .Themes({"sport"})
        .Offer("funding", "sport");
  };
  Add(funder("c:ok", 1));
  Add(funder("c:opted-out", 1).Unavailable());
  Add(funder("c:full", 1).Capacity(0));
  Add(funder("c:outside", 9));
  const ActorNum partner = Add(funder("c:partner", 1));
  const ActorNum partner2 = Add(funder("c:partner2", 1).Offer("in_kind"));
  Add(funder("c:public-only", 1).Accepts({Category::kEconomicCooperation}));

  // Active mécénat with c:partner: no mécénat again. With c:partner2 an
  // ended mécénat does not block.
  context_.AddPartnership({asso, partner, Category::kMecenat, true});
  context_.AddPartnership({asso, partner2, Category::kMecenat, false});

  PartnerOptions options;
  options.scope = geo_.ScopeOf(Level::kEpci, 0);
  std::vector<std::string> ids = Ids(Suggest(asso, options));
  EXPECT_THAT(ids, ::testing::UnorderedElementsAre("c:ok", "c:partner2"));

  options.scope.reset();
  ids = Ids(Suggest(asso, options));
  EXPECT_THAT(
      ids, ::testing::UnorderedElementsAre("c:ok", "c:partner2", "c:outside"));

  // The actor itself is never proposed, even when it complements itself.
  const ActorNum self =
      Add(ProfileBuilder("self", Kind::kAssociation, geo_.Commune(4))
              .Themes({"sport"})
              .Need("funding", "sport")
              .Offer("funding", "sport"));
  ids = Ids(Suggest(self));
  EXPECT_THAT(ids, Not(::testing::Contains("self")));

  // Explanations name what blocks a pair.
  absl::StatusOr<MatchExplanation> e =
      ExplainMatch(index_, context_, asso, partner);
  ASSERT_TRUE(e.ok());
  ASSERT_EQ(e->blockers.size(), 1u);
  EXPECT_THAT(e->blockers[0], HasSubstr("Déjà partenaires actifs en mécénat"));
  e = ExplainMatch(index_, context_, asso, *index_.Find("c:full"));
  ASSERT_TRUE(e.ok());
  EXPECT_THAT(e->blockers, ::testing::Contains(HasSubstr("plus de capacité")));
  EXPECT_GT(e->suggestion.score, 0);
}

TEST_F(PartnersTest, ExplainMatchAgreesWithSuggestionsAndExplainsPoorPairs) {
  const ActorNum asso =
      Add(ProfileBuilder("rna:A", Kind::kAssociation, geo_.Commune(0))
              .Themes({"health"})
              .Need("volunteers"));
  const ActorNum company =
      Add(ProfileBuilder("c:1", Kind::kCompany, geo_.Commune(5))
              .Coordinates(48.1f, 2.0f)
              .Themes({"health"})
              .Offer("volunteers", "health"));
  const ActorNum stranger =
      Add(ProfileBuilder("c:2", Kind::kCompany, geo_.Commune(30))
              .Themes({"energy"}));
  std::vector<Suggestion> suggestions = Suggest(asso);
  ASSERT_EQ(suggestions.size(), 1u);
  absl::StatusOr<MatchExplanation> e =
      ExplainMatch(index_, context_, asso, company);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->suggestion.score, suggestions[0].score);
  EXPECT_TRUE(e->blockers.empty());
  EXPECT_EQ(e->suggestion.sentence, suggestions[0].sentence);

  e = ExplainMatch(index_, context_, asso, stranger);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->suggestion.score, 0);
  EXPECT_EQ(e->suggestion.factors.size(), static_cast<size_t>(kFactorCount));
  EXPECT_NEAR(SumOfContributions(e->suggestion), 0, 1e-12);
  EXPECT_THAT(e->blockers, ::testing::Contains(HasSubstr("score nul")));
  EXPECT_FALSE(e->suggestion.sentence.empty());

  EXPECT_EQ(ExplainMatch(index_, context_, asso, 999).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(PartnersTest, FragilitiesAndCommonPartnersRaiseTheScore) {
  const ActorNum asso =
      Add(ProfileBuilder("rna:A", Kind::kAssociation, geo_.Commune(0))
              .Themes({"youth", "mobility"})
              .Need("funding"));
  const ActorNum youth =
      Add(ProfileBuilder("c:youth", Kind::kCompany, geo_.Commune(1))
              .Themes({"youth"})
              .Offer("funding", "youth"));
  Add(ProfileBuilder("c:mobility", Kind::kCompany, geo_.Commune(1))
          .Themes({"mobility"})
          .Offer("funding", "mobility"));
  // Symmetric so far (one funder per theme, same place); a severe mobility
  // fragility of their EPCI decides.
  Fragility fragility;
  fragility.level = Level::kEpci;
  fragility.territory = 0;
  fragility.theme = ThemeNum("mobility");
  fragility.severity = 0.9f;
  context_.AddFragility(fragility);
  std::vector<Suggestion> suggestions = Suggest(asso);
  ASSERT_EQ(suggestions.size(), 2u);
  EXPECT_EQ(suggestions[0].partner_id, "c:mobility");
  const Factor& f =
      suggestions[0].factors[static_cast<int>(FactorKind::kFragility)];
  EXPECT_NEAR(f.value, 0.9, 1e-6);
  EXPECT_THAT(suggestions[0].sentence, HasSubstr("fragilité forte"));

  // Two common partners outweigh the fragility.
  const ActorNum p1 =
      Add(ProfileBuilder("p1", Kind::kPublicBody, geo_.Commune(2)));
  const ActorNum p2 = Add(ProfileBuilder("p2", Kind::kMedia, geo_.Commune(2)));
  for (ActorNum p : {p1, p2}) {
    context_.AddPartnership({asso, p, Category::kEconomicCooperation, true});
    context_.AddPartnership({youth, p, Category::kEconomicCooperation, false});
  }
  suggestions = Suggest(asso);
  ASSERT_EQ(suggestions.size(), 2u);
  EXPECT_EQ(suggestions[0].partner_id, "c:youth");
  EXPECT_NEAR(suggestions[0]
                  .factors[static_cast<int>(FactorKind::kCommonPartners)]
                  .value,
              0.75, 1e-12);
  EXPECT_THAT(suggestions[0].sentence, HasSubstr("2 partenaires en commun"));
}

TEST_F(PartnersTest, OptionsFilterAndWeightsReorder) {
  const ActorNum asso =
      Add(ProfileBuilder("rna:A", Kind::kAssociation, geo_.Commune(0))
              .Themes({"culture_heritage"})
              .Need("funding", "culture_heritage")
              .Need("expertise", "culture_heritage"));
  Add(ProfileBuilder("c:near", Kind::kCompany, geo_.Commune(0))
          .Themes({"culture_heritage"})
          .Offer("funding", "culture_heritage"));
  Add(ProfileBuilder("u:far", Kind::kAcademic, geo_.Commune(25))
          .Themes({"culture_heritage"})
          .Offer("expertise", "culture_heritage")
          .Offer("funding", "culture_heritage"));

  std::vector<Suggestion> all = Suggest(asso);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].partner_id, "c:near");

  PartnerOptions options;
  options.kinds = 1u << static_cast<int>(Kind::kAcademic);
  EXPECT_THAT(Ids(Suggest(asso, options)), ::testing::ElementsAre("u:far"));

  options = {};
  options.categories = 1u << static_cast<int>(Category::kSocietalInnovation);
  std::vector<Suggestion> innovation = Suggest(asso, options);
  ASSERT_EQ(innovation.size(), 1u);
  EXPECT_EQ(innovation[0].category, Category::kSocietalInnovation);
  EXPECT_EQ(innovation[0].modality, Modality::kJointRnd);

  options = {};
  options.themes = ThemeSet{1} << ThemeNum("sport");
  EXPECT_TRUE(Suggest(asso, options).empty());

  options = {};
  options.limit = 1;
  EXPECT_EQ(Suggest(asso, options).size(), 1u);
  options.limit = 0;
  EXPECT_TRUE(Suggest(asso, options).empty());

  options = {};
  options.min_score = all[0].score;
  EXPECT_THAT(Ids(Suggest(asso, options)), ::testing::ElementsAre("c:near"));

  // Without proximity the academic, which meets both needs, comes first.
  options = {};
  options.weights.proximity = 0;
  EXPECT_EQ(Suggest(asso, options)[0].partner_id, "u:far");

  options = {};
  options.weights.capacity = -1;
  EXPECT_EQ(SuggestPartners(index_, context_, asso, options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options = {};
  options.weights.complementarity = 0;
  options.weights.shared_themes = 0;
  EXPECT_EQ(SuggestPartners(index_, context_, asso, options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options = {};
  options.limit = 5000;
  EXPECT_EQ(SuggestPartners(index_, context_, asso, options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(PartnersTest, ErrorsForUnknownOrUnavailableActors) {
  EXPECT_EQ(SuggestPartners(index_, context_, 3, {}).status().code(),
            absl::StatusCode::kNotFound);
  const ActorNum gone = Add(
      ProfileBuilder("x", Kind::kAssociation, geo_.Commune(0)).Unavailable());
  EXPECT_EQ(SuggestPartners(index_, context_, gone, {}).status().code(),
            absl::StatusCode::kFailedPrecondition);
  const ActorNum full =
      Add(ProfileBuilder("y", Kind::kAssociation, geo_.Commune(0)).Capacity(0));
  EXPECT_EQ(SuggestPartners(index_, context_, full, {}).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(PartnersTest, ActionAreasCountForProximityAndScope) {
  // A national-style association homed in région 1 acting on EPCI 0.
  const ActorNum company =
      Add(ProfileBuilder("c:1", Kind::kCompany, geo_.Commune(0))
              .Themes({"housing"})
              .Offer("premises", "housing"));
  Add(ProfileBuilder("rna:acting", Kind::kAssociation, geo_.Commune(30))
          .Themes({"housing"})
          .Need("premises", "housing")
          .ActsOn(Level::kEpci, geo_.Territory(Level::kEpci, 0)));
  Add(ProfileBuilder("rna:remote", Kind::kAssociation, geo_.Commune(29))
          .Themes({"housing"})
          .Need("premises", "housing"));
  PartnerOptions options;
  options.scope = geo_.ScopeOf(Level::kEpci, 0);
  std::vector<Suggestion> suggestions = Suggest(company, options);
  ASSERT_EQ(suggestions.size(), 1u);
  EXPECT_EQ(suggestions[0].partner_id, "rna:acting");
  const Factor& proximity =
      suggestions[0].factors[static_cast<int>(FactorKind::kProximity)];
  EXPECT_NEAR(proximity.value, 0.8 * 0.7, 1e-12);
  EXPECT_THAT(proximity.detail, HasSubstr("intervient sur l'intercommunalité"));

  suggestions = Suggest(company);
  ASSERT_EQ(suggestions.size(), 2u);
  EXPECT_EQ(suggestions[0].partner_id, "rna:acting");
}

// The per-thread scratch of a query is sized by actor number: a query after
// the index grew past it (an import between two queries on one thread) must
// see the new actors, those found by their action area included.
TEST_F(PartnersTest, AQueryAfterTheIndexGrewSeesTheNewActors) {
  const ActorNum company =
      Add(ProfileBuilder("c:1", Kind::kCompany, geo_.Commune(0))
              .Themes({"housing"})
              .Offer("premises", "housing"));
  Add(ProfileBuilder("rna:first", Kind::kAssociation, geo_.Commune(1))
          .Themes({"housing"})
          .Need("premises", "housing"));
  ASSERT_EQ(Ids(Suggest(company)), std::vector<std::string>{"rna:first"});

  // Past several chunks of the scratch (4,096 numbers each), with filler
  // that has nothing to exchange with the company.
  for (int i = 0; i < 20'000; ++i) {
    Add(ProfileBuilder("rna:filler" + std::to_string(i), Kind::kAssociation,
                       geo_.Commune(20))
            .Themes({"seniors_ageing"}));
  }
  Add(ProfileBuilder("rna:late-near", Kind::kAssociation, geo_.Commune(2))
          .Themes({"housing"})
          .Need("premises", "housing"));
  Add(ProfileBuilder("rna:late-acting", Kind::kAssociation, geo_.Commune(30))
          .Themes({"housing"})
          .Need("premises", "housing")
          .ActsOn(Level::kEpci, geo_.Territory(Level::kEpci, 0)));
  std::vector<std::string> ids = Ids(Suggest(company));
  EXPECT_THAT(ids, ::testing::UnorderedElementsAre("rna:first", "rna:late-near",
                                                   "rna:late-acting"));
  // And again: the grown scratch starts clean for the next query.
  EXPECT_THAT(Ids(Suggest(company)), ::testing::UnorderedElementsAreArray(ids));
}

TEST_F(PartnersTest, NeighboursSharingAThemeAcrossTheirEpcisDepartements) {
  // EPCI 1 (communes 4-7) straddles two départements here: commune 7 lies
  // in département 1, whose actors the search walks apart from the asker's.
  geo_.communes[7].departement = 1;
  index_.SetCommunePlaces(geo_.communes);
  const ActorNum asker =
      Add(ProfileBuilder("rna:asker", Kind::kAssociation, geo_.Commune(4))
              .Themes({"housing"})
              .Need("premises", "housing"));
  // Nothing to exchange with it, a theme in common.
  Add(ProfileBuilder("rna:same-departement", Kind::kAssociation,
                     geo_.Commune(5))
          .Themes({"housing"}));
  Add(ProfileBuilder("rna:across", Kind::kAssociation, geo_.Commune(7))
          .Themes({"housing"}));
  // Not neighbours: another EPCI, or no theme in common.
  Add(ProfileBuilder("rna:other-epci", Kind::kAssociation, geo_.Commune(0))
          .Themes({"housing"}));
  Add(ProfileBuilder("rna:other-theme", Kind::kAssociation, geo_.Commune(6))
          .Themes({"seniors_ageing"}));
  EXPECT_THAT(Ids(Suggest(asker)), ::testing::UnorderedElementsAre(
                                       "rna:same-departement", "rna:across"));
}

TEST_F(PartnersTest, NeighboursAreRuledOutByDistanceOnlyWhereTheyCannotEnter) {
  // Only the fit and the distance count, so that the engine's bounds are
  // nearly exact. Thirty partners with something to give, 30 km away, set
  // the threshold first; neighbours sharing a theme, nothing exchanged,
  // enter up to some distance, and the engine rules the farther ones out
  // by their bound from position alone (TakeUpNeighboursHere): a bound a
  // few km too short loses neighbours here.
  PartnerOptions options;
  options.limit = 30;
  options.weights.fragility = 0;
  options.weights.cross_kind = 0;
  options.weights.capacity = 0;
  options.weights.common_partners = 0;
  options.weights.responsiveness = 0;
  options.weights.similar_success = 0;
  // EPCI 1 (communes 4-7, no EPT), the asker in commune 4.
  const float latitude = geo_.latitude[4];
  const float longitude = geo_.longitude[4];
  const double km_per_degree_east = 111.195 * std::cos(latitude * M_PI / 180);
  auto east = [&](double km) {
    return static_cast<float>(longitude + km / km_per_degree_east);
  };
  const ActorNum asker =
      Add(ProfileBuilder("rna:asker", Kind::kAssociation, geo_.Commune(4))
              .Themes({"housing"})
              .Need("premises", "housing")
              .Coordinates(latitude, longitude));
  std::vector<ActorNum> candidates;
  for (int i = 0; i < 30; ++i) {
    candidates.push_back(
        Add(ProfileBuilder("siret:giver-" + std::to_string(10 + i),
                           Kind::kCompany, geo_.Commune(4))
                .Themes({"housing"})
                .Offer("premises", "housing")
                .Coordinates(latitude, east(30))));
  }
  // A line of neighbours 1 to 80 km east, every 500 m.
  for (int i = 0; i < 160; ++i) {
    candidates.push_back(
        Add(ProfileBuilder("rna:neighbour-" + std::to_string(1000 + i),
                           Kind::kAssociation, geo_.Commune(5))
                .Themes({"housing"})
                .Coordinates(latitude, east(1 + 0.5 * i))));
  }
  // The answer by brute force: every candidate's score from ExplainMatch,
  // the best 30, higher score then smaller id first.
  std::vector<std::pair<double, std::string>> scored;
  for (ActorNum partner : candidates) {
    absl::StatusOr<MatchExplanation> e =
        ExplainMatch(index_, context_, asker, partner, options.weights);
    ASSERT_TRUE(e.ok()) << e.status();
    scored.emplace_back(-e->suggestion.score, e->suggestion.partner_id);
  }
  std::sort(scored.begin(), scored.end());
  std::vector<std::string> expected;
  int neighbours = 0;
  for (int i = 0; i < 30; ++i) {
    expected.push_back(scored[i].second);
    if (scored[i].second.rfind("rna:neighbour-", 0) == 0) ++neighbours;
  }
  // The line crosses the answer's edge: some neighbours in, some givers
  // out.
  ASSERT_GT(neighbours, 0);
  ASSERT_LT(neighbours, 30);
  EXPECT_EQ(Ids(Suggest(asker, options)), expected);
}

// Lifecycle feedback: responsiveness.

TEST_F(PartnersTest, AnActorThatDoesNotAnswerRanksBelowAResponsiveTwin) {
  const ActorNum asso =
      Add(ProfileBuilder("rna:A", Kind::kAssociation, geo_.Commune(0))
              .Name("Les Amis")
              .Themes({"youth"})
              .Need("funding", "youth"));
  auto twin = [&](std::string id, std::string name) {
    return Add(ProfileBuilder(std::move(id), Kind::kCompany, geo_.Commune(1))
                   .Name(std::move(name))
                   .Themes({"youth"})
                   .Offer("funding", "youth"));
  };
  // Without feedback they tie, and the smaller id comes first.
  const ActorNum silent = twin("c:a-silent", "Muette");
  const ActorNum responsive = twin("c:b-responsive", "Réactive");
  std::vector<Suggestion> before = Suggest(asso);
  ASSERT_EQ(before.size(), 2u);
  EXPECT_EQ(before[0].partner_id, "c:a-silent");
  EXPECT_EQ(before[0].score, before[1].score);
  const Factor& neutral =
      before[0].factors[static_cast<int>(FactorKind::kResponsiveness)];
  EXPECT_EQ(neutral.value, 1.0);
  EXPECT_DOUBLE_EQ(neutral.weight, 0.3);
  // No history yet: neutral, it adds nothing and takes nothing.
  EXPECT_EQ(neutral.contribution, 0.0);
  EXPECT_THAT(neutral.detail, HasSubstr("Pas encore d'historique"));

  // Three contacts, no answer: r = 2 / 5 = 0.4, the score keeps
  // 1 - 0.3 * 0.6 = 82%.
  context_.SetResponsiveness(silent, 0, 3);
  std::vector<Suggestion> after = Suggest(asso);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].partner_id, "c:b-responsive");
  EXPECT_EQ(after[1].partner_id, "c:a-silent");
  EXPECT_EQ(after[0].score, before[0].score);
  EXPECT_NEAR(after[1].score, 0.82 * before[0].score, 1e-12);
  const Factor& low =
      after[1].factors[static_cast<int>(FactorKind::kResponsiveness)];
  EXPECT_NEAR(low.value, 0.4, 1e-12);
  EXPECT_THAT(low.detail,
              HasSubstr("Muette n'a répondu à aucune de ses 3 mises en "
                        "relation"));
  // What the non-answers take away: 18% of the score it had.
  EXPECT_NEAR(low.contribution, -0.18 * before[0].score, 1e-12);
  EXPECT_THAT(low.detail, HasSubstr("Les Amis : pas encore d'historique"));
  EXPECT_THAT(after[1].sentence, HasSubstr("attention, Muette n'a répondu"));
  EXPECT_THAT(after[0].sentence, Not(HasSubstr("attention")));
  EXPECT_NEAR(SumOfContributions(after[1]), after[1].score, 1e-12);

  // Answers undo non-answers but raise no one above the unknown.
  context_.SetResponsiveness(silent, 3, 3);
  context_.SetResponsiveness(responsive, 5, 0);
  after = Suggest(asso);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].partner_id, "c:a-silent");
  EXPECT_EQ(after[0].score, before[0].score);
  EXPECT_EQ(after[1].score, before[0].score);
  EXPECT_THAT(
      after[0].factors[static_cast<int>(FactorKind::kResponsiveness)].detail,
      HasSubstr("Muette a répondu à 3 de ses 6 mises en relation"));

  // The asker's own non-answers lower all its scores alike, and the score
  // stays symmetric.
  context_.SetResponsiveness(silent, 0, 1);
  context_.SetResponsiveness(asso, 0, 2);
  after = Suggest(asso);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].partner_id, "c:b-responsive");
  EXPECT_NEAR(after[0].score, (1 - 0.3 * 0.5) * before[0].score, 1e-12);
  EXPECT_NEAR(after[1].score, (1 - 0.3 * (1 - 0.5 * 2.0 / 3)) * before[0].score,
              1e-12);
  absl::StatusOr<MatchExplanation> reverse =
      ExplainMatch(index_, context_, silent, asso);
  ASSERT_TRUE(reverse.ok());
  EXPECT_DOUBLE_EQ(reverse->suggestion.score, after[1].score);

  // (0, 0) forgets; a zero weight ignores.
  context_.SetResponsiveness(silent, 0, 0);
  context_.SetResponsiveness(asso, 0, 0);
  context_.SetResponsiveness(responsive, 0, 0);
  EXPECT_FALSE(context_.has_responsiveness());
  after = Suggest(asso);
  EXPECT_EQ(after[0].partner_id, "c:a-silent");
  EXPECT_EQ(after[0].score, before[0].score);
  context_.SetResponsiveness(silent, 0, 9);
  PartnerOptions options;
  options.weights.responsiveness = 0;
  after = Suggest(asso, options);
  EXPECT_EQ(after[0].partner_id, "c:a-silent");
  EXPECT_EQ(after[0].score, after[1].score);
}

// Lifecycle feedback: similar successes.

TEST_F(PartnersTest, ACandidateLikeAPastSuccessRanksAboveItsTwin) {
  const ActorNum asso =
      Add(ProfileBuilder("rna:A", Kind::kAssociation, geo_.Commune(0))
              .Name("Les Amis")
              .Themes({"youth"})
              .Need("funding", "youth"));
  // A cooperated with a company giving funding and goods for youth. Two
  // candidates fit A exactly alike (A needs only funding); "c:b" gives
  // what the past partner gave, "c:a" funding and premises.
  const ActorNum past =
      Add(ProfileBuilder("c:past", Kind::kCompany, geo_.Commune(1))
              .Name("Ancienne")
              .Themes({"youth"})
              .Offer("funding", "youth")
              .Offer("in_kind", "youth"));
  Add(ProfileBuilder("c:a", Kind::kCompany, geo_.Commune(1))
          .Name("Autre")
          .Themes({"youth"})
          .Offer("funding", "youth")
          .Offer("premises", "youth"));
  Add(ProfileBuilder("c:b", Kind::kCompany, geo_.Commune(1))
          .Name("Semblable")
          .Themes({"youth"})
          .Offer("funding", "youth")
          .Offer("in_kind", "youth"));
  std::vector<Suggestion> before = Suggest(asso);
  ASSERT_EQ(before.size(), 3u);
  EXPECT_EQ(before[0].partner_id, "c:a");
  EXPECT_EQ(before[0].score, before[1].score);
  EXPECT_EQ(
      before[0].factors[static_cast<int>(FactorKind::kSimilarSuccess)].value,
      0);

  context_.AddCooperationSignal(asso, past);
  std::vector<Suggestion> after = Suggest(asso);
  ASSERT_EQ(after.size(), 3u);
  EXPECT_THAT(Ids(after), ::testing::ElementsAre("c:b", "c:a", "c:past"));
  // sim(past, c:b) = (1 + 1) / 2; sim(past, c:a) = (1 + 1/3) / 2.
  const Factor& same =
      after[0].factors[static_cast<int>(FactorKind::kSimilarSuccess)];
  EXPECT_DOUBLE_EQ(same.value, 1.0);
  EXPECT_DOUBLE_EQ(
      after[1].factors[static_cast<int>(FactorKind::kSimilarSuccess)].value,
      2.0 / 3);
  EXPECT_THAT(same.detail,
              HasSubstr("Semblable ressemble à l'entreprise Ancienne, avec "
                        "qui Les Amis a trouvé une coopération"));
  EXPECT_THAT(after[0].sentence, HasSubstr("Semblable ressemble à Ancienne"));
  EXPECT_GT(after[0].score, before[0].score);
  EXPECT_GT(after[1].score, before[0].score);
  EXPECT_NEAR(SumOfContributions(after[0]), after[0].score, 1e-12);
  // The pair's own signal is not a similar pair.
  const Factor& own =
      after[2].factors[static_cast<int>(FactorKind::kSimilarSuccess)];
  EXPECT_EQ(own.value, 0);
  EXPECT_THAT(own.detail, HasSubstr("Les Amis et Ancienne ont déjà trouvé une "
                                    "coopération ensemble"));
  EXPECT_EQ(after[2].score, before[2].score);
}

// A server keeps cooperation signals per workspace: a query reads the set
// it is given, and none of the context's own.
TEST_F(PartnersTest, AQueryReadsTheCooperationSignalsItIsGiven) {
  const ActorNum asso =
      Add(ProfileBuilder("rna:A", Kind::kAssociation, geo_.Commune(0))
              .Name("Les Amis")
              .Themes({"youth"})
              .Need("funding", "youth"));
  const ActorNum past =
      Add(ProfileBuilder("c:past", Kind::kCompany, geo_.Commune(1))
              .Name("Ancienne")
              .Themes({"youth"})
              .Offer("funding", "youth")
              .Offer("in_kind", "youth"));
  Add(ProfileBuilder("c:a", Kind::kCompany, geo_.Commune(1))
          .Themes({"youth"})
          .Offer("funding", "youth")
          .Offer("premises", "youth"));
  Add(ProfileBuilder("c:b", Kind::kCompany, geo_.Commune(1))
          .Name("Semblable")
          .Themes({"youth"})
          .Offer("funding", "youth")
          .Offer("in_kind", "youth"));
  const std::vector<Suggestion> plain = Suggest(asso);
  ASSERT_EQ(plain.size(), 3u);
  EXPECT_EQ(plain[0].partner_id, "c:a");

  // Workspace one saw A cooperate with "c:past"; the context, and
  // workspace two, know nothing of it.
  CooperationSignals one;
  one.Add(asso, past);
  const CooperationSignals two;
  PartnerOptions options;
  options.cooperations = &one;
  const std::vector<Suggestion> in_one = Suggest(asso, options);
  ASSERT_EQ(in_one.size(), 3u);
  EXPECT_EQ(in_one[0].partner_id, "c:b");
  EXPECT_THAT(in_one[0].sentence, HasSubstr("Semblable ressemble à Ancienne"));
  options.cooperations = &two;
  const std::vector<Suggestion> in_two = Suggest(asso, options);
  ASSERT_EQ(in_two.size(), 3u);
  for (size_t i = 0; i < in_two.size(); ++i) {
    EXPECT_EQ(in_two[i].partner_id, plain[i].partner_id);
    EXPECT_EQ(in_two[i].score, plain[i].score);
    EXPECT_THAT(in_two[i].sentence, Not(HasSubstr("Ancienne,")));
  }
  // ExplainMatch reads the set it is given too.
  absl::StatusOr<MatchExplanation> explained =
      ExplainMatch(index_, context_, asso, *index_.Find("c:b"), {}, &one);
  ASSERT_TRUE(explained.ok());
  EXPECT_EQ(explained->suggestion.score, in_one[0].score);
  explained = ExplainMatch(index_, context_, asso, *index_.Find("c:b"));
  ASSERT_TRUE(explained.ok());
  EXPECT_LT(explained->suggestion.score, in_one[0].score);
}

TEST_F(PartnersTest, ActorsLikeTheAskerCooperatedWithTheCandidate) {
  const ActorNum asso =
      Add(ProfileBuilder("rna:A", Kind::kAssociation, geo_.Commune(0))
              .Name("Les Amis")
              .Themes({"youth"})
              .Need("funding", "youth"));
  const ActorNum cousin =
      Add(ProfileBuilder("rna:C", Kind::kAssociation, geo_.Commune(20))
              .Name("Les Cousins")
              .Themes({"youth"})
              .Need("funding", "youth"));
  auto twin = [&](std::string id) {
    return Add(ProfileBuilder(std::move(id), Kind::kCompany, geo_.Commune(1))
                   .Themes({"youth"})
                   .Offer("funding", "youth"));
  };
  twin("c:a");
  const ActorNum chosen = twin("c:b");
  std::vector<Suggestion> before = Suggest(asso);
  ASSERT_EQ(before.size(), 2u);
  EXPECT_EQ(before[0].partner_id, "c:a");

  context_.AddCooperationSignal(chosen, cousin);
  std::vector<Suggestion> after = Suggest(asso);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].partner_id, "c:b");
  const Factor& f =
      after[0].factors[static_cast<int>(FactorKind::kSimilarSuccess)];
  EXPECT_DOUBLE_EQ(f.value, 1.0);
  EXPECT_THAT(f.detail, HasSubstr("a trouvé une coopération avec "
                                  "l'association Les Cousins, qui ressemble "
                                  "à Les Amis"));
  EXPECT_EQ(after[1].score, before[0].score);
  // The default lift: half the gap between the context and 1.
  const Factor& themes =
      after[0].factors[static_cast<int>(FactorKind::kSharedThemes)];
  EXPECT_GT(f.contribution, 0);
  EXPECT_GT(themes.contribution, 0);
  EXPECT_NEAR(SumOfContributions(after[0]), after[0].score, 1e-12);
  // Symmetric: asked by the company, the same score.
  absl::StatusOr<MatchExplanation> reverse =
      ExplainMatch(index_, context_, chosen, asso);
  ASSERT_TRUE(reverse.ok());
  EXPECT_DOUBLE_EQ(reverse->suggestion.score, after[0].score);

  // Only the 16 most recent signals of an actor count: 16 newer ones with
  // media push the cousin out.
  for (int i = 0; i < 16; ++i) {
    const ActorNum media = Add(ProfileBuilder("m:" + std::to_string(i),
                                              Kind::kMedia, geo_.Commune(30)));
    context_.AddCooperationSignal(chosen, media);
  }
  after = Suggest(asso);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].partner_id, "c:a");
  EXPECT_EQ(after[1].score, after[0].score);
  EXPECT_THAT(
      after[1].factors[static_cast<int>(FactorKind::kSimilarSuccess)].detail,
      HasSubstr("aucune de leurs coopérations"));
  EXPECT_THAT(
      after[0].factors[static_cast<int>(FactorKind::kSimilarSuccess)].detail,
      HasSubstr("Ni l'une ni l'autre"));
  // Recording the cousin again makes it recent.
  context_.AddCooperationSignal(cousin, chosen);
  EXPECT_EQ(Suggest(asso)[0].partner_id, "c:b");

  // A zero weight ignores; clearing forgets.
  PartnerOptions options;
  options.weights.similar_success = 0;
  after = Suggest(asso, options);
  EXPECT_EQ(after[0].partner_id, "c:a");
  EXPECT_EQ(after[0].score, before[0].score);
  context_.ClearCooperationSignals();
  EXPECT_FALSE(context_.has_cooperation_signals());
  after = Suggest(asso);
  EXPECT_EQ(after[0].partner_id, "c:a");
  EXPECT_EQ(after[1].score, before[1].score);
}

TEST_F(PartnersTest, RemoveActorClearsItsFeedback) {
  const ActorNum asso =
      Add(ProfileBuilder("rna:A", Kind::kAssociation, geo_.Commune(0))
              .Themes({"youth"})
              .Need("funding", "youth"));
  const ActorNum company =
      Add(ProfileBuilder("c:1", Kind::kCompany, geo_.Commune(1))
              .Themes({"youth"})
              .Offer("funding", "youth"));
  const ActorNum other =
      Add(ProfileBuilder("c:2", Kind::kCompany, geo_.Commune(1))
              .Themes({"youth"})
              .Offer("funding", "youth"));
  const double base = Suggest(asso)[0].score;
  context_.SetResponsiveness(company, 1, 4);
  context_.AddCooperationSignal(company, asso);
  context_.AddCooperationSignal(company, other);
  context_.AddCooperationSignal(other, asso);
  EXPECT_THAT(context_.CooperationsOf(company),
              ::testing::ElementsAre(asso, other));

  context_.RemoveActor(company);
  EXPECT_EQ(context_.ResponsivenessOf(company).answered, 0);
  EXPECT_EQ(context_.ResponsivenessOf(company).no_answers, 0);
  EXPECT_FALSE(context_.has_responsiveness());
  EXPECT_TRUE(context_.CooperationsOf(company).empty());
  EXPECT_THAT(context_.CooperationsOf(asso), ::testing::ElementsAre(other));
  EXPECT_THAT(context_.CooperationsOf(other), ::testing::ElementsAre(asso));
  context_.RemoveActor(other);
  EXPECT_FALSE(context_.has_cooperation_signals());
  for (const Suggestion& s : Suggest(asso)) EXPECT_EQ(s.score, base);

  // Self-signals are ignored.
  context_.AddCooperationSignal(asso, asso);
  EXPECT_FALSE(context_.has_cooperation_signals());
}

TEST(FactorCodeTest, EveryFactorHasACode) {
  EXPECT_EQ(FactorCode(FactorKind::kResponsiveness), "responsiveness");
  EXPECT_EQ(FactorCode(FactorKind::kSimilarSuccess), "similar_success");
  for (int k = 0; k < kFactorCount; ++k) {
    EXPECT_NE(FactorCode(static_cast<FactorKind>(k)), "unknown");
  }
  Weights weights;
  weights.responsiveness = 1.5;
  EXPECT_EQ(ValidateWeights(weights).code(),
            absl::StatusCode::kInvalidArgument);
  weights = {};
  weights.similar_success = -0.1;
  EXPECT_EQ(ValidateWeights(weights).code(),
            absl::StatusCode::kInvalidArgument);
  weights.similar_success = 1;
  weights.responsiveness = 1;
  EXPECT_TRUE(ValidateWeights(weights).ok());
}

}  // namespace
}  // namespace maillage::matcher

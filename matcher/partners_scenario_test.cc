// A partnership of the kit, planted among thousands of look-alikes: since
// 2013 SUEZ Eaux Grand Est buys asphalt recycling for its earthworks from
// ADEIS, an insertion association whose workers work beside SUEZ staff
// (responsible purchasing). The look-alikes are companies and associations
// of the same département, on the same themes, with random needs and offers:
// the engine must find the pair and explain it first by the service it
// exchanges, not by their being neighbours.

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "matcher/context.h"
#include "matcher/partners.h"
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
using ::testing::StartsWith;

constexpr const char* kThemes[] = {"circular_economy", "environment_climate",
                                   "employment_insertion"};
constexpr const char* kResources[] = {
    "funding",    "skills",         "volunteers", "in_kind",        "premises",
    "purchasing", "hiring",         "services",   "expertise",      "network",
    "visibility", "public_support", "evaluation", "audience_access"};

class SuezAdeisTest : public ::testing::Test {
 protected:
  // One région, two départements of 4 EPCI of 8 communes; the pair and the
  // look-alikes live in the first département.
  SuezAdeisTest()
      : geo_(Geography::Make(1, 2, 4, 8)), context_(TestVocabulary()) {
    index_.SetCommunePlaces(geo_.communes);
    suez_ =
        index_.Upsert(ProfileBuilder("siret:suez-eaux-grand-est",
                                     Kind::kCompany, geo_.Commune(1))
                          .Name("SUEZ Eaux Grand Est")
                          .Themes({"environment_climate", "circular_economy"})
                          .Need("services", "circular_economy")
                          .Offer("purchasing", "employment_insertion")
                          .Coordinates(geo_.latitude[1], geo_.longitude[1]));
    adeis_ = index_.Upsert(
        ProfileBuilder("rna:W000ADEIS", Kind::kAssociation, geo_.Commune(7))
            .Name("ADEIS")
            .Subtype(kSubtypeInsertionStructure)
            .Themes({"employment_insertion", "circular_economy"})
            .Offer("services", "circular_economy")
            .Need("purchasing", "employment_insertion")
            .Coordinates(geo_.latitude[7], geo_.longitude[7]));
    PlantLookAlikes(3000);
  }

  // Companies and associations (a third of them insertion structures) of
  // the same département, on one or two of the pair's themes, each with 1-3
  // random needs and offers on its themes.
  void PlantLookAlikes(int count) {
    std::mt19937 rng(2013);
    const uint32_t communes =
        geo_.communes_per_epci * geo_.epcis_per_departement;
    for (int i = 0; i < count; ++i) {
      const bool company = rng() % 2 == 0;
      const uint32_t commune = rng() % communes;
      ProfileBuilder b("ext:lookalike:" + std::to_string(i),
                       company ? Kind::kCompany : Kind::kAssociation,
                       geo_.Commune(commune));
      if (!company && rng() % 3 == 0) b.Subtype(kSubtypeInsertionStructure);
      const char* first = kThemes[rng() % 3];
      const char* second = kThemes[rng() % 3];
      b.Themes({first, second});
      for (int k = 0, n = 1 + rng() % 3; k < n; ++k) {
        b.Need(kResources[rng() % 14], rng() % 2 ? first : second);
      }
      for (int k = 0, n = 1 + rng() % 3; k < n; ++k) {
        b.Offer(kResources[rng() % 14], rng() % 2 ? first : second);
      }
      if (rng() % 10 < 7) {
        b.Coordinates(geo_.latitude[commune] + (rng() % 100) / 10000.0f,
                      geo_.longitude[commune] + (rng() % 100) / 10000.0f);
      }
      index_.Upsert(b);
    }
  }

  static const Factor& FactorOf(const Suggestion& s, FactorKind kind) {
    return s.factors[static_cast<int>(kind)];
  }

  // The pair's explanation, from either side: the service first.
  static void ExpectExplainedByTheService(const Suggestion& s) {
    const Factor& complementarity = FactorOf(s, FactorKind::kComplementarity);
    for (const Factor& f : s.factors) {
      if (f.kind == FactorKind::kComplementarity) continue;
      EXPECT_LT(std::abs(f.contribution), complementarity.contribution)
          << FactorCode(f.kind) << " weighs more than the service exchanged";
    }
    EXPECT_LE(FactorOf(s, FactorKind::kProximity).contribution, 0);
    const Factor& responsiveness = FactorOf(s, FactorKind::kResponsiveness);
    EXPECT_EQ(responsiveness.contribution, 0.0);
    EXPECT_THAT(responsiveness.detail, HasSubstr("Pas encore d'historique"));
    double sum = 0;
    for (const Factor& f : s.factors) sum += f.contribution;
    EXPECT_NEAR(sum, s.score, 1e-9);
    EXPECT_EQ(s.category, Category::kResponsiblePractices);
    EXPECT_EQ(s.modality, Modality::kResponsiblePurchasing);
    ASSERT_FALSE(s.exchanges.empty());
    EXPECT_EQ(s.exchanges[0].resource, ResourceNum("services"));
    EXPECT_EQ(s.exchanges[0].theme, ThemeNum("circular_economy"));
    EXPECT_THAT(s.sentence,
                StartsWith("L'association d'insertion ADEIS propose « "
                           "prestations de services » en économie "
                           "circulaire dont l'entreprise SUEZ Eaux Grand Est "
                           "a besoin : une piste de pratiques responsables"));
    EXPECT_THAT(FactorOf(s, FactorKind::kComplementarity).detail,
                HasSubstr("prestations de services en économie circulaire"));
  }

  Geography geo_;
  ActorIndex index_;
  MatchContext context_;
  ActorNum suez_ = 0;
  ActorNum adeis_ = 0;
};

TEST_F(SuezAdeisTest, FoundAmongLookAlikesAndExplainedByTheService) {
  PartnerOptions options;
  options.limit = 10;
  options.factor_details = true;
  absl::StatusOr<std::vector<Suggestion>> found =
      SuggestPartners(index_, context_, suez_, options);
  ASSERT_TRUE(found.ok()) << found.status();
  auto adeis = std::find_if(found->begin(), found->end(),
                            [&](auto& s) { return s.partner == adeis_; });
  ASSERT_NE(adeis, found->end()) << "ADEIS is not in SUEZ's top 10";
  ExpectExplainedByTheService(*adeis);

  // The same pair asked from the association's side.
  absl::StatusOr<MatchExplanation> reverse =
      ExplainMatch(index_, context_, adeis_, suez_);
  ASSERT_TRUE(reverse.ok()) << reverse.status();
  EXPECT_TRUE(reverse->blockers.empty());
  ExpectExplainedByTheService(reverse->suggestion);
}

// A look-alike in the same commune as SUEZ but with nothing to exchange
// with it ranks well below ADEIS, 8 km away in the same intercommunality:
// proximity modulates, it does not lead.
TEST_F(SuezAdeisTest, ANeighbourWithNothingToExchangeRanksBelow) {
  const ActorNum neighbour = index_.Upsert(
      ProfileBuilder("siret:voisin", Kind::kCompany, geo_.Commune(1))
          .Name("Voisin")
          .Themes({"environment_climate", "circular_economy"})
          .Need("visibility", "environment_climate")
          .Offer("funding", "environment_climate")
          .Coordinates(geo_.latitude[1], geo_.longitude[1]));
  absl::StatusOr<MatchExplanation> near =
      ExplainMatch(index_, context_, suez_, neighbour);
  absl::StatusOr<MatchExplanation> adeis =
      ExplainMatch(index_, context_, suez_, adeis_);
  ASSERT_TRUE(near.ok() && adeis.ok());
  EXPECT_GT(adeis->suggestion.score, 2 * near->suggestion.score);
  EXPECT_EQ(FactorOf(near->suggestion, FactorKind::kProximity).contribution,
            0.0);
  EXPECT_THAT(FactorOf(near->suggestion, FactorKind::kProximity).detail,
              HasSubstr("aucune décote de distance"));
  EXPECT_THAT(FactorOf(adeis->suggestion, FactorKind::kProximity).detail,
              HasSubstr("la distance retire"));
}

}  // namespace
}  // namespace maillage::matcher

#include "territory/geography.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "territory/name_folding.h"

namespace maillage::territory {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Optional;

// The geography shipped in reference/geo, loaded once for the whole suite.
class GeographyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto loaded = Geography::Load(MAILLAGE_REFERENCE_DIR "/geo");
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    geo_ = std::move(loaded).value().release();
  }
  static void TearDownTestSuite() {
    delete geo_;
    geo_ = nullptr;
  }

  static uint32_t Id(Level level, std::string_view code) {
    std::optional<uint32_t> id = geo_->Find(level, code);
    EXPECT_TRUE(id.has_value()) << LevelName(level) << " " << code;
    return id.value_or(kNone);
  }

  static const Geography* geo_;
};

const Geography* GeographyTest::geo_ = nullptr;

TEST_F(GeographyTest, Counts) {
  EXPECT_EQ(geo_->Count(Level::kCommune), 34969u);
  EXPECT_EQ(geo_->Count(Level::kEpci), 1255u);
  EXPECT_EQ(geo_->Count(Level::kEpt), 11u);
  // 101 départements and 18 régions, plus the 8 overseas collectivities the
  // source lists at both levels.
  EXPECT_EQ(geo_->Count(Level::kDepartement), 109u);
  EXPECT_EQ(geo_->Count(Level::kRegion), 26u);
  int departements = 0;
  for (uint32_t d = 0; d < geo_->Count(Level::kDepartement); ++d) {
    if (geo_->ZoneOf(Level::kDepartement, d) != Zone::kOverseasCollectivity) {
      ++departements;
    }
  }
  int regions = 0;
  for (uint32_t r = 0; r < geo_->Count(Level::kRegion); ++r) {
    if (geo_->ZoneOf(Level::kRegion, r) != Zone::kOverseasCollectivity) {
      ++regions;
    }
  }
  EXPECT_EQ(departements, 101);
  EXPECT_EQ(regions, 18);
  EXPECT_EQ(geo_->Count(Level::kCustom), 0u);
  EXPECT_EQ(geo_->Count(Level::kUnspecified), 0u);
}

TEST_F(GeographyTest, CharentonLePontByPostalCode) {
  std::vector<uint32_t> communes = geo_->ResolvePostalCode("94220");
  ASSERT_THAT(communes, ElementsAre(Id(Level::kCommune, "94018")));
  const uint32_t charenton = communes[0];
  EXPECT_EQ(geo_->Code(Level::kCommune, charenton), "94018");
  EXPECT_EQ(geo_->Name(Level::kCommune, charenton), "Charenton-le-Pont");
  EXPECT_GT(geo_->Population(Level::kCommune, charenton), 25000u);
  EXPECT_THAT(geo_->PostalCodes(charenton), ElementsAre("94220"));

  const Place place = geo_->PlaceOf(Level::kCommune, charenton);
  EXPECT_EQ(place.commune, charenton);
  EXPECT_EQ(geo_->Code(Level::kDepartement, place.departement), "94");
  EXPECT_EQ(geo_->Name(Level::kDepartement, place.departement), "Val-de-Marne");
  EXPECT_EQ(geo_->Code(Level::kRegion, place.region), "11");
  EXPECT_EQ(geo_->Code(Level::kEpci, place.epci), "200054781");
  EXPECT_EQ(geo_->Name(Level::kEpci, place.epci), "Métropole du Grand Paris");
  EXPECT_EQ(geo_->EpciTypeOf(place.epci), EpciType::kMetropole);
  EXPECT_EQ(geo_->Name(Level::kEpt, place.ept), "Paris Est Marne et Bois");

  for (Level level : {Level::kCommune, Level::kEpci, Level::kEpt,
                      Level::kDepartement, Level::kRegion}) {
    EXPECT_TRUE(geo_->Contains(level, place.At(level), charenton))
        << LevelName(level);
  }
  EXPECT_FALSE(geo_->Contains(Level::kDepartement,
                              Id(Level::kDepartement, "75"), charenton));
  EXPECT_EQ(geo_->ZoneOf(Level::kCommune, charenton), Zone::kMetropole);
}

TEST_F(GeographyTest, PostalCodeServingSeveralCommunes) {
  // 01400 serves several communes of the Ain.
  std::vector<uint32_t> communes = geo_->ResolvePostalCode("01400");
  EXPECT_GT(communes.size(), 1u);
  EXPECT_TRUE(std::is_sorted(communes.begin(), communes.end()));
  EXPECT_EQ(std::adjacent_find(communes.begin(), communes.end()),
            communes.end());
  // Paris's arrondissement codes resolve to Paris.
  EXPECT_THAT(geo_->ResolvePostalCode("75011"),
              ElementsAre(Id(Level::kCommune, "75056")));
}

TEST_F(GeographyTest, UnknownPostalCodes) {
  EXPECT_THAT(geo_->ResolvePostalCode("00000"), IsEmpty());
  EXPECT_THAT(geo_->ResolvePostalCode("99999"), IsEmpty());
  EXPECT_THAT(geo_->ResolvePostalCode("9422"), IsEmpty());
  EXPECT_THAT(geo_->ResolvePostalCode("942200"), IsEmpty());
  EXPECT_THAT(geo_->ResolvePostalCode("9422a"), IsEmpty());
  EXPECT_THAT(geo_->ResolvePostalCode(""), IsEmpty());
}

TEST_F(GeographyTest, CodesCollideAcrossLevels) {
  const uint32_t aude = Id(Level::kDepartement, "11");
  const uint32_t ile_de_france = Id(Level::kRegion, "11");
  EXPECT_EQ(geo_->Name(Level::kDepartement, aude), "Aude");
  EXPECT_EQ(geo_->Name(Level::kRegion, ile_de_france), "Île-de-France");
  EXPECT_EQ(geo_->Name(Level::kRegion,
                       geo_->PlaceOf(Level::kDepartement, aude).region),
            "Occitanie");
  EXPECT_EQ(geo_->Find(Level::kCommune, "11"), std::nullopt);
  EXPECT_EQ(geo_->Find(Level::kEpci, "11"), std::nullopt);
  EXPECT_EQ(geo_->Find(Level::kCustom, "11"), std::nullopt);
}

TEST_F(GeographyTest, FormerCodeResolvesToCurrentCommune) {
  // 01340 (Arbignieu's former code) is now Arboys en Bugey, 01015.
  std::optional<CommuneResolution> resolved = geo_->ResolveCommune("01340");
  ASSERT_TRUE(resolved.has_value());
  EXPECT_EQ(geo_->Code(Level::kCommune, resolved->commune), "01015");
  EXPECT_TRUE(resolved->was_former());
  EXPECT_THAT(geo_->Find(Level::kCommune, "01340"),
              Optional(resolved->commune));

  // A commune déléguée: Bellegarde-sur-Valserine's 01033 is current
  // (Valserhône kept it), Châtillon-en-Michaille's 01091 is former.
  EXPECT_EQ(geo_->Code(Level::kCommune, Id(Level::kCommune, "01091")), "01033");

  resolved = geo_->ResolveCommune("01015");
  ASSERT_TRUE(resolved.has_value());
  EXPECT_EQ(resolved->via, CommuneResolution::Via::kCurrentCode);
  EXPECT_FALSE(resolved->was_former());
}

TEST_F(GeographyTest, CurrentAttachmentWinsOverHistoricalCode) {
  // 55273 Lamarche-en-Woëvre is listed in the anciensCodes of 55245 but is
  // today a commune associée of 55386.
  EXPECT_EQ(geo_->Code(Level::kCommune, Id(Level::kCommune, "55273")), "55386");
}

TEST_F(GeographyTest, MunicipalArrondissementsResolveToTheirCommune) {
  std::optional<CommuneResolution> resolved = geo_->ResolveCommune("75112");
  ASSERT_TRUE(resolved.has_value());
  EXPECT_EQ(geo_->Name(Level::kCommune, resolved->commune), "Paris");
  EXPECT_EQ(resolved->via, CommuneResolution::Via::kMunicipalArrondissement);
  EXPECT_FALSE(resolved->was_former());
  EXPECT_EQ(geo_->Code(Level::kCommune, Id(Level::kCommune, "69383")), "69123");
  EXPECT_EQ(geo_->Code(Level::kCommune, Id(Level::kCommune, "13201")), "13055");
}

TEST_F(GeographyTest, UnknownCodes) {
  EXPECT_EQ(geo_->ResolveCommune("00000"), std::nullopt);
  EXPECT_EQ(geo_->ResolveCommune(""), std::nullopt);
  EXPECT_EQ(geo_->ResolveCommune("9401"), std::nullopt);
  EXPECT_EQ(geo_->ResolveCommune("940188"), std::nullopt);
  EXPECT_EQ(geo_->Find(Level::kCommune, "99999"), std::nullopt);
  // Codes of the form of a current code but not one, or of another form.
  for (std::string_view code :
       {"2C004", "2a004", "A4018", "94O18", "01340x", " 9401"}) {
    EXPECT_EQ(geo_->Find(Level::kCommune, code), std::nullopt) << code;
  }
  EXPECT_EQ(geo_->Find(Level::kDepartement, "00"), std::nullopt);
  EXPECT_EQ(geo_->Find(Level::kDepartement, "094"), std::nullopt);
  EXPECT_EQ(geo_->Find(Level::kRegion, "12"), std::nullopt);
  EXPECT_EQ(geo_->Find(Level::kEpci, "200054780"), std::nullopt);
  EXPECT_EQ(geo_->Find(Level::kEpt, "200054781"), std::nullopt);
}

TEST_F(GeographyTest, SearchByNamePrefix) {
  std::vector<NameMatch> matches =
      geo_->SearchByName(Level::kCommune, "saint-maur", 2);
  ASSERT_EQ(matches.size(), 2u);
  EXPECT_EQ(geo_->Code(Level::kCommune, matches[0].id), "94068");
  EXPECT_EQ(geo_->Code(Level::kCommune, matches[1].id), "94069");

  matches = geo_->SearchByName(std::nullopt, "PARIS", 50);
  ASSERT_FALSE(matches.empty());
  EXPECT_EQ(matches[0].level, Level::kCommune);
  EXPECT_EQ(geo_->Code(Level::kCommune, matches[0].id), "75056");
  EXPECT_NE(
      std::find(matches.begin(), matches.end(),
                NameMatch{Level::kDepartement, Id(Level::kDepartement, "75")}),
      matches.end());
  EXPECT_TRUE(std::is_sorted(matches.begin(), matches.end(),
                             [](const NameMatch& a, const NameMatch& b) {
                               return a.level < b.level;
                             }));

  // Accents, case and punctuation do not matter.
  matches = geo_->SearchByName(Level::kRegion, "ile de f", 10);
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(geo_->Code(Level::kRegion, matches[0].id), "11");
  matches = geo_->SearchByName(Level::kCommune, "l'hay les", 10);
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(geo_->Name(Level::kCommune, matches[0].id), "L'Haÿ-les-Roses");

  EXPECT_THAT(geo_->SearchByName(std::nullopt, "zzzzqx", 10), IsEmpty());
  EXPECT_THAT(geo_->SearchByName(std::nullopt, "saint", 0), IsEmpty());
  EXPECT_THAT(geo_->SearchByName(Level::kCustom, "saint", 10), IsEmpty());
  EXPECT_EQ(geo_->SearchByName(std::nullopt, "", 7).size(), 7u);
}

TEST_F(GeographyTest, SearchOrdersByPopulationThenCode) {
  std::vector<NameMatch> matches =
      geo_->SearchByName(Level::kCommune, "saint", 1000);
  ASSERT_EQ(matches.size(), 1000u);
  for (size_t i = 1; i < matches.size(); ++i) {
    uint64_t before = geo_->Population(Level::kCommune, matches[i - 1].id);
    uint64_t after = geo_->Population(Level::kCommune, matches[i].id);
    ASSERT_TRUE(before > after ||
                (before == after && matches[i - 1].id < matches[i].id))
        << i;
  }
}

// SearchByName answers a short prefix by walking the territories by
// population and a long one by sorting its matches: both give what a scan of
// every territory gives.
TEST_F(GeographyTest, SearchEqualsAScanOfEveryTerritory) {
  const std::vector<std::string> prefixes = {
      "",     "s", "saint", "saint m", "la",    "l",  "b",
      "mont", "x", "paris", "e",       "grand", "ile"};
  for (Level level : {Level::kCommune, Level::kEpci, Level::kDepartement}) {
    for (const std::string& prefix : prefixes) {
      const std::string folded = FoldName(prefix);
      std::vector<uint32_t> expected;
      for (uint32_t id = 0; id < geo_->Count(level); ++id) {
        if (FoldName(geo_->Name(level, id)).rfind(folded, 0) == 0) {
          expected.push_back(id);
        }
      }
      std::stable_sort(
          expected.begin(), expected.end(), [level](uint32_t a, uint32_t b) {
            return geo_->Population(level, a) > geo_->Population(level, b);
          });
      for (size_t limit : {1u, 8u, 50u, 1000u, 100000u}) {
        std::vector<NameMatch> matches =
            geo_->SearchByName(level, prefix, limit);
        std::vector<uint32_t> ids;
        for (const NameMatch& match : matches) ids.push_back(match.id);
        std::vector<uint32_t> want(
            expected.begin(),
            expected.begin() + std::min(limit, expected.size()));
        ASSERT_EQ(ids, want)
            << LevelName(level) << " '" << prefix << "' limit " << limit;
      }
    }
  }
}

TEST_F(GeographyTest, CommunesOfDepartementAndRegion) {
  const uint32_t val_de_marne = Id(Level::kDepartement, "94");
  absl::Span<const uint32_t> communes =
      geo_->Communes(Level::kDepartement, val_de_marne);
  EXPECT_EQ(communes.size(), 47u);
  EXPECT_TRUE(std::is_sorted(communes.begin(), communes.end()));
  for (uint32_t c : communes) {
    EXPECT_TRUE(geo_->Contains(Level::kDepartement, val_de_marne, c));
    EXPECT_EQ(geo_->Code(Level::kCommune, c).substr(0, 2), "94");
  }

  const uint32_t idf = Id(Level::kRegion, "11");
  EXPECT_EQ(geo_->PlaceOf(Level::kDepartement, val_de_marne).region, idf);
  absl::Span<const uint32_t> departements =
      geo_->Children(Level::kRegion, idf, Level::kDepartement);
  std::vector<std::string> codes;
  for (uint32_t d : departements) {
    codes.emplace_back(geo_->Code(Level::kDepartement, d));
  }
  EXPECT_THAT(codes,
              ElementsAre("75", "77", "78", "91", "92", "93", "94", "95"));
  EXPECT_EQ(geo_->Children(Level::kDepartement, val_de_marne, Level::kCommune),
            communes);

  uint64_t population = 0;
  for (uint32_t d : departements) {
    population += geo_->Population(Level::kDepartement, d);
  }
  EXPECT_EQ(population, geo_->Population(Level::kRegion, idf));
  EXPECT_GT(population, 12000000u);

  const uint32_t charenton = Id(Level::kCommune, "94018");
  EXPECT_THAT(geo_->Communes(Level::kCommune, charenton),
              ElementsAre(charenton));
}

TEST_F(GeographyTest, PlacesOfTerritoriesAboveTheCommune) {
  const uint32_t mgp = Id(Level::kEpci, "200054781");
  const Place mgp_place = geo_->PlaceOf(Level::kEpci, mgp);
  EXPECT_EQ(mgp_place.epci, mgp);
  EXPECT_EQ(mgp_place.commune, kNone);
  EXPECT_EQ(mgp_place.ept, kNone);
  EXPECT_EQ(mgp_place.departement, kNone);  // spans 75, 91, 92, 93, 94, 95
  EXPECT_EQ(mgp_place.region, Id(Level::kRegion, "11"));

  const uint32_t pemb = Id(Level::kEpt, "200057941");
  const Place pemb_place = geo_->PlaceOf(Level::kEpt, pemb);
  EXPECT_EQ(pemb_place.ept, pemb);
  EXPECT_EQ(pemb_place.epci, mgp);
  EXPECT_EQ(pemb_place.departement, Id(Level::kDepartement, "94"));
  EXPECT_EQ(geo_->Children(Level::kEpci, mgp, Level::kEpt).size(), 11u);

  // The EPCIs touching the Val-de-Marne include the Grand Paris although it
  // is not inside it.
  absl::Span<const uint32_t> epcis = geo_->Children(
      Level::kDepartement, Id(Level::kDepartement, "94"), Level::kEpci);
  EXPECT_NE(std::find(epcis.begin(), epcis.end(), mgp), epcis.end());
  EXPECT_THAT(geo_->Children(Level::kCommune, Id(Level::kCommune, "94018"),
                             Level::kRegion),
              IsEmpty());
  EXPECT_THAT(geo_->Children(Level::kEpt, pemb, Level::kEpci), IsEmpty());
  EXPECT_THAT(geo_->Children(Level::kCommune, Id(Level::kCommune, "94018"),
                             Level::kCommune),
              IsEmpty());

  const Place region_place =
      geo_->PlaceOf(Level::kRegion, Id(Level::kRegion, "11"));
  EXPECT_EQ(region_place.departement, kNone);
  EXPECT_EQ(region_place.region, Id(Level::kRegion, "11"));
}

TEST_F(GeographyTest, EveryCommuneHasADepartementAndARegion) {
  uint64_t population = 0;
  size_t without_epci = 0;
  for (uint32_t c = 0; c < geo_->Count(Level::kCommune); ++c) {
    const Place place = geo_->PlaceOf(Level::kCommune, c);
    ASSERT_NE(place.departement, kNone) << geo_->Code(Level::kCommune, c);
    ASSERT_NE(place.region, kNone) << geo_->Code(Level::kCommune, c);
    ASSERT_EQ(geo_->PlaceOf(Level::kDepartement, place.departement).region,
              place.region);
    if (place.epci == kNone) ++without_epci;
    population += geo_->Population(Level::kCommune, c);
  }
  // Four islands of the metropole (Bréhat, Sein, Ouessant, Yeu) and the
  // overseas collectivities have no EPCI.
  EXPECT_EQ(without_epci, 98u);
  uint64_t by_region = 0;
  for (uint32_t r = 0; r < geo_->Count(Level::kRegion); ++r) {
    by_region += geo_->Population(Level::kRegion, r);
  }
  EXPECT_EQ(by_region, population);
}

TEST_F(GeographyTest, EveryEpciMemberIsInItsEpci) {
  size_t members = 0;
  for (uint32_t e = 0; e < geo_->Count(Level::kEpci); ++e) {
    for (uint32_t c : geo_->Communes(Level::kEpci, e)) {
      ASSERT_EQ(geo_->PlaceOf(Level::kCommune, c).epci, e);
      ++members;
    }
  }
  EXPECT_EQ(members, geo_->Count(Level::kCommune) - 98);
}

TEST_F(GeographyTest, CurrentCodesOfEveryFormResolveAsCurrent) {
  for (std::string_view code : {"01001", "2A004", "2B033", "97411", "94018"}) {
    std::optional<CommuneResolution> r = geo_->ResolveCommune(code);
    ASSERT_TRUE(r.has_value()) << code;
    EXPECT_EQ(r->via, CommuneResolution::Via::kCurrentCode) << code;
    EXPECT_EQ(geo_->Code(Level::kCommune, r->commune), code);
  }
}

TEST_F(GeographyTest, CodesRoundTrip) {
  for (Level level : {Level::kCommune, Level::kEpci, Level::kEpt,
                      Level::kDepartement, Level::kRegion}) {
    for (uint32_t id = 0; id < geo_->Count(level); ++id) {
      ASSERT_THAT(geo_->Find(level, geo_->Code(level, id)), Optional(id));
    }
  }
}

TEST_F(GeographyTest, MemoryIsCompact) {
  EXPECT_LT(geo_->MemoryUsage(), 8u << 20);
}

TEST_F(GeographyTest, BadNumberAborts) {
  EXPECT_DEATH(geo_->Name(Level::kCommune, geo_->Count(Level::kCommune)),
               "no commune number");
  EXPECT_DEATH(geo_->PlaceOf(Level::kCustom, 0), "no custom number");
}

class GeographyLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("geo_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::copy(MAILLAGE_REFERENCE_DIR "/geo", dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Append(const std::string& file, const std::string& text) {
    std::ofstream out(dir_ / file, std::ios::app);
    out << text;
  }

  std::filesystem::path dir_;
};

TEST_F(GeographyLoadTest, MissingDirectory) {
  auto loaded = Geography::Load("/nonexistent/maillage/geo");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(loaded.status().message()), HasSubstr("regions.tsv"));
}

TEST_F(GeographyLoadTest, MissingFile) {
  std::filesystem::remove(dir_ / "aliases.tsv");
  auto loaded = Geography::Load(dir_.string());
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(loaded.status().message()), HasSubstr("aliases.tsv"));
}

TEST_F(GeographyLoadTest, CopyLoads) {
  EXPECT_TRUE(Geography::Load(dir_.string()).ok());
}

TEST_F(GeographyLoadTest, WrongColumnCount) {
  Append("communes.tsv", "99999\t94\n");
  auto loaded = Geography::Load(dir_.string());
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(loaded.status().message()),
              HasSubstr("communes.tsv:"));
}

TEST_F(GeographyLoadTest, UnknownReference) {
  Append("communes.tsv", "99999\t00\t\t\t1\tNowhere\t\n");
  auto loaded = Geography::Load(dir_.string());
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(std::string(loaded.status().message()),
              HasSubstr("unknown departement 00"));
}

TEST_F(GeographyLoadTest, CodesOutOfOrder) {
  Append("regions.tsv", "01\tdrom\tGuadeloupe again\n");
  auto loaded = Geography::Load(dir_.string());
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(std::string(loaded.status().message()), HasSubstr("not after"));
}

TEST_F(GeographyLoadTest, WrongHeader) {
  std::ofstream(dir_ / "ept.tsv") << "code\tname\tpopulation\n";
  auto loaded = Geography::Load(dir_.string());
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(loaded.status().message()),
              HasSubstr("expected the columns"));
}

TEST_F(GeographyLoadTest, TerritoryWithoutCommune) {
  Append("epci.tsv", "999999999\tCC\tCC de nulle part\n");
  auto loaded = Geography::Load(dir_.string());
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(std::string(loaded.status().message()),
              HasSubstr("has no commune"));
}

TEST_F(GeographyLoadTest, BadPostalCode) {
  Append("communes.tsv", "99999\t976\t\t\t1\tNowhere\t9761\n");
  auto loaded = Geography::Load(dir_.string());
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(std::string(loaded.status().message()),
              HasSubstr("postal code 9761"));
}

}  // namespace
}  // namespace maillage::territory

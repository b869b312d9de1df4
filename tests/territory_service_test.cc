// TerritoryService on the real shipped geography, through the stubs.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/test_server.h"

namespace maillage {
namespace {

using testing::BadRequestFields;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsSupersetOf;
using testing::SampleActor;

v1::TerritoryRef Ref(v1::TerritoryLevel level, const std::string& code) {
  v1::TerritoryRef r;
  r.set_level(level);
  r.set_code(code);
  return r;
}

class TerritoryServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { server_.Start(); }

  grpc::Status Get(const v1::TerritoryRef& ref, v1::Territory* out) {
    grpc::ClientContext ctx;
    v1::GetTerritoryRequest req;
    *req.mutable_ref() = ref;
    return server_.territories().GetTerritory(&ctx, req, out);
  }
  std::vector<std::string> Codes(const v1::ListTerritoriesRequest& req) {
    grpc::ClientContext ctx;
    v1::ListTerritoriesResponse resp;
    grpc::Status s = server_.territories().ListTerritories(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<std::string> codes;
    for (const auto& t : resp.territories()) codes.push_back(t.ref().code());
    return codes;
  }
  void CreateActor(const v1::Actor& a) {
    grpc::ClientContext ctx;
    v1::CreateActorRequest req;
    *req.mutable_actor() = a;
    v1::Actor out;
    grpc::Status s = server_.actors().CreateActor(&ctx, req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  std::vector<std::string> ActorsIn(const v1::TerritoryRef& ref) {
    grpc::ClientContext ctx;
    v1::ListActorsRequest req;
    *req.mutable_territory() = ref;
    req.set_page_size(1000);
    v1::ListActorsResponse resp;
    grpc::Status s = server_.actors().ListActors(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<std::string> ids;
    for (const auto& a : resp.actors()) ids.push_back(a.id());
    return ids;
  }

  testing::TestServer server_;
};

TEST_F(TerritoryServiceTest, PostalCode94220IsCharentonInItsTerritories) {
  grpc::ClientContext ctx;
  v1::ResolvePostalCodeRequest req;
  req.set_postal_code("94220");
  v1::ResolvePostalCodeResponse resp;
  ASSERT_TRUE(server_.territories().ResolvePostalCode(&ctx, req, &resp).ok());
  ASSERT_EQ(resp.communes_size(), 1);
  const v1::Territory& c = resp.communes(0);
  EXPECT_EQ(c.ref().code(), "94018");
  EXPECT_EQ(c.name(), "Charenton-le-Pont");
  std::vector<std::string> ancestors;
  for (const auto& a : c.ancestors()) {
    ancestors.push_back(v1::TerritoryLevel_Name(a.level()) + ":" + a.code());
  }
  EXPECT_THAT(ancestors, IsSupersetOf({"TERRITORY_LEVEL_EPCI:200054781",
                                       "TERRITORY_LEVEL_DEPARTEMENT:94",
                                       "TERRITORY_LEVEL_REGION:11"}));
  EXPECT_GT(c.population(), 25000);  // 28,830 in the 2026 data
}

TEST_F(TerritoryServiceTest, CodesOfDifferentLevelsAreDifferentTerritories) {
  v1::Territory dep, reg;
  ASSERT_TRUE(Get(Ref(v1::TERRITORY_LEVEL_DEPARTEMENT, "11"), &dep).ok());
  ASSERT_TRUE(Get(Ref(v1::TERRITORY_LEVEL_REGION, "11"), &reg).ok());
  EXPECT_EQ(dep.name(), "Aude");
  EXPECT_EQ(reg.name(), "Île-de-France");
  EXPECT_GT(reg.population(), 10000000);
}

TEST_F(TerritoryServiceTest, FormerCommuneCodeResolvesToCurrentCommune) {
  v1::Territory t;
  ASSERT_TRUE(Get(Ref(v1::TERRITORY_LEVEL_COMMUNE, "01340"), &t).ok());
  EXPECT_EQ(t.ref().code(), "01015");
  // And an actor stored with the former code is stored under the current one.
  v1::Actor a = SampleActor("ext:old:1", "Ancienne commune");
  a.set_home_commune("01340");
  CreateActor(a);
  EXPECT_THAT(ActorsIn(Ref(v1::TERRITORY_LEVEL_COMMUNE, "01015")),
              ElementsAre("ext:old:1"));
}

TEST_F(TerritoryServiceTest, NameSearchIsAccentAndCaseInsensitive) {
  v1::ListTerritoriesRequest req;
  req.set_name_prefix("saint-maur");
  req.set_level(v1::TERRITORY_LEVEL_COMMUNE);
  req.set_page_size(100);
  EXPECT_THAT(Codes(req), IsSupersetOf({"94068", "94069"}));
  req.set_name_prefix("SAINT MAUR DES FOSSES");
  EXPECT_THAT(Codes(req), ElementsAre("94068"));
  req.set_name_prefix("ile-de-fr");
  req.clear_level();
  EXPECT_THAT(Codes(req), Contains("11"));
}

TEST_F(TerritoryServiceTest, ListByLevelAndParentPaginates) {
  v1::ListTerritoriesRequest req;
  req.mutable_parent()->CopyFrom(Ref(v1::TERRITORY_LEVEL_DEPARTEMENT, "94"));
  req.set_level(v1::TERRITORY_LEVEL_COMMUNE);
  req.set_page_size(20);
  std::vector<std::string> all;
  for (;;) {
    grpc::ClientContext ctx;
    v1::ListTerritoriesResponse resp;
    ASSERT_TRUE(server_.territories().ListTerritories(&ctx, req, &resp).ok());
    for (const auto& t : resp.territories()) all.push_back(t.ref().code());
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  EXPECT_EQ(all.size(), 47u);
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  v1::ListTerritoriesRequest regions;
  regions.set_level(v1::TERRITORY_LEVEL_DEPARTEMENT);
  regions.mutable_parent()->CopyFrom(Ref(v1::TERRITORY_LEVEL_REGION, "11"));
  EXPECT_THAT(Codes(regions),
              ElementsAre("75", "77", "78", "91", "92", "93", "94", "95"));
}

TEST_F(TerritoryServiceTest, DepartementListingHasItsCommunesActorsOnly) {
  v1::Actor in94 = SampleActor("ext:geo:creteil", "Créteil");
  in94.set_home_commune("94028");
  CreateActor(in94);
  v1::Actor in75 = SampleActor("ext:geo:paris", "Paris");
  in75.set_home_commune("75056");
  CreateActor(in75);
  v1::Actor in11 = SampleActor("ext:geo:aude", "Carcassonne");
  in11.set_home_commune("11069");
  CreateActor(in11);
  EXPECT_THAT(ActorsIn(Ref(v1::TERRITORY_LEVEL_DEPARTEMENT, "94")),
              ElementsAre("ext:geo:creteil"));
  EXPECT_THAT(ActorsIn(Ref(v1::TERRITORY_LEVEL_DEPARTEMENT, "11")),
              ElementsAre("ext:geo:aude"));
  EXPECT_THAT(ActorsIn(Ref(v1::TERRITORY_LEVEL_REGION, "11")),
              ElementsAre("ext:geo:creteil", "ext:geo:paris"));
  EXPECT_THAT(ActorsIn(Ref(v1::TERRITORY_LEVEL_EPCI, "200054781")),
              ElementsAre("ext:geo:creteil", "ext:geo:paris"));
}

TEST_F(TerritoryServiceTest, BadInputNamesTheOffendingValues) {
  v1::Territory t;
  grpc::Status s = Get(Ref(v1::TERRITORY_LEVEL_DEPARTEMENT, "00"), &t);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(s.error_message(), HasSubstr("00"));
  s = Get(Ref(v1::TERRITORY_LEVEL_UNSPECIFIED, "94"), &t);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(BadRequestFields(s), ElementsAre("ref.level"));
  // 94018 is a commune, not a département.
  s = Get(Ref(v1::TERRITORY_LEVEL_DEPARTEMENT, "94018"), &t);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);

  grpc::ClientContext ctx;
  v1::ResolvePostalCodeRequest pc;
  pc.set_postal_code("9422");
  v1::ResolvePostalCodeResponse resp;
  s = server_.territories().ResolvePostalCode(&ctx, pc, &resp);
  EXPECT_THAT(BadRequestFields(s), ElementsAre("postal_code"));

  v1::CreateCustomTerritoryRequest create;
  create.mutable_territory()->mutable_ref()->set_code("qpv-test");
  create.mutable_territory()->set_name("Quartier");
  create.mutable_territory()->add_communes("94018");
  create.mutable_territory()->add_communes("99999");
  create.mutable_territory()->add_communes("ABCDE");
  grpc::ClientContext ctx2;
  v1::Territory zone;
  s = server_.territories().CreateCustomTerritory(&ctx2, create, &zone);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(BadRequestFields(s),
              ElementsAre("territory.communes[1]", "territory.communes[2]"));
  EXPECT_THAT(s.error_message(), HasSubstr("99999"));
}

TEST_F(TerritoryServiceTest, CustomZoneIsUsableLikeAnyTerritory) {
  v1::CreateCustomTerritoryRequest create;
  auto* z = create.mutable_territory();
  z->mutable_ref()->set_code("bassin-charenton");
  z->set_name("Bassin de Charenton–Saint-Maurice");
  z->add_communes("94018");
  z->add_communes("94069");
  z->add_communes("94018");  // duplicates are folded
  v1::Territory zone;
  {
    grpc::ClientContext ctx;
    grpc::Status s =
        server_.territories().CreateCustomTerritory(&ctx, create, &zone);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  EXPECT_THAT(zone.communes(), ElementsAre("94018", "94069"));
  EXPECT_EQ(zone.commune_count(), 2);
  EXPECT_GT(zone.population(), 40000);
  {
    grpc::ClientContext ctx;
    EXPECT_EQ(server_.territories()
                  .CreateCustomTerritory(&ctx, create, &zone)
                  .error_code(),
              grpc::StatusCode::ALREADY_EXISTS);
  }
  CreateActor(SampleActor("ext:z:charenton", "A Charenton"));  // 94018
  v1::Actor far = SampleActor("ext:z:creteil", "A Créteil");
  far.set_home_commune("94028");
  CreateActor(far);
  auto ref = Ref(v1::TERRITORY_LEVEL_CUSTOM, "bassin-charenton");
  EXPECT_THAT(ActorsIn(ref), ElementsAre("ext:z:charenton"));

  // Update the communes: the filter follows.
  v1::UpdateCustomTerritoryRequest update;
  update.mutable_territory()->mutable_ref()->CopyFrom(ref);
  update.mutable_territory()->add_communes("94028");
  update.mutable_update_mask()->add_paths("communes");
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(
        server_.territories().UpdateCustomTerritory(&ctx, update, &zone).ok());
  }
  EXPECT_THAT(ActorsIn(ref), ElementsAre("ext:z:creteil"));

  // Zones survive a restart.
  server_.Stop();
  server_.Start();
  EXPECT_THAT(ActorsIn(ref), ElementsAre("ext:z:creteil"));
  v1::Territory got;
  ASSERT_TRUE(Get(ref, &got).ok());
  EXPECT_EQ(got.name(), "Bassin de Charenton–Saint-Maurice");

  grpc::ClientContext ctx;
  v1::DeleteCustomTerritoryRequest del;
  del.set_code("bassin-charenton");
  google::protobuf::Empty empty;
  ASSERT_TRUE(
      server_.territories().DeleteCustomTerritory(&ctx, del, &empty).ok());
  EXPECT_EQ(Get(ref, &got).error_code(), grpc::StatusCode::NOT_FOUND);
}

v1::TerritoryFact Fragility(const std::string& dep, const std::string& theme,
                            double value, double reference) {
  v1::TerritoryFact f;
  f.set_type(v1::FACT_TYPE_FRAGILITY);
  *f.mutable_territory() = Ref(v1::TERRITORY_LEVEL_DEPARTEMENT, dep);
  f.set_theme(theme);
  f.set_title("Indicateur " + theme);
  f.set_indicator("taux");
  f.set_value(value);
  f.set_reference_value(reference);
  f.set_unit("%");
  f.set_year(2024);
  f.set_source("INSEE");
  return f;
}

TEST_F(TerritoryServiceTest, FactsImportKeepsGoodRowsAndReportsBadOnes) {
  v1::ImportFactsRequest req;
  req.set_first_row_number(2);  // row 1 is the CSV header
  *req.add_facts() = Fragility("94", "youth", 28, 17);
  v1::TerritoryFact bad_theme = Fragility("94", "knitting", 1, 1);
  *req.add_facts() = bad_theme;
  v1::TerritoryFact bad_territory = Fragility("00", "health", 1, 1);
  *req.add_facts() = bad_territory;
  *req.add_facts() = Fragility("94", "seniors_ageing", 12, 10);
  *req.add_facts() = Fragility("94", "youth", 28, 17);  // duplicate of row 2
  v1::ImportFactsResponse resp;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(server_.territories().ImportFacts(&ctx, req, &resp).ok());
  }
  EXPECT_EQ(resp.created(), 2);
  EXPECT_EQ(resp.rejected(), 3);
  std::vector<std::string> errors;
  for (const auto& e : resp.errors()) {
    errors.push_back(std::to_string(e.row_number()) + ":" + e.field());
  }
  EXPECT_THAT(errors, ElementsAre("3:theme", "4:territory.code", "6:id"));

  // Re-running the same import changes nothing.
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(server_.territories().ImportFacts(&ctx, req, &resp).ok());
  }
  EXPECT_EQ(resp.created(), 0);
  EXPECT_EQ(resp.unchanged(), 2);

  grpc::ClientContext ctx;
  v1::ListFactsRequest list;
  *list.mutable_territory() = Ref(v1::TERRITORY_LEVEL_DEPARTEMENT, "94");
  v1::ListFactsResponse facts;
  ASSERT_TRUE(server_.territories().ListFacts(&ctx, list, &facts).ok());
  ASSERT_EQ(facts.facts_size(), 2);
  for (const auto& f : facts.facts()) {
    EXPECT_TRUE(f.severity_derived());
    EXPECT_GE(f.severity(), 0.0);
    EXPECT_LE(f.severity(), 1.0);
  }
}

TEST_F(TerritoryServiceTest, FactCrudAndSeverityRule) {
  v1::CreateFactRequest create;
  *create.mutable_fact() = Fragility("94", "youth", 28, 17);
  v1::TerritoryFact fact;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(server_.territories().CreateFact(&ctx, create, &fact).ok());
  }
  EXPECT_NEAR(fact.severity(), 28.0 / 17.0 - 1.0, 1e-9);
  v1::UpdateFactRequest update;
  update.mutable_fact()->set_id(fact.id());
  update.mutable_fact()->set_value(40);
  update.mutable_update_mask()->add_paths("value");
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(server_.territories().UpdateFact(&ctx, update, &fact).ok());
  }
  EXPECT_DOUBLE_EQ(fact.severity(), 1.0);  // re-derived
  grpc::ClientContext ctx;
  v1::DeleteFactRequest del;
  del.set_id(fact.id());
  google::protobuf::Empty empty;
  ASSERT_TRUE(server_.territories().DeleteFact(&ctx, del, &empty).ok());
  grpc::ClientContext ctx2;
  v1::GetFactRequest get;
  get.set_id(fact.id());
  EXPECT_EQ(server_.territories().GetFact(&ctx2, get, &fact).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(TerritoryServiceTest, DiagnosisCrossesFragilitiesWithActors) {
  v1::ImportFactsRequest facts;
  *facts.add_facts() = Fragility("94", "youth", 28, 17);
  *facts.add_facts() = Fragility("94", "seniors_ageing", 11, 10);
  v1::TerritoryFact asset;
  asset.set_type(v1::FACT_TYPE_ASSET);
  *asset.mutable_territory() = Ref(v1::TERRITORY_LEVEL_COMMUNE, "94028");
  asset.set_theme("education_training");
  asset.set_title("Université Paris-Est Créteil");
  *facts.add_facts() = asset;
  v1::ImportFactsResponse imported;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(server_.territories().ImportFacts(&ctx, facts, &imported).ok());
    ASSERT_EQ(imported.created(), 3);
  }
  v1::Actor assoc = SampleActor("rna:W941000001", "Mission jeunes");
  assoc.set_kind(v1::ACTOR_KIND_ASSOCIATION);
  assoc.set_home_commune("94028");
  assoc.clear_themes();
  assoc.add_themes("youth");
  CreateActor(assoc);
  v1::Actor company = SampleActor("siret:11111111100011", "Entreprise");
  company.set_home_commune("94028");
  company.add_themes("youth");
  CreateActor(company);

  grpc::ClientContext ctx;
  v1::GetTerritoryDiagnosisRequest req;
  *req.mutable_territory() = Ref(v1::TERRITORY_LEVEL_COMMUNE, "94028");
  v1::TerritoryDiagnosis d;
  grpc::Status s = server_.territories().GetTerritoryDiagnosis(&ctx, req, &d);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(d.territory().name(), "Créteil");
  EXPECT_EQ(d.actor_count(), 2);
  ASSERT_EQ(d.fragilities_size(), 2);  // inherited from the département
  EXPECT_EQ(d.fragilities(0).fragility().theme(), "youth");  // most severe
  EXPECT_EQ(d.fragilities(0).actors_on_theme(), 2);
  EXPECT_THAT(d.fragilities(0).missing_kinds(),
              ElementsAre(v1::ACTOR_KIND_PUBLIC_BODY, v1::ACTOR_KIND_ACADEMIC,
                          v1::ACTOR_KIND_MEDIA));
  EXPECT_EQ(d.fragilities(1).actors_on_theme(), 0);
  ASSERT_EQ(d.assets_size(), 1);
  EXPECT_EQ(d.assets(0).title(), "Université Paris-Est Créteil");
  EXPECT_GT(d.actor_density(), 0);
}

}  // namespace
}  // namespace maillage

// Every request field of the API has a limit or a set of valid values: for
// each RPC, a request with one field too long, too large or undeclared gets
// INVALID_ARGUMENT naming that field (imports: a rejected row naming it),
// through the core as services/ calls it.
#include <functional>
#include <limits>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "core/errors.h"
#include "core/maillage.h"
#include "core/testing/hostile_input.h"
#include "core/testing/sample_actors.h"
#include "core/validation.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace maillage::core {
namespace {

using core::testing::Repeat;
using ::testing::Contains;

// What a call answered: its code and the field paths named by its
// BadRequest, or by the rejected rows of an import.
struct Outcome {
  absl::Status status;
  absl::StatusCode code = absl::StatusCode::kOk;
  std::vector<std::string> fields;
};

Outcome Of(const absl::Status& status) {
  Outcome o{status, status.code(), {}};
  if (auto payload = status.GetPayload(AsAbsl(kBadRequestType))) {
    google::rpc::BadRequest bad;
    if (bad.ParseFromString(std::string(*payload))) {
      for (const auto& v : bad.field_violations())
        o.fields.push_back(v.field());
    }
  }
  return o;
}

template <typename T>
Outcome Of(const absl::StatusOr<T>& result) {
  return Of(result.status());
}

// An import answers OK and reports each rejected row; a rejected row counts
// as INVALID_ARGUMENT naming its fields.
template <typename Response>
Outcome Rows(const absl::StatusOr<Response>& result) {
  if (!result.ok()) return Of(result.status());
  Outcome o;
  for (const auto& e : result->errors()) {
    o.code = absl::StatusCode::kInvalidArgument;
    o.fields.push_back(e.field());
  }
  return o;
}

// One row of the table: an RPC, the field path its answer must name, and
// the call with that field bad.
struct Case {
  std::string rpc;
  std::string field;
  std::function<Outcome(Maillage&)> call;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.rpc << " " << c.field;
}

// The case of `call` on `request` once `mutate` has made `field` bad.
template <typename Request, typename Call, typename Mutate>
Case Bad(std::string rpc, std::string field, Call call, Request request,
         Mutate mutate) {
  mutate(&request);
  return {std::move(rpc), std::move(field),
          [call, request](Maillage& m) { return call(m, request); }};
}

std::string Long(size_t n) { return std::string(n, 'x'); }
std::string LongId() { return Long(Limits::kIdMax + 1); }
std::string LongCode() { return Long(Limits::kVocabularyCodeMax + 1); }
std::string LongTerritoryCode() { return Long(Limits::kTerritoryCodeMax + 1); }
std::string LongEtag() { return Long(Limits::kEtagMax + 1); }
std::string LongToken() { return Long(Limits::kPageTokenMax + 1); }
constexpr int kUndeclared = 42;

v1::TerritoryRef Departement94() {
  v1::TerritoryRef ref;
  ref.set_level(v1::TERRITORY_LEVEL_DEPARTEMENT);
  ref.set_code("94");
  return ref;
}

// Actors of the stored world (see SetUpTestSuite).
using testing::Association;
using testing::Company;
using testing::kAssociation;
using testing::kCompany;
constexpr char kZone[] = "zone-a";
constexpr char kFact[] = "fact-a";
constexpr char kPartnership[] = "p-a";

v1::Territory Zone() {
  v1::Territory zone;
  zone.mutable_ref()->set_level(v1::TERRITORY_LEVEL_CUSTOM);
  zone.mutable_ref()->set_code(kZone);
  zone.set_name("Zone A");
  zone.add_communes("94018");
  return zone;
}

v1::TerritoryFact Fact() {
  v1::TerritoryFact f;
  f.set_id(kFact);
  f.set_type(v1::FACT_TYPE_FRAGILITY);
  *f.mutable_territory() = Departement94();
  f.set_theme("youth");
  f.set_title("Chômage des jeunes");
  return f;
}

v1::Partnership Partnership() {
  v1::Partnership p;
  p.set_id(kPartnership);
  p.add_participants(kAssociation);
  p.add_participants(kCompany);
  p.set_category(v1::PARTNERSHIP_CATEGORY_MECENAT);
  return p;
}

// Field paths inside an actor, each with a way to make it bad. Shared by
// CreateActor, UpdateActor ("actor." prefixed) and ImportActors (a row).
std::vector<std::pair<std::string, std::function<void(v1::Actor*)>>>
ActorBreakers() {
  return {
      {"id", [](v1::Actor* a) { a->set_id("ext:x:" + LongId()); }},
      {"kind",
       [](v1::Actor* a) {
         a->set_kind(static_cast<v1::ActorKind>(kUndeclared));
       }},
      {"subtype",
       [](v1::Actor* a) {
         a->set_subtype(static_cast<v1::ActorSubtype>(kUndeclared));
       }},
      {"name", [](v1::Actor* a) { a->set_name(Long(Limits::kNameMax + 1)); }},
      {"name", [](v1::Actor* a) { a->set_name("Caf\xE9"); }},
      {"name", [](v1::Actor* a) { a->set_name("a\x1b[31mb"); }},
      {"legal_ids.siren",
       [](v1::Actor* a) { a->mutable_legal_ids()->set_siren(Long(1000)); }},
      {"legal_ids.siret",
       [](v1::Actor* a) { a->mutable_legal_ids()->set_siret(Long(1000)); }},
      {"legal_ids.rna",
       [](v1::Actor* a) { a->mutable_legal_ids()->set_rna(Long(1000)); }},
      {"naf_code",
       [](v1::Actor* a) {
         a->set_naf_code(Repeat(" ", Limits::kNafCodeMax) + "88.99B");
       }},
      {"association_purpose_codes",
       [](v1::Actor* a) {
         for (int i = 0; i <= Limits::kPurposeCodesMax; ++i) {
           a->add_association_purpose_codes("A1");
         }
       }},
      {"association_purpose_codes[0]",
       [](v1::Actor* a) {
         a->add_association_purpose_codes(Long(Limits::kPurposeCodeMax + 1));
       }},
      {"size_band",
       [](v1::Actor* a) {
         a->set_size_band(static_cast<v1::SizeBand>(kUndeclared));
       }},
      {"home_commune",
       [](v1::Actor* a) { a->set_home_commune(LongTerritoryCode()); }},
      {"location.latitude",
       [](v1::Actor* a) { a->mutable_location()->set_latitude(91); }},
      {"location.longitude",
       [](v1::Actor* a) {
         a->mutable_location()->set_longitude(
             std::numeric_limits<double>::infinity());
       }},
      {"action_territories",
       [](v1::Actor* a) {
         for (int i = 0; i <= Limits::kActionTerritoriesMax; ++i) {
           *a->add_action_territories() = Departement94();
         }
       }},
      {"action_territories[0].level",
       [](v1::Actor* a) {
         a->add_action_territories()->set_level(
             static_cast<v1::TerritoryLevel>(kUndeclared));
       }},
      {"action_territories[0].code",
       [](v1::Actor* a) {
         auto* ref = a->add_action_territories();
         ref->set_level(v1::TERRITORY_LEVEL_COMMUNE);
         ref->set_code(LongTerritoryCode());
       }},
      {"themes",
       [](v1::Actor* a) {
         for (int i = 0; i <= Limits::kThemesMax; ++i) a->add_themes("youth");
       }},
      {"themes[0]",
       [](v1::Actor* a) {
         a->clear_themes();
         a->add_themes(LongCode());
       }},
      {"needs",
       [](v1::Actor* a) {
         for (int i = 0; i <= Limits::kExchangesMax; ++i) {
           a->add_needs()->set_resource("funding");
         }
       }},
      {"needs[0].resource",
       [](v1::Actor* a) { a->add_needs()->set_resource(LongCode()); }},
      {"needs[0].theme",
       [](v1::Actor* a) {
         auto* need = a->add_needs();
         need->set_resource("funding");
         need->set_theme(LongCode());
       }},
      {"needs[0].description",
       [](v1::Actor* a) {
         auto* need = a->add_needs();
         need->set_resource("funding");
         need->set_description(Repeat("é", Limits::kShortTextMax + 1));
       }},
      {"offers",
       [](v1::Actor* a) {
         for (int i = 0; i <= Limits::kExchangesMax; ++i) {
           a->add_offers()->set_resource("funding");
         }
       }},
      {"offers[0].resource",
       [](v1::Actor* a) { a->mutable_offers(0)->set_resource(LongCode()); }},
      {"accepted_categories",  // issue 18: 100,000 of them
       [](v1::Actor* a) {
         for (int i = 0; i < 100000; ++i) {
           a->add_accepted_categories(v1::PARTNERSHIP_CATEGORY_MECENAT);
         }
       }},
      {"accepted_categories[0]",
       [](v1::Actor* a) {
         a->add_accepted_categories(
             static_cast<v1::PartnershipCategory>(kUndeclared));
       }},
      {"capacity",
       [](v1::Actor* a) { a->set_capacity(Limits::kCapacityMax + 1); }},
      {"description",
       [](v1::Actor* a) {
         a->set_description(Long(Limits::kDescriptionMax + 1));
       }},
      {"website",
       [](v1::Actor* a) {
         a->set_website("https://" + Long(Limits::kUrlMax));
       }},
      {"contacts",
       [](v1::Actor* a) {
         for (int i = 0; i <= Limits::kContactsMax; ++i) {
           a->add_contacts()->set_name("Claire");
         }
       }},
      {"contacts[0].name",
       [](v1::Actor* a) {
         a->add_contacts()->set_name(Long(Limits::kPersonMax + 1));
       }},
      {"contacts[0].role",
       [](v1::Actor* a) {
         auto* c = a->add_contacts();
         c->set_name("Claire");
         c->set_role(Long(Limits::kPersonMax + 1));
       }},
      {"contacts[0].email",
       [](v1::Actor* a) {
         auto* c = a->add_contacts();
         c->set_name("Claire");
         c->set_email(Long(Limits::kEmailMax) + "@example.org");
       }},
      {"contacts[0].phone",
       [](v1::Actor* a) {
         auto* c = a->add_contacts();
         c->set_name("Claire");
         c->set_phone(Repeat("0", Limits::kPhoneMax + 1));
       }},
      {"status",
       [](v1::Actor* a) {
         a->set_status(static_cast<v1::ActorStatus>(kUndeclared));
       }},
      {"source",
       [](v1::Actor* a) { a->set_source(Long(Limits::kSourceMax + 1)); }},
  };
}

Outcome CreateActor(Maillage& m, const v1::CreateActorRequest& r) {
  return Of(m.actors().Create(r, auth::Principal::System()));
}
Outcome UpdateActor(Maillage& m, const v1::UpdateActorRequest& r) {
  return Of(m.actors().Update(r, auth::Principal::System()));
}
Outcome ImportActors(Maillage& m, v1::ImportActorsRequest r) {
  return Rows(m.actors().ImportBatch(&r, auth::Principal::System()));
}

std::vector<Case> ActorWriteCases() {
  std::vector<Case> cases;
  v1::CreateActorRequest create;
  *create.mutable_actor() = Company();
  create.mutable_actor()->set_id("ext:t:new");
  v1::UpdateActorRequest update;
  *update.mutable_actor() = Company();
  v1::ImportActorsRequest import;
  *import.add_actors() = Company();
  // Named, not structured bindings: the lambdas below capture them (C++20
  // for bindings; clang refuses it in C++17).
  for (const auto& entry : ActorBreakers()) {
    const auto& field = entry.first;
    const auto& breaker = entry.second;
    auto in_actor = [&](auto* r) { breaker(r->mutable_actor()); };
    cases.push_back(
        Bad("CreateActor", "actor." + field, CreateActor, create, in_actor));
    cases.push_back(
        Bad("UpdateActor", "actor." + field, UpdateActor, update, in_actor));
    cases.push_back(Bad("ImportActors", field, ImportActors, import,
                        [&](auto* r) { breaker(r->mutable_actors(0)); }));
  }
  cases.push_back(Bad("CreateActor", "actor.id", CreateActor, create,
                      [](auto* r) {  // issue 18: the server's namespace
                        r->mutable_actor()->set_id("mlg:0123456789abcdef");
                      }));
  cases.push_back(Bad("CreateActor", "request_id", CreateActor, create,
                      [](auto* r) { r->set_request_id(LongId()); }));
  cases.push_back(
      Bad("UpdateActor", "actor.etag", UpdateActor, update,
          [](auto* r) { r->mutable_actor()->set_etag(LongEtag()); }));
  cases.push_back(
      Bad("UpdateActor", "update_mask.paths", UpdateActor, update, [](auto* r) {
        for (int i = 0; i <= Limits::kMaskPathsMax; ++i) {
          r->mutable_update_mask()->add_paths("name");
        }
      }));
  cases.push_back(
      Bad("UpdateActor", "update_mask.paths[0]", UpdateActor, update,
          [](auto* r) { r->mutable_update_mask()->add_paths(Long(100000)); }));
  cases.push_back(Bad("UpdateActor", "request_id", UpdateActor, update,
                      [](auto* r) { r->set_request_id("a b"); }));
  cases.push_back(
      Bad("ImportActors", "actors", ImportActors, import, [](auto* r) {
        for (int i = 0; i < Limits::kImportRowsMax; ++i) {
          r->add_actors();
        }
      }));
  cases.push_back(Bad("ImportActors", "first_row_number", ImportActors, import,
                      [](auto* r) { r->set_first_row_number(-1); }));
  cases.push_back(Bad(
      "ImportActors", "mode", ImportActors, import,
      [](auto* r) { r->set_mode(static_cast<v1::ImportMode>(kUndeclared)); }));
  return cases;
}

Outcome GetActor(Maillage& m, const v1::GetActorRequest& r) {
  return Of(m.actors().Get(r, auth::Principal::System()));
}
Outcome DeleteActor(Maillage& m, const v1::DeleteActorRequest& r) {
  return Of(m.actors().Delete(r, auth::Principal::System()));
}
// ExportActors pages through the same validation (services/actor_streams.cc
// builds a ListActorsRequest from its filters).
Outcome ListActors(Maillage& m, const v1::ListActorsRequest& r) {
  return Of(m.actors().List(r, auth::Principal::System()));
}
Outcome BatchGetActors(Maillage& m, const v1::BatchGetActorsRequest& r) {
  return Of(m.actors().BatchGet(r, auth::Principal::System()));
}

std::vector<Case> ActorReadCases() {
  v1::GetActorRequest get;
  get.set_id(kCompany);
  v1::DeleteActorRequest del;
  del.set_id("ext:t:gone");
  v1::ListActorsRequest list;
  v1::BatchGetActorsRequest batch;
  batch.add_ids(kCompany);
  return {
      Bad("GetActor", "id", GetActor, get,
          [](auto* r) { r->set_id(LongId()); }),
      Bad("GetActor", "id", GetActor, get, [](auto* r) { r->set_id("a\nb"); }),
      Bad("GetActor", "view", GetActor, get,  // issue 18: view 99
          [](auto* r) { r->set_view(static_cast<v1::ActorView>(99)); }),
      Bad("DeleteActor", "id", DeleteActor, del,
          [](auto* r) { r->set_id(LongId()); }),
      Bad("DeleteActor", "etag", DeleteActor, del,
          [](auto* r) { r->set_etag(LongEtag()); }),
      Bad("DeleteActor", "request_id", DeleteActor, del,
          [](auto* r) { r->set_request_id(LongId()); }),
      Bad("ListActors", "page_size", ListActors, list,
          [](auto* r) { r->set_page_size(-1); }),
      Bad("ListActors", "page_token", ListActors, list,
          [](auto* r) { r->set_page_token(LongToken()); }),
      Bad("ListActors", "kind", ListActors, list,
          [](auto* r) {
            r->set_kind(static_cast<v1::ActorKind>(kUndeclared));
          }),
      Bad("ListActors", "territory.level", ListActors, list,
          [](auto* r) {
            r->mutable_territory()->set_level(
                static_cast<v1::TerritoryLevel>(kUndeclared));
          }),
      Bad("ListActors", "territory.code", ListActors, list,
          [](auto* r) {
            *r->mutable_territory() = Departement94();
            r->mutable_territory()->set_code(LongTerritoryCode());
          }),
      Bad("ListActors", "theme", ListActors, list,
          [](auto* r) { r->set_theme(LongCode()); }),
      Bad("ListActors", "offered_resource", ListActors, list,
          [](auto* r) { r->set_offered_resource(LongCode()); }),
      Bad("ListActors", "needed_resource", ListActors, list,
          [](auto* r) { r->set_needed_resource(LongCode()); }),
      Bad("ListActors", "view", ListActors, list,
          [](auto* r) {
            r->set_view(static_cast<v1::ActorView>(kUndeclared));
          }),
      Bad("BatchGetActors", "ids", BatchGetActors, batch,
          [](auto* r) {
            for (int i = 0; i < Limits::kBatchGetMax; ++i) r->add_ids(kCompany);
          }),
      Bad("BatchGetActors", "ids[1]", BatchGetActors, batch,
          [](auto* r) { r->add_ids(LongId()); }),
      Bad("BatchGetActors", "view", BatchGetActors, batch,
          [](auto* r) {
            r->set_view(static_cast<v1::ActorView>(kUndeclared));
          }),
  };
}

Outcome GetTerritory(Maillage& m, const v1::GetTerritoryRequest& r) {
  return Of(m.territories().Get(r, auth::Principal::System()));
}
Outcome ListTerritories(Maillage& m, const v1::ListTerritoriesRequest& r) {
  return Of(m.territories().List(r, auth::Principal::System()));
}
Outcome ResolvePostalCode(Maillage& m, const v1::ResolvePostalCodeRequest& r) {
  return Of(m.territories().ResolvePostalCode(r, auth::Principal::System()));
}
Outcome Diagnosis(Maillage& m, const v1::GetTerritoryDiagnosisRequest& r) {
  return Of(m.territories().Diagnose(r, auth::Principal::System()));
}

std::vector<Case> GeographyCases() {
  v1::GetTerritoryRequest get;
  *get.mutable_ref() = Departement94();
  v1::ListTerritoriesRequest list;
  list.set_level(v1::TERRITORY_LEVEL_DEPARTEMENT);
  v1::ResolvePostalCodeRequest postal;
  v1::GetTerritoryDiagnosisRequest diagnosis;
  *diagnosis.mutable_territory() = Departement94();
  return {
      Bad("GetTerritory", "ref.level", GetTerritory, get,
          [](auto* r) {
            r->mutable_ref()->set_level(
                static_cast<v1::TerritoryLevel>(kUndeclared));
          }),
      Bad("GetTerritory", "ref.code", GetTerritory, get,
          [](auto* r) { r->mutable_ref()->set_code(Long(1 << 20)); }),
      Bad("ListTerritories", "level", ListTerritories, list,
          [](auto* r) {
            r->set_level(static_cast<v1::TerritoryLevel>(kUndeclared));
          }),
      Bad("ListTerritories", "parent.code", ListTerritories, list,
          [](auto* r) {
            *r->mutable_parent() = Departement94();
            r->mutable_parent()->set_code(LongTerritoryCode());
          }),
      Bad("ListTerritories", "name_prefix", ListTerritories, list,
          [](auto* r) { r->set_name_prefix(Long(Limits::kNameMax + 1)); }),
      Bad("ListTerritories", "name_prefix", ListTerritories, list,
          [](auto* r) { r->set_name_prefix("saint\xFF"); }),
      Bad("ListTerritories", "page_size", ListTerritories, list,
          [](auto* r) { r->set_page_size(-1); }),
      Bad("ListTerritories", "page_token", ListTerritories, list,
          [](auto* r) { r->set_page_token(LongToken()); }),
      Bad("ResolvePostalCode", "postal_code", ResolvePostalCode, postal,
          [](auto* r) { r->set_postal_code(Long(1 << 20)); }),
      Bad("GetTerritoryDiagnosis", "territory.level", Diagnosis, diagnosis,
          [](auto* r) {
            r->mutable_territory()->set_level(
                static_cast<v1::TerritoryLevel>(kUndeclared));
          }),
      Bad("GetTerritoryDiagnosis", "territory.code", Diagnosis, diagnosis,
          [](auto* r) {
            r->mutable_territory()->set_code(LongTerritoryCode());
          }),
  };
}

Outcome CreateZone(Maillage& m, const v1::CreateCustomTerritoryRequest& r) {
  return Of(m.territories().CreateCustom(r, auth::Principal::System()));
}
Outcome UpdateZone(Maillage& m, const v1::UpdateCustomTerritoryRequest& r) {
  return Of(m.territories().UpdateCustom(r, auth::Principal::System()));
}
Outcome DeleteZone(Maillage& m, const v1::DeleteCustomTerritoryRequest& r) {
  return Of(m.territories().DeleteCustom(r, auth::Principal::System()));
}

std::vector<Case> CustomZoneCases() {
  v1::CreateCustomTerritoryRequest create;
  *create.mutable_territory() = Zone();
  create.mutable_territory()->mutable_ref()->set_code("zone-new");
  v1::UpdateCustomTerritoryRequest update;
  *update.mutable_territory() = Zone();
  v1::DeleteCustomTerritoryRequest del;
  del.set_code("zone-gone");
  const char* kCreate = "CreateCustomTerritory";
  const char* kUpdate = "UpdateCustomTerritory";
  return {
      Bad(kCreate, "territory.ref.level", CreateZone, create,
          [](auto* r) {
            r->mutable_territory()->mutable_ref()->set_level(
                static_cast<v1::TerritoryLevel>(kUndeclared));
          }),
      Bad(kCreate, "territory.ref.code", CreateZone, create,
          [](auto* r) {
            r->mutable_territory()->mutable_ref()->set_code(
                LongTerritoryCode());
          }),
      Bad(kCreate, "territory.name", CreateZone, create,
          [](auto* r) {
            r->mutable_territory()->set_name(Long(Limits::kNameMax + 1));
          }),
      Bad(kCreate, "territory.description", CreateZone, create,
          [](auto* r) {
            r->mutable_territory()->set_description(
                Long(Limits::kDescriptionMax + 1));
          }),
      Bad(kCreate, "territory.communes", CreateZone, create,
          [](auto* r) {
            for (int i = 0; i < Limits::kCustomCommunesMax; ++i) {
              r->mutable_territory()->add_communes("94018");
            }
          }),
      Bad(kCreate, "territory.communes[1]", CreateZone, create,
          [](auto* r) {
            r->mutable_territory()->add_communes(LongTerritoryCode());
          }),
      Bad(kCreate, "request_id", CreateZone, create,
          [](auto* r) { r->set_request_id(LongId()); }),
      Bad(kUpdate, "territory.ref.level", UpdateZone, update,
          [](auto* r) {
            r->mutable_territory()->mutable_ref()->set_level(
                static_cast<v1::TerritoryLevel>(kUndeclared));
          }),
      Bad(kUpdate, "territory.ref.code", UpdateZone, update,
          [](auto* r) {
            r->mutable_territory()->mutable_ref()->set_code(
                LongTerritoryCode());
          }),
      Bad(kUpdate, "territory.etag", UpdateZone, update,
          [](auto* r) { r->mutable_territory()->set_etag(LongEtag()); }),
      Bad(kUpdate, "territory.name", UpdateZone, update,
          [](auto* r) {
            r->mutable_territory()->set_name(Long(Limits::kNameMax + 1));
          }),
      Bad(kUpdate, "territory.communes[0]", UpdateZone, update,
          [](auto* r) {
            r->mutable_territory()->set_communes(0, LongTerritoryCode());
          }),
      Bad(kUpdate, "update_mask.paths", UpdateZone, update,
          [](auto* r) {
            for (int i = 0; i <= Limits::kMaskPathsMax; ++i) {
              r->mutable_update_mask()->add_paths("name");
            }
          }),
      Bad(kUpdate, "update_mask.paths[0]", UpdateZone, update,
          [](auto* r) { r->mutable_update_mask()->add_paths(Long(1000)); }),
      Bad(kUpdate, "request_id", UpdateZone, update,
          [](auto* r) { r->set_request_id(LongId()); }),
      Bad("DeleteCustomTerritory", "code", DeleteZone, del,
          [](auto* r) { r->set_code(LongTerritoryCode()); }),
      Bad("DeleteCustomTerritory", "etag", DeleteZone, del,
          [](auto* r) { r->set_etag(LongEtag()); }),
  };
}

// Field paths inside a fact, each with a way to make it bad (CreateFact,
// UpdateFact with "fact." prefixed, ImportFacts rows).
std::vector<std::pair<std::string, std::function<void(v1::TerritoryFact*)>>>
FactBreakers() {
  using F = v1::TerritoryFact;
  return {
      {"type",
       [](F* f) { f->set_type(static_cast<v1::FactType>(kUndeclared)); }},
      {"territory.level",
       [](F* f) {
         f->mutable_territory()->set_level(
             static_cast<v1::TerritoryLevel>(kUndeclared));
       }},
      {"territory.code",
       [](F* f) { f->mutable_territory()->set_code(LongTerritoryCode()); }},
      {"theme", [](F* f) { f->set_theme(LongCode()); }},
      {"title", [](F* f) { f->set_title(Long(Limits::kNameMax + 1)); }},
      {"indicator",
       [](F* f) { f->set_indicator(Long(Limits::kShortTextMax + 1)); }},
      {"value",
       [](F* f) { f->set_value(std::numeric_limits<double>::quiet_NaN()); }},
      {"reference_value",
       [](F* f) {
         f->set_reference_value(std::numeric_limits<double>::infinity());
       }},
      {"unit", [](F* f) { f->set_unit(Long(Limits::kUnitMax + 1)); }},
      {"year", [](F* f) { f->set_year(Limits::kYearMax + 1); }},
      {"source", [](F* f) { f->set_source(Long(Limits::kShortTextMax + 1)); }},
      {"severity", [](F* f) { f->set_severity(2); }},
      {"description",
       [](F* f) { f->set_description(Long(Limits::kDescriptionMax + 1)); }},
  };
}

Outcome CreateFact(Maillage& m, const v1::CreateFactRequest& r) {
  return Of(m.territories().CreateFact(r, auth::Principal::System()));
}
Outcome UpdateFact(Maillage& m, const v1::UpdateFactRequest& r) {
  return Of(m.territories().UpdateFact(r, auth::Principal::System()));
}
Outcome ImportFacts(Maillage& m, const v1::ImportFactsRequest& r) {
  return Rows(m.territories().ImportFacts(r, auth::Principal::System()));
}

std::vector<Case> FactWriteCases() {
  std::vector<Case> cases;
  v1::CreateFactRequest create;
  *create.mutable_fact() = Fact();
  create.mutable_fact()->clear_id();
  v1::UpdateFactRequest update;
  *update.mutable_fact() = Fact();
  v1::ImportFactsRequest import;
  *import.add_facts() = create.fact();
  // Named, not structured bindings: the lambdas below capture them (C++20
  // for bindings; clang refuses it in C++17).
  for (const auto& entry : FactBreakers()) {
    const auto& field = entry.first;
    const auto& breaker = entry.second;
    auto in_fact = [&](auto* r) { breaker(r->mutable_fact()); };
    cases.push_back(
        Bad("CreateFact", "fact." + field, CreateFact, create, in_fact));
    cases.push_back(
        Bad("UpdateFact", "fact." + field, UpdateFact, update, in_fact));
    cases.push_back(Bad("ImportFacts", field, ImportFacts, import,
                        [&](auto* r) { breaker(r->mutable_facts(0)); }));
  }
  cases.push_back(Bad("CreateFact", "fact.id", CreateFact, create,
                      [](auto* r) { r->mutable_fact()->set_id(LongId()); }));
  cases.push_back(Bad("CreateFact", "request_id", CreateFact, create,
                      [](auto* r) { r->set_request_id(LongId()); }));
  cases.push_back(Bad("UpdateFact", "fact.id", UpdateFact, update,
                      [](auto* r) { r->mutable_fact()->set_id(LongId()); }));
  cases.push_back(
      Bad("UpdateFact", "fact.etag", UpdateFact, update,
          [](auto* r) { r->mutable_fact()->set_etag(LongEtag()); }));
  cases.push_back(
      Bad("UpdateFact", "update_mask.paths", UpdateFact, update, [](auto* r) {
        for (int i = 0; i <= Limits::kMaskPathsMax; ++i) {
          r->mutable_update_mask()->add_paths("title");
        }
      }));
  cases.push_back(
      Bad("UpdateFact", "update_mask.paths[0]", UpdateFact, update,
          [](auto* r) { r->mutable_update_mask()->add_paths(Long(1000)); }));
  cases.push_back(Bad("UpdateFact", "request_id", UpdateFact, update,
                      [](auto* r) { r->set_request_id(LongId()); }));
  cases.push_back(Bad("ImportFacts", "id", ImportFacts, import,
                      [](auto* r) { r->mutable_facts(0)->set_id(LongId()); }));
  cases.push_back(Bad("ImportFacts", "facts", ImportFacts, import, [](auto* r) {
    for (int i = 0; i < Limits::kImportRowsMax; ++i) {
      r->add_facts();
    }
  }));
  cases.push_back(
      Bad("ImportFacts", "first_row_number", ImportFacts, import,
          [](auto* r) { r->set_first_row_number(Limits::kRowNumberMax + 1); }));
  return cases;
}

Outcome GetFact(Maillage& m, const v1::GetFactRequest& r) {
  return Of(m.territories().GetFact(r, auth::Principal::System()));
}
Outcome DeleteFact(Maillage& m, const v1::DeleteFactRequest& r) {
  return Of(m.territories().DeleteFact(r, auth::Principal::System()));
}
Outcome ListFacts(Maillage& m, const v1::ListFactsRequest& r) {
  return Of(m.territories().ListFacts(r, auth::Principal::System()));
}

std::vector<Case> FactReadCases() {
  v1::GetFactRequest get;
  v1::DeleteFactRequest del;
  del.set_id("fact-gone");
  v1::ListFactsRequest list;
  *list.mutable_territory() = Departement94();
  return {
      Bad("GetFact", "id", GetFact, get, [](auto* r) { r->set_id(LongId()); }),
      Bad("DeleteFact", "id", DeleteFact, del,
          [](auto* r) { r->set_id(LongId()); }),
      Bad("DeleteFact", "etag", DeleteFact, del,
          [](auto* r) { r->set_etag(LongEtag()); }),
      Bad("ListFacts", "territory.code", ListFacts, list,
          [](auto* r) {
            r->mutable_territory()->set_code(LongTerritoryCode());
          }),
      Bad("ListFacts", "type", ListFacts, list,
          [](auto* r) { r->set_type(static_cast<v1::FactType>(kUndeclared)); }),
      Bad("ListFacts", "theme", ListFacts, list,
          [](auto* r) { r->set_theme(LongCode()); }),
      Bad("ListFacts", "page_size", ListFacts, list,
          [](auto* r) { r->set_page_size(-1); }),
      Bad("ListFacts", "page_token", ListFacts, list,
          [](auto* r) { r->set_page_token(LongToken()); }),
  };
}

Outcome SuggestPartners(Maillage& m, const v1::SuggestPartnersRequest& r) {
  return Of(m.matching().SuggestPartners(r, auth::Principal::System()));
}
Outcome ExplainMatch(Maillage& m, const v1::ExplainMatchRequest& r) {
  return Of(m.matching().ExplainMatch(r, auth::Principal::System()));
}

std::vector<Case> PartnerCases() {
  v1::SuggestPartnersRequest suggest;
  suggest.set_actor_id(kAssociation);
  suggest.set_preview(true);
  v1::ExplainMatchRequest explain;
  explain.set_actor_id(kAssociation);
  explain.set_partner_id(kCompany);
  const char* kSuggest = "SuggestPartners";
  return {
      Bad(kSuggest, "actor_id", SuggestPartners, suggest,
          [](auto* r) { r->set_actor_id(LongId()); }),
      Bad(kSuggest, "limit", SuggestPartners, suggest,
          [](auto* r) { r->set_limit(Limits::kSuggestionsMax + 1); }),
      Bad(kSuggest, "kinds", SuggestPartners, suggest,
          [](auto* r) {
            for (int i = 0; i <= Limits::kKindsMax; ++i) {
              r->add_kinds(v1::ACTOR_KIND_COMPANY);
            }
          }),
      Bad(kSuggest, "kinds[0]", SuggestPartners, suggest,
          [](auto* r) {
            r->add_kinds(static_cast<v1::ActorKind>(kUndeclared));
          }),
      Bad(kSuggest, "categories", SuggestPartners, suggest,
          [](auto* r) {
            for (int i = 0; i <= Limits::kCategoriesMax; ++i) {
              r->add_categories(v1::PARTNERSHIP_CATEGORY_MECENAT);
            }
          }),
      Bad(kSuggest, "categories[0]", SuggestPartners, suggest,
          [](auto* r) {
            r->add_categories(
                static_cast<v1::PartnershipCategory>(kUndeclared));
          }),
      Bad(kSuggest, "themes", SuggestPartners, suggest,
          [](auto* r) {
            for (int i = 0; i <= Limits::kThemesMax; ++i)
              r->add_themes("youth");
          }),
      Bad(kSuggest, "themes[0]", SuggestPartners, suggest,
          [](auto* r) { r->add_themes(LongCode()); }),
      Bad(kSuggest, "scope.code", SuggestPartners, suggest,
          [](auto* r) {
            *r->mutable_scope() = Departement94();
            r->mutable_scope()->set_code(LongTerritoryCode());
          }),
      Bad(kSuggest, "min_score", SuggestPartners, suggest,
          [](auto* r) {
            r->set_min_score(std::numeric_limits<double>::quiet_NaN());
          }),
      Bad(kSuggest, "weights.proximity", SuggestPartners, suggest,
          [](auto* r) { r->mutable_weights()->set_proximity(2); }),
      Bad(kSuggest, "weights.complementarity", SuggestPartners, suggest,
          [](auto* r) { r->mutable_weights()->set_complementarity(1e300); }),
      Bad(kSuggest, "weights.similar_success", SuggestPartners, suggest,
          [](auto* r) {
            r->mutable_weights()->set_similar_success(
                std::numeric_limits<double>::quiet_NaN());
          }),
      Bad(kSuggest, "weights", SuggestPartners, suggest,
          [](auto* r) {  // no fit, no score
            r->mutable_weights()->set_complementarity(0);
            r->mutable_weights()->set_shared_themes(0);
          }),
      Bad(kSuggest, "requested_by", SuggestPartners, suggest,  // issue 18: 1 MB
          [](auto* r) { r->set_requested_by(Long(1 << 20)); }),
      Bad(kSuggest, "requested_by", SuggestPartners, suggest,
          [](auto* r) { r->set_requested_by("animatrice\n@lab"); }),
      Bad(kSuggest, "view", SuggestPartners, suggest,
          [](auto* r) {
            r->set_view(static_cast<v1::SuggestionView>(kUndeclared));
          }),
      Bad("ExplainMatch", "actor_id", ExplainMatch, explain,
          [](auto* r) { r->set_actor_id(LongId()); }),
      Bad("ExplainMatch", "partner_id", ExplainMatch, explain,
          [](auto* r) { r->set_partner_id(LongId()); }),
      Bad("ExplainMatch", "weights.shared_themes", ExplainMatch, explain,
          [](auto* r) { r->mutable_weights()->set_shared_themes(-1); }),
  };
}

Outcome Coalition(Maillage& m, const v1::SuggestCoalitionRequest& r) {
  return Of(m.matching().SuggestCoalition(r, auth::Principal::System()));
}
Outcome Panel(Maillage& m, const v1::SuggestDialoguePanelRequest& r) {
  return Of(m.matching().SuggestDialoguePanel(r, auth::Principal::System()));
}
Outcome ForTerritory(Maillage& m, const v1::SuggestForTerritoryRequest& r) {
  return Of(m.matching().SuggestForTerritory(r, auth::Principal::System()));
}

std::vector<Case> CollectiveCases() {
  v1::SuggestCoalitionRequest coalition;
  *coalition.mutable_territory() = Departement94();
  coalition.add_themes("youth");
  v1::SuggestDialoguePanelRequest panel;
  *panel.mutable_territory() = Departement94();
  panel.add_themes("youth");
  v1::SuggestForTerritoryRequest fair;
  *fair.mutable_territory() = Departement94();
  const char* kCoalition = "SuggestCoalition";
  const char* kPanel = "SuggestDialoguePanel";
  const char* kFair = "SuggestForTerritory";
  return {
      Bad(kCoalition, "territory.code", Coalition, coalition,
          [](auto* r) {
            r->mutable_territory()->set_code(LongTerritoryCode());
          }),
      Bad(kCoalition, "themes[0]", Coalition, coalition,
          [](auto* r) { r->set_themes(0, LongCode()); }),
      Bad(kCoalition, "themes", Coalition, coalition,
          [](auto* r) {
            for (const char* t :
                 {"health", "housing", "mobility", "sport", "energy",
                  "culture_heritage", "disability", "gender_equality"}) {
              r->add_themes(t);
            }
          }),
      Bad(kCoalition, "theme_weights", Coalition, coalition,
          [](auto* r) {
            r->add_theme_weights(1);
            r->add_theme_weights(2);
          }),
      Bad(kCoalition, "theme_weights[0]", Coalition, coalition,
          [](auto* r) { r->add_theme_weights(-1); }),
      Bad(kCoalition, "anchor_id", Coalition, coalition,
          [](auto* r) { r->set_anchor_id(LongId()); }),
      Bad(kCoalition, "fragility_id", Coalition, coalition,
          [](auto* r) { r->set_fragility_id(LongId()); }),
      Bad(kCoalition, "needed_resources", Coalition, coalition,
          [](auto* r) {
            for (int i = 0; i <= Limits::kResourcesMax; ++i) {
              r->add_needed_resources("funding");
            }
          }),
      Bad(kCoalition, "needed_resources[0]", Coalition, coalition,
          [](auto* r) { r->add_needed_resources(LongCode()); }),
      Bad(kCoalition, "min_size", Coalition, coalition,
          [](auto* r) { r->set_min_size(-1); }),
      Bad(kCoalition, "max_size", Coalition, coalition,
          [](auto* r) { r->set_max_size(Limits::kCoalitionSizeMax + 1); }),
      Bad(kCoalition, "required_kinds", Coalition, coalition,
          [](auto* r) {
            for (int i = 0; i <= Limits::kKindsMax; ++i) {
              r->add_required_kinds(v1::ACTOR_KIND_COMPANY);
            }
          }),
      Bad(kCoalition, "required_kinds[0]", Coalition, coalition,
          [](auto* r) {
            r->add_required_kinds(static_cast<v1::ActorKind>(kUndeclared));
          }),
      Bad(kCoalition, "alternatives", Coalition, coalition,
          [](auto* r) { r->set_alternatives(Limits::kAlternativesMax + 1); }),
      Bad(kPanel, "territory.code", Panel, panel,
          [](auto* r) {
            r->mutable_territory()->set_code(LongTerritoryCode());
          }),
      Bad(kPanel, "themes", Panel, panel,
          [](auto* r) {
            for (int i = 0; i <= Limits::kThemesMax; ++i)
              r->add_themes("youth");
          }),
      Bad(kPanel, "themes[1]", Panel, panel,
          [](auto* r) { r->add_themes(LongCode()); }),
      Bad(kPanel, "size", Panel, panel,
          [](auto* r) { r->set_size(Limits::kPanelSizeMax + 1); }),
      Bad(kFair, "territory.code", ForTerritory, fair,
          [](auto* r) {
            r->mutable_territory()->set_code(LongTerritoryCode());
          }),
      Bad(kFair, "per_actor", ForTerritory, fair,
          [](auto* r) { r->set_per_actor(Limits::kPerActorMax + 1); }),
      Bad(kFair, "partner_kinds", ForTerritory, fair,
          [](auto* r) {
            for (int i = 0; i <= Limits::kKindsMax; ++i) {
              r->add_partner_kinds(v1::ACTOR_KIND_COMPANY);
            }
          }),
      Bad(kFair, "partner_kinds[0]", ForTerritory, fair,
          [](auto* r) {
            r->add_partner_kinds(static_cast<v1::ActorKind>(kUndeclared));
          }),
      Bad(kFair, "min_score", ForTerritory, fair,
          [](auto* r) { r->set_min_score(-1); }),
      Bad(kFair, "candidates", ForTerritory, fair,
          [](auto* r) { r->set_candidates(Limits::kCandidatesMax + 1); }),
  };
}

Outcome GetSuggestion(Maillage& m, const v1::GetSuggestionRequest& r) {
  return Of(m.lifecycle().GetSuggestion(r, auth::Principal::System()));
}
Outcome ListSuggestions(Maillage& m, const v1::ListSuggestionsRequest& r) {
  return Of(m.lifecycle().ListSuggestions(r, auth::Principal::System()));
}
Outcome UpdateSuggestion(Maillage& m, const v1::UpdateSuggestionRequest& r) {
  return Of(m.lifecycle().UpdateSuggestion(r, auth::Principal::System()));
}
// UpdateSuggestion of the suggestion recorded for the association (its
// meeting's outcome is recorded: it can become a partnership).
Outcome UpdateRecordedSuggestion(Maillage& m, v1::UpdateSuggestionRequest r) {
  v1::ListSuggestionsRequest list;
  list.set_actor_id(kAssociation);
  auto recorded =
      m.lifecycle().ListSuggestions(list, auth::Principal::System());
  if (!recorded.ok() || recorded->suggestions_size() == 0) {
    return Of(absl::InternalError("no suggestion recorded"));
  }
  r.set_id(recorded->suggestions(0).id());
  return UpdateSuggestion(m, r);
}

std::vector<Case> SuggestionCases() {
  v1::GetSuggestionRequest get;
  v1::ListSuggestionsRequest list;
  v1::UpdateSuggestionRequest update;
  update.set_id("s-0");
  update.set_state(v1::SUGGESTION_STATE_KEPT);
  v1::UpdateSuggestionRequest form;
  form.set_state(v1::SUGGESTION_STATE_PARTNERSHIP_FORMED);
  const char* kUpdate = "UpdateSuggestion";
  return {
      Bad("GetSuggestion", "id", GetSuggestion, get,
          [](auto* r) { r->set_id(LongId()); }),
      Bad("ListSuggestions", "actor_id", ListSuggestions, list,
          [](auto* r) { r->set_actor_id(LongId()); }),
      Bad("ListSuggestions", "territory.code", ListSuggestions, list,
          [](auto* r) {
            *r->mutable_territory() = Departement94();
            r->mutable_territory()->set_code(LongTerritoryCode());
          }),
      Bad("ListSuggestions", "state", ListSuggestions, list,
          [](auto* r) {
            r->set_state(static_cast<v1::SuggestionState>(kUndeclared));
          }),
      Bad("ListSuggestions", "page_size", ListSuggestions, list,
          [](auto* r) { r->set_page_size(-1); }),
      Bad("ListSuggestions", "page_token", ListSuggestions, list,
          [](auto* r) { r->set_page_token(LongToken()); }),
      Bad(kUpdate, "id", UpdateSuggestion, update,
          [](auto* r) { r->set_id(LongId()); }),
      Bad(kUpdate, "state", UpdateSuggestion, update,
          [](auto* r) {
            r->set_state(static_cast<v1::SuggestionState>(kUndeclared));
          }),
      Bad(kUpdate, "outcome", UpdateSuggestion, update,
          [](auto* r) {
            r->set_state(v1::SUGGESTION_STATE_OUTCOME_RECORDED);
            r->set_outcome(static_cast<v1::MeetingOutcome>(kUndeclared));
          }),
      Bad(kUpdate, "reason", UpdateSuggestion, update,
          [](auto* r) { r->set_reason(Long(Limits::kShortTextMax + 1)); }),
      Bad(kUpdate, "performed_by", UpdateSuggestion, update,
          [](auto* r) { r->set_performed_by(Long(1 << 20)); }),
      Bad(kUpdate, "etag", UpdateSuggestion, update,
          [](auto* r) { r->set_etag(LongEtag()); }),
      Bad(kUpdate, "request_id", UpdateSuggestion, update,
          [](auto* r) { r->set_request_id(LongId()); }),
      Bad(kUpdate, "partnership.participants[0]", UpdateRecordedSuggestion,
          form,
          [](auto* r) {
            r->mutable_partnership()->add_participants(LongId());
            r->mutable_partnership()->add_participants(kCompany);
          }),
      Bad(kUpdate, "partnership.description", UpdateRecordedSuggestion, form,
          [](auto* r) {
            r->mutable_partnership()->set_description(
                Long(Limits::kDescriptionMax + 1));
          }),
  };
}

// Field paths inside a partnership, each with a way to make it bad
// (CreatePartnership and UpdatePartnership with "partnership." prefixed,
// ImportPartnerships rows).
std::vector<std::pair<std::string, std::function<void(v1::Partnership*)>>>
PartnershipBreakers() {
  using P = v1::Partnership;
  return {
      {"participants", [](P* p) { p->mutable_participants()->RemoveLast(); }},
      {"participants",
       [](P* p) {
         for (int i = 0; i < Limits::kParticipantsMax; ++i) {
           p->add_participants("ext:t:" + std::to_string(i));
         }
       }},
      {"participants[1]", [](P* p) { p->set_participants(1, LongId()); }},
      {"category",
       [](P* p) {
         p->set_category(static_cast<v1::PartnershipCategory>(kUndeclared));
       }},
      {"modality",
       [](P* p) {
         p->set_modality(static_cast<v1::PartnershipModality>(kUndeclared));
       }},
      {"start_time", [](P* p) { p->mutable_start_time()->set_nanos(-1); }},
      {"end_time",
       [](P* p) { p->mutable_end_time()->set_seconds(int64_t{1} << 60); }},
      {"territory.code",
       [](P* p) {
         *p->mutable_territory() = Departement94();
         p->mutable_territory()->set_code(LongTerritoryCode());
       }},
      {"theme", [](P* p) { p->set_theme(LongCode()); }},
      {"description",
       [](P* p) { p->set_description(Long(Limits::kDescriptionMax + 1)); }},
      {"description", [](P* p) { p->set_description("a\x7f"); }},
  };
}

Outcome CreatePartnership(Maillage& m, const v1::CreatePartnershipRequest& r) {
  return Of(m.lifecycle().CreatePartnership(r, auth::Principal::System()));
}
Outcome UpdatePartnership(Maillage& m, const v1::UpdatePartnershipRequest& r) {
  return Of(m.lifecycle().UpdatePartnership(r, auth::Principal::System()));
}
Outcome ImportPartnerships(Maillage& m,
                           const v1::ImportPartnershipsRequest& r) {
  return Rows(m.lifecycle().ImportPartnerships(r, auth::Principal::System()));
}

std::vector<Case> PartnershipWriteCases() {
  std::vector<Case> cases;
  v1::CreatePartnershipRequest create;
  *create.mutable_partnership() = Partnership();
  create.mutable_partnership()->set_id("p-new");
  v1::UpdatePartnershipRequest update;
  *update.mutable_partnership() = Partnership();
  v1::ImportPartnershipsRequest import;
  *import.add_partnerships() = create.partnership();
  // Named, not structured bindings: the lambdas below capture them (C++20
  // for bindings; clang refuses it in C++17).
  for (const auto& entry : PartnershipBreakers()) {
    const auto& field = entry.first;
    const auto& breaker = entry.second;
    auto in_partnership = [&](auto* r) { breaker(r->mutable_partnership()); };
    cases.push_back(Bad("CreatePartnership", "partnership." + field,
                        CreatePartnership, create, in_partnership));
    cases.push_back(Bad("UpdatePartnership", "partnership." + field,
                        UpdatePartnership, update, in_partnership));
    cases.push_back(Bad("ImportPartnerships", field, ImportPartnerships, import,
                        [&](auto* r) { breaker(r->mutable_partnerships(0)); }));
  }
  cases.push_back(
      Bad("CreatePartnership", "partnership.id", CreatePartnership, create,
          [](auto* r) { r->mutable_partnership()->set_id(LongId()); }));
  cases.push_back(Bad("CreatePartnership", "partnership.source",
                      CreatePartnership, create, [](auto* r) {
                        r->mutable_partnership()->set_source(
                            Long(Limits::kSourceMax + 1));
                      }));
  cases.push_back(Bad("CreatePartnership", "request_id", CreatePartnership,
                      create, [](auto* r) { r->set_request_id(LongId()); }));
  cases.push_back(
      Bad("UpdatePartnership", "partnership.id", UpdatePartnership, update,
          [](auto* r) { r->mutable_partnership()->set_id(LongId()); }));
  cases.push_back(
      Bad("UpdatePartnership", "partnership.etag", UpdatePartnership, update,
          [](auto* r) { r->mutable_partnership()->set_etag(LongEtag()); }));
  cases.push_back(Bad("UpdatePartnership", "update_mask.paths",
                      UpdatePartnership, update, [](auto* r) {
                        for (int i = 0; i <= Limits::kMaskPathsMax; ++i) {
                          r->mutable_update_mask()->add_paths("theme");
                        }
                      }));
  cases.push_back(Bad(
      "UpdatePartnership", "update_mask.paths[0]", UpdatePartnership, update,
      [](auto* r) { r->mutable_update_mask()->add_paths(Long(1000)); }));
  cases.push_back(Bad("UpdatePartnership", "request_id", UpdatePartnership,
                      update, [](auto* r) { r->set_request_id(LongId()); }));
  cases.push_back(
      Bad("ImportPartnerships", "id", ImportPartnerships, import,
          [](auto* r) { r->mutable_partnerships(0)->set_id(LongId()); }));
  cases.push_back(Bad(
      "ImportPartnerships", "source", ImportPartnerships, import, [](auto* r) {
        r->mutable_partnerships(0)->set_source(Long(Limits::kSourceMax + 1));
      }));
  cases.push_back(Bad("ImportPartnerships", "partnerships", ImportPartnerships,
                      import, [](auto* r) {
                        for (int i = 0; i < Limits::kImportRowsMax; ++i) {
                          r->add_partnerships();
                        }
                      }));
  cases.push_back(Bad("ImportPartnerships", "first_row_number",
                      ImportPartnerships, import,
                      [](auto* r) { r->set_first_row_number(-1); }));
  return cases;
}

Outcome GetPartnership(Maillage& m, const v1::GetPartnershipRequest& r) {
  return Of(m.lifecycle().GetPartnership(r, auth::Principal::System()));
}
Outcome ListPartnerships(Maillage& m, const v1::ListPartnershipsRequest& r) {
  return Of(m.lifecycle().ListPartnerships(r, auth::Principal::System()));
}
Outcome Metrics(Maillage& m, const v1::GetTerritoryMetricsRequest& r) {
  return Of(m.lifecycle().Metrics(r, auth::Principal::System()));
}
// WatchSuggestions is a stream served by services/lifecycle_service.cc; it
// checks its request with these two core calls.
Outcome Watch(Maillage& m, const v1::WatchSuggestionsRequest& r) {
  FieldViolations violations;
  ValidationContext context{&m.registry(), &m.vocabulary(), {}};
  ValidateTerritoryRef(context, r.territory(), "territory", &violations);
  if (!violations.empty()) return Of(violations.ToStatus());
  if (r.resume_token().empty()) return Of(absl::OkStatus());
  return Of(EventLog::ParseToken(r.resume_token()));
}

std::vector<Case> RegistryCases() {
  v1::GetPartnershipRequest get;
  v1::ListPartnershipsRequest list;
  v1::GetTerritoryMetricsRequest metrics;
  *metrics.mutable_territory() = Departement94();
  v1::WatchSuggestionsRequest watch;
  *watch.mutable_territory() = Departement94();
  return {
      Bad("GetPartnership", "id", GetPartnership, get,
          [](auto* r) { r->set_id(LongId()); }),
      Bad("ListPartnerships", "actor_id", ListPartnerships, list,
          [](auto* r) { r->set_actor_id(LongId()); }),
      Bad("ListPartnerships", "territory.code", ListPartnerships, list,
          [](auto* r) {
            *r->mutable_territory() = Departement94();
            r->mutable_territory()->set_code(LongTerritoryCode());
          }),
      Bad("ListPartnerships", "page_size", ListPartnerships, list,
          [](auto* r) { r->set_page_size(-1); }),
      Bad("ListPartnerships", "page_token", ListPartnerships, list,
          [](auto* r) { r->set_page_token(LongToken()); }),
      Bad("GetTerritoryMetrics", "territory.code", Metrics, metrics,
          [](auto* r) {
            r->mutable_territory()->set_code(LongTerritoryCode());
          }),
      Bad("GetTerritoryMetrics", "start_time", Metrics, metrics,
          [](auto* r) { r->mutable_start_time()->set_nanos(2000000000); }),
      Bad("GetTerritoryMetrics", "end_time", Metrics, metrics,
          [](auto* r) {
            r->mutable_end_time()->set_seconds(-(int64_t{1} << 60));
          }),
      Bad("WatchSuggestions", "territory.code", Watch, watch,
          [](auto* r) {
            r->mutable_territory()->set_code(LongTerritoryCode());
          }),
      Bad("WatchSuggestions", "resume_token", Watch, watch,
          [](auto* r) {
            r->set_resume_token(Repeat("1", Limits::kResumeTokenMax + 1));
          }),
  };
}

std::vector<Case> AllCases() {
  std::vector<Case> all;
  for (auto cases : {ActorWriteCases(), ActorReadCases(), GeographyCases(),
                     CustomZoneCases(), FactWriteCases(), FactReadCases(),
                     PartnerCases(), CollectiveCases(), SuggestionCases(),
                     PartnershipWriteCases(), RegistryCases()}) {
    for (auto& c : cases) all.push_back(std::move(c));
  }
  return all;
}

class RequestLimitsTest : public ::testing::TestWithParam<Case> {
 protected:
  // A store with one of each record a request may name: two actors, a
  // custom zone, a fact, a partnership and a suggestion whose meeting went
  // well.
  static void SetUpTestSuite() {
    dir_ = new maillage::testing::TempDir();
    Maillage::Options options;
    options.data_dir = dir_->Sub("store");
    options.reference_dir = MAILLAGE_REFERENCE_DIR;
    options.sync_writes = false;
    auto opened = Maillage::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    maillage_ = opened->release();
    for (const v1::Actor& a : {Association(), Company()}) {
      v1::CreateActorRequest create;
      *create.mutable_actor() = a;
      ASSERT_TRUE(
          maillage_->actors().Create(create, auth::Principal::System()).ok());
    }
    v1::CreateCustomTerritoryRequest zone;
    *zone.mutable_territory() = Zone();
    ASSERT_TRUE(maillage_->territories()
                    .CreateCustom(zone, auth::Principal::System())
                    .ok());
    v1::CreateFactRequest fact;
    *fact.mutable_fact() = Fact();
    ASSERT_TRUE(maillage_->territories()
                    .CreateFact(fact, auth::Principal::System())
                    .ok());
    RecordSuggestionWithOutcome();
    v1::CreatePartnershipRequest partnership;
    *partnership.mutable_partnership() = Partnership();
    ASSERT_TRUE(maillage_->lifecycle()
                    .CreatePartnership(partnership, auth::Principal::System())
                    .ok());
  }

  static void RecordSuggestionWithOutcome() {
    v1::SuggestPartnersRequest suggest;
    suggest.set_actor_id(kAssociation);
    auto served = maillage_->matching().SuggestPartners(
        suggest, auth::Principal::System());
    ASSERT_TRUE(served.ok()) << served.status();
    ASSERT_EQ(served->suggestions_size(), 1);
    v1::UpdateSuggestionRequest move;
    move.set_id(served->suggestions(0).suggestion_id());
    for (v1::SuggestionState state :
         {v1::SUGGESTION_STATE_KEPT, v1::SUGGESTION_STATE_CONTACTED,
          v1::SUGGESTION_STATE_MEETING_HELD,
          v1::SUGGESTION_STATE_OUTCOME_RECORDED}) {
      move.set_state(state);
      if (state == v1::SUGGESTION_STATE_OUTCOME_RECORDED) {
        move.set_outcome(v1::MEETING_OUTCOME_COOPERATION_POSSIBLE);
      }
      auto moved = maillage_->lifecycle().UpdateSuggestion(
          move, auth::Principal::System());
      ASSERT_TRUE(moved.ok()) << moved.status();
    }
  }

  static void TearDownTestSuite() {
    delete maillage_;
    delete dir_;
  }

  static maillage::testing::TempDir* dir_;
  static Maillage* maillage_;
};

maillage::testing::TempDir* RequestLimitsTest::dir_ = nullptr;
Maillage* RequestLimitsTest::maillage_ = nullptr;

TEST_P(RequestLimitsTest, InvalidArgumentNamesTheField) {
  const Case& c = GetParam();
  Outcome outcome = c.call(*maillage_);
  EXPECT_EQ(outcome.code, absl::StatusCode::kInvalidArgument) << outcome.status;
  EXPECT_THAT(outcome.fields, Contains(c.field)) << outcome.status;
  EXPECT_LE(outcome.status.message().size(), ErrorBounds::kMessageBytesMax);
}

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  std::string name =
      absl::StrCat(info.param.rpc, "_", info.param.field, "_", info.index);
  for (char& ch : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(EveryRpc, RequestLimitsTest,
                         ::testing::ValuesIn(AllCases()), CaseName);

}  // namespace
}  // namespace maillage::core

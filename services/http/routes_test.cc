// Routes built from the google.api.http rules, and the JSON mapping of
// requests: what goes where, what is refused.
#include "services/http/routes.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "maillage/v1/actor.pb.h"
#include "maillage/v1/lifecycle.pb.h"
#include "maillage/v1/matching.pb.h"
#include "maillage/v1/territory.pb.h"
#include "services/http/json_mapping.h"

namespace maillage::services::http {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const RouteTable& Table() {
  static const RouteTable* table = [] {
    auto built = RouteTable::Build(
        {v1::Actor::descriptor()->file()->service(0),
         v1::Territory::descriptor()->file()->service(0),
         v1::SuggestPartnersRequest::descriptor()->file()->service(0),
         v1::Suggestion::descriptor()->file()->service(0)});
    EXPECT_TRUE(built.ok()) << built.status();
    return new RouteTable(*std::move(built));
  }();
  return *table;
}

std::string MethodOf(std::string_view verb, std::string_view path) {
  RouteLookup lookup = Table().Find(verb, path);
  return lookup.route == nullptr ? "" : lookup.route->method->name();
}

TEST(RoutesTest, FindsTheMethodOfEachPath) {
  EXPECT_EQ(MethodOf("GET", "/v1/actors/siret:12345678900011"), "GetActor");
  EXPECT_EQ(MethodOf("GET", "/v1/actors"), "ListActors");
  EXPECT_EQ(MethodOf("POST", "/v1/actors"), "CreateActor");
  EXPECT_EQ(MethodOf("PATCH", "/v1/actors/ext:demo:1"), "UpdateActor");
  EXPECT_EQ(MethodOf("DELETE", "/v1/actors/ext:demo:1"), "DeleteActor");
  EXPECT_EQ(MethodOf("GET", "/v1/actors:batchGet"), "BatchGetActors");
  // A custom verb wins over an id that happens to end like one.
  EXPECT_EQ(MethodOf("POST", "/v1/actors/ext:demo:1:suggestPartners"),
            "SuggestPartners");
  EXPECT_EQ(MethodOf("GET", "/v1/actors/ext:demo:1:explainMatch"),
            "ExplainMatch");
  EXPECT_EQ(
      MethodOf("GET",
               "/v1/territories/TERRITORY_LEVEL_DEPARTEMENT/94/diagnosis"),
      "GetTerritoryDiagnosis");
}

TEST(RoutesTest, BindsPercentDecodedPathVariables) {
  RouteLookup lookup = Table().Find("GET", "/v1/actors/ext:lab:a%2Fb%20c");
  ASSERT_NE(lookup.route, nullptr);
  ASSERT_EQ(lookup.bindings.size(), 1u);
  EXPECT_EQ(lookup.bindings[0].value, "ext:lab:a/b c");
  EXPECT_EQ(FieldPathName(*lookup.bindings[0].field), "id");
}

TEST(RoutesTest, UnknownPathIsNotFoundWrongMethodListsTheAllowedOnes) {
  RouteLookup missing = Table().Find("GET", "/v1/nothing");
  EXPECT_EQ(missing.route, nullptr);
  EXPECT_TRUE(missing.allowed_methods.empty());
  RouteLookup wrong = Table().Find("PUT", "/v1/actors/x");
  EXPECT_EQ(wrong.route, nullptr);
  EXPECT_THAT(wrong.allowed_methods, ElementsAre("DELETE", "GET", "PATCH"));
}

TEST(RoutesTest, TemplatesNamingUnknownFieldsAreRefused) {
  Route route;
  route.method = v1::Actor::descriptor()->file()->service(0)->method(0);
  absl::Status s = ParseTemplate("/v1/actors/{actor.nope}", &route);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("nope"));
}

// Decodes `query` and `body` for the route of verb + path.
absl::Status Decode(std::string_view verb, std::string_view path,
                    std::string_view query, std::string_view body,
                    google::protobuf::Message* request) {
  RouteLookup lookup = Table().Find(verb, path);
  EXPECT_NE(lookup.route, nullptr);
  if (lookup.route == nullptr) return absl::NotFoundError("no route");
  return DecodeRequest(*lookup.route, lookup.bindings, query, body, request);
}

TEST(JsonMappingTest, QueryParametersFillNestedRepeatedAndEnumFields) {
  v1::SuggestPartnersRequest r;
  ASSERT_TRUE(Decode("POST", "/v1/actors/ext:demo:1:suggestPartners", "",
                     R"({"limit": 5, "kinds": ["ACTOR_KIND_COMPANY"]})", &r)
                  .ok());
  EXPECT_EQ(r.actor_id(), "ext:demo:1");
  EXPECT_EQ(r.limit(), 5);

  v1::ListActorsRequest list;
  ASSERT_TRUE(Decode("GET", "/v1/actors",
                     "kind=ACTOR_KIND_ASSOCIATION&territory.level=TERRITORY_"
                     "LEVEL_DEPARTEMENT&territory.code=94&pageSize=20&theme="
                     "digital_inclusion",
                     "", &list)
                  .ok());
  EXPECT_EQ(list.kind(), v1::ACTOR_KIND_ASSOCIATION);
  EXPECT_EQ(list.territory().code(), "94");
  EXPECT_EQ(list.page_size(), 20);

  v1::BatchGetActorsRequest batch;
  ASSERT_TRUE(
      Decode("GET", "/v1/actors:batchGet", "ids=a&ids=b%3Ac", "", &batch).ok());
  EXPECT_THAT(batch.ids(), ElementsAre("a", "b:c"));
}

TEST(JsonMappingTest, BodyFieldPathAndQueryCombine) {
  v1::UpdateActorRequest r;
  ASSERT_TRUE(Decode("PATCH", "/v1/actors/ext:x:1",
                     "update_mask=name,themes&request_id=r1",
                     R"({"id": "ignored", "name": "Atelier"})", &r)
                  .ok());
  EXPECT_EQ(r.actor().id(), "ext:x:1");  // the path wins
  EXPECT_EQ(r.actor().name(), "Atelier");
  EXPECT_THAT(r.update_mask().paths(), ElementsAre("name", "themes"));
  EXPECT_EQ(r.request_id(), "r1");
}

TEST(JsonMappingTest, RefusesUnknownFieldsBadValuesAndMisplacedParameters) {
  v1::CreateActorRequest create;
  absl::Status unknown =
      Decode("POST", "/v1/actors", "", R"({"nmae": "x"})", &create);
  EXPECT_EQ(unknown.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(unknown.message()), HasSubstr("nmae"));

  v1::ListActorsRequest list;
  absl::Status bad_enum =
      Decode("GET", "/v1/actors", "kind=ACTOR_KIND_BANANA", "", &list);
  EXPECT_THAT(std::string(bad_enum.message()), HasSubstr("query.kind"));
  absl::Status bad_number =
      Decode("GET", "/v1/actors", "page_size=lots", "", &list);
  EXPECT_THAT(std::string(bad_number.message()), HasSubstr("query.page_size"));
  absl::Status no_such = Decode("GET", "/v1/actors", "colour=blue", "", &list);
  EXPECT_THAT(std::string(no_such.message()), HasSubstr("query.colour"));

  v1::SuggestPartnersRequest suggest;
  absl::Status query_with_body_star =
      Decode("POST", "/v1/actors/a:suggestPartners", "limit=3", "{}", &suggest);
  EXPECT_EQ(query_with_body_star.code(), absl::StatusCode::kInvalidArgument);

  v1::CreateActorRequest malformed;
  EXPECT_EQ(Decode("POST", "/v1/actors", "", "{\"name\": ", &malformed).code(),
            absl::StatusCode::kInvalidArgument);
  v1::GetActorRequest get;
  EXPECT_EQ(Decode("GET", "/v1/actors/a", "", "{}", &get).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(JsonMappingTest, GrpcCodesMapToHttpStatuses) {
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::INVALID_ARGUMENT), 400);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::UNAUTHENTICATED), 401);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::PERMISSION_DENIED), 403);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::NOT_FOUND), 404);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::ABORTED), 409);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::RESOURCE_EXHAUSTED), 429);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::UNAVAILABLE), 503);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::INTERNAL), 500);
}

}  // namespace
}  // namespace maillage::services::http

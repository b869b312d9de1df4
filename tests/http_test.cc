// The HTTP/JSON face through real HTTP against the real server: CRUD equal
// to the gRPC answers, errors as google.rpc.Status JSON with their details,
// routing errors, the deny matrix over every route, streams (NDJSON export,
// Server-Sent Events with resumption).
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "auth/api_methods_testing.h"
#include "auth/policy.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "maillage/v1/audit.grpc.pb.h"
#include "maillage/v1/lifecycle.grpc.pb.h"
#include "maillage/v1/matching.grpc.pb.h"
#include "services/http/json_mapping.h"
#include "services/http/routes.h"
#include "tests/support/credentials.h"
#include "tests/support/http_client.h"
#include "tests/support/test_server.h"

namespace maillage {
namespace {

using ::testing::AllOf;
using testing::Bearer;
using ::testing::Contains;
using ::testing::HasSubstr;
using testing::HttpCall;
using testing::HttpConnection;
using testing::HttpResponse;
using ::testing::Not;

// The JSON the HTTP face prints for `message` (what the gRPC answer becomes
// through protobuf's JSON mapping), with the face's trailing newline.
std::string Json(const google::protobuf::Message& message) {
  return services::http::ToJson(message) + "\n";
}

// The google.rpc.Status of an error body.
google::rpc::Status StatusOf(const HttpResponse& response) {
  google::rpc::Status status;
  EXPECT_TRUE(
      google::protobuf::util::JsonStringToMessage(response.body, &status).ok())
      << response.body;
  return status;
}

std::vector<std::string> ViolationFields(const google::rpc::Status& status) {
  std::vector<std::string> fields;
  for (const auto& any : status.details()) {
    google::rpc::BadRequest bad;
    if (any.UnpackTo(&bad)) {
      for (const auto& v : bad.field_violations()) fields.push_back(v.field());
    }
  }
  return fields;
}

class HttpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new testing::TestServer();
    server_->options().http.listen_address = "127.0.0.1:0";
    server_->options().http.dispatch.max_event_streams = 4;
    server_->Start();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  static int port() { return server_->server().http_port(); }
  static testing::HttpHeaders Admin() { return {Bearer(server_->admin_key())}; }
  static HttpResponse Call(std::string_view method, std::string_view target,
                           std::string_view body = "",
                           testing::HttpHeaders headers = Admin()) {
    return HttpCall(port(), method, target, body, headers);
  }

  static testing::TestServer* server_;
};
testing::TestServer* HttpTest::server_ = nullptr;

TEST_F(HttpTest, HealthAndReadiness) {
  HttpResponse health = HttpCall(port(), "GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  HttpResponse ready = HttpCall(port(), "GET", "/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_THAT(ready.body, HasSubstr("SERVING"));
}

// Create, read, update, list, delete over HTTP; each answer is the gRPC
// answer for the same record, printed by protobuf's JSON mapping.
TEST_F(HttpTest, CrudRoundTripEqualsTheGrpcAnswers) {
  v1::Actor actor = testing::SampleActor("ext:http:1", "Atelier du Val");
  std::string body = services::http::ToJson(actor);
  HttpResponse created = Call("POST", "/v1/actors", body);
  ASSERT_EQ(created.status, 200) << created.body;

  v1::Actor stored;
  {
    grpc::ClientContext context;
    v1::GetActorRequest get;
    get.set_id("ext:http:1");
    ASSERT_TRUE(server_->actors().GetActor(&context, get, &stored).ok());
  }
  HttpResponse got = Call("GET", "/v1/actors/ext:http:1");
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.body, Json(stored));
  EXPECT_EQ(got.headers["content-type"], "application/json");

  HttpResponse updated =
      Call("PATCH", "/v1/actors/ext:http:1?updateMask=name",
           R"json({"name": "Atelier du Val (Charenton)"})json");
  ASSERT_EQ(updated.status, 200) << updated.body;
  {
    grpc::ClientContext context;
    v1::GetActorRequest get;
    get.set_id("ext:http:1");
    ASSERT_TRUE(server_->actors().GetActor(&context, get, &stored).ok());
  }
  EXPECT_EQ(stored.name(), "Atelier du Val (Charenton)");
  EXPECT_EQ(updated.body, Json(stored));

  v1::ListActorsResponse listed;
  {
    grpc::ClientContext context;
    v1::ListActorsRequest list;
    list.set_theme("employment_insertion");
    list.mutable_territory()->set_level(v1::TERRITORY_LEVEL_DEPARTEMENT);
    list.mutable_territory()->set_code("94");
    ASSERT_TRUE(server_->actors().ListActors(&context, list, &listed).ok());
  }
  HttpResponse http_listed = Call(
      "GET",
      "/v1/actors?theme=employment_insertion&territory.level=TERRITORY_LEVEL_"
      "DEPARTEMENT&territory.code=94");
  ASSERT_EQ(http_listed.status, 200) << http_listed.body;
  EXPECT_EQ(http_listed.body, Json(listed));

  HttpResponse deleted = Call("DELETE", "/v1/actors/ext:http:1");
  EXPECT_EQ(deleted.status, 200);
  EXPECT_EQ(deleted.body, "{}\n");
  HttpResponse gone = Call("GET", "/v1/actors/ext:http:1");
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(StatusOf(gone).code(),
            static_cast<int>(grpc::StatusCode::NOT_FOUND));
}

// A request the core refuses: 400 with the BadRequest naming each field,
// as on gRPC.
TEST_F(HttpTest, InvalidRequestsCarryTheirFieldViolations) {
  HttpResponse bad =
      Call("POST", "/v1/actors",
           R"({"id": "ext:http:bad", "kind": "ACTOR_KIND_COMPANY", "name": "",
          "homeCommune": "99999", "needs": [{"resource": "nope"}]})");
  ASSERT_EQ(bad.status, 400) << bad.body;
  google::rpc::Status status = StatusOf(bad);
  EXPECT_EQ(status.code(),
            static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status),
              AllOf(Contains("actor.name"), Contains("actor.home_commune"),
                    Contains("actor.needs[0].resource")));
}

TEST_F(HttpTest, MalformedRequestsAreAnsweredClearly) {
  HttpResponse malformed = Call("POST", "/v1/actors", "{\"name\": ");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_THAT(ViolationFields(StatusOf(malformed)), Contains("body"));

  HttpResponse wrong_type = Call("POST", "/v1/actors", R"({"capacity": "x"})");
  EXPECT_EQ(wrong_type.status, 400);
  EXPECT_THAT(StatusOf(wrong_type).message(), HasSubstr("capacity"));

  HttpResponse unknown_field = Call("POST", "/v1/actors", R"({"nmae": "x"})");
  EXPECT_EQ(unknown_field.status, 400);
  EXPECT_THAT(StatusOf(unknown_field).message(), HasSubstr("nmae"));

  HttpResponse bad_query = Call("GET", "/v1/actors?kind=ACTOR_KIND_BANANA");
  EXPECT_EQ(bad_query.status, 400);
  EXPECT_THAT(ViolationFields(StatusOf(bad_query)), Contains("query.kind"));

  HttpResponse no_route = Call("GET", "/v1/nothing/here");
  EXPECT_EQ(no_route.status, 404);
  EXPECT_THAT(StatusOf(no_route).message(), HasSubstr("no route"));

  HttpResponse wrong_method = Call("PUT", "/v1/actors/x");
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(wrong_method.headers["allow"], "DELETE, GET, PATCH");

  HttpResponse anonymous = HttpCall(port(), "GET", "/v1/actors/x");
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(anonymous.headers["www-authenticate"], "Bearer");
  HttpResponse not_bearer = HttpCall(port(), "GET", "/v1/actors/x", "",
                                     {{"Authorization", "Basic x"}});
  EXPECT_EQ(not_bearer.status, 401);
}

// A client that waits for "100 Continue" before its body (curl does above
// 1 KiB) gets it at once.
TEST_F(HttpTest, ExpectContinueIsAnswered) {
  HttpConnection c(port());
  const std::string body = services::http::ToJson(
      testing::SampleActor("ext:http:continue", "Atelier"));
  ASSERT_TRUE(c.SendRaw(absl::StrCat(
      "POST /v1/actors HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ",
      server_->admin_key(), "\r\nExpect: 100-continue\r\nContent-Length: ",
      body.size(), "\r\n\r\n")));
  HttpResponse interim = c.ReadHead();
  EXPECT_EQ(interim.status, 100);
  ASSERT_TRUE(c.SendRaw(body));
  HttpResponse created = c.ReadResponse();
  EXPECT_EQ(created.status, 200) << created.body;
}

// The audit trail records an HTTP call like a gRPC one, with the HTTP
// client's address.
TEST_F(HttpTest, CallsAreAuditedWithTheHttpClientsAddress) {
  HttpResponse created = Call(
      "POST", "/v1/actors",
      services::http::ToJson(testing::SampleActor("ext:http:audit", "Audité")));
  ASSERT_EQ(created.status, 200) << created.body;
  // The trail is written in the background (every 100 ms).
  HttpResponse entries;
  for (int attempt = 0; attempt < 100; ++attempt) {
    entries = Call("GET", "/v1/admin/auditEntries?actorId=ext:http:audit");
    ASSERT_EQ(entries.status, 200) << entries.body;
    if (entries.body.find("CreateActor") != std::string::npos) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_THAT(entries.body, HasSubstr("\"method\":\"CreateActor\""));
  EXPECT_THAT(entries.body, HasSubstr("\"peer\":\"http:ipv4:127.0.0.1:"));
}

// A network client cannot pass itself off as an HTTP client: the address
// metadata counts only with the process's own token.
TEST_F(HttpTest, TheHttpPeerCannotBeForgedOverGrpc) {
  {
    grpc::ClientContext context;
    context.AddMetadata("x-maillage-http-peer", "forged 203.0.113.9:1");
    v1::CreateActorRequest create;
    *create.mutable_actor() = testing::SampleActor("ext:http:forged", "Forgé");
    v1::Actor created;
    ASSERT_TRUE(server_->actors().CreateActor(&context, create, &created).ok());
  }
  HttpResponse entries;
  for (int attempt = 0; attempt < 100; ++attempt) {
    entries = Call("GET", "/v1/admin/auditEntries?actorId=ext:http:forged");
    ASSERT_EQ(entries.status, 200) << entries.body;
    if (entries.body.find("CreateActor") != std::string::npos) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_THAT(entries.body, HasSubstr("\"peer\":\"ipv4:127.0.0.1:"));
  EXPECT_THAT(entries.body, Not(HasSubstr("203.0.113.9")));
}

// A path for `route` with every variable filled: enums with their first
// declared value, numbers with 1 (backup ids), strings with "x".
std::string PathOf(const services::http::Route& route) {
  std::string path;
  for (const auto& segment : route.segments) {
    path += "/";
    if (segment.field.empty()) {
      path += segment.literal;
    } else if (const auto* e = segment.field.back()->enum_type()) {
      path += e->value(1)->name();
    } else if (segment.field.back()->cpp_type() !=
               google::protobuf::FieldDescriptor::CPPTYPE_STRING) {
      path += "1";
    } else {
      path += "x";
    }
  }
  if (!route.verb.empty()) path += ":" + route.verb;
  return path;
}

std::vector<services::http::Route> ApiRoutes() {
  std::set<const google::protobuf::ServiceDescriptor*> services;
  for (const auto* method : auth::testing::ApiMethods()) {
    if (method->service()->file()->package() == "maillage.v1") {
      services.insert(method->service());
    }
  }
  auto table =
      services::http::RouteTable::Build({services.begin(), services.end()});
  EXPECT_TRUE(table.ok()) << table.status();
  return table.ok() ? table->routes() : std::vector<services::http::Route>();
}

// The deny matrix of access_test, over HTTP: every route, every role. A role
// the rule table does not list gets 403 naming the role and the method; a
// role it lists gets past authorisation; no credentials get 401.
TEST_F(HttpTest, DenyMatrixOverEveryRouteAndRole) {
  const std::map<std::string, testing::KeySpec> roles = {
      {"reader", {"reader", {"departement:94"}, "default", ""}},
      {"partner", {"partner", {"departement:94"}, "default", "benevolat"}},
      {"animator", {"animator", {"departement:94"}, "lab-94", ""}},
      {"importer", {"importer", {"departement:94"}, "default", ""}},
      {"admin", {"admin", {}, "default", ""}},
  };
  std::map<std::string, std::string> tokens;
  for (const auto& [name, spec] : roles) {
    tokens[name] = testing::CreateKey(server_->channel(), spec);
  }
  int cells = 0;
  for (const services::http::Route& route : ApiRoutes()) {
    const auth::MethodRule* rule = auth::FindRule(route.method->name());
    ASSERT_NE(rule, nullptr) << route.method->full_name();
    const std::string path = PathOf(route);
    const std::string body =
        route.http_method == "GET" || route.http_method == "DELETE" ? "" : "{}";
    HttpResponse anonymous = HttpCall(port(), route.http_method, path, body);
    EXPECT_EQ(anonymous.status, 401) << route.http_method << " " << path;
    for (const auto& [name, token] : tokens) {
      auth::Role role = *auth::ParseRole(name);
      bool allowed = (rule->roles & (1u << static_cast<unsigned>(role))) != 0;
      HttpResponse r =
          HttpCall(port(), route.http_method, path, body, {Bearer(token)});
      ++cells;
      SCOPED_TRACE(absl::StrCat(route.http_method, " ", path, " as ", name,
                                ": ", r.status, " ", r.body));
      ASSERT_NE(r.status, 0);
      if (allowed) {
        EXPECT_NE(r.status, 401);
        EXPECT_THAT(r.body, Not(HasSubstr("may not call")));
      } else {
        EXPECT_EQ(r.status, 403);
        EXPECT_THAT(r.body, HasSubstr("\\\"" + name + "\\\" may not call " +
                                      route.method->name()));
      }
    }
  }
  EXPECT_GE(cells, 5 * 40);
}

}  // namespace
}  // namespace maillage

// Who may call what, through the real server: every RPC of the public API,
// for every role, without credentials and with bad ones (the deny matrix),
// then what scopes and workspaces let each role see and change.
#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "auth/api_key.h"
#include "auth/api_methods_testing.h"
#include "auth/jwt.h"
#include "auth/jwt_testing.h"
#include "auth/policy.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "maillage/v1/actor.grpc.pb.h"
#include "maillage/v1/admin.grpc.pb.h"
#include "maillage/v1/audit.grpc.pb.h"
#include "maillage/v1/lifecycle.grpc.pb.h"
#include "maillage/v1/matching.grpc.pb.h"
#include "maillage/v1/territory.grpc.pb.h"
#include "tests/support/credentials.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

namespace maillage {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

using auth::testing::ApiMethods;

// One request message sent to any method (unary or streaming: on the wire
// both are a stream of messages), reading whatever comes back; the call's
// final status.
class OneMessageCall final
    : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  OneMessageCall(grpc::GenericStub* stub, const std::string& method,
                 const std::string& request) {
    // Watching never ends by itself: a short deadline ends it.
    context_.set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(3));
    grpc::Slice slice(request);
    request_ = grpc::ByteBuffer(&slice, 1);
    stub->PrepareBidiStreamingCall(&context_, method, grpc::StubOptions(),
                                   this);
    StartWriteLast(&request_, grpc::WriteOptions());
    StartRead(&response_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (ok) StartRead(&response_);
  }
  void OnDone(const grpc::Status& status) override {
    std::lock_guard lock(mu_);
    status_ = status;
    done_ = true;
    cv_.notify_all();
  }
  grpc::Status Await() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return done_; });
    return status_;
  }

 private:
  grpc::ClientContext context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  grpc::Status status_;
};

grpc::Status CallWithEmptyRequest(
    grpc::Channel* channel, const google::protobuf::MethodDescriptor& method) {
  grpc::GenericStub stub(
      std::shared_ptr<grpc::Channel>(channel, [](grpc::Channel*) {}));
  std::string path = "/" + method.service()->full_name() + "/" + method.name();
  OneMessageCall call(&stub, path, "");
  return call.Await();
}

class AccessTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new testing::TestServer();
    server_->Start();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  std::shared_ptr<grpc::Channel> As(const testing::KeySpec& spec) {
    return testing::ChannelWithToken(
        server_->target(), testing::CreateKey(server_->channel(), spec));
  }

  static testing::TestServer* server_;
};
testing::TestServer* AccessTest::server_ = nullptr;

// Every RPC, every role: a role the rule table does not list gets
// PERMISSION_DENIED naming the role and the method, whatever the request; a
// role it lists gets past authorisation (then the empty request may well be
// refused as invalid, or not found).
TEST_F(AccessTest, DenyMatrixOverEveryRpcAndRole) {
  const std::map<std::string, testing::KeySpec> roles = {
      {"reader", {"reader", {"departement:94"}, "default", ""}},
      {"partner", {"partner", {"departement:94"}, "default", "benevolat"}},
      {"animator", {"animator", {"departement:94"}, "lab-94", ""}},
      {"importer", {"importer", {"departement:94"}, "default", ""}},
      {"admin", {"admin", {}, "default", ""}},
  };
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels;
  for (const auto& [name, spec] : roles) channels[name] = As(spec);

  int cells = 0;
  for (const auto* method : ApiMethods()) {
    const auth::MethodRule* rule = auth::FindRule(method->name());
    ASSERT_NE(rule, nullptr) << method->full_name();
    for (const auto& [name, channel] : channels) {
      auth::Role role = *auth::ParseRole(name);
      bool allowed = (rule->roles & (1u << static_cast<unsigned>(role))) != 0;
      grpc::Status status = CallWithEmptyRequest(channel.get(), *method);
      ++cells;
      SCOPED_TRACE(method->full_name() + " as " + name + ": " +
                   std::to_string(status.error_code()) + " " +
                   status.error_message());
      if (allowed) {
        EXPECT_NE(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
        EXPECT_THAT(status.error_message(), Not(HasSubstr("may not call")));
      } else {
        EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
        EXPECT_THAT(
            status.error_message(),
            HasSubstr("\"" + name + "\" may not call " + method->name()));
      }
    }
  }
  EXPECT_GE(cells, 5 * 40);
}

// Without credentials, or with credentials that do not verify, nothing is
// answered but UNAUTHENTICATED, on every RPC.
TEST_F(AccessTest, EveryRpcRefusesMissingOrBadCredentials) {
  auto anonymous = testing::ChannelWithToken(server_->target(), "");
  std::string key = server_->admin_key();
  std::string forged =
      key.substr(0, key.size() - 1) + (key.back() == 'A' ? "B" : "A");
  auto bad_key = testing::ChannelWithToken(server_->target(), forged);
  auto unknown = testing::ChannelWithToken(
      server_->target(), "mlg_0123456789abcdef_" + std::string(43, 'A'));
  auto not_a_key = testing::ChannelWithToken(server_->target(), "hello");
  for (const auto* method : ApiMethods()) {
    for (auto* channel :
         {anonymous.get(), bad_key.get(), unknown.get(), not_a_key.get()}) {
      grpc::Status status = CallWithEmptyRequest(channel, *method);
      EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
          << method->full_name() << ": " << status.error_message();
      EXPECT_THAT(status.error_message(), Not(HasSubstr(forged)));
    }
  }
}

// A revoked key stops working at once; the health service (for load
// balancers) stays open to all.
TEST_F(AccessTest, RevokedKeyIsRefusedAtOnce) {
  auto admin = v1::AdminService::NewStub(server_->channel());
  v1::CreateApiKeyRequest create;
  create.set_label("soon revoked");
  create.set_role("reader");
  create.set_all_territories(true);
  v1::CreateApiKeyResponse created;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(admin->CreateApiKey(&context, create, &created).ok());
  }
  auto reader = v1::TerritoryService::NewStub(
      testing::ChannelWithToken(server_->target(), created.secret()));
  v1::ResolvePostalCodeRequest resolve;
  resolve.set_postal_code("79000");
  v1::ResolvePostalCodeResponse resolved;
  {
    grpc::ClientContext context;
    grpc::Status s = reader->ResolvePostalCode(&context, resolve, &resolved);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  v1::RevokeApiKeyRequest revoke;
  revoke.set_id(created.key().id());
  v1::ApiKey revoked;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(admin->RevokeApiKey(&context, revoke, &revoked).ok());
  }
  grpc::ClientContext context;
  EXPECT_EQ(
      reader->ResolvePostalCode(&context, resolve, &resolved).error_code(),
      grpc::StatusCode::UNAUTHENTICATED);
}

// What scopes and workspaces let each role see and change, through the
// server, on real actors: a company and an association in Niort (79191,
// Deux-Sèvres) and a company in Charenton-le-Pont (94018, Val-de-Marne).
class ScopedAccessTest : public AccessTest {
 protected:
  static v1::Actor In(const std::string& id, const std::string& commune,
                      v1::ActorKind kind) {
    v1::Actor a = testing::SampleActor(id, "Acteur " + id);
    a.set_home_commune(commune);
    a.set_kind(kind);
    a.clear_themes();
    a.add_themes("digital_inclusion");
    auto* offer = a.add_offers();
    offer->set_resource("skills");
    offer->set_theme("digital_inclusion");
    auto* need = a.add_needs();
    need->set_resource("volunteers");
    need->set_theme("digital_inclusion");
    return a;
  }

  static grpc::Status Create(v1::ActorService::Stub& stub, const v1::Actor& a) {
    grpc::ClientContext context;
    v1::CreateActorRequest request;
    *request.mutable_actor() = a;
    v1::Actor created;
    return stub.CreateActor(&context, request, &created);
  }

  static grpc::Status Get(v1::ActorService::Stub& stub, const std::string& id,
                          v1::Actor* actor, bool full = false) {
    grpc::ClientContext context;
    v1::GetActorRequest request;
    request.set_id(id);
    if (full) request.set_view(v1::ACTOR_VIEW_FULL);
    return stub.GetActor(&context, request, actor);
  }
};

TEST_F(ScopedAccessTest, ScopesAndWorkspacesThroughTheServer) {
  auto admin = v1::ActorService::NewStub(server_->channel());
  for (const v1::Actor& a :
       {In("siret:79000000000011", "79191", v1::ACTOR_KIND_COMPANY),
        In("rna:W790000011", "79191", v1::ACTOR_KIND_ASSOCIATION),
        In("siret:94000000000011", "94018", v1::ACTOR_KIND_COMPANY)}) {
    grpc::Status s = Create(*admin, a);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  auto stub = [&](const testing::KeySpec& spec) {
    return v1::ActorService::NewStub(As(spec));
  };
  auto reader = stub({"reader", {"departement:79"}, "default", ""});
  auto importer = stub({"importer", {"departement:79"}, "default", ""});
  auto partner = stub({"partner", {"departement:79"}, "default", "benevolat"});
  auto team_a_channel = As({"animator", {"departement:79"}, "team-a", ""});
  auto team_b_channel = As({"animator", {"departement:79"}, "team-b", ""});
  auto team_a = v1::ActorService::NewStub(team_a_channel);
  auto team_b = v1::ActorService::NewStub(team_b_channel);

  // Reads: outside the scope is NOT_FOUND, exactly like a missing id.
  v1::Actor actor;
  EXPECT_TRUE(Get(*reader, "siret:79000000000011", &actor).ok());
  EXPECT_EQ(Get(*reader, "siret:94000000000011", &actor).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Get(*reader, "siret:00000000000000", &actor).error_code(),
            grpc::StatusCode::NOT_FOUND);
  {
    grpc::ClientContext context;
    v1::ListActorsRequest list;
    list.set_page_size(100);
    v1::ListActorsResponse listed;
    ASSERT_TRUE(reader->ListActors(&context, list, &listed).ok());
    std::vector<std::string> ids;
    for (const auto& a : listed.actors()) ids.push_back(a.home_commune());
    EXPECT_THAT(ids, ::testing::Each("79191"));
    EXPECT_EQ(listed.actors_size(), 2);
  }

  // Writes: inside the scope, in the partner's namespace only.
  EXPECT_TRUE(Create(*importer, In("siret:79000000000029", "79191",
                                   v1::ACTOR_KIND_COMPANY))
                  .ok());
  EXPECT_EQ(Create(*importer,
                   In("siret:94000000000029", "94018", v1::ACTOR_KIND_COMPANY))
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(Create(*partner,
                     In("ext:benevolat:1", "79191", v1::ACTOR_KIND_ASSOCIATION))
                  .ok());
  EXPECT_EQ(
      Create(*partner, In("ext:other:1", "79191", v1::ACTOR_KIND_ASSOCIATION))
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Create(*reader,
                   In("siret:79000000000037", "79191", v1::ACTOR_KIND_COMPANY))
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // Contacts belong to the workspace that wrote them.
  {
    grpc::ClientContext context;
    v1::UpdateActorRequest update;
    update.mutable_actor()->set_id("rna:W790000011");
    auto* contact = update.mutable_actor()->add_contacts();
    contact->set_name("Alice Martin");
    contact->set_email("alice@example.org");
    update.mutable_update_mask()->add_paths("contacts");
    v1::Actor updated;
    grpc::Status s = team_a->UpdateActor(&context, update, &updated);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  ASSERT_TRUE(Get(*team_a, "rna:W790000011", &actor, true).ok());
  EXPECT_EQ(actor.contacts_size(), 1);
  ASSERT_TRUE(Get(*team_b, "rna:W790000011", &actor, true).ok());
  EXPECT_EQ(actor.contacts_size(), 0);
  ASSERT_TRUE(Get(*reader, "rna:W790000011", &actor, true).ok());
  EXPECT_EQ(actor.contacts_size(), 0);

  // Suggestions: team A's pipeline is invisible to team B; partners
  // proposed are inside the scope.
  auto match_a = v1::MatchService::NewStub(team_a_channel);
  v1::SuggestPartnersResponse served;
  {
    grpc::ClientContext context;
    v1::SuggestPartnersRequest suggest;
    suggest.set_actor_id("rna:W790000011");
    suggest.set_limit(10);
    suggest.set_requested_by("admin@prefecture.gouv.fr");
    grpc::Status s = match_a->SuggestPartners(&context, suggest, &served);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  ASSERT_GE(served.suggestions_size(), 1);
  for (const auto& suggestion : served.suggestions()) {
    EXPECT_NE(suggestion.partner_id(), "siret:94000000000011");
  }
  auto life_a = v1::LifecycleService::NewStub(team_a_channel);
  auto life_b = v1::LifecycleService::NewStub(team_b_channel);
  v1::GetSuggestionRequest get;
  get.set_id(served.suggestions(0).suggestion_id());
  v1::Suggestion suggestion;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(life_a->GetSuggestion(&context, get, &suggestion).ok());
  }
  // Who asked comes from the key, never from the request.
  EXPECT_THAT(suggestion.requested_by(), ::testing::StartsWith("key:"));
  EXPECT_EQ(suggestion.requested_by_note(), "admin@prefecture.gouv.fr");
  {
    grpc::ClientContext context;
    EXPECT_EQ(life_b->GetSuggestion(&context, get, &suggestion).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  {
    grpc::ClientContext context;
    v1::ListSuggestionsRequest list;
    list.set_actor_id("rna:W790000011");
    v1::ListSuggestionsResponse listed;
    ASSERT_TRUE(life_b->ListSuggestions(&context, list, &listed).ok());
    EXPECT_EQ(listed.suggestions_size(), 0);
  }
}

// Bearer JWTs of an OpenID Connect provider, end to end: the server verifies
// them against the provider's JWKS and grants what the claim rules say.
TEST(OidcAccessTest, TokensFromTheProviderAreVerifiedAndMapped) {
  testing::TempDir dir;
  auto key = auth::testing::TestKey::Rsa("k1");
  auth::testing::ReplaceFile(dir.Sub("jwks.json"),
                             auth::testing::Jwks({key.get()}));
  auth::testing::ReplaceFile(dir.Sub("rules.json"), R"({"rules": [
      {"name": "CD79", "when": {"claims": {"siret": "22790001500018"}},
       "grant": {"role": "animator", "territories": ["departement:79"],
                 "workspace": "cd79"}}]})");
  auth::JwtAuthenticator::Options options;
  options.issuer = "https://idp.example.fr/realms/maillage";
  options.audience = "maillage";
  options.jwks_path = dir.Sub("jwks.json");
  options.rules_path = dir.Sub("rules.json");
  auto jwt = auth::JwtAuthenticator::Create(options);
  ASSERT_TRUE(jwt.ok()) << jwt.status();
  testing::TestServer server;
  server.options().jwt = jwt->get();
  server.Start();

  int64_t now = absl::ToUnixSeconds(absl::Now());
  auto token = [&](int64_t exp, const std::string& siret) {
    return auth::testing::SignedToken(
        *key, R"({"alg":"RS256","typ":"JWT","kid":"k1"})",
        absl::StrCat(R"({"iss":"https://idp.example.fr/realms/maillage",)",
                     R"("aud":"maillage","sub":"u-42","exp":)", exp,
                     R"(,"email":"anim@cd79.fr","siret":")", siret, R"("})"));
  };
  auto call = [&](const std::string& bearer, const std::string& method) {
    auto channel = testing::ChannelWithToken(server.target(), bearer);
    const auto* descriptor =
        google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
            method);
    return CallWithEmptyRequest(channel.get(), *descriptor);
  };
  std::string good = token(now + 600, "22790001500018");
  // Past authorisation as an animator (the empty request is then invalid).
  grpc::Status allowed =
      call(good, "maillage.v1.LifecycleService.ListSuggestions");
  EXPECT_NE(allowed.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << allowed.error_message();
  EXPECT_NE(allowed.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << allowed.error_message();
  EXPECT_EQ(call(good, "maillage.v1.AdminService.ListApiKeys").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  for (const std::string& bad : {
           token(now - 600, "22790001500018"),  // expired
           token(now + 600, "00000000000000"),  // no rule grants it a role
           auth::testing::Hs256Token(key->PublicPem(),
                                     R"({"alg":"HS256","typ":"JWT"})",
                                     R"({"iss":"x","aud":"maillage"})"),
           good.substr(0, good.rfind('.') + 1),  // no signature
           std::string("eyJhbGciOiJub25lIn0.") +
               good.substr(good.find('.') + 1,
                           good.rfind('.') - good.find('.')),  // alg: none
       }) {
    grpc::Status refused =
        call(bad, "maillage.v1.LifecycleService.ListSuggestions");
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << refused.error_message();
  }
}

// Keys are never kept or logged in clear: after keys were created, used,
// mistyped and revoked, and the server stopped, neither the admin key's
// secret nor another key's appears in the server's log or in any file of its
// data folder (store, write-ahead log, digest secret).
TEST(AccessLogTest, KeysNeverInTheStoreOrTheLogs) {
  testing::TempDir dir;
  testing::ServerProcess server(
      MAILLAGE_SERVER_BINARY,
      {"--listen=127.0.0.1:0", "--data_dir=" + dir.Sub("store"),
       "--sync_writes=false"});
  ASSERT_TRUE(server.Start()) << server.error();
  std::string admin_key = server.admin_key();
  ASSERT_FALSE(admin_key.empty());
  std::string reader_key = testing::CreateKey(
      server.channel(), {"reader", {"departement:79"}, "default", ""});
  ASSERT_FALSE(reader_key.empty());
  auto reader = v1::ActorService::NewStub(
      testing::ChannelWithToken(server.target(), reader_key));
  std::string mistyped = reader_key.substr(0, reader_key.size() - 1) + "x";
  auto wrong = v1::ActorService::NewStub(
      testing::ChannelWithToken(server.target(), mistyped));
  for (auto* stub : {reader.get(), wrong.get()}) {
    grpc::ClientContext context;
    v1::GetActorRequest get;
    get.set_id("ext:none:1");
    v1::Actor actor;
    stub->GetActor(&context, get, &actor);
  }
  ASSERT_EQ(server.Signal(SIGTERM), 0);

  // The secret is base64url, which has '_' too: parse, do not split.
  auto secret_of = [](const std::string& key) {
    std::optional<auth::ApiKeyToken> token = auth::ParseApiKeyToken(key);
    EXPECT_TRUE(token.has_value()) << key;
    return token.has_value() ? token->secret : key;
  };
  std::vector<std::string> secrets = {
      secret_of(admin_key), secret_of(reader_key), secret_of(mistyped)};
  std::string log = server.output();
  EXPECT_THAT(log, HasSubstr("created one"));  // the bootstrap line
  for (const std::string& secret : secrets) {
    EXPECT_THAT(log, Not(HasSubstr(secret)));
  }
  int files = 0;
  for (const auto& file :
       std::filesystem::recursive_directory_iterator(dir.Sub("store"))) {
    if (!file.is_regular_file()) continue;
    ++files;
    std::ifstream in(file.path(), std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    for (const std::string& secret : secrets) {
      EXPECT_EQ(content.str().find(secret), std::string::npos) << file.path();
    }
  }
  EXPECT_GT(files, 3);
}

}  // namespace
}  // namespace maillage

// Server plumbing: health, reflection, restart on the same folder, errors at
// start-up.
#include <set>
#include <string>

#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "gtest/gtest.h"
#include "maillage/v1/matching.grpc.pb.h"
#include "storage/keys.h"
#include "storage/store.h"
#include "tests/support/test_server.h"

namespace maillage {
namespace {

using ::testing::IsSupersetOf;
using testing::SampleActor;

TEST(ServerTest, HealthIsServingOnceOpen) {
  testing::TestServer server;
  server.Start();
  auto health = grpc::health::v1::Health::NewStub(server.channel());
  for (const char* service : {"", "maillage.v1.ActorService"}) {
    grpc::ClientContext ctx;
    grpc::health::v1::HealthCheckRequest req;
    req.set_service(service);
    grpc::health::v1::HealthCheckResponse resp;
    ASSERT_TRUE(health->Check(&ctx, req, &resp).ok()) << service;
    EXPECT_EQ(resp.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  }
}

TEST(ServerTest, ReflectionListsAndDescribesServices) {
  testing::TestServer server;
  server.Start();
  auto reflection =
      grpc::reflection::v1alpha::ServerReflection::NewStub(server.channel());
  grpc::ClientContext ctx;
  auto stream = reflection->ServerReflectionInfo(&ctx);
  grpc::reflection::v1alpha::ServerReflectionRequest req;
  req.set_list_services("");
  ASSERT_TRUE(stream->Write(req));
  grpc::reflection::v1alpha::ServerReflectionResponse resp;
  ASSERT_TRUE(stream->Read(&resp));
  std::set<std::string> names;
  for (const auto& s : resp.list_services_response().service()) {
    names.insert(s.name());
  }
  EXPECT_THAT(names, IsSupersetOf({"maillage.v1.ActorService",
                                   "maillage.v1.TerritoryService",
                                   "grpc.health.v1.Health"}));
  // A generic client can fetch the schema of a service without .proto files.
  req.set_file_containing_symbol("maillage.v1.ActorService");
  ASSERT_TRUE(stream->Write(req));
  ASSERT_TRUE(stream->Read(&resp));
  EXPECT_GT(resp.file_descriptor_response().file_descriptor_proto_size(), 0);
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
}

TEST(ServerTest, RestartKeepsEveryActor) {
  testing::TempDir dir;
  {
    testing::TestServer server(dir.Sub("store"));
    server.Start();
    for (int i = 0; i < 200; ++i) {
      grpc::ClientContext ctx;
      v1::CreateActorRequest req;
      *req.mutable_actor() = SampleActor("ext:restart:" + std::to_string(i),
                                         "Acteur " + std::to_string(i));
      req.mutable_actor()->add_contacts()->set_name("Contact " +
                                                    std::to_string(i));
      v1::Actor out;
      ASSERT_TRUE(server.actors().CreateActor(&ctx, req, &out).ok());
    }
  }
  testing::TestServer server(dir.Sub("store"));
  server.Start();
  for (int i = 0; i < 200; ++i) {
    grpc::ClientContext ctx;
    v1::GetActorRequest req;
    req.set_id("ext:restart:" + std::to_string(i));
    v1::Actor out;
    ASSERT_TRUE(server.actors().GetActor(&ctx, req, &out).ok()) << i;
    EXPECT_EQ(out.name(), "Acteur " + std::to_string(i));
    ASSERT_EQ(out.contacts_size(), 1);
  }
  // The in-memory index was rebuilt from the records: filters see them.
  grpc::ClientContext ctx;
  v1::ListActorsRequest list;
  list.mutable_territory()->set_level(v1::TERRITORY_LEVEL_DEPARTEMENT);
  list.mutable_territory()->set_code("94");
  list.set_page_size(1000);
  v1::ListActorsResponse page;
  ASSERT_TRUE(server.actors().ListActors(&ctx, list, &page).ok());
  EXPECT_EQ(page.actors_size(), 200);
}

TEST(ServerTest, DemoTerritoryLoadsOnlyIntoAnEmptyStoreAndIsMatchable) {
  testing::TempDir dir;
  {
    testing::TestServer server(dir.Sub("store"));
    server.options().demo = true;
    server.Start();
    EXPECT_EQ(server.server().core().actors().size(), 320u);
    // A newcomer's first suggestion returns something meaningful.
    auto match = v1::MatchService::NewStub(server.channel());
    int with_suggestions = 0;
    for (int i = 1000; i < 1020; ++i) {
      grpc::ClientContext ctx;
      v1::SuggestPartnersRequest req;
      req.set_actor_id("ext:demo:" + std::to_string(i));
      v1::SuggestPartnersResponse resp;
      ASSERT_TRUE(match->SuggestPartners(&ctx, req, &resp).ok());
      if (resp.suggestions_size() > 0) ++with_suggestions;
    }
    EXPECT_GE(with_suggestions, 15);
    // Everything is labelled.
    grpc::ClientContext ctx;
    v1::GetActorRequest get;
    get.set_id("ext:demo:1000");
    v1::Actor a;
    ASSERT_TRUE(server.actors().GetActor(&ctx, get, &a).ok());
    EXPECT_NE(a.name().find("(démo)"), std::string::npos);
    EXPECT_EQ(a.source(), "demo");
  }
  // A store with actors is never touched by --demo.
  testing::TestServer server(dir.Sub("store"));
  server.options().demo = true;
  server.Start();
  grpc::ClientContext ctx;
  v1::DeleteActorRequest del;
  del.set_id("ext:demo:1000");
  google::protobuf::Empty empty;
  ASSERT_TRUE(server.actors().DeleteActor(&ctx, del, &empty).ok());
  server.Stop();
  server.Start();
  EXPECT_EQ(server.server().core().actors().size(), 319u);
}

TEST(ServerTest, RefusesStoreFromNewerSchema) {
  testing::TempDir dir;
  {
    storage::Store::Options options;
    options.path = dir.Sub("store");
    auto store = storage::Store::Open(options);
    ASSERT_TRUE(store.ok());
    storage::WriteBatch batch;
    batch.Put(storage::Family::kMeta, storage::keys::kSchemaVersion, "999");
    ASSERT_TRUE((*store)->Write(batch).ok());
  }
  services::Server::Options options;
  options.listen_address = "127.0.0.1:0";
  options.core.data_dir = dir.Sub("store");
  options.core.reference_dir = MAILLAGE_REFERENCE_DIR;
  auto server = services::Server::BuildAndStart(options);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(server.status().message().find("999"), std::string::npos);
}

TEST(ServerTest, MissingReferenceDataIsAClearError) {
  testing::TempDir dir;
  services::Server::Options options;
  options.listen_address = "127.0.0.1:0";
  options.core.data_dir = dir.Sub("store");
  options.core.reference_dir = dir.Sub("nowhere");
  auto server = services::Server::BuildAndStart(options);
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.status().message().find("nowhere"), std::string::npos)
      << server.status();
}

}  // namespace
}  // namespace maillage

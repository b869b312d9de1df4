// The findings of issue 18's hostile-client probe, through the real server:
// each oversized or undeclared value gets INVALID_ARGUMENT with a BadRequest
// naming the field, nothing is written, and the worst error still reaches a
// client with gRPC's default channel arguments (8 KB of metadata).
#include <memory>
#include <string>
#include <vector>

#include "core/testing/hostile_input.h"
#include "core/validation.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "maillage/v1/lifecycle.grpc.pb.h"
#include "maillage/v1/matching.grpc.pb.h"
#include "tests/support/credentials.h"
#include "tests/support/test_server.h"

namespace maillage {
namespace {

using testing::BadRequestFields;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::SampleActor;

class RequestLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override { server_.Start(); }

  grpc::Status Create(const v1::Actor& actor, v1::Actor* out) {
    grpc::ClientContext ctx;
    v1::CreateActorRequest req;
    *req.mutable_actor() = actor;
    return server_.actors().CreateActor(&ctx, req, out);
  }
  grpc::Status Get(const std::string& id, v1::ActorView view) {
    grpc::ClientContext ctx;
    v1::GetActorRequest req;
    req.set_id(id);
    req.set_view(view);
    v1::Actor out;
    return server_.actors().GetActor(&ctx, req, &out);
  }

  testing::TestServer server_;
};

TEST_F(RequestLimitsTest, HundredThousandAcceptedCategoriesAreRefused) {
  v1::Actor actor = SampleActor("ext:probe:1", "Sonde");
  for (int i = 0; i < 100000; ++i) {
    actor.add_accepted_categories(v1::PARTNERSHIP_CATEGORY_MECENAT);
  }
  v1::Actor out;
  grpc::Status s = Create(actor, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(BadRequestFields(s), ElementsAre("actor.accepted_categories"));
  EXPECT_EQ(Get("ext:probe:1", v1::ACTOR_VIEW_UNSPECIFIED).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(RequestLimitsTest, OneMegabyteRequestedByIsRefused) {
  v1::Actor out;
  ASSERT_TRUE(Create(SampleActor("ext:probe:1", "Sonde"), &out).ok());
  auto match = v1::MatchService::NewStub(server_.channel());
  grpc::ClientContext ctx;
  v1::SuggestPartnersRequest req;
  req.set_actor_id("ext:probe:1");
  req.set_requested_by(std::string(1 << 20, 'a'));
  v1::SuggestPartnersResponse resp;
  grpc::Status s = match->SuggestPartners(&ctx, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(BadRequestFields(s), ElementsAre("requested_by"));
  EXPECT_LE(s.error_message().size(), core::ErrorBounds::kMessageBytesMax);
}

TEST_F(RequestLimitsTest, ServerNamespaceIsTheServers) {
  v1::Actor out;
  grpc::Status s =
      Create(SampleActor("mlg:0123456789abcdef01234567", "Sonde"), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(BadRequestFields(s), ElementsAre("actor.id"));

  // Left empty, the id is assigned in that namespace, and the actor can be
  // updated under it.
  v1::Actor assigned;
  ASSERT_TRUE(Create(SampleActor("", "Sonde"), &assigned).ok());
  ASSERT_EQ(assigned.id().rfind("mlg:", 0), 0u);
  grpc::ClientContext ctx;
  v1::UpdateActorRequest update;
  *update.mutable_actor() = assigned;
  update.mutable_actor()->set_name("Sonde renommée");
  s = server_.actors().UpdateActor(&ctx, update, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.name(), "Sonde renommée");
}

TEST_F(RequestLimitsTest, UndeclaredViewIsRefused) {
  v1::Actor out;
  ASSERT_TRUE(Create(SampleActor("ext:probe:1", "Sonde"), &out).ok());
  grpc::Status s = Get("ext:probe:1", static_cast<v1::ActorView>(99));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(BadRequestFields(s), ElementsAre("view"));

  // ExportActors pages through ListActors' validation.
  grpc::ClientContext ctx;
  v1::ExportActorsRequest req;
  req.set_view(static_cast<v1::ActorView>(99));
  auto reader = server_.actors().ExportActors(&ctx, req);
  v1::ExportActorsResponse chunk;
  EXPECT_FALSE(reader->Read(&chunk));
  s = reader->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(BadRequestFields(s), ElementsAre("view"));
}

// WatchSuggestions is validated in services/ with core's checks.
TEST_F(RequestLimitsTest, WatchRefusesLongTerritoryCodesAndTokens) {
  auto life = v1::LifecycleService::NewStub(server_.channel());
  auto watch = [&](const std::string& code, const std::string& token) {
    grpc::ClientContext ctx;
    v1::WatchSuggestionsRequest req;
    req.mutable_territory()->set_level(v1::TERRITORY_LEVEL_DEPARTEMENT);
    req.mutable_territory()->set_code(code);
    req.set_resume_token(token);
    auto stream = life->WatchSuggestions(&ctx, req);
    v1::WatchEvent event;
    EXPECT_FALSE(stream->Read(&event));
    return stream->Finish();
  };
  grpc::Status s = watch(std::string(1 << 16, '9'), "");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(BadRequestFields(s), ElementsAre("territory.code"));
  s = watch("94", std::string(core::Limits::kResumeTokenMax + 1, '1'));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(BadRequestFields(s), ElementsAre("resume_token"));
}

// What the project's CLI does: a plain channel, gRPC's default arguments.
TEST_F(RequestLimitsTest, WorstActorErrorReachesADefaultClient) {
  auto channel = maillage::testing::ChannelWithToken(server_.target(),
                                                     server_.admin_key());
  auto stub = v1::ActorService::NewStub(channel);
  grpc::ClientContext ctx;
  v1::CreateActorRequest req;
  *req.mutable_actor() = core::testing::ActorWithEveryFieldBad();
  v1::Actor out;
  grpc::Status s = stub->CreateActor(&ctx, req, &out);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("invalid fields in request"));

  google::rpc::Status rich;
  ASSERT_TRUE(rich.ParseFromString(s.error_details()));
  ASSERT_EQ(rich.details_size(), 1);
  google::rpc::BadRequest bad;
  ASSERT_TRUE(rich.details(0).UnpackTo(&bad));
  ASSERT_GE(bad.field_violations_size(), 2);
  EXPECT_EQ(bad.field_violations(0).field(), "actor.id");
  const auto& last = bad.field_violations(bad.field_violations_size() - 1);
  EXPECT_EQ(last.field(), core::kMoreViolationsField);
  EXPECT_THAT(last.description(), HasSubstr("more invalid fields, not listed"));
  EXPECT_THAT(BadRequestFields(s), Contains("actor.kind"));
}

}  // namespace
}  // namespace maillage

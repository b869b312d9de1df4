// The audit trail and the per-principal rate limit through the real server:
// calls made through the stubs, then read back with ListAuditEntries.
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "maillage/v1/audit.grpc.pb.h"
#include "tests/support/test_server.h"

namespace maillage {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::SampleActor;

// The retry delay of a RESOURCE_EXHAUSTED's RetryInfo; zero when it has
// none.
absl::Duration RetryDelay(const grpc::Status& status) {
  google::rpc::Status rich;
  if (!rich.ParseFromString(status.error_details()))
    return absl::ZeroDuration();
  for (const auto& any : rich.details()) {
    google::rpc::RetryInfo retry;
    if (any.type_url() == "type.googleapis.com/google.rpc.RetryInfo" &&
        retry.ParseFromString(any.value())) {
      return absl::Seconds(retry.retry_delay().seconds()) +
             absl::Nanoseconds(retry.retry_delay().nanos());
    }
  }
  return absl::ZeroDuration();
}

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(); }

  void Start() {
    server_.Start();
    audit_ = v1::AuditService::NewStub(server_.channel());
  }

  grpc::Status Create(const v1::Actor& actor,
                      const std::string& request_id = "") {
    grpc::ClientContext ctx;
    v1::CreateActorRequest req;
    *req.mutable_actor() = actor;
    req.set_request_id(request_id);
    v1::Actor out;
    return server_.actors().CreateActor(&ctx, req, &out);
  }

  grpc::Status Get(const std::string& id, v1::ActorView view) {
    grpc::ClientContext ctx;
    v1::GetActorRequest req;
    req.set_id(id);
    req.set_view(view);
    v1::Actor out;
    return server_.actors().GetActor(&ctx, req, &out);
  }

  // Every entry matching `req`, over all pages, after the queue is written.
  std::vector<v1::AuditEntry> Entries(v1::ListAuditEntriesRequest req = {}) {
    server_.server().core().audit().Flush();
    std::vector<v1::AuditEntry> entries;
    for (int guard = 0; guard < 100; ++guard) {
      grpc::ClientContext ctx;
      v1::ListAuditEntriesResponse page;
      grpc::Status s = audit_->ListAuditEntries(&ctx, req, &page);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) break;
      for (const auto& e : page.entries()) entries.push_back(e);
      if (page.next_page_token().empty()) break;
      req.set_page_token(page.next_page_token());
    }
    return entries;
  }

  static std::vector<std::string> Methods(
      const std::vector<v1::AuditEntry>& entries) {
    std::vector<std::string> out;
    for (const auto& e : entries) out.push_back(e.method());
    return out;
  }

  testing::TestServer server_;
  std::unique_ptr<v1::AuditService::Stub> audit_;
};

TEST_F(AuditTest, AWriteIsRecordedWithPrincipalTargetsAndOutcome) {
  ASSERT_TRUE(Create(SampleActor("ext:lab:1", "Atelier"), "req-1").ok());
  // The same id again: refused, and recorded as refused.
  EXPECT_EQ(Create(SampleActor("ext:lab:1", "Atelier")).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);

  v1::ListAuditEntriesRequest req;
  req.set_method("CreateActor");
  std::vector<v1::AuditEntry> entries = Entries(req);
  ASSERT_THAT(Methods(entries), ElementsAre("CreateActor", "CreateActor"));
  const v1::AuditEntry& created = entries[0];
  EXPECT_THAT(created.principal_id(), ::testing::StartsWith("key:"));
  EXPECT_EQ(created.role(), "admin");
  EXPECT_EQ(created.workspace(), "default");
  EXPECT_THAT(created.target_ids(), ElementsAre("ext:lab:1"));
  EXPECT_EQ(created.target_count(), 1);
  EXPECT_EQ(created.outcome(), "OK");
  EXPECT_EQ(created.request_id(), "req-1");
  EXPECT_THAT(created.peer(), HasSubstr("127.0.0.1"));
  EXPECT_TRUE(created.has_time());
  EXPECT_EQ(entries[1].outcome(), "ALREADY_EXISTS");
}

TEST_F(AuditTest, ReadsAreRecordedOnlyWhenTheyReturnContacts) {
  ASSERT_TRUE(Create(SampleActor("ext:lab:2", "Atelier")).ok());
  ASSERT_TRUE(Get("ext:lab:2", v1::ACTOR_VIEW_BASIC).ok());
  ASSERT_TRUE(Get("ext:lab:2", v1::ACTOR_VIEW_FULL).ok());
  v1::ListAuditEntriesRequest req;
  req.set_method("GetActor");
  std::vector<v1::AuditEntry> reads = Entries(req);
  ASSERT_EQ(reads.size(), 1u);
  EXPECT_THAT(reads[0].target_ids(), ElementsAre("ext:lab:2"));
}

TEST_F(AuditTest, ACallWithBadCredentialsIsRecordedAsAnonymous) {
  auto stranger = v1::ActorService::NewStub(grpc::CreateChannel(
      server_.target(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Basic c2VjcmV0");
  v1::DeleteActorRequest req;
  req.set_id("ext:lab:3");
  google::protobuf::Empty out;
  grpc::Status s = stranger->DeleteActor(&ctx, req, &out);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);

  v1::ListAuditEntriesRequest filter;
  filter.set_outcome("UNAUTHENTICATED");
  std::vector<v1::AuditEntry> denied = Entries(filter);
  ASSERT_EQ(denied.size(), 1u);
  EXPECT_EQ(denied[0].principal_id(), "anonymous");
  EXPECT_EQ(denied[0].method(), "DeleteActor");
  EXPECT_TRUE(denied[0].role().empty());
  // An unauthenticated request is not decoded: no targets.
  EXPECT_EQ(denied[0].target_ids_size(), 0);
  // The credential is nowhere in the entry.
  EXPECT_EQ(denied[0].DebugString().find("c2VjcmV0"), std::string::npos);
}

TEST_F(AuditTest, ACallRefusedToItsRoleIsRecordedWithItsTargets) {
  ASSERT_TRUE(Create(SampleActor("ext:lab:4", "Atelier")).ok());
  testing::KeySpec spec;
  spec.role = "reader";
  auto reader = v1::ActorService::NewStub(testing::ChannelWithToken(
      server_.target(), testing::CreateKey(server_.channel(), spec)));
  grpc::ClientContext ctx;
  v1::DeleteActorRequest req;
  req.set_id("ext:lab:4");
  req.set_request_id("oops-1");
  google::protobuf::Empty out;
  ASSERT_EQ(reader->DeleteActor(&ctx, req, &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  v1::ListAuditEntriesRequest filter;
  filter.set_outcome("PERMISSION_DENIED");
  std::vector<v1::AuditEntry> denied = Entries(filter);
  ASSERT_EQ(denied.size(), 1u);
  EXPECT_THAT(denied[0].principal_id(), ::testing::StartsWith("key:"));
  EXPECT_EQ(denied[0].role(), "reader");
  EXPECT_EQ(denied[0].workspace(), "default");
  EXPECT_EQ(denied[0].method(), "DeleteActor");
  EXPECT_THAT(denied[0].target_ids(), ElementsAre("ext:lab:4"));
  EXPECT_EQ(denied[0].request_id(), "oops-1");

  // By the principal: its denial only (its key was made by the admin, whose
  // CreateApiKey is recorded under the admin).
  filter.Clear();
  filter.set_principal_id(denied[0].principal_id());
  EXPECT_THAT(Methods(Entries(filter)), ElementsAre("DeleteActor"));
  // Key operations: the admin key the server made at start, then the
  // reader's, made through AdminService.
  filter.Clear();
  filter.set_method("CreateApiKey");
  std::vector<v1::AuditEntry> key_calls = Entries(filter);
  ASSERT_EQ(key_calls.size(), 2u);
  EXPECT_EQ(key_calls[0].principal_id(), "local:system");
  EXPECT_EQ(key_calls[0].target_ids_size(), 1);
  EXPECT_THAT(key_calls[1].principal_id(), ::testing::StartsWith("key:"));
  EXPECT_EQ(key_calls[1].role(), "admin");
  EXPECT_EQ(key_calls[1].outcome(), "OK");
}

TEST_F(AuditTest, AnImportStreamIsOneEntryWithItsCounts) {
  grpc::ClientContext ctx;
  auto stream = server_.actors().ImportActors(&ctx);
  v1::ImportActorsRequest batch;
  *batch.add_actors() = SampleActor("ext:lab:10", "Un");
  *batch.add_actors() = SampleActor("ext:lab:11", "Deux");
  ASSERT_TRUE(stream->Write(batch));
  stream->WritesDone();
  v1::ImportActorsResponse answer;
  while (stream->Read(&answer)) {
  }
  ASSERT_TRUE(stream->Finish().ok());

  v1::ListAuditEntriesRequest req;
  req.set_method("ImportActors");
  std::vector<v1::AuditEntry> entries = Entries(req);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].outcome(), "OK");
  EXPECT_THAT(entries[0].note(), HasSubstr("created 2"));
}

TEST_F(AuditTest, FiltersByActorAndPrincipal) {
  ASSERT_TRUE(Create(SampleActor("ext:lab:20", "Vingt")).ok());
  ASSERT_TRUE(Create(SampleActor("ext:lab:21", "Vingt et un")).ok());
  v1::ListAuditEntriesRequest req;
  req.set_actor_id("ext:lab:21");
  std::vector<v1::AuditEntry> entries = Entries(req);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_THAT(entries[0].target_ids(), ElementsAre("ext:lab:21"));
  req.Clear();
  req.set_principal_id("key:nobody");
  EXPECT_TRUE(Entries(req).empty());
}

TEST_F(AuditTest, BadQueriesAreRefusedNamingTheField) {
  grpc::ClientContext ctx;
  v1::ListAuditEntriesRequest req;
  req.set_outcome("MAYBE");
  v1::ListAuditEntriesResponse out;
  grpc::Status s = audit_->ListAuditEntries(&ctx, req, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(testing::BadRequestFields(s), ElementsAre("outcome"));
}

TEST_F(AuditTest, EntriesOutliveARestart) {
  ASSERT_TRUE(Create(SampleActor("ext:lab:30", "Trente")).ok());
  server_.Stop();  // the queue is written on the way down
  Start();
  ASSERT_TRUE(Create(SampleActor("ext:lab:31", "Trente et un")).ok());
  v1::ListAuditEntriesRequest req;
  req.set_method("CreateActor");
  std::vector<v1::AuditEntry> entries = Entries(req);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_THAT(entries[0].target_ids(), ElementsAre("ext:lab:30"));
  EXPECT_THAT(entries[1].target_ids(), ElementsAre("ext:lab:31"));
}

TEST(RateLimitTest, APrincipalOverItsRateIsRefusedWhileAnotherGoesOn) {
  testing::TestServer server;
  server.options().requests.rate_limit = {/*per_second=*/0.5, /*burst=*/3};
  server.options().requests.audit_rate_limited_every = 1;
  server.Start();
  testing::KeySpec spec;
  spec.role = "reader";
  auto hasty = v1::ActorService::NewStub(testing::ChannelWithToken(
      server.target(), testing::CreateKey(server.channel(), spec)));
  auto patient = v1::ActorService::NewStub(testing::ChannelWithToken(
      server.target(), testing::CreateKey(server.channel(), spec)));
  auto get = [](v1::ActorService::Stub& stub) {
    grpc::ClientContext ctx;
    v1::GetActorRequest req;
    req.set_id("ext:lab:none");
    v1::Actor out;
    return stub.GetActor(&ctx, req, &out);
  };

  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(get(*hasty).error_code(), grpc::StatusCode::NOT_FOUND) << i;
  }
  grpc::Status refused = get(*hasty);
  ASSERT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(), HasSubstr("rate limit"));
  absl::Duration delay = RetryDelay(refused);
  EXPECT_GT(delay, absl::ZeroDuration());
  EXPECT_LE(delay, absl::Seconds(2));
  // Another principal is not affected.
  EXPECT_EQ(get(*patient).error_code(), grpc::StatusCode::NOT_FOUND);
  // Nor is the admin (apart, unlimited by default).
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(get(server.actors()).error_code(), grpc::StatusCode::NOT_FOUND);
  }

  v1::ListAuditEntriesRequest filter;
  filter.set_outcome("RESOURCE_EXHAUSTED");
  auto entries = server.server().core().audit().List(filter);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->entries_size(), 1);
  EXPECT_EQ(entries->entries(0).method(), "GetActor");
  EXPECT_EQ(entries->entries(0).role(), "reader");
}

}  // namespace
}  // namespace maillage

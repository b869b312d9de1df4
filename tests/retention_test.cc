// Retention through the real server binary, with periods of seconds
// (--retention_day_length=1s): suggestions are served, one is dismissed,
// and the background sweeper deletes the untouched one, pseudonymises the
// dismissed one, deletes the old events and audit entries, all of which
// shows in the data (through the API) and in /metrics (fetched over HTTP
// and parsed). After a restart, a watcher resuming from a purged token is
// told so, and one asking for every kept event gets the new ones.
#include <chrono>
#include <csignal>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/testing/sample_actors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "maillage/v1/actor.grpc.pb.h"
#include "maillage/v1/lifecycle.grpc.pb.h"
#include "maillage/v1/matching.grpc.pb.h"
#include "ops/metrics_testing.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

namespace maillage {
namespace {

using core::testing::Association;
using core::testing::Company;
using core::testing::kAssociation;
using core::testing::kCompany;
using ops::testing::SampleKey;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kOtherCompany[] = "siret:22222222200022";
// The marker core::Lifecycle::kRetentionMarker puts in place of reasons.
constexpr char kMarker[] = "[effacé : durée de conservation écoulée]";

v1::TerritoryRef Departement94() {
  v1::TerritoryRef ref;
  ref.set_level(v1::TERRITORY_LEVEL_DEPARTEMENT);
  ref.set_code("94");
  return ref;
}

class RetentionServerTest : public ::testing::Test {
 protected:
  // Starts the binary on the test's store with `flags` besides the common
  // ones; fails the test when it does not start.
  void Start(std::vector<std::string> flags) {
    flags.insert(flags.end(),
                 {"--listen=127.0.0.1:0", "--data_dir=" + dir_.Sub("store"),
                  "--sync_writes=false"});
    server_ = std::make_unique<testing::ServerProcess>(MAILLAGE_SERVER_BINARY,
                                                       std::move(flags));
    ASSERT_TRUE(server_->Start()) << server_->error();
    actors_ = v1::ActorService::NewStub(server_->channel());
    match_ = v1::MatchService::NewStub(server_->channel());
    life_ = v1::LifecycleService::NewStub(server_->channel());
  }

  // The server's /metrics, fetched over HTTP and parsed.
  ops::testing::Scrape Metrics(int port) {
    auto body = ops::testing::HttpGet("127.0.0.1", port, "/metrics");
    EXPECT_TRUE(body.ok()) << body.status();
    if (!body.ok()) return {};
    auto scrape = ops::testing::ParseScrape(*body);
    EXPECT_TRUE(scrape.ok()) << scrape.status();
    return scrape.ok() ? *scrape : ops::testing::Scrape();
  }

  static double Purged(const ops::testing::Scrape& scrape,
                       const std::string& record) {
    auto it = scrape.samples.find(
        SampleKey("maillage_retention_purged_total", {{"record", record}}));
    return it == scrape.samples.end() ? -1 : it->second;
  }

  grpc::Status Get(const std::string& id, v1::Suggestion* s) {
    grpc::ClientContext context;
    v1::GetSuggestionRequest get;
    get.set_id(id);
    return life_->GetSuggestion(&context, get, s);
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::ServerProcess> server_;
  std::unique_ptr<v1::ActorService::Stub> actors_;
  std::unique_ptr<v1::MatchService::Stub> match_;
  std::unique_ptr<v1::LifecycleService::Stub> life_;
};

TEST_F(RetentionServerTest, PurgesShowInTheDataAndInTheMetrics) {
  // A day is a second: untouched suggestions go 4 s after their last
  // showing, closed ones lose their people 1 s after their last change,
  // events and audit entries after 1 s.
  Start({"--metrics_address=127.0.0.1:0", "--retention_day_length=1s",
         "--suggestion_retention_days=4",
         "--lifecycle_personal_data_retention_days=1",
         "--event_retention_days=1", "--audit_retention_days=1",
         "--retention_sweep_interval=200ms"});
  const int metrics_port = server_->metrics_port();
  ASSERT_GT(metrics_port, 0) << server_->output();
  ops::testing::Scrape before = Metrics(metrics_port);
  for (const char* record : {"suggestion", "lifecycle_personal_fields", "event",
                             "request", "audit_entry"}) {
    EXPECT_GE(Purged(before, record), 0) << record;  // listed from the start
  }
  EXPECT_EQ(before.types["maillage_retention_purged_total"], "counter");

  v1::Actor other = Company();
  other.set_id(kOtherCompany);
  for (const v1::Actor& a : {Association(), Company(), other}) {
    grpc::ClientContext context;
    v1::CreateActorRequest create;
    *create.mutable_actor() = a;
    v1::Actor created;
    ASSERT_TRUE(actors_->CreateActor(&context, create, &created).ok());
  }
  std::map<std::string, std::string> ids;  // by partner
  {
    grpc::ClientContext context;
    v1::SuggestPartnersRequest suggest;
    suggest.set_actor_id(kAssociation);
    suggest.set_requested_by("Marie au tableau de bord");
    v1::SuggestPartnersResponse served;
    ASSERT_TRUE(match_->SuggestPartners(&context, suggest, &served).ok());
    for (const auto& p : served.suggestions()) {
      ids[p.partner_id()] = p.suggestion_id();
    }
  }
  ASSERT_EQ(ids.size(), 2u);
  const std::string untouched = ids[kCompany];
  const std::string dismissed = ids[kOtherCompany];
  {
    grpc::ClientContext context;
    v1::UpdateSuggestionRequest dismiss;
    dismiss.set_id(dismissed);
    dismiss.set_state(v1::SUGGESTION_STATE_DISMISSED);
    dismiss.set_reason("M. Martin, le trésorier, n'en veut pas");
    dismiss.set_performed_by("Marie D.");
    v1::Suggestion s;
    ASSERT_TRUE(life_->UpdateSuggestion(&context, dismiss, &s).ok());
  }

  // Wait for the sweeper, reading /metrics as Prometheus would.
  ops::testing::Scrape after;
  for (int attempt = 0; attempt < 300; ++attempt) {
    after = Metrics(metrics_port);
    if (Purged(after, "suggestion") >= 1 &&
        Purged(after, "lifecycle_personal_fields") >= 1 &&
        Purged(after, "event") >= 3) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(Purged(after, "suggestion"), 1);
  EXPECT_EQ(Purged(after, "lifecycle_personal_fields"), 1);
  EXPECT_EQ(Purged(after, "event"), 3);  // two served, one dismissed
  EXPECT_GE(Purged(after, "audit_entry"), 1);
  EXPECT_EQ(Purged(after, "request"), 0);  // answers are kept a real day
  EXPECT_GT(after.samples["maillage_retention_last_success_timestamp_seconds"],
            0);
  EXPECT_GT(after.samples["maillage_retention_run_duration_seconds_count"], 0);

  // The data: the untouched suggestion is gone, the dismissed one kept its
  // history without its people.
  v1::Suggestion s;
  EXPECT_EQ(Get(untouched, &s).error_code(), grpc::StatusCode::NOT_FOUND);
  ASSERT_TRUE(Get(dismissed, &s).ok());
  EXPECT_EQ(s.state(), v1::SUGGESTION_STATE_DISMISSED);
  EXPECT_THAT(s.requested_by(), StartsWith("pseudonym:"));
  EXPECT_EQ(s.requested_by_name(), "");
  EXPECT_EQ(s.requested_by_note(), "");
  EXPECT_EQ(s.dismiss_reason(), kMarker);
  ASSERT_EQ(s.history_size(), 2);
  EXPECT_EQ(s.history(1).to(), v1::SUGGESTION_STATE_DISMISSED);
  EXPECT_EQ(s.history(1).performed_by(), s.requested_by());
  EXPECT_EQ(s.history(1).performed_by_note(), "");
  EXPECT_EQ(s.history(1).reason(), kMarker);
  {
    grpc::ClientContext context;
    v1::ListSuggestionsRequest list;
    list.set_actor_id(kCompany);
    v1::ListSuggestionsResponse listed;
    ASSERT_TRUE(life_->ListSuggestions(&context, list, &listed).ok());
    EXPECT_EQ(listed.suggestions_size(), 0);
  }

  // Restart keeping events from now on: the purge is remembered.
  EXPECT_EQ(server_->Signal(SIGTERM), 0) << server_->output();
  Start({"--event_retention_days=0"});
  {
    grpc::ClientContext context;
    v1::WatchSuggestionsRequest watch;
    *watch.mutable_territory() = Departement94();
    watch.set_resume_token("1");
    auto stream = life_->WatchSuggestions(&context, watch);
    v1::WatchEvent event;
    EXPECT_FALSE(stream->Read(&event));
    grpc::Status finished = stream->Finish();
    EXPECT_EQ(finished.error_code(), grpc::StatusCode::OUT_OF_RANGE);
    EXPECT_THAT(finished.error_message(), HasSubstr("oldest event kept"));
  }
  // "0": every event kept, here the first one after the purge.
  grpc::ClientContext context;
  v1::WatchSuggestionsRequest watch;
  *watch.mutable_territory() = Departement94();
  watch.set_resume_token("0");
  auto stream = life_->WatchSuggestions(&context, watch);
  {
    grpc::ClientContext serve_context;
    v1::SuggestPartnersRequest suggest;
    suggest.set_actor_id(kAssociation);
    v1::SuggestPartnersResponse served;
    ASSERT_TRUE(match_->SuggestPartners(&serve_context, suggest, &served).ok());
    ASSERT_EQ(served.suggestions_size(), 1);  // the dismissed pair cools
  }
  v1::WatchEvent event;
  ASSERT_TRUE(stream->Read(&event));
  EXPECT_EQ(event.token(), "4");  // sequences went on after the purge
  EXPECT_EQ(event.suggestion().partner_id(), kCompany);
  context.TryCancel();
  stream->Finish();
}

}  // namespace
}  // namespace maillage

// Metrics and request logs of the real server (docs/OBSERVABILITY.md): after
// a set of gRPC and HTTP calls, /metrics (parsed, not grepped) shows exactly
// those counts and histogram counts with the right labels; every call has
// one JSON log line with the documented fields, its trace context, and no
// personal data.
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/log.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "maillage/v1/lifecycle.grpc.pb.h"
#include "maillage/v1/matching.grpc.pb.h"
#include "ops/malloc_testing.h"
#include "ops/metrics_testing.h"
#include "tests/support/credentials.h"
#include "tests/support/http_client.h"
#include "tests/support/test_server.h"

namespace maillage {
namespace {

using ops::testing::ParseScrape;
using ops::testing::SampleKey;
using testing::Bearer;
using ::testing::HasSubstr;
using testing::HttpCall;
using testing::HttpResponse;
using ::testing::Not;

constexpr char kTraceId[] = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr char kParentId[] = "00f067aa0ba902b7";
std::string TraceParent() {
  return absl::StrCat("00-", kTraceId, "-", kParentId, "-01");
}

// The server's log lines, captured while alive (every event, JSON).
class CapturedLog {
 public:
  CapturedLog() {
    base::SetLogOptions({base::LogLevel::kInfo, base::LogFormat::kJson,
                         [this](std::string_view line) {
                           std::lock_guard lock(mu_);
                           lines_.emplace_back(line);
                         }});
  }
  ~CapturedLog() { base::SetLogOptions({}); }

  std::vector<std::string> lines() const {
    std::lock_guard lock(mu_);
    return lines_;
  }
  void Clear() {
    std::lock_guard lock(mu_);
    lines_.clear();
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
};

// One log line parsed as JSON; fails the test when it is not a JSON object.
google::protobuf::Struct ParseLine(const std::string& line) {
  google::protobuf::Struct parsed;
  auto status = google::protobuf::util::JsonStringToMessage(line, &parsed);
  EXPECT_TRUE(status.ok()) << status << ": " << line;
  return parsed;
}

std::string Text(const google::protobuf::Struct& line, const char* field) {
  auto it = line.fields().find(field);
  return it == line.fields().end() ? "" : it->second.string_value();
}

bool Has(const google::protobuf::Struct& line, const char* field) {
  return line.fields().contains(field);
}

// The "request" lines among `lines`, parsed.
std::vector<google::protobuf::Struct> RequestLines(
    const std::vector<std::string>& lines) {
  std::vector<google::protobuf::Struct> requests;
  for (const std::string& line : lines) {
    google::protobuf::Struct parsed = ParseLine(line);
    if (Text(parsed, "event") == "request") requests.push_back(parsed);
  }
  return requests;
}

class ObservabilityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    log_ = new CapturedLog();
    server_ = new testing::TestServer();
    server_->options().http.listen_address = "127.0.0.1:0";
    server_->options().metrics_address = "127.0.0.1:0";
    server_->options().demo = true;
    // As in production (TestServer turns it off): WAL syncs are counted.
    server_->options().core.sync_writes = true;
    // As the server's flag does by default.
    server_->options().core.background_write_bytes_per_second = uint64_t{16}
                                                                << 20;
    // An import's work counts for 1 s, not 30: the tests import.
    server_->options().background_writes.import_quiet_after = absl::Seconds(1);
    server_->Start();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    delete log_;
    log_ = nullptr;
  }

  static int http_port() { return server_->server().http_port(); }

  // The server's metrics now, from its own endpoint, parsed.
  static std::map<std::string, double> Scrape() {
    auto body = ops::testing::HttpGet(
        "127.0.0.1", server_->server().metrics_port(), "/metrics");
    EXPECT_TRUE(body.ok()) << body.status();
    if (!body.ok()) return {};
    auto scrape = ParseScrape(*body);
    EXPECT_TRUE(scrape.ok()) << scrape.status();
    return scrape.ok() ? scrape->samples : std::map<std::string, double>();
  }

  static grpc::Status GetActor(const std::string& id) {
    grpc::ClientContext context;
    v1::GetActorRequest request;
    request.set_id(id);
    v1::Actor actor;
    return server_->actors().GetActor(&context, request, &actor);
  }

  // Imports `actors` in one ImportActors batch; the stream must end OK.
  static void ImportOneBatch(const std::vector<v1::Actor>& actors) {
    grpc::ClientContext context;
    auto stream = server_->actors().ImportActors(&context);
    v1::ImportActorsRequest batch;
    for (const v1::Actor& actor : actors) *batch.add_actors() = actor;
    ASSERT_TRUE(stream->Write(batch));
    ASSERT_TRUE(stream->WritesDone());
    v1::ImportActorsResponse answer;
    while (stream->Read(&answer)) {
    }
    ASSERT_TRUE(stream->Finish().ok());
  }

  static CapturedLog* log_;
  static testing::TestServer* server_;
};

CapturedLog* ObservabilityTest::log_ = nullptr;
testing::TestServer* ObservabilityTest::server_ = nullptr;

// The change of each sample between two scrapes (0 for one absent from
// both).
double Delta(const std::map<std::string, double>& before,
             const std::map<std::string, double>& after,
             const std::string& key) {
  auto value = [&key](const std::map<std::string, double>& samples) {
    auto it = samples.find(key);
    return it == samples.end() ? 0.0 : it->second;
  };
  return value(after) - value(before);
}

std::string Calls(const std::string& method, const std::string& code,
                  const std::string& transport) {
  return SampleKey(
      "maillage_requests_total",
      {{"code", code}, {"method", method}, {"transport", transport}});
}

std::string DurationCount(const std::string& method,
                          const std::string& transport) {
  return SampleKey("maillage_request_duration_seconds_count",
                   {{"method", method}, {"transport", transport}});
}

TEST_F(ObservabilityTest, MetricsCountExactlyTheCallsMade) {
  const auto before = Scrape();
  // gRPC: 3 found, 2 missing, 1 without credentials.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(GetActor("ext:demo:1000").ok());
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(GetActor("ext:demo:nobody").error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  {
    auto anonymous = grpc::CreateChannel(server_->target(),
                                         grpc::InsecureChannelCredentials());
    auto stub = v1::ActorService::NewStub(anonymous);
    grpc::ClientContext context;
    v1::GetActorRequest request;
    request.set_id("ext:demo:1000");
    v1::Actor actor;
    ASSERT_EQ(stub->GetActor(&context, request, &actor).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  // HTTP: 2 found, 1 missing.
  const auto key = Bearer(server_->admin_key());
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(
        HttpCall(http_port(), "GET", "/v1/actors/ext:demo:1001", "", {key})
            .status,
        200);
  }
  ASSERT_EQ(
      HttpCall(http_port(), "GET", "/v1/actors/ext:demo:nobody", "", {key})
          .status,
      404);
  const auto after = Scrape();

  EXPECT_EQ(Delta(before, after, Calls("GetActor", "OK", "grpc")), 3);
  EXPECT_EQ(Delta(before, after, Calls("GetActor", "NOT_FOUND", "grpc")), 2);
  EXPECT_EQ(Delta(before, after, Calls("GetActor", "UNAUTHENTICATED", "grpc")),
            1);
  EXPECT_EQ(Delta(before, after, Calls("GetActor", "OK", "http")), 2);
  EXPECT_EQ(Delta(before, after, Calls("GetActor", "NOT_FOUND", "http")), 1);
  EXPECT_EQ(Delta(before, after, DurationCount("GetActor", "grpc")), 6);
  EXPECT_EQ(Delta(before, after, DurationCount("GetActor", "http")), 3);
  // Every call falls in the +Inf bucket; the fast ones well below a second.
  EXPECT_EQ(
      after.at(SampleKey(
          "maillage_request_duration_seconds_bucket",
          {{"le", "+Inf"}, {"method", "GetActor"}, {"transport", "grpc"}})),
      after.at(DurationCount("GetActor", "grpc")));
  EXPECT_GE(
      Delta(before, after,
            SampleKey(
                "maillage_request_duration_seconds_bucket",
                {{"le", "1"}, {"method", "GetActor"}, {"transport", "http"}})),
      3);
  EXPECT_GT(Delta(before, after,
                  SampleKey("maillage_request_duration_seconds_sum",
                            {{"method", "GetActor"}, {"transport", "grpc"}})),
            0);
  // Nothing else was called, and nothing is left in flight.
  for (const auto& [sample, value] : after) {
    if (absl::StartsWith(sample, "maillage_requests_total{") &&
        !absl::StrContains(sample, "method=\"GetActor\"")) {
      EXPECT_EQ(Delta(before, after, sample), 0) << sample;
    }
  }
  for (const char* transport : {"grpc", "http"}) {
    EXPECT_EQ(after.at(SampleKey("maillage_requests_in_flight",
                                 {{"transport", transport}})),
              0);
  }
}

TEST_F(ObservabilityTest, MetricsCountServedSuggestionsChangesAndImports) {
  const auto before = Scrape();
  auto match = v1::MatchService::NewStub(server_->channel());
  v1::SuggestPartnersResponse suggested;
  {
    grpc::ClientContext context;
    v1::SuggestPartnersRequest request;
    request.set_actor_id("ext:demo:1000");
    ASSERT_TRUE(match->SuggestPartners(&context, request, &suggested).ok());
    ASSERT_GE(suggested.suggestions_size(), 1);
  }
  {
    auto lifecycle = v1::LifecycleService::NewStub(server_->channel());
    grpc::ClientContext context;
    v1::UpdateSuggestionRequest update;
    update.set_id(suggested.suggestions(0).suggestion_id());
    update.set_state(v1::SUGGESTION_STATE_KEPT);
    v1::Suggestion updated;
    ASSERT_TRUE(lifecycle->UpdateSuggestion(&context, update, &updated).ok());
  }
  // One batch: a new company, and a row without a name (rejected).
  ImportOneBatch({testing::SampleActor("siret:90000000000011", "Neuf"),
                  testing::SampleActor("siret:90000000000029", "")});
  const auto after = Scrape();

  EXPECT_EQ(Delta(before, after,
                  SampleKey("maillage_suggestions_served_total",
                            {{"method", "SuggestPartners"}})),
            suggested.suggestions_size());
  EXPECT_EQ(Delta(before, after,
                  SampleKey("maillage_suggestion_changes_total",
                            {{"state", "kept"}})),
            1);
  EXPECT_EQ(Delta(before, after,
                  SampleKey("maillage_suggestion_changes_total",
                            {{"state", "dismissed"}})),
            0);
  auto rows = [&](const char* outcome) {
    return Delta(
        before, after,
        SampleKey("maillage_import_rows_total", {{"outcome", outcome}}));
  };
  EXPECT_EQ(rows("created"), 1);
  EXPECT_EQ(rows("rejected"), 1);
  EXPECT_EQ(rows("updated"), 0);
  EXPECT_GT(after.at("maillage_import_rows_per_second"), 0);
  EXPECT_EQ(Delta(before, after, Calls("ImportActors", "OK", "grpc")), 1);
  // The new company is counted with the live actors.
  EXPECT_EQ(Delta(before, after,
                  SampleKey("maillage_actors",
                            {{"kind", "company"}, {"status", "available"}})),
            1);
}

// RocksDB's background writes are limited while calls are served, and the
// limit is lifted for an import even while calls go on (the governor
// decides every 250 ms; each wait gives up after 10 s).
TEST_F(ObservabilityTest, BackgroundWritesLimitedWhileServingLiftedForImports) {
  constexpr double kLimit = 16 << 20;
  const std::string gauge = "maillage_rocksdb_background_write_limit_bytes";
  auto serve_until = [&](double wanted) {
    const absl::Time give_up = absl::Now() + absl::Seconds(10);
    double seen = -1;
    while (absl::Now() < give_up) {
      EXPECT_TRUE(GetActor("ext:demo:1000").ok());
      seen = Scrape()[gauge];
      if (seen == wanted) break;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return seen;
  };
  EXPECT_EQ(serve_until(kLimit), kLimit);

  ImportOneBatch({testing::SampleActor("siret:90000000000043", "Gouv")});
  EXPECT_EQ(serve_until(0), 0);
}

TEST_F(ObservabilityTest, ReportsTheStoreTheProcessAndTheStart) {
  ASSERT_TRUE(GetActor("ext:demo:1000").ok());
  const auto now = Scrape();
  double actors = 0;
  for (const auto& [sample, value] : now) {
    if (absl::StartsWith(sample, "maillage_actors{")) actors += value;
  }
  EXPECT_GE(actors, 320);  // the demo territory
  EXPECT_GT(now.at("maillage_actor_index_memory_bytes"), 0);
  EXPECT_GT(now.at(SampleKey("maillage_rocksdb_live_data_bytes",
                             {{"family", "actors"}})) +
                now.at("maillage_rocksdb_memtable_bytes"),
            0);
  EXPECT_GT(now.at("maillage_rocksdb_wal_syncs_total"), 0);  // synced writes
  EXPECT_GT(now.at("maillage_rocksdb_block_cache_capacity_bytes"), 0);
  EXPECT_EQ(now.at("maillage_rocksdb_writes_stopped"), 0);
  EXPECT_TRUE(now.count("maillage_rocksdb_pending_compaction_bytes"));
  EXPECT_TRUE(now.count("maillage_rocksdb_block_cache_hits_total"));
  EXPECT_TRUE(now.count("maillage_rocksdb_write_stall_seconds_total"));
  EXPECT_TRUE(now.count("maillage_rocksdb_table_readers_bytes"));
  EXPECT_GT(now.at("process_resident_memory_bytes"), 1 << 20);
  if (ops::GlibcMallocInUse()) {  // a sanitizer's malloc reports nothing
    EXPECT_TRUE(now.count("process_malloc_in_use_bytes"));
  }
  EXPECT_GT(now.at("process_threads"), 1);
  EXPECT_GT(now.at("process_open_fds"), 3);
  EXPECT_GT(now.at(SampleKey("maillage_startup_duration_seconds",
                             {{"phase", "total"}})),
            0);
  EXPECT_TRUE(now.count(SampleKey("maillage_startup_duration_seconds",
                                  {{"phase", "store_open"}})));
}

TEST_F(ObservabilityTest, TheHttpPortServesMetricsToAdminsOnly) {
  EXPECT_EQ(HttpCall(http_port(), "GET", "/metrics").status, 401);
  testing::KeySpec spec;
  spec.role = "reader";
  const std::string reader = testing::CreateKey(server_->channel(), spec);
  ASSERT_FALSE(reader.empty());
  EXPECT_EQ(
      HttpCall(http_port(), "GET", "/metrics", "", {Bearer(reader)}).status,
      403);
  HttpResponse admin = HttpCall(http_port(), "GET", "/metrics", "",
                                {Bearer(server_->admin_key())});
  ASSERT_EQ(admin.status, 200);
  EXPECT_THAT(admin.headers["content-type"], HasSubstr("text/plain"));
  auto scrape = ParseScrape(admin.body);
  ASSERT_TRUE(scrape.ok()) << scrape.status();
  EXPECT_EQ(scrape->types.at("maillage_requests_total"), "counter");
  EXPECT_EQ(scrape->types.at("maillage_request_duration_seconds"), "histogram");
  EXPECT_TRUE(scrape->samples.count("process_resident_memory_bytes"));
}

TEST_F(ObservabilityTest, EachCallLogsOneJsonLineWithoutPersonalData) {
  log_->Clear();
  const std::string email = "marie.lambda@example.org";
  const std::string phone = "0612345678";
  const std::string person = "Marie Lambda-Zeta";
  // Over HTTP with a trace context: an actor with a contact person.
  const std::string body = absl::StrCat(
      R"({"id":"siret:91000000000015","kind":"ACTOR_KIND_COMPANY",)",
      R"("name":"Atelier Observé","homeCommune":"94018",)",
      R"("themes":["digital_inclusion"],"contacts":[{"name":")", person,
      R"(","email":")", email, R"(","phone":")", phone, R"("}]})");
  HttpResponse created =
      HttpCall(http_port(), "POST", "/v1/actors", body,
               {Bearer(server_->admin_key()), {"traceparent", TraceParent()}});
  ASSERT_EQ(created.status, 200) << created.body;
  const std::string http_request_id = created.headers["x-request-id"];
  ASSERT_EQ(http_request_id.size(), 16u);
  // Over gRPC: read it back with its contacts, with a trace context; then
  // with an invalid one.
  for (const std::string& traceparent : {TraceParent(), std::string("00-x")}) {
    grpc::ClientContext context;
    context.AddMetadata("traceparent", traceparent);
    v1::GetActorRequest request;
    request.set_id("siret:91000000000015");
    request.set_view(v1::ACTOR_VIEW_FULL);
    v1::Actor actor;
    ASSERT_TRUE(server_->actors().GetActor(&context, request, &actor).ok());
    ASSERT_EQ(actor.contacts(0).email(), email);
    // Only the HTTP face gets the request id back (its cost on gRPC).
    EXPECT_EQ(context.GetServerInitialMetadata().count("x-request-id"), 0u);
  }

  const std::vector<std::string> lines = log_->lines();
  const auto requests = RequestLines(lines);
  ASSERT_EQ(requests.size(), 3u);
  for (const std::string& line : lines) {
    EXPECT_THAT(line, Not(HasSubstr(email)));
    EXPECT_THAT(line, Not(HasSubstr(phone)));
    EXPECT_THAT(line, Not(HasSubstr("Lambda")));
    EXPECT_THAT(line, Not(HasSubstr("\"key:")));  // no principal id
  }
  std::set<std::string> ids;
  for (const auto& line : requests) {
    for (const char* field :
         {"time", "level", "event", "request_id", "method", "transport",
          "status", "latency_ms", "principal", "role", "workspace",
          "request_bytes", "response_bytes"}) {
      EXPECT_TRUE(Has(line, field)) << field;
    }
    EXPECT_EQ(Text(line, "level"), "info");
    EXPECT_EQ(Text(line, "status"), "OK");
    EXPECT_EQ(Text(line, "role"), "admin");
    EXPECT_EQ(Text(line, "workspace"), "default");
    EXPECT_TRUE(absl::StartsWith(Text(line, "principal"), "pseudonym:"));
    EXPECT_GT(line.fields().at("latency_ms").number_value(), 0);
    EXPECT_GT(line.fields().at("request_bytes").number_value(), 0);
    EXPECT_GT(line.fields().at("response_bytes").number_value(), 0);
    ids.insert(Text(line, "request_id"));
  }
  EXPECT_EQ(ids.size(), 3u);  // one id per call

  const auto& http = requests[0];
  EXPECT_EQ(Text(http, "method"), "CreateActor");
  EXPECT_EQ(Text(http, "transport"), "http");
  EXPECT_EQ(Text(http, "request_id"), http_request_id);
  EXPECT_EQ(Text(http, "trace_id"), kTraceId);
  EXPECT_EQ(Text(http, "parent_id"), kParentId);
  const auto& grpc_traced = requests[1];
  EXPECT_EQ(Text(grpc_traced, "method"), "GetActor");
  EXPECT_EQ(Text(grpc_traced, "transport"), "grpc");
  EXPECT_EQ(Text(grpc_traced, "trace_id"), kTraceId);
  EXPECT_FALSE(Has(grpc_traced, "traceparent_invalid"));
  const auto& grpc_invalid = requests[2];
  EXPECT_FALSE(Has(grpc_invalid, "trace_id"));
  EXPECT_TRUE(grpc_invalid.fields().at("traceparent_invalid").bool_value());
  // The same principal, the same pseudonym.
  EXPECT_EQ(Text(http, "principal"), Text(grpc_invalid, "principal"));
}

TEST_F(ObservabilityTest, RefusedCallsAreLoggedToo) {
  log_->Clear();
  auto anonymous = grpc::CreateChannel(server_->target(),
                                       grpc::InsecureChannelCredentials());
  auto stub = v1::ActorService::NewStub(anonymous);
  grpc::ClientContext context;
  v1::GetActorRequest request;
  request.set_id("ext:demo:1000");
  v1::Actor actor;
  ASSERT_EQ(stub->GetActor(&context, request, &actor).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  const auto requests = RequestLines(log_->lines());
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(Text(requests[0], "status"), "UNAUTHENTICATED");
  EXPECT_FALSE(Has(requests[0], "principal"));
  EXPECT_FALSE(Has(requests[0], "response_bytes"));
}

}  // namespace
}  // namespace maillage

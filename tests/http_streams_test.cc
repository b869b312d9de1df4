// The HTTP face's streams through real HTTP on the demo territory: Server-
// Sent Events that resume with Last-Event-ID without missing or repeating
// an event, NDJSON export, CSV and NDJSON uploads answered per batch with
// each bad row, and every route of the served OpenAPI document answering.
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "maillage/v1/actor.pb.h"
#include "maillage/v1/lifecycle.pb.h"
#include "maillage/v1/matching.pb.h"
#include "services/http/json_mapping.h"
#include "tests/support/http_client.h"
#include "tests/support/test_server.h"

namespace maillage {
namespace {

using testing::Bearer;
using ::testing::Contains;
using ::testing::HasSubstr;
using testing::HttpCall;
using testing::HttpConnection;
using testing::HttpResponse;

constexpr char kWatch94[] =
    "/v1/suggestions:watch?territory.level=TERRITORY_LEVEL_DEPARTEMENT&"
    "territory.code=94";

// One Server-Sent Event: its id and its data parsed.
struct Event {
  std::string id;
  v1::WatchEvent event;
};

// Reads SSE events off `connection` until `enough` says so (or the stream
// stops: the test then fails on what it got).
class EventReader {
 public:
  explicit EventReader(HttpConnection* connection) : connection_(connection) {}

  std::vector<Event> ReadUntil(
      const std::function<bool(const Event&)>& enough) {
    std::vector<Event> events;
    for (;;) {
      size_t end = text_.find("\n\n");
      while (end == std::string::npos) {
        std::optional<std::string> chunk = connection_->ReadChunk();
        if (!chunk.has_value()) return events;
        text_ += *chunk;
        end = text_.find("\n\n");
      }
      Event event = Parse(text_.substr(0, end));
      text_.erase(0, end + 2);
      events.push_back(event);
      if (enough(event)) return events;
    }
  }

 private:
  static Event Parse(const std::string& block) {
    Event event;
    for (absl::string_view line : absl::StrSplit(block, '\n')) {
      if (absl::ConsumePrefix(&line, "id: ")) event.id = std::string(line);
      if (absl::ConsumePrefix(&line, "data: ")) {
        EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(
                        std::string(line), &event.event)
                        .ok())
            << line;
      }
    }
    return event;
  }

  HttpConnection* connection_;
  std::string text_;
};

class HttpStreamsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new testing::TestServer();
    server_->options().demo = true;
    server_->options().http.listen_address = "127.0.0.1:0";
    server_->Start();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static int port() { return server_->server().http_port(); }
  static HttpResponse Call(std::string_view method, std::string_view target,
                           std::string_view body = "",
                           testing::HttpHeaders headers = {}) {
    headers.push_back(Bearer(server_->admin_key()));
    return HttpCall(port(), method, target, body, headers);
  }

  // Opens an event stream of the Val-de-Marne from `last_event_id`.
  static std::unique_ptr<HttpConnection> Watch(const std::string& last_id) {
    auto connection = std::make_unique<HttpConnection>(port());
    testing::HttpHeaders headers = {Bearer(server_->admin_key()),
                                    {"Accept", "text/event-stream"}};
    if (!last_id.empty()) headers.push_back({"Last-Event-ID", last_id});
    EXPECT_TRUE(connection->SendRequest("GET", kWatch94, "", headers));
    HttpResponse head = connection->ReadHead();
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.headers["content-type"], "text/event-stream");
    return connection;
  }

  // Serves partners of `actor` over HTTP; their suggestion ids.
  static std::set<std::string> Suggest(const std::string& actor) {
    HttpResponse r = Call("POST", "/v1/actors/" + actor + ":suggestPartners",
                          R"({"limit": 3})");
    EXPECT_EQ(r.status, 200) << r.body;
    v1::SuggestPartnersResponse served;
    EXPECT_TRUE(
        google::protobuf::util::JsonStringToMessage(r.body, &served).ok());
    std::set<std::string> ids;
    for (const auto& s : served.suggestions()) ids.insert(s.suggestion_id());
    EXPECT_FALSE(ids.empty());
    return ids;
  }

  static testing::TestServer* server_;
};
testing::TestServer* HttpStreamsTest::server_ = nullptr;

// A dashboard's EventSource: it sees the first event, drops, more events
// happen, it comes back with Last-Event-ID and gets exactly the events
// after the one it saw, in order, none twice.
TEST_F(HttpStreamsTest, EventsResumeWithoutMissingOrRepeating) {
  std::unique_ptr<HttpConnection> first = Watch("");
  std::set<std::string> batch1 = Suggest("ext:demo:1000");
  EventReader reader1(first.get());
  std::vector<Event> seen =
      reader1.ReadUntil([](const Event&) { return true; });
  ASSERT_EQ(seen.size(), 1u);
  ASSERT_FALSE(seen[0].id.empty());
  EXPECT_EQ(seen[0].id, seen[0].event.token());
  first->Close();  // the dashboard drops

  std::set<std::string> batch2 = Suggest("ext:demo:1001");
  std::unique_ptr<HttpConnection> resumed = Watch(seen[0].id);
  EventReader reader2(resumed.get());
  std::set<std::string> pending = batch2;
  std::vector<Event> after = reader2.ReadUntil([&](const Event& e) {
    pending.erase(e.event.suggestion().id());
    return pending.empty();
  });
  EXPECT_TRUE(pending.empty()) << "events of the second batch never came";

  // The same events, read from the log's beginning: what the resumed stream
  // had to deliver is exactly what follows the first event seen.
  std::unique_ptr<HttpConnection> all = Watch("0");
  EventReader reader3(all.get());
  const std::string last = after.back().id;
  std::vector<Event> log =
      reader3.ReadUntil([&](const Event& e) { return e.id == last; });
  std::vector<std::string> expected, got;
  bool past = false;
  for (const Event& e : log) {
    if (past) expected.push_back(e.id);
    past |= e.id == seen[0].id;
  }
  for (const Event& e : after) got.push_back(e.id);
  EXPECT_EQ(got, expected);
  std::set<std::string> unique(got.begin(), got.end());
  EXPECT_EQ(unique.size(), got.size());
  std::set<std::string> suggestions;
  for (const Event& e : log) suggestions.insert(e.event.suggestion().id());
  for (const std::string& id : batch1) EXPECT_THAT(suggestions, Contains(id));
}

// Without Accept: text/event-stream, the same stream is NDJSON; a refused
// watch keeps its own HTTP status.
TEST_F(HttpStreamsTest, WatchRefusalsKeepTheirStatus) {
  HttpResponse no_territory = Call("GET", "/v1/suggestions:watch", "",
                                   {{"Accept", "text/event-stream"}});
  EXPECT_EQ(no_territory.status, 400) << no_territory.body;
  HttpResponse anonymous =
      HttpCall(port(), "GET", kWatch94, "", {{"Accept", "text/event-stream"}});
  EXPECT_EQ(anonymous.status, 401);
}

// ExportActors as NDJSON: one actor per line, in id order, the whole demo.
TEST_F(HttpStreamsTest, ExportIsOneActorPerLine) {
  HttpConnection connection(port());
  ASSERT_TRUE(connection.SendRequest(
      "GET",
      "/v1/actors:export?territory.level=TERRITORY_LEVEL_DEPARTEMENT&"
      "territory.code=94",
      "", {Bearer(server_->admin_key())}));
  HttpResponse export_response = connection.ReadResponse();
  ASSERT_EQ(export_response.status, 200);
  EXPECT_EQ(export_response.headers["content-type"], "application/x-ndjson");
  EXPECT_EQ(export_response.headers["transfer-encoding"], "chunked");
  std::vector<std::string> lines =
      absl::StrSplit(export_response.body, '\n', absl::SkipEmpty());
  EXPECT_GE(lines.size(), 300u);
  std::string previous;
  for (const std::string& line : lines) {
    v1::Actor actor;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &actor).ok())
        << line;
    EXPECT_LT(previous, actor.id());
    previous = actor.id();
  }
}

// A lab's CSV with a mapping: good rows created, each bad row reported with
// its line in the file, as `maillage import --format csv --map ...` does.
TEST_F(HttpStreamsTest, CsvUploadReportsEachBadRow) {
  const std::string csv =
      "Clé;Nom;Type;Commune;Thèmes\n"
      "a1;Atelier A;entreprise;94018;digital_inclusion\n"
      "a2;Atelier B;association;99999;digital_inclusion\n"  // no commune
      "a3;;entreprise;94018;digital_inclusion\n"            // no name
      "a4;Atelier D;association;94018;digital_inclusion\n";
  HttpResponse r = Call(
      "POST",
      "/v1/actors:import?source=lab94&map=Clé%3Dkey&map=Nom%3Dname&map=Type%3D"
      "kind&map=Commune%3Dhome_commune&map=Thèmes%3Dthemes&batch=2",
      csv, {{"Content-Type", "text/csv"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["content-type"], "application/x-ndjson");
  std::vector<std::string> lines =
      absl::StrSplit(r.body, '\n', absl::SkipEmpty());
  ASSERT_GE(lines.size(), 2u) << r.body;
  std::set<int64_t> bad_rows;
  v1::ImportActorsResponse last;
  for (const std::string& line : lines) {
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &last).ok())
        << line;
    for (const auto& e : last.errors()) bad_rows.insert(e.row_number());
  }
  EXPECT_EQ(bad_rows, (std::set<int64_t>{3, 4})) << r.body;
  EXPECT_TRUE(last.done());
  EXPECT_EQ(last.counts().created(), 2);
  EXPECT_EQ(last.counts().rejected(), 2);
  EXPECT_EQ(Call("GET", "/v1/actors/ext:lab94:a4").status, 200);
  EXPECT_EQ(Call("GET", "/v1/actors/ext:lab94:a2").status, 404);
}

// NDJSON rows, the second invalid: reported with its line; a bad upload
// parameter is a 400 naming it.
TEST_F(HttpStreamsTest, NdjsonUploadAndBadParameters) {
  std::string rows =
      services::http::ToJson(testing::SampleActor("ext:up:1", "Un")) + "\n" +
      R"({"id": "ext:up:2", "kind": "ACTOR_KIND_COMPANY", "homeCommune": "94018"})" +
      "\n";
  HttpResponse r = Call("POST", "/v1/actors:import", rows,
                        {{"Content-Type", "application/x-ndjson"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(r.body, HasSubstr("\"rowNumber\":\"2\""));
  EXPECT_THAT(r.body, HasSubstr("\"done\":true"));
  HttpResponse bad = Call("POST", "/v1/actors:import?batch=0", rows,
                          {{"Content-Type", "application/x-ndjson"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.body, HasSubstr("query.batch"));
  HttpResponse unknown = Call("POST", "/v1/actors:import", "x",
                              {{"Content-Type", "application/pdf"}});
  EXPECT_EQ(unknown.status, 400);
  EXPECT_THAT(unknown.body, HasSubstr("query.format"));
}

// Every operation of the document served at /v1/openapi.json has a route:
// none answers 404 "no route" or 405.
TEST_F(HttpStreamsTest, EveryRouteOfTheOpenApiDocumentAnswers) {
  HttpResponse served = HttpCall(port(), "GET", "/v1/openapi.json");
  ASSERT_EQ(served.status, 200);
  google::protobuf::Struct document;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(served.body, &document).ok());
  int operations = 0;
  for (const auto& [path, item] :
       document.fields().at("paths").struct_value().fields()) {
    for (const auto& [verb, operation] : item.struct_value().fields()) {
      std::string target;
      for (absl::string_view part :
           absl::StrSplit(path, '/', absl::SkipEmpty())) {
        std::string segment(part);
        size_t open = segment.find('{');
        if (open != std::string::npos) {
          size_t close = segment.find('}');
          std::string name = segment.substr(open + 1, close - open - 1);
          segment.replace(open, close - open + 1,
                          absl::EndsWith(name, "level")
                              ? "TERRITORY_LEVEL_DEPARTEMENT"
                              : "x");
        }
        target += "/" + segment;
      }
      std::string method = absl::AsciiStrToUpper(verb);
      HttpResponse r = Call(method, target,
                            method == "GET" || method == "DELETE" ? "" : "{}",
                            {{"Content-Type", "application/json"}});
      ++operations;
      SCOPED_TRACE(
          absl::StrCat(method, " ", target, ": ", r.status, " ", r.body));
      EXPECT_NE(r.status, 0);
      EXPECT_NE(r.status, 405);
      EXPECT_THAT(r.body, ::testing::Not(HasSubstr("no route")));
    }
  }
  EXPECT_GE(operations, 43);
}

}  // namespace
}  // namespace maillage

// ImportActors / ExportActors through the stubs: dirty rows, idempotence,
// dry run, merge, round trip, and kill -9 in the middle of a large import.
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "core/actor_directory.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "maillage/storage/records.pb.h"
#include "ops/metrics_testing.h"
#include "storage/keys.h"
#include "storage/store.h"
#include "tests/support/credentials.h"
#include "tests/support/server_process.h"
#include "tests/support/test_server.h"

namespace maillage {
namespace {

using ::testing::ElementsAre;
using testing::SampleActor;

struct ImportRun {
  grpc::Status status;
  std::vector<v1::ImportActorsResponse> answers;  // per batch, then totals
  const v1::ImportCounts& totals() const { return answers.back().counts(); }
  std::vector<std::string> Errors() const {
    std::vector<std::string> out;
    for (const auto& a : answers) {
      for (const auto& e : a.errors()) {
        out.push_back(std::to_string(e.row_number()) + ":" + e.field());
      }
    }
    return out;
  }
};

// Streams `rows` in batches of `batch_size`; `on_answer` sees each answer as
// it arrives (the kill -9 test uses it).
ImportRun Import(v1::ActorService::Stub& stub,
                 const std::vector<v1::Actor>& rows, size_t batch_size,
                 v1::ImportMode mode = v1::IMPORT_MODE_MERGE,
                 bool dry_run = false,
                 const std::function<void(const v1::ImportActorsResponse&)>&
                     on_answer = nullptr) {
  ImportRun run;
  grpc::ClientContext ctx;
  auto stream = stub.ImportActors(&ctx);
  std::thread reader([&] {
    v1::ImportActorsResponse answer;
    while (stream->Read(&answer)) {
      if (on_answer) on_answer(answer);
      run.answers.push_back(answer);
    }
  });
  for (size_t i = 0; i < rows.size(); i += batch_size) {
    v1::ImportActorsRequest req;
    req.set_first_row_number(static_cast<int64_t>(i) + 1);
    req.set_mode(mode);
    req.set_dry_run(dry_run);
    for (size_t j = i; j < std::min(rows.size(), i + batch_size); ++j) {
      *req.add_actors() = rows[j];
    }
    if (!stream->Write(req)) break;
  }
  stream->WritesDone();
  reader.join();
  run.status = stream->Finish();
  return run;
}

std::vector<v1::Actor> Directory(int n, const std::string& prefix) {
  static const char* kCommunes[] = {"94018", "94028", "75056",
                                    "69123", "13055", "33063"};
  std::vector<v1::Actor> rows;
  for (int i = 0; i < n; ++i) {
    v1::Actor a =
        SampleActor(prefix + std::to_string(i), "Acteur " + std::to_string(i));
    a.set_home_commune(kCommunes[i % 6]);
    if (i % 3 == 0) a.set_kind(v1::ACTOR_KIND_ASSOCIATION);
    auto* offer = a.add_offers();
    offer->set_resource(i % 2 ? "skills" : "funding");
    rows.push_back(a);
  }
  return rows;
}

TEST(ImportTest, DirtyRowsAreReportedAndGoodRowsKept) {
  testing::TestServer server;
  server.Start();
  std::vector<v1::Actor> rows = Directory(6, "ext:lab:");
  rows[1].set_home_commune("99999");  // row 2: unknown commune
  rows[2].add_themes("knitting");     // row 3: unknown theme
  rows[3].set_id(rows[0].id());       // row 4: duplicate key
  rows[4].clear_id();                 // row 5: no key
  rows[5].set_name("");               // row 6: no name
  ImportRun run = Import(server.actors(), rows, 4);
  ASSERT_TRUE(run.status.ok()) << run.status.error_message();
  EXPECT_EQ(run.totals().created(), 1);
  EXPECT_EQ(run.totals().rejected(), 5);
  EXPECT_EQ(run.answers.back().batches(), 2);
  EXPECT_THAT(run.Errors(), ElementsAre("2:home_commune", "3:themes[1]", "4:id",
                                        "5:id", "6:name"));
  EXPECT_EQ(testing::ExportedContent(server.actors()).size(), 1u);
}

TEST(ImportTest, ReimportChangesNothing) {
  testing::TestServer server;
  server.Start();
  std::vector<v1::Actor> rows = Directory(2500, "ext:idem:");
  ImportRun first = Import(server.actors(), rows, 1000);
  ASSERT_TRUE(first.status.ok());
  EXPECT_EQ(first.answers.size(), 4u);  // 3 batches + totals
  EXPECT_EQ(first.totals().created(), 2500);
  auto before = testing::ExportedContent(server.actors());
  // Raw records, etags included, must not change either.
  grpc::ClientContext ctx;
  v1::GetActorRequest get;
  get.set_id("ext:idem:7");
  v1::Actor a1, a2;
  ASSERT_TRUE(server.actors().GetActor(&ctx, get, &a1).ok());

  ImportRun second = Import(server.actors(), rows, 1000);
  ASSERT_TRUE(second.status.ok());
  EXPECT_EQ(second.totals().unchanged(), 2500);
  EXPECT_EQ(second.totals().created() + second.totals().updated(), 0);
  EXPECT_EQ(testing::ExportedContent(server.actors()), before);
  grpc::ClientContext ctx2;
  ASSERT_TRUE(server.actors().GetActor(&ctx2, get, &a2).ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(a1, a2));
}

TEST(ImportTest, DryRunWritesNothing) {
  testing::TestServer server;
  server.Start();
  ImportRun run = Import(server.actors(), Directory(10, "ext:dry:"), 5,
                         v1::IMPORT_MODE_MERGE, /*dry_run=*/true);
  ASSERT_TRUE(run.status.ok());
  EXPECT_EQ(run.totals().created(), 10);
  EXPECT_TRUE(testing::ExportedContent(server.actors()).empty());
}

// The server writes an imported record without serializing it a second
// time after its etag is computed; what it stores must still be the
// record's canonical bytes with the etag of its content, contacts and
// fields unknown to this server included, as for any other write.
TEST(ImportTest, StoredRecordsAreCanonicalWithTheirEtag) {
  testing::TestServer server;
  server.Start();
  std::vector<v1::Actor> rows = Directory(20, "ext:canon:");
  for (int i = 0; i < 20; i += 3) {
    v1::Contact* c = rows[i].add_contacts();
    c->set_name("Camille Martin");
    c->set_email("camille@example.org");
  }
  // A field of a newer API, unknown to this server: kept in the record.
  rows[1].GetReflection()->MutableUnknownFields(&rows[1])->AddVarint(999, 7);
  rows[3].GetReflection()->MutableUnknownFields(&rows[3])->AddVarint(999, 7);
  ImportRun run = Import(server.actors(), rows, 8);
  ASSERT_TRUE(run.status.ok());
  ASSERT_EQ(run.totals().created(), 20);
  server.Stop();

  storage::Store::Options options;
  options.path = server.data_dir();
  options.create_if_missing = false;
  auto store = storage::Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  std::map<std::string, std::string> records;  // raw, by key
  ASSERT_TRUE((*store)
                  ->Scan(storage::Family::kActors, "", "",
                         [&](std::string_view key, std::string_view value) {
                           records[std::string(key)] = std::string(value);
                           return true;
                         })
                  .ok());
  ASSERT_EQ(records.size(), 20u);
  for (const auto& [key, value] : records) {
    v1::Actor actor;
    ASSERT_TRUE(actor.ParseFromString(value)) << key;
    EXPECT_EQ(actor.SerializeAsString(), value) << key;
    EXPECT_TRUE(actor.contacts().empty()) << key;
    // The etag hashes the content with its contacts, without the etag.
    storage::ContactRecord contacts;
    ASSERT_TRUE((*store)
                    ->GetMessage(storage::Family::kContacts,
                                 storage::keys::Contacts(
                                     key, storage::keys::kDefaultWorkspace),
                                 &contacts)
                    .ok());
    actor.mutable_contacts()->Swap(contacts.mutable_contacts());
    std::string etag = actor.etag();
    actor.clear_etag();
    int64_t updated = google::protobuf::util::TimeUtil::TimestampToMicroseconds(
        actor.update_time());
    EXPECT_EQ(etag, core::MakeEtag(actor.SerializeAsString(), updated)) << key;
  }
}

TEST(ImportTest, MergeCompletesAndReplaceOverwrites) {
  testing::TestServer server;
  server.Start();
  v1::Actor sirene = SampleActor("rna:W941000001", "ASSOC JEUNES CHARENTON");
  sirene.set_kind(v1::ACTOR_KIND_ASSOCIATION);
  sirene.set_naf_code("88.99B");
  ASSERT_TRUE(Import(server.actors(), {sirene}, 10).status.ok());
  // The RNA file knows the purpose codes, not the NAF code.
  v1::Actor rna;
  rna.set_id("rna:W941000001");
  rna.add_association_purpose_codes("015000");
  rna.set_description("Accompagnement des jeunes");
  ImportRun run = Import(server.actors(), {rna}, 10);
  ASSERT_TRUE(run.status.ok());
  EXPECT_EQ(run.totals().updated(), 1);
  grpc::ClientContext ctx;
  v1::GetActorRequest get;
  get.set_id("rna:W941000001");
  v1::Actor merged;
  ASSERT_TRUE(server.actors().GetActor(&ctx, get, &merged).ok());
  EXPECT_EQ(merged.naf_code(), "88.99B");
  EXPECT_EQ(merged.name(), "ASSOC JEUNES CHARENTON");
  EXPECT_THAT(merged.association_purpose_codes(), ElementsAre("015000"));
  // REPLACE: the row is the whole actor (here: missing required fields).
  ImportRun replaced =
      Import(server.actors(), {rna}, 10, v1::IMPORT_MODE_REPLACE);
  EXPECT_EQ(replaced.totals().rejected(), 1);
}

// The server validates batch k+1 while batch k is being written: a batch
// touching the ids of the one before must still see it (and answers keep
// the order of the batches).
TEST(ImportTest, ConsecutiveBatchesTouchingTheSameIdsSeeEachOther) {
  testing::TestServer server;
  server.Start();
  constexpr int kIds = 300;
  constexpr int kRounds = 8;
  std::vector<v1::Actor> base = Directory(kIds, "ext:seq:");
  // Rounds of one batch each: odd rounds add a description (every row
  // updated), even rounds repeat the row before (unchanged), the first
  // creates.
  std::vector<v1::Actor> rows;
  for (int round = 0; round < kRounds; ++round) {
    for (v1::Actor a : base) {
      if (round > 0) {
        v1::Actor merge;
        merge.set_id(a.id());
        merge.set_description("version " + std::to_string((round + 1) / 2));
        a = merge;
      }
      rows.push_back(a);
    }
  }
  ImportRun run = Import(server.actors(), rows, kIds);
  ASSERT_TRUE(run.status.ok()) << run.status.error_message();
  ASSERT_EQ(run.answers.size(), kRounds + 1u);
  for (int round = 0; round < kRounds; ++round) {
    const v1::ImportActorsResponse& a = run.answers[round];
    SCOPED_TRACE(round);
    EXPECT_EQ(a.batch_index(), round);
    EXPECT_EQ(a.counts().created(), round == 0 ? kIds : 0);
    EXPECT_EQ(a.counts().updated(), round % 2 == 1 ? kIds : 0);
    EXPECT_EQ(a.counts().unchanged(), round > 0 && round % 2 == 0 ? kIds : 0);
  }
  grpc::ClientContext ctx;
  v1::GetActorRequest get;
  get.set_id("ext:seq:42");
  v1::Actor merged;
  ASSERT_TRUE(server.actors().GetActor(&ctx, get, &merged).ok());
  EXPECT_EQ(merged.description(), "version " + std::to_string(kRounds / 2));
  EXPECT_EQ(merged.name(), "Acteur 42");
}

// Two streams importing the same rows at the same time: each id is created
// once (by one of them) and found unchanged by the other.
TEST(ImportTest, ConcurrentStreamsOnTheSameIdsCreateEachOnce) {
  testing::TestServer server;
  server.Start();
  std::vector<v1::Actor> rows = Directory(3000, "ext:twin:");
  ImportRun runs[2];
  std::thread other([&] { runs[1] = Import(server.actors(), rows, 500); });
  runs[0] = Import(server.actors(), rows, 500);
  other.join();
  int64_t created = 0, unchanged = 0;
  for (const ImportRun& run : runs) {
    ASSERT_TRUE(run.status.ok()) << run.status.error_message();
    created += run.totals().created();
    unchanged += run.totals().unchanged();
  }
  EXPECT_EQ(created, 3000);
  EXPECT_EQ(unchanged, 3000);
  EXPECT_EQ(testing::ExportedContent(server.actors()).size(), 3000u);
}

// An acknowledged batch is visible to the next query, the index included
// (a filtered list is answered from the index).
// Every acknowledged batch is in the index by the time its answer comes,
// with the import's threads at `import_nice`.
void ExpectAcknowledgedBatchesListed(int import_nice) {
  testing::TestServer server;
  server.options().core.import_nice = import_nice;
  server.Start();
  std::vector<v1::Actor> rows = Directory(600, "ext:vis:");
  for (v1::Actor& a : rows) a.set_home_commune("94018");
  std::vector<int> listed;
  ImportRun run =
      Import(server.actors(), rows, 60, v1::IMPORT_MODE_MERGE, false,
             [&](const v1::ImportActorsResponse& answer) {
               if (answer.done()) return;
               grpc::ClientContext ctx;
               v1::ListActorsRequest list;
               list.mutable_territory()->set_level(v1::TERRITORY_LEVEL_COMMUNE);
               list.mutable_territory()->set_code("94018");
               list.set_page_size(1000);
               v1::ListActorsResponse page;
               ASSERT_TRUE(server.actors().ListActors(&ctx, list, &page).ok());
               listed.push_back(page.actors_size());
             });
  ASSERT_TRUE(run.status.ok()) << run.status.error_message();
  ASSERT_EQ(listed.size(), 10u);
  for (size_t k = 0; k < listed.size(); ++k) {
    EXPECT_GE(listed[k], 60 * static_cast<int>(k + 1)) << "after batch " << k;
  }
}

TEST(ImportTest, AcknowledgedBatchIsListedAtOnce) {
  ExpectAcknowledgedBatchesListed(0);
}

// As shipped: the prepare thread at nice 19, and the commit thread too
// where its index-lock slices may run at real-time priority (as root here).
TEST(ImportTest, AcknowledgedBatchIsListedAtOnceWithImportsNiced) {
  ExpectAcknowledgedBatchesListed(19);
}

// The seconds imports waited for interactive calls, from the metrics.
double PacedSeconds(testing::TestServer& server) {
  auto body = ops::testing::HttpGet("127.0.0.1", server.server().metrics_port(),
                                    "/metrics");
  EXPECT_TRUE(body.ok()) << body.status();
  if (!body.ok()) return -1;
  auto scrape = ops::testing::ParseScrape(*body);
  EXPECT_TRUE(scrape.ok()) << scrape.status();
  if (!scrape.ok()) return -1;
  auto it = scrape->samples.find("maillage_import_paced_seconds_total");
  EXPECT_NE(it, scrape->samples.end());
  return it == scrape->samples.end() ? -1 : it->second;
}

// --import_rows_per_second_when_busy: while a client keeps reading, the
// import waits for it (and still applies and acknowledges every row); alone,
// the same import never waits.
TEST(ImportTest, ImportsGiveWayToInteractiveCallsAndOnlyThen) {
  testing::TestServer server;
  server.options().metrics_address = "127.0.0.1:0";
  // 2,000 rows a second with a burst of 500: 3,000 rows owe over a second.
  server.options().requests.import_pacing.busy_rows_per_second = 2000;
  server.options().requests.import_pacing.burst_rows = 500;
  server.Start();
  std::vector<v1::Actor> rows = Directory(3000, "ext:paced:");

  ImportRun alone = Import(server.actors(), rows, 500);
  ASSERT_TRUE(alone.status.ok()) << alone.status.error_message();
  EXPECT_EQ(alone.totals().created(), 3000);
  EXPECT_EQ(PacedSeconds(server), 0);

  std::atomic<bool> importing{true};
  std::thread reader([&] {
    while (importing.load()) {
      grpc::ClientContext ctx;
      v1::GetActorRequest get;
      get.set_id("ext:paced:0");
      v1::Actor actor;
      EXPECT_TRUE(server.actors().GetActor(&ctx, get, &actor).ok());
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  for (v1::Actor& a : rows) a.set_name(a.name() + " (mise à jour)");
  ImportRun busy = Import(server.actors(), rows, 500);
  importing = false;
  reader.join();
  ASSERT_TRUE(busy.status.ok()) << busy.status.error_message();
  EXPECT_EQ(busy.totals().updated(), 3000);
  EXPECT_GT(PacedSeconds(server), 0.5);
}

// Stopping the server while a stream still sends batches (some prepared,
// some being committed on the directory's commit thread) ends the call and
// shuts down cleanly; what was acknowledged is stored.
TEST(ImportTest, ShutdownDuringImportEndsTheStreamCleanly) {
  testing::TestServer server;
  server.Start();
  auto channel =
      maillage::testing::ChannelWithToken(server.target(), server.admin_key());
  auto stub = v1::ActorService::NewStub(channel);
  std::vector<v1::Actor> rows = Directory(20000, "ext:stop:");
  std::atomic<int> answers{0};
  std::atomic<bool> finished{false};
  std::thread importer([&] {
    Import(*stub, rows, 200, v1::IMPORT_MODE_MERGE, false,
           [&](const v1::ImportActorsResponse&) { ++answers; });
    finished = true;
  });
  // Stop once the import is under way (a few batches answered).
  while (answers.load() < 3 && !finished.load()) std::this_thread::yield();
  server.server().Shutdown(absl::ZeroDuration());
  importer.join();
  SUCCEED();
}

TEST(ExportTest, RoundTripIntoEmptyStoreGivesSameActors) {
  testing::TestServer source;
  source.Start();
  std::vector<v1::Actor> rows = Directory(1234, "ext:rt:");
  rows[5].add_contacts()->set_name("Claire Martin");
  ASSERT_TRUE(Import(source.actors(), rows, 500).status.ok());
  auto exported = testing::ExportedContent(source.actors());
  ASSERT_EQ(exported.size(), 1234u);

  // Re-import what ExportActors streamed, as a partner platform would.
  std::vector<v1::Actor> again;
  {
    grpc::ClientContext ctx;
    v1::ExportActorsRequest req;
    req.set_view(v1::ACTOR_VIEW_FULL);
    auto reader = source.actors().ExportActors(&ctx, req);
    v1::ExportActorsResponse chunk;
    while (reader->Read(&chunk)) {
      for (const auto& a : chunk.actors()) again.push_back(a);
    }
    ASSERT_TRUE(reader->Finish().ok());
  }
  testing::TestServer target;
  target.Start();
  ImportRun run = Import(target.actors(), again, 700, v1::IMPORT_MODE_REPLACE);
  ASSERT_TRUE(run.status.ok());
  EXPECT_EQ(run.totals().created(), 1234);
  EXPECT_EQ(testing::ExportedContent(target.actors()), exported);

  // Export honours filters.
  grpc::ClientContext ctx;
  v1::ExportActorsRequest filtered;
  filtered.mutable_territory()->set_level(v1::TERRITORY_LEVEL_DEPARTEMENT);
  filtered.mutable_territory()->set_code("94");
  auto reader = source.actors().ExportActors(&ctx, filtered);
  v1::ExportActorsResponse chunk;
  size_t n = 0;
  while (reader->Read(&chunk)) n += chunk.actors_size();
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_EQ(n, 2u * (1234 / 6) + (1234 % 6 >= 2 ? 2 : 1234 % 6));
}

TEST(ImportCrashTest, KillNineMidImportThenRerunEqualsCleanImport) {
  testing::TempDir dir;
  std::vector<std::string> args = {"--listen=127.0.0.1:0",
                                   "--data_dir=" + dir.Sub("store"),
                                   "--reference_dir=" MAILLAGE_REFERENCE_DIR};
  std::vector<v1::Actor> rows = Directory(60000, "ext:crash:");
  constexpr size_t kBatch = 1000;

  std::vector<int64_t> acknowledged;  // batch indexes
  {
    testing::ServerProcess server(MAILLAGE_SERVER_BINARY, args);
    ASSERT_TRUE(server.Start()) << server.error();
    auto stub = v1::ActorService::NewStub(maillage::testing::ChannelWithToken(
        server.target(), server.admin_key()));
    std::atomic<bool> killed{false};
    Import(*stub, rows, kBatch, v1::IMPORT_MODE_MERGE, false,
           [&](const v1::ImportActorsResponse& answer) {
             if (answer.done() || killed) return;
             acknowledged.push_back(answer.batch_index());
             if (acknowledged.size() == 10) {
               killed = true;
               server.Signal(SIGKILL);
             }
           });
    ASSERT_TRUE(killed.load());
  }
  ASSERT_GE(acknowledged.size(), 10u);

  testing::ServerProcess restarted(MAILLAGE_SERVER_BINARY, args);
  ASSERT_TRUE(restarted.Start()) << restarted.error();
  auto stub = v1::ActorService::NewStub(maillage::testing::ChannelWithToken(
      restarted.target(), restarted.admin_key()));
  auto after_crash = testing::ExportedContent(*stub);
  for (int64_t b : acknowledged) {
    for (size_t j = static_cast<size_t>(b) * kBatch;
         j < (static_cast<size_t>(b) + 1) * kBatch; ++j) {
      ASSERT_TRUE(after_crash.count(rows[j].id())) << "row " << j;
    }
  }
  ImportRun rerun = Import(*stub, rows, kBatch);
  ASSERT_TRUE(rerun.status.ok());
  EXPECT_EQ(rerun.totals().unchanged() + rerun.totals().created(), 60000);
  EXPECT_GE(rerun.totals().unchanged(),
            static_cast<int64_t>(acknowledged.size() * kBatch));

  testing::TestServer clean;
  clean.Start();
  ASSERT_TRUE(Import(clean.actors(), rows, kBatch).status.ok());
  EXPECT_EQ(testing::ExportedContent(*stub),
            testing::ExportedContent(clean.actors()));
}

}  // namespace
}  // namespace maillage

// A full disk, for real: the store on a small tmpfs that the test fills.
// The server must never crash, refuse writes with the documented error while
// reads go on, say so through the health service, answer every import batch,
// resume writes by itself once space is freed, and lose nothing it
// acknowledged (checked after a kill -9 and a restart).
//
// Mounting a tmpfs needs root (or CAP_SYS_ADMIN): elsewhere the tests skip
// with a message.
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "storage/store.h"
#include "tests/support/credentials.h"
#include "tests/support/server_process.h"
#include "tests/support/small_disk.h"
#include "tests/support/test_server.h"

namespace maillage {
namespace {

using grpc::health::v1::HealthCheckResponse;

constexpr char kDiskFullMessage[] =
    "the server's disk is full: writes are refused until space is freed; "
    "reads still work";
// Hang guards only: every wait below ends as soon as the awaited state is
// reached.
constexpr auto kCallDeadline = std::chrono::seconds(60);
constexpr auto kStateDeadline = std::chrono::seconds(60);

#define SKIP_UNLESS_MOUNTED(disk)                                         \
  if (!(disk).mounted()) {                                                \
    GTEST_SKIP() << "cannot mount a small tmpfs here (" << (disk).error() \
                 << "); the full-disk tests need root or CAP_SYS_ADMIN";  \
  }

std::vector<std::string> ServerArgs(const testing::SmallDisk& disk) {
  return {"--listen=127.0.0.1:0", "--data_dir=" + disk.Sub("store"),
          "--reference_dir=" MAILLAGE_REFERENCE_DIR, "--min_free_disk_mb=8"};
}

std::chrono::system_clock::time_point Deadline() {
  return std::chrono::system_clock::now() + kCallDeadline;
}

// Letters that compress poorly, so that the disk fills at the pace of the
// rows sent.
std::string Filler(std::mt19937* random, size_t size) {
  std::uniform_int_distribution<int> letter('a', 'z');
  std::string text(size, ' ');
  for (char& c : text) c = static_cast<char>(letter(*random));
  return text;
}

// `count` actors of about 4 KB each, ids "ext:full:<batch>-<i>".
std::vector<v1::Actor> Rows(int batch, int count, std::mt19937* random) {
  std::vector<v1::Actor> rows;
  for (int i = 0; i < count; ++i) {
    std::string id =
        "ext:full:" + std::to_string(batch) + "-" + std::to_string(i);
    v1::Actor actor = testing::SampleActor(id, "Acteur " + id);
    actor.set_description(Filler(random, 4000));
    rows.push_back(std::move(actor));
  }
  return rows;
}

// An ImportActors call that sends each batch only once the previous one was
// answered: a batch the server left unanswered would hang it, which the
// deadline turns into a failure.
class StepImport {
 public:
  explicit StepImport(v1::ActorService::Stub& stub) {
    context_.set_deadline(Deadline());
    stream_ = stub.ImportActors(&context_);
  }

  // Sends one batch and waits for its answer; false when the call ended
  // instead (see Finish).
  bool Send(const std::vector<v1::Actor>& rows,
            v1::ImportActorsResponse* answer) {
    v1::ImportActorsRequest request;
    for (const v1::Actor& row : rows) *request.add_actors() = row;
    if (!stream_->Write(request)) return false;
    return stream_->Read(answer);
  }

  grpc::Status Finish() {
    stream_->WritesDone();
    v1::ImportActorsResponse rest;
    while (stream_->Read(&rest)) {
    }
    return stream_->Finish();
  }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::ImportActorsRequest,
                                           v1::ImportActorsResponse>>
      stream_;
};

// The documented refusal: RESOURCE_EXHAUSTED, the fixed message (no file,
// no folder), and a RetryInfo detail.
void ExpectDiskFull(const grpc::Status& status, const std::string& disk_path) {
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << status.error_message();
  EXPECT_EQ(status.error_message(), kDiskFullMessage);
  EXPECT_EQ(status.error_message().find(disk_path), std::string::npos);
  EXPECT_EQ(status.error_message().find('/'), std::string::npos);
  google::rpc::Status rich;
  ASSERT_TRUE(rich.ParseFromString(status.error_details()));
  bool has_retry_info = false;
  for (const auto& any : rich.details()) {
    google::rpc::RetryInfo retry;
    if (any.type_url() == "type.googleapis.com/google.rpc.RetryInfo" &&
        retry.ParseFromString(any.value())) {
      has_retry_info = retry.retry_delay().seconds() > 0;
    }
  }
  EXPECT_TRUE(has_retry_info);
}

HealthCheckResponse::ServingStatus Health(grpc::health::v1::Health::Stub& stub,
                                          const std::string& service) {
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline());
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  HealthCheckResponse response;
  grpc::Status status = stub.Check(&ctx, request, &response);
  EXPECT_TRUE(status.ok()) << service << ": " << status.error_message();
  return response.status();
}

// Polls the health of `service` until it is `wanted`; false at the hang
// guard.
bool AwaitHealth(grpc::health::v1::Health::Stub& stub,
                 const std::string& service,
                 HealthCheckResponse::ServingStatus wanted) {
  auto give_up = std::chrono::steady_clock::now() + kStateDeadline;
  while (std::chrono::steady_clock::now() < give_up) {
    if (Health(stub, service) == wanted) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

grpc::Status Create(v1::ActorService::Stub& stub, const v1::Actor& actor) {
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline());
  v1::CreateActorRequest request;
  *request.mutable_actor() = actor;
  v1::Actor created;
  return stub.CreateActor(&ctx, request, &created);
}

// OK when every id is stored (BatchGetActors fails on a missing one).
grpc::Status GetAll(v1::ActorService::Stub& stub,
                    const std::set<std::string>& ids) {
  std::vector<std::string> all(ids.begin(), ids.end());
  for (size_t i = 0; i < all.size(); i += 1000) {
    v1::BatchGetActorsRequest request;
    for (size_t j = i; j < std::min(all.size(), i + 1000); ++j) {
      request.add_ids(all[j]);
    }
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    v1::BatchGetActorsResponse response;
    grpc::Status status = stub.BatchGetActors(&ctx, request, &response);
    if (!status.ok()) return status;
  }
  return grpc::Status::OK;
}

// Imports 250-row batches (about 1 MB each) until the server refuses one;
// every acknowledged id goes to `acknowledged`. Returns the call's status.
grpc::Status ImportUntilRefused(v1::ActorService::Stub& stub,
                                std::mt19937* random,
                                std::set<std::string>* acknowledged) {
  StepImport import(stub);
  for (int batch = 0; batch < 200; ++batch) {
    std::vector<v1::Actor> rows = Rows(batch, 250, random);
    v1::ImportActorsResponse answer;
    if (!import.Send(rows, &answer)) break;
    EXPECT_EQ(answer.counts().created(), 250) << "batch " << batch;
    for (const v1::Actor& row : rows) acknowledged->insert(row.id());
  }
  return import.Finish();
}

// GetActor of `id` and a page of ListActors answer.
void ExpectReadsWork(v1::ActorService::Stub& stub, const std::string& id) {
  grpc::ClientContext get_ctx;
  get_ctx.set_deadline(Deadline());
  v1::GetActorRequest get;
  get.set_id(id);
  v1::Actor actor;
  grpc::Status got = stub.GetActor(&get_ctx, get, &actor);
  EXPECT_TRUE(got.ok()) << got.error_message();

  grpc::ClientContext list_ctx;
  list_ctx.set_deadline(Deadline());
  v1::ListActorsRequest list;
  list.set_page_size(10);
  v1::ListActorsResponse page;
  grpc::Status listed = stub.ListActors(&list_ctx, list, &page);
  EXPECT_TRUE(listed.ok()) << listed.error_message();
  EXPECT_EQ(page.actors_size(), 10);
}

// Imports `rows` as the one batch of a call; OK when both the batch and the
// call succeeded.
grpc::Status ImportOneBatch(v1::ActorService::Stub& stub,
                            const std::vector<v1::Actor>& rows) {
  StepImport import(stub);
  v1::ImportActorsResponse answer;
  bool answered = import.Send(rows, &answer);
  grpc::Status status = import.Finish();
  if (status.ok() && (!answered || answer.counts().created() !=
                                       static_cast<int64_t>(rows.size()))) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "batch not all created");
  }
  return status;
}

TEST(DiskFullTest, ServerRefusesWritesKeepsReadingAndRecoversWithoutRestart) {
  testing::SmallDisk disk(40);
  SKIP_UNLESS_MOUNTED(disk);
  ASSERT_TRUE(disk.WriteBallast("ballast", 12));
  std::mt19937 random(18);
  std::set<std::string> acknowledged;

  testing::ServerProcess server(MAILLAGE_SERVER_BINARY, ServerArgs(disk));
  ASSERT_TRUE(server.Start()) << server.error();
  auto channel =
      maillage::testing::ChannelWithToken(server.target(), server.admin_key());
  auto actors = v1::ActorService::NewStub(channel);
  auto health = grpc::health::v1::Health::NewStub(channel);
  ASSERT_EQ(Health(*health, "maillage.v1.Writes"),
            HealthCheckResponse::SERVING);

  // Fill the disk: the import ends with the documented error, not a hang.
  grpc::Status refused = ImportUntilRefused(*actors, &random, &acknowledged);
  ExpectDiskFull(refused, disk.path());
  ASSERT_FALSE(acknowledged.empty()) << "the disk filled before any batch";
  ExpectDiskFull(Create(*actors, testing::SampleActor("ext:full:one", "Un")),
                 disk.path());

  // Reads go on; health tells load balancers that writes are refused.
  ExpectReadsWork(*actors, *acknowledged.begin());
  EXPECT_TRUE(AwaitHealth(*health, "maillage.v1.Writes",
                          HealthCheckResponse::NOT_SERVING));
  EXPECT_EQ(Health(*health, ""), HealthCheckResponse::SERVING);
  EXPECT_EQ(Health(*health, "maillage.v1.ActorService"),
            HealthCheckResponse::SERVING);

  // Space comes back: writes resume by themselves, no restart.
  std::filesystem::remove(disk.Sub("ballast"));
  EXPECT_TRUE(
      AwaitHealth(*health, "maillage.v1.Writes", HealthCheckResponse::SERVING));
  v1::Actor after = testing::SampleActor("ext:full:after", "Après");
  grpc::Status created = Create(*actors, after);
  ASSERT_TRUE(created.ok()) << created.error_message();
  acknowledged.insert(after.id());
  std::vector<v1::Actor> rows = Rows(1000, 250, &random);
  ASSERT_TRUE(ImportOneBatch(*actors, rows).ok());
  for (const v1::Actor& row : rows) acknowledged.insert(row.id());

  // It never crashed: it is still there for SIGKILL to end it.
  int status = server.Signal(SIGKILL);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "the server ended by itself; its output:\n"
      << server.output();

  testing::ServerProcess restarted(MAILLAGE_SERVER_BINARY, ServerArgs(disk));
  ASSERT_TRUE(restarted.Start()) << restarted.error();
  auto stub = v1::ActorService::NewStub(maillage::testing::ChannelWithToken(
      restarted.target(), restarted.admin_key()));
  grpc::Status all = GetAll(*stub, acknowledged);
  EXPECT_TRUE(all.ok()) << acknowledged.size()
                        << " acknowledged, some lost: " << all.error_message();
  std::fprintf(stderr, "%zu actors acknowledged, all found after kill -9\n",
               acknowledged.size());
}

// The second line of defence: with the guard out of the way, RocksDB itself
// meets the full disk (as when another program fills it): in its log, its
// flushes and its compactions. The store must refuse writes with the same
// error, keep the process alive and the reads going, and write again once
// space is freed.
TEST(DiskFullTest, StoreSurvivesRocksDbMeetingTheFullDisk) {
  testing::SmallDisk disk(32);
  SKIP_UNLESS_MOUNTED(disk);
  ASSERT_TRUE(disk.WriteBallast("ballast", 12));
  storage::Store::Options options;
  options.path = disk.Sub("store");
  options.min_free_disk_bytes = 0;
  options.disk_probe = [](const std::string&) -> absl::StatusOr<uint64_t> {
    return uint64_t{1} << 40;  // the guard sees plenty of room
  };
  auto opened = storage::Store::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.status();
  std::unique_ptr<storage::Store> store = std::move(*opened);

  std::mt19937 random(7);
  std::vector<std::string> acknowledged;
  absl::Status refused;
  for (int i = 0; i < 10000 && refused.ok(); ++i) {
    storage::WriteBatch batch;
    std::vector<std::string> keys;
    for (int j = 0; j < 16; ++j) {
      keys.push_back("k" + std::to_string(i) + "-" + std::to_string(j));
      batch.Put(storage::Family::kActors, keys.back(), Filler(&random, 4096));
    }
    refused = store->Write(batch);
    if (refused.ok())
      acknowledged.insert(acknowledged.end(), keys.begin(), keys.end());
  }
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted) << refused;
  EXPECT_EQ(refused.message(), kDiskFullMessage);
  ASSERT_FALSE(acknowledged.empty());

  // Stopped, not dead. Each later write is acknowledged (the store reopens
  // RocksDB when it finds a little room) or refused the same way; reads go
  // on throughout.
  int refusals = 0;
  for (int i = 0; i < 5000 && refusals < 20; ++i) {
    storage::WriteBatch late;
    std::string key = "late" + std::to_string(i);
    late.Put(storage::Family::kActors, key, Filler(&random, 4096));
    absl::Status written = store->Write(late);
    if (written.ok()) {
      acknowledged.push_back(key);
    } else {
      EXPECT_EQ(written.code(), absl::StatusCode::kResourceExhausted)
          << written;
      ++refusals;
    }
    auto read = store->Get(storage::Family::kActors, acknowledged.front());
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_TRUE(read->has_value());
  }
  EXPECT_EQ(refusals, 20);

  // Space comes back: writes do too, by themselves (with the guard blinded,
  // RocksDB's pending compactions may first take some of the freed space
  // and meet the full disk once more).
  std::filesystem::remove(disk.Sub("ballast"));
  storage::WriteBatch one;
  one.Put(storage::Family::kActors, "one", "1");
  absl::Status written = absl::UnknownError("not tried");
  auto give_up = std::chrono::steady_clock::now() + kStateDeadline;
  while (std::chrono::steady_clock::now() < give_up) {
    if (store->CheckWrites() == storage::Store::WriteState::kWritable) {
      written = store->Write(one);
      if (written.ok()) break;
      EXPECT_EQ(written.code(), absl::StatusCode::kResourceExhausted);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(written.ok()) << written;
  acknowledged.push_back("one");

  store.reset();
  opened = storage::Store::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.status();
  for (const std::string& key : acknowledged) {
    auto value = (*opened)->Get(storage::Family::kActors, key);
    ASSERT_TRUE(value.ok()) << value.status();
    ASSERT_TRUE(value->has_value()) << key << " was acknowledged, then lost";
  }
}

}  // namespace
}  // namespace maillage

// A disk that stops syncing holds the calls that write, never the ones that
// only read: tested on the real binary, its fsync and fdatasync held by a
// preloaded library (tests/support/sync_gate.cc) while a gate file exists.
// Every durable write then waits for its WAL's sync on a worker thread; the
// calls that write run on a pool of their own (RequestHandler::SetWritePool),
// so that once it is full they queue, then are shed with RESOURCE_EXHAUSTED,
// while reads, and SuggestPartners (which only hands what it records to a
// round), are served by the readers' pool. Once the disk syncs again,
// every write accepted meanwhile is acknowledged and stored. The pools'
// metrics show which one is full, and how long its tasks waited.
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/config.h"
#include "cli/bearer_channel.h"
#include "gtest/gtest.h"
#include "maillage/v1/actor.grpc.pb.h"
#include "maillage/v1/matching.grpc.pb.h"
#include "ops/metrics_testing.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

namespace maillage {
namespace {

using Clock = std::chrono::steady_clock;

// A call's deadline `seconds` from now (gRPC takes the system clock).
std::chrono::system_clock::time_point InSeconds(int seconds) {
  return std::chrono::system_clock::now() + std::chrono::seconds(seconds);
}

// Two workers for each pool and at most two calls waiting for one: three
// writes after the first two are enough to see the write pool full.
std::vector<std::string> Args(const testing::TempDir& dir,
                              const std::string& write_workers) {
  return {"--listen=127.0.0.1:0",
          "--data_dir=" + dir.Sub("store"),
          "--reference_dir=" MAILLAGE_REFERENCE_DIR,
          "--worker_threads=2",
          "--write_worker_threads=" + write_workers,
          "--max_queued_calls=2",
          "--rate_limit_per_second=0",
          "--metrics_address=127.0.0.1:0"};
}

// The samples of the server's /metrics.
std::map<std::string, double> Scrape(testing::ServerProcess& server) {
  auto body =
      ops::testing::HttpGet("127.0.0.1", server.metrics_port(), "/metrics");
  if (!body.ok()) {
    ADD_FAILURE() << body.status();
    return {};
  }
  auto scrape = ops::testing::ParseScrape(*body);
  if (!scrape.ok()) {
    ADD_FAILURE() << scrape.status();
    return {};
  }
  return scrape->samples;
}

// The sample `name`{pool=`pool`}, or -1 when the scrape has none.
double PoolSample(const std::map<std::string, double>& samples,
                  const std::string& name, const std::string& pool) {
  auto it = samples.find(ops::testing::SampleKey(name, {{"pool", pool}}));
  return it == samples.end() ? -1 : it->second;
}

// `call(context)` with a context whose deadline is 10 s away.
template <typename Call>
grpc::Status WithinTenSeconds(Call call) {
  grpc::ClientContext context;
  context.set_deadline(InSeconds(10));
  return call(&context);
}

// Starts `server` with the sync gate preloaded and watching `gate` (the
// variables are the child's: set around the fork only).
bool StartWithSyncGate(testing::ServerProcess& server,
                       const std::string& gate) {
  const char* preloaded = getenv("LD_PRELOAD");
  const std::string before = preloaded != nullptr ? preloaded : "";
  const std::string preload = before.empty()
                                  ? MAILLAGE_SYNC_GATE_LIBRARY
                                  : before + ":" + MAILLAGE_SYNC_GATE_LIBRARY;
  setenv("LD_PRELOAD", preload.c_str(), 1);
  setenv("MAILLAGE_SYNC_GATE", gate.c_str(), 1);
  const bool started = server.Start();
  if (before.empty()) {
    unsetenv("LD_PRELOAD");
  } else {
    setenv("LD_PRELOAD", before.c_str(), 1);
  }
  unsetenv("MAILLAGE_SYNC_GATE");
  return started;
}

// One CreateActor sent on its own thread; its outcome once answered.
class PendingWrite {
 public:
  PendingWrite(std::shared_ptr<grpc::Channel> channel, std::string id)
      : id_(std::move(id)), thread_([this, channel = std::move(channel)] {
          auto stub = v1::ActorService::NewStub(channel);
          grpc::ClientContext context;
          context.set_deadline(InSeconds(120));
          v1::CreateActorRequest request;
          *request.mutable_actor() = testing::SampleActor(id_, "Acteur " + id_);
          v1::Actor created;
          grpc::Status status = stub->CreateActor(&context, request, &created);
          std::lock_guard lock(mu_);
          status_ = status;
          answered_ = true;
        }) {}
  ~PendingWrite() {
    if (thread_.joinable()) thread_.join();
  }

  const std::string& id() const { return id_; }
  bool answered() const {
    std::lock_guard lock(mu_);
    return answered_;
  }
  grpc::Status status() const {
    std::lock_guard lock(mu_);
    return status_;
  }
  // Waits for the answer (the call's own deadline bounds it).
  grpc::Status Wait() {
    if (thread_.joinable()) thread_.join();
    return status();
  }

 private:
  const std::string id_;
  mutable std::mutex mu_;
  bool answered_ = false;  // guarded by mu_
  grpc::Status status_;    // guarded by mu_
  std::thread thread_;
};

// The sync gate is preloaded into an uninstrumented form of the server only.
#if defined(ABSL_HAVE_ADDRESS_SANITIZER) || defined(ABSL_HAVE_THREAD_SANITIZER)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
constexpr char kSanitizedSkip[] =
    "the sync gate is preloaded into an uninstrumented form of the server only";

// Closes the sync gate: the server's fsync and fdatasync wait until Open()
// or the destructor (declared after the writes that wait on the disk, it
// is destroyed before them, so that they end whatever failed).
class ClosedGate {
 public:
  explicit ClosedGate(std::string path) : path_(std::move(path)) {
    std::ofstream(path_) << "closed\n";
  }
  ~ClosedGate() { Open(); }
  void Open() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }

 private:
  const std::string path_;
};

// Stores the actor the tests read while the disk does not sync.
void CreateReader(v1::ActorService::Stub& stub) {
  grpc::ClientContext context;
  v1::CreateActorRequest request;
  *request.mutable_actor() = testing::SampleActor("ext:stall:reader", "Lu");
  v1::Actor created;
  grpc::Status status = stub.CreateActor(&context, request, &created);
  ASSERT_TRUE(status.ok()) << status.error_message();
}

// Scrapes until `done(samples)` or 20 s have passed; returns the last scrape.
template <typename Done>
std::map<std::string, double> ScrapeUntil(testing::ServerProcess& server,
                                          Done done) {
  const Clock::time_point until = Clock::now() + std::chrono::seconds(20);
  for (;;) {
    auto samples = Scrape(server);
    if (done(samples) || Clock::now() > until) return samples;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

TEST(StalledDiskTest, ReadsAreServedWhileEveryWriteWaitsForTheDisk) {
  if (kSanitized) GTEST_SKIP() << kSanitizedSkip;
  testing::TempDir dir;
  const std::string gate = dir.Sub("gate");
  testing::ServerProcess server(MAILLAGE_SERVER_BINARY, Args(dir, "2"));
  ASSERT_TRUE(StartWithSyncGate(server, gate)) << server.error();
  auto stub = v1::ActorService::NewStub(server.channel());
  ASSERT_NO_FATAL_FAILURE(CreateReader(*stub));

  // The disk stops syncing. Writes are sent one at a time until the server
  // sheds one: then its two write workers wait on the disk and two more
  // writes wait for them.
  std::vector<std::unique_ptr<PendingWrite>> writes;
  ClosedGate closed(gate);
  grpc::Status shed;
  for (int i = 0; i < 50 && shed.ok(); ++i) {
    writes.push_back(std::make_unique<PendingWrite>(
        server.channel(), "ext:stall:" + std::to_string(i)));
    // A write refused at once is shed; one accepted waits on the disk.
    const Clock::time_point until = Clock::now() + std::chrono::seconds(1);
    while (!writes.back()->answered() && Clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (writes.back()->answered()) {
      shed = writes.back()->status();
      writes.pop_back();
    }
  }
  ASSERT_EQ(shed.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << shed.error_message();
  ASSERT_EQ(writes.size(), 4u) << "two on the write workers, two queued";

  // Reads are served meanwhile: a record, a page of the index, a batch, and
  // SuggestPartners, which runs with the reads (its worker only matches; a
  // preview records nothing).
  auto matching = v1::MatchService::NewStub(server.channel());
  v1::GetActorRequest get;
  get.set_id("ext:stall:reader");
  for (int i = 0; i < 20; ++i) {
    v1::Actor actor;
    grpc::Status status = WithinTenSeconds([&](grpc::ClientContext* context) {
      return stub->GetActor(context, get, &actor);
    });
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(actor.name(), "Lu");
  }
  v1::ListActorsResponse page;
  grpc::Status listed = WithinTenSeconds([&](grpc::ClientContext* context) {
    return stub->ListActors(context, v1::ListActorsRequest(), &page);
  });
  ASSERT_TRUE(listed.ok()) << listed.error_message();
  EXPECT_GE(page.actors_size(), 1);
  v1::BatchGetActorsRequest batch;
  batch.add_ids("ext:stall:reader");
  v1::BatchGetActorsResponse found;
  grpc::Status batched = WithinTenSeconds([&](grpc::ClientContext* context) {
    return stub->BatchGetActors(context, batch, &found);
  });
  ASSERT_TRUE(batched.ok()) << batched.error_message();
  EXPECT_EQ(found.actors_size(), 1);
  v1::SuggestPartnersRequest suggest;
  suggest.set_actor_id("ext:stall:reader");
  suggest.set_preview(true);
  v1::SuggestPartnersResponse suggested;
  grpc::Status previewed = WithinTenSeconds([&](grpc::ClientContext* context) {
    return matching->SuggestPartners(context, suggest, &suggested);
  });
  ASSERT_TRUE(previewed.ok()) << previewed.error_message();

  // The metrics show the writers' pool full and the readers' idle (once
  // the last read's worker has ended its task, just after its answer).
  const auto stalled = ScrapeUntil(server, [](const auto& samples) {
    return PoolSample(samples, "maillage_worker_busy", "reads") == 0;
  });
  EXPECT_EQ(PoolSample(stalled, "maillage_worker_threads", "writes"), 2);
  EXPECT_EQ(PoolSample(stalled, "maillage_worker_busy", "writes"), 2);
  EXPECT_EQ(PoolSample(stalled, "maillage_worker_queued", "writes"), 2);
  EXPECT_EQ(PoolSample(stalled, "maillage_worker_busy", "reads"), 0);
  EXPECT_EQ(PoolSample(stalled, "maillage_worker_queued", "reads"), 0);
  EXPECT_GE(PoolSample(stalled, "maillage_worker_tasks_total", "reads"), 23)
      << "20 GetActor, ListActors, BatchGetActors, SuggestPartners";
  for (const auto& write : writes) {
    EXPECT_FALSE(write->answered())
        << write->id() << " answered " << write->status().error_message()
        << " while the disk did not sync";
  }

  // The disk syncs again: every accepted write is acknowledged and stored.
  closed.Open();
  for (const auto& write : writes) {
    grpc::Status status = write->Wait();
    EXPECT_TRUE(status.ok()) << write->id() << ": " << status.error_message();
    grpc::ClientContext context;
    v1::GetActorRequest request;
    request.set_id(write->id());
    v1::Actor actor;
    EXPECT_TRUE(stub->GetActor(&context, request, &actor).ok()) << write->id();
  }
  // The two writes that queued waited for a worker while the disk was held
  // (a second or more each: the loop above gave each write a second to be
  // answered before sending the next).
  const auto after = Scrape(server);
  EXPECT_EQ(PoolSample(after, "maillage_worker_busy", "writes"), 0);
  EXPECT_EQ(PoolSample(after, "maillage_worker_queued", "writes"), 0);
  EXPECT_GE(PoolSample(after, "maillage_worker_tasks_total", "writes"), 5);
  EXPECT_GT(
      PoolSample(after, "maillage_worker_queue_wait_seconds_total", "writes"),
      1.0);
  EXPECT_GT(PoolSample(after, "maillage_worker_busy_seconds_total", "writes"),
            2.0);
}

// What the README tells partner platforms: the server keeps its reads free,
// but one connection carries at most --max_concurrent_streams calls, and
// writes waiting for a disk that does not sync can hold all of them; a read
// sent on that connection then waits in the client for a stream. On a
// channel with a connection of its own it is answered.
TEST(StalledDiskTest,
     ReadsOnTheirOwnConnectionAreServedWhileWritesHoldItsStreams) {
  if (kSanitized) GTEST_SKIP() << kSanitizedSkip;
  testing::TempDir dir;
  const std::string gate = dir.Sub("gate");
  std::vector<std::string> args = Args(dir, "2");
  args.push_back("--max_concurrent_streams=4");
  testing::ServerProcess server(MAILLAGE_SERVER_BINARY, args);
  ASSERT_TRUE(StartWithSyncGate(server, gate)) << server.error();
  const std::shared_ptr<grpc::Channel> shared = server.channel();
  auto stub = v1::ActorService::NewStub(shared);
  ASSERT_NO_FATAL_FAILURE(CreateReader(*stub));

  // Four writes on the shared connection: two on the write workers, two
  // queued for them (the server's limit), each holding one of its four
  // streams while the disk does not sync.
  std::vector<std::unique_ptr<PendingWrite>> writes;
  ClosedGate closed(gate);
  // One at a time, each once the server holds the one before: sent at
  // once, they would find the queue full for a moment and be shed.
  for (int i = 0; i < 4; ++i) {
    writes.push_back(std::make_unique<PendingWrite>(
        shared, "ext:stall:held:" + std::to_string(i)));
    ScrapeUntil(server, [i](const auto& samples) {
      return PoolSample(samples, "maillage_worker_busy", "writes") +
                 PoolSample(samples, "maillage_worker_queued", "writes") ==
             i + 1;
    });
    ASSERT_FALSE(writes.back()->answered())
        << writes.back()->status().error_message();
  }
  const auto held = Scrape(server);
  ASSERT_EQ(PoolSample(held, "maillage_worker_busy", "writes"), 2);
  ASSERT_EQ(PoolSample(held, "maillage_worker_queued", "writes"), 2);

  v1::GetActorRequest get;
  get.set_id("ext:stall:reader");
  {
    // On the shared connection: no stream for it until a write ends.
    grpc::ClientContext context;
    context.set_deadline(InSeconds(1));
    v1::Actor actor;
    grpc::Status status = stub->GetActor(&context, get, &actor);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
        << status.error_message();
  }
  {
    // On a channel with a connection of its own: answered.
    grpc::ChannelArguments own;
    own.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    auto reads = v1::ActorService::NewStub(
        cli::CreateBearerChannel(server.target(), server.admin_key(), own));
    v1::Actor actor;
    grpc::Status status = WithinTenSeconds([&](grpc::ClientContext* context) {
      return reads->GetActor(context, get, &actor);
    });
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(actor.name(), "Lu");
  }

  closed.Open();
  for (const auto& write : writes) {
    grpc::Status status = write->Wait();
    EXPECT_TRUE(status.ok()) << write->id() << ": " << status.error_message();
  }
  v1::Actor actor;
  grpc::Status read_after = WithinTenSeconds([&](grpc::ClientContext* context) {
    return stub->GetActor(context, get, &actor);
  });
  EXPECT_TRUE(read_after.ok()) << read_after.error_message();
}

}  // namespace
}  // namespace maillage

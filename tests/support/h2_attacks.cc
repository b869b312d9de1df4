#include "tests/support/h2_attacks.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/bearer_channel.h"
#include "grpcpp/grpcpp.h"
#include "maillage/v1/actor.grpc.pb.h"
#include "tests/support/credentials.h"
#include "tests/support/h2_client.h"
#include "tests/support/test_server.h"

namespace maillage::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr char kBystanderId[] = "ext:h2probe:bystander";

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Where the bystander calls.
std::string BystanderAddress(const Target& target) {
  return absl::StrCat("127.0.0.1:", target.bystander_port > 0
                                        ? target.bystander_port
                                        : target.port);
}

std::string RstPayload(uint32_t error_code) {
  std::string payload(4, '\0');
  for (int i = 0; i < 4; ++i) {
    payload[i] = static_cast<char>(error_code >> (24 - 8 * i));
  }
  return payload;
}

// Samples the server's VmRSS every 20 ms on its own thread, from
// construction to Stop().
class MemorySampler {
 public:
  explicit MemorySampler(int pid) : pid_(pid) {
    memory_.before = ResidentBytes(pid);
    memory_.peak = memory_.before;
    thread_ = std::thread([this] {
      while (!stop_.load()) {
        int64_t now = ResidentBytes(pid_);
        peak_.store(std::max(peak_.load(), now));
        std::this_thread::sleep_for(milliseconds(20));
      }
    });
  }
  ~MemorySampler() { Stop(); }

  // Stops sampling; waits 1 s for the server to settle, then reads VmRSS.
  Memory Stop() {
    if (thread_.joinable()) {
      stop_.store(true);
      thread_.join();
      std::this_thread::sleep_for(std::chrono::seconds(1));
      memory_.peak = std::max(memory_.before, peak_.load());
      memory_.after = ResidentBytes(pid_);
    }
    return memory_;
  }

 private:
  int pid_;
  Memory memory_;
  std::atomic<int64_t> peak_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A well-behaved client calling GetActor on its own connection, one call
// every 50 ms, from construction to Stop().
class BystanderRun {
 public:
  explicit BystanderRun(const Target& target)
      : stub_(v1::ActorService::NewStub(
            ChannelWithToken(BystanderAddress(target), target.token))) {
    thread_ = std::thread([this] {
      while (!stop_.load()) {
        Call();
        std::this_thread::sleep_for(milliseconds(50));
      }
    });
  }
  ~BystanderRun() { Stop(); }

  // Stops after one last call, so that even a short attack is observed.
  Bystander Stop() {
    if (thread_.joinable()) {
      stop_.store(true);
      thread_.join();
      Call();
    }
    return result_;
  }

 private:
  void Call() {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(20));
    v1::GetActorRequest request;
    request.set_id(kBystanderId);
    v1::Actor actor;
    grpc::Status status = stub_->GetActor(&context, request, &actor);
    ++result_.calls;
    if (!status.ok()) {
      if (result_.failures++ == 0) {
        result_.first_failure = absl::StrCat("code ", status.error_code(), ": ",
                                             status.error_message());
      }
    }
  }

  std::unique_ptr<v1::ActorService::Stub> stub_;
  Bystander result_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// What every attack runs alongside: the memory sampler and the bystander.
class AttackScope {
 public:
  explicit AttackScope(const Target& target)
      : memory_(target.pid), bystander_(target), start_(Clock::now()) {}

  Clock::time_point start() const { return start_; }

  // Stops both and fills `report`'s duration, memory and bystander.
  void Finish(Report* report) {
    report->seconds = SecondsSince(start_);
    report->bystander = bystander_.Stop();
    report->memory = memory_.Stop();
  }

 private:
  MemorySampler memory_;
  BystanderRun bystander_;
  Clock::time_point start_;
};

// Records when `client` first saw a GOAWAY and when it was closed.
void Watch(const H2Client& client, Clock::time_point start,
           Reaction* reaction) {
  if (client.tally().goaways > 0 && reaction->seconds_to_goaway < 0) {
    reaction->seconds_to_goaway = SecondsSince(start);
  }
  if (client.closed() && reaction->seconds_to_close < 0) {
    reaction->seconds_to_close = SecondsSince(start);
  }
}

// Adds what `client` received to `report`, once its attack is over.
void Settle(const H2Client& client, Report* report) {
  const H2Tally& t = client.tally();
  Reaction& r = report->reaction;
  r.goaways += t.goaways;
  r.rst_streams += t.rst_streams;
  r.closed = client.closed();
  if (t.goaways > 0) {
    r.goaway_error = t.goaway_error;
    r.goaway_debug = t.goaway_debug;
  }
  report->advertised_max_streams = t.max_concurrent_streams;
  report->advertised_max_header_list = t.max_header_list_size;
}

// Connects and sends the preface, then waits up to 2 s for the server's
// SETTINGS. False when the connection could not be made.
bool Open(const Target& target, H2Client* client) {
  if (!client->Connect(target.port) || !client->SendPreface()) return false;
  client->ReadUntil(Clock::now() + std::chrono::seconds(2),
                    [](const H2Tally& t) { return t.settings > 0; });
  return true;
}

// Reads until the server closes `client` or `deadline`, watching.
void AwaitClose(H2Client* client, Clock::time_point start,
                Clock::time_point deadline, Reaction* reaction) {
  while (!client->closed() && Clock::now() < deadline) {
    client->ReadUntil(std::min(deadline, Clock::now() + milliseconds(100)),
                      [](const H2Tally&) { return false; });
    Watch(*client, start, reaction);
  }
}

// One connection of the rapid reset; returns when the server answered with
// GOAWAY or closed, or the budget is spent.
void RapidResetConnection(H2Client* client, std::string_view path,
                          int64_t max_streams, Clock::time_point start,
                          Clock::time_point deadline, Report* report) {
  const std::string block = H2Client::GrpcHeaderBlock(path);
  const std::string cancel = RstPayload(kH2Cancel);
  uint32_t id = 1;
  while (report->streams < max_streams && Clock::now() < deadline) {
    std::string batch;
    for (int i = 0; i < 100; ++i, id += 2) {
      batch += H2Client::EncodeFrame(H2FrameType::kHeaders, kH2EndHeaders, id,
                                     block);
      batch += H2Client::EncodeFrame(H2FrameType::kRstStream, 0, id, cancel);
    }
    auto left =
        std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (!client->SendBytes(batch, std::max(left, milliseconds(100)))) break;
    report->streams += 100;
    report->bytes_sent += static_cast<int64_t>(batch.size());
    client->Poll();
    Watch(*client, start, &report->reaction);
    if (client->tally().goaways > 0 || client->closed()) break;
  }
  client->Poll();
  Watch(*client, start, &report->reaction);
}

// Sends `flood_bytes` of header block (a multiple of kH2DefaultMaxFrame) as
// full CONTINUATION frames, 64 per write, until the server reacts. Each frame
// holds raw value bytes when `field` is empty, else copies of `field`.
void SendContinuations(H2Client* client, int64_t flood_bytes,
                       const std::string& field, Clock::time_point start,
                       Report* report) {
  std::string payload;
  if (field.empty()) {
    payload.assign(kH2DefaultMaxFrame, 'a');
  } else {
    while (payload.size() + field.size() <= kH2DefaultMaxFrame) {
      payload += field;
    }
  }
  const std::string frame =
      H2Client::EncodeFrame(H2FrameType::kContinuation, 0, 1, payload);
  const int64_t per_frame = static_cast<int64_t>(payload.size());
  while (report->bytes_sent < flood_bytes) {
    std::string batch;
    int64_t batch_bytes = 0;
    for (int i = 0; i < 64 && report->bytes_sent + batch_bytes < flood_bytes;
         ++i) {
      batch += frame;
      batch_bytes += per_frame;
    }
    if (!client->SendBytes(batch)) break;
    report->bytes_sent += batch_bytes;
    client->Poll();
    Watch(*client, start, &report->reaction);
    const H2Tally& t = client->tally();
    if (t.rst_streams > 0 || t.goaways > 0 || client->closed()) break;
  }
}

// An actor with as many small contacts as make `bytes` on the wire.
v1::CreateActorRequest ActorOfManyContacts(int64_t bytes) {
  v1::CreateActorRequest request;
  *request.mutable_actor() = SampleActor("ext:h2probe:large", "Gros acteur");
  v1::Contact contact;
  contact.set_name("Camille Martin");
  contact.set_role("bénévole");
  contact.set_email("camille.martin@example.org");
  contact.set_phone("01 02 03 04 05");
  const int64_t each = static_cast<int64_t>(contact.ByteSizeLong()) + 3;
  for (int64_t size = 0; size < bytes; size += each) {
    *request.mutable_actor()->add_contacts() = contact;
  }
  return request;
}

}  // namespace

std::string Describe(const Report& r) {
  const double mib = 1 << 20;
  std::string out = absl::StrFormat(
      "%s: %.1f s, %d connection(s), %d streams, %.1f MiB sent\n", r.attack,
      r.seconds, r.connections, r.streams, r.bytes_sent / mib);
  absl::StrAppendFormat(
      &out,
      "  server advertised max_concurrent_streams=%u max_header_list=%u\n",
      r.advertised_max_streams, r.advertised_max_header_list);
  const Reaction& x = r.reaction;
  absl::StrAppendFormat(
      &out,
      "  reaction: %d GOAWAY (last error 0x%x \"%s\"), %d RST_STREAM, "
      "closed=%s, GOAWAY after %.2f s, closed after %.2f s\n",
      x.goaways, x.goaway_error, x.goaway_debug, x.rst_streams,
      x.closed ? "yes" : "no", x.seconds_to_goaway, x.seconds_to_close);
  if (!r.outcome.empty()) absl::StrAppend(&out, "  calls: ", r.outcome, "\n");
  absl::StrAppendFormat(
      &out, "  server RSS: before %.0f MiB, peak %.0f MiB, after %.0f MiB\n",
      r.memory.before / mib, r.memory.peak / mib, r.memory.after / mib);
  absl::StrAppendFormat(&out, "  bystander: %d calls, %d failed %s\n",
                        r.bystander.calls, r.bystander.failures,
                        r.bystander.first_failure);
  return out;
}

bool PrepareBystander(const Target& target) {
  auto stub = v1::ActorService::NewStub(
      ChannelWithToken(BystanderAddress(target), target.token));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(20));
  v1::CreateActorRequest request;
  *request.mutable_actor() = SampleActor(kBystanderId, "Témoin");
  v1::Actor actor;
  grpc::Status status = stub->CreateActor(&context, request, &actor);
  return status.ok() || status.error_code() == grpc::ALREADY_EXISTS;
}

Report RapidReset(const Target& target, int64_t max_streams,
                  milliseconds budget, bool reconnect, std::string_view path) {
  Report report;
  report.attack = reconnect ? "rapid reset (reconnecting)" : "rapid reset";
  AttackScope scope(target);
  const auto deadline = scope.start() + budget;
  while (report.streams < max_streams && Clock::now() < deadline) {
    H2Client client;
    if (!Open(target, &client)) break;
    ++report.connections;
    RapidResetConnection(&client, path, max_streams, scope.start(), deadline,
                         &report);
    if (!reconnect) {
      AwaitClose(&client, scope.start(), Clock::now() + std::chrono::seconds(3),
                 &report.reaction);
    }
    Settle(client, &report);
    if (!reconnect) break;
  }
  scope.Finish(&report);
  return report;
}

Report ContinuationFlood(const Target& target, int64_t header_bytes,
                         bool one_header, milliseconds wait) {
  Report report;
  report.attack = one_header ? "CONTINUATION flood, one huge header"
                             : "CONTINUATION flood, 100-byte headers";
  AttackScope scope(target);
  H2Client client;
  if (Open(target, &client)) {
    report.connections = 1;
    report.streams = 1;
    // Whole frames only, so that the block stays well-formed HPACK.
    header_bytes += static_cast<int64_t>(kH2DefaultMaxFrame) - 1;
    header_bytes -= header_bytes % static_cast<int64_t>(kH2DefaultMaxFrame);
    std::string first = H2Client::GrpcHeaderBlock(kGetActorPath);
    std::string field;  // empty: the one header's value, raw bytes
    if (one_header) {
      first += H2Client::LiteralFieldPrefix("x-flood", header_bytes);
    } else {
      field = H2Client::LiteralField("x-flood", std::string(90, 'a'));
    }
    if (client.SendFrame(H2FrameType::kHeaders, 0, 1, first)) {
      SendContinuations(&client, header_bytes, field, scope.start(), &report);
      client.SendFrame(H2FrameType::kContinuation, kH2EndHeaders, 1, "");
    }
    AwaitClose(&client, scope.start(), Clock::now() + wait, &report.reaction);
    Settle(client, &report);
  }
  scope.Finish(&report);
  return report;
}

Report LargeRequest(const Target& target, int64_t request_bytes,
                    int concurrency) {
  Report report;
  report.attack = absl::StrFormat("%d x CreateActor of %.0f MiB of contacts",
                                  concurrency, request_bytes / double(1 << 20));
  const v1::CreateActorRequest request = ActorOfManyContacts(request_bytes);
  grpc::ChannelArguments args;
  args.SetMaxSendMessageSize(-1);
  auto stub = v1::ActorService::NewStub(cli::CreateBearerChannel(
      absl::StrCat("127.0.0.1:", target.port), target.token, args));
  std::mutex mu;
  std::map<std::string, int> codes;
  AttackScope scope(target);
  std::vector<std::thread> calls;
  for (int i = 0; i < concurrency; ++i) {
    calls.emplace_back([&] {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::seconds(60));
      v1::Actor actor;
      grpc::Status status = stub->CreateActor(&context, request, &actor);
      std::lock_guard lock(mu);
      ++codes[status.ok() ? "OK"
                          : absl::StrCat("code ", status.error_code(), " (",
                                         status.error_message(), ")")];
    });
  }
  for (auto& call : calls) call.join();
  scope.Finish(&report);
  report.connections = 1;
  report.streams = concurrency;
  report.bytes_sent =
      static_cast<int64_t>(request.ByteSizeLong()) * concurrency;
  for (const auto& [code, count] : codes) {
    absl::StrAppend(&report.outcome, report.outcome.empty() ? "" : ", ", code,
                    " x", count);
  }
  return report;
}

Report SilentStreams(const Target& target, int streams, milliseconds wait) {
  Report report;
  report.attack = absl::StrCat(streams, " streams opened and never written");
  AttackScope scope(target);
  H2Client client;
  if (Open(target, &client)) {
    report.connections = 1;
    const std::string block = H2Client::GrpcHeaderBlock(kGetActorPath);
    for (uint32_t id = 1; report.streams < streams; id += 2) {
      if (!client.SendFrame(H2FrameType::kHeaders, kH2EndHeaders, id, block)) {
        break;
      }
      ++report.streams;
      client.Poll();
      Watch(client, scope.start(), &report.reaction);
      if (client.closed()) break;
    }
    AwaitClose(&client, scope.start(), scope.start() + wait, &report.reaction);
    Settle(client, &report);
  }
  scope.Finish(&report);
  return report;
}

Report IdleConnections(const Target& target, int connections, bool with_preface,
                       milliseconds wait) {
  Report report;
  report.attack =
      absl::StrCat(connections, " idle connections",
                   with_preface ? " (after SETTINGS)" : " (no preface)");
  AttackScope scope(target);
  std::vector<std::unique_ptr<H2Client>> clients;
  for (int i = 0; i < connections; ++i) {
    auto client = std::make_unique<H2Client>();
    if (!client->Connect(target.port)) break;
    client->set_silent(!with_preface);
    if (with_preface && !client->SendPreface()) break;
    clients.push_back(std::move(client));
  }
  report.connections = static_cast<int>(clients.size());
  const auto deadline = scope.start() + wait;
  size_t open = clients.size();
  while (open > 0 && Clock::now() < deadline) {
    open = 0;
    for (auto& client : clients) {
      client->Poll();
      if (client->tally().goaways > 0 &&
          report.reaction.seconds_to_goaway < 0) {
        report.reaction.seconds_to_goaway = SecondsSince(scope.start());
      }
      if (!client->closed()) ++open;
    }
    if (open > 0) std::this_thread::sleep_for(milliseconds(100));
  }
  for (auto& client : clients) {
    report.reaction.goaways += client->tally().goaways;
    if (client->tally().goaways > 0) {
      report.reaction.goaway_error = client->tally().goaway_error;
      report.reaction.goaway_debug = client->tally().goaway_debug;
    }
  }
  report.reaction.closed = open == 0 && !clients.empty();
  if (report.reaction.closed) {
    report.reaction.seconds_to_close = SecondsSince(scope.start());
  }
  scope.Finish(&report);
  return report;
}

Report UnresponsivePeer(const Target& target, milliseconds silence) {
  Report report;
  report.attack = "a peer that stops answering";
  AttackScope scope(target);
  H2Client client;
  if (Open(target, &client)) {
    report.connections = 1;
    report.streams = 1;
    client.SendFrame(H2FrameType::kHeaders, kH2EndHeaders, 1,
                     H2Client::GrpcHeaderBlock(kGetActorPath));
    std::this_thread::sleep_for(silence);
    // What the server did meanwhile is in the socket: PINGs, then the close.
    client.ReadUntil(Clock::now() + std::chrono::seconds(2),
                     [](const H2Tally&) { return false; });
    Watch(client, scope.start(), &report.reaction);
    Settle(client, &report);
    report.outcome = absl::StrCat(client.tally().pings, " PING(s) received");
  }
  scope.Finish(&report);
  return report;
}

Report PingFlood(const Target& target, int pings) {
  Report report;
  report.attack = absl::StrCat(pings, " PINGs without data");
  AttackScope scope(target);
  H2Client client;
  if (Open(target, &client)) {
    report.connections = 1;
    for (int i = 0; i < pings && !client.closed(); ++i) {
      if (!client.SendPing(static_cast<uint64_t>(i))) break;
      client.Poll();
      Watch(client, scope.start(), &report.reaction);
    }
    AwaitClose(&client, scope.start(), Clock::now() + std::chrono::seconds(3),
               &report.reaction);
    Settle(client, &report);
  }
  scope.Finish(&report);
  return report;
}

}  // namespace maillage::testing

// Actor record encode/decode, and Create/Get through the real server next to
// an empty unary RPC (the health check) on the same server in the same run.
//   build/bench/server_bench --benchmark_min_time=2
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "auth/credentials_file.h"
#include "auth/policy.h"
#include "benchmark/benchmark.h"
#include "cli/bearer_channel.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "maillage/v1/actor.grpc.pb.h"
#include "services/server.h"

namespace maillage {
namespace {

v1::Actor TypicalActor(const std::string& id) {
  v1::Actor a;
  a.set_id(id);
  a.set_kind(v1::ACTOR_KIND_ASSOCIATION);
  a.set_name(
      "Association pour l'inclusion numérique des seniors du Val-de-Marne");
  a.mutable_legal_ids()->set_rna("W941000001");
  a.set_naf_code("88.99B");
  a.set_size_band(v1::SIZE_BAND_SMALL);
  a.set_home_commune("94018");
  a.mutable_location()->set_latitude(48.82);
  a.mutable_location()->set_longitude(2.41);
  for (const char* t : {"digital_inclusion", "seniors_ageing", "youth"}) {
    a.add_themes(t);
  }
  for (const char* r : {"funding", "skills", "volunteers"}) {
    auto* n = a.add_needs();
    n->set_resource(r);
    n->set_theme("digital_inclusion");
    n->set_description("Pour les ateliers en EHPAD");
  }
  auto* o = a.add_offers();
  o->set_resource("audience_access");
  o->set_theme("seniors_ageing");
  a.set_description(std::string(300, 'x'));
  a.set_website("https://example.org");
  auto* c = a.add_contacts();
  c->set_name("Claire Martin");
  c->set_email("claire@example.org");
  return a;
}

void BM_ActorEncode(benchmark::State& state) {
  v1::Actor a = TypicalActor("rna:W941000001");
  std::string out;
  for (auto _ : state) {
    out.clear();
    a.SerializeToString(&out);
    benchmark::DoNotOptimize(out);
  }
  state.counters["bytes"] = static_cast<double>(out.size());
}
BENCHMARK(BM_ActorEncode);

void BM_ActorDecode(benchmark::State& state) {
  std::string bytes = TypicalActor("rna:W941000001").SerializeAsString();
  v1::Actor a;
  for (auto _ : state) {
    a.ParseFromString(bytes);
    benchmark::DoNotOptimize(a);
  }
}
BENCHMARK(BM_ActorDecode);

// One server per process, started on first use.
struct Fixture {
  std::string dir;
  std::unique_ptr<services::Server> server;
  std::shared_ptr<grpc::Channel> channel;
};

Fixture fixtures[2];

Fixture& Shared(bool sync_writes) {
  Fixture& f = fixtures[sync_writes ? 1 : 0];
  if (f.server == nullptr) {
    char pattern[] = "/tmp/maillage-bench-XXXXXX";
    f.dir = mkdtemp(pattern);
    services::Server::Options options;
    options.listen_address = "127.0.0.1:0";
    options.core.data_dir = f.dir + "/store";
    options.admin_credentials_file = f.dir + "/credentials";
    options.core.reference_dir = MAILLAGE_REFERENCE_DIR;
    options.core.sync_writes = sync_writes;
    auto server = services::Server::BuildAndStart(options);
    if (!server.ok()) abort();
    f.server = std::move(*server);
    f.channel = cli::CreateBearerChannel(
        "127.0.0.1:" + std::to_string(f.server->port()),
        auth::LastStoredKey(options.admin_credentials_file));
  }
  return f;
}

void BM_EmptyRpc(benchmark::State& state) {
  auto stub = grpc::health::v1::Health::NewStub(Shared(false).channel);
  grpc::health::v1::HealthCheckRequest req;
  for (auto _ : state) {
    grpc::ClientContext ctx;
    grpc::health::v1::HealthCheckResponse resp;
    if (!stub->Check(&ctx, req, &resp).ok()) state.SkipWithError("rpc failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EmptyRpc)->Threads(1)->Threads(8)->UseRealTime();

std::atomic<int64_t> next_id{0};

void CreateActors(benchmark::State& state, bool sync_writes) {
  auto stub = v1::ActorService::NewStub(Shared(sync_writes).channel);
  for (auto _ : state) {
    grpc::ClientContext ctx;
    v1::CreateActorRequest req;
    *req.mutable_actor() =
        TypicalActor("ext:bench:" + std::to_string(next_id.fetch_add(1)));
    v1::Actor out;
    grpc::Status s = stub->CreateActor(&ctx, req, &out);
    if (!s.ok()) state.SkipWithError(s.error_message().c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
void BM_CreateActorUnsynced(benchmark::State& state) {
  CreateActors(state, false);
}
void BM_CreateActorSynced(benchmark::State& state) {
  CreateActors(state, true);
}
BENCHMARK(BM_CreateActorUnsynced)->Threads(1)->Threads(8)->UseRealTime();
BENCHMARK(BM_CreateActorSynced)->Threads(1)->Threads(8)->UseRealTime();

void BM_GetActor(benchmark::State& state) {
  auto stub = v1::ActorService::NewStub(Shared(false).channel);
  if (state.thread_index() == 0) {
    for (int i = 0; i < 1000; ++i) {
      grpc::ClientContext ctx;
      v1::CreateActorRequest req;
      *req.mutable_actor() = TypicalActor("ext:get:" + std::to_string(i));
      v1::Actor out;
      stub->CreateActor(&ctx, req, &out);
    }
  }
  int i = 0;
  for (auto _ : state) {
    grpc::ClientContext ctx;
    v1::GetActorRequest req;
    req.set_id("ext:get:" + std::to_string(i++ % 1000));
    v1::Actor out;
    grpc::Status s = stub->GetActor(&ctx, req, &out);
    if (!s.ok()) state.SkipWithError(s.error_message().c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GetActor)->Threads(1)->Threads(8)->UseRealTime();

// What the request handler adds to every call to establish who calls: the
// API key's HMAC and lookup (KeyRing::Authenticate) and the role's rule
// (auth::Authorize). Compare with BM_GetActor (which includes it) for the
// share of a call's time spent on access control.
void BM_AuthenticateApiKey(benchmark::State& state) {
  Fixture& f = Shared(false);
  std::string key = auth::LastStoredKey(f.dir + "/credentials");
  auth::Credentials credentials;
  credentials.bearer = key;
  for (auto _ : state) {
    auto principal = f.server->core().keys().Authenticate(credentials);
    if (!principal.ok() || !auth::Authorize(*principal, "GetActor").ok()) {
      state.SkipWithError("authentication failed");
    }
    benchmark::DoNotOptimize(principal);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AuthenticateApiKey)->Threads(1)->Threads(8)->UseRealTime();

// Servers are shut down before main returns, not by static destructors
// running after gRPC's own.
void StopServers() {
  for (Fixture& f : fixtures) {
    f.channel.reset();
    f.server.reset();
    if (!f.dir.empty()) std::filesystem::remove_all(f.dir);
  }
}

}  // namespace
}  // namespace maillage

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  maillage::StopServers();
  return 0;
}

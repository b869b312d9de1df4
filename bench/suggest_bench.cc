// The matching engine through the real server, at the scale of France.
//
//   build/bench/suggest_bench [--actors=1000000] [--queries=2000]
//
// 1. Writes N synthetic actors (spread over the real communes in proportion
//    to population, kinds/themes/needs/offers drawn per kind) into a fresh
//    store through the core's import path, then closes it.
// 2. Starts the real server on that store: start-up time (RocksDB open +
//    index rebuild) and resident memory added per actor.
// 3. Through the generated stubs, in the same run: an empty unary RPC (the
//    health check), SuggestPartners (limit 20, BASIC view; preview, FULL
//    view, and recorded as a dashboard would), SuggestCoalition on a
//    département: p50/p99 latency with one client, and throughput with 8
//    client threads.
// 4. The floor of that comparison: a second in-process gRPC server whose
//    SuggestPartners returns, with no work at all, answers recorded from the
//    real server (same sizes, same contents). Its throughput next to the
//    empty RPC's says how much of the gap is the answer itself (building,
//    sending and parsing 20 explained suggestions) rather than the engine.
//    A third server answers with the least an explained answer can carry
//    (partner, score, category, modality, the factors' contributions, the
//    sentence).
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "auth/credentials_file.h"
#include "cli/bearer_channel.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "maillage/v1/actor.pb.h"
#include "maillage/v1/matching.grpc.pb.h"
#include "services/server.h"

ABSL_FLAG(int, actors, 1000000, "Synthetic actors in the store.");
ABSL_FLAG(int, queries, 2000, "Queries per latency measurement.");
ABSL_FLAG(int, threads, 8, "Client threads for throughput.");

namespace maillage {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

long RssKb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return 0;
}

const char* kThemes[] = {"employment_insertion",
                         "youth",
                         "education_training",
                         "disability",
                         "seniors_ageing",
                         "health",
                         "poverty_precarity",
                         "housing",
                         "mobility",
                         "digital_inclusion",
                         "environment_climate",
                         "circular_economy",
                         "energy",
                         "food_agriculture",
                         "culture_heritage",
                         "sport",
                         "citizenship_social_ties",
                         "economic_development",
                         "rural_revitalisation",
                         "urban_priority_areas",
                         "childhood_family",
                         "gender_equality"};
const char* kResources[] = {
    "funding",    "skills",         "volunteers", "in_kind",        "premises",
    "purchasing", "hiring",         "services",   "expertise",      "network",
    "visibility", "public_support", "evaluation", "audience_access"};

struct Synthetic {
  std::vector<std::string> communes;
  std::discrete_distribution<size_t> pick_commune;
};

v1::Actor MakeActor(int i, const Synthetic& geo, std::mt19937& rng,
                    std::discrete_distribution<size_t>& commune) {
  static const v1::ActorKind kinds[] = {
      v1::ACTOR_KIND_ASSOCIATION, v1::ACTOR_KIND_COMPANY,
      v1::ACTOR_KIND_PUBLIC_BODY, v1::ACTOR_KIND_ACADEMIC,
      v1::ACTOR_KIND_MEDIA};
  static std::discrete_distribution<int> kind_share({50, 35, 9, 4, 2});
  auto pick = [&](size_t n) {
    return std::uniform_int_distribution<size_t>(0, n - 1)(rng);
  };
  v1::Actor a;
  a.set_id("ext:fr:" + std::to_string(i));
  a.set_kind(kinds[kind_share(rng)]);
  a.set_name("Acteur synthétique " + std::to_string(i));
  a.set_home_commune(geo.communes[commune(rng)]);
  int themes = 1 + static_cast<int>(pick(3));
  std::vector<const char*> mine;
  for (int t = 0; t < themes; ++t) {
    const char* theme = kThemes[pick(std::size(kThemes))];
    if (std::find(mine.begin(), mine.end(), theme) == mine.end()) {
      mine.push_back(theme);
      a.add_themes(theme);
    }
  }
  for (int k = 0; k < 2; ++k) {
    auto* n = a.add_needs();
    n->set_resource(kResources[pick(std::size(kResources))]);
    n->set_theme(mine[pick(mine.size())]);
    auto* o = a.add_offers();
    o->set_resource(kResources[pick(std::size(kResources))]);
    o->set_theme(mine[pick(mine.size())]);
  }
  a.set_capacity(1 + static_cast<int>(pick(5)));
  return a;
}

// SuggestPartners answered from a set of recorded answers (see 4. above).
class CannedMatchService final : public v1::MatchService::CallbackService {
 public:
  explicit CannedMatchService(std::vector<v1::SuggestPartnersResponse> answers)
      : answers_(std::move(answers)) {}

  grpc::ServerUnaryReactor* SuggestPartners(
      grpc::CallbackServerContext* context,
      const v1::SuggestPartnersRequest* request,
      v1::SuggestPartnersResponse* response) override {
    *response = answers_[std::hash<std::string>()(request->actor_id()) %
                         answers_.size()];
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  const std::vector<v1::SuggestPartnersResponse> answers_;
};

struct Latency {
  double p50_us = 0, p99_us = 0;
};

Latency Measure(int n, const std::function<void(int)>& call) {
  std::vector<double> us;
  us.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    auto start = Clock::now();
    call(i);
    us.push_back(Seconds(start) * 1e6);
  }
  std::sort(us.begin(), us.end());
  return {us[us.size() / 2], us[us.size() * 99 / 100]};
}

double Throughput(int threads, double seconds,
                  const std::function<void(int, int)>& call) {
  std::atomic<long> done{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = 0; !stop.load(); ++i) {
        call(t, i);
        ++done;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : pool) th.join();
  return static_cast<double>(done.load()) / seconds;
}

// 1. Writes `n` synthetic actors into the store through the core's import
// path (no network), then closes it. False on failure (reported).
bool Populate(const services::Server::Options& options, int n) {
  auto server = services::Server::BuildAndStart(options);
  if (!server.ok()) {
    fprintf(stderr, "%s\n", server.status().ToString().c_str());
    return false;
  }
  Synthetic geo;
  std::vector<double> weights;
  const auto& g = (*server)->core().geography();
  for (uint32_t c = 0; c < g.Count(territory::Level::kCommune); ++c) {
    geo.communes.emplace_back(g.Code(territory::Level::kCommune, c));
    weights.push_back(
        static_cast<double>(g.Population(territory::Level::kCommune, c)) + 1);
  }
  std::discrete_distribution<size_t> commune(weights.begin(), weights.end());
  std::mt19937 rng(42);
  auto start = Clock::now();
  for (int i = 0; i < n; i += 5000) {
    v1::ImportActorsRequest batch;
    batch.set_first_row_number(i + 1);
    for (int j = i; j < std::min(n, i + 5000); ++j) {
      *batch.add_actors() = MakeActor(j, geo, rng, commune);
    }
    auto result = (*server)->core().actors().ImportBatch(
        &batch, auth::Principal::System());
    if (!result.ok() || result->counts().rejected() > 0) {
      fprintf(stderr, "import failed\n");
      return false;
    }
  }
  printf("populate: %d actors in %.1f s (%.0f rows/s, in-process)\n", n,
         Seconds(start), n / Seconds(start));
  return true;
}

// The calls the bench makes to the real server, on one channel.
class BenchClient {
 public:
  BenchClient(const std::shared_ptr<grpc::Channel>& channel, int actors)
      : health_(grpc::health::v1::Health::NewStub(channel)),
        match_(v1::MatchService::NewStub(channel)) {
    std::mt19937 rng(7);
    for (int i = 0; i < 10000; ++i) {
      ids_.push_back("ext:fr:" +
                     std::to_string(rng() % static_cast<unsigned>(actors)));
    }
  }

  void Empty() {
    grpc::ClientContext ctx;
    grpc::health::v1::HealthCheckRequest req;
    grpc::health::v1::HealthCheckResponse resp;
    health_->Check(&ctx, req, &resp);
  }

  // The i-th query's request: one of 10,000 actors drawn at random.
  v1::SuggestPartnersRequest SuggestRequest(int i, bool preview,
                                            v1::SuggestionView view) const {
    v1::SuggestPartnersRequest req;
    req.set_actor_id(ids_[static_cast<size_t>(i) % ids_.size()]);
    req.set_limit(20);
    req.set_preview(preview);
    req.set_view(view);
    req.set_requested_by("bench");
    return req;
  }

  // Counts the suggestions served in `suggestions` (not thread-safe: read
  // it only after single-threaded measurements).
  void Suggest(int i, bool preview,
               v1::SuggestionView view = v1::SUGGESTION_VIEW_BASIC) {
    grpc::ClientContext ctx;
    v1::SuggestPartnersRequest req = SuggestRequest(i, preview, view);
    v1::SuggestPartnersResponse resp;
    grpc::Status s = match_->SuggestPartners(&ctx, req, &resp);
    if (!s.ok() && s.error_code() != grpc::StatusCode::FAILED_PRECONDITION) {
      fprintf(stderr, "SuggestPartners: %s\n", s.error_message().c_str());
    }
    suggestions += resp.suggestions_size();
  }

  // A coalition on one of the 16 most populous départements.
  void Coalition(int i) {
    static const char* const kDepartements[] = {
        "59", "75", "13", "69", "92", "93", "62", "33",
        "78", "77", "94", "44", "31", "76", "91", "38"};
    grpc::ClientContext ctx;
    v1::SuggestCoalitionRequest req;
    req.mutable_territory()->set_level(v1::TERRITORY_LEVEL_DEPARTEMENT);
    req.mutable_territory()->set_code(kDepartements[i % 16]);
    req.add_themes(kThemes[i % std::size(kThemes)]);
    v1::SuggestCoalitionResponse resp;
    grpc::Status s = match_->SuggestCoalition(&ctx, req, &resp);
    if (!s.ok()) fprintf(stderr, "coalition: %s\n", s.error_message().c_str());
  }

  // Up to 64 preview answers, as the floor servers will replay them.
  std::vector<v1::SuggestPartnersResponse> RecordAnswers() {
    std::vector<v1::SuggestPartnersResponse> answers;
    for (int i = 0; static_cast<int>(answers.size()) < 64 && i < 1000; ++i) {
      grpc::ClientContext ctx;
      v1::SuggestPartnersRequest req =
          SuggestRequest(i, true, v1::SUGGESTION_VIEW_BASIC);
      v1::SuggestPartnersResponse resp;
      if (!match_->SuggestPartners(&ctx, req, &resp).ok()) continue;
      answers.push_back(std::move(resp));
    }
    return answers;
  }

  long suggestions = 0;

 private:
  std::unique_ptr<grpc::health::v1::Health::Stub> health_;
  std::unique_ptr<v1::MatchService::Stub> match_;
  std::vector<std::string> ids_;
};

// 3. What the real server measures.
struct ServerFigures {
  Latency empty, preview, full, recorded, coalition;
  double empty_rate = 0, preview_rate = 0;
  double suggestions_per_query = 0;
};

ServerFigures MeasureServer(BenchClient& client, int queries, int threads) {
  for (int i = 0; i < 200; ++i) {  // warm up
    client.Empty();
    client.Suggest(i, true);
  }
  ServerFigures f;
  f.empty = Measure(queries, [&](int) { client.Empty(); });
  f.preview = Measure(queries, [&](int i) { client.Suggest(i, true); });
  f.full = Measure(queries, [&](int i) {
    client.Suggest(i, true, v1::SUGGESTION_VIEW_FULL);
  });
  client.suggestions = 0;
  f.recorded =
      Measure(queries, [&](int i) { client.Suggest(i + queries, false); });
  f.suggestions_per_query = static_cast<double>(client.suggestions) / queries;
  f.coalition =
      Measure(std::max(50, queries / 20), [&](int i) { client.Coalition(i); });
  f.empty_rate = Throughput(threads, 5, [&](int, int) { client.Empty(); });
  f.preview_rate = Throughput(
      threads, 5, [&](int t, int i) { client.Suggest(t * 100000 + i, true); });
  return f;
}

double MeanBytes(const std::vector<v1::SuggestPartnersResponse>& answers) {
  double bytes = 0;
  for (const auto& answer : answers) {
    bytes += static_cast<double>(answer.ByteSizeLong());
  }
  return bytes / static_cast<double>(std::max<size_t>(answers.size(), 1));
}

// The least an explained answer can carry: per suggestion the partner, its
// score, category and modality, the factors' contributions and the sentence
// (what the issue asks of each candidate, nothing more).
std::vector<v1::SuggestPartnersResponse> MinimalAnswers(
    std::vector<v1::SuggestPartnersResponse> answers) {
  for (v1::SuggestPartnersResponse& answer : answers) {
    for (v1::PartnerSuggestion& s : *answer.mutable_suggestions()) {
      s.clear_partner_kind();
      s.clear_partner_home_commune();
      s.clear_categories();
      s.clear_fit_for_actor();
      s.clear_fit_for_partner();
      s.clear_flows();
      s.clear_shared_themes();
      s.clear_distance_km();
      for (v1::MatchFactor& f : *s.mutable_factors()) {
        f.clear_code();
        f.clear_value();
        f.clear_weight();
        f.clear_detail();
      }
    }
  }
  return answers;
}

// A server of its own for `service`, and a channel to it.
std::unique_ptr<grpc::Server> Serve(grpc::Service* service,
                                    std::shared_ptr<grpc::Channel>* to) {
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(service);
  std::unique_ptr<grpc::Server> started = builder.BuildAndStart();
  *to = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                            grpc::InsecureChannelCredentials());
  return started;
}

// 4. The floor: recorded answers served with no work (see the top).
struct FloorFigures {
  Latency empty, recorded, minimal;
  double empty_rate = 0, recorded_rate = 0, minimal_rate = 0;
  double recorded_bytes = 0, minimal_bytes = 0;
};

FloorFigures MeasureFloor(const BenchClient& client,
                          std::vector<v1::SuggestPartnersResponse> answers,
                          int queries, int threads) {
  FloorFigures f;
  std::vector<v1::SuggestPartnersResponse> minimal = MinimalAnswers(answers);
  f.recorded_bytes = MeanBytes(answers);
  f.minimal_bytes = MeanBytes(minimal);
  CannedMatchService canned(std::move(answers));
  CannedMatchService canned_minimal(std::move(minimal));
  std::shared_ptr<grpc::Channel> canned_channel, minimal_channel;
  std::unique_ptr<grpc::Server> canned_server = Serve(&canned, &canned_channel);
  std::unique_ptr<grpc::Server> minimal_server =
      Serve(&canned_minimal, &minimal_channel);
  auto canned_match = v1::MatchService::NewStub(canned_channel);
  auto minimal_match = v1::MatchService::NewStub(minimal_channel);
  auto canned_health = grpc::health::v1::Health::NewStub(canned_channel);
  auto call_to = [&](v1::MatchService::Stub* stub, int i) {
    grpc::ClientContext ctx;
    v1::SuggestPartnersRequest req =
        client.SuggestRequest(i, true, v1::SUGGESTION_VIEW_BASIC);
    v1::SuggestPartnersResponse resp;
    stub->SuggestPartners(&ctx, req, &resp);
  };
  auto canned_call = [&](int i) { call_to(canned_match.get(), i); };
  auto minimal_call = [&](int i) { call_to(minimal_match.get(), i); };
  auto canned_empty = [&](int) {
    grpc::ClientContext ctx;
    grpc::health::v1::HealthCheckRequest req;
    grpc::health::v1::HealthCheckResponse resp;
    canned_health->Check(&ctx, req, &resp);
  };
  for (int i = 0; i < 200; ++i) canned_call(i);
  f.empty = Measure(queries, canned_empty);
  f.recorded = Measure(queries, canned_call);
  f.empty_rate = Throughput(threads, 5, [&](int, int i) { canned_empty(i); });
  f.recorded_rate = Throughput(
      threads, 5, [&](int t, int i) { canned_call(t * 100000 + i); });
  for (int i = 0; i < 200; ++i) minimal_call(i);
  f.minimal = Measure(queries, minimal_call);
  f.minimal_rate = Throughput(
      threads, 5, [&](int t, int i) { minimal_call(t * 100000 + i); });
  canned_server->Shutdown();
  minimal_server->Shutdown();
  return f;
}

void PrintRow(const char* name, const Latency& latency, double rate) {
  if (rate > 0) {
    printf("%-40s %10.0f %10.0f %12.0f\n", name, latency.p50_us, latency.p99_us,
           rate);
  } else {
    printf("%-40s %10.0f %10.0f %12s\n", name, latency.p50_us, latency.p99_us,
           "");
  }
}

void PrintFigures(const ServerFigures& s, const FloorFigures& f, int threads) {
  printf("\n%-40s %10s %10s %12s\n", "call (through the server)", "p50 µs",
         "p99 µs", "calls/s");
  PrintRow("empty RPC (health check)", s.empty, s.empty_rate);
  PrintRow("SuggestPartners limit 20 (preview)", s.preview, s.preview_rate);
  PrintRow("SuggestPartners limit 20 (FULL view)", s.full, 0);
  PrintRow("SuggestPartners limit 20 (recorded)", s.recorded, 0);
  PrintRow("SuggestCoalition (département)", s.coalition, 0);
  PrintRow("floor server: empty RPC", f.empty, f.empty_rate);
  PrintRow("floor server: recorded answers", f.recorded, f.recorded_rate);
  PrintRow("floor server: minimal answers", f.minimal, f.minimal_rate);
  printf(
      "\nSuggestPartners/empty RPC throughput ratio: %.2f (%d threads); "
      "%.1f suggestions per query on average, %.0f bytes per answer\n",
      s.preview_rate / s.empty_rate, threads, s.suggestions_per_query,
      f.recorded_bytes);
  printf(
      "floor: the same answers served with no work / empty RPC on that "
      "server: %.2f; minimal explained answers (%.0f bytes): %.2f\n",
      f.recorded_rate / f.empty_rate, f.minimal_bytes,
      f.minimal_rate / f.empty_rate);
}

int Run() {
  const int n = absl::GetFlag(FLAGS_actors);
  const int queries = absl::GetFlag(FLAGS_queries);
  const int threads = absl::GetFlag(FLAGS_threads);
  char pattern[] = "/tmp/maillage-suggest-XXXXXX";
  std::string dir = mkdtemp(pattern);
  services::Server::Options options;
  options.listen_address = "127.0.0.1:0";
  options.core.data_dir = dir + "/store";
  options.core.reference_dir = MAILLAGE_REFERENCE_DIR;
  options.core.sync_writes = false;
  options.admin_credentials_file = dir + "/credentials";
  if (!Populate(options, n)) return 1;

  // 2. Start-up on the populated store.
  long rss_before = RssKb();
  auto start = Clock::now();
  auto server = services::Server::BuildAndStart(options);
  if (!server.ok()) return 1;
  double startup = Seconds(start);
  long rss_after = RssKb();
  printf(
      "start-up: %.2f s (open + index rebuild of %d actors); RSS +%.0f MiB "
      "= %.0f bytes/actor (index, geography, RocksDB caches)\n",
      startup, n, (rss_after - rss_before) / 1024.0,
      (rss_after - rss_before) * 1024.0 / n);

  BenchClient client(cli::CreateBearerChannel(
                         "127.0.0.1:" + std::to_string((*server)->port()),
                         auth::LastStoredKey(options.admin_credentials_file)),
                     n);
  ServerFigures figures = MeasureServer(client, queries, threads);
  FloorFigures floor =
      MeasureFloor(client, client.RecordAnswers(), queries, threads);
  PrintFigures(figures, floor, threads);
  server->reset();
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace maillage

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return maillage::Run();
}

// The cost of territorial scopes (issue #11: auth + scope filtering at most
// 5% of a GetActor and of a SuggestPartners call), in process on the core.
//
//   build/bench/scope_bench [--benchmark_filter=...]
//   MAILLAGE_SCOPE_BENCH_ACTORS=200000 build/bench/scope_bench
//
// A store of synthetic actors spread over the real communes in proportion
// to population is written once (default 100,000 actors). The same calls,
// on the same actors (homed in Île-de-France), are then made as:
//  - System: the server itself, all territories (no filtering at all);
//  - EveryRegion: an animator whose scope lists every région: the same
//    answers as System, so the difference is the price of the scope alone
//    (cache lookup, the per-actor test, the matcher's admission of each
//    candidate);
//  - OneRegion: an animator of Île-de-France: a real scope, fewer
//    candidates (its time may be below System's).
// BM_ScopeOf is the cache lookup alone. The BM_Paired* benchmarks make, per
// iteration, the same call as System and as the scoped caller on the same
// actor and report each one's thread CPU time and the overhead of the
// scoped one in percent: pairing cancels the drift of a shared machine's
// load, which the separate runs above do not.
#include <stdlib.h>
#include <time.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "core/access_scope.h"
#include "core/maillage.h"

namespace maillage {
namespace {

using territory::Level;

const char* const kThemes[] = {"employment_insertion",
                               "youth",
                               "health",
                               "housing",
                               "mobility",
                               "digital_inclusion",
                               "environment_climate",
                               "sport"};
const char* const kResources[] = {"funding", "skills",   "volunteers",
                                  "in_kind", "premises", "purchasing",
                                  "hiring",  "expertise"};

// The store, its actors homed in Île-de-France, and the principals.
struct World {
  std::string dir;
  std::unique_ptr<core::Maillage> maillage;
  std::vector<std::string> ile_de_france;  // actor ids
  auth::Principal system = auth::Principal::System();
  auth::Principal every_region;
  auth::Principal one_region;
};

World* world = nullptr;

v1::Actor MakeActor(int i, const std::string& commune, std::mt19937& rng) {
  static const v1::ActorKind kinds[] = {v1::ACTOR_KIND_ASSOCIATION,
                                        v1::ACTOR_KIND_COMPANY,
                                        v1::ACTOR_KIND_PUBLIC_BODY};
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  v1::Actor a;
  a.set_id("ext:bench:" + std::to_string(i));
  a.set_kind(kinds[pick(3)]);
  a.set_name("Acteur " + std::to_string(i));
  a.set_home_commune(commune);
  const char* theme = kThemes[pick(std::size(kThemes))];
  a.add_themes(theme);
  for (int k = 0; k < 2; ++k) {
    auto* need = a.add_needs();
    need->set_resource(kResources[pick(std::size(kResources))]);
    need->set_theme(theme);
    auto* offer = a.add_offers();
    offer->set_resource(kResources[pick(std::size(kResources))]);
    offer->set_theme(theme);
  }
  a.set_capacity(1 + static_cast<int>(pick(5)));
  return a;
}

bool Populate(World* w, int n) {
  const territory::Geography& geo = w->maillage->geography();
  std::vector<std::string> communes;
  std::vector<double> weights;
  for (uint32_t c = 0; c < geo.Count(Level::kCommune); ++c) {
    communes.emplace_back(geo.Code(Level::kCommune, c));
    weights.push_back(static_cast<double>(geo.Population(Level::kCommune, c)) +
                      1);
  }
  const uint32_t idf = *geo.Find(Level::kRegion, "11");
  std::discrete_distribution<size_t> commune(weights.begin(), weights.end());
  std::mt19937 rng(42);
  for (int i = 0; i < n; i += 5000) {
    v1::ImportActorsRequest batch;
    for (int j = i; j < std::min(n, i + 5000); ++j) {
      const size_t c = commune(rng);
      *batch.add_actors() = MakeActor(j, communes[c], rng);
      if (geo.PlaceOf(Level::kCommune, static_cast<uint32_t>(c)).region ==
          idf) {
        w->ile_de_france.push_back(batch.actors().rbegin()->id());
      }
    }
    auto result = w->maillage->actors().ImportBatch(&batch, w->system);
    if (!result.ok() || result->counts().rejected() > 0) return false;
  }
  for (uint32_t r = 0; r < geo.Count(Level::kRegion); ++r) {
    w->every_region.territories.push_back(
        "region:" + std::string(geo.Code(Level::kRegion, r)));
  }
  w->every_region.role = auth::Role::kAnimator;
  w->one_region.role = auth::Role::kAnimator;
  w->one_region.territories = {"region:11"};
  return true;
}

const auth::Principal& Caller(int which) {
  return which == 0   ? world->system
         : which == 1 ? world->every_region
                      : world->one_region;
}

void BM_GetActor(benchmark::State& state) {
  const auth::Principal& caller = Caller(static_cast<int>(state.range(0)));
  v1::GetActorRequest request;
  request.set_view(v1::ACTOR_VIEW_BASIC);
  size_t i = 0;
  for (auto _ : state) {
    request.set_id(world->ile_de_france[i++ % world->ile_de_france.size()]);
    auto actor = world->maillage->actors().Get(request, caller);
    if (!actor.ok()) state.SkipWithError("GetActor failed");
    benchmark::DoNotOptimize(actor);
  }
}

void BM_SuggestPartners(benchmark::State& state) {
  const auth::Principal& caller = Caller(static_cast<int>(state.range(0)));
  v1::SuggestPartnersRequest request;
  request.set_limit(20);
  request.set_preview(true);  // nothing recorded: the same work every time
  size_t i = 0;
  for (auto _ : state) {
    request.set_actor_id(
        world->ile_de_france[i++ % world->ile_de_france.size()]);
    auto answer = world->maillage->matching().SuggestPartners(request, caller);
    if (!answer.ok() &&
        answer.status().code() != absl::StatusCode::kFailedPrecondition) {
      state.SkipWithError("SuggestPartners failed");
    }
    benchmark::DoNotOptimize(answer);
  }
}

void BM_ScopeOf(benchmark::State& state) {
  const auth::Principal& caller = Caller(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    benchmark::DoNotOptimize(world->maillage->actors().ScopeOf(caller));
  }
}

// CPU time of this thread, in nanoseconds.
double ThreadCpuNs() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e9 + static_cast<double>(t.tv_nsec);
}

// Runs `call(caller, i)` as System then as Caller(range(0)), alternately,
// and reports both CPU times per call and the scoped overhead.
template <typename Call>
void Paired(benchmark::State& state, Call call) {
  const auth::Principal& scoped = Caller(static_cast<int>(state.range(0)));
  double system_ns = 0, scoped_ns = 0;
  size_t i = 0;
  for (auto _ : state) {
    const std::string& id =
        world->ile_de_france[i++ % world->ile_de_france.size()];
    // Alternate which goes first, so that neither gets the other's caches.
    const bool system_first = i % 2 == 0;
    for (int k = 0; k < 2; ++k) {
      const bool as_system = (k == 0) == system_first;
      const double start = ThreadCpuNs();
      call(as_system ? world->system : scoped, id, state);
      (as_system ? system_ns : scoped_ns) += ThreadCpuNs() - start;
    }
  }
  const auto n = static_cast<double>(state.iterations());
  state.counters["system_us"] = system_ns / n / 1e3;
  state.counters["scoped_us"] = scoped_ns / n / 1e3;
  state.counters["overhead_pct"] = 100 * (scoped_ns - system_ns) / system_ns;
}

void BM_PairedGetActor(benchmark::State& state) {
  v1::GetActorRequest request;
  request.set_view(v1::ACTOR_VIEW_BASIC);
  Paired(state, [&](const auth::Principal& caller, const std::string& id,
                    benchmark::State& s) {
    request.set_id(id);
    auto actor = world->maillage->actors().Get(request, caller);
    if (!actor.ok()) s.SkipWithError("GetActor failed");
    benchmark::DoNotOptimize(actor);
  });
}

void BM_PairedSuggestPartners(benchmark::State& state) {
  v1::SuggestPartnersRequest request;
  request.set_limit(20);
  request.set_preview(true);
  Paired(state, [&](const auth::Principal& caller, const std::string& id,
                    benchmark::State& s) {
    request.set_actor_id(id);
    auto answer = world->maillage->matching().SuggestPartners(request, caller);
    if (!answer.ok() &&
        answer.status().code() != absl::StatusCode::kFailedPrecondition) {
      s.SkipWithError("SuggestPartners failed");
    }
    benchmark::DoNotOptimize(answer);
  });
}

void Callers(benchmark::internal::Benchmark* b) {
  b->ArgNames({"caller"})->Arg(0)->Arg(1)->Arg(2);
}

BENCHMARK(BM_GetActor)->Apply(Callers);
BENCHMARK(BM_SuggestPartners)->Apply(Callers);
BENCHMARK(BM_ScopeOf)->Apply(Callers);
BENCHMARK(BM_PairedGetActor)->ArgNames({"caller"})->Arg(1)->Arg(2);
BENCHMARK(BM_PairedSuggestPartners)->ArgNames({"caller"})->Arg(1)->Arg(2);

}  // namespace
}  // namespace maillage

int main(int argc, char** argv) {
  using maillage::world;
  benchmark::Initialize(&argc, argv);
  const char* env = getenv("MAILLAGE_SCOPE_BENCH_ACTORS");
  const int n = env != nullptr ? atoi(env) : 100000;
  char pattern[] = "/tmp/maillage-scope-bench-XXXXXX";
  if (mkdtemp(pattern) == nullptr) return 1;
  world = new maillage::World();
  world->dir = pattern;
  maillage::core::Maillage::Options options;
  options.data_dir = world->dir + "/store";
  options.reference_dir = MAILLAGE_REFERENCE_DIR;
  options.sync_writes = false;
  auto opened = maillage::core::Maillage::Open(options);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().ToString().c_str());
    return 1;
  }
  world->maillage = std::move(*opened);
  if (!maillage::Populate(world, n) || world->ile_de_france.empty()) {
    std::fprintf(stderr, "populating the store failed\n");
    return 1;
  }
  std::printf(
      "%d actors, %zu homed in Île-de-France; callers: 0 = System, "
      "1 = animator of every région, 2 = animator of Île-de-France\n",
      n, world->ile_de_france.size());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  world->maillage.reset();
  std::filesystem::remove_all(world->dir);
  delete world;
  return 0;
}

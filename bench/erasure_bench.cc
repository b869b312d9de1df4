// The erasure of one person (issue #12: under 10 s on a 1M-actor store), in
// process on the core, with the physical part (flush, forced bottommost
// compaction) on the real RocksDB store.
//
//   build/bench/erasure_bench
//   MAILLAGE_ERASURE_BENCH_ACTORS=1000000 build/bench/erasure_bench
//
// A store of synthetic actors over the real communes is written once
// (default 100,000), each with one contact person of its own, then flushed
// and compacted as a long-lived store would be. Each iteration plants the
// person again (a contact on three actors, a mention in two descriptions)
// and erases them; it reports the wall time of the whole erasure and of its
// physical part.
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "core/maillage.h"

namespace maillage {
namespace {

constexpr char kEmail[] = "marie.durand.bench@example.fr";

struct World {
  std::string dir;
  std::unique_ptr<core::Maillage> maillage;
  int actors = 0;
  auth::Principal system = auth::Principal::System();
};
World* world = nullptr;

v1::Actor MakeActor(int i, const std::string& commune, std::mt19937& rng) {
  v1::Actor a;
  a.set_id("ext:bench:" + std::to_string(i));
  a.set_kind(i % 2 == 0 ? v1::ACTOR_KIND_ASSOCIATION : v1::ACTOR_KIND_COMPANY);
  a.set_name("Acteur " + std::to_string(i));
  a.set_home_commune(commune);
  a.add_themes("digital_inclusion");
  a.set_description("Une organisation du territoire, active depuis " +
                    std::to_string(1950 + rng() % 70) + ".");
  auto* c = a.add_contacts();
  c->set_name("Contact " + std::to_string(i));
  c->set_email("contact" + std::to_string(i) + "@example.org");
  c->set_phone("01 23 45 " + std::to_string(10 + rng() % 90) + " " +
               std::to_string(10 + rng() % 90));
  return a;
}

bool Populate(World* w) {
  const territory::Geography& geo = w->maillage->geography();
  std::vector<std::string> communes;
  for (uint32_t c = 0; c < geo.Count(territory::Level::kCommune); ++c) {
    communes.emplace_back(geo.Code(territory::Level::kCommune, c));
  }
  std::mt19937 rng(42);
  for (int i = 0; i < w->actors; i += 5000) {
    v1::ImportActorsRequest batch;
    for (int j = i; j < std::min(w->actors, i + 5000); ++j) {
      *batch.add_actors() =
          MakeActor(j, communes[rng() % communes.size()], rng);
    }
    auto result = w->maillage->actors().ImportBatch(&batch, w->system);
    if (!result.ok() || result->counts().rejected() > 0) return false;
  }
  // As a store that has lived: everything in table files, compacted.
  return w->maillage->store()
      .ErasePhysically({storage::Family::kActors, storage::Family::kContacts})
      .ok();
}

// Puts the person back: a contact of three actors, a mention in two
// descriptions.
bool Plant(int round) {
  for (int k = 0; k < 5; ++k) {
    int i = (round * 7919 + k * 104729) % world->actors;
    v1::UpdateActorRequest request;
    request.mutable_actor()->set_id("ext:bench:" + std::to_string(i));
    if (k < 3) {
      auto* c = request.mutable_actor()->add_contacts();
      c->set_name("Marie Durand");
      c->set_email(kEmail);
      request.mutable_update_mask()->add_paths("contacts");
    } else {
      request.mutable_actor()->set_description(
          std::string("Écrire à ") + kEmail + " pour tout partenariat.");
      request.mutable_update_mask()->add_paths("description");
    }
    if (!world->maillage->actors().Update(request, world->system).ok()) {
      return false;
    }
  }
  return true;
}

void BM_EraseOnePerson(benchmark::State& state) {
  int round = 0;
  double physical_ms = 0;
  int64_t records = 0;
  for (auto _ : state) {
    state.PauseTiming();
    if (!Plant(round++)) state.SkipWithError("planting failed");
    state.ResumeTiming();
    v1::ErasePersonalDataRequest request;
    request.mutable_subject()->set_email(kEmail);
    auto answer = world->maillage->privacy().Erase(request, world->system);
    if (!answer.ok()) {
      state.SkipWithError(std::string(answer.status().message()).c_str());
      break;
    }
    physical_ms += static_cast<double>(answer->physical_erasure_millis());
    for (const auto& e : answer->erased()) records += e.count();
  }
  state.counters["physical_ms"] =
      benchmark::Counter(physical_ms, benchmark::Counter::kAvgIterations);
  state.counters["records"] = benchmark::Counter(
      static_cast<double>(records), benchmark::Counter::kAvgIterations);
  state.counters["actors"] = world->actors;
}
BENCHMARK(BM_EraseOnePerson)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->UseRealTime();

}  // namespace
}  // namespace maillage

int main(int argc, char** argv) {
  using namespace maillage;
  benchmark::Initialize(&argc, argv);
  World w;
  const char* n = getenv("MAILLAGE_ERASURE_BENCH_ACTORS");
  w.actors = n != nullptr ? atoi(n) : 100000;
  w.dir = (std::filesystem::temp_directory_path() /
           ("maillage-erasure-bench-" + std::to_string(getpid())))
              .string();
  core::Maillage::Options options;
  options.data_dir = w.dir;
  options.reference_dir = MAILLAGE_REFERENCE_DIR;
  options.sync_writes = false;
  options.contacts_purge_interval = absl::ZeroDuration();
  auto opened = core::Maillage::Open(options);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().ToString().c_str());
    return 1;
  }
  w.maillage = std::move(*opened);
  std::fprintf(stderr, "writing %d actors with a contact each...\n", w.actors);
  if (!Populate(&w)) {
    std::fprintf(stderr, "populating the store failed\n");
    return 1;
  }
  world = &w;
  benchmark::RunSpecifiedBenchmarks();
  w.maillage.reset();
  std::filesystem::remove_all(w.dir);
  return 0;
}

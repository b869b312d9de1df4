// Benchmarks of territory::Geography on the shipped reference data.
//
//   build/bench/geography_bench [--benchmark_filter=...]
//
// BM_LoadMemory must run first in a fresh process (it does when unfiltered):
// it reports the resident memory the first load adds.

#include <malloc.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "territory/geography.h"

namespace maillage::territory {
namespace {

constexpr char kGeoDir[] = MAILLAGE_REFERENCE_DIR "/geo";

// Resident set size of this process, in bytes.
double ResidentBytes() {
  long pages_total = 0, pages_resident = 0;
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  if (std::fscanf(f, "%ld %ld", &pages_total, &pages_resident) != 2) {
    pages_resident = 0;
  }
  std::fclose(f);
  return static_cast<double>(pages_resident) * sysconf(_SC_PAGESIZE);
}

std::unique_ptr<Geography> LoadOrDie() {
  auto loaded = Geography::Load(kGeoDir);
  if (!loaded.ok()) {
    std::fprintf(stderr, "cannot load %s: %s\n", kGeoDir,
                 std::string(loaded.status().message()).c_str());
    std::exit(1);
  }
  return std::move(loaded).value();
}

const Geography& Geo() {
  static const Geography* geo = LoadOrDie().release();
  return *geo;
}

constexpr double kMiB = 1024.0 * 1024.0;

void BM_LoadMemory(benchmark::State& state) {
  std::unique_ptr<Geography> geo;
  double before = 0, after = 0, trimmed = 0;
  for (auto _ : state) {
    before = ResidentBytes();
    geo = LoadOrDie();
    after = ResidentBytes();
    malloc_trim(0);  // give back what only the loader needed
    trimmed = ResidentBytes();
  }
  state.counters["rss_before_MiB"] = before / kMiB;
  state.counters["rss_added_MiB"] = (after - before) / kMiB;
  state.counters["rss_added_trimmed_MiB"] = (trimmed - before) / kMiB;
  state.counters["heap_MiB"] = geo->MemoryUsage() / kMiB;
}
BENCHMARK(BM_LoadMemory)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_Load(benchmark::State& state) {
  for (auto _ : state) {
    std::unique_ptr<Geography> geo = LoadOrDie();
    benchmark::DoNotOptimize(geo.get());
  }
}
BENCHMARK(BM_Load)->Unit(benchmark::kMillisecond);

// Contains(level, territory, commune) on random pairs, half of them true.
void BM_Contains(benchmark::State& state) {
  const Geography& geo = Geo();
  const Level level = static_cast<Level>(state.range(0));
  struct Query {
    uint32_t territory;
    uint32_t commune;
  };
  std::vector<Query> queries(1 << 16);
  std::mt19937 rng(42);
  std::uniform_int_distribution<uint32_t> commune(
      0, geo.Count(Level::kCommune) - 1);
  std::uniform_int_distribution<uint32_t> territory(0, geo.Count(level) - 1);
  for (size_t i = 0; i < queries.size(); ++i) {
    const uint32_t c = commune(rng);
    const uint32_t own = geo.PlaceOf(Level::kCommune, c).At(level);
    queries[i] = {i % 2 == 0 && own != kNone ? own : territory(rng), c};
  }
  size_t i = 0;
  int64_t inside = 0;
  for (auto _ : state) {
    const Query& q = queries[i++ & (queries.size() - 1)];
    inside += geo.Contains(level, q.territory, q.commune);
  }
  benchmark::DoNotOptimize(inside);
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(std::string(LevelName(level)));
}
BENCHMARK(BM_Contains)
    ->Arg(static_cast<int>(Level::kEpci))
    ->Arg(static_cast<int>(Level::kDepartement))
    ->Arg(static_cast<int>(Level::kRegion));

// Resolves the postal codes of every commune: one pass per iteration.
void BM_ResolveAllPostalCodes(benchmark::State& state) {
  const Geography& geo = Geo();
  std::vector<std::string> postal_codes;
  for (uint32_t c = 0; c < geo.Count(Level::kCommune); ++c) {
    for (std::string& code : geo.PostalCodes(c)) {
      postal_codes.push_back(std::move(code));
    }
  }
  for (auto _ : state) {
    size_t found = 0;
    for (const std::string& code : postal_codes) {
      found += geo.ResolvePostalCode(code).size();
    }
    benchmark::DoNotOptimize(found);
  }
  state.SetItemsProcessed(state.iterations() * postal_codes.size());
  state.counters["postal_codes"] = postal_codes.size();
}
BENCHMARK(BM_ResolveAllPostalCodes)->Unit(benchmark::kMillisecond);

// Finds every current commune by its code, then every former code.
void BM_ResolveAllCommuneCodes(benchmark::State& state) {
  const Geography& geo = Geo();
  std::vector<std::string> codes;
  for (uint32_t c = 0; c < geo.Count(Level::kCommune); ++c) {
    codes.emplace_back(geo.Code(Level::kCommune, c));
  }
  for (auto _ : state) {
    size_t found = 0;
    for (const std::string& code : codes) {
      found += geo.ResolveCommune(code).has_value();
    }
    benchmark::DoNotOptimize(found);
  }
  state.SetItemsProcessed(state.iterations() * codes.size());
}
BENCHMARK(BM_ResolveAllCommuneCodes)->Unit(benchmark::kMillisecond);

void BM_SearchByName(benchmark::State& state) {
  const Geography& geo = Geo();
  static const char* const kPrefixes[] = {
      "s", "saint", "saint-maur", "paris", "l'hay", "montp", "ile de", ""};
  const char* prefix = kPrefixes[state.range(0)];
  size_t matches = 0;
  for (auto _ : state) {
    matches = geo.SearchByName(std::nullopt, prefix, 10).size();
    benchmark::DoNotOptimize(matches);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(*prefix ? prefix : "(empty)");
}
BENCHMARK(BM_SearchByName)->DenseRange(0, 7);

}  // namespace
}  // namespace maillage::territory

BENCHMARK_MAIN();

// SuggestPartners on a store users built, in process: the engine's own cost
// per call, without gRPC and without the load client, for A/B comparisons of
// matcher changes on real data (the h2load figures of scripts/bench-calls.sh
// move ±10% with the machine's load; a thread's CPU time in one process
// moves less).
//
//   build/bench/store_suggest_bench --data_dir=D --askers=id,id,…
//       [--rounds=200] [--limit=20] [--recorded]
//
// Opens the store as the server does (RocksDB, index rebuild), then asks
// every asker in turn, `rounds` times, and prints the thread CPU time per
// call: mean and median over all calls, and each asker's median (and the
// time the store took to open, the actor index's memory per actor). The store
// must not be open elsewhere (RocksDB's lock). Preview calls write nothing;
// --recorded records the served suggestions as a dashboard's call does.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_split.h"
#include "auth/principal.h"
#include "core/maillage.h"
#include "maillage/v1/matching.pb.h"

ABSL_FLAG(std::string, data_dir, "", "The store (a server's --data_dir).");
ABSL_FLAG(std::string, askers, "", "Comma-separated actor ids to ask for.");
ABSL_FLAG(int, rounds, 200, "Calls per asker.");
ABSL_FLAG(int, limit, 20, "Suggestions per call.");
ABSL_FLAG(bool, recorded, false, "Record the served suggestions.");

namespace maillage {
namespace {

double ThreadCpuMicros() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e6 +
         static_cast<double>(t.tv_nsec) / 1e3;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

int Run() {
  const std::vector<std::string> askers =
      absl::StrSplit(absl::GetFlag(FLAGS_askers), ',', absl::SkipEmpty());
  if (absl::GetFlag(FLAGS_data_dir).empty() || askers.empty()) {
    std::fprintf(stderr, "--data_dir and --askers are required\n");
    return 2;
  }
  core::Maillage::Options options;
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.reference_dir = MAILLAGE_REFERENCE_DIR;
  const auto open_start = std::chrono::steady_clock::now();
  auto opened = core::Maillage::Open(options);
  const double open_seconds = std::chrono::duration<double>(
                                  std::chrono::steady_clock::now() - open_start)
                                  .count();
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().ToString().c_str());
    return 1;
  }
  std::unique_ptr<core::Maillage> maillage = std::move(*opened);
  const size_t actors = maillage->actors().size();
  std::printf("actors %zu  opened in %.2f s  index %.1f bytes per actor\n",
              actors, open_seconds,
              static_cast<double>(maillage->actors().IndexMemoryBytes()) /
                  static_cast<double>(std::max<size_t>(actors, 1)));
  const auth::Principal system = auth::Principal::System();

  v1::SuggestPartnersRequest request;
  request.set_limit(absl::GetFlag(FLAGS_limit));
  request.set_preview(!absl::GetFlag(FLAGS_recorded));
  std::vector<std::vector<double>> by_asker(askers.size());
  std::vector<double> all;
  const int rounds = absl::GetFlag(FLAGS_rounds);
  for (int round = 0; round < rounds + 10; ++round) {
    for (size_t a = 0; a < askers.size(); ++a) {
      request.set_actor_id(askers[a]);
      const double start = ThreadCpuMicros();
      auto answer = maillage->matching().SuggestPartners(request, system);
      const double cpu = ThreadCpuMicros() - start;
      if (!answer.ok()) {
        std::fprintf(stderr, "%s: %s\n", askers[a].c_str(),
                     answer.status().ToString().c_str());
        return 1;
      }
      if (round < 10) continue;  // warm-up
      by_asker[a].push_back(cpu);
      all.push_back(cpu);
    }
  }
  double sum = 0;
  for (double v : all) sum += v;
  std::printf("calls %zu  cpu per call: mean %.1f us, median %.1f us\n",
              all.size(), sum / all.size(), Median(all));
  for (size_t a = 0; a < askers.size(); ++a) {
    std::printf("  %-28s median %8.1f us\n", askers[a].c_str(),
                Median(by_asker[a]));
  }
  return 0;
}

}  // namespace
}  // namespace maillage

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return maillage::Run();
}

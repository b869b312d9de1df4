// maillage_loadgen: load and crash tools for the Maillage server.
// Flags in, a mode out; each mode lives in its own file.
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "tools/loadgen/crash_workload.h"
#include "tools/loadgen/soak.h"
#include "tools/loadgen/verifier.h"

#ifndef MAILLAGE_REFERENCE_DIR
#define MAILLAGE_REFERENCE_DIR "reference"
#endif

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "Server address HOST:PORT.");
ABSL_FLAG(std::string, reference_dir, MAILLAGE_REFERENCE_DIR,
          "Reference data folder (geo/), as the server's.");
ABSL_FLAG(uint64_t, seed, 0, "Random seed; 0 picks one.");
ABSL_FLAG(std::string, journal, "loadgen-journal.txt",
          "crash, verify: the client's journal of writes.");
ABSL_FLAG(std::string, ready_file, "",
          "crash: file created once the workload writes.");
ABSL_FLAG(int, workers, 4, "crash: client threads.");
ABSL_FLAG(double, seconds, 20, "crash: stop after this long; soak: duration.");
ABSL_FLAG(int, universe, 1200, "crash: churned actor ids.");
ABSL_FLAG(int, lifecycle_pairs, 24,
          "crash, verify: lifecycle associations (and companies).");
ABSL_FLAG(double, rate, 100, "soak: calls per second.");
ABSL_FLAG(int, connections, 1,
          "soak, peak: connections the calls are spread over, in turn (as "
          "from that many clients).");
ABSL_FLAG(double, report_seconds, 10, "soak: reporting period.");
ABSL_FLAG(std::string, csv, "soak.csv", "soak, soak-report: the CSV.");
ABSL_FLAG(int, server_pid, 0, "soak: server process whose RSS to sample.");
ABSL_FLAG(std::string, server_data_dir, "",
          "soak: the server's store folder, whose size to sample.");
ABSL_FLAG(std::string, clients, "4,8,16,32,64",
          "peak: concurrent calls of each step.");
ABSL_FLAG(double, step_seconds, 15, "peak: length of each step.");
ABSL_FLAG(double, warmup_seconds, 300, "soak-report: warm-up left out.");
ABSL_FLAG(std::string, output, "actors.jsonl", "populate: the JSONL file.");
ABSL_FLAG(int, count, 5000, "populate: synthetic actors to write.");

namespace {

constexpr char kUsage[] =
    "Load and crash tools for the Maillage server.\n"
    "Usage: maillage_loadgen MODE [flags]\n"
    "  crash        mixed writes, journaled, until killed or --seconds\n"
    "  verify       after a restart: the server against the journal\n"
    "  soak         open-loop mixed load at --rate for --seconds, CSV\n"
    "  peak         closed-loop steps with --clients concurrent calls\n"
    "  soak-report  judge a soak CSV (RSS, p99, errors, rate)\n"
    "  populate     write --count synthetic actors as JSONL";

uint64_t Seed() {
  uint64_t seed = absl::GetFlag(FLAGS_seed);
  return seed != 0 ? seed : std::random_device{}();
}

int Crash() {
  maillage::loadgen::CrashOptions o;
  o.target = absl::GetFlag(FLAGS_server);
  o.journal = absl::GetFlag(FLAGS_journal);
  o.reference_dir = absl::GetFlag(FLAGS_reference_dir);
  o.ready_file = absl::GetFlag(FLAGS_ready_file);
  o.workers = absl::GetFlag(FLAGS_workers);
  o.seconds = absl::GetFlag(FLAGS_seconds);
  o.universe = absl::GetFlag(FLAGS_universe);
  o.lifecycle_pairs = absl::GetFlag(FLAGS_lifecycle_pairs);
  o.seed = Seed();
  return maillage::loadgen::RunCrashWorkload(o);
}

int Verify() {
  maillage::loadgen::VerifyOptions o;
  o.target = absl::GetFlag(FLAGS_server);
  o.journal = absl::GetFlag(FLAGS_journal);
  o.reference_dir = absl::GetFlag(FLAGS_reference_dir);
  o.lifecycle_pairs = absl::GetFlag(FLAGS_lifecycle_pairs);
  return maillage::loadgen::RunVerify(o);
}

int Soak() {
  maillage::loadgen::SoakOptions o;
  o.target = absl::GetFlag(FLAGS_server);
  o.reference_dir = absl::GetFlag(FLAGS_reference_dir);
  o.rate = absl::GetFlag(FLAGS_rate);
  o.seconds = absl::GetFlag(FLAGS_seconds);
  o.report_seconds = absl::GetFlag(FLAGS_report_seconds);
  o.csv = absl::GetFlag(FLAGS_csv);
  o.server_pid = absl::GetFlag(FLAGS_server_pid);
  o.server_data_dir = absl::GetFlag(FLAGS_server_data_dir);
  o.seed = Seed();
  o.connections = absl::GetFlag(FLAGS_connections);
  return maillage::loadgen::RunSoak(o);
}

int Peak() {
  maillage::loadgen::PeakOptions o;
  o.target = absl::GetFlag(FLAGS_server);
  o.reference_dir = absl::GetFlag(FLAGS_reference_dir);
  o.step_seconds = absl::GetFlag(FLAGS_step_seconds);
  o.seed = Seed();
  o.connections = absl::GetFlag(FLAGS_connections);
  o.clients.clear();
  for (absl::string_view part :
       absl::StrSplit(absl::GetFlag(FLAGS_clients), ',', absl::SkipEmpty())) {
    int n = 0;
    if (!absl::SimpleAtoi(part, &n) || n <= 0) {
      std::fprintf(stderr, "--clients: '%s' is not a positive number\n",
                   std::string(part).c_str());
      return 2;
    }
    o.clients.push_back(n);
  }
  return maillage::loadgen::RunPeak(o);
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  const std::string mode = args.size() == 2 ? args[1] : "";
  if (mode == "crash") return Crash();
  if (mode == "verify") return Verify();
  if (mode == "soak") return Soak();
  if (mode == "peak") return Peak();
  if (mode == "soak-report") {
    return maillage::loadgen::RunSoakReport(
        absl::GetFlag(FLAGS_csv), absl::GetFlag(FLAGS_warmup_seconds));
  }
  if (mode == "populate") {
    return maillage::loadgen::RunPopulate(absl::GetFlag(FLAGS_reference_dir),
                                          absl::GetFlag(FLAGS_output),
                                          absl::GetFlag(FLAGS_count), Seed());
  }
  std::fprintf(stderr, "%s\n", kUsage);
  return 2;
}

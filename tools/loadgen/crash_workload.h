#ifndef MAILLAGE_TOOLS_LOADGEN_CRASH_WORKLOAD_H_
#define MAILLAGE_TOOLS_LOADGEN_CRASH_WORKLOAD_H_

#include <cstdint>
#include <string>

namespace maillage::loadgen {

struct CrashOptions {
  std::string target;         // HOST:PORT of the server
  std::string journal;        // appended to; created when missing
  std::string reference_dir;  // for the geography (geo/)
  // Created once the workload starts writing, so that a crash loop kills
  // the server during the writes rather than during the start-up.
  std::string ready_file;
  int workers = 4;
  double seconds = 20;       // stops by itself after this long
  int universe = 1200;       // churned actor ids ext:loadgen:u<n>, n < universe
  int lifecycle_pairs = 24;  // lifecycle associations and companies
  uint64_t seed = 1;
};

// Exit codes of the crash workload.
inline constexpr int kCrashClean = 0;       // stopped: time up or server gone
inline constexpr int kCrashViolation = 1;   // a read contradicted an ack
inline constexpr int kCrashNotStarted = 2;  // journal or baseline unusable
inline constexpr int kCrashUnexpected = 3;  // answers the model did not predict
inline constexpr int kCrashServerGone = 4;  // server gone before any write

// Runs the crash workload (see CrashWorker) against a server whose store the
// journal describes: the journal must have no unsettled write (run `verify`
// after every crash) and the server's records must be in the journal's
// states. Prints a summary line on stdout; returns an exit code above.
int RunCrashWorkload(const CrashOptions& options);

}  // namespace maillage::loadgen

#endif  // MAILLAGE_TOOLS_LOADGEN_CRASH_WORKLOAD_H_

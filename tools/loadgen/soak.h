#ifndef MAILLAGE_TOOLS_LOADGEN_SOAK_H_
#define MAILLAGE_TOOLS_LOADGEN_SOAK_H_

#include <cstdint>
#include <string>
#include <vector>

namespace maillage::loadgen {

struct SoakOptions {
  std::string target;
  std::string reference_dir;
  double rate = 100;  // calls per second, on a fixed schedule
  double seconds = 1800;
  double report_seconds = 10;
  std::string csv;               // one line per report
  int server_pid = 0;            // whose RSS to sample; 0: none
  std::string server_data_dir;   // whose size to sample; empty: none
  int64_t max_in_flight = 5000;  // beyond: the call is not sent, counted
  uint64_t seed = 1;
  // Connections the calls are spread over, in turn (MixedLoad).
  int connections = 1;
};

// Open loop: call i of the mixed load (MixedLoad) is due at start + i/rate
// whatever the server's speed, and its latency counts from that time, so a
// slow server shows as latency, not as a lower rate. Every report_seconds
// writes a CSV line (rate achieved, completed, errors, server RSS, p50 and
// p99 overall and per method, the store's size on disk and its unflushed
// write-ahead log, to tell cache and memtable growth from a leak) and
// prints it. Returns 0 when every call succeeded, 1 otherwise, 2 when it
// could not start.
int RunSoak(const SoakOptions& options);

struct PeakOptions {
  std::string target;
  std::string reference_dir;
  std::vector<int> clients = {4, 8, 16, 32, 64};  // concurrent calls per step
  double step_seconds = 15;
  uint64_t seed = 1;
  int connections = 1;  // as SoakOptions::connections
};

// Closed loop: for each step, `clients` calls always in flight (each
// completion sends the next). Prints each step's rate and latencies and a
// last line "peak_rps=R clients=N": the best rate of the steps with no
// error. Returns 0, or 2 when it could not start.
int RunPeak(const PeakOptions& options);

// Judges a soak CSV against issue 18's criteria after `warmup_seconds`:
// server RSS within ±5% of its median, p99 stable (the median of the
// interval p99s in the last third within ±25% of the first third's, and no
// more than 1% of intervals above 3× the overall median), no error, and the
// rate achieved within 2% of the target. Prints a Markdown table; returns 0
// when every criterion holds, 1 otherwise, 2 on an unreadable CSV.
int RunSoakReport(const std::string& csv, double warmup_seconds);

// Writes `count` synthetic actors (ids ext:loadgen:s<n>) as JSON lines for
// `maillage import --format jsonl`. Returns 0, or 2 on failure.
int RunPopulate(const std::string& reference_dir, const std::string& path,
                int count, uint64_t seed);

}  // namespace maillage::loadgen

#endif  // MAILLAGE_TOOLS_LOADGEN_SOAK_H_

#ifndef MAILLAGE_OPS_STALL_WATCH_H_
#define MAILLAGE_OPS_STALL_WATCH_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"
#include "prometheus/metric_family.h"

namespace maillage::ops {

// What the machine and the process did between two readings (from
// /proc/stat and /proc/self/stat), as shares of the interval.
struct CpuActivity {
  double machine_busy = 0;   // of all cores: not idle, not waiting for I/O
  double steal = 0;          // taken by the hypervisor from this machine
  double iowait = 0;         // idle cores with I/O outstanding
  double process_cores = 0;  // this process's CPU time / the interval
  int procs_running = 0;     // runnable tasks at the second reading
  int procs_blocked = 0;     // tasks in uninterruptible sleep at that reading
};

// A moment the process was not running when it should have: the watch's
// thread woke `late` after it asked to, over an `interval` (from its last
// wake to this one).
struct Stall {
  absl::Duration late;
  absl::Duration interval;
  CpuActivity activity;  // over the interval
};

// Notices when the whole process stops being scheduled: a thread that asks
// to wake every `period`, takes no lock anything else takes and touches
// little memory, so that when it wakes `threshold` late the cause is
// outside the process's own locks: every core busy, the hypervisor taking
// the machine (steal), or the kernel holding the process (reclaim, page
// faults). Each stall is logged ("process.stall", docs/OBSERVABILITY.md)
// with what the machine and the process did meanwhile, and counted.
//
// Requests slow in the log while the watch saw no stall were held inside
// the process (a lock, the disk); the watch tells the two apart.
//
// Cost: two small /proc reads per period (tens of microseconds).
class StallWatch {
 public:
  struct Options {
    absl::Duration period = absl::Milliseconds(100);
    // Later than this is a stall. Zero or negative: no thread is started.
    absl::Duration threshold = absl::Milliseconds(250);
    // Called on the watch's thread for each stall, after it is logged.
    std::function<void(const Stall&)> on_stall;
  };

  explicit StallWatch(Options options);
  // Stops the thread.
  ~StallWatch();
  StallWatch(const StallWatch&) = delete;
  StallWatch& operator=(const StallWatch&) = delete;

  int64_t stalls() const;
  absl::Duration stalled() const;  // the sum of their `late`

 private:
  void Run();

  const Options options_;
  mutable std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t stalls_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Duration stalled_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

// The watch's counters, for each scrape:
//   maillage_process_stalls_total, maillage_process_stall_seconds_total.
std::vector<prometheus::MetricFamily> StallFamilies(const StallWatch& watch);

namespace internal {

// The counters of /proc/stat's first line ("cpu …", in clock ticks) and
// its procs_running / procs_blocked lines.
struct MachineStat {
  uint64_t busy = 0;  // user + nice + system + irq + softirq
  uint64_t idle = 0;
  uint64_t iowait = 0;
  uint64_t steal = 0;
  int procs_running = 0;
  int procs_blocked = 0;
  uint64_t total() const { return busy + idle + iowait + steal; }
};
// nullopt when `text` is not /proc/stat's.
std::optional<MachineStat> ParseMachineStat(std::string_view text);

// The activity between two readings of the machine and of the process's CPU
// seconds, `interval` apart.
CpuActivity ActivityBetween(const MachineStat& before, const MachineStat& after,
                            double process_cpu_seconds,
                            absl::Duration interval);

}  // namespace internal
}  // namespace maillage::ops

#endif  // MAILLAGE_OPS_STALL_WATCH_H_

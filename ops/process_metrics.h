#ifndef MAILLAGE_OPS_PROCESS_METRICS_H_
#define MAILLAGE_OPS_PROCESS_METRICS_H_

#include <string_view>
#include <vector>

#include "prometheus/metric_family.h"

namespace maillage::ops {

// The server process's own figures, read from /proc/self at each scrape,
// under the names Prometheus' client libraries use for them:
//   process_resident_memory_bytes, process_virtual_memory_bytes (gauges),
//   process_cpu_seconds_total (counter, user + system),
//   process_start_time_seconds (Unix time), process_threads,
//   process_open_fds, process_max_fds (gauges).
// A figure that cannot be read (no /proc: not Linux) is left out.
std::vector<prometheus::MetricFamily> ProcessFamilies();

// This process's resident memory (process_resident_memory_bytes), or -1
// when /proc/self/stat cannot be read.
double ResidentBytes();

namespace internal {

// The fields of /proc/self/stat that matter here, parsed from its text.
struct ProcessStat {
  double cpu_seconds = 0;         // utime + stime
  double start_after_boot_s = 0;  // starttime
  double threads = 0;             // num_threads
  double virtual_bytes = 0;       // vsize
  double resident_pages = 0;      // rss
};
// False when `stat` is not the text of /proc/<pid>/stat. `ticks_per_second`
// is sysconf(_SC_CLK_TCK).
bool ParseProcessStat(std::string_view stat, double ticks_per_second,
                      ProcessStat* out);

}  // namespace internal
}  // namespace maillage::ops

#endif  // MAILLAGE_OPS_PROCESS_METRICS_H_

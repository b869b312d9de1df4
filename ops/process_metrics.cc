#include "ops/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "ops/allocator.h"
#include "ops/collector.h"

namespace maillage::ops {
namespace {

std::string ReadFile(const char* path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Seconds since the epoch at which the machine booted ("btime" of
// /proc/stat); 0 when unknown.
double BootTime() {
  std::string stat = ReadFile("/proc/stat");
  size_t at = stat.find("\nbtime ");
  if (at == std::string::npos) return 0;
  double seconds = 0;
  std::string value = stat.substr(at + 7, stat.find('\n', at + 1) - at - 7);
  return absl::SimpleAtod(value, &seconds) ? seconds : 0;
}

// Entries of /proc/self/fd, or -1 when it cannot be read.
double OpenFiles() {
  std::error_code ec;
  double n = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end;
       !ec && it != end; it.increment(ec)) {
    ++n;
  }
  // The iterator's own descriptor on the folder is one of them.
  return ec ? -1 : std::max(0.0, n - 1);
}

}  // namespace

namespace internal {

bool ParseProcessStat(std::string_view stat, double ticks_per_second,
                      ProcessStat* out) {
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so the
  // fields are counted after the last ')'.
  size_t close = stat.rfind(')');
  if (close == std::string_view::npos || ticks_per_second <= 0) return false;
  std::vector<absl::string_view> fields = absl::StrSplit(
      absl::string_view(stat.data() + close + 1, stat.size() - close - 1), ' ',
      absl::SkipEmpty());
  // fields[0] is field 3 (state): field n is fields[n - 3].
  auto field = [&fields](size_t n, double* value) {
    return n - 3 < fields.size() && absl::SimpleAtod(fields[n - 3], value);
  };
  double utime = 0, stime = 0, start_ticks = 0;
  if (!field(14, &utime) || !field(15, &stime) || !field(20, &out->threads) ||
      !field(22, &start_ticks) || !field(23, &out->virtual_bytes) ||
      !field(24, &out->resident_pages)) {
    return false;
  }
  out->cpu_seconds = (utime + stime) / ticks_per_second;
  out->start_after_boot_s = start_ticks / ticks_per_second;
  return true;
}

}  // namespace internal

namespace {

// The allocator's view of the heap (ops/allocator.h), to tell what the
// process's objects hold from what malloc keeps: left out under a
// sanitizer, whose malloc reports neither.
void AddMallocFamilies(std::vector<prometheus::MetricFamily>& families) {
  Allocator allocator = CurrentAllocator();
  families.push_back(
      GaugeFamily("process_allocator_info",
                  "The malloc the process runs on (label allocator: glibc, "
                  "jemalloc or sanitizer); always 1."));
  AddSample(families.back(), 1,
            {{"allocator", std::string(AllocatorName(allocator))}});
  AllocatorBytes bytes = CurrentAllocatorBytes();
  if (bytes.in_use < 0 || bytes.kept_free < 0) return;
  families.push_back(GaugeFamily(
      "process_malloc_in_use_bytes",
      "Bytes allocated with malloc and not freed (glibc: mallinfo2's "
      "uordblks + hblkhd; jemalloc: stats.allocated)."));
  AddSample(families.back(), static_cast<double>(bytes.in_use));
  families.push_back(GaugeFamily(
      "process_malloc_free_bytes",
      "Bytes kept by malloc and not in use (glibc: free in its arenas, "
      "mallinfo2's fordblks; jemalloc: stats.resident - stats.allocated)."));
  AddSample(families.back(), static_cast<double>(bytes.kept_free));
}

}  // namespace

double ResidentBytes() {
  internal::ProcessStat stat;
  if (!internal::ParseProcessStat(ReadFile("/proc/self/stat"),
                                  static_cast<double>(sysconf(_SC_CLK_TCK)),
                                  &stat)) {
    return -1;
  }
  return stat.resident_pages * static_cast<double>(sysconf(_SC_PAGESIZE));
}

std::vector<prometheus::MetricFamily> ProcessFamilies() {
  std::vector<prometheus::MetricFamily> families;
  auto gauge = [&families](const char* name, const char* help, double value) {
    families.push_back(GaugeFamily(name, help));
    AddSample(families.back(), value);
  };
  internal::ProcessStat stat;
  if (internal::ParseProcessStat(ReadFile("/proc/self/stat"),
                                 static_cast<double>(sysconf(_SC_CLK_TCK)),
                                 &stat)) {
    families.push_back(CounterFamily("process_cpu_seconds_total",
                                     "User and system CPU time, seconds."));
    AddSample(families.back(), stat.cpu_seconds);
    gauge("process_resident_memory_bytes", "Resident memory size, bytes.",
          stat.resident_pages * static_cast<double>(sysconf(_SC_PAGESIZE)));
    gauge("process_virtual_memory_bytes", "Virtual memory size, bytes.",
          stat.virtual_bytes);
    gauge("process_threads", "Threads of the process.", stat.threads);
    if (double boot = BootTime(); boot > 0) {
      gauge("process_start_time_seconds",
            "When the process started, Unix time.",
            boot + stat.start_after_boot_s);
    }
  }
  if (double open = OpenFiles(); open >= 0) {
    gauge("process_open_fds", "Open file descriptors.", open);
  }
  AddMallocFamilies(families);
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 &&
      limit.rlim_cur != RLIM_INFINITY) {
    gauge("process_max_fds", "The limit of open file descriptors.",
          static_cast<double>(limit.rlim_cur));
  }
  return families;
}

}  // namespace maillage::ops

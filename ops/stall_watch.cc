#include "ops/stall_watch.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "base/log.h"
#include "ops/collector.h"

namespace maillage::ops {
namespace {

// /proc/stat whole, read with one open and a few reads (a few KB); empty
// when it cannot be read.
std::string ReadProcStat() {
  std::string text;
  int fd = open("/proc/stat", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return text;
  char buffer[8192];
  for (ssize_t n; (n = read(fd, buffer, sizeof(buffer))) > 0;) {
    text.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return text;
}

double ProcessCpuSeconds() {
  timespec t{};
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t) != 0) return 0;
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

double Share(uint64_t part, uint64_t whole) {
  return whole == 0 ? 0
                    : static_cast<double>(part) / static_cast<double>(whole);
}

void LogStall(const Stall& stall) {
  base::Log(base::LogLevel::kWarning, "process.stall")
      .Add("late_ms", absl::ToDoubleMilliseconds(stall.late))
      .Add("interval_ms", absl::ToDoubleMilliseconds(stall.interval))
      .Add("machine_busy", stall.activity.machine_busy)
      .Add("steal", stall.activity.steal)
      .Add("iowait", stall.activity.iowait)
      .Add("process_cores", stall.activity.process_cores)
      .Add("procs_running", stall.activity.procs_running)
      .Add("procs_blocked", stall.activity.procs_blocked);
}

}  // namespace

namespace internal {

std::optional<MachineStat> ParseMachineStat(std::string_view text) {
  MachineStat stat;
  bool have_cpu = false;
  for (absl::string_view line :
       absl::StrSplit(absl::string_view(text.data(), text.size()), '\n')) {
    // Only three lines matter; the others (one per core, and "intr" with a
    // count per interrupt) are skipped unsplit, ten times a second.
    if (!absl::StartsWith(line, "cpu ") && !absl::StartsWith(line, "procs_")) {
      continue;
    }
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (fields.empty()) continue;
    if (fields[0] == "cpu") {
      // user nice system idle iowait irq softirq steal [guest guest_nice]:
      // guest time is already counted in user and nice.
      uint64_t v[8] = {};
      if (fields.size() < 9) return std::nullopt;
      for (int i = 0; i < 8; ++i) {
        if (!absl::SimpleAtoi(fields[static_cast<size_t>(i) + 1], &v[i])) {
          return std::nullopt;
        }
      }
      stat.busy = v[0] + v[1] + v[2] + v[5] + v[6];
      stat.idle = v[3];
      stat.iowait = v[4];
      stat.steal = v[7];
      have_cpu = true;
    } else if (fields.size() == 2 && fields[0] == "procs_running") {
      if (!absl::SimpleAtoi(fields[1], &stat.procs_running))
        return std::nullopt;
    } else if (fields.size() == 2 && fields[0] == "procs_blocked") {
      if (!absl::SimpleAtoi(fields[1], &stat.procs_blocked))
        return std::nullopt;
    }
  }
  if (!have_cpu) return std::nullopt;
  return stat;
}

CpuActivity ActivityBetween(const MachineStat& before, const MachineStat& after,
                            double process_cpu_seconds,
                            absl::Duration interval) {
  CpuActivity activity;
  // Counters only grow; a reading that went backwards gives zeros.
  if (after.total() < before.total() || after.busy < before.busy ||
      after.steal < before.steal || after.iowait < before.iowait) {
    return activity;
  }
  const uint64_t total = after.total() - before.total();
  activity.machine_busy = Share(after.busy - before.busy, total);
  activity.steal = Share(after.steal - before.steal, total);
  activity.iowait = Share(after.iowait - before.iowait, total);
  const double seconds = absl::ToDoubleSeconds(interval);
  activity.process_cores = seconds > 0 ? process_cpu_seconds / seconds : 0;
  activity.procs_running = after.procs_running;
  activity.procs_blocked = after.procs_blocked;
  return activity;
}

}  // namespace internal

StallWatch::StallWatch(Options options) : options_(std::move(options)) {
  if (options_.threshold > absl::ZeroDuration() &&
      options_.period > absl::ZeroDuration()) {
    thread_ = std::thread([this] { Run(); });
  }
}

StallWatch::~StallWatch() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int64_t StallWatch::stalls() const {
  std::lock_guard lock(mu_);
  return stalls_;
}

absl::Duration StallWatch::stalled() const {
  std::lock_guard lock(mu_);
  return stalled_;
}

void StallWatch::Run() {
  // The monotonic clock: a change of the wall clock is not a stall.
  using Clock = std::chrono::steady_clock;
  const auto period = absl::ToChronoNanoseconds(options_.period);
  std::optional<internal::MachineStat> machine =
      internal::ParseMachineStat(ReadProcStat());
  double cpu = ProcessCpuSeconds();
  Clock::time_point woke = Clock::now();
  std::unique_lock lock(mu_);
  for (;;) {
    const Clock::time_point due = woke + period;
    if (stop_cv_.wait_until(lock, due, [this] { return stopping_; })) return;
    lock.unlock();
    const Clock::time_point now = Clock::now();
    std::optional<internal::MachineStat> machine_now =
        internal::ParseMachineStat(ReadProcStat());
    const double cpu_now = ProcessCpuSeconds();
    const absl::Duration late = absl::FromChrono(now - due);
    if (late > options_.threshold) {
      const absl::Duration interval = absl::FromChrono(now - woke);
      Stall stall{late, interval, {}};
      if (machine && machine_now) {
        stall.activity = internal::ActivityBetween(*machine, *machine_now,
                                                   cpu_now - cpu, interval);
      }
      LogStall(stall);
      if (options_.on_stall) options_.on_stall(stall);
      lock.lock();
      ++stalls_;
      stalled_ += stall.late;
      lock.unlock();
    }
    machine = machine_now;
    cpu = cpu_now;
    woke = now;
    lock.lock();
  }
}

std::vector<prometheus::MetricFamily> StallFamilies(const StallWatch& watch) {
  std::vector<prometheus::MetricFamily> families;
  families.push_back(CounterFamily(
      "maillage_process_stalls_total",
      "Times the whole process was not scheduled for longer than the stall "
      "threshold (--stall_threshold; event process.stall)."));
  AddSample(families.back(), static_cast<double>(watch.stalls()));
  families.push_back(
      CounterFamily("maillage_process_stall_seconds_total",
                    "How late the stall watch woke, summed over the stalls."));
  AddSample(families.back(), absl::ToDoubleSeconds(watch.stalled()));
  return families;
}

}  // namespace maillage::ops

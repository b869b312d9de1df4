#include "ops/stall_watch.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace maillage::ops {
namespace {

TEST(MachineStatTest, ParsesTheCpuLineAndTheTaskCounts) {
  const std::string stat =
      "cpu  100 5 20 1000 7 3 2 11 0 0\n"
      "cpu0 50 2 10 500 3 1 1 5 0 0\n"
      "intr 12345 0 1 2\n"
      "ctxt 999\n"
      "procs_running 4\n"
      "procs_blocked 1\n";
  auto parsed = internal::ParseMachineStat(stat);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->busy, 100u + 5 + 20 + 3 + 2);
  EXPECT_EQ(parsed->idle, 1000u);
  EXPECT_EQ(parsed->iowait, 7u);
  EXPECT_EQ(parsed->steal, 11u);
  EXPECT_EQ(parsed->procs_running, 4);
  EXPECT_EQ(parsed->procs_blocked, 1);
  EXPECT_FALSE(internal::ParseMachineStat("intr 1 2 3\n").has_value());
  EXPECT_FALSE(internal::ParseMachineStat("cpu 1 2 x 4 5 6 7 8\n").has_value());
  EXPECT_FALSE(internal::ParseMachineStat("cpu 1 2 3\n").has_value());
}

TEST(MachineStatTest, ActivityIsEachCountersShareOfTheInterval) {
  internal::MachineStat before{100, 100, 0, 0, 0, 0};
  internal::MachineStat after{150, 110, 10, 30, 3, 2};  // 100 ticks later
  CpuActivity a = internal::ActivityBetween(before, after, /*cpu=*/0.3,
                                            absl::Milliseconds(200));
  EXPECT_DOUBLE_EQ(a.machine_busy, 0.5);
  EXPECT_DOUBLE_EQ(a.steal, 0.3);
  EXPECT_DOUBLE_EQ(a.iowait, 0.1);
  EXPECT_DOUBLE_EQ(a.process_cores, 1.5);
  EXPECT_EQ(a.procs_running, 3);
  EXPECT_EQ(a.procs_blocked, 2);
  // Readings out of order give zeros, not nonsense.
  CpuActivity backwards = internal::ActivityBetween(after, before, 0.3,
                                                    absl::Milliseconds(200));
  EXPECT_EQ(backwards.machine_busy, 0);
  EXPECT_EQ(backwards.steal, 0);
}

TEST(MachineStatTest, ReadsThisMachine) {
  std::ifstream in("/proc/stat");
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = internal::ParseMachineStat(text.str());
  ASSERT_TRUE(parsed.has_value());
  EXPECT_GT(parsed->total(), 0u);
  EXPECT_GE(parsed->procs_running, 1);  // this test
}

// The whole process is stopped for 600 ms (SIGSTOP from a child, then
// SIGCONT): the watch must report one stall of about that length.
TEST(StallWatchTest, ReportsTheProcessBeingStopped) {
  std::atomic<int64_t> longest_ms{0};
  StallWatch::Options options;
  options.period = absl::Milliseconds(20);
  options.threshold = absl::Milliseconds(300);
  options.on_stall = [&longest_ms](const Stall& stall) {
    const int64_t ms = absl::ToInt64Milliseconds(stall.late);
    if (ms > longest_ms.load()) longest_ms = ms;
    EXPECT_GE(stall.interval, stall.late);
  };
  StallWatch watch(options);
  absl::SleepFor(absl::Milliseconds(100));  // the thread is running

  const pid_t parent = getpid();
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    kill(parent, SIGSTOP);
    usleep(600'000);
    kill(parent, SIGCONT);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  // The watch notices on its next wake, within a period.
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (watch.stalls() == 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_GE(watch.stalls(), 1);
  EXPECT_GE(longest_ms.load(), 400);
  EXPECT_GE(watch.stalled(), absl::Milliseconds(400));
}

}  // namespace
}  // namespace maillage::ops

#include "base/thread_priority.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <thread>

#include "gtest/gtest.h"

namespace maillage::base {
namespace {

int ThisThreadNice() {
  return getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)));
}

TEST(ThreadPriorityTest, RunAtNiceRunsTheWorkLowerAndLeavesTheCallerAsItWas) {
  const int caller_nice = ThisThreadNice();
  const std::thread::id caller = std::this_thread::get_id();
  int work_nice = -100;
  std::thread::id worker;
  RunAtNice(19, [&] {
    work_nice = ThisThreadNice();
    worker = std::this_thread::get_id();
  });
  EXPECT_EQ(work_nice, 19);
  EXPECT_NE(worker, caller);
  EXPECT_EQ(ThisThreadNice(), caller_nice);
}

TEST(ThreadPriorityTest, NiceZeroRunsOnTheCallingThread) {
  std::thread::id worker;
  RunAtNice(0, [&] { worker = std::this_thread::get_id(); });
  EXPECT_EQ(worker, std::this_thread::get_id());
}

TEST(ThreadPriorityTest, SetThisThreadNiceChangesOnlyThisThread) {
  const int process_nice = ThisThreadNice();
  int inside = -100;
  std::thread t([&] {
    SetThisThreadNice(10);
    inside = ThisThreadNice();
  });
  t.join();
  // (A process already nicer than 10 may not be able to come back to it.)
  if (process_nice <= 10) {
    EXPECT_EQ(inside, 10);
  }
  EXPECT_EQ(ThisThreadNice(), process_nice);
}

}  // namespace
}  // namespace maillage::base

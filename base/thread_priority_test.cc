#include "base/thread_priority.h"

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>
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

std::string ThisThreadName() {
  char name[16] = {};
  pthread_getname_np(pthread_self(), name, sizeof(name));
  return name;
}

TEST(ThreadPriorityTest, NamesTheThreadTruncatedAndItsWorkersInherit) {
  std::string named;
  std::string worker;
  std::thread t([&] {
    SetThisThreadName("mlg-a-name-longer-than-fifteen");
    named = ThisThreadName();
    RunAtNice(19, [&] { worker = ThisThreadName(); });
  });
  t.join();
  EXPECT_EQ(named, "mlg-a-name-long");
  EXPECT_EQ(worker, named);
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

TEST(ThreadPriorityTest, AnUnpreemptedSectionRunsRealTimeThenAsBefore) {
  // On a thread of its own at nice 5, to see the nice value come back.
  std::thread t([] {
    SetThisThreadNice(5);
    const int nice_before = ThisThreadNice();
    {
      const UnpreemptedSection section;
      EXPECT_EQ(section.raised(), UnpreemptedSection::Permitted());
      EXPECT_EQ(sched_getscheduler(0),
                section.raised() ? SCHED_FIFO : SCHED_OTHER);
      if (!section.raised()) {
        GTEST_LOG_(INFO) << "real-time priority not permitted here";
      }
    }
    EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);
    EXPECT_EQ(ThisThreadNice(), nice_before);
  });
  t.join();
}

TEST(ThreadPriorityTest, AnUnpreemptedSectionGivesBackAnIdlePolicy) {
  std::thread t([] {
    sched_param param{};
    ASSERT_EQ(pthread_setschedparam(pthread_self(), SCHED_IDLE, &param), 0);
    {
      const UnpreemptedSection section;
      EXPECT_EQ(sched_getscheduler(0),
                section.raised() ? SCHED_FIFO : SCHED_IDLE);
    }
    EXPECT_EQ(sched_getscheduler(0), SCHED_IDLE);
  });
  t.join();
}

}  // namespace
}  // namespace maillage::base

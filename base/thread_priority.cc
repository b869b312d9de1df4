#include "base/thread_priority.h"

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <thread>

namespace maillage::base {

void SetThisThreadNice(int nice) {
  if (nice == 0) return;
  static_cast<void>(
      setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), nice));
}

void SetThisThreadName(const char* name) {
  char kept[16] = {};
  std::strncpy(kept, name, sizeof(kept) - 1);
  static_cast<void>(pthread_setname_np(pthread_self(), kept));
}

void RunAtNice(int nice, absl::FunctionRef<void()> work) {
  if (nice == 0) {
    work();
    return;
  }
  std::thread worker([nice, work] {
    SetThisThreadNice(nice);
    work();
  });
  worker.join();
}

namespace {

bool SetRealTime(bool on) {
  sched_param param{};
  param.sched_priority = on ? 1 : 0;
  return pthread_setschedparam(pthread_self(), on ? SCHED_FIFO : SCHED_OTHER,
                               &param) == 0;
}

}  // namespace

bool UnpreemptedSection::Permitted() {
  static const bool permitted = [] {
    bool ok = false;
    std::thread probe([&ok] { ok = SetRealTime(true) && SetRealTime(false); });
    probe.join();
    return ok;
  }();
  return permitted;
}

UnpreemptedSection::UnpreemptedSection() {
  if (!Permitted()) return;
  sched_param param{};
  if (pthread_getschedparam(pthread_self(), &policy_, &param) != 0) return;
  raised_ = SetRealTime(true);
}

UnpreemptedSection::~UnpreemptedSection() {
  if (!raised_) return;
  // Back to the thread's policy (SCHED_OTHER or SCHED_IDLE); Linux keeps
  // its nice value across both changes.
  sched_param param{};
  static_cast<void>(pthread_setschedparam(pthread_self(), policy_, &param));
}

}  // namespace maillage::base

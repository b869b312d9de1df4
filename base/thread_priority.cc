#include "base/thread_priority.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <thread>

namespace maillage::base {

void SetThisThreadNice(int nice) {
  if (nice == 0) return;
  static_cast<void>(
      setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), nice));
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

}  // namespace maillage::base

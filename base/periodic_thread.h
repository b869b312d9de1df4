#ifndef MAILLAGE_BASE_PERIODIC_THREAD_H_
#define MAILLAGE_BASE_PERIODIC_THREAD_H_

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"

namespace maillage::base {

// A thread that calls `tick` every `interval` (first after one interval)
// until destroyed; the destructor wakes it and waits for a tick under way.
// For pollers (WriteHealthReporter, BackgroundWriteGovernor,
// ops::MemoryTrimmer).
class PeriodicThread {
 public:
  // `name`: the thread's name (at most 15 characters), or null.
  PeriodicThread(absl::Duration interval, const char* name,
                 std::function<void()> tick);
  ~PeriodicThread();
  PeriodicThread(const PeriodicThread&) = delete;
  PeriodicThread& operator=(const PeriodicThread&) = delete;

 private:
  void Run(const char* name);

  const absl::Duration interval_;
  const std::function<void()> tick_;
  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace maillage::base

#endif  // MAILLAGE_BASE_PERIODIC_THREAD_H_

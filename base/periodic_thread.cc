#include "base/periodic_thread.h"

#include <utility>

#include "base/thread_priority.h"

namespace maillage::base {

PeriodicThread::PeriodicThread(absl::Duration interval, const char* name,
                               std::function<void()> tick)
    : interval_(interval), tick_(std::move(tick)) {
  thread_ = std::thread([this, name] { Run(name); });
}

PeriodicThread::~PeriodicThread() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  thread_.join();
}

void PeriodicThread::Run(const char* name) {
  if (name != nullptr) SetThisThreadName(name);
  std::unique_lock lock(mu_);
  while (!stop_cv_.wait_for(lock, absl::ToChronoMilliseconds(interval_),
                            [this] { return stopping_; })) {
    lock.unlock();
    tick_();
    lock.lock();
  }
}

}  // namespace maillage::base

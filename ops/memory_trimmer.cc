#include "ops/memory_trimmer.h"

#include "ops/allocator.h"
#include "ops/process_metrics.h"

namespace maillage::ops {

MemoryTrimmer::MemoryTrimmer(absl::Duration interval) : interval_(interval) {
  if (interval_ > absl::ZeroDuration())
    thread_ = std::thread([this] { Run(); });
}

MemoryTrimmer::~MemoryTrimmer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int64_t MemoryTrimmer::TrimNow() {
  const double before = ResidentBytes();
  ReleaseFreeMemory();
  const double after = ResidentBytes();
  return before < 0 || after < 0 ? 0 : static_cast<int64_t>(before - after);
}

int64_t MemoryTrimmer::trims() const {
  std::lock_guard lock(mu_);
  return trims_;
}

void MemoryTrimmer::Run() {
  std::unique_lock lock(mu_);
  while (!stop_cv_.wait_for(lock, absl::ToChronoMilliseconds(interval_),
                            [this] { return stopping_; })) {
    lock.unlock();
    TrimNow();
    lock.lock();
    ++trims_;
  }
}

}  // namespace maillage::ops

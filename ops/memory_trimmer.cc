#include "ops/memory_trimmer.h"

#include <malloc.h>
#include <unistd.h>

#include <cstdio>

namespace maillage::ops {
namespace {

// Resident pages of this process (the second field of /proc/self/statm),
// or -1.
int64_t ResidentBytes() {
  std::FILE* statm = std::fopen("/proc/self/statm", "r");
  if (statm == nullptr) return -1;
  long long size = 0;
  long long resident = -1;
  if (std::fscanf(statm, "%lld %lld", &size, &resident) != 2) resident = -1;
  std::fclose(statm);
  return resident < 0 ? -1 : resident * sysconf(_SC_PAGESIZE);
}

}  // namespace

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
  const int64_t before = ResidentBytes();
  malloc_trim(0);
  const int64_t after = ResidentBytes();
  return before < 0 || after < 0 ? 0 : before - after;
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

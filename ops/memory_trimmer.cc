#include "ops/memory_trimmer.h"

#include "ops/allocator.h"
#include "ops/process_metrics.h"

namespace maillage::ops {

MemoryTrimmer::MemoryTrimmer(absl::Duration interval) {
  if (interval > absl::ZeroDuration()) {
    thread_ = std::make_unique<base::PeriodicThread>(
        interval, "mlg-mem-trim", [this] {
          TrimNow();
          trims_.fetch_add(1, std::memory_order_relaxed);
        });
  }
}

MemoryTrimmer::~MemoryTrimmer() = default;

int64_t MemoryTrimmer::TrimNow() {
  const double before = ResidentBytes();
  ReleaseFreeMemory();
  const double after = ResidentBytes();
  return before < 0 || after < 0 ? 0 : static_cast<int64_t>(before - after);
}

int64_t MemoryTrimmer::trims() const {
  return trims_.load(std::memory_order_relaxed);
}

}  // namespace maillage::ops

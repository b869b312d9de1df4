#ifndef MAILLAGE_OPS_MEMORY_TRIMMER_H_
#define MAILLAGE_OPS_MEMORY_TRIMMER_H_

#include <atomic>
#include <cstdint>
#include <memory>

#include "absl/time/time.h"
#include "base/periodic_thread.h"

namespace maillage::ops {

// Gives the memory malloc keeps free back to the system every `interval`
// (ReleaseFreeMemory, ops/allocator.h).
//
// Why: under glibc's malloc, the server's worker, gRPC and RocksDB threads
// allocate in up to 8 × cores arenas, and an arena keeps what its threads
// freed (only a free block at the very top of an arena goes back by
// itself). Under a steady load that free memory drifts upwards: in the soak
// it was a third of the RSS and most of its growth (RELIABILITY.md).
// malloc_trim releases the free pages of every arena (madvise), whatever
// their place. The server runs on jemalloc, which returns free pages by
// itself after a delay (its decay); there the trimmer purges them at once.
//
// Cost: each arena is locked while it is walked, so an allocation on that
// arena waits a few milliseconds at most; once every `interval`.
class MemoryTrimmer {
 public:
  // Starts the thread; a zero or negative interval starts nothing.
  explicit MemoryTrimmer(absl::Duration interval);
  // Stops the thread.
  ~MemoryTrimmer();
  MemoryTrimmer(const MemoryTrimmer&) = delete;
  MemoryTrimmer& operator=(const MemoryTrimmer&) = delete;

  // Trims now, on the caller's thread. Returns how much the resident memory
  // fell (ResidentBytes before minus after; 0 when it cannot be read).
  static int64_t TrimNow();

  // Trims done by the thread so far.
  int64_t trims() const;

 private:
  std::atomic<int64_t> trims_{0};
  std::unique_ptr<base::PeriodicThread> thread_;  // last: stopped first
};

}  // namespace maillage::ops

#endif  // MAILLAGE_OPS_MEMORY_TRIMMER_H_

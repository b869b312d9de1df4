#ifndef MAILLAGE_OPS_ALLOCATOR_H_
#define MAILLAGE_OPS_ALLOCATOR_H_

#include <cstdint>
#include <string_view>

namespace maillage::ops {

// The malloc this process runs on, told apart at run time: jemalloc when the
// binary was linked with it (the server is, see services/CMakeLists.txt),
// otherwise glibc's (tests, the CLI), or a sanitizer's replacement.
enum class Allocator { kGlibc, kJemalloc, kSanitizer };
Allocator CurrentAllocator();
// "glibc", "jemalloc" or "sanitizer", for logs and metrics.
std::string_view AllocatorName(Allocator allocator);

// What the allocator holds, in bytes.
struct AllocatorBytes {
  // Handed out by malloc and not freed: what the program's objects hold.
  int64_t in_use = 0;
  // Kept by the allocator and not in use: free chunks in glibc's arenas
  // (mallinfo2's fordblks, whether or not their pages are still resident),
  // or jemalloc's resident pages beyond what is in use (dirty pages awaiting
  // their decay, and its metadata).
  int64_t kept_free = 0;
};
// -1 in both fields under a sanitizer, whose malloc reports neither. Cost:
// glibc walks every arena under its lock; jemalloc refreshes its statistics
// (an "epoch" write, which merges the threads' counters). Cheap beside a
// metrics scrape, not something to call per request.
AllocatorBytes CurrentAllocatorBytes();

// Gives the memory the allocator keeps free back to the system:
// malloc_trim(0) under glibc, a purge of every arena under jemalloc; nothing
// under a sanitizer.
void ReleaseFreeMemory();

}  // namespace maillage::ops

#endif  // MAILLAGE_OPS_ALLOCATOR_H_

#include "ops/allocator.h"

#include <malloc.h>

#include <cstddef>

#include "ops/malloc_testing.h"

// jemalloc's control interface, declared weak: it resolves to jemalloc's
// when the binary links jemalloc (which then also provides malloc itself),
// and stays null otherwise, so that this library does not depend on it.
extern "C" int mallctl(const char* name, void* old_value, size_t* old_length,
                       void* new_value, size_t new_length)
    __attribute__((weak));

namespace maillage::ops {
namespace {

// A size_t statistic of jemalloc, or -1 when it cannot be read.
int64_t JemallocStatistic(const char* name) {
  size_t value = 0;
  size_t length = sizeof(value);
  if (mallctl(name, &value, &length, nullptr, 0) != 0) return -1;
  return static_cast<int64_t>(value);
}

}  // namespace

Allocator CurrentAllocator() {
  if (!GlibcMallocInUse()) return Allocator::kSanitizer;
  return mallctl != nullptr ? Allocator::kJemalloc : Allocator::kGlibc;
}

std::string_view AllocatorName(Allocator allocator) {
  switch (allocator) {
    case Allocator::kGlibc:
      return "glibc";
    case Allocator::kJemalloc:
      return "jemalloc";
    case Allocator::kSanitizer:
      return "sanitizer";
  }
  return "glibc";
}

AllocatorBytes CurrentAllocatorBytes() {
  AllocatorBytes bytes;
  switch (CurrentAllocator()) {
    case Allocator::kGlibc: {
      struct mallinfo2 info = mallinfo2();
      bytes.in_use = static_cast<int64_t>(info.uordblks + info.hblkhd);
      bytes.kept_free = static_cast<int64_t>(info.fordblks);
      break;
    }
    case Allocator::kJemalloc: {
      // Statistics are a snapshot taken at the last "epoch" write.
      uint64_t epoch = 1;
      size_t length = sizeof(epoch);
      mallctl("epoch", &epoch, &length, &epoch, length);
      bytes.in_use = JemallocStatistic("stats.allocated");
      int64_t resident = JemallocStatistic("stats.resident");
      bytes.kept_free = bytes.in_use < 0 || resident < 0 ? -1
                        : resident > bytes.in_use ? resident - bytes.in_use
                                                  : 0;
      break;
    }
    case Allocator::kSanitizer:
      bytes.in_use = -1;
      bytes.kept_free = -1;
      break;
  }
  return bytes;
}

void ReleaseFreeMemory() {
  switch (CurrentAllocator()) {
    case Allocator::kGlibc:
      malloc_trim(0);
      break;
    case Allocator::kJemalloc:
      // "arena.<MALLCTL_ARENAS_ALL>.purge": MALLCTL_ARENAS_ALL is 4096.
      mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0);
      break;
    case Allocator::kSanitizer:
      break;
  }
}

}  // namespace maillage::ops

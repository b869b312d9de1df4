#include "ops/memory_trimmer.h"

#include <malloc.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "ops/malloc_testing.h"

namespace maillage::ops {
namespace {

// Memory freed by another thread stays free in that thread's malloc arena
// when a block above it is still in use (only the top of an arena shrinks
// by itself); TrimNow gives it back.
TEST(MemoryTrimmerTest, GivesBackWhatAnotherThreadsArenaKeptFree) {
  if (!GlibcMallocInUse()) GTEST_SKIP() << "malloc is a sanitizer's";
  constexpr size_t kBlock = 8 << 10;    // below the mmap threshold
  constexpr size_t kBlocks = 12 << 10;  // 96 MiB in all
  std::unique_ptr<char[]> top;
  std::thread worker([&top] {
    std::vector<std::unique_ptr<char[]>> blocks;
    for (size_t i = 0; i < kBlocks; ++i) {
      blocks.emplace_back(new char[kBlock]);
      std::memset(blocks.back().get(), 1, kBlock);
    }
    top = std::move(blocks.back());  // pins the arena's top
  });
  worker.join();
  ASSERT_GT(mallinfo2().fordblks, 64u << 20);
  EXPECT_GT(MemoryTrimmer::TrimNow(), 32 << 20);
}

TEST(MemoryTrimmerTest, TrimsEveryIntervalUntilDestroyed) {
  MemoryTrimmer trimmer(absl::Milliseconds(20));
  while (trimmer.trims() < 3) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  MemoryTrimmer off(absl::ZeroDuration());
  EXPECT_EQ(off.trims(), 0);
}

}  // namespace
}  // namespace maillage::ops

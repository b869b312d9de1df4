#include "matcher/lazy_array.h"

#include <cstdint>

#include "gtest/gtest.h"

namespace maillage::matcher::internal {
namespace {

using Stamps = LazyArray<uint64_t>;

TEST(LazyArrayTest, OnlyTheChunksWrittenAreAllocated) {
  Stamps a;
  a.StartQuery(10'000'000);
  EXPECT_GE(a.size(), 10'000'000u);
  EXPECT_EQ(a.allocated_chunks(), 0u);
  EXPECT_EQ(a.Get(9'999'999), 0u);
  EXPECT_EQ(a.AddressOf(5), nullptr);

  a.At(5) = 7;
  a.At(Stamps::kChunkSize - 1) = 8;  // same chunk
  a.At(9'999'999) = 9;
  EXPECT_EQ(a.allocated_chunks(), 2u);
  EXPECT_EQ(a.Get(5), 7u);
  EXPECT_EQ(a.Get(6), 0u);  // the rest of a new chunk is zero
  EXPECT_EQ(a.Get(Stamps::kChunkSize - 1), 8u);
  EXPECT_EQ(a.Get(9'999'999), 9u);
  EXPECT_EQ(a.AddressOf(5), &a.At(5));
}

TEST(LazyArrayTest, GrowingKeepsWhatWasWritten) {
  Stamps a;
  a.StartQuery(100);
  a.At(42) = 1;
  a.StartQuery(3 * Stamps::kChunkSize + 1);
  EXPECT_EQ(a.Get(42), 1u);
  a.At(3 * Stamps::kChunkSize) = 2;
  EXPECT_EQ(a.Get(3 * Stamps::kChunkSize), 2u);
}

TEST(LazyArrayTest, FillZeroesEveryAllocatedElement) {
  Stamps a;
  a.StartQuery(2 * Stamps::kChunkSize);
  a.At(1) = 1;
  a.At(Stamps::kChunkSize + 1) = 2;
  a.Fill();
  EXPECT_EQ(a.Get(1), 0u);
  EXPECT_EQ(a.Get(Stamps::kChunkSize + 1), 0u);
}

TEST(LazyArrayTest, ChunksIdleForKIdleQueriesAreFreed) {
  Stamps a;
  a.StartQuery(4 * Stamps::kChunkSize);
  a.At(0) = 1;                       // chunk 0: written once
  a.At(2 * Stamps::kChunkSize) = 1;  // chunk 2: written by every query
  for (uint32_t q = 1; q < 2 * Stamps::kIdleQueries; ++q) {
    a.StartQuery(4 * Stamps::kChunkSize);
    a.At(2 * Stamps::kChunkSize) = q;
  }
  a.StartQuery(4 * Stamps::kChunkSize);  // a sweep has run since chunk 0
  EXPECT_EQ(a.allocated_chunks(), 1u);
  EXPECT_EQ(a.Get(0), 0u);
  EXPECT_EQ(a.Get(2 * Stamps::kChunkSize), 2 * Stamps::kIdleQueries - 1);
}

}  // namespace
}  // namespace maillage::matcher::internal

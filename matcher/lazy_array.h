#ifndef MAILLAGE_MATCHER_LAZY_ARRAY_H_
#define MAILLAGE_MATCHER_LAZY_ARRAY_H_

// An array by actor number for a query thread's scratch, whose storage is
// allocated a chunk at a time, when a query first writes into the chunk.
//
// Why: a query touches the numbers near its asker (actors are numbered in
// geographic order), a few chunks of them; a dense array holds 8 bytes for
// every actor of the country on every query thread. At 12.7M actors that
// was 113 MB per thread, zeroed by each thread's first query (a 70 ms call,
// BENCHMARKS.md "All of France on one node"), and the index's growth made
// every thread copy it at once (BENCHMARKS.md "Mixed load").
//
// Reads of a chunk never written give T(). Chunks no query wrote into for
// kIdleQueries queries are freed, so that a thread asked about the whole
// country over time does not end up holding all of it. Not thread-safe:
// one per thread.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace maillage::matcher::internal {

template <typename T>
class LazyArray {
 public:
  static constexpr int kChunkBits = 12;
  static constexpr size_t kChunkSize = size_t{1} << kChunkBits;
  // A chunk not written by this many queries in a row is freed.
  static constexpr uint32_t kIdleQueries = 1024;

  // Starts a query over numbers below `num_limit`; every kIdleQueries
  // queries, frees the chunks idle since the last such sweep. The values
  // of chunks kept are the caller's to clear.
  void StartQuery(size_t num_limit) {
    const size_t chunks = (num_limit + kChunkSize - 1) >> kChunkBits;
    if (chunks_.size() < chunks) {
      chunks_.resize(chunks);
      written_.resize(chunks, 0);
    }
    if (++query_ % kIdleQueries == 0) FreeIdle();
  }

  // Numbers below size() may be read and written.
  size_t size() const { return chunks_.size() << kChunkBits; }
  // Chunks allocated now (for tests and memory figures).
  size_t allocated_chunks() const {
    return static_cast<size_t>(std::count_if(
        chunks_.begin(), chunks_.end(), [](const auto& c) { return !!c; }));
  }

  T Get(size_t i) const {
    const T* chunk = chunks_[i >> kChunkBits].get();
    return chunk != nullptr ? chunk[i & (kChunkSize - 1)] : T();
  }
  // The element, its chunk allocated (value-initialised) if need be.
  T& At(size_t i) {
    const size_t c = i >> kChunkBits;
    std::unique_ptr<T[]>& chunk = chunks_[c];
    if (chunk == nullptr) chunk = std::make_unique<T[]>(kChunkSize);
    written_[c] = query_;
    return chunk[i & (kChunkSize - 1)];
  }
  // For prefetching: the element's address, nullptr if never written.
  const T* AddressOf(size_t i) const {
    const T* chunk = chunks_[i >> kChunkBits].get();
    return chunk != nullptr ? chunk + (i & (kChunkSize - 1)) : nullptr;
  }

  // Sets every allocated element to T().
  void Fill() {
    for (auto& chunk : chunks_) {
      if (chunk != nullptr)
        std::fill(chunk.get(), chunk.get() + kChunkSize, T());
    }
  }

 private:
  void FreeIdle() {
    for (size_t c = 0; c < chunks_.size(); ++c) {
      if (chunks_[c] != nullptr && query_ - written_[c] >= kIdleQueries) {
        chunks_[c].reset();
      }
    }
  }

  std::vector<std::unique_ptr<T[]>> chunks_;
  std::vector<uint32_t> written_;  // by chunk: the last query that wrote
  uint32_t query_ = 0;             // queries started (wraps; differences hold)
};

}  // namespace maillage::matcher::internal

#endif  // MAILLAGE_MATCHER_LAZY_ARRAY_H_

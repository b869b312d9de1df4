#ifndef MAILLAGE_MATCHER_STABLE_VECTOR_H_
#define MAILLAGE_MATCHER_STABLE_VECTOR_H_

// A growable array whose elements never move: storage is a list of chunks
// of a fixed size, so that growing it allocates one more chunk instead of
// copying everything there is.
//
// Why the actor index keeps its profiles and records in one: a std::vector
// of a million profiles (about 180 MB) doubled while an import added its
// first rows after them, under the index's write lock, and every query
// waited ~90 ms for the copy (BENCHMARKS.md, "Mixed load"); both copies
// were held at once at the peak. Here a new chunk costs its allocation and
// the default construction of kChunkSize elements (about 1 ms for profiles).
//
// Access is one more dependent load than a vector's (the chunk's address,
// from a table of size / kChunkSize pointers that stays in cache). Not
// thread-safe: callers lock as they would a vector.

#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

namespace maillage::matcher::internal {

template <typename T>
class StableVector {
 public:
  static constexpr int kChunkBits = 14;
  static constexpr size_t kChunkSize = size_t{1} << kChunkBits;

  StableVector() = default;
  StableVector(const StableVector&) = delete;
  StableVector& operator=(const StableVector&) = delete;
  // A moved-from vector is empty.
  StableVector(StableVector&& other) noexcept
      : chunks_(std::move(other.chunks_)),
        size_(std::exchange(other.size_, 0)) {}
  StableVector& operator=(StableVector&& other) noexcept {
    chunks_ = std::move(other.chunks_);
    other.chunks_.clear();
    size_ = std::exchange(other.size_, 0);
    return *this;
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Elements allocated (constructed) so far.
  size_t capacity() const { return chunks_.size() * kChunkSize; }

  T& operator[](size_t i) {
    return chunks_[i >> kChunkBits][i & (kChunkSize - 1)];
  }
  const T& operator[](size_t i) const {
    return chunks_[i >> kChunkBits][i & (kChunkSize - 1)];
  }
  T& back() { return (*this)[size_ - 1]; }

  void push_back(T value) {
    Grow(size_ + 1);
    (*this)[size_++] = std::move(value);
  }
  // Appends a default-constructed element.
  void emplace_back() { push_back(T()); }

  // Grows to `n` elements (default-constructed), or shrinks to it (the
  // elements past `n` are reset to T() and their chunks kept).
  void resize(size_t n) {
    Grow(n);
    for (size_t i = n; i < size_; ++i) (*this)[i] = T();
    size_ = n;
  }

  // Replaces the contents with `values`, moved in.
  void Assign(std::vector<T>&& values) {
    clear();
    Grow(values.size());
    for (size_t i = 0; i < values.size(); ++i) {
      (*this)[i] = std::move(values[i]);
    }
    size_ = values.size();
    values.clear();
  }

  void clear() {
    chunks_.clear();
    size_ = 0;
  }

 private:
  // Allocates chunks until `n` elements fit.
  void Grow(size_t n) {
    while (capacity() < n) chunks_.push_back(std::make_unique<T[]>(kChunkSize));
  }

  std::vector<std::unique_ptr<T[]>> chunks_;
  size_t size_ = 0;
};

}  // namespace maillage::matcher::internal

#endif  // MAILLAGE_MATCHER_STABLE_VECTOR_H_

#include "importer/input_buffer.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <utility>

namespace maillage::importer {
namespace {
constexpr size_t kInitialCapacity = 256 << 10;
constexpr size_t kSmallestCapacity = 4 << 10;

// Room for the whole source (and one byte, so that the read after it sees
// the end without growing) when it is known to be smaller than the usual
// buffer: a short upload or a small file costs a small buffer.
size_t InitialCapacity(const ByteSource& source) {
  std::optional<size_t> left = source.SizeHint();
  if (!left.has_value() || *left >= kInitialCapacity) return kInitialCapacity;
  return std::max(*left + 1, kSmallestCapacity);
}
}  // namespace

InputBuffer::InputBuffer(std::unique_ptr<ByteSource> source,
                         size_t max_capacity)
    : source_(std::move(source)),
      max_capacity_(std::max(max_capacity, kInitialCapacity)) {
  capacity_ = InitialCapacity(*source_);
  // Not zeroed (nor when growing): only [begin, end) is ever read, and
  // Fill writes it first. Zeroing cost more than reading a small file.
  buffer_.reset(new char[capacity_]);
}

absl::Status InputBuffer::Fill() {
  if (eof_) return absl::OkStatus();
  if (begin_ > 0) {
    std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == capacity_) {
    if (capacity_ == max_capacity_) return absl::OkStatus();
    size_t grown = std::min(capacity_ * 2, max_capacity_);
    std::unique_ptr<char[]> bigger(new char[grown]);
    std::memcpy(bigger.get(), buffer_.get(), end_);
    buffer_ = std::move(bigger);
    capacity_ = grown;
  }
  auto got = source_->Read(buffer_.get() + end_, capacity_ - end_);
  if (!got.ok()) return got.status();
  if (*got == 0) {
    eof_ = true;
  } else {
    end_ += *got;
  }
  return absl::OkStatus();
}

}  // namespace maillage::importer

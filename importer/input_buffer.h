#ifndef MAILLAGE_IMPORTER_INPUT_BUFFER_H_
#define MAILLAGE_IMPORTER_INPUT_BUFFER_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "importer/byte_source.h"

namespace maillage::importer {

// A window over a ByteSource for the readers: the bytes [begin, end) of the
// buffer are read but not yet consumed. Fill() slides them to the front of
// the buffer (so offsets change: a parser restarts from begin()) and reads
// more, growing the buffer up to a limit so that one record always fits.
// Memory stays bounded by that limit whatever the size of the file.
class InputBuffer {
 public:
  static constexpr size_t kEncodingSample = 64 << 10;

  InputBuffer(std::unique_ptr<ByteSource> source, size_t max_capacity);

  const char* data() const { return buffer_.get(); }
  size_t begin() const { return begin_; }
  size_t end() const { return end_; }
  // True once the source is exhausted (every byte is in [begin, end) or
  // consumed).
  bool eof() const { return eof_; }
  // Whether the buffer is as large as allowed and full from begin().
  bool full() const { return begin_ == 0 && end_ == max_capacity_; }
  const std::string& name() const { return source_->name(); }

  // Marks the bytes before `position` as consumed.
  void Consume(size_t position) { begin_ = position; }

  // Reads more bytes (at least one unless at the end, or full()). Errors are
  // the source's.
  //
  // Readers that still have to detect the encoding keep at least
  // kEncodingSample bytes ahead so that the decision sees enough text.
  absl::Status Fill();

 private:
  std::unique_ptr<ByteSource> source_;
  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;
  size_t max_capacity_;
  size_t begin_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
};

}  // namespace maillage::importer

#endif  // MAILLAGE_IMPORTER_INPUT_BUFFER_H_

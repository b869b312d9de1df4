#ifndef MAILLAGE_IMPORTER_LINE_READER_H_
#define MAILLAGE_IMPORTER_LINE_READER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "importer/byte_source.h"
#include "importer/text_encoding.h"

namespace maillage::importer {

class InputBuffer;

// One line of a text file, as returned by LineReader::Next. The views stay
// valid until the next call to Next.
struct TextLine {
  int64_t row_number = 0;  // 1-based line number
  // Empty for a good line; otherwise why it was rejected.
  std::string error;
  std::string_view text;  // decoded to UTF-8, without the line end
  std::string_view raw;   // as in the file
  bool ok() const { return error.empty(); }
};

// The non-blank lines of a text file (JSON Lines), streamed, decoded like
// CsvReader does (byte order mark skipped, UTF-8 or Windows-1252). A line
// longer than `max_line_bytes` is rejected and skipped. Not thread-safe.
class LineReader {
 public:
  static absl::StatusOr<std::unique_ptr<LineReader>> Open(
      const std::string& path, Encoding encoding = Encoding::kAuto,
      size_t max_line_bytes = 16 << 20);
  static std::unique_ptr<LineReader> FromSource(
      std::unique_ptr<ByteSource> source, Encoding encoding = Encoding::kAuto,
      size_t max_line_bytes = 16 << 20);
  ~LineReader();

  // False at the end of the file or on a read error (see status()).
  bool Next(TextLine* line);
  const absl::Status& status() const { return status_; }
  Encoding encoding() const { return encoding_; }
  const std::string& name() const;

 private:
  LineReader(std::unique_ptr<ByteSource> source, Encoding encoding,
             size_t max_line_bytes);

  std::unique_ptr<InputBuffer> input_;
  Encoding encoding_;
  size_t max_line_bytes_;
  bool started_ = false;
  int64_t line_ = 1;
  std::string decoded_;
  std::string raw_copy_;
  absl::Status status_;
};

}  // namespace maillage::importer

#endif  // MAILLAGE_IMPORTER_LINE_READER_H_

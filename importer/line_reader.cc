#include "importer/line_reader.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/utf8.h"
#include "importer/input_buffer.h"

namespace maillage::importer {
namespace {

bool IsBlank(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<LineReader>> LineReader::Open(
    const std::string& path, Encoding encoding, size_t max_line_bytes) {
  ASSIGN_OR_RETURN(auto source, OpenFile(path));
  return FromSource(std::move(source), encoding, max_line_bytes);
}

std::unique_ptr<LineReader> LineReader::FromSource(
    std::unique_ptr<ByteSource> source, Encoding encoding,
    size_t max_line_bytes) {
  return std::unique_ptr<LineReader>(
      new LineReader(std::move(source), encoding, max_line_bytes));
}

LineReader::LineReader(std::unique_ptr<ByteSource> source, Encoding encoding,
                       size_t max_line_bytes)
    : input_(std::make_unique<InputBuffer>(std::move(source), max_line_bytes)),
      encoding_(encoding),
      max_line_bytes_(max_line_bytes) {}

LineReader::~LineReader() = default;

const std::string& LineReader::name() const { return input_->name(); }

bool LineReader::Next(TextLine* line) {
  line->error.clear();
  for (;;) {
    if (!status_.ok()) return false;
    size_t pos = input_->begin();
    const char* d = input_->data();
    const char* nl = static_cast<const char*>(
        std::memchr(d + pos, '\n', input_->end() - pos));
    if (encoding_ == Encoding::kAuto && !input_->eof() && !input_->full() &&
        input_->end() - pos < InputBuffer::kEncodingSample) {
      status_ = input_->Fill();  // a sample for DetectEncoding
      continue;
    }
    if (nl == nullptr && !input_->eof()) {
      if (input_->end() - pos < max_line_bytes_ && !input_->full()) {
        status_ = input_->Fill();
        continue;
      }
      // Too long: report its start, discard up to the next line break.
      line->row_number = line_++;
      line->error =
          absl::StrCat("the line is longer than ", max_line_bytes_, " bytes");
      raw_copy_.assign(d + pos, std::min<size_t>(input_->end() - pos, 4096));
      line->raw = raw_copy_;
      line->text = std::string_view();
      input_->Consume(input_->end());
      for (;;) {
        status_ = input_->Fill();
        if (!status_.ok() || input_->begin() == input_->end()) return true;
        d = input_->data();
        size_t b = input_->begin();
        nl = static_cast<const char*>(
            std::memchr(d + b, '\n', input_->end() - b));
        if (nl != nullptr) {
          input_->Consume(nl - d + 1);
          return true;
        }
        input_->Consume(input_->end());
      }
    }
    if (pos == input_->end()) return false;  // eof
    if (!started_) {
      started_ = true;
      if (input_->end() - pos >= 3 &&
          std::memcmp(d + pos, "\xEF\xBB\xBF", 3) == 0) {
        if (encoding_ == Encoding::kAuto) encoding_ = Encoding::kUtf8;
        input_->Consume(pos + 3);
        continue;
      }
    }
    size_t end = nl != nullptr ? static_cast<size_t>(nl - d) : input_->end();
    size_t next = nl != nullptr ? end + 1 : end;
    size_t raw_end = end;
    if (raw_end > pos && d[raw_end - 1] == '\r') --raw_end;
    std::string_view raw(d + pos, raw_end - pos);
    line->row_number = line_++;
    input_->Consume(next);
    if (IsBlank(raw)) continue;
    line->raw = raw;
    line->text = raw;
    if (IsAscii(raw)) return true;
    if (encoding_ == Encoding::kAuto) {
      encoding_ =
          DetectEncoding(std::string_view(d + pos, input_->end() - pos));
    }
    if (encoding_ == Encoding::kUtf8) {
      if (!IsValidUtf8(raw)) {
        line->error =
            "is not valid UTF-8 (the file is read as UTF-8, which most "
            "of its text is)";
      }
      return true;
    }
    decoded_.clear();
    unsigned char bad = 0;
    if (!AppendWindows1252AsUtf8(raw, &decoded_, &bad)) {
      line->error = absl::StrCat("holds byte 0x", absl::Hex(bad),
                                 ", which is neither UTF-8 nor Windows-1252");
      return true;
    }
    line->text = decoded_;
    return true;
  }
}

}  // namespace maillage::importer

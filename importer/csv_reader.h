#ifndef MAILLAGE_IMPORTER_CSV_READER_H_
#define MAILLAGE_IMPORTER_CSV_READER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "importer/byte_source.h"
#include "importer/text_encoding.h"

namespace maillage::importer {

class InputBuffer;

struct CsvOptions {
  // ',', ';' or '\t'; 0 detects it from the header line: the one of the
  // three found most often outside quotes (',' when none is).
  char separator = 0;
  // kAuto: decided once per file, at the first record holding non-ASCII
  // bytes, on that record and the 64 KiB after it (see DetectEncoding):
  // UTF-8 or Windows-1252. Rows that the chosen encoding cannot decode are
  // rejected. CsvReader::encoding() says which was chosen.
  Encoding encoding = Encoding::kAuto;
  // A record longer than this is rejected (it is almost always a quote that
  // is never closed) and reading resumes at the line after its first line.
  // Also bounds the reader's memory (twice this at most).
  size_t max_record_bytes = 1 << 20;
};

// One record of a CSV file, as returned by CsvReader::Next. The views point
// into the reader's buffers and stay valid until the next call to Next.
struct CsvRecord {
  // The line of the file where the record starts (1-based; the header is
  // row 1 unless blank lines precede it). A record spanning several lines
  // (a quoted field with line breaks) has the number of its first line.
  int64_t row_number = 0;
  // Empty for a good record; otherwise why it was rejected, and `fields` is
  // empty.
  std::string error;
  // The fields, decoded to UTF-8, quotes removed, doubled quotes undone,
  // as many as the header has.
  std::vector<std::string_view> fields;
  // The record's bytes as in the file (not decoded), without the line end;
  // for a record rejected for its structure, only its first line.
  std::string_view raw;

  bool ok() const { return error.empty(); }
  // The field of `column` (from CsvReader::Column), "" when column is -1.
  std::string_view field(int column) const {
    return column >= 0 && static_cast<size_t>(column) < fields.size()
               ? fields[column]
               : std::string_view();
  }
};

// A streaming RFC 4180 reader: the project's one CSV parser. Memory is
// bounded by CsvOptions::max_record_bytes whatever the size of the file.
//
// - The first non-blank record is the header. A UTF-8 byte order mark is
//   skipped (and settles the encoding).
// - Fields may be quoted with '"'; quoted fields may hold separators, line
//   breaks and doubled quotes. Lines end in LF or CRLF.
// - Blank lines, and records whose fields are all empty (the ";;;;" lines
//   spreadsheets leave), are skipped.
// - Malformed records are returned with an error and reading goes on:
//   a character after a closing quote, a quote inside an unquoted field, a
//   quote never closed: reading resumes at the line after the record's
//   first line, so one bad quote costs one row; a number of fields
//   different from the header's, or bytes that cannot be decoded: reading
//   resumes after the record.
//
// Not thread-safe.
class CsvReader {
 public:
  // Opens a file (gzip'd or not, see OpenFile) and reads its header.
  // InvalidArgument when the file has no header line or a malformed one.
  static absl::StatusOr<std::unique_ptr<CsvReader>> Open(
      const std::string& path, const CsvOptions& options = {});
  static absl::StatusOr<std::unique_ptr<CsvReader>> FromSource(
      std::unique_ptr<ByteSource> source, const CsvOptions& options = {});

  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // The header's fields, as written (decoded, not trimmed).
  const std::vector<std::string>& header() const { return header_; }
  // The index of the column named `name`, compared case-, accent- and
  // punctuation-insensitively ("Code postal", "code_postal", "CODE-POSTAL"
  // and "codePostal"... all name the same column, see territory::FoldName;
  // camel case is not split, so "codePostal" matches "codepostal" only);
  // -1 when there is none. The first of duplicate names wins.
  int Column(std::string_view name) const;

  char separator() const { return separator_; }
  // The encoding in use: kAuto while only ASCII has been seen (every
  // encoding agrees on it), then kUtf8 or kWindows1252.
  Encoding encoding() const { return encoding_; }
  const std::string& name() const;

  // The next record after the header; false at the end of the file or on a
  // read error (then status() says which).
  bool Next(CsvRecord* record);
  const absl::Status& status() const { return status_; }

 private:
  struct Span {
    size_t begin;
    size_t length;
    bool unescape;  // holds doubled quotes
  };
  enum class Parse { kRecord, kNeedMore, kMalformed };

  CsvReader(std::unique_ptr<ByteSource> source, const CsvOptions& options);
  absl::Status ReadHeader();
  // Parses the record starting at buffer offset `pos` into spans_.
  Parse ParseAt(size_t pos, size_t* next, int* line_breaks, std::string* why);
  // Reads the next non-blank record into spans_ (undecoded) and
  // record->row_number / raw, or a structural error into record->error;
  // false at the end or on a read error. On success the record ends at
  // *record_end (consumed by the caller) after *line_breaks line breaks.
  bool NextRaw(CsvRecord* record, size_t* record_end, int* line_breaks);
  // Decodes spans_ into record->fields; false (record->error set) when a
  // field cannot be decoded.
  bool Decode(CsvRecord* record);
  // Resumes after the first line break at or after `pos`, reading and
  // discarding as much as needed; sets record->raw to that line.
  void SkipLine(size_t pos, CsvRecord* record);
  void DetectSeparator();

  std::unique_ptr<InputBuffer> input_;
  CsvOptions options_;
  char separator_ = 0;
  Encoding encoding_ = Encoding::kAuto;
  bool special_[256] = {};
  int64_t line_ = 1;  // line number of input_->begin()
  std::vector<std::string> header_;
  std::vector<std::string> folded_header_;
  std::vector<Span> spans_;
  std::string scratch_;    // decoded fields
  std::string unescaped_;  // one field with its doubled quotes undone
  std::string raw_copy_;   // start of an overlong malformed line
  std::vector<std::pair<size_t, size_t>> scratch_spans_;
  absl::Status status_;
};

}  // namespace maillage::importer

#endif  // MAILLAGE_IMPORTER_CSV_READER_H_

#include "cli/csv.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "base/utf8.h"

namespace maillage::cli {
namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

// Reads records one at a time from the text.
class CsvReader {
 public:
  CsvReader(std::string_view text, char separator)
      : text_(text), separator_(separator) {}

  bool done() const { return pos_ >= text_.size(); }

  // Reads the next record into `row`.
  absl::Status Next(CsvRow* row) {
    row->row_number = line_;
    row->fields.clear();
    while (true) {
      std::string field;
      bool record_ends = false;
      absl::Status s = ReadField(*row, &field, &record_ends);
      if (!s.ok()) return s;
      row->fields.push_back(std::move(field));
      if (record_ends) break;
    }
    for (size_t i = 0; i < row->fields.size(); ++i) {
      if (!IsValidUtf8(row->fields[i])) {
        return Error(*row, i,
                     "not valid UTF-8 (save the file as UTF-8; "
                     "spreadsheets often export Windows-1252)");
      }
    }
    return absl::OkStatus();
  }

 private:
  absl::Status Error(const CsvRow& row, size_t field,
                     std::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(
        "row ", row.row_number, ", field ", field + 1, ": ", AsAbsl(what)));
  }

  // Consumes a line end at pos_ if there is one.
  bool ConsumeLineEnd() {
    if (pos_ >= text_.size()) return true;
    if (text_[pos_] == '\n') {
      ++pos_;
      ++line_;
      return true;
    }
    if (text_[pos_] == '\r') {
      ++pos_;
      if (pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
      ++line_;
      return true;
    }
    return false;
  }

  // Reads one field and what follows it: a separator (more fields follow) or
  // a line end or the end of the text (*record_ends).
  absl::Status ReadField(const CsvRow& row, std::string* field,
                         bool* record_ends) {
    size_t index = row.fields.size();
    if (pos_ < text_.size() && text_[pos_] == '"') {
      ++pos_;
      while (true) {
        if (pos_ >= text_.size()) {
          return Error(row, index, "quoted field never closed");
        }
        char c = text_[pos_++];
        if (c == '"') {
          if (pos_ < text_.size() && text_[pos_] == '"') {
            field->push_back('"');
            ++pos_;
            continue;
          }
          break;
        }
        if (c == '\n') ++line_;
        field->push_back(c);
      }
      if (pos_ < text_.size() && text_[pos_] == separator_) {
        ++pos_;
        return absl::OkStatus();
      }
      if (ConsumeLineEnd()) {
        *record_ends = true;
        return absl::OkStatus();
      }
      unsigned char next = static_cast<unsigned char>(text_[pos_]);
      std::string shown = next >= 0x20 && next < 0x7F
                              ? absl::StrCat("'", std::string(1, next), "'")
                              : "a character";
      return Error(row, index,
                   absl::StrCat("unexpected ", shown,
                                " after a closing quote (a quote inside a "
                                "quoted field must be doubled)"));
    }
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == separator_) {
        ++pos_;
        return absl::OkStatus();
      }
      if (c == '\n' || c == '\r') break;
      if (c == '"') {
        return Error(row, index,
                     "quote inside an unquoted field (quote the whole field "
                     "and double the quote)");
      }
      field->push_back(c);
      ++pos_;
    }
    ConsumeLineEnd();
    *record_ends = true;
    return absl::OkStatus();
  }

  std::string_view text_;
  char separator_;
  size_t pos_ = 0;
  int64_t line_ = 1;
};

// A blank line, or a line of separators only.
bool IsBlank(const CsvRow& row) {
  for (const std::string& field : row.fields) {
    if (!field.empty()) return false;
  }
  return true;
}

}  // namespace

int CsvFile::ColumnIndex(std::string_view name) const {
  absl::string_view wanted = absl::StripAsciiWhitespace(AsAbsl(name));
  for (size_t i = 0; i < header.size(); ++i) {
    if (absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(header[i]), wanted)) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

char DetectSeparator(std::string_view text) {
  size_t commas = 0;
  size_t semicolons = 0;
  bool quoted = false;
  size_t start = text.find_first_not_of("\r\n");  // blank lines first
  if (start == std::string_view::npos) return ',';
  for (char c : text.substr(start)) {
    if (c == '"') {
      quoted = !quoted;
    } else if (!quoted) {
      if (c == '\n' || c == '\r') break;
      if (c == ',') ++commas;
      if (c == ';') ++semicolons;
    }
  }
  return semicolons > commas ? ';' : ',';
}

absl::StatusOr<CsvFile> ParseCsv(std::string_view text,
                                 const CsvOptions& options) {
  if (text.substr(0, kByteOrderMark.size()) == kByteOrderMark) {
    text.remove_prefix(kByteOrderMark.size());
  }
  CsvFile file;
  file.separator =
      options.separator != 0 ? options.separator : DetectSeparator(text);
  CsvReader reader(text, file.separator);
  bool have_header = false;
  while (!reader.done()) {
    CsvRow row;
    absl::Status s = reader.Next(&row);
    if (!s.ok()) return s;
    if (IsBlank(row)) continue;
    if (!have_header) {
      file.header = std::move(row.fields);
      have_header = true;
      continue;
    }
    file.rows.push_back(std::move(row));
  }
  return file;
}

}  // namespace maillage::cli

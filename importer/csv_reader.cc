#include "importer/csv_reader.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "base/utf8.h"
#include "importer/input_buffer.h"
#include "territory/name_folding.h"

namespace maillage::importer {
namespace {

constexpr size_t kRawCopyMax = 4096;

}  // namespace

absl::StatusOr<std::unique_ptr<CsvReader>> CsvReader::Open(
    const std::string& path, const CsvOptions& options) {
  ASSIGN_OR_RETURN(auto source, OpenFile(path));
  return FromSource(std::move(source), options);
}

absl::StatusOr<std::unique_ptr<CsvReader>> CsvReader::FromSource(
    std::unique_ptr<ByteSource> source, const CsvOptions& options) {
  if (options.separator != 0 && options.separator != ',' &&
      options.separator != ';' && options.separator != '\t') {
    return absl::InvalidArgumentError(
        "the CSV separator must be ',', ';' or a tab");
  }
  std::unique_ptr<CsvReader> reader(new CsvReader(std::move(source), options));
  RETURN_IF_ERROR(reader->ReadHeader());
  return reader;
}

CsvReader::CsvReader(std::unique_ptr<ByteSource> source,
                     const CsvOptions& options)
    : input_(std::make_unique<InputBuffer>(std::move(source),
                                           options.max_record_bytes)),
      options_(options),
      separator_(options.separator),
      encoding_(options.encoding) {}

CsvReader::~CsvReader() = default;

const std::string& CsvReader::name() const { return input_->name(); }

absl::Status CsvReader::ReadHeader() {
  // Enough bytes for the byte order mark and the header line.
  for (;;) {
    const char* d = input_->data();
    size_t n = input_->end() - input_->begin();
    if (input_->eof() || input_->full() ||
        std::memchr(d + input_->begin(), '\n', n) != nullptr) {
      break;
    }
    RETURN_IF_ERROR(input_->Fill());
  }
  const char* d = input_->data();
  if (input_->end() - input_->begin() >= 3 &&
      std::memcmp(d + input_->begin(), "\xEF\xBB\xBF", 3) == 0) {
    input_->Consume(input_->begin() + 3);
    if (encoding_ == Encoding::kAuto) encoding_ = Encoding::kUtf8;
  }
  if (separator_ == 0) DetectSeparator();
  special_[static_cast<unsigned char>(separator_)] = true;
  special_[static_cast<unsigned char>('\n')] = true;
  special_[static_cast<unsigned char>('"')] = true;

  CsvRecord record;
  size_t record_end = 0;
  int line_breaks = 0;
  if (!NextRaw(&record, &record_end, &line_breaks)) {
    RETURN_IF_ERROR(status_);
    return absl::InvalidArgumentError(
        absl::StrCat(name(), ": the file is empty; expected a header line"));
  }
  if (!record.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        name(), ":", record.row_number, ": malformed header: ", record.error));
  }
  if (!Decode(&record)) {
    return absl::InvalidArgumentError(absl::StrCat(
        name(), ":", record.row_number, ": header: ", record.error));
  }
  for (std::string_view field : record.fields) {
    header_.emplace_back(field);
    folded_header_.push_back(territory::FoldName(field));
  }
  input_->Consume(record_end);
  line_ += line_breaks;
  return absl::OkStatus();
}

void CsvReader::DetectSeparator() {
  const char* d = input_->data();
  size_t counts[3] = {0, 0, 0};  // ',', ';', '\t'
  bool quoted = false;
  size_t i = input_->begin();
  while (i < input_->end() && (d[i] == '\n' || d[i] == '\r')) ++i;
  for (; i < input_->end(); ++i) {
    char c = d[i];
    if (c == '"') {
      quoted = !quoted;
    } else if (!quoted) {
      if (c == '\n') break;
      if (c == ',') ++counts[0];
      if (c == ';') ++counts[1];
      if (c == '\t') ++counts[2];
    }
  }
  separator_ = ',';
  if (counts[1] > counts[0] && counts[1] >= counts[2]) separator_ = ';';
  if (counts[2] > counts[0] && counts[2] > counts[1]) separator_ = '\t';
}

int CsvReader::Column(std::string_view name) const {
  std::string folded = territory::FoldName(name);
  for (size_t i = 0; i < folded_header_.size(); ++i) {
    if (folded_header_[i] == folded) return static_cast<int>(i);
  }
  return -1;
}

CsvReader::Parse CsvReader::ParseAt(size_t pos, size_t* next, int* line_breaks,
                                    std::string* why) {
  const char* d = input_->data();
  const size_t end = input_->end();
  const bool at_eof = input_->eof();
  const char sep = separator_;
  spans_.clear();
  int breaks = 0;
  size_t p = pos;
  for (;;) {  // one field per iteration
    if (p == end) {
      if (!at_eof) return Parse::kNeedMore;
      spans_.push_back({p, 0, false});
      *next = end;
      *line_breaks = breaks;
      return Parse::kRecord;
    }
    if (d[p] == '"') {
      size_t q = p + 1;
      bool doubled = false;
      for (;;) {
        const char* hit =
            static_cast<const char*>(std::memchr(d + q, '"', end - q));
        if (hit == nullptr) {
          if (!at_eof) return Parse::kNeedMore;
          *why = "a quoted field is not closed before the end of the file";
          return Parse::kMalformed;
        }
        size_t h = hit - d;
        breaks += static_cast<int>(std::count(d + q, hit, '\n'));
        if (h + 1 == end && !at_eof) return Parse::kNeedMore;
        if (h + 1 < end && d[h + 1] == '"') {
          doubled = true;
          q = h + 2;
          continue;
        }
        spans_.push_back({p + 1, h - p - 1, doubled});
        if (h + 1 == end) {  // closing quote at the end of the file
          *next = end;
          *line_breaks = breaks;
          return Parse::kRecord;
        }
        char c = d[h + 1];
        if (c == sep) {
          p = h + 2;
          break;
        }
        if (c == '\n' || c == '\r') {
          size_t e = h + 1;
          if (c == '\r') {
            if (e + 1 == end && !at_eof) return Parse::kNeedMore;
            if (e + 1 < end && d[e + 1] == '\n') ++e;
          }
          if (d[e] == '\n') {
            *next = e + 1;
            *line_breaks = breaks + 1;
            return Parse::kRecord;
          }
          if (e + 1 == end) {  // "...\"\r" at the end of the file
            *next = end;
            *line_breaks = breaks;
            return Parse::kRecord;
          }
        }
        *why = absl::StrCat(
            "field ", spans_.size(),
            ": a character follows its closing quote (a quote inside a "
            "quoted field must be doubled)");
        return Parse::kMalformed;
      }
      continue;
    }
    size_t q = p;
    while (q < end && !special_[static_cast<unsigned char>(d[q])]) ++q;
    if (q == end) {
      if (!at_eof) return Parse::kNeedMore;
      size_t length = q - p;
      if (length > 0 && d[q - 1] == '\r') --length;
      spans_.push_back({p, length, false});
      *next = end;
      *line_breaks = breaks;
      return Parse::kRecord;
    }
    char c = d[q];
    if (c == sep) {
      spans_.push_back({p, q - p, false});
      p = q + 1;
      continue;
    }
    if (c == '\n') {
      size_t length = q - p;
      if (length > 0 && d[q - 1] == '\r') --length;
      spans_.push_back({p, length, false});
      *next = q + 1;
      *line_breaks = breaks + 1;
      return Parse::kRecord;
    }
    *why = absl::StrCat("field ", spans_.size() + 1,
                        ": a quote inside an unquoted field (quote the whole "
                        "field and double the quote)");
    return Parse::kMalformed;
  }
}

bool CsvReader::NextRaw(CsvRecord* record, size_t* record_end,
                        int* line_breaks) {
  record->error.clear();
  record->fields.clear();
  record->raw = std::string_view();
  for (;;) {
    if (!status_.ok()) return false;
    size_t pos = input_->begin();
    if (pos == input_->end()) {
      if (input_->eof()) return false;
      status_ = input_->Fill();
      continue;
    }
    if (encoding_ == Encoding::kAuto && !input_->eof() && !input_->full() &&
        input_->end() - pos < InputBuffer::kEncodingSample) {
      status_ = input_->Fill();  // a sample for DetectEncoding, see Decode
      continue;
    }
    std::string why;
    Parse result = ParseAt(pos, record_end, line_breaks, &why);
    if (result == Parse::kNeedMore) {
      if (input_->end() - pos < options_.max_record_bytes && !input_->full()) {
        status_ = input_->Fill();
        continue;
      }
      result = Parse::kMalformed;
      why =
          absl::StrCat("the record is longer than ", options_.max_record_bytes,
                       " bytes: a quoted field is probably never closed");
    }
    record->row_number = line_;
    if (result == Parse::kMalformed) {
      record->error = std::move(why);
      SkipLine(pos, record);
      return true;
    }
    const char* d = input_->data();
    size_t raw_end = *record_end;
    if (raw_end > pos && d[raw_end - 1] == '\n') --raw_end;
    if (raw_end > pos && d[raw_end - 1] == '\r') --raw_end;
    record->raw = std::string_view(d + pos, raw_end - pos);
    bool blank = true;
    for (const Span& span : spans_) {
      if (span.length > 0) {
        blank = false;
        break;
      }
    }
    if (!blank) return true;
    input_->Consume(*record_end);
    line_ += *line_breaks;
  }
}

void CsvReader::SkipLine(size_t pos, CsvRecord* record) {
  const char* d = input_->data();
  size_t end = input_->end();
  const char* nl =
      static_cast<const char*>(std::memchr(d + pos, '\n', end - pos));
  ++line_;
  if (nl != nullptr) {
    size_t e = nl - d;
    size_t raw_end = e;
    if (raw_end > pos && d[raw_end - 1] == '\r') --raw_end;
    record->raw = std::string_view(d + pos, raw_end - pos);
    input_->Consume(e + 1);
    return;
  }
  // A line longer than the buffer: keep its start for the report, discard
  // the rest.
  raw_copy_.assign(d + pos, std::min(end - pos, kRawCopyMax));
  record->raw = raw_copy_;
  input_->Consume(end);
  for (;;) {
    status_ = input_->Fill();
    if (!status_.ok() || input_->begin() == input_->end()) return;
    d = input_->data();
    size_t b = input_->begin();
    nl = static_cast<const char*>(std::memchr(d + b, '\n', input_->end() - b));
    if (nl != nullptr) {
      input_->Consume(nl - d + 1);
      return;
    }
    input_->Consume(input_->end());
  }
}

bool CsvReader::Decode(CsvRecord* record) {
  const char* d = input_->data();
  const bool ascii = IsAscii(record->raw);
  if (!ascii && encoding_ == Encoding::kAuto) {
    size_t start = record->raw.data() - d;
    encoding_ =
        DetectEncoding(std::string_view(d + start, input_->end() - start));
  }
  scratch_.clear();
  scratch_spans_.clear();
  scratch_spans_.resize(spans_.size(), {0, std::string::npos});
  for (size_t i = 0; i < spans_.size(); ++i) {
    const Span& span = spans_[i];
    std::string_view text(d + span.begin, span.length);
    bool needs_decoding = false;
    if (!ascii && !IsAscii(text)) {
      if (encoding_ == Encoding::kUtf8) {
        if (!IsValidUtf8(text)) {
          record->error = absl::StrCat(
              "field ", i + 1,
              i < header_.size() ? absl::StrCat(" (", header_[i], ")") : "",
              " is not valid UTF-8 (the file is read as UTF-8, which most of "
              "its text is)");
          return false;
        }
      } else {
        needs_decoding = true;
      }
    }
    if (!span.unescape && !needs_decoding) continue;
    if (span.unescape) {
      unescaped_.clear();
      for (size_t k = 0; k < text.size(); ++k) {
        unescaped_.push_back(text[k]);
        if (text[k] == '"') ++k;  // the second quote of a pair
      }
      text = unescaped_;
    }
    size_t start = scratch_.size();
    if (needs_decoding) {
      unsigned char bad = 0;
      if (!AppendWindows1252AsUtf8(text, &scratch_, &bad)) {
        record->error = absl::StrCat(
            "field ", i + 1,
            i < header_.size() ? absl::StrCat(" (", header_[i], ")") : "",
            " holds byte 0x", absl::Hex(bad),
            ", which is neither UTF-8 nor Windows-1252");
        return false;
      }
    } else {
      scratch_.append(text);
    }
    scratch_spans_[i] = {start, scratch_.size() - start};
  }
  record->fields.resize(spans_.size());
  for (size_t i = 0; i < spans_.size(); ++i) {
    if (scratch_spans_[i].second == std::string::npos) {
      record->fields[i] =
          std::string_view(d + spans_[i].begin, spans_[i].length);
    } else {
      record->fields[i] = std::string_view(
          scratch_.data() + scratch_spans_[i].first, scratch_spans_[i].second);
    }
  }
  return true;
}

bool CsvReader::Next(CsvRecord* record) {
  size_t record_end = 0;
  int line_breaks = 0;
  if (!NextRaw(record, &record_end, &line_breaks)) return false;
  if (!record->ok()) return true;  // structural error, already skipped
  if (spans_.size() != header_.size()) {
    record->error = absl::StrCat("has ", spans_.size(),
                                 spans_.size() == 1 ? " field" : " fields",
                                 "; the header has ", header_.size());
    input_->Consume(record_end);
    line_ += line_breaks;
    return true;
  }
  Decode(record);
  input_->Consume(record_end);
  line_ += line_breaks;
  return true;
}

}  // namespace maillage::importer

// The CSV reader and encoding detection (importer/csv_reader.h,
// importer/text_encoding.h) on arbitrary bytes.
//
// Input: one options byte, then the file. The options byte picks the
// separator (detected, ',', ';' or tab), the encoding (detected, UTF-8 or
// Windows-1252) and the record size limit (the default or 64 bytes, so
// that overlong records are common).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/utf8.h"
#include "fuzz/fuzz_support.h"
#include "importer/byte_source.h"
#include "importer/csv_reader.h"
#include "importer/text_encoding.h"

namespace maillage::fuzz {
namespace {

importer::CsvOptions OptionsFrom(uint8_t byte) {
  constexpr char kSeparators[] = {0, ',', ';', '\t'};
  constexpr importer::Encoding kEncodings[] = {
      importer::Encoding::kAuto, importer::Encoding::kUtf8,
      importer::Encoding::kWindows1252, importer::Encoding::kAuto};
  importer::CsvOptions options;
  options.separator = kSeparators[byte & 3];
  options.encoding = kEncodings[(byte >> 2) & 3];
  if (byte & 0x10) options.max_record_bytes = 64;
  return options;
}

// Every record of the file: good ones have as many fields as the header,
// decoded to valid UTF-8; rejected ones have none; rows go forward.
void ReadAll(std::string_view file, const importer::CsvOptions& options) {
  auto reader = importer::CsvReader::FromSource(
      importer::StringSource(std::string(file)), options);
  if (!reader.ok()) return;
  importer::CsvReader& csv = **reader;
  for (const std::string& name : csv.header()) FUZZ_CHECK(IsValidUtf8(name));
  FUZZ_CHECK(csv.separator() == ',' || csv.separator() == ';' ||
             csv.separator() == '\t');
  importer::CsvRecord record;
  int64_t last_row = 0;
  while (csv.Next(&record)) {
    FUZZ_CHECK(record.row_number > last_row);
    last_row = record.row_number;
    FUZZ_CHECK(record.raw.size() <= file.size());
    if (!record.ok()) {
      FUZZ_CHECK(record.fields.empty());
      continue;
    }
    FUZZ_CHECK(record.fields.size() == csv.header().size());
    for (std::string_view field : record.fields) {
      FUZZ_CHECK(IsValidUtf8(field));
    }
    FUZZ_CHECK(csv.Column(csv.header()[0]) == 0);
  }
  FUZZ_CHECK(csv.status().ok());  // a string source never fails
  if (options.encoding != importer::Encoding::kAuto) {
    FUZZ_CHECK(csv.encoding() == options.encoding);
  }
}

// Windows-1252 decoding yields valid UTF-8 and leaves ASCII as is.
void CheckWindows1252(std::string_view text) {
  std::string out;
  unsigned char bad = 0;
  if (importer::AppendWindows1252AsUtf8(text, &out, &bad)) {
    FUZZ_CHECK(IsValidUtf8(out));
    FUZZ_CHECK(out.size() >= text.size());
    if (importer::IsAscii(text)) FUZZ_CHECK(out == text);
  } else {
    FUZZ_CHECK(bad == 0x81 || bad == 0x8D || bad == 0x8F || bad == 0x90 ||
               bad == 0x9D);
  }
  // Valid UTF-8 with a multi-byte sequence is judged UTF-8.
  if (IsValidUtf8(text) && !importer::IsAscii(text)) {
    FUZZ_CHECK(importer::DetectEncoding(text) == importer::Encoding::kUtf8);
  }
}

}  // namespace
}  // namespace maillage::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view file(reinterpret_cast<const char*>(data) + 1, size - 1);
  maillage::fuzz::ReadAll(file, maillage::fuzz::OptionsFrom(data[0]));
  maillage::fuzz::CheckWindows1252(file);
  return 0;
}

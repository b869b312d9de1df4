// The JSON Lines reader (--format jsonl: importer/line_reader.h and the
// kJsonl DirectoryReader) on arbitrary files, gzip'd or not.
//
// Besides the checks every directory reader gets (ReadAndCheckRows), each
// actor read must survive the round trip `maillage export` and
// `maillage import` make: printed as protobuf JSON and parsed back, it is
// the same message.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/utf8.h"
#include "fuzz/fuzz_support.h"
#include "google/protobuf/util/field_comparator.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "importer/byte_source.h"
#include "importer/line_reader.h"

namespace maillage::fuzz {
namespace {

// Lines go forward; good lines are valid UTF-8 without a line break.
void ReadLines(std::string_view file) {
  auto lines = importer::LineReader::FromSource(
      importer::StringSource(std::string(file)), importer::Encoding::kAuto,
      /*max_line_bytes=*/256);
  importer::TextLine line;
  int64_t last_row = 0;
  while (lines->Next(&line)) {
    FUZZ_CHECK(line.row_number > last_row);
    last_row = line.row_number;
    if (!line.ok()) continue;
    FUZZ_CHECK(IsValidUtf8(line.text));
    FUZZ_CHECK(line.text.find('\n') == std::string_view::npos);
  }
  FUZZ_CHECK(lines->status().ok());
}

void CheckJsonRoundTrip(const v1::Actor& actor) {
  std::string json;
  FUZZ_CHECK(google::protobuf::util::MessageToJsonString(actor, &json).ok());
  v1::Actor parsed;
  FUZZ_CHECK(google::protobuf::util::JsonStringToMessage(json, &parsed).ok());
  // JSON spells NaN "NaN" and reads it back: NaN equals NaN here.
  google::protobuf::util::DefaultFieldComparator comparator;
  comparator.set_treat_nan_as_equal(true);
  google::protobuf::util::MessageDifferencer differencer;
  differencer.set_field_comparator(&comparator);
  FUZZ_CHECK(differencer.Compare(actor, parsed));
}

void ReadActors(const uint8_t* data, size_t size, ScratchFile& file) {
  importer::DirectoryOptions options;
  UseAsInput(data, size, file, &options);
  options.format = importer::Format::kJsonl;
  ReadAndCheckRows(options, [](const importer::Row& row) {
    if (row.outcome == importer::Row::Outcome::kActor) {
      CheckJsonRoundTrip(row.actor);
    }
  });
}

}  // namespace
}  // namespace maillage::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static maillage::fuzz::ScratchFile file(".jsonl");
  maillage::fuzz::ReadLines(
      std::string_view(reinterpret_cast<const char*>(data), size));
  maillage::fuzz::ReadActors(data, size, file);
  return 0;
}

#ifndef MAILLAGE_CLI_INPUT_H_
#define MAILLAGE_CLI_INPUT_H_

#include <functional>
#include <istream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "importer/csv_reader.h"
#include "importer/line_reader.h"

// Reading what commands take from files: whole files, and API messages
// written as JSON.
namespace maillage::cli {

// The content of the file at `path`, or all of `stdin` when `path` is "-".
// INVALID_ARGUMENT naming the file when it cannot be read.
absl::StatusOr<std::string> ReadInput(std::string_view path,
                                      std::istream& stdin_stream);

// A streaming reader of the CSV file at `path` (gzip'd or not), or of all of
// `stdin` when `path` is "-": importer::CsvReader, the project's one CSV
// parser. INVALID_ARGUMENT naming the file when it cannot be opened or has
// no header line.
absl::StatusOr<std::unique_ptr<importer::CsvReader>> OpenCsv(
    std::string_view path, std::istream& stdin_stream);

// The non-blank lines of the text file at `path` (gzip'd or not), or of
// `stdin` for "-", for JSON Lines. INVALID_ARGUMENT when it cannot be
// opened.
absl::StatusOr<std::unique_ptr<importer::LineReader>> OpenLines(
    std::string_view path, std::istream& stdin_stream);

// A message read from JSON, with where it came from for error reports.
template <typename M>
struct JsonRecord {
  // "line 3" (JSONL), "item 2" (a JSON array) or "" (a single object).
  std::string location;
  // The .proto names of the top-level fields the JSON object sets, sorted
  // (whatever their values, defaults included).
  std::vector<std::string> fields;
  M message;
};

// Parses `text` as messages of type M, written in protobuf's JSON mapping:
// a single object, an array of objects, or JSONL (one object per line, blank
// lines ignored). Enum values may be given by short name ("company" for
// ACTOR_KIND_COMPANY, see names.h). INVALID_ARGUMENT naming the line or item
// and the field on the first bad record; nothing is returned then. A UTF-8
// byte order mark is skipped. Numbers go through a double on the way, so
// integers beyond 2^53 must be written as strings (as the JSON mapping does
// for 64-bit fields anyway).
template <typename M>
absl::StatusOr<std::vector<JsonRecord<M>>> ParseJsonRecords(
    std::string_view text);

// Implementation of ParseJsonRecords: `add(location, fields)` returns the
// message to fill for the next record, which is filled before `add` is
// called again.
using AddJsonRecord = std::function<google::protobuf::Message*(
    std::string location, std::vector<std::string> fields)>;
absl::Status ParseJsonInto(std::string_view text,
                           const google::protobuf::Descriptor& type,
                           const AddJsonRecord& add);

template <typename M>
absl::StatusOr<std::vector<JsonRecord<M>>> ParseJsonRecords(
    std::string_view text) {
  std::vector<JsonRecord<M>> records;
  absl::Status status = ParseJsonInto(
      text, *M::descriptor(),
      [&](std::string location, std::vector<std::string> fields) {
        records.push_back({std::move(location), std::move(fields), M()});
        return &records.back().message;
      });
  if (!status.ok()) return status;
  return records;
}

}  // namespace maillage::cli

#endif  // MAILLAGE_CLI_INPUT_H_

#ifndef MAILLAGE_CLI_OUTPUT_H_
#define MAILLAGE_CLI_OUTPUT_H_

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/args.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"

// What commands print: messages as JSON (protobuf's JSON mapping, with the
// .proto field names, so that output, --mask paths and error field paths all
// read alike), tables aligned for a terminal, and one message as a
// "field: value" list.
namespace maillage::cli {

enum class OutputFormat { kTable, kJson };

// The --output flag, for a command whose default is `fallback` and whose
// JSON is one object per line (`lines`) or one indented document.
FlagSpec OutputFlag(OutputFormat fallback, bool lines);
// The value of --output; `fallback` when absent, usage error when unknown.
absl::StatusOr<OutputFormat> GetOutputFormat(const ParsedArgs& args,
                                             OutputFormat fallback);

// The message as JSON on one line, without the newline (for JSONL).
std::string JsonLine(const google::protobuf::Message& message);
// The message as indented JSON, ending in a newline.
std::string JsonDocument(const google::protobuf::Message& message);

// Columns a UTF-8 string takes on a terminal (combining marks take none,
// East Asian wide characters two). Invalid UTF-8 counts one per byte.
size_t DisplayWidth(std::string_view text);

// Rows printed in columns aligned by display width, two spaces apart, under
// a header line. Tabs and line breaks inside cells print as spaces.
class Table {
 public:
  explicit Table(std::vector<std::string> headers);

  // Cells of `column` longer than `width` are cut and end with "…".
  void SetMaxWidth(size_t column, size_t width);
  // Aligns `column` (and its header) to the right, for numbers.
  void AlignRight(size_t column);
  // Missing cells are empty; extra cells are dropped.
  void AddRow(std::vector<std::string> cells);
  bool empty() const { return rows_.empty(); }

  // Every line starts with `indent` spaces.
  void Print(std::ostream& out, size_t indent = 0) const;

 private:
  std::vector<std::string> headers_;
  std::vector<size_t> max_widths_;
  std::vector<bool> right_aligned_;
  std::vector<std::vector<std::string>> rows_;
};

// Writes one "path: value" line per field set in `message`, keys aligned:
// nested fields as "legal_ids.siret", repeated messages as "needs[0].theme",
// repeated scalars joined by ", ". Enum values print by short name,
// territory references as LEVEL:CODE, timestamps in RFC 3339.
void PrintFields(const google::protobuf::Message& message, std::ostream& out);

// One message: indented JSON, or PrintFields for kTable.
void PrintMessage(const google::protobuf::Message& message, OutputFormat format,
                  std::ostream& out);

// `value` the way people read numbers: "28.5", "17", "0.65".
std::string FormatNumber(double value);
// An integer with thousands separated: "30,910".
std::string FormatCount(int64_t value);
// A score or a factor in [0, 1] with two decimals: "0.72".
std::string FormatScore(double value);
// A share in [0, 1] as a whole percentage: "83 %".
std::string FormatPercent(double share);
// "2025-11-26T14:33:05Z" (UTC, no fraction); "" when unset (zero).
std::string FormatTime(const google::protobuf::Timestamp& time);
// "2025-11-26" (UTC); "" when unset.
std::string FormatDate(const google::protobuf::Timestamp& time);
// A duration in seconds as "42 s", "3:05" or "1:02:03".
std::string FormatDuration(double seconds);

// `text` wrapped at `width` display columns, each line (first included)
// starting with `indent` spaces and ending in '\n'. Words longer than a line
// stay whole. Empty text gives "".
std::string WrapText(std::string_view text, size_t indent, size_t width = 80);
// The same with the first line starting with `first_indent` spaces (a
// hanging indent when smaller than `indent`).
std::string WrapHanging(std::string_view text, size_t first_indent,
                        size_t indent, size_t width = 80);

// `prefix` followed by `items` joined by ", ", wrapped at `width` columns
// between items only; the first line starts with `indent` spaces, the others
// with `indent` + 2. Ends in '\n'; "" without items.
std::string WrapList(std::string_view prefix,
                     const std::vector<std::string>& items, size_t indent,
                     size_t width = 80);

// One CSV record (RFC 4180) ending in "\n": `fields` joined by ',', each
// quoted when it holds a comma, a quote, a line break or leading or trailing
// spaces, with its quotes doubled.
std::string CsvRecordLine(const std::vector<std::string>& fields);

}  // namespace maillage::cli

#endif  // MAILLAGE_CLI_OUTPUT_H_

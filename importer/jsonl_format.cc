// --format jsonl: one protobuf-JSON maillage.v1.Actor per line (what
// `maillage export` writes).

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "google/protobuf/util/json_util.h"
#include "importer/formats.h"
#include "importer/line_reader.h"

namespace maillage::importer::internal {
namespace {

class JsonlReader final : public DirectoryReader {
 public:
  explicit JsonlReader(std::unique_ptr<LineReader> lines)
      : lines_(std::move(lines)) {}

 protected:
  bool ReadRow(Row* row) override {
    TextLine line;
    if (!lines_->Next(&line)) {
      status_ = lines_->status();
      return false;
    }
    row->row_number = line.row_number;
    row->outcome = Row::Outcome::kActor;
    row->actor.Clear();
    if (keep_raw_) row->raw.assign(line.raw.data(), line.raw.size());
    if (!line.ok()) {
      Reject(row, line, std::move(line.error));
      return true;
    }
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = false;
    auto status = google::protobuf::util::JsonStringToMessage(
        google::protobuf::StringPiece(line.text.data(), line.text.size()),
        &row->actor, options);
    if (!status.ok()) {
      row->actor.Clear();
      Reject(row, line,
             absl::StrCat("not a maillage.v1.Actor in JSON: ",
                          std::string(status.message())));
    }
    return true;
  }
  Encoding encoding() const override { return lines_->encoding(); }

 private:
  static void Reject(Row* row, const TextLine& line, std::string reason) {
    row->outcome = Row::Outcome::kRejected;
    row->reason = std::move(reason);
    row->raw.assign(line.raw.data(), line.raw.size());
  }

  std::unique_ptr<LineReader> lines_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<DirectoryReader>> OpenJsonl(
    const DirectoryOptions& options) {
  ASSIGN_OR_RETURN(auto input, OpenInput(options));
  auto lines = LineReader::FromSource(std::move(input), options.csv.encoding);
  return std::unique_ptr<DirectoryReader>(new JsonlReader(std::move(lines)));
}

}  // namespace maillage::importer::internal

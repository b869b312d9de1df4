#ifndef MAILLAGE_IMPORTER_FORMATS_H_
#define MAILLAGE_IMPORTER_FORMATS_H_

// Internal to importer/: the readers of each format and what they share.

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "importer/csv_reader.h"
#include "importer/directory_reader.h"
#include "importer/mappings.h"
#include "maillage/v1/actor.pb.h"

namespace maillage::importer::internal {

// API limits (README "Limits"), in characters.
inline constexpr size_t kNameMax = 300;
inline constexpr size_t kDescriptionMax = 5000;
inline constexpr size_t kShortTextMax = 1000;
inline constexpr size_t kUrlMax = 500;

absl::StatusOr<std::unique_ptr<DirectoryReader>> OpenSirene(
    const DirectoryOptions& options);
absl::StatusOr<std::unique_ptr<DirectoryReader>> OpenRna(
    const DirectoryOptions& options);
absl::StatusOr<std::unique_ptr<DirectoryReader>> OpenJsonl(
    const DirectoryOptions& options);
absl::StatusOr<std::unique_ptr<DirectoryReader>> OpenLabCsv(
    const DirectoryOptions& options);

// Builds a reader of type T (constructed from the options) and runs its
// Init; the one way the format readers are opened. T befriends this.
template <typename T>
absl::StatusOr<std::unique_ptr<DirectoryReader>> MakeReader(
    const DirectoryOptions& options) {
  std::unique_ptr<T> reader(new T(options));
  absl::Status ready = reader->Init(options);
  if (!ready.ok()) return ready;
  return std::unique_ptr<DirectoryReader>(std::move(reader));
}

// What the CSV-based format readers (SIRENE, RNA, lab CSV) share: the CSV
// reader, the current record, and how a row starts, is rejected or skipped.
class CsvFormatReader : public DirectoryReader {
 protected:
  Encoding encoding() const override { return csv_->encoding(); }

  // Reads the next record and starts `row` from it (row number, a cleared
  // actor, the raw line when kept). False at the end of the file (status_
  // set). A record the CSV reader could not split leaves `row` rejected.
  bool StartRow(Row* row);
  void Reject(Row* row, int column, std::string reason);
  static void Skip(Row* row, std::string_view reason);

  std::unique_ptr<CsvReader> csv_;
  CsvRecord record_;
};

// `s` without the spaces and ASCII control characters (tabs, line breaks,
// NUL...) at both ends. So a value that is not empty once trimmed keeps a
// printable character through SetText: a name of control characters only
// counts as no name.
std::string_view Trim(std::string_view s);

// *out = `text` trimmed, ASCII control characters replaced by spaces
// (line breaks and tabs kept when `multiline`), cut to `max_chars`
// characters. Reuses *out's memory.
void SetText(std::string_view text, size_t max_chars, bool multiline,
             std::string* out);

// A website as the API wants it: "http://" added when there is no scheme.
// False (and *out untouched) for text that does not look like an address
// (spaces, no dot, too long).
bool NormalizeWebsite(std::string_view text, std::string* out);

// Adds the rule's themes and offers to the actor, skipping those it has.
void ApplyActivity(const ActivityRule& rule, v1::Actor* actor);

// Whether `s` is one of the "no value" markers of INSEE files ("[ND]").
inline bool IsUndisclosed(std::string_view s) { return s == "[ND]"; }

}  // namespace maillage::importer::internal

#endif  // MAILLAGE_IMPORTER_FORMATS_H_

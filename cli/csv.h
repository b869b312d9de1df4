#ifndef MAILLAGE_CLI_CSV_H_
#define MAILLAGE_CLI_CSV_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

// A small RFC 4180 CSV reader for the importers: quoted fields may hold the
// separator, doubled quotes ("") and line breaks; lines end in LF or CRLF.
namespace maillage::cli {

// One record of a CSV file.
struct CsvRow {
  // Its number as a spreadsheet shows it: the file's first record is row 1
  // (the header, unless blank lines precede it), the next one row 2. A
  // record spanning several lines counts once; blank lines count (they are
  // rows in a spreadsheet) but are not returned.
  int64_t row_number = 0;
  // The line of the file where the record starts (1-based).
  int64_t line_number = 0;
  std::vector<std::string> fields;
};

struct CsvFile {
  // The separator used: ',' or ';'.
  char separator = ',';
  // The header's fields, as written (see ColumnIndex for lookups).
  std::vector<std::string> header;
  // The records after the header, blank lines left out.
  std::vector<CsvRow> rows;

  // The index of the header column named `name`, compared after trimming
  // spaces and ignoring ASCII case; -1 when there is none.
  int ColumnIndex(std::string_view name) const;
};

struct CsvOptions {
  // ',' or ';'; 0 detects it from the header line: ';' when it holds more
  // semicolons than commas outside quotes, else ','.
  char separator = 0;
};

// Parses a whole CSV file whose first non-blank record is the header. A UTF-8
// byte order mark at the start is skipped. Fields are returned as written
// (not trimmed). INVALID_ARGUMENT naming the row and line on malformed input:
// a quoted field never closed, a character after a closing quote other than
// the separator or a line end, a quote inside an unquoted field, or bytes
// that are not UTF-8 (with a hint about Windows-1252 exports). An empty file
// has no header and no rows.
absl::StatusOr<CsvFile> ParseCsv(std::string_view text,
                                 const CsvOptions& options = {});

// The separator of the CSV file `text`, judged on its first record (see
// CsvOptions::separator).
char DetectSeparator(std::string_view text);

}  // namespace maillage::cli

#endif  // MAILLAGE_CLI_CSV_H_

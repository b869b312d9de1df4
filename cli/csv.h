#ifndef MAILLAGE_CLI_CSV_H_
#define MAILLAGE_CLI_CSV_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

// A small RFC 4180 CSV reader for files read whole (the CLI's imports):
// quoted fields may hold the separator, doubled quotes ("") and line breaks;
// lines end in LF or CRLF. Rows are numbered like importer::CsvReader's.
namespace maillage::cli {

// One record of a CSV file.
struct CsvRow {
  // The line of the file where the record starts (1-based; the header is
  // row 1 unless blank lines precede it). A record spanning several lines (a
  // quoted field with line breaks) has the number of its first line.
  int64_t row_number = 0;
  std::vector<std::string> fields;
};

struct CsvFile {
  // The separator used: ',' or ';'.
  char separator = ',';
  // The header's fields, as written (see ColumnIndex for lookups).
  std::vector<std::string> header;
  // The records after the header, in order. Blank lines and records whose
  // fields are all empty (the ";;;" lines spreadsheets leave) are left out.
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
// (not trimmed). INVALID_ARGUMENT naming the row and field on malformed input:
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

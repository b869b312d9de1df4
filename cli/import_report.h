#ifndef MAILLAGE_CLI_IMPORT_REPORT_H_
#define MAILLAGE_CLI_IMPORT_REPORT_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "maillage/v1/actor.pb.h"

// What the batch imports (fragilities, partnerships) report: the server's
// counts and every rejected row, numbered as in the file.
namespace maillage::cli {

struct ImportReport {
  int64_t created = 0;
  int64_t updated = 0;
  int64_t unchanged = 0;
  // Rows rejected, by the server or while reading the file.
  int64_t rejected = 0;
  // Why, one or more per rejected row.
  std::vector<v1::RowError> errors;

  void Add(const v1::ImportCounts& counts);
  // One error of a row already counted in `rejected` (or counted by the
  // server).
  void AddError(int64_t row_number, std::string field, std::string reason);

  // "created 3, updated 0, unchanged 0, rejected 2[ (dry run: nothing
  // written)]", then "row N: field: reason" per error, by row number.
  void Print(bool dry_run, std::ostream& out) const;
};

}  // namespace maillage::cli

#endif  // MAILLAGE_CLI_IMPORT_REPORT_H_

#include "cli/import_report.h"

#include <algorithm>
#include <utility>

namespace maillage::cli {

void ImportReport::Add(const v1::ImportCounts& counts) {
  created += counts.created();
  updated += counts.updated();
  unchanged += counts.unchanged();
  rejected += counts.rejected();
}

void ImportReport::AddError(int64_t row_number, std::string field,
                            std::string reason) {
  v1::RowError error;
  error.set_row_number(row_number);
  error.set_field(std::move(field));
  error.set_reason(std::move(reason));
  errors.push_back(std::move(error));
}

void ImportReport::Print(bool dry_run, std::ostream& out) const {
  out << "created " << created << ", updated " << updated << ", unchanged "
      << unchanged << ", rejected " << rejected
      << (dry_run ? " (dry run: nothing written)" : "") << '\n';
  std::vector<v1::RowError> sorted = errors;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const v1::RowError& a, const v1::RowError& b) {
                     return a.row_number() < b.row_number();
                   });
  for (const v1::RowError& error : sorted) {
    out << "row " << error.row_number() << ": ";
    if (!error.field().empty()) out << error.field() << ": ";
    out << error.reason() << '\n';
  }
}

}  // namespace maillage::cli

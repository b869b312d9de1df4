// maillage fragilities import FILE.csv: TerritoryService.ImportFacts from a
// spreadsheet export.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "cli/errors.h"
#include "cli/import_report.h"
#include "cli/input.h"
#include "cli/names.h"
#include "importer/csv_reader.h"
#include "maillage/v1/territory.grpc.pb.h"

namespace maillage::cli {
namespace {

// Facts per ImportFacts call (the API takes up to 10,000).
constexpr int kChunkRows = 1000;

// Reads one CSV cell into a fact; returns "" or why the value is bad.
using CellReader = std::string (*)(std::string_view value,
                                   v1::TerritoryFact* fact);

struct FactColumn {
  std::string_view name;
  CellReader read;
};

// A number as spreadsheets write it: "28.5", "28,5" (decimal comma),
// "12 345" (spaces or no-break spaces between thousands), "-1.5e3".
std::optional<double> ParseDecimal(std::string_view text) {
  std::string s = absl::StrReplaceAll(
      AsAbsl(text), {{" ", ""}, {"\xC2\xA0", ""}, {"\xE2\x80\xAF", ""}});
  if (s.find(',') != std::string::npos) {
    if (s.find('.') != std::string::npos) return std::nullopt;
    std::replace(s.begin(), s.end(), ',', '.');
  }
  if (s.empty() ||
      s.find_first_not_of("0123456789+-.eE") != std::string::npos) {
    return std::nullopt;
  }
  char* end = nullptr;
  errno = 0;
  double value = std::strtod(s.c_str(), &end);
  if (*end != '\0' || errno == ERANGE || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::string Trimmed(std::string_view value) {
  return std::string(absl::StripAsciiWhitespace(AsAbsl(value)));
}

std::string ReadNumber(std::string_view value, double* out, bool* set) {
  std::string text = Trimmed(value);
  if (text.empty()) return "";
  std::optional<double> number = ParseDecimal(text);
  if (!number.has_value()) {
    return absl::StrCat("not a number: '", text, "'");
  }
  *out = *number;
  *set = true;
  return "";
}

// The cell readers, one per column of the file format.
const FactColumn kFactColumns[] = {
    {"id",
     [](std::string_view v, v1::TerritoryFact* f) {
       f->set_id(Trimmed(v));
       return std::string();
     }},
    {"territory",
     [](std::string_view v, v1::TerritoryFact* f) {
       std::string text = Trimmed(v);
       if (text.empty()) return std::string();
       absl::StatusOr<v1::TerritoryRef> ref = ParseTerritoryRef("", text);
       if (!ref.ok()) {
         return absl::StrCat(
             "expected LEVEL:CODE (e.g. departement:94, commune:94018), got '",
             text, "'");
       }
       *f->mutable_territory() = *ref;
       return std::string();
     }},
    {"territory_level",
     [](std::string_view v, v1::TerritoryFact* f) {
       std::string text = Trimmed(v);
       if (text.empty()) return std::string();
       absl::StatusOr<v1::TerritoryLevel> level = ParseTerritoryLevel("", text);
       if (!level.ok()) {
         return absl::StrCat(
             "unknown level '", text, "' (expected ",
             ShortEnumNames(*v1::TerritoryLevel_descriptor(), ", "), ")");
       }
       f->mutable_territory()->set_level(*level);
       return std::string();
     }},
    {"territory_code",
     [](std::string_view v, v1::TerritoryFact* f) {
       f->mutable_territory()->set_code(Trimmed(v));
       return std::string();
     }},
    {"type",
     [](std::string_view v, v1::TerritoryFact* f) {
       std::string text = absl::AsciiStrToLower(Trimmed(v));
       if (text.empty()) return std::string();  // fragility
       // French spreadsheets say it in French.
       if (text == "fragilité" || text == "fragilite") text = "fragility";
       if (text == "atout") text = "asset";
       const auto* value = FindEnumValue(*v1::FactType_descriptor(), text);
       if (value == nullptr) {
         return absl::StrCat("expected fragility or asset, got '", Trimmed(v),
                             "'");
       }
       f->set_type(static_cast<v1::FactType>(value->number()));
       return std::string();
     }},
    {"theme",
     [](std::string_view v, v1::TerritoryFact* f) {
       f->set_theme(Trimmed(v));
       return std::string();
     }},
    {"title",
     [](std::string_view v, v1::TerritoryFact* f) {
       f->set_title(Trimmed(v));
       return std::string();
     }},
    {"indicator",
     [](std::string_view v, v1::TerritoryFact* f) {
       f->set_indicator(Trimmed(v));
       return std::string();
     }},
    {"value",
     [](std::string_view v, v1::TerritoryFact* f) {
       double number = 0;
       bool set = false;
       std::string why = ReadNumber(v, &number, &set);
       if (set) f->set_value(number);
       return why;
     }},
    {"reference_value",
     [](std::string_view v, v1::TerritoryFact* f) {
       double number = 0;
       bool set = false;
       std::string why = ReadNumber(v, &number, &set);
       if (set) f->set_reference_value(number);
       return why;
     }},
    {"unit",
     [](std::string_view v, v1::TerritoryFact* f) {
       f->set_unit(Trimmed(v));
       return std::string();
     }},
    {"year",
     [](std::string_view v, v1::TerritoryFact* f) {
       std::string text = Trimmed(v);
       if (text.empty()) return std::string();
       char* end = nullptr;
       long year = std::strtol(text.c_str(), &end, 10);
       if (*end != '\0' || year < 0 || year > 9999) {
         return absl::StrCat("not a year: '", text, "'");
       }
       f->set_year(static_cast<int32_t>(year));
       return std::string();
     }},
    {"source",
     [](std::string_view v, v1::TerritoryFact* f) {
       f->set_source(Trimmed(v));
       return std::string();
     }},
    {"severity",
     [](std::string_view v, v1::TerritoryFact* f) {
       double number = 0;
       bool set = false;
       std::string why = ReadNumber(v, &number, &set);
       if (set) f->set_severity(number);
       return why;
     }},
    {"higher_is_better",
     [](std::string_view v, v1::TerritoryFact* f) {
       std::string text = absl::AsciiStrToLower(Trimmed(v));
       for (const char* yes : {"true", "1", "yes", "y", "oui", "vrai"}) {
         if (text == yes) {
           f->set_higher_is_better(true);
           return std::string();
         }
       }
       for (const char* no : {"", "false", "0", "no", "n", "non", "faux"}) {
         if (text == no) return std::string();
       }
       return absl::StrCat("expected true or false, got '", Trimmed(v), "'");
     }},
    {"description",
     [](std::string_view v, v1::TerritoryFact* f) {
       f->set_description(Trimmed(v));
       return std::string();
     }},
};

// "Reference value" / "REFERENCE-VALUE" -> "reference_value".
std::string NormalizeColumnName(std::string_view name) {
  std::string out = absl::AsciiStrToLower(Trimmed(name));
  std::replace(out.begin(), out.end(), ' ', '_');
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

const FactColumn* FindColumn(const std::string& name) {
  for (const FactColumn& column : kFactColumns) {
    if (column.name == name) return &column;
  }
  return nullptr;
}

// Sends the facts gathered so far, if any, and adds up the answer.
absl::Status SendChunk(Client& client, v1::ImportFactsRequest* chunk,
                       ImportReport* report) {
  if (chunk->facts_size() == 0) return absl::OkStatus();
  v1::ImportFactsResponse response;
  absl::Status status = client.Check(client.territories().ImportFacts(
      client.NewCall().get(), *chunk, &response));
  if (!status.ok()) {
    return Annotate(
        status,
        absl::StrCat("rows ", chunk->first_row_number(), " to ",
                     chunk->first_row_number() + chunk->facts_size() - 1));
  }
  report->created += response.created();
  report->updated += response.updated();
  report->unchanged += response.unchanged();
  report->rejected += response.rejected();
  for (const v1::RowError& error : response.errors()) {
    report->errors.push_back(error);
  }
  chunk->clear_facts();
  return absl::OkStatus();
}

absl::Status Import(Client& client, const ParsedArgs& args) {
  const std::string& path = args.positional()[0];
  bool dry_run = args.Has("dry-run");
  ASSIGN_OR_RETURN(std::unique_ptr<importer::CsvReader> csv,
                   OpenCsv(path, client.in()));

  std::vector<const FactColumn*> columns;
  std::vector<std::string> seen;
  for (const std::string& header : csv->header()) {
    std::string name = NormalizeColumnName(header);
    const FactColumn* column = FindColumn(name);
    if (column == nullptr) {
      client.err() << "maillage: " << path << ": ignoring unknown column '"
                   << header << "'\n";
    } else if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": column '", name, "' appears twice"));
    } else {
      seen.push_back(name);
    }
    columns.push_back(column);
  }
  auto has = [&](std::string_view name) {
    return std::find(seen.begin(), seen.end(), name) != seen.end();
  };
  if (!has("territory") && !(has("territory_level") && has("territory_code"))) {
    return absl::InvalidArgumentError(
        absl::StrCat(path,
                     ": no territory column: add 'territory' (LEVEL:CODE) or "
                     "'territory_level' and 'territory_code'"));
  }

  ImportReport report;
  v1::ImportFactsRequest chunk;
  chunk.set_dry_run(dry_run);
  // facts[i] of a chunk must be row first_row_number + i: a rejected or
  // blank row ends the chunk.
  int64_t next_row = -1;
  int64_t rows = 0;
  importer::CsvRecord record;
  while (csv->Next(&record)) {
    ++rows;
    if (record.row_number != next_row || chunk.facts_size() >= kChunkRows) {
      RETURN_IF_ERROR(SendChunk(client, &chunk, &report));
    }
    if (!record.ok()) {
      ++report.rejected;
      report.AddError(record.row_number, "", record.error);
      next_row = -1;
      continue;
    }
    v1::TerritoryFact fact;
    fact.set_type(v1::FACT_TYPE_FRAGILITY);
    bool rejected = false;
    for (size_t i = 0; i < record.fields.size() && i < columns.size(); ++i) {
      if (columns[i] == nullptr) continue;
      std::string why = columns[i]->read(record.fields[i], &fact);
      if (!why.empty()) {
        report.AddError(record.row_number, std::string(columns[i]->name),
                        std::move(why));
        rejected = true;
      }
    }
    if (rejected) {
      ++report.rejected;
      next_row = -1;
      continue;
    }
    if (chunk.facts_size() == 0) chunk.set_first_row_number(record.row_number);
    *chunk.add_facts() = std::move(fact);
    next_row = record.row_number + 1;
  }
  if (!csv->status().ok()) return csv->status();
  RETURN_IF_ERROR(SendChunk(client, &chunk, &report));

  report.Print(dry_run, client.out());
  if (report.rejected > 0) {
    return RejectedError(
        absl::StrCat(report.rejected, " of ", rows, " rows rejected"));
  }
  return absl::OkStatus();
}

}  // namespace

CommandGroup FragilitiesGroup() {
  CommandGroup group;
  group.name = "fragilities";
  group.summary = "territorial facts: fragilities and assets, in bulk.";
  Command import;
  import.name = "import";
  import.arguments = "FILE.csv|-";
  import.min_args = import.max_args = 1;
  import.summary = "Import fragilities and assets from CSV.";
  import.description =
      "Create or replace fragilities and assets from a CSV file (\"-\": "
      "standard input; .csv.gz read as is): UTF-8 or Windows-1252 (Latin-1), "
      "',' or ';' separated, a header line naming the columns in any case "
      "and order. Rows with an id replace the fact with that id. Good rows "
      "are written even when others are rejected (a malformed row, such as a "
      "quote never closed, costs that row only); every rejected row is "
      "listed as \"row N: field: reason\" (N: the line where the row starts, "
      "the header being row 1) and the exit code is 6.";
  import.flags = {{ "dry-run", "", "Check every row; write nothing." }};
  import.details =
      "Columns: id, territory (LEVEL:CODE) or territory_level and\n"
      "  territory_code, type (fragility or asset; default fragility), theme,\n"
      "  title, indicator, value, reference_value, unit, year, source,\n"
      "  severity (0 to 1; derived from value and reference_value when "
      "empty),\n"
      "  higher_is_better (true or false), description. Numbers may use a\n"
      "  decimal comma (28,5). Unknown columns are ignored, with a warning.\n"
      "Example: maillage fragilities import fragilites-94.csv --dry-run\n";
  import.run = Import;
  group.commands.push_back(std::move(import));
  return group;
}

}  // namespace maillage::cli

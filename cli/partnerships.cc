// maillage partnerships import|list: the partnership registry
// (LifecycleService), fed from a lab's spreadsheet or JSONL.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "cli/errors.h"
#include "cli/import_report.h"
#include "cli/input.h"
#include "cli/match_text.h"
#include "cli/names.h"
#include "cli/output.h"
#include "cli/paging.h"
#include "google/protobuf/util/time_util.h"
#include "maillage/v1/lifecycle.grpc.pb.h"

namespace maillage::cli {
namespace {

using google::protobuf::util::TimeUtil;

// Partnerships per ImportPartnerships call (the API takes up to 10,000).
constexpr int kChunkRows = 1000;

// "Coopération économique" -> "cooperation_economique": lower case, the
// accents of French words dropped, spaces, hyphens and apostrophes as '_'.
std::string FoldWord(std::string_view text) {
  std::string out = absl::StrReplaceAll(
      absl::AsciiStrToLower(absl::StripAsciiWhitespace(AsAbsl(text))),
      {{"é", "e"},
       {"è", "e"},
       {"ê", "e"},
       {"É", "e"},
       {"à", "a"},
       {"â", "a"},
       {"ô", "o"},
       {"î", "i"},
       {"û", "u"},
       {"ç", "c"},
       {" ", "_"},
       {"-", "_"},
       {"'", "_"}});
  return out;
}

// A category by short or full name, or by its French name ("mécénat",
// "pratiques responsables", "coopération économique", "innovation
// sociétale").
std::optional<v1::PartnershipCategory> FindCategory(std::string_view text) {
  std::string word = FoldWord(text);
  static constexpr std::pair<std::string_view, v1::PartnershipCategory>
      kFrench[] = {
          {"pratiques_responsables",
           v1::PARTNERSHIP_CATEGORY_RESPONSIBLE_PRACTICES},
          {"cooperation_economique",
           v1::PARTNERSHIP_CATEGORY_ECONOMIC_COOPERATION},
          {"innovation_societale",
           v1::PARTNERSHIP_CATEGORY_SOCIETAL_INNOVATION},
      };
  for (const auto& [name, category] : kFrench) {
    if (word == name) return category;
  }
  const auto* value =
      FindEnumValue(*v1::PartnershipCategory_descriptor(), word);
  if (value == nullptr) return std::nullopt;
  return static_cast<v1::PartnershipCategory>(value->number());
}

// "2024-03-01", "01/03/2024" (French order) or an RFC 3339 time.
std::optional<google::protobuf::Timestamp> ParseWhen(std::string_view text) {
  std::string s(absl::StripAsciiWhitespace(AsAbsl(text)));
  absl::Time time;
  std::string error;
  for (const char* format : {"%Y-%m-%d", "%d/%m/%Y"}) {
    if (absl::ParseTime(format, s, absl::UTCTimeZone(), &time, &error)) {
      return TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(time));
    }
  }
  google::protobuf::Timestamp timestamp;
  if (TimeUtil::FromString(s, &timestamp)) return timestamp;
  return std::nullopt;
}

// The CSV columns: what each holds, read into a Partnership; returns "" or
// why the value is bad.
using CellReader = std::string (*)(std::string_view value, v1::Partnership*);

struct PartnershipColumn {
  std::string_view name;
  std::vector<std::string_view> aliases;
  CellReader read;
};

std::string Trimmed(std::string_view value) {
  return std::string(absl::StripAsciiWhitespace(AsAbsl(value)));
}

std::string ReadTime(std::string_view value, google::protobuf::Timestamp* out,
                     bool* set) {
  std::string text = Trimmed(value);
  if (text.empty()) return "";
  std::optional<google::protobuf::Timestamp> when = ParseWhen(text);
  if (!when.has_value()) {
    return absl::StrCat("expected a date YYYY-MM-DD (or DD/MM/YYYY), got '",
                        text, "'");
  }
  *out = *when;
  *set = true;
  return "";
}

const std::vector<PartnershipColumn>& Columns() {
  static const auto* const columns = new std::vector<PartnershipColumn>{
      {"id",
       {},
       [](std::string_view v, v1::Partnership* p) {
         p->set_id(Trimmed(v));
         return std::string();
       }},
      {"participants",
       {"actors"},
       [](std::string_view v, v1::Partnership* p) {
         for (absl::string_view id : absl::StrSplit(AsAbsl(v), '|')) {
           id = absl::StripAsciiWhitespace(id);
           if (!id.empty()) p->add_participants(std::string(id));
         }
         return std::string();
       }},
      {"category",
       {},
       [](std::string_view v, v1::Partnership* p) {
         std::string text = Trimmed(v);
         if (text.empty()) return std::string();
         std::optional<v1::PartnershipCategory> category = FindCategory(text);
         if (!category.has_value()) {
           return absl::StrCat(
               "unknown category '", text, "' (expected ",
               ShortEnumNames(*v1::PartnershipCategory_descriptor(), ", "),
               ")");
         }
         p->set_category(*category);
         return std::string();
       }},
      {"modality",
       {},
       [](std::string_view v, v1::Partnership* p) {
         std::string text = Trimmed(v);
         if (text.empty()) return std::string();
         const auto* value = FindEnumValue(
             *v1::PartnershipModality_descriptor(), FoldWord(text));
         if (value == nullptr) {
           return absl::StrCat(
               "unknown modality '", text, "' (expected ",
               ShortEnumNames(*v1::PartnershipModality_descriptor(), ", "),
               ")");
         }
         p->set_modality(static_cast<v1::PartnershipModality>(value->number()));
         return std::string();
       }},
      {"start",
       {"start_date", "start_time"},
       [](std::string_view v, v1::Partnership* p) {
         google::protobuf::Timestamp time;
         bool set = false;
         std::string why = ReadTime(v, &time, &set);
         if (set) *p->mutable_start_time() = time;
         return why;
       }},
      {"end",
       {"end_date", "end_time"},
       [](std::string_view v, v1::Partnership* p) {
         google::protobuf::Timestamp time;
         bool set = false;
         std::string why = ReadTime(v, &time, &set);
         if (set) *p->mutable_end_time() = time;
         return why;
       }},
      {"territory",
       {},
       [](std::string_view v, v1::Partnership* p) {
         std::string text = Trimmed(v);
         if (text.empty()) return std::string();
         absl::StatusOr<v1::TerritoryRef> ref = ParseTerritoryRef("", text);
         if (!ref.ok()) {
           return absl::StrCat(
               "expected LEVEL:CODE (e.g. departement:94, commune:94018), got "
               "'",
               text, "'");
         }
         *p->mutable_territory() = *ref;
         return std::string();
       }},
      {"theme",
       {},
       [](std::string_view v, v1::Partnership* p) {
         p->set_theme(Trimmed(v));
         return std::string();
       }},
      {"description",
       {},
       [](std::string_view v, v1::Partnership* p) {
         p->set_description(Trimmed(v));
         return std::string();
       }},
      {"source",
       {},
       [](std::string_view v, v1::Partnership* p) {
         p->set_source(Trimmed(v));
         return std::string();
       }},
  };
  return *columns;
}

// The partnerships of one ImportPartnerships call and the file row of each.
struct Chunk {
  v1::ImportPartnershipsRequest request;
  std::vector<int64_t> rows;
};

// Sends the chunk, if not empty, and adds up the answer, its row numbers
// translated back to the file's.
absl::Status SendChunk(Client& client, Chunk* chunk, ImportReport* report) {
  if (chunk->rows.empty()) return absl::OkStatus();
  chunk->request.set_first_row_number(chunk->rows.front());
  v1::ImportPartnershipsResponse response;
  absl::Status status = client.Check(client.lifecycle().ImportPartnerships(
      client.NewCall().get(), chunk->request, &response));
  if (!status.ok()) {
    return Annotate(status, absl::StrCat("rows ", chunk->rows.front(), " to ",
                                         chunk->rows.back()));
  }
  report->Add(response.counts());
  for (const v1::RowError& error : response.errors()) {
    int64_t index = error.row_number() - chunk->request.first_row_number();
    int64_t row = index >= 0 && index < static_cast<int64_t>(chunk->rows.size())
                      ? chunk->rows[index]
                      : error.row_number();
    report->AddError(row, error.field(), error.reason());
  }
  chunk->request.clear_partnerships();
  chunk->rows.clear();
  return absl::OkStatus();
}

// Adds a partnership read from row `row` of the file, sending the chunk
// when full.
absl::Status Add(Client& client, int64_t row, v1::Partnership partnership,
                 Chunk* chunk, ImportReport* report) {
  *chunk->request.add_partnerships() = std::move(partnership);
  chunk->rows.push_back(row);
  if (static_cast<int>(chunk->rows.size()) >= kChunkRows) {
    return SendChunk(client, chunk, report);
  }
  return absl::OkStatus();
}

// Reads the CSV rows into chunks; returns the number of rows.
absl::StatusOr<int64_t> ImportCsv(Client& client, const std::string& path,
                                  Chunk* chunk, ImportReport* report) {
  ASSIGN_OR_RETURN(std::unique_ptr<importer::CsvReader> csv,
                   OpenCsv(path, client.in()));
  std::vector<int> columns;  // per known column: its index in the file
  for (const PartnershipColumn& column : Columns()) {
    int index = csv->Column(column.name);
    for (std::string_view alias : column.aliases) {
      if (index < 0) index = csv->Column(alias);
    }
    columns.push_back(index);
  }
  for (size_t i = 0; i < csv->header().size(); ++i) {
    if (std::find(columns.begin(), columns.end(), static_cast<int>(i)) ==
        columns.end()) {
      client.err() << "maillage: " << path << ": ignoring unknown column '"
                   << csv->header()[i] << "'\n";
    }
  }
  if (columns[0] < 0 || columns[1] < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        path,
        ": the columns id and participants are required (the header "
        "has: ",
        absl::StrJoin(csv->header(), ", "), ")"));
  }
  int64_t rows = 0;
  importer::CsvRecord record;
  while (csv->Next(&record)) {
    ++rows;
    if (!record.ok()) {
      ++report->rejected;
      report->AddError(record.row_number, "", record.error);
      continue;
    }
    v1::Partnership partnership;
    bool rejected = false;
    for (size_t c = 0; c < Columns().size(); ++c) {
      if (columns[c] < 0) continue;
      std::string why =
          Columns()[c].read(record.field(columns[c]), &partnership);
      if (!why.empty()) {
        report->AddError(record.row_number, std::string(Columns()[c].name),
                         std::move(why));
        rejected = true;
      }
    }
    if (rejected) {
      ++report->rejected;
      continue;
    }
    RETURN_IF_ERROR(
        Add(client, record.row_number, std::move(partnership), chunk, report));
  }
  if (!csv->status().ok()) return csv->status();
  return rows;
}

// Reads JSON Lines, one Partnership per line (enum values by short name
// allowed), into chunks; returns the number of rows.
absl::StatusOr<int64_t> ImportJsonl(Client& client, const std::string& path,
                                    Chunk* chunk, ImportReport* report) {
  ASSIGN_OR_RETURN(std::unique_ptr<importer::LineReader> lines,
                   OpenLines(path, client.in()));
  int64_t rows = 0;
  importer::TextLine line;
  while (lines->Next(&line)) {
    ++rows;
    if (!line.ok()) {
      ++report->rejected;
      report->AddError(line.row_number, "", line.error);
      continue;
    }
    absl::StatusOr<std::vector<JsonRecord<v1::Partnership>>> records =
        ParseJsonRecords<v1::Partnership>(line.text);
    if (!records.ok() || records->size() != 1) {
      ++report->rejected;
      report->AddError(line.row_number, "",
                       records.ok() ? "expected one JSON object on the line"
                                    : std::string(records.status().message()));
      continue;
    }
    RETURN_IF_ERROR(Add(client, line.row_number,
                        std::move(records->front().message), chunk, report));
  }
  if (!lines->status().ok()) return lines->status();
  return rows;
}

absl::Status Import(Client& client, const ParsedArgs& args) {
  const std::string& path = args.positional()[0];
  bool dry_run = args.Has("dry-run");
  std::string format = args.ValueOr("format", "");
  if (format.empty()) {
    std::string lower = absl::AsciiStrToLower(path);
    if (absl::StrContains(lower, ".jsonl") ||
        absl::StrContains(lower, ".ndjson")) {
      format = "jsonl";
    } else if (absl::StrContains(lower, ".csv")) {
      format = "csv";
    } else {
      return UsageError(
          absl::StrCat("cannot tell the format of '", path,
                       "' from its name: add --format csv or --format jsonl"));
    }
  }
  if (format != "csv" && format != "jsonl") {
    return UsageError(
        absl::StrCat("--format: expected csv or jsonl, got '", format, "'"));
  }
  ImportReport report;
  Chunk chunk;
  chunk.request.set_dry_run(dry_run);
  absl::StatusOr<int64_t> rows =
      format == "csv" ? ImportCsv(client, path, &chunk, &report)
                      : ImportJsonl(client, path, &chunk, &report);
  RETURN_IF_ERROR(rows.status());
  RETURN_IF_ERROR(SendChunk(client, &chunk, &report));
  report.Print(dry_run, client.out());
  if (report.rejected > 0) {
    return RejectedError(
        absl::StrCat(report.rejected, " of ", *rows, " rows rejected"));
  }
  return absl::OkStatus();
}

absl::Status List(Client& client, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(OutputFormat format,
                   GetOutputFormat(args, OutputFormat::kTable));
  ASSIGN_OR_RETURN(Paging paging, GetPaging(args));
  v1::ListPartnershipsRequest request;
  request.set_actor_id(args.ValueOr("actor", ""));
  if (auto territory = args.Value("territory")) {
    ASSIGN_OR_RETURN(
        *request.mutable_territory(),
        AsUsageError(ParseTerritoryRef("--territory", *territory)));
  }
  request.set_active_only(args.Has("active"));
  Table table({"ID", "CATEGORY", "PARTICIPANTS", "START", "END", "ACTIVE",
               "TERRITORY", "THEME"});
  ASSIGN_OR_RETURN(
      std::string next,
      FetchPages<v1::ListPartnershipsResponse>(
          paging,
          [&](int32_t size, const std::string& token,
              v1::ListPartnershipsResponse* response) {
            request.set_page_size(size);
            request.set_page_token(token);
            return client.Check(client.lifecycle().ListPartnerships(
                client.NewCall().get(), request, response));
          },
          [&](const v1::ListPartnershipsResponse& response) {
            for (const v1::Partnership& p : response.partnerships()) {
              if (format == OutputFormat::kJson) {
                client.out() << JsonLine(p) << '\n';
                continue;
              }
              table.AddRow({p.id(), FormatCategory(p.category(), p.modality()),
                            absl::StrJoin(p.participants(), " + "),
                            FormatDate(p.start_time()),
                            FormatDate(p.end_time()), p.active() ? "yes" : "no",
                            FormatTerritoryRef(p.territory()), p.theme()});
            }
          }));
  if (format == OutputFormat::kTable) {
    if (table.empty()) {
      client.err() << "maillage: no partnerships match\n";
    } else {
      table.Print(client.out());
    }
  }
  NoteMorePages(client, next);
  return absl::OkStatus();
}

}  // namespace

CommandGroup PartnershipsGroup() {
  CommandGroup group;
  group.name = "partnerships";
  group.summary =
      "the registry of partnerships between organisations "
      "(LifecycleService).";

  Command import;
  import.name = "import";
  import.arguments = "FILE|-";
  import.min_args = import.max_args = 1;
  import.summary = "Import existing partnerships from CSV or JSONL.";
  import.description =
      "Create or replace partnerships (by id) from a CSV file (a header "
      "naming the columns, ',' or ';' separated, UTF-8 or Windows-1252) or "
      "JSONL (one Partnership per line in protobuf's JSON mapping; enum "
      "values may be short). Sent in chunks of 1,000 rows. Good rows are "
      "written even when others are rejected; every rejected row is listed "
      "as \"row N: field: reason\" (N: the line where the row starts, the "
      "header being row 1) and the exit code is 6.";
  import.flags = {
      {"format", "csv|jsonl",
       "The file's format (default: from its name; required for \"-\")."},
      { "dry-run",
        "",
        "Check every row; write nothing." }};
  import.details =
      "CSV columns: id, participants (actor ids separated by '|', two or\n"
      "  three), category (mecenat, responsible_practices,\n"
      "  economic_cooperation, societal_innovation, or in French:\n"
      "  mécénat...), modality (financial, in_kind, skills, ...), start and\n"
      "  end (YYYY-MM-DD or DD/MM/YYYY; no end: ongoing), territory\n"
      "  (LEVEL:CODE), theme, description, source.\n"
      "Example: maillage partnerships import partenariats-2024.csv "
      "--dry-run\n";
  import.run = Import;
  group.commands.push_back(std::move(import));

  Command list;
  list.name = "list";
  list.summary = "List partnerships, filtered.";
  list.flags = {
      {"actor", "ID", "Only partnerships this actor takes part in."},
      {"territory", "LEVEL:CODE", "Only partnerships touching this territory."},
      {"active", "", "Only active ones (started, not ended)."},
  };
  for (FlagSpec& flag : PagingFlags()) list.flags.push_back(std::move(flag));
  list.flags.push_back(OutputFlag(OutputFormat::kTable, true));
  list.details =
      "Example: maillage partnerships list --territory departement:94 "
      "--active --all\n";
  list.run = List;
  group.commands.push_back(std::move(list));
  return group;
}

}  // namespace maillage::cli

// maillage import FILE and maillage export: actor directories in bulk,
// through the importer library (SIRENE, RNA, JSONL, lab spreadsheets) and
// ActorService.ImportActors / ExportActors.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "base/install_dirs.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "cli/actor_filters.h"
#include "cli/commands.h"
#include "cli/errors.h"
#include "cli/names.h"
#include "cli/output.h"
#include "cli/progress.h"
#include "google/protobuf/unknown_field_set.h"
#include "importer/csv_reader.h"
#include "importer/directory_reader.h"
#include "importer/mappings.h"
#include "importer/text_encoding.h"
#include "maillage/v1/actor.grpc.pb.h"
#include "protojson/writer.h"
#include "territory/geography.h"

#ifndef MAILLAGE_REFERENCE_DIR
#define MAILLAGE_REFERENCE_DIR "reference"
#endif

namespace maillage::cli {
namespace {

using importer::Format;

// Rejected rows listed after the summary; the rest go to --rejects only.
constexpr size_t kShownErrors = 20;
// A batch is also sent once its actors reach this many bytes, well under the
// server's default receive limit (16 MiB, --max_receive_message_bytes), so
// that a batch of large actors is not refused whole.
constexpr size_t kBatchBytesMax = 8 << 20;

// --- export ----------------------------------------------------------------

// The CSV columns of `export --format csv`, named like the importer's csv
// fields so that `import --format csv` maps them without --map (but status
// and source, which it does not read).
const std::vector<std::string>& ExportColumns() {
  static const auto* const columns = new std::vector<std::string>{
      "id",
      "kind",
      "subtype",
      "name",
      "home_commune",
      "themes",
      "needs",
      "offers",
      "legal_ids.siret",
      "legal_ids.siren",
      "legal_ids.rna",
      "naf_code",
      "association_purpose_codes",
      "size_band",
      "capacity",
      "website",
      "location.latitude",
      "location.longitude",
      "status",
      "source",
      "description",
  };
  return *columns;
}

// "funding:youth|skills".
std::string Exchanges(
    const google::protobuf::RepeatedPtrField<v1::Exchange>& exchanges) {
  std::vector<std::string> items;
  for (const v1::Exchange& e : exchanges) {
    items.push_back(e.theme().empty()
                        ? e.resource()
                        : absl::StrCat(e.resource(), ":", e.theme()));
  }
  return absl::StrJoin(items, "|");
}

std::string CsvActor(const v1::Actor& a) {
  return CsvRecordLine({
      a.id(),
      ShortEnumName(a.kind()),
      ShortEnumName(a.subtype()),
      a.name(),
      a.home_commune(),
      absl::StrJoin(a.themes(), "|"),
      Exchanges(a.needs()),
      Exchanges(a.offers()),
      a.legal_ids().siret(),
      a.legal_ids().siren(),
      a.legal_ids().rna(),
      a.naf_code(),
      absl::StrJoin(a.association_purpose_codes(), "|"),
      ShortEnumName(a.size_band()),
      a.has_capacity() ? std::to_string(a.capacity()) : "",
      a.website(),
      a.has_location() ? absl::StrFormat("%.7f", a.location().latitude()) : "",
      a.has_location() ? absl::StrFormat("%.7f", a.location().longitude()) : "",
      ShortEnumName(a.status()),
      a.source(),
      a.description(),
  });
}

// The schema of Actor for protojson's writer, built once.
const protojson::Schema& ActorSchema() {
  static const auto* const schema =
      new std::shared_ptr<const protojson::Schema>(
          *protojson::Schema::For(v1::Actor::descriptor()));
  return **schema;
}

// Appends the actors of `chunk` to *out in `format`: JSONL (the bytes of
// protobuf's JSON with proto field names, as JsonLine prints, through the
// fast writer) or CSV.
absl::Status AppendActors(const v1::ExportActorsResponse& chunk,
                          const std::string& format, std::string* out) {
  for (const v1::Actor& actor : chunk.actors()) {
    if (format == "csv") {
      out->append(CsvActor(actor));
      continue;
    }
    absl::Status printed = protojson::AppendJson(
        ActorSchema(), actor, {/*proto_field_names=*/true}, out);
    if (!printed.ok()) {
      return Annotate(printed, absl::StrCat("cannot print ", actor.id()));
    }
    out->push_back('\n');
  }
  return absl::OkStatus();
}

absl::Status Export(Client& client, const ParsedArgs& args) {
  std::string path = args.ValueOr("out", "");
  std::string format = args.ValueOr("format", "");
  if (format.empty()) {
    format = absl::EndsWithIgnoreCase(path, ".csv") ? "csv" : "jsonl";
  }
  if (format != "jsonl" && format != "csv") {
    return UsageError(
        absl::StrCat("--format: expected jsonl or csv, got '", format, "'"));
  }
  v1::ExportActorsRequest request;
  RETURN_IF_ERROR(SetActorFilters(args, &request));
  request.set_view(args.Has("full") ? v1::ACTOR_VIEW_FULL
                                    : v1::ACTOR_VIEW_BASIC);

  // To FILE through FILE.part, renamed when complete.
  std::ofstream file;
  std::string part = path + ".part";
  if (!path.empty()) {
    file.open(part, std::ios::binary | std::ios::trunc);
    if (!file) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot write ", part, ": ", std::strerror(errno)));
    }
  }
  std::ostream& out = path.empty() ? client.out() : file;
  if (format == "csv") out << CsvRecordLine(ExportColumns());

  std::unique_ptr<grpc::ClientContext> context = client.NewStream();
  std::unique_ptr<grpc::ClientReader<v1::ExportActorsResponse>> stream =
      client.actors().ExportActors(context.get(), request);
  v1::ExportActorsResponse chunk;
  int64_t count = 0;
  bool output_failed = false;
  absl::Status print_status;
  std::string text;
  while (!output_failed && stream->Read(&chunk)) {
    text.clear();
    print_status = AppendActors(chunk, format, &text);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    count += chunk.actors_size();
    if (!out || !print_status.ok()) {
      output_failed = true;
      context->TryCancel();
    }
  }
  grpc::Status status = stream->Finish();
  if (!print_status.ok()) {
    if (!path.empty()) {
      file.close();
      std::filesystem::remove(part);
    }
    return print_status;
  }
  if (!path.empty()) {
    file.close();
    if (output_failed || !file) {
      std::filesystem::remove(part);
      return absl::UnavailableError(absl::StrCat("cannot write ", part));
    }
    absl::Status result = client.Check(status);
    if (!result.ok()) {
      std::filesystem::remove(part);
      return result;
    }
    std::error_code ec;
    std::filesystem::rename(part, path, ec);
    if (ec) {
      return absl::UnavailableError(absl::StrCat("cannot rename ", part, " to ",
                                                 path, ": ", ec.message()));
    }
  } else {
    if (output_failed) return absl::OkStatus();  // main reports it
    RETURN_IF_ERROR(client.Check(status));
  }
  client.err() << "maillage: exported " << FormatCount(count)
               << (count == 1 ? " actor" : " actors")
               << (path.empty() ? "" : absl::StrCat(" to ", path)) << "\n";
  return absl::OkStatus();
}

// --- import: options ---------------------------------------------------------

// The reference folder: --reference-dir, $MAILLAGE_REFERENCE_DIR, the one
// installed beside the CLI (base/install_dirs.h), or the source tree's (a
// build tree run).
std::string ReferenceDir(const ParsedArgs& args) {
  if (auto dir = args.Value("reference-dir")) return *dir;
  if (const char* env = std::getenv("MAILLAGE_REFERENCE_DIR");
      env != nullptr && *env != '\0') {
    return env;
  }
  std::string installed = base::InstalledReferenceDir("mappings");
  return installed.empty() ? MAILLAGE_REFERENCE_DIR : installed;
}

// The format of `path` from its name (.jsonl) or its header (SIRENE and RNA
// columns); a lab spreadsheet otherwise.
absl::StatusOr<Format> DetectFormat(const std::string& path) {
  std::string name = absl::AsciiStrToLower(path);
  if (absl::EndsWith(name, ".gz")) name.resize(name.size() - 3);
  for (const char* suffix : {".jsonl", ".ndjson", ".json"}) {
    if (absl::EndsWith(name, suffix)) return Format::kJsonl;
  }
  absl::StatusOr<std::unique_ptr<importer::CsvReader>> csv =
      importer::CsvReader::Open(path);
  if (!csv.ok()) return absl::InvalidArgumentError(csv.status().message());
  const importer::CsvReader& header = **csv;
  if (header.Column("siret") >= 0 &&
      (header.Column("etatAdministratifEtablissement") >= 0 ||
       header.Column("codeCommuneEtablissement") >= 0)) {
    return Format::kSirene;
  }
  if (header.Column("id") >= 0 &&
      (header.Column("titre") >= 0 || header.Column("objet_social1") >= 0 ||
       header.Column("date_disso") >= 0)) {
    return Format::kRna;
  }
  return Format::kCsv;
}

// Without --map, the columns of a lab spreadsheet named like a field of
// `export --format csv` map to it.
absl::StatusOr<std::vector<importer::ColumnMapping>> DefaultMapping(
    const std::string& path) {
  absl::StatusOr<std::unique_ptr<importer::CsvReader>> csv =
      importer::CsvReader::Open(path);
  if (!csv.ok()) return absl::InvalidArgumentError(csv.status().message());
  std::vector<importer::ColumnMapping> mapping;
  for (const std::string& field : ExportColumns()) {
    if (field == "status" || field == "source") continue;
    int column = (*csv)->Column(field);
    if (column >= 0) mapping.push_back({(*csv)->header()[column], field});
  }
  if (mapping.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path,
        ": no column is named like an actor field; map them with --map "
        "column=field (the header has: ",
        absl::StrJoin((*csv)->header(), ", "), ")"));
  }
  return mapping;
}

// --- import: the stream ------------------------------------------------------

// A rejected row as reported: by the server or while reading the file.
struct Rejection {
  int64_t row = 0;
  std::string field;
  std::string reason;
};

// --rejects FILE: CSV of row, field, reason, raw; written by both threads.
class RejectsFile {
 public:
  absl::Status Open(const std::string& path) {
    path_ = path;
    file_.open(path, std::ios::binary | std::ios::trunc);
    if (!file_) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--rejects: cannot write ", path, ": ", std::strerror(errno)));
    }
    file_ << CsvRecordLine({"row", "field", "reason", "raw"});
    return absl::OkStatus();
  }
  void Add(const Rejection& r, const std::string& raw) {
    if (!file_.is_open()) return;
    std::lock_guard lock(mu_);
    file_ << CsvRecordLine({std::to_string(r.row), r.field, r.reason, raw});
  }
  absl::Status Close() {
    if (!file_.is_open()) return absl::OkStatus();
    file_.close();
    if (!file_)
      return absl::UnavailableError(absl::StrCat("cannot write ", path_));
    return absl::OkStatus();
  }

 private:
  std::mutex mu_;
  std::string path_;
  std::ofstream file_;
};

// What the answer of a batch needs to be read: the file row (and, with
// --rejects, the raw text) of each actor sent.
struct SentBatch {
  int64_t first_row_number = 0;
  std::vector<int64_t> rows;
  std::vector<std::string> raw;
};

// The state shared by the thread that writes batches and the one that reads
// the answers.
struct ImportState {
  std::mutex mu;
  std::map<int64_t, SentBatch> in_flight;  // by batch index
  v1::ImportCounts counts;                 // sums of the batch answers
  int64_t acknowledged = 0;                // batches answered
  std::optional<v1::ImportActorsResponse> summary;
  std::vector<Rejection> server_errors;  // the first kShownErrors
  // Rows the server imported with a change of its own (an objection kept):
  // the first kShownErrors of its notes.
  std::vector<Rejection> server_notes;
  std::string protocol_error;  // an answer that makes no sense
};

// Reads the answers of the stream until it ends.
void ReadAnswers(grpc::ClientReaderWriter<v1::ImportActorsRequest,
                                          v1::ImportActorsResponse>* stream,
                 ImportState* state, RejectsFile* rejects) {
  v1::ImportActorsResponse answer;
  while (stream->Read(&answer)) {
    if (answer.done()) {
      std::lock_guard lock(state->mu);
      state->summary = answer;
      continue;
    }
    SentBatch batch;
    {
      std::lock_guard lock(state->mu);
      auto it = state->in_flight.find(answer.batch_index());
      if (it == state->in_flight.end()) {
        state->protocol_error =
            absl::StrCat("an answer for batch ", answer.batch_index(),
                         ", which was not sent or was answered already");
        continue;
      }
      batch = std::move(it->second);
      state->in_flight.erase(it);
      ++state->acknowledged;
      const v1::ImportCounts& c = answer.counts();
      state->counts.set_created(state->counts.created() + c.created());
      state->counts.set_updated(state->counts.updated() + c.updated());
      state->counts.set_unchanged(state->counts.unchanged() + c.unchanged());
      state->counts.set_rejected(state->counts.rejected() + c.rejected());
      state->counts.set_kept_opted_out(state->counts.kept_opted_out() +
                                       c.kept_opted_out());
      for (const v1::RowNote& note : answer.notes()) {
        if (state->server_notes.size() == kShownErrors) break;
        int64_t index = note.row_number() - batch.first_row_number;
        bool known =
            index >= 0 && index < static_cast<int64_t>(batch.rows.size());
        state->server_notes.push_back(
            {known ? batch.rows[index] : note.row_number(), note.field(),
             note.note()});
      }
    }
    for (const v1::RowError& error : answer.errors()) {
      int64_t index = error.row_number() - batch.first_row_number;
      bool known =
          index >= 0 && index < static_cast<int64_t>(batch.rows.size());
      Rejection r{known ? batch.rows[index] : error.row_number(), error.field(),
                  error.reason()};
      rejects->Add(r, known && index < static_cast<int64_t>(batch.raw.size())
                          ? batch.raw[index]
                          : std::string());
      std::lock_guard lock(state->mu);
      if (state->server_errors.size() < kShownErrors) {
        state->server_errors.push_back(std::move(r));
      }
    }
  }
}

std::string SeparatorName(char separator) {
  switch (separator) {
    case '\t':
      return "tab";
    case 0:
      return "";
    default:
      return absl::StrCat("'", std::string(1, separator), "'");
  }
}

// The summary: one "label  count" line each, counts aligned.
void PrintSummary(const std::vector<std::pair<std::string, std::string>>& lines,
                  std::ostream& out) {
  size_t label_width = 0, value_width = 0;
  for (const auto& [label, value] : lines) {
    label_width = std::max(label_width, DisplayWidth(label));
    size_t digits = value.find(' ');
    value_width = std::max(value_width,
                           digits == std::string::npos ? value.size() : digits);
  }
  for (const auto& [label, value] : lines) {
    size_t digits = value.find(' ');
    if (digits == std::string::npos) digits = value.size();
    out << label << std::string(label_width - DisplayWidth(label) + 2, ' ')
        << std::string(value_width - digits, ' ') << value << "\n";
  }
}

// What `import` is asked to do, from its arguments.
struct ImportPlan {
  // The file as given ("-": standard input).
  std::string given;
  importer::DirectoryOptions options;
  // The format was detected rather than given.
  bool detected = false;
  int64_t batch_size = 2000;
  v1::ImportMode mode = v1::IMPORT_MODE_MERGE;
  bool dry_run = false;
};

// The plan, its flags checked before anything is read; the format detected
// and the default column mapping made when needed.
absl::StatusOr<ImportPlan> PlanImport(const ParsedArgs& args) {
  ImportPlan plan;
  plan.given = args.positional()[0];
  importer::DirectoryOptions& options = plan.options;
  options.path = plan.given == "-" ? "/dev/stdin" : plan.given;
  if (auto name = args.Value("format")) {
    std::optional<Format> format = importer::ParseFormat(*name);
    if (!format.has_value()) {
      return UsageError(absl::StrCat(
          "--format: expected sirene, rna, jsonl or csv, got '", *name, "'"));
    }
    options.format = *format;
  } else if (plan.given == "-") {
    return UsageError("reading standard input needs --format");
  } else {
    plan.detected = true;
  }
  ASSIGN_OR_RETURN(plan.batch_size, args.IntValue("batch", 2000, 1, 10000));
  if (auto name = args.Value("mode")) {
    if (*name == "replace") {
      plan.mode = v1::IMPORT_MODE_REPLACE;
    } else if (*name != "merge") {
      return UsageError(
          absl::StrCat("--mode: expected merge or replace, got '", *name, "'"));
    }
  }
  for (const std::string& text : args.Values("map")) {
    ASSIGN_OR_RETURN(importer::ColumnMapping mapping,
                     AsUsageError(importer::ParseColumnMapping(text)));
    options.columns.push_back(std::move(mapping));
  }
  options.source = args.ValueOr("source", options.source);
  if (auto kind = args.Value("default-kind")) {
    ASSIGN_OR_RETURN(
        options.default_kind,
        AsUsageError(ParseEnum<v1::ActorKind>("--default-kind", *kind)));
  }
  if (auto encoding = args.Value("encoding")) {
    std::string name = absl::AsciiStrToLower(*encoding);
    if (name == "utf-8" || name == "utf8") {
      options.csv.encoding = importer::Encoding::kUtf8;
    } else if (name == "windows-1252" || name == "latin-1" ||
               name == "latin1" || name == "cp1252") {
      options.csv.encoding = importer::Encoding::kWindows1252;
    } else {
      return UsageError(absl::StrCat(
          "--encoding: expected utf-8 or windows-1252 (latin-1), got '",
          *encoding, "'"));
    }
  }
  if (auto separator = args.Value("separator")) {
    if (*separator == "tab" || *separator == "\\t") {
      options.csv.separator = '\t';
    } else if (*separator == "," || *separator == ";") {
      options.csv.separator = (*separator)[0];
    } else {
      return UsageError(absl::StrCat(
          "--separator: expected ',', ';' or tab, got '", *separator, "'"));
    }
  }
  plan.dry_run = args.Has("dry-run");
  int cores =
      static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  ASSIGN_OR_RETURN(options.parse_threads,
                   args.IntValue("threads", cores, 1, 64));
  options.encode_actors = true;

  if (plan.detected) {
    ASSIGN_OR_RETURN(options.format, DetectFormat(options.path));
  }
  if (args.Has("legal-units") && options.format != Format::kSirene) {
    return UsageError("--legal-units goes with --format sirene");
  }
  if (!options.columns.empty() && options.format != Format::kCsv) {
    return UsageError("--map goes with --format csv");
  }
  options.legal_units_path = args.ValueOr("legal-units", "");
  if (options.format == Format::kCsv && options.columns.empty()) {
    if (plan.given == "-") {
      return UsageError(
          "reading a spreadsheet from standard input needs --map");
    }
    ASSIGN_OR_RETURN(options.columns, DefaultMapping(options.path));
  }
  return plan;
}

// The rules and the geography every format but JSONL needs.
struct ReferenceData {
  std::unique_ptr<importer::Mappings> mappings;
  std::unique_ptr<territory::Geography> geography;
};

absl::StatusOr<ReferenceData> LoadReference(const std::string& dir) {
  ReferenceData data;
  absl::Status status;
  absl::StatusOr<std::unique_ptr<importer::Mappings>> mappings =
      importer::Mappings::Load(dir);
  if (mappings.ok()) {
    data.mappings = std::move(*mappings);
    absl::StatusOr<std::unique_ptr<territory::Geography>> geography =
        territory::Geography::Load(dir + "/geo");
    if (geography.ok()) {
      data.geography = std::move(*geography);
    } else {
      status = geography.status();
    }
  } else {
    status = mappings.status();
  }
  if (!status.ok()) {
    return absl::UnavailableError(absl::StrCat(
        "cannot load the reference data from ", dir, ": ", status.message(),
        " (set --reference-dir or MAILLAGE_REFERENCE_DIR)"));
  }
  return data;
}

// What an import went through, for the summary.
struct ImportOutcome {
  const importer::Counters* counters = nullptr;  // rows read
  v1::ImportCounts counts;                       // the server's answers
  double seconds = 0;
  // The first rejected rows, by the reader and by the server.
  std::vector<Rejection> file_errors;
  std::vector<Rejection> server_errors;
  // The first rows the server imported with a change of its own.
  std::vector<Rejection> server_notes;
};

// The summary: rows read, created, updated, unchanged, rejected, skipped by
// reason; then the first rejected rows.
void PrintImportSummary(const ImportPlan& plan, const ImportOutcome& outcome,
                        bool rejects_file, std::ostream& out) {
  const importer::Counters& counters = *outcome.counters;
  std::vector<std::string> details;
  if (counters.encoding != importer::Encoding::kAuto) {
    details.emplace_back(importer::EncodingName(counters.encoding));
  }
  if (counters.separator != 0) {
    details.push_back(
        absl::StrCat("separator ", SeparatorName(counters.separator)));
  }
  details.push_back(absl::StrFormat("%.1f s", outcome.seconds));
  if (outcome.seconds > 0) {
    details.push_back(absl::StrCat(
        FormatCount(static_cast<int64_t>(counters.rows / outcome.seconds)),
        " rows/s"));
  }
  std::vector<std::pair<std::string, std::string>> lines;
  lines.emplace_back(
      "read", absl::StrCat(FormatCount(counters.rows),
                           counters.rows == 1 ? " row" : " rows", " of ",
                           AsAbsl(importer::FormatName(plan.options.format)),
                           plan.detected ? " (detected)" : "", ", ",
                           absl::StrJoin(details, ", ")));
  if (!plan.options.legal_units_path.empty()) {
    lines.emplace_back("joined", absl::StrCat(FormatCount(counters.joined),
                                              " with their legal unit"));
  }
  lines.emplace_back("created", FormatCount(outcome.counts.created()));
  lines.emplace_back("updated", FormatCount(outcome.counts.updated()));
  lines.emplace_back("unchanged", FormatCount(outcome.counts.unchanged()));
  lines.emplace_back("rejected (server)",
                     FormatCount(outcome.counts.rejected()));
  if (outcome.counts.kept_opted_out() > 0) {
    lines.emplace_back("kept opted out",
                       FormatCount(outcome.counts.kept_opted_out()));
  }
  lines.emplace_back("rejected (file)", FormatCount(counters.rejected));
  lines.emplace_back("skipped", FormatCount(counters.skipped));
  for (const auto& [reason, count] : counters.skipped_by_reason) {
    lines.emplace_back(absl::StrCat("  ", reason), FormatCount(count));
  }
  PrintSummary(lines, out);
  if (plan.dry_run) out << "dry run: nothing written\n";

  // Each list is in row order (batches are answered in order): the first
  // kShownErrors of both are the first of all.
  std::vector<Rejection> shown = outcome.file_errors;
  shown.insert(shown.end(), outcome.server_errors.begin(),
               outcome.server_errors.end());
  std::stable_sort(
      shown.begin(), shown.end(),
      [](const Rejection& a, const Rejection& b) { return a.row < b.row; });
  bool more = shown.size() > kShownErrors ||
              outcome.counts.rejected() + counters.rejected >
                  static_cast<int64_t>(shown.size());
  if (shown.size() > kShownErrors) shown.resize(kShownErrors);
  for (const Rejection& r : shown) {
    out << "row " << r.row << ": ";
    if (!r.field.empty()) out << r.field << ": ";
    out << r.reason << "\n";
  }
  if (more) {
    out << "… more rejected rows"
        << (rejects_file ? " in the rejects file"
                         : " (--rejects FILE lists them all)")
        << "\n";
  }
  // Rows imported, with what the server kept (an objection).
  for (const Rejection& r : outcome.server_notes) {
    out << "row " << r.row << ": " << r.field << ": " << r.reason << "\n";
  }
  if (outcome.counts.kept_opted_out() >
      static_cast<int64_t>(outcome.server_notes.size())) {
    out << "… more rows kept opted out\n";
  }
}

using ImportStream =
    grpc::ClientReaderWriter<v1::ImportActorsRequest, v1::ImportActorsResponse>;

// Opens the directory file; the legal units of a SIRENE import load first,
// which takes a while, so a terminal is told.
absl::StatusOr<std::unique_ptr<importer::DirectoryReader>> OpenDirectory(
    const importer::DirectoryOptions& options, bool terminal,
    std::ostream& err) {
  const bool loading_units = terminal && !options.legal_units_path.empty();
  if (loading_units) {
    err << "maillage: loading the legal units of " << options.legal_units_path
        << "…" << std::flush;
  }
  auto opened = importer::DirectoryReader::Open(options);
  if (loading_units) err << "\r\x1b[K" << std::flush;
  if (!opened.ok())
    return absl::InvalidArgumentError(opened.status().message());
  return opened;
}

// The progress line on a terminal: the share of the file read, when its
// size is known (not for standard input).
std::optional<ProgressLine> NewProgressLine(const ImportPlan& plan,
                                            std::ostream& err) {
  const bool from_stdin = plan.given == "-";
  std::error_code ec;
  auto size =
      from_stdin ? 0 : std::filesystem::file_size(plan.options.path, ec);
  return std::optional<ProgressLine>(
      std::in_place, err, ec ? 0 : static_cast<int64_t>(size),
      from_stdin ? nullptr : FindFileOffset(plan.options.path));
}

// Gathers actors into ImportActorsRequest batches (at most plan.batch_size
// actors and about kBatchBytesMax bytes) and writes each to the stream,
// recording its rows in `state` before the write, so that ReadAnswers can
// match the answer with them. Not thread-safe: the writing thread's.
//
// Rows the reader gave already encoded (Row::encoded, JSONL) are never
// built as messages: their bytes go into the request's unknown-field set
// as entries of field 1. On the wire an entry of a repeated message field
// is its tag and length-prefixed bytes whatever the C++ side held, so the
// server parses them as `actors`. Unknown fields are written after the
// known ones: once a batch holds an encoded row, later rows are encoded
// too, which keeps the rows in file order (the server numbers them so).
class BatchWriter {
 public:
  BatchWriter(const ImportPlan& plan, ImportState* state, ImportStream* stream)
      : batch_size_(plan.batch_size), state_(state), stream_(stream) {
    batch_.set_dry_run(plan.dry_run);
    batch_.set_mode(plan.mode);
  }

  // Moves the row's actor into the batch (with its raw text when `raw` is
  // given) and sends the batch once full.
  void Add(importer::Row& row, const std::string* raw) {
    if (row.encoded || encoded_rows_ > 0) {
      AddEncoded(row);
    } else {
      batch_bytes_ += row.actor.ByteSizeLong();
      batch_.add_actors()->Swap(&row.actor);
    }
    sent_.rows.push_back(row.row_number);
    if (raw != nullptr) sent_.raw.push_back(*raw);
    if (rows() >= batch_size_ || batch_bytes_ >= kBatchBytesMax) Send();
  }

  // Sends the batch being filled, if it holds an actor.
  void Send() {
    if (rows() == 0) return;
    sent_.first_row_number = sent_.rows.front();
    batch_.set_first_row_number(sent_.first_row_number);
    {
      std::lock_guard lock(state_->mu);
      state_->in_flight[batches_sent_] = std::move(sent_);
    }
    sent_ = SentBatch();
    ++batches_sent_;
    if (!stream_->Write(batch_)) write_failed_ = true;
    batch_.clear_actors();
    batch_.GetReflection()->MutableUnknownFields(&batch_)->Clear();
    encoded_rows_ = 0;
    batch_bytes_ = 0;
  }

  // A write failed: the stream is broken (its status says why).
  bool write_failed() const { return write_failed_; }
  int64_t batches_sent() const { return batches_sent_; }

 private:
  int64_t rows() const { return batch_.actors_size() + encoded_rows_; }

  // Appends the row's actor as an encoded entry of field 1 (see above).
  void AddEncoded(importer::Row& row) {
    if (!row.encoded) {
      row.actor.SerializeToString(&row.encoded_actor);
      row.actor.Clear();
    }
    batch_bytes_ += row.encoded_actor.size();
    batch_.GetReflection()
        ->MutableUnknownFields(&batch_)
        ->AddLengthDelimited(v1::ImportActorsRequest::kActorsFieldNumber)
        ->swap(row.encoded_actor);
    ++encoded_rows_;
  }

  const int64_t batch_size_;
  ImportState* const state_;
  ImportStream* const stream_;
  v1::ImportActorsRequest batch_;
  size_t batch_bytes_ = 0;
  int64_t encoded_rows_ = 0;  // entries of field 1 in the unknown fields
  SentBatch sent_;
  int64_t batches_sent_ = 0;
  bool write_failed_ = false;
};

// Reads every row of `reader` into `writer` until the end, an error or a
// failed write. Rows the reader rejected go to `rejects`, and the first
// kShownErrors of them to outcome->file_errors. Returns the reader's status.
absl::Status SendRows(importer::DirectoryReader& reader, bool keep_raw,
                      BatchWriter& writer, RejectsFile& rejects,
                      std::optional<ProgressLine>& progress,
                      ImportOutcome* outcome) {
  importer::Row row;
  while (!writer.write_failed() && reader.Next(&row)) {
    switch (row.outcome) {
      case importer::Row::Outcome::kActor:
        writer.Add(row, keep_raw ? &row.raw : nullptr);
        break;
      case importer::Row::Outcome::kSkipped:
        break;
      case importer::Row::Outcome::kRejected: {
        Rejection r{row.row_number, row.field, row.reason};
        rejects.Add(r, row.raw);
        if (outcome->file_errors.size() < kShownErrors) {
          outcome->file_errors.push_back(std::move(r));
        }
        break;
      }
    }
    if (progress.has_value()) progress->Update(reader.counters().rows);
  }
  if (reader.status().ok()) writer.Send();
  return reader.status();
}

// The import's verdict once the stream is over and the summary printed:
// the reader's error, the server's, an incomplete import (batches sent but
// not applied), or the rows rejected on either side.
absl::Status ImportVerdict(Client& client, const grpc::Status& status,
                           const absl::Status& read_status,
                           const ImportState& state, int64_t batches_sent,
                           const importer::Counters& counters) {
  if (!read_status.ok()) {
    return Annotate(absl::InvalidArgumentError(read_status.message()),
                    "reading stopped");
  }
  RETURN_IF_ERROR(client.Check(status));
  if (!state.protocol_error.empty()) {
    return absl::InternalError(
        absl::StrCat("the server sent ", state.protocol_error));
  }
  if (!state.summary.has_value()) {
    return absl::DataLossError(
        "the server ended the import without its totals");
  }
  if (state.summary->batches() != batches_sent ||
      state.acknowledged != batches_sent) {
    return absl::DataLossError(absl::StrCat(
        "the server applied ", state.summary->batches(), " of the ",
        batches_sent, " batches sent (", state.acknowledged,
        " answered): the import is incomplete; re-run it (rows already "
        "stored come back unchanged)"));
  }
  int64_t rejected = state.counts.rejected() + counters.rejected;
  if (rejected > 0) {
    return RejectedError(absl::StrCat(FormatCount(rejected), " of ",
                                      FormatCount(counters.rows),
                                      " rows rejected"));
  }
  return absl::OkStatus();
}

// maillage import FILE: reads the directory file on this thread and streams
// its actors in batches; the answers are read on another thread.
absl::Status Import(Client& client, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(ImportPlan plan, PlanImport(args));
  importer::DirectoryOptions& options = plan.options;
  ReferenceData reference;
  if (options.format != Format::kJsonl) {
    ASSIGN_OR_RETURN(reference, LoadReference(ReferenceDir(args)));
    options.mappings = reference.mappings.get();
    options.geography = reference.geography.get();
  }
  RejectsFile rejects;
  if (auto rejects_path = args.Value("rejects")) {
    RETURN_IF_ERROR(rejects.Open(*rejects_path));
    options.keep_raw = true;
  }
  const bool terminal = isatty(STDERR_FILENO) == 1;
  ASSIGN_OR_RETURN(std::unique_ptr<importer::DirectoryReader> reader,
                   OpenDirectory(options, terminal, client.err()));
  std::optional<ProgressLine> progress =
      terminal ? NewProgressLine(plan, client.err()) : std::nullopt;

  auto start = std::chrono::steady_clock::now();
  std::unique_ptr<grpc::ClientContext> context = client.NewStream();
  std::unique_ptr<ImportStream> stream =
      client.actors().ImportActors(context.get());
  ImportState state;
  std::thread answers(ReadAnswers, stream.get(), &state, &rejects);
  ImportOutcome outcome;
  BatchWriter writer(plan, &state, stream.get());
  absl::Status read_status =
      SendRows(*reader, options.keep_raw, writer, rejects, progress, &outcome);
  if (!read_status.ok()) context->TryCancel();
  stream->WritesDone();
  answers.join();
  grpc::Status status = stream->Finish();
  if (progress.has_value()) progress->Clear();
  RETURN_IF_ERROR(rejects.Close());

  // The summary, also after a failure: what was acknowledged is stored.
  outcome.counters = &reader->counters();
  outcome.counts = state.counts;
  outcome.server_errors = state.server_errors;
  outcome.server_notes = state.server_notes;
  outcome.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  PrintImportSummary(plan, outcome, args.Has("rejects"), client.out());
  return ImportVerdict(client, status, read_status, state,
                       writer.batches_sent(), reader->counters());
}

}  // namespace

CommandGroup ImportGroup() {
  std::string kinds = ShortEnumNames(*v1::ActorKind_descriptor(), ", ");
  CommandGroup group;
  group.name = "import";
  group.summary =
      "load an actor directory in bulk: SIRENE, RNA, JSONL or a lab's "
      "spreadsheet.";
  Command import;
  import.arguments = "FILE|-";
  import.min_args = import.max_args = 1;
  import.summary = "Import actors from a directory file (ImportActors).";
  import.description =
      "Read a directory file (.csv, .csv.gz, .jsonl, .jsonl.gz; \"-\": "
      "standard input, with --format) row by row and upsert its actors by "
      "stable id (siret:, rna:, ext:SOURCE:KEY) in batches, each stored "
      "durably before the next is acknowledged. UTF-8 or Windows-1252, ',' "
      "or ';' separated, quoted fields over several lines: all detected. "
      "Closed establishments and dissolved associations are skipped and "
      "counted by reason; bad rows are rejected, the others imported. On a "
      "terminal a progress line shows rows read, rows/s and the time left; "
      "at the end a summary: rows read, created, updated, unchanged, "
      "rejected by the server and in the file, skipped by reason. Exit code "
      "0 when every row was imported, 6 when some were rejected, 1 when the "
      "import failed. Re-running an import changes nothing (rows come back "
      "unchanged).";
  import.flags = {
      {"format", "FORMAT",
       "sirene (INSEE StockEtablissement), rna (rna_waldec), jsonl "
       "(protobuf JSON of Actor, as export writes it) or csv (a lab's "
       "spreadsheet); default: from the name (.jsonl) or the header."},
      {"legal-units", "FILE",
       "sirene: the StockUniteLegale file to join with, for the name, the "
       "legal category (kind) and the RNA number."},
      {"map", "COLUMN=FIELD",
       "csv: the actor field a column holds (the column in any case, accents "
       "allowed). Repeatable. Default: the columns named like fields.",
       true},
      {"source", "NAME",
       "csv: the source in ids made from a key column "
       "(\"ext:NAME:KEY\"); default lab."},
      {"default-kind", "KIND",
       absl::StrCat("csv: the kind of rows without one: ", kinds, ".")},
      {"encoding", "ENCODING",
       "utf-8 or windows-1252 (latin-1); default: detected."},
      {"separator", "SEP", "',', ';' or tab; default: detected."},
      {"batch", "N",
       "Rows per batch, 1 to 10000 (default 2000); a batch also ends at "
       "8 MiB."},
      {"mode", "merge|replace",
       "merge (default): fields a row leaves empty keep their stored value, "
       "so that an RNA file completes a SIRENE import; replace: the row "
       "replaces the stored actor."},
      {"dry-run", "", "Check every row against the server; write nothing."},
      {"threads", "N",
       "jsonl: threads parsing the lines, 1 to 64 (default: one per core); "
       "rows are sent in file order whatever the number."},
      {"rejects", "FILE",
       "Write every rejected row (file row number, field, reason, the raw "
       "input line) to FILE as CSV."},
      {"reference-dir", "DIR",
       "The reference data (mappings, geography); default "
       "$MAILLAGE_REFERENCE_DIR, else the installed one."},
  };
  import.details =
      "csv fields: id, key (id ext:SOURCE:KEY), name, kind, subtype,\n"
      "  home_commune (INSEE code), postal_code, commune_name, themes and\n"
      "  needs and offers ('|'-separated; \"resource:theme\"), "
      "legal_ids.siret,\n"
      "  legal_ids.siren, legal_ids.rna, naf_code, size_band, website,\n"
      "  description, capacity, location.latitude, location.longitude,\n"
      "  lambert93.x, lambert93.y, contacts.name, contacts.email, ...\n"
      "Examples:\n"
      "  maillage import StockEtablissement_94.csv.gz --legal-units "
      "StockUniteLegale.csv.gz\n"
      "  maillage import rna_waldec_94.csv --rejects rejets.csv\n"
      "  maillage import annuaire.csv --map \"Nom=name\" --map "
      "\"SIRET=legal_ids.siret\" \\\n"
      "      --map \"Code postal=postal_code\" --map \"Thématiques=themes\"\n"
      "  maillage export -o backup.jsonl && maillage import backup.jsonl\n";
  import.run = Import;
  group.commands.push_back(std::move(import));
  return group;
}

CommandGroup ExportGroup() {
  std::string kinds = ShortEnumNames(*v1::ActorKind_descriptor(), ", ");
  CommandGroup group;
  group.name = "export";
  group.summary = "every actor matching filters, as JSONL or CSV.";
  Command exporter;
  exporter.summary = "Export actors as JSONL or CSV (ExportActors).";
  exporter.description =
      "Write every actor matching the filters (as actors list), in id order, "
      "to FILE or standard output: JSONL, protobuf's JSON of Actor one per "
      "line, which `maillage import` reads back as is; or CSV for "
      "spreadsheets (id, kind, subtype, name, home_commune, themes, needs, "
      "offers, legal ids, naf_code, size_band, capacity, website, location, "
      "status, source, description; lists '|'-separated), which `maillage "
      "import --format csv` maps without --map.";
  exporter.flags = {
      {"format", "jsonl|csv", "Default jsonl (csv when FILE ends in .csv)."},
      {"out", "FILE",
       "Write to FILE (complete or not at all) instead of "
       "standard output.",
       false, 'o'},
      {"kind", "KIND", absl::StrCat("Only this kind: ", kinds, ".")},
      {"territory", "LEVEL:CODE",
       "Only actors based in it or acting on a territory overlapping it."},
      {"theme", "THEME", "Only actors working on this theme."},
      {"offers", "RESOURCE", "Only actors offering this resource."},
      {"needs", "RESOURCE", "Only actors needing this resource."},
      {"full", "", "With contacts (personal data; JSONL only)."},
  };
  exporter.details =
      "Examples:\n"
      "  maillage export -o acteurs-94.jsonl --territory departement:94\n"
      "  maillage export --format csv --kind association > associations.csv\n";
  exporter.run = Export;
  group.commands.push_back(std::move(exporter));
  return group;
}

}  // namespace maillage::cli

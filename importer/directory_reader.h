#ifndef MAILLAGE_IMPORTER_DIRECTORY_READER_H_
#define MAILLAGE_IMPORTER_DIRECTORY_READER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "importer/byte_source.h"
#include "importer/csv_reader.h"
#include "importer/legal_units.h"
#include "importer/mappings.h"
#include "importer/text_encoding.h"
#include "maillage/v1/actor.pb.h"
#include "territory/geography.h"

// Turns the directory files regional labs have into maillage.v1.Actor rows
// for ImportActors. No gRPC here: the caller streams the rows (the CLI's
// `maillage import`, the import benchmark).
namespace maillage::importer {

enum class Format {
  // INSEE SIRENE establishments (StockEtablissement), optionally joined
  // with the legal units (StockUniteLegale) for the name, legal category,
  // social-economy flag and RNA number.
  kSirene,
  // The national register of associations (rna_waldec), ';'-separated.
  kRna,
  // One protobuf-JSON maillage.v1.Actor per line.
  kJsonl,
  // A lab's own spreadsheet, with a column mapping.
  kCsv,
};

// "sirene", "rna", "jsonl", "csv".
std::string_view FormatName(Format format);
std::optional<Format> ParseFormat(std::string_view name);

// One `column=field` of a lab spreadsheet mapping.
struct ColumnMapping {
  std::string column;  // the header's name (any case, accents allowed)
  std::string field;   // see Options::columns
};
// Parses "Nom de la structure=name"; the last '=' separates.
absl::StatusOr<ColumnMapping> ParseColumnMapping(std::string_view text);

// One row of a directory file, as DirectoryReader::Next returns it.
struct Row {
  enum class Outcome {
    kActor,     // `actor` is ready to import
    kSkipped,   // deliberately left out (closed, dissolved...): `reason`
    kRejected,  // bad input: `field`, `reason`, `raw`
  };
  Outcome outcome = Outcome::kActor;
  // Line of the file where the row starts (the header is row 1). The server
  // numbers the rows of an ImportActors batch from first_row_number on, in
  // the order sent; keep this number beside each actor sent to translate the
  // server's RowError.row_number back to the file's.
  int64_t row_number = 0;
  v1::Actor actor;
  // With DirectoryOptions::encode_actors (kJsonl): the actor as protobuf
  // binary in `encoded_actor`, never built as a message (`actor` stays
  // empty). An import sends the bytes as they are.
  bool encoded = false;
  std::string encoded_actor;
  // kRejected: the input column at fault (as named in the header), or the
  // Actor field path (JSONL), or empty for a row that could not be parsed.
  std::string field;
  std::string reason;
  // The row as in the file (undecoded bytes, without the line end): always
  // for kRejected, and for every row with Options::keep_raw (so that rows
  // the server rejects can be written to a rejects file too).
  std::string raw;
};

// What a reader has seen so far.
struct Counters {
  int64_t rows = 0;  // data rows read: actors + skipped + rejected
  int64_t actors = 0;
  int64_t skipped = 0;
  int64_t rejected = 0;
  std::map<std::string, int64_t> skipped_by_reason;
  // The input encoding (kAuto while only ASCII has been seen) and, for the
  // CSV formats, the separator.
  Encoding encoding = Encoding::kAuto;
  char separator = 0;
  // kSirene with legal units: how many establishments found theirs.
  int64_t joined = 0;
};

struct DirectoryOptions {
  Format format = Format::kCsv;
  // The directory file: .csv, .csv.gz, .jsonl, .jsonl.gz (gzip is detected
  // from the content).
  std::string path;
  // Instead of reading `path`, the file's bytes (not gzip'd), as an upload
  // to the HTTP face holds them; `path` then only names it in messages.
  std::shared_ptr<const std::string> content;
  // Separator (0: detect), encoding (kAuto: detect), record size limit.
  CsvOptions csv;
  // Rules and geography; required by every format but kJsonl. Must outlive
  // the reader.
  const Mappings* mappings = nullptr;
  const territory::Geography* geography = nullptr;

  // kSirene: the legal units to join with, either already loaded (shared by
  // several readers, must outlive them) or read from a StockUniteLegale
  // file when Open is called. Neither: no join (kind from the NAF code,
  // name from the establishment's own columns).
  const LegalUnitTable* legal_units = nullptr;
  std::string legal_units_path;

  // kCsv: column -> Actor field. Fields: id, key (builds the id
  // "ext:<source>:<key>"), name, kind (association, entreprise, collectivité,
  // université, média, ... see reference/mappings/kind_words.tsv), subtype,
  // home_commune (INSEE code), postal_code, commune_name (to tell apart the
  // communes of a postal code), themes ("a|b", codes or labels), needs and
  // offers ("resource:theme|resource", codes or labels), legal_ids.siret,
  // legal_ids.siren, legal_ids.rna, naf_code, association_purpose_codes
  // ("a|b"), size_band (none, micro, small, medium, large, very_large, or a
  // SIRENE head-count code), website, description, capacity, location.latitude,
  // location.longitude, lambert93.x, lambert93.y, contacts.name,
  // contacts.role, contacts.email, contacts.phone. An id is needed: map id,
  // key, legal_ids.siret (id "siret:…") or legal_ids.rna (id "rna:…").
  std::vector<ColumnMapping> columns;
  // kCsv: the source name in "ext:<source>:<key>" ids and in Actor.source
  // ("lab:<source>"): [A-Za-z0-9_.-]{1,32}.
  std::string source = "lab";
  // kCsv: the kind of rows without a kind column or value.
  v1::ActorKind default_kind = v1::ACTOR_KIND_UNSPECIFIED;

  // Fill Row::raw for every row, not only rejected ones.
  bool keep_raw = false;

  // kJsonl: threads parsing the lines (1: the caller's own, no thread).
  // Rows come back in file order whatever the number; the reader reads
  // ahead at most 2 chunks of 512 lines per thread.
  int parse_threads = 1;
  // kJsonl: give each actor as Row::encoded_actor instead of Row::actor
  // (about half the client's CPU of an import; see protojson's
  // JsonReader::ParseToWire). Other formats ignore it.
  bool encode_actors = false;
};

// Reads a directory file row by row, streaming: memory does not grow with
// the file (except the SIRENE legal-unit table, see LegalUnitTable).
//
// What each format does, and the identity of the actors it makes:
// - kSirene: one actor per open establishment, id "siret:<SIRET>", except
//   the head office of an association that has an RNA number (from the
//   legal-unit file), id "rna:<RNA>", so that the association imported from
//   both SIRENE and the RNA is one actor (ImportActors' MERGE mode combines
//   them). Closed establishments (etatAdministratifEtablissement "F"),
//   establishments abroad and legal categories marked "skip" (sole
//   proprietors) are skipped. Kind and subtype come from the legal
//   category, else from the NAF code; themes and default offers from the
//   NAF code; the size band from the head-count band; the location from the
//   Lambert-93 coordinates (metropolitan France only). NAF codes of older
//   nomenclatures (nomenclatureActivitePrincipaleEtablissement other than
//   NAFRev2) are left out. "[ND]" (not diffusible) counts as empty.
// - kRna: one actor per association, id "rna:<id>"; dissolved (date_disso
//   set, or position "D") and deleted (position "S") ones are skipped;
//   themes from the purpose codes (objet_social1/2), federation subtype for
//   unions and federations (groupement "U"/"F").
// - kJsonl: each line is an Actor as is.
// - kCsv: see DirectoryOptions::columns.
// The home commune is the current commune of the INSEE code (former codes
// and arrondissements resolve), else of the postal code (see
// CommuneResolver); rows where neither works are rejected.
//
// Duplicate ids are not detected here: ImportActors rejects a duplicate
// inside a batch ("duplicate of row N"), and a later batch updates what an
// earlier one wrote.
//
// Texts are trimmed, stripped of control characters and cut to the API
// limits (name 300, description 5,000 characters); websites without a
// scheme get "http://".
//
// Not thread-safe; use one reader per thread.
// The input of `options`: its content when set, else the file at its path.
absl::StatusOr<std::unique_ptr<ByteSource>> OpenInput(
    const DirectoryOptions& options);

class DirectoryReader {
 public:
  // Opens the file and reads its header. InvalidArgument when the options
  // are inconsistent or a column the format needs is missing (the message
  // names it); NotFound etc. when the file cannot be opened.
  static absl::StatusOr<std::unique_ptr<DirectoryReader>> Open(
      const DirectoryOptions& options);

  virtual ~DirectoryReader();
  DirectoryReader(const DirectoryReader&) = delete;
  DirectoryReader& operator=(const DirectoryReader&) = delete;

  // The next row; false at the end of the file or on a read error (see
  // status()). `row` is overwritten; its actor's memory is reused.
  bool Next(Row* row);
  const absl::Status& status() const { return status_; }
  const Counters& counters() const { return counters_; }

 protected:
  DirectoryReader() = default;
  // Reads one row into `row` (outcome, row_number and the rest); false at
  // the end or on error (set status_).
  virtual bool ReadRow(Row* row) = 0;
  virtual Encoding encoding() const = 0;

  absl::Status status_;
  Counters counters_;
  bool keep_raw_ = false;
};

}  // namespace maillage::importer

#endif  // MAILLAGE_IMPORTER_DIRECTORY_READER_H_

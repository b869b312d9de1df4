#ifndef MAILLAGE_CORE_VALIDATION_H_
#define MAILLAGE_CORE_VALIDATION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.h"
#include "core/territory_registry.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/repeated_field.h"
#include "google/protobuf/timestamp.pb.h"
#include "maillage/v1/actor.pb.h"
#include "maillage/v1/matching.pb.h"
#include "maillage/v1/territory.pb.h"
#include "matcher/vocabulary.h"

// The one validation module: every rule on client input lives here, and
// every violation is reported with its field path. Validators also
// normalise what has a canonical form (trimmed strings, NAF "88.99B",
// current commune codes, deduplicated themes), so that the store only ever
// holds canonical records.
namespace maillage::core {

// Limits on client input, all in one place (summarised in the README's API
// conventions). Every request field is bounded by one of them, or by a fixed
// format (SIRET, postal code, NAF code, ...), or by a vocabulary or an
// enum's declared values. Strings must also be valid UTF-8 without control
// characters (free text may have line breaks where noted).
struct Limits {
  // Identifiers, in bytes of printable ASCII without spaces: actor, fact,
  // suggestion and partnership ids, wherever a request names one (ids,
  // actor_id, partner_id, participants, fragility_id).
  static constexpr size_t kIdMax = 128;
  // Idempotency keys (request_id), in bytes of printable ASCII.
  static constexpr size_t kRequestIdMax = 128;
  // Etags sent back for optimistic concurrency, in bytes of printable ASCII.
  static constexpr size_t kEtagMax = 64;
  // Territory codes (TerritoryRef.code, home_commune, a zone's communes) and
  // vocabulary codes (themes, resources), in bytes.
  static constexpr size_t kTerritoryCodeMax = 64;
  static constexpr size_t kVocabularyCodeMax = 64;
  // A NAF code as written ("88.99B", " 8899b "), in bytes.
  static constexpr size_t kNafCodeMax = 16;
  // One association purpose code, in letters or digits.
  static constexpr size_t kPurposeCodeMax = 10;
  // Opaque tokens, in bytes.
  static constexpr size_t kPageTokenMax = 512;
  static constexpr size_t kResumeTokenMax = 20;

  // Free text, in characters (code points).
  static constexpr size_t kNameMax = 300;          // names, titles, name_prefix
  static constexpr size_t kDescriptionMax = 5000;  // multi-line
  // Exchange descriptions (multi-line), fact indicators and sources,
  // UpdateSuggestion.reason (multi-line).
  static constexpr size_t kShortTextMax = 1000;
  static constexpr size_t kUrlMax = 500;
  // Where a record came from (Actor.source, Partnership.source).
  static constexpr size_t kSourceMax = 100;
  // A person: contact name and role, requested_by, performed_by.
  static constexpr size_t kPersonMax = 200;
  static constexpr size_t kEmailMax = 254;
  static constexpr size_t kPhoneMax = 40;
  static constexpr size_t kUnitMax = 50;

  // Repeated fields, in entries.
  static constexpr int kThemesMax = 64;     // any list of themes
  static constexpr int kResourcesMax = 64;  // SuggestCoalition's resources
  static constexpr int kExchangesMax = 50;  // needs, offers
  static constexpr int kActionTerritoriesMax = 100;
  static constexpr int kContactsMax = 20;
  static constexpr int kPurposeCodesMax = 20;
  // Lists of enum values: each declared value at most once is enough.
  static constexpr int kCategoriesMax = 4;  // PartnershipCategory
  static constexpr int kKindsMax = 5;       // ActorKind
  static constexpr int kBatchGetMax = 1000;
  static constexpr int kMaskPathsMax = 32;  // update_mask.paths
  static constexpr int kCustomCommunesMax = 40000;
  static constexpr int kParticipantsMin = 2;
  static constexpr int kParticipantsMax = 3;
  // Rows per import call or message (ImportActors, ImportFacts,
  // ImportPartnerships).
  static constexpr int kImportRowsMax = 10000;

  // Numbers.
  static constexpr int kCapacityMax = 10000;
  // Lists: page_size 0 means kDefaultPageSize; negative is an error; larger
  // than kPageSizeMax is clamped (AIP-158).
  static constexpr int kDefaultPageSize = 50;
  static constexpr int kPageSizeMax = 1000;
  static constexpr int kSuggestionsMax = 1000;  // SuggestPartners.limit
  static constexpr int kCoalitionSizeMax = 12;  // min_size, max_size
  static constexpr int kAlternativesMax = 3;
  static constexpr int kPanelSizeMax = 200;
  static constexpr int kPerActorMax = 10;     // SuggestForTerritory
  static constexpr int kCandidatesMax = 200;  // SuggestForTerritory
  // MatchWeights: relative weights within [0, kWeightMax] (only their ratios
  // matter); strengths (proximity, responsiveness, similar_success) within
  // [0, 1].
  static constexpr double kWeightMax = 1000;
  static constexpr int kYearMin = 1800;  // TerritoryFact.year, 0: unset
  static constexpr int kYearMax = 2200;
  // first_row_number of an import, within [0, kRowNumberMax].
  static constexpr int64_t kRowNumberMax = 1'000'000'000'000;
  // Timestamps: google.protobuf.Timestamp's own range (years 1 to 9999,
  // nanos within [0, 999,999,999]).
};

struct ValidationContext {
  const TerritoryRegistry* territories = nullptr;
  const matcher::Vocabulary* vocabulary = nullptr;
  // The workspace whose custom zones "custom:<code>" references resolve to
  // (another workspace's zone is unknown); empty: any workspace's. Requests
  // set the caller's (core/workspace.h, ForCaller).
  std::string_view workspace;
};

// Whether `id` is a well-formed actor id: "siret:<14 digits>",
// "siren:<9 digits>", "rna:W<9 alphanumerics>", "ext:<source>:<key>"
// (source [A-Za-z0-9_.-]{1,32}, key printable ASCII without spaces) or
// "mlg:<key>" (printable ASCII without spaces), at most Limits::kIdMax
// bytes. On failure *why says what is wrong.
bool IsValidActorId(std::string_view id, std::string* why);

// Whether `id` is in the server's own namespace ("mlg:"): ids the server
// assigns when CreateActor leaves the id empty.
bool IsServerActorId(std::string_view id);

// What an actor's id may be.
enum class ActorIdRule {
  // CreateActor: empty (the server assigns an mlg: id) or an importer key;
  // never in the server's mlg: namespace.
  kEmptyOrClientKey,
  // UpdateActor, ImportActors: a well-formed id, mlg: included (an update,
  // or an export imported again).
  kRequired,
};

// Checks a whole actor as it would be stored and normalises it in place.
// `path` is the actor's field path in the request ("actor"). Output-only
// fields (times, etag) are ignored. When `commune` is given, it receives the
// home commune's number in the geography (territory::kNone when the home
// commune is missing or unknown).
void ValidateActor(const ValidationContext& context, std::string_view path,
                   ActorIdRule id_rule, v1::Actor* actor, FieldViolations* out,
                   uint32_t* commune = nullptr);

// A reference to a stored record by id (actor, fact, suggestion,
// partnership): 1 to Limits::kIdMax bytes of printable ASCII without spaces;
// empty is accepted unless `required`. Returns whether it is acceptable.
bool ValidateRecordId(std::string_view id, bool required, std::string_view path,
                      FieldViolations* out);

// An optional etag sent back: at most Limits::kEtagMax bytes of printable
// ASCII.
void ValidateEtag(std::string_view etag, std::string_view path,
                  FieldViolations* out);

// Free text of a request that is used as given (not normalised): valid
// UTF-8, no control characters (line breaks allowed when `multiline`), at
// most `max` characters, required or not.
void ValidateText(std::string_view text, std::string_view path, size_t max,
                  bool required, bool multiline, FieldViolations* out);

// A repeated field of `count` entries: at most `max`. Returns whether it is
// within the limit (its entries are worth checking).
bool ValidateCount(int count, int max, std::string_view path,
                   FieldViolations* out);

// An enum field: a value declared by the enum (`is_valid` is the generated
// *_IsValid function; proto3 keeps undeclared values a client sends).
void ValidateEnum(int value, bool (*is_valid)(int), std::string_view path,
                  FieldViolations* out);

// A repeated enum field: at most `max` entries, each declared and not the
// UNSPECIFIED (0) value. A bad entry's description is "must be <allowed>"
// when `allowed` is given, "unknown value <n>" otherwise.
void ValidateEnumList(const google::protobuf::RepeatedField<int>& values,
                      bool (*is_valid)(int), int max, std::string_view path,
                      FieldViolations* out, std::string_view allowed = "");

// An update mask: at most Limits::kMaskPathsMax paths (which paths a
// resource accepts is its own rule).
void ValidateUpdateMask(const google::protobuf::FieldMask& mask,
                        std::string_view path, FieldViolations* out);

// A timestamp within google.protobuf.Timestamp's range.
void ValidateTimestamp(const google::protobuf::Timestamp& time,
                       std::string_view path, FieldViolations* out);

// The weights a request sets (see Limits::kWeightMax), each named by its
// path ("weights.proximity"). The engine's own rule on their combination is
// matcher::ValidateWeights.
void ValidateMatchWeights(const v1::MatchWeights& weights,
                          std::string_view path, FieldViolations* out);

// An import's first_row_number: within [0, Limits::kRowNumberMax].
void ValidateRowNumber(int64_t first_row_number, std::string_view path,
                       FieldViolations* out);

// An optional idempotency key: at most Limits::kRequestIdMax printable ASCII
// characters.
void ValidateRequestId(std::string_view request_id, std::string_view path,
                       FieldViolations* out);

// Page size: 0 means `default_size`; negative is an error; larger than
// `max_size` is clamped (AIP-158). Returns the effective size.
int ValidatePageSize(int page_size, int default_size, int max_size,
                     std::string_view path, FieldViolations* out);

// A territory reference that must exist; on success *resolved is set.
void ValidateTerritoryRef(const ValidationContext& context,
                          const v1::TerritoryRef& ref, std::string_view path,
                          FieldViolations* out,
                          ResolvedTerritory* resolved = nullptr);

// An optional territory filter: nullopt when `present` is false or the
// reference is bad (then a violation is added); otherwise its scope.
std::optional<matcher::Scope> ValidateTerritoryFilter(
    const ValidationContext& context, bool present, const v1::TerritoryRef& ref,
    std::string_view path, FieldViolations* out);

// A theme / resource code of the vocabulary (empty allowed when optional).
void ValidateTheme(const ValidationContext& context, std::string_view theme,
                   bool optional, std::string_view path, FieldViolations* out);
void ValidateResource(const ValidationContext& context,
                      std::string_view resource, bool optional,
                      std::string_view path, FieldViolations* out);

// The code of a custom zone: 1 to Limits::kTerritoryCodeMax characters
// among a-z, 0-9, _ and -. Returns whether it is well-formed.
bool ValidateCustomZoneCode(std::string_view code, std::string_view path,
                            FieldViolations* out);

// A custom zone as created or updated (ref.code, name, communes); resolves
// the communes and fills *communes with their dense numbers, sorted.
void ValidateCustomTerritory(const ValidationContext& context,
                             std::string_view path, v1::Territory* zone,
                             std::vector<uint32_t>* communes,
                             FieldViolations* out);

// A territorial fact (fragility or asset); derives severity when absent.
void ValidateFact(const ValidationContext& context, std::string_view path,
                  bool id_required, v1::TerritoryFact* fact,
                  FieldViolations* out);

// Severity of a fragility derived from its value and reference value, the
// rule documented on TerritoryFact.severity; nullopt when not derivable.
std::optional<double> DeriveSeverity(const v1::TerritoryFact& fact);

}  // namespace maillage::core

#endif  // MAILLAGE_CORE_VALIDATION_H_

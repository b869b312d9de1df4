#ifndef MAILLAGE_CORE_VALIDATION_H_
#define MAILLAGE_CORE_VALIDATION_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.h"
#include "core/territory_registry.h"
#include "maillage/v1/actor.pb.h"
#include "maillage/v1/territory.pb.h"
#include "matcher/vocabulary.h"

// The one validation module: every rule on client input lives here, and
// every violation is reported with its field path. Validators also
// normalise what has a canonical form (trimmed strings, NAF "88.99B",
// current commune codes, deduplicated themes), so that the store only ever
// holds canonical records.
namespace maillage::core {

// Limits, documented in the API reference (README).
struct Limits {
  static constexpr size_t kIdMax = 128;
  static constexpr size_t kNameMax = 300;
  static constexpr size_t kDescriptionMax = 5000;
  static constexpr size_t kShortTextMax = 1000;
  static constexpr size_t kUrlMax = 500;
  static constexpr int kThemesMax = 64;
  static constexpr int kExchangesMax = 50;
  static constexpr int kActionTerritoriesMax = 100;
  static constexpr int kContactsMax = 20;
  static constexpr int kPurposeCodesMax = 20;
  static constexpr int kCapacityMax = 10000;
  static constexpr size_t kRequestIdMax = 128;
  static constexpr int kCustomCommunesMax = 40000;
  // Lists: page_size 0 means kDefaultPageSize; larger than kPageSizeMax is
  // clamped. Imports: rows per call or message.
  static constexpr int kDefaultPageSize = 50;
  static constexpr int kPageSizeMax = 1000;
  static constexpr int kImportRowsMax = 10000;
};

struct ValidationContext {
  const TerritoryRegistry* territories = nullptr;
  const matcher::Vocabulary* vocabulary = nullptr;
};

// Whether `id` is a well-formed actor id: "siret:<14 digits>",
// "siren:<9 digits>", "rna:W<9 alphanumerics>", "ext:<source>:<key>"
// (source [A-Za-z0-9_.-]{1,32}, key printable ASCII without spaces) or
// "mlg:<server-assigned>". On failure *why says what is wrong.
bool IsValidActorId(std::string_view id, std::string* why);

// Checks a whole actor as it would be stored and normalises it in place.
// `path` is the actor's field path in the request ("actor"). Output-only
// fields (times, etag) are ignored. An empty id is accepted only when
// `id_required` is false (create: the server assigns one). When `commune` is
// given, it receives the home commune's number in the geography
// (territory::kNone when the home commune is missing or unknown).
void ValidateActor(const ValidationContext& context, std::string_view path,
                   bool id_required, v1::Actor* actor, FieldViolations* out,
                   uint32_t* commune = nullptr);

// An optional idempotency key: at most 128 printable ASCII characters.
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

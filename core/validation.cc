#include "core/validation.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "absl/functional/function_ref.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "base/utf8.h"
#include "google/protobuf/util/time_util.h"
#include "maillage/v1/actor_subtypes.h"

namespace maillage::core {
namespace {

// A field path, spelled out only when a violation is reported: checking a
// valid actor (the common case) then builds no path strings, such as
// "offers[3].description" for every entry of every imported row.
using LazyPath = absl::FunctionRef<std::string()>;

std::string Path(std::string_view base, std::string_view field) {
  if (base.empty()) return std::string(field);
  return absl::StrCat(AsAbsl(base), ".", AsAbsl(field));
}

std::string Indexed(std::string_view base, std::string_view field, int i) {
  return absl::StrCat(Path(base, field), "[", i, "]");
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(),
                                   [](char c) { return c >= '0' && c <= '9'; });
}

bool AllAlnum(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0;
  });
}

// "is 300 bytes long; the limit is 64".
std::string TooLong(size_t bytes, size_t max) {
  return absl::StrCat("is ", bytes, " bytes long; the limit is ", max);
}

bool PrintableAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return c > 0x20 && c < 0x7F; });
}

void TrimInPlace(std::string* s) {
  absl::string_view t = absl::StripAsciiWhitespace(*s);
  if (t.size() != s->size()) *s = std::string(t);
}

// Trims a string field of `m`, touching it through `mut` only when there is
// something to trim (mutable_ allocates a string for an unset field, on the
// message's arena or the heap). Returns the trimmed value.
template <typename M>
const std::string& TrimField(M* m, const std::string& (M::*get)() const,
                             std::string* (M::*mut)()) {
  const std::string& v = (m->*get)();
  if (!v.empty() &&
      (absl::ascii_isspace(static_cast<unsigned char>(v[0])) ||
       absl::ascii_isspace(static_cast<unsigned char>(v[v.size() - 1])))) {
    TrimInPlace((m->*mut)());
  }
  return (m->*get)();
}

// Checks a free-text field: valid UTF-8, no control characters (newlines
// allowed when multiline), at most `max` code points, required or not.
void CheckTrimmedText(std::string_view value, LazyPath path, size_t max,
                      bool required, bool multiline, FieldViolations* out) {
  if (value.empty()) {
    if (required) out->Add(path(), "is required");
    return;
  }
  if (!IsValidUtf8(value)) {
    out->Add(path(), "is not valid UTF-8");
    return;
  }
  if (HasControlChars(value) ||
      (!multiline && value.find_first_of("\n\r") != std::string::npos)) {
    out->Add(path(), multiline ? "contains control characters"
                               : "contains control characters or line breaks");
    return;
  }
  size_t n = CodePointCount(value);
  if (n > max) {
    out->Add(path(),
             absl::StrCat("is ", n, " characters long; the limit is ", max));
  }
}

void CheckText(std::string* value, std::string_view path, size_t max,
               bool required, bool multiline, FieldViolations* out) {
  TrimInPlace(value);
  CheckTrimmedText(
      *value, [&] { return std::string(path); }, max, required, multiline, out);
}

// CheckText on a string field of `m`, trimmed as TrimField does.
template <typename M>
void CheckTextField(M* m, const std::string& (M::*get)() const,
                    std::string* (M::*mut)(), LazyPath path, size_t max,
                    bool required, bool multiline, FieldViolations* out) {
  CheckTrimmedText(TrimField(m, get, mut), path, max, required, multiline, out);
}

// "88.99B" from "8899B", "88.99b", " 88.99B ".
std::optional<std::string> CanonicalNaf(std::string_view raw) {
  std::string s;
  for (char c : raw) {
    if (c == '.' || c == ' ') continue;
    s.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  if (s.size() != 5 || !AllDigits(s.substr(0, 4)) || s[4] < 'A' || s[4] > 'Z') {
    return std::nullopt;
  }
  return s.substr(0, 2) + "." + s.substr(2);
}

// A code of one of the vocabularies: required unless `optional`, known to
// `known`; an unknown one's message names the method that lists them.
template <typename Known>
void CheckCode(std::string_view code, bool optional, LazyPath path,
               const char* what, const char* lister, Known known,
               FieldViolations* out) {
  if (code.empty()) {
    if (!optional) out->Add(path(), "is required");
    return;
  }
  if (code.size() > Limits::kVocabularyCodeMax) {
    out->Add(path(), TooLong(code.size(), Limits::kVocabularyCodeMax));
    return;
  }
  if (!known(code)) {
    out->Add(path(), absl::StrCat("unknown ", what, " ", Quote(code), " (",
                                  lister, " lists the codes)"));
  }
}

void CheckTheme(const ValidationContext& context, std::string_view theme,
                bool optional, LazyPath path, FieldViolations* out) {
  CheckCode(
      theme, optional, path, "theme",
      "ActorService.ListThemes ('maillage themes')",
      [&](std::string_view t) {
        return context.vocabulary->Theme(t).has_value();
      },
      out);
}

void CheckResource(const ValidationContext& context, std::string_view resource,
                   bool optional, LazyPath path, FieldViolations* out) {
  CheckCode(
      resource, optional, path, "resource",
      "ActorService.ListResources ('maillage resources')",
      [&](std::string_view r) {
        return context.vocabulary->Resource(r).has_value();
      },
      out);
}

void CheckExchanges(const ValidationContext& context,
                    google::protobuf::RepeatedPtrField<v1::Exchange>* list,
                    std::string_view path, std::string_view field,
                    FieldViolations* out) {
  if (!ValidateCount(list->size(), Limits::kExchangesMax, Path(path, field),
                     out)) {
    return;
  }
  for (int i = 0; i < list->size(); ++i) {
    v1::Exchange* e = list->Mutable(i);
    auto at = [&](std::string_view sub) {
      return Path(Indexed(path, field, i), sub);
    };
    TrimField(e, &v1::Exchange::resource, &v1::Exchange::mutable_resource);
    TrimField(e, &v1::Exchange::theme, &v1::Exchange::mutable_theme);
    CheckResource(
        context, e->resource(), false, [&] { return at("resource"); }, out);
    CheckTheme(
        context, e->theme(), true, [&] { return at("theme"); }, out);
    CheckTextField(
        e, &v1::Exchange::description, &v1::Exchange::mutable_description,
        [&] { return at("description"); }, Limits::kShortTextMax, false, true,
        out);
  }
}

// The legal ids, and their agreement with the id: derived from a
// well-formed id (`id_ok`) when missing, checked against it otherwise.
void CheckLegalIds(bool id_ok, std::string_view path, v1::Actor* actor,
                   FieldViolations* out) {
  v1::LegalIds* legal = actor->mutable_legal_ids();
  TrimField(legal, &v1::LegalIds::siren, &v1::LegalIds::mutable_siren);
  TrimField(legal, &v1::LegalIds::siret, &v1::LegalIds::mutable_siret);
  TrimField(legal, &v1::LegalIds::rna, &v1::LegalIds::mutable_rna);
  std::string_view id = id_ok ? std::string_view(actor->id()) : "";
  if (id.rfind("siret:", 0) == 0 && legal->siret().empty()) {
    legal->set_siret(std::string(id.substr(6)));
  }
  if (id.rfind("siren:", 0) == 0 && legal->siren().empty()) {
    legal->set_siren(std::string(id.substr(6)));
  }
  if (id.rfind("rna:", 0) == 0 && legal->rna().empty()) {
    legal->set_rna(std::string(id.substr(4)));
  }
  if (!legal->siret().empty() && legal->siren().empty() &&
      legal->siret().size() == 14) {
    legal->set_siren(legal->siret().substr(0, 9));
  }
  std::string legal_path = Path(path, "legal_ids");
  if (!legal->siren().empty() &&
      (legal->siren().size() != 9 || !AllDigits(legal->siren()))) {
    out->Add(Path(legal_path, "siren"), "must be 9 digits");
  }
  if (!legal->siret().empty()) {
    if (legal->siret().size() != 14 || !AllDigits(legal->siret())) {
      out->Add(Path(legal_path, "siret"), "must be 14 digits");
    } else if (!legal->siren().empty() &&
               legal->siret().compare(0, 9, legal->siren()) != 0) {
      out->Add(Path(legal_path, "siret"),
               "does not start with the SIREN given in legal_ids.siren");
    }
  }
  if (!legal->rna().empty() &&
      (legal->rna().size() != 10 || legal->rna()[0] != 'W' ||
       !AllAlnum(legal->rna()))) {
    out->Add(Path(legal_path, "rna"), "must be W followed by 9 characters");
  }
  if (id.rfind("siret:", 0) == 0 && legal->siret() != id.substr(6)) {
    out->Add(Path(legal_path, "siret"), "differs from the SIRET in the id");
  }
  if (id.rfind("rna:", 0) == 0 && legal->rna() != id.substr(4)) {
    out->Add(Path(legal_path, "rna"), "differs from the RNA number in the id");
  }
}

// The contact persons: a name, and well-formed e-mail and phone if any.
void CheckContacts(std::string_view path, v1::Actor* actor,
                   FieldViolations* out) {
  if (!ValidateCount(actor->contacts_size(), Limits::kContactsMax,
                     Path(path, "contacts"), out)) {
    return;
  }
  for (int i = 0; i < actor->contacts_size(); ++i) {
    v1::Contact* c = actor->mutable_contacts(i);
    std::string at = Indexed(path, "contacts", i);
    CheckText(c->mutable_name(), Path(at, "name"), Limits::kPersonMax, true,
              false, out);
    CheckText(c->mutable_role(), Path(at, "role"), Limits::kPersonMax, false,
              false, out);
    CheckText(c->mutable_email(), Path(at, "email"), Limits::kEmailMax, false,
              false, out);
    if (!c->email().empty()) {
      size_t at_sign = c->email().find('@');
      if (at_sign == std::string::npos || at_sign == 0 ||
          c->email().find('.', at_sign) == std::string::npos ||
          c->email().find(' ') != std::string::npos) {
        out->Add(Path(at, "email"), "is not an e-mail address");
      }
    }
    CheckText(c->mutable_phone(), Path(at, "phone"), Limits::kPhoneMax, false,
              false, out);
    if (!std::all_of(c->phone().begin(), c->phone().end(), [](char ch) {
          return std::isdigit(static_cast<unsigned char>(ch)) || ch == ' ' ||
                 ch == '+' || ch == '.' || ch == '-' || ch == '(' || ch == ')';
        })) {
      out->Add(Path(at, "phone"), "may contain digits, spaces and +.-() only");
    }
  }
}

// The id of an actor under `rule`, trimmed; whether it is well-formed (and
// so the legal ids may be derived from it).
bool CheckActorId(v1::Actor* actor, std::string_view path, ActorIdRule rule,
                  FieldViolations* out) {
  TrimField(actor, &v1::Actor::id, &v1::Actor::mutable_id);
  const std::string& id = actor->id();
  if (id.empty() && rule == ActorIdRule::kEmptyOrClientKey) return true;
  std::string why;
  if (!IsValidActorId(id, &why)) {
    out->Add(Path(path, "id"), why);
    return false;
  }
  if (IsServerActorId(id) && rule == ActorIdRule::kEmptyOrClientKey) {
    out->Add(Path(path, "id"),
             "is in the server's namespace (mlg:): leave it empty and the "
             "server assigns one, or use an importer key (siret:, siren:, "
             "rna:, ext:SOURCE:)");
    return false;
  }
  return true;
}

}  // namespace

bool IsValidActorId(std::string_view id, std::string* why) {
  auto fail = [&](std::string reason) {
    if (why != nullptr) *why = std::move(reason);
    return false;
  };
  if (id.empty()) return fail("is empty");
  if (id.size() > Limits::kIdMax) {
    return fail(absl::StrCat("is longer than ", Limits::kIdMax, " bytes"));
  }
  size_t colon = id.find(':');
  if (colon == std::string_view::npos) {
    return fail(
        "must start with a scheme: siret:, siren:, rna:, ext:SOURCE: or mlg:");
  }
  std::string_view scheme = id.substr(0, colon);
  std::string_view rest = id.substr(colon + 1);
  if (scheme == "siret") {
    if (rest.size() != 14 || !AllDigits(rest)) {
      return fail("siret: must be followed by 14 digits");
    }
    return true;
  }
  if (scheme == "siren") {
    if (rest.size() != 9 || !AllDigits(rest)) {
      return fail("siren: must be followed by 9 digits");
    }
    return true;
  }
  if (scheme == "rna") {
    if (rest.size() != 10 || rest[0] != 'W' || !AllAlnum(rest)) {
      return fail("rna: must be followed by W and 9 letters or digits");
    }
    return true;
  }
  auto printable_key = [](std::string_view k) {
    return !k.empty() && PrintableAscii(k);
  };
  if (scheme == "ext") {
    size_t second = rest.find(':');
    if (second == std::string_view::npos || second == 0 || second > 32) {
      return fail("ext: must be followed by SOURCE:KEY (source 1-32 chars)");
    }
    std::string_view source = rest.substr(0, second);
    bool source_ok = std::all_of(source.begin(), source.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
             c == '-' || c == '.';
    });
    if (!source_ok) return fail("ext: source may use [A-Za-z0-9_.-] only");
    if (!printable_key(rest.substr(second + 1))) {
      return fail("ext: key must be printable ASCII without spaces");
    }
    return true;
  }
  if (scheme == "mlg") {
    if (!printable_key(rest)) return fail("mlg: key is malformed");
    return true;
  }
  return fail(absl::StrCat("unknown scheme ", Quote(scheme),
                           ": use siret:, siren:, rna:, ext:SOURCE: or mlg:"));
}

bool IsServerActorId(std::string_view id) { return id.rfind("mlg:", 0) == 0; }

void ValidateRequestId(std::string_view request_id, std::string_view path,
                       FieldViolations* out) {
  if (request_id.empty()) return;
  if (request_id.size() > Limits::kRequestIdMax ||
      !PrintableAscii(request_id)) {
    out->Add(std::string(path),
             absl::StrCat("must be at most ", Limits::kRequestIdMax,
                          " printable ASCII characters (a UUID is "
                          "recommended)"));
  }
}

bool ValidateRecordId(std::string_view id, bool required, std::string_view path,
                      FieldViolations* out) {
  if (id.empty()) {
    if (required) out->Add(std::string(path), "is required");
    return !required;
  }
  if (id.size() > Limits::kIdMax) {
    out->Add(std::string(path), TooLong(id.size(), Limits::kIdMax));
    return false;
  }
  if (!PrintableAscii(id)) {
    out->Add(std::string(path),
             "must be printable ASCII characters without spaces");
    return false;
  }
  return true;
}

void ValidateEtag(std::string_view etag, std::string_view path,
                  FieldViolations* out) {
  if (etag.empty()) return;
  if (etag.size() > Limits::kEtagMax || !PrintableAscii(etag)) {
    out->Add(std::string(path),
             absl::StrCat("must be the etag the server returned (at most ",
                          Limits::kEtagMax, " printable ASCII characters)"));
  }
}

void ValidateText(std::string_view text, std::string_view path, size_t max,
                  bool required, bool multiline, FieldViolations* out) {
  CheckTrimmedText(
      text, [&] { return std::string(path); }, max, required, multiline, out);
}

bool ValidateCount(int count, int max, std::string_view path,
                   FieldViolations* out) {
  if (count <= max) return true;
  out->Add(std::string(path),
           absl::StrCat("has ", count, " entries; the limit is ", max));
  return false;
}

void ValidateEnum(int value, bool (*is_valid)(int), std::string_view path,
                  FieldViolations* out) {
  if (!is_valid(value)) {
    out->Add(std::string(path), absl::StrCat("unknown value ", value));
  }
}

void ValidateEnumList(const google::protobuf::RepeatedField<int>& values,
                      bool (*is_valid)(int), int max, std::string_view path,
                      FieldViolations* out, std::string_view allowed) {
  if (!ValidateCount(values.size(), max, path, out)) return;
  for (int i = 0; i < values.size(); ++i) {
    if (values[i] == 0 || !is_valid(values[i])) {
      out->Add(absl::StrCat(AsAbsl(path), "[", i, "]"),
               allowed.empty() ? absl::StrCat("unknown value ", values[i])
                               : absl::StrCat("must be ", AsAbsl(allowed)));
    }
  }
}

void ValidateUpdateMask(const google::protobuf::FieldMask& mask,
                        std::string_view path, FieldViolations* out) {
  ValidateCount(mask.paths_size(), Limits::kMaskPathsMax, Path(path, "paths"),
                out);
}

void ValidateTimestamp(const google::protobuf::Timestamp& time,
                       std::string_view path, FieldViolations* out) {
  using google::protobuf::util::TimeUtil;
  if (time.seconds() < TimeUtil::kTimestampMinSeconds ||
      time.seconds() > TimeUtil::kTimestampMaxSeconds || time.nanos() < 0 ||
      time.nanos() > 999'999'999) {
    out->Add(std::string(path),
             "must be a valid timestamp (years 1 to 9999, nanos within [0, "
             "999999999])");
  }
}

void ValidateMatchWeights(const v1::MatchWeights& weights,
                          std::string_view path, FieldViolations* out) {
  const auto* reflection = weights.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> set;
  reflection->ListFields(weights, &set);
  for (const auto* field : set) {
    const std::string& name = field->name();
    double max = name == "proximity" || name == "responsiveness" ||
                         name == "similar_success"
                     ? 1.0
                     : Limits::kWeightMax;
    double w = reflection->GetDouble(weights, field);
    if (!(w >= 0 && w <= max)) {  // NaN included
      out->Add(Path(path, name), absl::StrCat("must be within [0, ", max, "]"));
    }
  }
}

void ValidateRowNumber(int64_t first_row_number, std::string_view path,
                       FieldViolations* out) {
  if (first_row_number < 0 || first_row_number > Limits::kRowNumberMax) {
    out->Add(std::string(path),
             absl::StrCat("must be within [0, ", Limits::kRowNumberMax, "]"));
  }
}

int ValidatePageSize(int page_size, int default_size, int max_size,
                     std::string_view path, FieldViolations* out) {
  if (page_size < 0) {
    out->Add(std::string(path), "must not be negative");
    return default_size;
  }
  if (page_size == 0) return default_size;
  return std::min(page_size, max_size);
}

void ValidateTheme(const ValidationContext& context, std::string_view theme,
                   bool optional, std::string_view path, FieldViolations* out) {
  CheckTheme(
      context, theme, optional, [&] { return std::string(path); }, out);
}

void ValidateResource(const ValidationContext& context,
                      std::string_view resource, bool optional,
                      std::string_view path, FieldViolations* out) {
  CheckResource(
      context, resource, optional, [&] { return std::string(path); }, out);
}

void ValidateTerritoryRef(const ValidationContext& context,
                          const v1::TerritoryRef& ref, std::string_view path,
                          FieldViolations* out, ResolvedTerritory* resolved) {
  if (!v1::TerritoryLevel_IsValid(ref.level()) ||
      ref.level() == v1::TERRITORY_LEVEL_UNSPECIFIED) {
    out->Add(Path(path, "level"),
             "is required (COMMUNE, EPCI, EPT, DEPARTEMENT, REGION or "
             "CUSTOM): codes of different levels collide");
    return;
  }
  if (ref.code().empty()) {
    out->Add(Path(path, "code"), "is required");
    return;
  }
  if (ref.code().size() > Limits::kTerritoryCodeMax) {
    out->Add(Path(path, "code"),
             TooLong(ref.code().size(), Limits::kTerritoryCodeMax));
    return;
  }
  auto found = context.territories->Resolve(ref, context.workspace);
  if (!found.has_value()) {
    out->Add(Path(path, "code"),
             absl::StrCat("no ", v1::TerritoryLevel_Name(ref.level()),
                          " territory has code ", Quote(ref.code())));
    return;
  }
  if (resolved != nullptr) *resolved = std::move(*found);
}

std::optional<matcher::Scope> ValidateTerritoryFilter(
    const ValidationContext& context, bool present, const v1::TerritoryRef& ref,
    std::string_view path, FieldViolations* out) {
  if (!present) return std::nullopt;
  ResolvedTerritory t;
  size_t before = out->size();
  ValidateTerritoryRef(context, ref, path, out, &t);
  if (out->size() != before) return std::nullopt;
  return std::move(t.scope);
}

namespace {

// The parts of ValidateActor, in the order of the Actor's fields; each adds
// its violations under `path` and normalises what it accepts in place.

void CheckKindAndSubtype(std::string_view path, const v1::Actor& actor,
                         FieldViolations* out) {
  if (!v1::ActorKind_IsValid(actor.kind()) ||
      actor.kind() == v1::ACTOR_KIND_UNSPECIFIED) {
    out->Add(Path(path, "kind"),
             "is required: ASSOCIATION, COMPANY, PUBLIC_BODY, ACADEMIC or "
             "MEDIA");
  }
  if (!v1::ActorSubtype_IsValid(actor.subtype())) {
    out->Add(Path(path, "subtype"), "unknown value");
  } else if (v1::ActorKind_IsValid(actor.kind()) &&
             actor.kind() != v1::ACTOR_KIND_UNSPECIFIED &&
             !v1::SubtypeFitsKind(actor.kind(), actor.subtype())) {
    out->Add(
        Path(path, "subtype"),
        absl::StrCat(v1::ActorSubtype_Name(actor.subtype()),
                     " does not apply to ", v1::ActorKind_Name(actor.kind())));
  }
}

// Registry codes and bands: NAF (made canonical), association purposes,
// size band and status.
void CheckRegistryCodes(std::string_view path, v1::Actor* actor,
                        FieldViolations* out) {
  if (!actor->naf_code().empty()) {
    auto naf = actor->naf_code().size() <= Limits::kNafCodeMax
                   ? CanonicalNaf(actor->naf_code())
                   : std::nullopt;
    if (!naf.has_value()) {
      out->Add(Path(path, "naf_code"),
               "must be a NAF rev. 2 code such as 88.99B");
    } else {
      actor->set_naf_code(*naf);
    }
  }
  if (ValidateCount(actor->association_purpose_codes_size(),
                    Limits::kPurposeCodesMax,
                    Path(path, "association_purpose_codes"), out)) {
    for (int i = 0; i < actor->association_purpose_codes_size(); ++i) {
      std::string* code = actor->mutable_association_purpose_codes(i);
      TrimInPlace(code);
      if (code->empty() || code->size() > Limits::kPurposeCodeMax ||
          !AllAlnum(*code)) {
        out->Add(Indexed(path, "association_purpose_codes", i),
                 absl::StrCat("must be 1 to ", Limits::kPurposeCodeMax,
                              " letters or digits"));
      }
    }
  }
  if (!v1::SizeBand_IsValid(actor->size_band())) {
    out->Add(Path(path, "size_band"), "unknown value");
  }
  if (!v1::ActorStatus_IsValid(actor->status())) {
    out->Add(Path(path, "status"), "unknown value");
  }
}

// The home commune, required and stored as the current commune's code
// (*commune its number when accepted).
void CheckHomeCommune(const ValidationContext& context, std::string_view path,
                      v1::Actor* actor, FieldViolations* out,
                      uint32_t* commune) {
  TrimField(actor, &v1::Actor::home_commune, &v1::Actor::mutable_home_commune);
  if (actor->home_commune().empty()) {
    out->Add(Path(path, "home_commune"), "is required (INSEE code)");
  } else if (actor->home_commune().size() > Limits::kTerritoryCodeMax) {
    out->Add(Path(path, "home_commune"),
             TooLong(actor->home_commune().size(), Limits::kTerritoryCodeMax));
  } else if (auto resolution = context.territories->geography().ResolveCommune(
                 actor->home_commune());
             !resolution.has_value()) {
    out->Add(Path(path, "home_commune"),
             absl::StrCat("no commune has INSEE code ",
                          Quote(actor->home_commune())));
  } else {
    if (resolution->via != territory::CommuneResolution::Via::kCurrentCode) {
      // A former code or an arrondissement: stored as the current commune.
      actor->set_home_commune(std::string(context.territories->geography().Code(
          territory::Level::kCommune, resolution->commune)));
    }
    if (commune != nullptr) *commune = resolution->commune;
  }
}

// The coordinates and the territories it acts on (codes made current).
void CheckLocationAndActionTerritories(const ValidationContext& context,
                                       std::string_view path, v1::Actor* actor,
                                       FieldViolations* out) {
  if (actor->has_location()) {
    const v1::GeoPoint& p = actor->location();
    if (!std::isfinite(p.latitude()) || p.latitude() < -90 ||
        p.latitude() > 90) {
      out->Add(Path(path, "location.latitude"), "must be within [-90, 90]");
    }
    if (!std::isfinite(p.longitude()) || p.longitude() < -180 ||
        p.longitude() > 180) {
      out->Add(Path(path, "location.longitude"), "must be within [-180, 180]");
    }
  }
  if (ValidateCount(actor->action_territories_size(),
                    Limits::kActionTerritoriesMax,
                    Path(path, "action_territories"), out)) {
    for (int i = 0; i < actor->action_territories_size(); ++i) {
      v1::TerritoryRef* ref = actor->mutable_action_territories(i);
      TrimInPlace(ref->mutable_code());
      ResolvedTerritory resolved;
      size_t before = out->size();
      ValidateTerritoryRef(context, *ref,
                           Indexed(path, "action_territories", i), out,
                           &resolved);
      if (out->size() == before) ref->set_code(resolved.code);
    }
  }
}

// Themes: known codes, deduplicated, order kept.
void CheckThemes(const ValidationContext& context, std::string_view path,
                 v1::Actor* actor, FieldViolations* out) {
  if (ValidateCount(actor->themes_size(), Limits::kThemesMax,
                    Path(path, "themes"), out)) {
    // Few themes per actor: a linear scan beats a set.
    auto* themes = actor->mutable_themes();
    int kept = 0;
    for (int i = 0; i < themes->size(); ++i) {
      std::string* theme = themes->Mutable(i);
      TrimInPlace(theme);
      CheckTheme(
          context, *theme, false, [&] { return Indexed(path, "themes", i); },
          out);
      bool seen = false;
      for (int j = 0; j < kept && !seen; ++j) seen = themes->Get(j) == *theme;
      if (!seen) themes->Mutable(kept++)->swap(*theme);
    }
    while (themes->size() > kept) themes->RemoveLast();
  }
}

// What it takes part in: accepted partnership categories and capacity.
void CheckEngagement(std::string_view path, const v1::Actor& actor,
                     FieldViolations* out) {
  ValidateEnumList(actor.accepted_categories(), v1::PartnershipCategory_IsValid,
                   Limits::kCategoriesMax, Path(path, "accepted_categories"),
                   out,
                   "MECENAT, RESPONSIBLE_PRACTICES, ECONOMIC_COOPERATION or "
                   "SOCIETAL_INNOVATION");
  if (actor.has_capacity() &&
      (actor.capacity() < 0 || actor.capacity() > Limits::kCapacityMax)) {
    out->Add(Path(path, "capacity"),
             absl::StrCat("must be within [0, ", Limits::kCapacityMax, "]"));
  }
}

// Free text shown to people: description, website, source.
void CheckPresentation(std::string_view path, v1::Actor* actor,
                       FieldViolations* out) {
  CheckTextField(
      actor, &v1::Actor::description, &v1::Actor::mutable_description,
      [&] { return Path(path, "description"); }, Limits::kDescriptionMax, false,
      true, out);
  CheckTextField(
      actor, &v1::Actor::website, &v1::Actor::mutable_website,
      [&] { return Path(path, "website"); }, Limits::kUrlMax, false, false,
      out);
  if (!actor->website().empty() && actor->website().rfind("http://", 0) != 0 &&
      actor->website().rfind("https://", 0) != 0) {
    out->Add(Path(path, "website"), "must start with http:// or https://");
  }
  CheckTextField(
      actor, &v1::Actor::source, &v1::Actor::mutable_source,
      [&] { return Path(path, "source"); }, Limits::kSourceMax, false, false,
      out);
}

}  // namespace

void ValidateActor(const ValidationContext& context, std::string_view path,
                   ActorIdRule id_rule, v1::Actor* actor, FieldViolations* out,
                   uint32_t* commune) {
  if (commune != nullptr) *commune = territory::kNone;
  bool id_ok = CheckActorId(actor, path, id_rule, out);
  CheckKindAndSubtype(path, *actor, out);
  CheckTextField(
      actor, &v1::Actor::name, &v1::Actor::mutable_name,
      [&] { return Path(path, "name"); }, Limits::kNameMax, true, false, out);
  CheckLegalIds(id_ok, path, actor, out);
  CheckRegistryCodes(path, actor, out);
  CheckHomeCommune(context, path, actor, out, commune);
  CheckLocationAndActionTerritories(context, path, actor, out);
  CheckThemes(context, path, actor, out);
  CheckExchanges(context, actor->mutable_needs(), path, "needs", out);
  CheckExchanges(context, actor->mutable_offers(), path, "offers", out);
  CheckEngagement(path, *actor, out);
  CheckPresentation(path, actor, out);
  CheckContacts(path, actor, out);
}

bool ValidateCustomZoneCode(std::string_view code, std::string_view path,
                            FieldViolations* out) {
  bool ok = !code.empty() && code.size() <= Limits::kTerritoryCodeMax &&
            std::all_of(code.begin(), code.end(), [](char c) {
              return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     c == '_' || c == '-';
            });
  if (!ok) {
    out->Add(std::string(path),
             absl::StrCat("must be 1 to ", Limits::kTerritoryCodeMax,
                          " characters among a-z, 0-9, _ and -"));
  }
  return ok;
}

void ValidateCustomTerritory(const ValidationContext& context,
                             std::string_view path, v1::Territory* zone,
                             std::vector<uint32_t>* communes,
                             FieldViolations* out) {
  v1::TerritoryRef* ref = zone->mutable_ref();
  if (ref->level() == v1::TERRITORY_LEVEL_UNSPECIFIED) {
    ref->set_level(v1::TERRITORY_LEVEL_CUSTOM);
  }
  if (ref->level() != v1::TERRITORY_LEVEL_CUSTOM) {
    out->Add(Path(path, "ref.level"),
             "must be CUSTOM: only custom zones can be created or changed");
  }
  ValidateCustomZoneCode(ref->code(), Path(path, "ref.code"), out);
  CheckText(zone->mutable_name(), Path(path, "name"), Limits::kNameMax, true,
            false, out);
  CheckText(zone->mutable_description(), Path(path, "description"),
            Limits::kDescriptionMax, false, true, out);
  communes->clear();
  if (zone->communes_size() == 0) {
    out->Add(Path(path, "communes"), "must list at least one commune");
  }
  if (!ValidateCount(zone->communes_size(), Limits::kCustomCommunesMax,
                     Path(path, "communes"), out)) {
    return;
  }
  const auto& geo = context.territories->geography();
  for (int i = 0; i < zone->communes_size(); ++i) {
    std::string* c = zone->mutable_communes(i);
    TrimInPlace(c);
    if (c->size() > Limits::kTerritoryCodeMax) {
      out->Add(Indexed(path, "communes", i),
               TooLong(c->size(), Limits::kTerritoryCodeMax));
      continue;
    }
    auto r = geo.ResolveCommune(*c);
    if (!r.has_value()) {
      out->Add(Indexed(path, "communes", i),
               absl::StrCat("no commune has INSEE code ", Quote(*c)));
      continue;
    }
    communes->push_back(r->commune);
  }
  std::sort(communes->begin(), communes->end());
  communes->erase(std::unique(communes->begin(), communes->end()),
                  communes->end());
  // Store the canonical list: current codes, sorted, no duplicates.
  zone->clear_communes();
  for (uint32_t c : *communes) {
    zone->add_communes(std::string(geo.Code(territory::Level::kCommune, c)));
  }
}

std::optional<double> DeriveSeverity(const v1::TerritoryFact& fact) {
  if (!fact.has_value() || !fact.has_reference_value() ||
      fact.reference_value() <= 0 || !std::isfinite(fact.value())) {
    return std::nullopt;
  }
  double ratio = fact.value() / fact.reference_value();
  double excess = fact.higher_is_better() ? (1.0 / std::max(ratio, 1e-9)) - 1.0
                                          : ratio - 1.0;
  return std::clamp(excess, 0.0, 1.0);
}

void ValidateFact(const ValidationContext& context, std::string_view path,
                  bool id_required, v1::TerritoryFact* fact,
                  FieldViolations* out) {
  TrimInPlace(fact->mutable_id());
  ValidateRecordId(fact->id(), id_required, Path(path, "id"), out);
  if (fact->type() != v1::FACT_TYPE_FRAGILITY &&
      fact->type() != v1::FACT_TYPE_ASSET) {
    out->Add(Path(path, "type"), "must be FRAGILITY or ASSET");
  }
  ResolvedTerritory resolved;
  size_t before = out->size();
  ValidateTerritoryRef(context, fact->territory(), Path(path, "territory"), out,
                       &resolved);
  if (out->size() == before) fact->mutable_territory()->set_code(resolved.code);
  TrimInPlace(fact->mutable_theme());
  ValidateTheme(context, fact->theme(), false, Path(path, "theme"), out);
  CheckText(fact->mutable_title(), Path(path, "title"), Limits::kNameMax, true,
            false, out);
  CheckText(fact->mutable_indicator(), Path(path, "indicator"),
            Limits::kShortTextMax, false, false, out);
  CheckText(fact->mutable_unit(), Path(path, "unit"), Limits::kUnitMax, false,
            false, out);
  CheckText(fact->mutable_source(), Path(path, "source"), Limits::kShortTextMax,
            false, false, out);
  CheckText(fact->mutable_description(), Path(path, "description"),
            Limits::kDescriptionMax, false, true, out);
  if (fact->has_value() && !std::isfinite(fact->value())) {
    out->Add(Path(path, "value"), "must be a finite number");
  }
  if (fact->has_reference_value() && !std::isfinite(fact->reference_value())) {
    out->Add(Path(path, "reference_value"), "must be a finite number");
  }
  if (fact->year() != 0 &&
      (fact->year() < Limits::kYearMin || fact->year() > Limits::kYearMax)) {
    out->Add(Path(path, "year"),
             absl::StrCat("must be within [", Limits::kYearMin, ", ",
                          Limits::kYearMax, "]"));
  }
  fact->set_severity_derived(false);
  if (fact->has_severity()) {
    if (!std::isfinite(fact->severity()) || fact->severity() < 0 ||
        fact->severity() > 1) {
      out->Add(Path(path, "severity"), "must be within [0, 1]");
    }
  } else if (fact->type() == v1::FACT_TYPE_FRAGILITY) {
    auto derived = DeriveSeverity(*fact);
    if (derived.has_value()) {
      fact->set_severity(*derived);
      fact->set_severity_derived(true);
    }
  }
}

}  // namespace maillage::core

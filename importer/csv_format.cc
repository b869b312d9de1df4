// --format csv: a lab's own spreadsheet with a column mapping.

#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "importer/commune_resolver.h"
#include "importer/formats.h"
#include "importer/lambert93.h"

namespace maillage::importer::internal {
namespace {

enum class Field {
  kId,
  kKey,
  kName,
  kKind,
  kSubtype,
  kHomeCommune,
  kPostalCode,
  kCommuneName,
  kThemes,
  kNeeds,
  kOffers,
  kSiret,
  kSiren,
  kRna,
  kNaf,
  kPurposes,
  kSizeBand,
  kWebsite,
  kDescription,
  kCapacity,
  kLatitude,
  kLongitude,
  kLambertX,
  kLambertY,
  kContactName,
  kContactRole,
  kContactEmail,
  kContactPhone,
};

struct FieldName {
  std::string_view name;
  Field field;
};

// Field paths of Actor, plus a few obvious aliases.
constexpr FieldName kFields[] = {
    {"id", Field::kId},
    {"key", Field::kKey},
    {"name", Field::kName},
    {"kind", Field::kKind},
    {"subtype", Field::kSubtype},
    {"home_commune", Field::kHomeCommune},
    {"insee", Field::kHomeCommune},
    {"postal_code", Field::kPostalCode},
    {"commune_name", Field::kCommuneName},
    {"themes", Field::kThemes},
    {"needs", Field::kNeeds},
    {"offers", Field::kOffers},
    {"legal_ids.siret", Field::kSiret},
    {"siret", Field::kSiret},
    {"legal_ids.siren", Field::kSiren},
    {"siren", Field::kSiren},
    {"legal_ids.rna", Field::kRna},
    {"rna", Field::kRna},
    {"naf_code", Field::kNaf},
    {"association_purpose_codes", Field::kPurposes},
    {"size_band", Field::kSizeBand},
    {"website", Field::kWebsite},
    {"description", Field::kDescription},
    {"capacity", Field::kCapacity},
    {"location.latitude", Field::kLatitude},
    {"location.longitude", Field::kLongitude},
    {"lambert93.x", Field::kLambertX},
    {"lambert93.y", Field::kLambertY},
    {"contacts.name", Field::kContactName},
    {"contacts.role", Field::kContactRole},
    {"contacts.email", Field::kContactEmail},
    {"contacts.phone", Field::kContactPhone},
};

bool ValidSource(std::string_view source) {
  if (source.empty() || source.size() > 32) return false;
  for (char c : source) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' &&
        c != '.' && c != '-') {
      return false;
    }
  }
  return true;
}

bool ValidKey(std::string_view key) {
  for (char c : key) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F) return false;
  }
  return !key.empty();
}

bool ParseNumber(std::string_view s, double* out) {
  if (s.empty() || s.size() > 31) return false;
  char buffer[32];
  for (size_t i = 0; i < s.size(); ++i) {
    buffer[i] = s[i] == ',' ? '.' : s[i];  // French decimal comma
  }
  buffer[s.size()] = '\0';
  char* end = nullptr;
  *out = std::strtod(buffer, &end);
  return end == buffer + s.size();
}

// Splits "a|b|c" into trimmed non-empty parts.
template <typename F>
void ForEachItem(std::string_view list, F&& f) {
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find('|', start);
    if (end == std::string_view::npos) end = list.size();
    std::string_view item = Trim(list.substr(start, end - start));
    if (!item.empty()) f(item);
    start = end + 1;
  }
}

class LabCsvReader final : public CsvFormatReader {
  friend absl::StatusOr<std::unique_ptr<DirectoryReader>>
  internal::MakeReader<LabCsvReader>(const DirectoryOptions& options);

 protected:
  bool ReadRow(Row* row) override;

 private:
  struct Mapped {
    int column;
    Field field;
  };

  explicit LabCsvReader(const DirectoryOptions& options)
      : mappings_(options.mappings),
        communes_(options.geography),
        source_(options.source),
        actor_source_("lab:" + options.source),
        default_kind_(options.default_kind) {}

  absl::Status Init(const DirectoryOptions& options);
  // Maps one non-empty cell; false (row rejected) on a bad value.
  bool Apply(const Mapped& m, std::string_view value, Row* row);
  // Apply's fields that take more than a line; each rejects the row with
  // its column and reason when the value is bad.
  bool ApplyKind(const Mapped& m, std::string_view value, Row* row);
  bool ApplyThemes(const Mapped& m, std::string_view value, Row* row);
  bool ApplyExchanges(const Mapped& m, std::string_view value, Row* row);
  bool ApplySizeBand(const Mapped& m, std::string_view value, Row* row);
  bool ApplyCapacity(const Mapped& m, std::string_view value, Row* row);
  bool ApplyDegrees(const Mapped& m, std::string_view value, Row* row);
  bool ApplyLambert(const Mapped& m, std::string_view value, Row* row);
  void ApplyContact(const Mapped& m, std::string_view value, v1::Actor* actor);

  const Mappings* mappings_;
  CommuneResolver communes_;
  std::string source_;
  std::string actor_source_;  // "lab:<source>"
  v1::ActorKind default_kind_;
  std::vector<Mapped> mapped_;
  std::string buffer_;

  // Per row: what Apply saw.
  std::string_view id_, key_, insee_, postal_, commune_name_;
  bool has_x_ = false, has_y_ = false;
  double x_ = 0, y_ = 0;
  bool kind_set_ = false;
  int key_column_ = -1;
  bool has_commune_column_ = false;
};

absl::Status LabCsvReader::Init(const DirectoryOptions& options) {
  if (!ValidSource(source_)) {
    return absl::InvalidArgumentError(
        absl::StrCat("source '", source_,
                     "': expected 1 to 32 letters, digits, '_', '.' "
                     "or '-'"));
  }
  ASSIGN_OR_RETURN(auto input, OpenInput(options));
  ASSIGN_OR_RETURN(csv_, CsvReader::FromSource(std::move(input), options.csv));
  counters_.separator = csv_->separator();
  if (options.columns.empty()) {
    return absl::InvalidArgumentError(
        "the csv format needs a column mapping (column=field ...)");
  }
  bool has_id = false;
  for (const ColumnMapping& mapping : options.columns) {
    int column = csv_->Column(mapping.column);
    if (column < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          options.path, ": no column '", mapping.column,
          "' (the header has: ", absl::StrJoin(csv_->header(), ", "), ")"));
    }
    const FieldName* found = nullptr;
    for (const FieldName& f : kFields) {
      if (f.name == mapping.field) found = &f;
    }
    if (found == nullptr) {
      std::vector<std::string> names;
      for (const FieldName& f : kFields) names.emplace_back(f.name);
      return absl::InvalidArgumentError(absl::StrCat(
          "column mapping '", mapping.column, "=", mapping.field,
          "': unknown field (fields: ", absl::StrJoin(names, ", "), ")"));
    }
    mapped_.push_back({column, found->field});
    switch (found->field) {
      case Field::kId:
      case Field::kKey:
      case Field::kSiret:
      case Field::kRna:
        has_id = true;
        break;
      case Field::kHomeCommune:
      case Field::kPostalCode:
        has_commune_column_ = true;
        break;
      default:
        break;
    }
    if (found->field == Field::kKey) key_column_ = column;
  }
  if (!has_id) {
    return absl::InvalidArgumentError(
        "the column mapping gives no id: map a column to id, key "
        "(ids ext:SOURCE:KEY), legal_ids.siret or legal_ids.rna");
  }
  if (!has_commune_column_) {
    return absl::InvalidArgumentError(
        "the column mapping gives no commune: map a column to home_commune "
        "(INSEE code) or postal_code");
  }
  return absl::OkStatus();
}

bool LabCsvReader::Apply(const Mapped& m, std::string_view value, Row* row) {
  v1::Actor* actor = &row->actor;
  switch (m.field) {
    case Field::kId:
      id_ = value;
      return true;
    case Field::kKey:
      key_ = value;
      return true;
    case Field::kName:
      SetText(value, kNameMax, false, actor->mutable_name());
      return true;
    case Field::kKind:
    case Field::kSubtype:
      return ApplyKind(m, value, row);
    case Field::kHomeCommune:
      insee_ = value;
      return true;
    case Field::kPostalCode:
      postal_ = value;
      return true;
    case Field::kCommuneName:
      commune_name_ = value;
      return true;
    case Field::kThemes:
      return ApplyThemes(m, value, row);
    case Field::kNeeds:
    case Field::kOffers:
      return ApplyExchanges(m, value, row);
    case Field::kSiret:
      actor->mutable_legal_ids()->set_siret(value.data(), value.size());
      return true;
    case Field::kSiren:
      actor->mutable_legal_ids()->set_siren(value.data(), value.size());
      return true;
    case Field::kRna:
      actor->mutable_legal_ids()->set_rna(value.data(), value.size());
      return true;
    case Field::kNaf:
      actor->set_naf_code(value.data(), value.size());
      if (const ActivityRule* rule = mappings_->Naf(value)) {
        ApplyActivity(*rule, actor);
      }
      return true;
    case Field::kPurposes:
      ForEachItem(value, [&](std::string_view item) {
        actor->add_association_purpose_codes(item.data(), item.size());
        if (const ActivityRule* rule = mappings_->Purpose(item)) {
          ApplyActivity(*rule, actor);
        }
      });
      return true;
    case Field::kSizeBand:
      return ApplySizeBand(m, value, row);
    case Field::kWebsite:
      if (!NormalizeWebsite(value, actor->mutable_website())) {
        Reject(row, m.column,
               absl::StrCat("'", AsAbsl(value), "' is not a web address"));
        return false;
      }
      return true;
    case Field::kDescription:
      SetText(value, kDescriptionMax, true, actor->mutable_description());
      return true;
    case Field::kCapacity:
      return ApplyCapacity(m, value, row);
    case Field::kLatitude:
    case Field::kLongitude:
      return ApplyDegrees(m, value, row);
    case Field::kLambertX:
    case Field::kLambertY:
      return ApplyLambert(m, value, row);
    case Field::kContactName:
    case Field::kContactRole:
    case Field::kContactEmail:
    case Field::kContactPhone:
      ApplyContact(m, value, &row->actor);
      return true;
  }
  return true;
}

// A kind word (kind_words.tsv) for kind or subtype; subtype also takes
// a subtype's own name. The kind column wins over the subtype's kind.
bool LabCsvReader::ApplyKind(const Mapped& m, std::string_view value,
                             Row* row) {
  v1::Actor* actor = &row->actor;
  std::optional<KindWord> word = mappings_->Kind(value);
  if (!word) {
    if (m.field == Field::kSubtype) {
      v1::ActorSubtype subtype;
      if (v1::ActorSubtype_Parse(
              absl::StrCat("ACTOR_SUBTYPE_",
                           absl::AsciiStrToUpper(AsAbsl(value))),
              &subtype)) {
        actor->set_subtype(subtype);
        return true;
      }
    }
    Reject(row, m.column,
           absl::StrCat("unknown kind '", AsAbsl(value),
                        "' (association, entreprise, collectivité, "
                        "université, média... see "
                        "reference/mappings/kind_words.tsv)"));
    return false;
  }
  if (m.field == Field::kKind || !kind_set_) {
    actor->set_kind(word->kind);
    kind_set_ = true;
  }
  if (word->subtype != v1::ACTOR_SUBTYPE_UNSPECIFIED) {
    actor->set_subtype(word->subtype);
  }
  return true;
}

// Themes by code or label, separated by |; each kept once.
bool LabCsvReader::ApplyThemes(const Mapped& m, std::string_view value,
                               Row* row) {
  v1::Actor* actor = &row->actor;
  bool ok = true;
  ForEachItem(value, [&](std::string_view item) {
    if (!ok) return;
    std::optional<std::string_view> theme = mappings_->Theme(item);
    if (!theme) {
      Reject(row, m.column,
             absl::StrCat("unknown theme '", AsAbsl(item),
                          "' (codes or labels that 'maillage themes' "
                          "lists, separated by |)"));
      ok = false;
      return;
    }
    for (const std::string& t : actor->themes()) {
      if (t == *theme) return;
    }
    actor->add_themes(theme->data(), theme->size());
  });
  return ok;
}

// Needs or offers: resource[:theme] items separated by |.
bool LabCsvReader::ApplyExchanges(const Mapped& m, std::string_view value,
                                  Row* row) {
  v1::Actor* actor = &row->actor;
  bool ok = true;
  ForEachItem(value, [&](std::string_view item) {
    if (!ok) return;
    size_t colon = item.find(':');
    std::string_view resource_text = Trim(item.substr(0, colon));
    std::string_view theme_text =
        colon == std::string_view::npos ? "" : Trim(item.substr(colon + 1));
    std::optional<std::string_view> resource =
        mappings_->Resource(resource_text);
    std::optional<std::string_view> theme;
    if (!theme_text.empty()) theme = mappings_->Theme(theme_text);
    if (!resource || (!theme_text.empty() && !theme)) {
      Reject(row, m.column,
             !resource
                 ? absl::StrCat("unknown resource '", AsAbsl(resource_text),
                                "' (codes or labels that 'maillage "
                                "resources' lists; items are "
                                "resource:theme separated by |)")
                 : absl::StrCat("unknown theme '", AsAbsl(theme_text),
                                "' (codes or labels that 'maillage "
                                "themes' lists)"));
      ok = false;
      return;
    }
    v1::Exchange* e =
        m.field == Field::kNeeds ? actor->add_needs() : actor->add_offers();
    e->set_resource(resource->data(), resource->size());
    if (theme) e->set_theme(theme->data(), theme->size());
  });
  return ok;
}

// A SIRENE head-count code or a size band's name.
bool LabCsvReader::ApplySizeBand(const Mapped& m, std::string_view value,
                                 Row* row) {
  v1::Actor* actor = &row->actor;
  if (auto band = mappings_->HeadCount(value)) {
    actor->set_size_band(*band);
    return true;
  }
  v1::SizeBand band;
  if (v1::SizeBand_Parse(
          absl::StrCat("SIZE_BAND_", absl::AsciiStrToUpper(AsAbsl(value))),
          &band)) {
    actor->set_size_band(band);
    return true;
  }
  Reject(row, m.column,
         absl::StrCat("unknown size band '", AsAbsl(value),
                      "' (none, micro, small, medium, large, very_large, "
                      "or a SIRENE head-count code)"));
  return false;
}

// A whole number 0 to 10000.
bool LabCsvReader::ApplyCapacity(const Mapped& m, std::string_view value,
                                 Row* row) {
  v1::Actor* actor = &row->actor;
  double n = 0;
  // Written so that NaN fails too (and is never cast to int).
  if (!ParseNumber(value, &n) || !(n >= 0 && n <= 10000) ||
      n != static_cast<int>(n)) {
    Reject(row, m.column,
           absl::StrCat("'", AsAbsl(value),
                        "' is not a capacity (a whole number 0 to "
                        "10000)"));
    return false;
  }
  actor->set_capacity(static_cast<int>(n));
  return true;
}

// A latitude or longitude in degrees.
bool LabCsvReader::ApplyDegrees(const Mapped& m, std::string_view value,
                                Row* row) {
  v1::Actor* actor = &row->actor;
  double n = 0;
  bool lat = m.field == Field::kLatitude;
  if (!ParseNumber(value, &n) ||
      !(lat ? (n >= -90 && n <= 90) : (n >= -180 && n <= 180))) {
    Reject(row, m.column,
           absl::StrCat("'", AsAbsl(value), "' is not a ",
                        lat ? "latitude" : "longitude", " in degrees"));
    return false;
  }
  if (lat) {
    actor->mutable_location()->set_latitude(n);
  } else {
    actor->mutable_location()->set_longitude(n);
  }
  return true;
}

// A Lambert-93 x or y in metres, converted once the row is read.
bool LabCsvReader::ApplyLambert(const Mapped& m, std::string_view value,
                                Row* row) {
  double n = 0;
  if (!ParseNumber(value, &n)) {
    Reject(row, m.column,
           absl::StrCat("'", AsAbsl(value),
                        "' is not a Lambert-93 coordinate in metres"));
    return false;
  }
  if (m.field == Field::kLambertX) {
    x_ = n;
    has_x_ = true;
  } else {
    y_ = n;
    has_y_ = true;
  }
  return true;
}

// Name, role, e-mail or phone of the row's one contact.
void LabCsvReader::ApplyContact(const Mapped& m, std::string_view value,
                                v1::Actor* actor) {
  v1::Contact* contact = actor->contacts_size() > 0 ? actor->mutable_contacts(0)
                                                    : actor->add_contacts();
  std::string* target =
      m.field == Field::kContactName    ? contact->mutable_name()
      : m.field == Field::kContactRole  ? contact->mutable_role()
      : m.field == Field::kContactEmail ? contact->mutable_email()
                                        : contact->mutable_phone();
  SetText(value, kShortTextMax, false, target);
}

bool LabCsvReader::ReadRow(Row* row) {
  if (!StartRow(row)) return false;
  if (row->outcome == Row::Outcome::kRejected) return true;
  v1::Actor* actor = &row->actor;
  id_ = key_ = insee_ = postal_ = commune_name_ = std::string_view();
  has_x_ = has_y_ = kind_set_ = false;
  for (const Mapped& m : mapped_) {
    std::string_view value = Trim(record_.field(m.column));
    if (value.empty()) continue;
    if (!Apply(m, value, row)) return true;
  }
  if (!kind_set_ && default_kind_ != v1::ACTOR_KIND_UNSPECIFIED) {
    actor->set_kind(default_kind_);
  }

  // Identity.
  if (!id_.empty()) {
    actor->set_id(id_.data(), id_.size());
  } else if (!key_.empty()) {
    if (!ValidKey(key_)) {
      Reject(row, key_column_,
             absl::StrCat("the key '", AsAbsl(key_),
                          "' has spaces or characters other than printable "
                          "ASCII; ids ext:SOURCE:KEY cannot hold them"));
      return true;
    }
    buffer_.assign("ext:");
    buffer_.append(source_);
    buffer_.push_back(':');
    buffer_.append(key_.data(), key_.size());
    actor->set_id(buffer_);
  } else if (!actor->legal_ids().siret().empty()) {
    actor->set_id(absl::StrCat("siret:", actor->legal_ids().siret()));
  } else if (!actor->legal_ids().rna().empty()) {
    actor->set_id(absl::StrCat("rna:", actor->legal_ids().rna()));
  } else {
    Reject(row, -1,
           "no id: the columns mapped to id, key, legal_ids.siret "
           "and legal_ids.rna are empty");
    return true;
  }

  CommuneResolver::Result place =
      communes_.Resolve(insee_, postal_, commune_name_);
  if (!place.ok()) {
    int column = -1;
    for (const Mapped& m : mapped_) {
      if ((place.field == "insee" && m.field == Field::kHomeCommune) ||
          (place.field == "postal_code" && m.field == Field::kPostalCode)) {
        column = m.column;
      }
    }
    Reject(row, column, std::move(place.reason));
    return true;
  }
  std::string_view code = communes_.Code(place.commune);
  actor->set_home_commune(code.data(), code.size());
  if (has_x_ && has_y_) {
    LatLon p = Lambert93ToWgs84(x_, y_);
    actor->mutable_location()->set_latitude(p.latitude);
    actor->mutable_location()->set_longitude(p.longitude);
  }
  actor->set_source(actor_source_);
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<DirectoryReader>> OpenLabCsv(
    const DirectoryOptions& options) {
  return MakeReader<LabCsvReader>(options);
}

}  // namespace maillage::importer::internal

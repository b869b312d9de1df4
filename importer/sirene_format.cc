// --format sirene: INSEE StockEtablissement rows, joined with the legal
// units when given.

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "importer/commune_resolver.h"
#include "importer/formats.h"
#include "importer/lambert93.h"

namespace maillage::importer::internal {
namespace {

// Parses a decimal number ("652469.3"); false when empty or malformed.
bool ParseDouble(std::string_view s, double* out) {
  if (s.empty() || s.size() > 31) return false;
  char buffer[32];
  s.copy(buffer, s.size());
  buffer[s.size()] = '\0';
  char* end = nullptr;
  *out = std::strtod(buffer, &end);
  return end == buffer + s.size();
}

class SireneReader final : public CsvFormatReader {
  friend absl::StatusOr<std::unique_ptr<DirectoryReader>>
  internal::MakeReader<SireneReader>(const DirectoryOptions& options);

 protected:
  bool ReadRow(Row* row) override;

 private:
  explicit SireneReader(const DirectoryOptions& options)
      : mappings_(options.mappings), communes_(options.geography) {}

  absl::Status Init(const DirectoryOptions& options);
  // The actor's name: the establishment's sign, else its usual name, else
  // its legal unit's; false (row rejected) when all are empty.
  bool SetName(const std::optional<LegalUnitTable::Unit>& unit, Row* row);
  // The id: rna:W... for an association's head office whose legal unit
  // has an RNA number, else siret:...; and the legal ids.
  void SetIdentity(std::string_view siret, v1::ActorKind kind,
                   const std::optional<LegalUnitTable::Unit>& unit,
                   v1::Actor* actor);
  // The position from Lambert-93, for metropolitan France only (the
  // overseas départements, 97x and 98x, use other projections).
  void SetLocation(std::string_view commune_code, v1::Actor* actor);
  std::string_view Field(int column) const {
    std::string_view v = Trim(record_.field(column));
    return IsUndisclosed(v) ? std::string_view() : v;
  }

  const Mappings* mappings_;
  CommuneResolver communes_;
  std::unique_ptr<LegalUnitTable> owned_units_;
  const LegalUnitTable* units_ = nullptr;
  std::string id_;

  int siret_ = -1, state_ = -1, head_count_ = -1, postal_ = -1,
      commune_name_ = -1, commune_ = -1, sign_ = -1, usual_name_ = -1,
      naf_ = -1, naf_nomenclature_ = -1, lambert_x_ = -1, lambert_y_ = -1,
      head_office_ = -1, country_ = -1;
};

absl::Status SireneReader::Init(const DirectoryOptions& options) {
  if (options.legal_units != nullptr) {
    units_ = options.legal_units;
  } else if (!options.legal_units_path.empty()) {
    CsvOptions unit_options;
    unit_options.encoding = options.csv.encoding;
    ASSIGN_OR_RETURN(owned_units_, LegalUnitTable::Load(
                                       options.legal_units_path, unit_options));
    units_ = owned_units_.get();
  }
  ASSIGN_OR_RETURN(auto input, OpenInput(options));
  ASSIGN_OR_RETURN(csv_, CsvReader::FromSource(std::move(input), options.csv));
  counters_.separator = csv_->separator();
  siret_ = csv_->Column("siret");
  state_ = csv_->Column("etatAdministratifEtablissement");
  head_count_ = csv_->Column("trancheEffectifsEtablissement");
  postal_ = csv_->Column("codePostalEtablissement");
  commune_name_ = csv_->Column("libelleCommuneEtablissement");
  commune_ = csv_->Column("codeCommuneEtablissement");
  sign_ = csv_->Column("enseigne1Etablissement");
  usual_name_ = csv_->Column("denominationUsuelleEtablissement");
  naf_ = csv_->Column("activitePrincipaleEtablissement");
  naf_nomenclature_ =
      csv_->Column("nomenclatureActivitePrincipaleEtablissement");
  lambert_x_ = csv_->Column("coordonneeLambertAbscisseEtablissement");
  lambert_y_ = csv_->Column("coordonneeLambertOrdonneeEtablissement");
  head_office_ = csv_->Column("etablissementSiege");
  country_ = csv_->Column("codePaysEtrangerEtablissement");
  std::vector<std::string> missing;
  if (siret_ < 0) missing.push_back("siret");
  if (commune_ < 0 && postal_ < 0) {
    missing.push_back("codeCommuneEtablissement or codePostalEtablissement");
  }
  if (!missing.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        options.path,
        ": not a SIRENE establishment file (StockEtablissement): no column ",
        absl::StrJoin(missing, ", ")));
  }
  return absl::OkStatus();
}

// The kind and subtype of an establishment: its legal unit's category
// first, else its activity (NAF); a company whose activity is media is a
// media; a social-economy company is told apart.
std::pair<v1::ActorKind, v1::ActorSubtype> Classify(
    const LegalCategoryRule* legal, const ActivityRule* activity,
    const std::optional<LegalUnitTable::Unit>& unit) {
  v1::ActorKind kind = v1::ACTOR_KIND_COMPANY;
  v1::ActorSubtype subtype = v1::ACTOR_SUBTYPE_UNSPECIFIED;
  if (legal != nullptr && legal->kind != v1::ACTOR_KIND_UNSPECIFIED) {
    kind = legal->kind;
    subtype = legal->subtype;
  } else if (activity != nullptr &&
             activity->kind != v1::ACTOR_KIND_UNSPECIFIED) {
    kind = activity->kind;
  }
  if (kind == v1::ACTOR_KIND_COMPANY && activity != nullptr &&
      activity->kind == v1::ACTOR_KIND_MEDIA) {
    kind = v1::ACTOR_KIND_MEDIA;
    subtype = v1::ACTOR_SUBTYPE_UNSPECIFIED;
  }
  if (unit && unit->social_economy && kind == v1::ACTOR_KIND_COMPANY &&
      subtype == v1::ACTOR_SUBTYPE_UNSPECIFIED) {
    subtype = v1::ACTOR_SUBTYPE_SOCIAL_ECONOMY_COMPANY;
  }
  return {kind, subtype};
}

bool SireneReader::ReadRow(Row* row) {
  if (!StartRow(row)) return false;
  if (row->outcome == Row::Outcome::kRejected) return true;
  v1::Actor* actor = &row->actor;
  if (Field(state_) == "F") {
    Skip(row, "closed establishment");
    return true;
  }
  std::string_view siret = Field(siret_);
  bool digits = siret.size() == 14;
  for (char c : siret) digits = digits && c >= '0' && c <= '9';
  if (!digits) {
    Reject(row, siret_,
           absl::StrCat("'", AsAbsl(siret), "' is not a SIRET (14 digits)"));
    return true;
  }
  std::string_view insee = Field(commune_);
  if (insee.empty() && !Field(country_).empty()) {
    Skip(row, "establishment abroad");
    return true;
  }

  // The legal unit, when joined.
  std::optional<LegalUnitTable::Unit> unit;
  const LegalCategoryRule* legal = nullptr;
  if (units_ != nullptr) {
    unit = units_->Find(*ParseSiren(siret.substr(0, 9)));
    if (unit) {
      ++counters_.joined;
      legal = mappings_->LegalCategory(unit->category);
      if (legal != nullptr && legal->skip) {
        Skip(row, legal->label);
        return true;
      }
    }
  }

  // Activity: NAF rev. 2 only (older nomenclatures have other codes).
  const ActivityRule* activity = nullptr;
  std::string_view naf = Field(naf_);
  std::string_view nomenclature = Field(naf_nomenclature_);
  if (!naf.empty() && (nomenclature.empty() || nomenclature == "NAFRev2") &&
      NormalizeNaf(naf).has_value()) {
    actor->set_naf_code(naf.data(), naf.size());
    activity = mappings_->Naf(naf);
  }
  auto [kind, subtype] = Classify(legal, activity, unit);
  actor->set_kind(kind);
  actor->set_subtype(subtype);

  if (!SetName(unit, row)) return true;
  CommuneResolver::Result place =
      communes_.Resolve(insee, Field(postal_), Field(commune_name_));
  if (!place.ok()) {
    Reject(row, place.field == "insee" ? commune_ : postal_,
           std::move(place.reason));
    return true;
  }
  std::string_view code = communes_.Code(place.commune);
  actor->set_home_commune(code.data(), code.size());
  SetIdentity(siret, kind, unit, actor);
  if (auto band = mappings_->HeadCount(Field(head_count_))) {
    actor->set_size_band(*band);
  }
  if (activity != nullptr) ApplyActivity(*activity, actor);
  SetLocation(code, actor);
  actor->set_source("sirene");
  return true;
}

bool SireneReader::SetName(const std::optional<LegalUnitTable::Unit>& unit,
                           Row* row) {
  std::string_view name = Field(sign_);
  if (name.empty()) name = Field(usual_name_);
  if (name.empty() && unit) name = Trim(unit->name);
  if (name.empty()) {
    Reject(row, -1,
           unit ? "no name: enseigne1Etablissement, "
                  "denominationUsuelleEtablissement and the legal unit's "
                  "denomination are all empty"
           : units_ != nullptr
               ? "no name: enseigne1Etablissement and "
                 "denominationUsuelleEtablissement are empty and the "
                 "legal unit is not in the legal-unit file"
               : "no name: enseigne1Etablissement and "
                 "denominationUsuelleEtablissement are empty (give "
                 "the legal-unit file for the legal name)");
    return false;
  }
  SetText(name, kNameMax, false, row->actor.mutable_name());
  return true;
}

void SireneReader::SetIdentity(std::string_view siret, v1::ActorKind kind,
                               const std::optional<LegalUnitTable::Unit>& unit,
                               v1::Actor* actor) {
  bool head_office = head_office_ < 0 || Field(head_office_) == "true";
  if (kind == v1::ACTOR_KIND_ASSOCIATION && unit && !unit->rna.empty() &&
      head_office) {
    id_.assign("rna:");
    id_.append(unit->rna);
    actor->mutable_legal_ids()->set_rna(unit->rna);
  } else {
    id_.assign("siret:");
    id_.append(siret.data(), siret.size());
  }
  actor->set_id(id_);
  actor->mutable_legal_ids()->set_siret(siret.data(), siret.size());
  actor->mutable_legal_ids()->set_siren(siret.data(), 9);
}

void SireneReader::SetLocation(std::string_view commune_code,
                               v1::Actor* actor) {
  std::string_view department = commune_code.substr(0, 2);
  double x = 0, y = 0;
  if (lambert_x_ >= 0 && lambert_y_ >= 0 && department != "97" &&
      department != "98" && ParseDouble(Field(lambert_x_), &x) &&
      ParseDouble(Field(lambert_y_), &y)) {
    LatLon p = Lambert93ToWgs84(x, y);
    if (p.latitude > 41 && p.latitude < 51.5 && p.longitude > -5.5 &&
        p.longitude < 10) {
      actor->mutable_location()->set_latitude(p.latitude);
      actor->mutable_location()->set_longitude(p.longitude);
    }
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<DirectoryReader>> OpenSirene(
    const DirectoryOptions& options) {
  return MakeReader<SireneReader>(options);
}

}  // namespace maillage::importer::internal

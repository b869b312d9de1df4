// --format rna: the national register of associations (rna_waldec files).

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "importer/commune_resolver.h"
#include "importer/formats.h"

namespace maillage::importer::internal {
namespace {

bool IsRnaNumber(std::string_view id) {
  if (id.size() != 10 || id[0] != 'W') return false;
  for (size_t i = 1; i < id.size(); ++i) {
    char c = id[i];
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))) return false;
  }
  return true;
}

bool IsSiret(std::string_view s) {
  if (s.size() != 14) return false;
  bool nonzero = false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    nonzero = nonzero || c != '0';
  }
  return nonzero;
}

class RnaReader final : public CsvFormatReader {
  friend absl::StatusOr<std::unique_ptr<DirectoryReader>>
  internal::MakeReader<RnaReader>(const DirectoryOptions& options);

 protected:
  bool ReadRow(Row* row) override;

 private:
  explicit RnaReader(const DirectoryOptions& options)
      : mappings_(options.mappings), communes_(options.geography) {}

  absl::Status Init(const DirectoryOptions& options);
  std::string_view Field(int column) const {
    return Trim(record_.field(column));
  }

  const Mappings* mappings_;
  CommuneResolver communes_;
  std::string buffer_;

  int id_ = -1, siret_ = -1, title_ = -1, short_title_ = -1, object_ = -1,
      purpose1_ = -1, purpose2_ = -1, insee_ = -1, postal_ = -1,
      commune_name_ = -1, dissolved_ = -1, position_ = -1, website_ = -1,
      grouping_ = -1;
};

absl::Status RnaReader::Init(const DirectoryOptions& options) {
  ASSIGN_OR_RETURN(auto input, OpenInput(options));
  ASSIGN_OR_RETURN(csv_, CsvReader::FromSource(std::move(input), options.csv));
  counters_.separator = csv_->separator();
  id_ = csv_->Column("id");
  siret_ = csv_->Column("siret");
  title_ = csv_->Column("titre");
  short_title_ = csv_->Column("titre_court");
  object_ = csv_->Column("objet");
  purpose1_ = csv_->Column("objet_social1");
  purpose2_ = csv_->Column("objet_social2");
  insee_ = csv_->Column("adrs_codeinsee");
  postal_ = csv_->Column("adrs_codepostal");
  commune_name_ = csv_->Column("adrs_libcommune");
  dissolved_ = csv_->Column("date_disso");
  position_ = csv_->Column("position");
  website_ = csv_->Column("siteweb");
  grouping_ = csv_->Column("groupement");
  std::vector<std::string> missing;
  if (id_ < 0) missing.push_back("id");
  if (title_ < 0) missing.push_back("titre");
  if (insee_ < 0 && postal_ < 0) {
    missing.push_back("adrs_codeinsee or adrs_codepostal");
  }
  if (!missing.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        options.path,
        ": not an RNA file (rna_waldec, ';'-separated): no column ",
        absl::StrJoin(missing, ", ")));
  }
  return absl::OkStatus();
}

bool RnaReader::ReadRow(Row* row) {
  if (!StartRow(row)) return false;
  if (row->outcome == Row::Outcome::kRejected) return true;
  v1::Actor* actor = &row->actor;
  std::string_view position = Field(position_);
  std::string_view dissolved = Field(dissolved_);
  if (position == "D" || (!dissolved.empty() && dissolved != "0001-01-01")) {
    Skip(row, "dissolved association");
    return true;
  }
  if (position == "S") {
    Skip(row, "removed from the register");
    return true;
  }
  std::string_view id = Field(id_);
  if (!IsRnaNumber(id)) {
    Reject(row, id_,
           absl::StrCat("'", AsAbsl(id),
                        "' is not an RNA number (W and 9 digits "
                        "or capital letters)"));
    return true;
  }
  std::string_view title = Field(title_);
  if (title.empty()) title = Field(short_title_);
  if (title.empty()) {
    Reject(row, title_, "no name: titre and titre_court are empty");
    return true;
  }
  CommuneResolver::Result place =
      communes_.Resolve(Field(insee_), Field(postal_), Field(commune_name_));
  if (!place.ok()) {
    Reject(row, place.field == "insee" ? insee_ : postal_,
           std::move(place.reason));
    return true;
  }
  buffer_.assign("rna:");
  buffer_.append(id.data(), id.size());
  actor->set_id(buffer_);
  actor->set_kind(v1::ACTOR_KIND_ASSOCIATION);
  std::string_view grouping = Field(grouping_);
  if (grouping == "U" || grouping == "F") {
    actor->set_subtype(v1::ACTOR_SUBTYPE_FEDERATION);
  }
  SetText(title, kNameMax, false, actor->mutable_name());
  actor->mutable_legal_ids()->set_rna(id.data(), id.size());
  std::string_view siret = Field(siret_);
  if (IsSiret(siret)) {
    actor->mutable_legal_ids()->set_siret(siret.data(), siret.size());
  }
  std::string_view code = communes_.Code(place.commune);
  actor->set_home_commune(code.data(), code.size());
  for (int column : {purpose1_, purpose2_}) {
    std::string_view purpose = Field(column);
    if (purpose.empty() || purpose == "000000") continue;
    bool digits = purpose.size() <= 10;
    for (char c : purpose) digits = digits && c >= '0' && c <= '9';
    if (!digits) continue;  // not a nomenclature code: leave it out
    actor->add_association_purpose_codes(purpose.data(), purpose.size());
    if (const ActivityRule* rule = mappings_->Purpose(purpose)) {
      ApplyActivity(*rule, actor);
    }
  }
  std::string_view object = Field(object_);
  if (!object.empty()) {
    SetText(object, kDescriptionMax, true, actor->mutable_description());
  }
  std::string_view website = Field(website_);
  if (!website.empty()) NormalizeWebsite(website, actor->mutable_website());
  actor->set_source("rna");
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<DirectoryReader>> OpenRna(
    const DirectoryOptions& options) {
  return MakeReader<RnaReader>(options);
}

}  // namespace maillage::importer::internal

#include "matcher/vocabulary.h"

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace maillage::matcher {
namespace {

struct CategoryInfo {
  Category category;
  std::string_view code;
  std::string_view label;
};
constexpr CategoryInfo kCategories[] = {
    {Category::kUnspecified, "unspecified", "Non précisée"},
    {Category::kMecenat, "mecenat", "Mécénat"},
    {Category::kResponsiblePractices, "responsible_practices",
     "Pratiques responsables"},
    {Category::kEconomicCooperation, "economic_cooperation",
     "Coopération économique"},
    {Category::kSocietalInnovation, "societal_innovation",
     "Innovation sociétale"},
};

struct ModalityInfo {
  Modality modality;
  std::string_view code;
  std::string_view label;
};
constexpr ModalityInfo kModalities[] = {
    {Modality::kUnspecified, "unspecified", "non précisée"},
    {Modality::kFinancial, "financial", "mécénat financier"},
    {Modality::kInKind, "in_kind", "mécénat en nature"},
    {Modality::kSkills, "skills", "mécénat de compétences"},
    {Modality::kResponsiblePurchasing, "responsible_purchasing",
     "achats responsables"},
    {Modality::kInclusiveHiring, "inclusive_hiring", "recrutement inclusif"},
    {Modality::kPracticeChange, "practice_change", "évolution des pratiques"},
    {Modality::kJointOffer, "joint_offer", "offre commune"},
    {Modality::kJointRnd, "joint_rnd", "R&D commune"},
};

absl::string_view A(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

bool ValidCode(std::string_view code) {
  if (code.empty()) return false;
  for (char c : code) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      return false;
    }
  }
  return true;
}

std::vector<std::string_view> SplitTabs(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (true) {
    size_t tab = line.find('\t', start);
    if (tab == std::string_view::npos) {
      fields.push_back(line.substr(start));
      return fields;
    }
    fields.push_back(line.substr(start, tab - start));
    start = tab + 1;
  }
}

struct ParsedLine {
  int number;
  std::vector<std::string_view> fields;
};

// Splits a vocabulary file into its data lines (comments and blank lines
// dropped, a trailing '\r' tolerated).
std::vector<ParsedLine> DataLines(std::string_view text) {
  std::vector<ParsedLine> lines;
  int number = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty() && line.front() != '#') {
      lines.push_back({number, SplitTabs(line)});
    }
    if (end == text.size()) break;
    start = end + 1;
  }
  return lines;
}

absl::Status LineError(std::string_view file, int line, std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat(A(file), ":", line, ": ", A(what)));
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat("cannot read ", path));
  return contents.str();
}

}  // namespace

std::string_view CategoryCode(Category category) {
  for (const CategoryInfo& info : kCategories) {
    if (info.category == category) return info.code;
  }
  return "unspecified";
}

std::optional<Category> ParseCategory(std::string_view code) {
  for (const CategoryInfo& info : kCategories) {
    if (info.code == code && info.category != Category::kUnspecified) {
      return info.category;
    }
  }
  return std::nullopt;
}

std::string_view CategoryLabel(Category category) {
  for (const CategoryInfo& info : kCategories) {
    if (info.category == category) return info.label;
  }
  return kCategories[0].label;
}

std::string_view ModalityCode(Modality modality) {
  for (const ModalityInfo& info : kModalities) {
    if (info.modality == modality) return info.code;
  }
  return "unspecified";
}

std::optional<Modality> ParseModality(std::string_view code) {
  for (const ModalityInfo& info : kModalities) {
    if (info.code == code && info.modality != Modality::kUnspecified) {
      return info.modality;
    }
  }
  return std::nullopt;
}

std::string_view ModalityLabel(Modality modality) {
  for (const ModalityInfo& info : kModalities) {
    if (info.modality == modality) return info.label;
  }
  return kModalities[0].label;
}

absl::StatusOr<Vocabulary> Vocabulary::LoadFromDir(const std::string& dir) {
  const std::string themes_path = dir + "/themes.tsv";
  const std::string resources_path = dir + "/resources.tsv";
  absl::StatusOr<std::string> themes = ReadFile(themes_path);
  if (!themes.ok()) return themes.status();
  absl::StatusOr<std::string> resources = ReadFile(resources_path);
  if (!resources.ok()) return resources.status();
  return Parse(*themes, *resources, themes_path, resources_path);
}

absl::StatusOr<Vocabulary> Vocabulary::Parse(std::string_view themes_text,
                                             std::string_view resources_text,
                                             std::string_view themes_name,
                                             std::string_view resources_name) {
  Vocabulary vocabulary;
  // Shared checks of both files: field count, code syntax, uniqueness, limit.
  auto parse_common = [](std::string_view file, const ParsedLine& line,
                         size_t fields, std::vector<Entry>& entries,
                         size_t limit) -> absl::Status {
    if (line.fields.size() != fields) {
      return LineError(
          file, line.number,
          absl::StrCat("expected ", fields, " tab-separated fields, got ",
                       line.fields.size()));
    }
    std::string_view code = line.fields[0];
    if (!ValidCode(code)) {
      return LineError(
          file, line.number,
          absl::StrCat("invalid code \"", A(code), "\" (expected [a-z0-9_]+)"));
    }
    if (Lookup(entries, code).has_value()) {
      return LineError(file, line.number,
                       absl::StrCat("duplicate code \"", A(code), "\""));
    }
    if (line.fields[1].empty() || line.fields[2].empty()) {
      return LineError(file, line.number, "empty label");
    }
    if (entries.size() >= limit) {
      return LineError(file, line.number,
                       absl::StrCat("more than ", limit, " entries"));
    }
    Entry entry;
    entry.code = std::string(code);
    entry.label = std::string(line.fields[1]);
    entry.label_en = std::string(line.fields[2]);
    entries.push_back(std::move(entry));
    return absl::OkStatus();
  };

  for (const ParsedLine& line : DataLines(themes_text)) {
    absl::Status status =
        parse_common(themes_name, line, 3, vocabulary.themes_, kMaxThemes);
    if (!status.ok()) return status;
  }
  for (const ParsedLine& line : DataLines(resources_text)) {
    absl::Status status = parse_common(resources_name, line, 5,
                                       vocabulary.resources_, kMaxResources);
    if (!status.ok()) return status;
    Entry& entry = vocabulary.resources_.back();
    std::optional<Category> category = ParseCategory(line.fields[3]);
    if (!category) {
      return LineError(
          resources_name, line.number,
          absl::StrCat("unknown category \"", A(line.fields[3]), "\""));
    }
    std::optional<Modality> modality = ParseModality(line.fields[4]);
    if (!modality) {
      return LineError(
          resources_name, line.number,
          absl::StrCat("unknown modality \"", A(line.fields[4]), "\""));
    }
    entry.category = *category;
    entry.modality = *modality;
  }
  if (vocabulary.themes_.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(A(themes_name), ": no theme"));
  }
  if (vocabulary.resources_.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(A(resources_name), ": no resource"));
  }
  return vocabulary;
}

std::optional<uint8_t> Vocabulary::Lookup(const std::vector<Entry>& entries,
                                          std::string_view code) {
  // At most 64 entries: a linear scan beats hashing and keeps the class
  // trivially copyable in spirit.
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].code == code) return static_cast<uint8_t>(i);
  }
  return std::nullopt;
}

std::optional<uint8_t> Vocabulary::Theme(std::string_view code) const {
  return Lookup(themes_, code);
}
std::optional<uint8_t> Vocabulary::Resource(std::string_view code) const {
  return Lookup(resources_, code);
}
std::string_view Vocabulary::ThemeCode(uint8_t theme) const {
  return themes_.at(theme).code;
}
std::string_view Vocabulary::ThemeLabel(uint8_t theme) const {
  return themes_.at(theme).label;
}
std::string_view Vocabulary::ThemeLabelEn(uint8_t theme) const {
  return themes_.at(theme).label_en;
}
std::string_view Vocabulary::ResourceCode(uint8_t resource) const {
  return resources_.at(resource).code;
}
std::string_view Vocabulary::ResourceLabel(uint8_t resource) const {
  return resources_.at(resource).label;
}
std::string_view Vocabulary::ResourceLabelEn(uint8_t resource) const {
  return resources_.at(resource).label_en;
}
Category Vocabulary::ResourceCategory(uint8_t resource) const {
  return resources_.at(resource).category;
}
Modality Vocabulary::ResourceModality(uint8_t resource) const {
  return resources_.at(resource).modality;
}

}  // namespace maillage::matcher

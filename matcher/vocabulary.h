#ifndef MAILLAGE_MATCHER_VOCABULARY_H_
#define MAILLAGE_MATCHER_VOCABULARY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "matcher/actor_index.h"

namespace maillage::matcher {

// How the resources of a partnership flow, inside its category. Values are
// the modality codes of reference/vocab/resources.tsv.
enum class Modality : uint8_t {
  kUnspecified = 0,
  kFinancial,              // mécénat financier
  kInKind,                 // mécénat en nature (goods, equipment, premises)
  kSkills,                 // mécénat de compétences
  kResponsiblePurchasing,  // buying from the partner (insertion structures)
  kInclusiveHiring,        // hiring the partner's public
  kPracticeChange,         // the partner helps change the company's practices
  kJointOffer,             // coopération économique: a joint offer
  kJointRnd,               // innovation sociétale: joint R&D
};
inline constexpr int kModalityCount = 9;

// Stable lower-case codes: "mecenat", "responsible_practices",
// "economic_cooperation", "societal_innovation" ("unspecified" for 0).
std::string_view CategoryCode(Category category);
std::optional<Category> ParseCategory(std::string_view code);
// "financial", "in_kind", "skills", "responsible_purchasing",
// "inclusive_hiring", "practice_change", "joint_offer", "joint_rnd".
std::string_view ModalityCode(Modality modality);
std::optional<Modality> ParseModality(std::string_view code);
// French labels for animators: "Mécénat", "Pratiques responsables", ...;
// "mécénat de compétences", "achats responsables", ...
std::string_view CategoryLabel(Category category);
std::string_view ModalityLabel(Modality modality);

// The reference vocabularies of themes and resources (versioned data files,
// so that a lab can extend them without a rebuild). Theme and resource
// numbers are the 0-based order of the lines in the files; they are stable
// as long as lines are only appended.
//
// Immutable after loading; safe to share between threads.
class Vocabulary {
 public:
  static constexpr size_t kMaxThemes = 64;     // ThemeSet is a uint64_t
  static constexpr size_t kMaxResources = 32;  // resource masks are uint32_t

  // Loads `dir`/themes.tsv and `dir`/resources.tsv. Lines starting with '#'
  // and blank lines are ignored. themes.tsv: code<TAB>French label<TAB>English
  // label. resources.tsv: the same, then <TAB>category<TAB>modality (the
  // partnership a company giving that resource to a non-company makes).
  // Codes are [a-z0-9_]+ and unique. Errors name the file and line:
  // "…/themes.tsv:12: expected 3 tab-separated fields, got 2".
  static absl::StatusOr<Vocabulary> LoadFromDir(const std::string& dir);
  // The same from the files' contents; `themes_name` and `resources_name`
  // name them in errors.
  static absl::StatusOr<Vocabulary> Parse(std::string_view themes_text,
                                          std::string_view resources_text,
                                          std::string_view themes_name,
                                          std::string_view resources_name);

  size_t theme_count() const { return themes_.size(); }
  size_t resource_count() const { return resources_.size(); }

  // Number of a theme or resource code, or nullopt when unknown.
  std::optional<uint8_t> Theme(std::string_view code) const;
  std::optional<uint8_t> Resource(std::string_view code) const;

  // Code and labels of a valid number (precondition: < count).
  std::string_view ThemeCode(uint8_t theme) const;
  std::string_view ThemeLabel(uint8_t theme) const;  // French
  std::string_view ThemeLabelEn(uint8_t theme) const;
  std::string_view ResourceCode(uint8_t resource) const;
  std::string_view ResourceLabel(uint8_t resource) const;  // French
  std::string_view ResourceLabelEn(uint8_t resource) const;
  // The partnership a company giving this resource to a non-company makes.
  Category ResourceCategory(uint8_t resource) const;
  Modality ResourceModality(uint8_t resource) const;

 private:
  struct Entry {
    std::string code;
    std::string label;
    std::string label_en;
    Category category = Category::kUnspecified;
    Modality modality = Modality::kUnspecified;
  };
  static std::optional<uint8_t> Lookup(const std::vector<Entry>& entries,
                                       std::string_view code);

  std::vector<Entry> themes_;
  std::vector<Entry> resources_;
};

}  // namespace maillage::matcher

#endif  // MAILLAGE_MATCHER_VOCABULARY_H_

#ifndef MAILLAGE_IMPORTER_MAPPINGS_H_
#define MAILLAGE_IMPORTER_MAPPINGS_H_

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "maillage/v1/actor.pb.h"
#include "matcher/vocabulary.h"

namespace maillage::importer {

// A resource an activity implies the actor can offer, on a theme (empty:
// any of the actor's themes).
struct OfferRule {
  std::string resource;
  std::string theme;
};

// What an activity code (NAF) or an association purpose code (RNA) says
// about an actor.
struct ActivityRule {
  std::string prefix;  // the code prefix of the rule, as in the file
  std::vector<std::string> themes;
  std::vector<OfferRule> offers;
  // NAF only: the kind of an establishment whose legal category does not
  // give one (no legal-unit file), and `media` also overrides `company`.
  v1::ActorKind kind = v1::ACTOR_KIND_UNSPECIFIED;
};

// What a SIRENE legal category says about an actor.
struct LegalCategoryRule {
  std::string prefix;
  // Units of this category are not imported (sole proprietors, who are
  // natural persons; co-owners' syndicates); `label` is the reason.
  bool skip = false;
  v1::ActorKind kind = v1::ACTOR_KIND_UNSPECIFIED;
  v1::ActorSubtype subtype = v1::ACTOR_SUBTYPE_UNSPECIFIED;
  std::string label;
};

// A word a lab may write in a "kind" column ("association", "entreprise",
// "collectivité", "fondation", ...).
struct KindWord {
  v1::ActorKind kind = v1::ACTOR_KIND_UNSPECIFIED;
  v1::ActorSubtype subtype = v1::ACTOR_SUBTYPE_UNSPECIFIED;
};

// The rules that turn directory codes into actor fields, loaded from the
// reference data (reference/mappings/*.tsv, see the README there) so that a
// lab can adapt them without a rebuild. Every theme and resource they name
// must exist in the vocabulary (reference/vocab/), checked at load.
//
// Prefix rules: the rule with the longest prefix of the code wins, and
// replaces (does not add to) the shorter ones.
//
// Immutable after loading; safe to share between threads.
class Mappings {
 public:
  // Loads `reference_dir`/mappings/*.tsv and the vocabulary in
  // `reference_dir`/vocab. NotFound when a file is missing; InvalidArgument
  // naming the file and line when one is malformed or names an unknown
  // theme, resource, kind or subtype.
  static absl::StatusOr<std::unique_ptr<Mappings>> Load(
      const std::string& reference_dir);
  // The same with the mapping files of `mappings_dir` and a vocabulary.
  static absl::StatusOr<std::unique_ptr<Mappings>> LoadFrom(
      const std::string& mappings_dir, const matcher::Vocabulary& vocabulary);

  // The rule for a categorieJuridiqueUniteLegale code ("9220"), or null.
  const LegalCategoryRule* LegalCategory(std::string_view code) const;
  const LegalCategoryRule* LegalCategory(uint16_t code) const {
    return code < legal_by_code_.size() ? legal_by_code_[code] : nullptr;
  }
  // The rule for a NAF rev. 2 code ("88.99B" or "8899B"), or null.
  const ActivityRule* Naf(std::string_view code) const;
  // The rule for an RNA association purpose code ("011075"), or null.
  const ActivityRule* Purpose(std::string_view code) const;
  // The size band of a SIRENE head-count band ("12"), or nullopt.
  std::optional<v1::SizeBand> HeadCount(std::string_view code) const;
  // A kind word, compared after territory::FoldName, or nullopt. Also
  // accepts the API names ("ACTOR_KIND_COMPANY", "company").
  std::optional<KindWord> Kind(std::string_view word) const;

  // A theme or resource given by its code or its French or English label,
  // compared after folding ("Inclusion numérique" -> "digital_inclusion"),
  // or nullopt. The view lives as long as this object.
  std::optional<std::string_view> Theme(std::string_view text) const;
  std::optional<std::string_view> Resource(std::string_view text) const;

  const matcher::Vocabulary& vocabulary() const { return vocabulary_; }

 private:
  explicit Mappings(const matcher::Vocabulary& vocabulary)
      : vocabulary_(vocabulary) {}

  // LoadFrom's steps: the vocabulary's theme and resource names (codes,
  // French and English labels, folded), then one table file each.
  void AddVocabularyNames();
  absl::Status LoadLegalCategories(const std::string& path);
  absl::Status LoadNaf(const std::string& path);
  absl::Status LoadPurposes(const std::string& path);
  absl::Status LoadHeadCounts(const std::string& path);
  absl::Status LoadKindWords(const std::string& path);

  static const ActivityRule* Longest(
      const absl::flat_hash_map<std::string, ActivityRule>& rules,
      std::string_view code, size_t min_length);

  matcher::Vocabulary vocabulary_;
  std::vector<std::unique_ptr<LegalCategoryRule>> legal_rules_;
  // Every four-digit code, resolved to its longest-prefix rule at load.
  std::array<const LegalCategoryRule*, 10000> legal_by_code_{};
  absl::flat_hash_map<std::string, ActivityRule> naf_;       // key: "8899B"
  absl::flat_hash_map<std::string, ActivityRule> purposes_;  // key: "011"
  absl::flat_hash_map<std::string, v1::SizeBand> head_counts_;
  absl::flat_hash_map<std::string, KindWord> kind_words_;         // folded
  absl::flat_hash_map<std::string, std::string> theme_names_;     // folded
  absl::flat_hash_map<std::string, std::string> resource_names_;  // folded
};

// "88.99B", "8899b", " 88.99B " -> "8899B"; nullopt unless the code has the
// NAF rev. 2 shape (four digits and a letter, with an optional dot).
std::optional<std::string> NormalizeNaf(std::string_view code);

}  // namespace maillage::importer

#endif  // MAILLAGE_IMPORTER_MAPPINGS_H_

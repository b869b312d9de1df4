#include "cli/match_text.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/names.h"

namespace maillage::cli {

std::string FormatCategory(v1::PartnershipCategory category,
                           v1::PartnershipModality modality) {
  std::string text = ShortEnumName(category);
  if (modality != v1::PARTNERSHIP_MODALITY_UNSPECIFIED) {
    absl::StrAppend(&text, text.empty() ? "" : " / ", ShortEnumName(modality));
  }
  return text;
}

std::vector<const v1::MatchFactor*> LargestFirst(
    const google::protobuf::RepeatedPtrField<v1::MatchFactor>& factors) {
  std::vector<const v1::MatchFactor*> sorted;
  for (const v1::MatchFactor& factor : factors) sorted.push_back(&factor);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const v1::MatchFactor* a, const v1::MatchFactor* b) {
                     return std::abs(a->contribution()) >
                            std::abs(b->contribution());
                   });
  return sorted;
}

std::vector<std::string> FactorSummaries(
    const google::protobuf::RepeatedPtrField<v1::MatchFactor>& factors) {
  std::vector<std::string> parts;
  for (const v1::MatchFactor* factor : LargestFirst(factors)) {
    parts.push_back(absl::StrFormat("%s %.2f (%+.3f)", factor->code(),
                                    factor->value(), factor->contribution()));
  }
  return parts;
}

}  // namespace maillage::cli

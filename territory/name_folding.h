#ifndef MAILLAGE_TERRITORY_NAME_FOLDING_H_
#define MAILLAGE_TERRITORY_NAME_FOLDING_H_

#include <string>
#include <string_view>

namespace maillage::territory {

// The form under which place names are compared: Unicode compatibility
// decomposition (NFKD), marks stripped, case folded, the ligatures "œ" and
// "æ" spelled "oe" and "ae"; every run of characters that are neither
// letters nor digits (hyphens, apostrophes, punctuation, spaces, symbols)
// becomes one space, and the result is trimmed.
//
//   FoldName("L'Haÿ-les-Roses")      == "l hay les roses"
//   FoldName("  SAINT-MAUR-des-Fossés") == "saint maur des fosses"
//   FoldName("Cœuvres-et-Valsery")   == "coeuvres et valsery"
//
// Bytes that are not valid UTF-8 are skipped; the function never fails.
// Thread-safe (no state).
std::string FoldName(std::string_view utf8);

}  // namespace maillage::territory

#endif  // MAILLAGE_TERRITORY_NAME_FOLDING_H_

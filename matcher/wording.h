#ifndef MAILLAGE_MATCHER_WORDING_H_
#define MAILLAGE_MATCHER_WORDING_H_

// French wording of explanations, shared by suggestions, coalitions and
// panels. Internal to the matcher. Animators are French-speaking: the
// sentences are French; codes stay available in the structured fields.

#include <string>
#include <string_view>
#include <vector>

#include "matcher/actor_index.h"
#include "matcher/vocabulary.h"
#include "territory/level.h"

namespace maillage::matcher::internal {

// "l'association Les Amis du Quartier", "l'entreprise d'insertion Envie",
// "la collectivité Ville de Niort"; the id when the name is empty.
std::string ActorPhrase(const ActorProfile& profile);
// The actor's name (or id) alone.
std::string_view ActorName(const ActorProfile& profile);
// "association", "entreprise", "acteur public", "acteur académique",
// "média"; plural "associations", "entreprises", …
std::string_view KindNoun(Kind kind, bool plural = false);

// Upper-cases / lower-cases the first letter (ASCII and Latin-1 letters).
std::string Capitalize(std::string_view text);
std::string Uncapitalize(std::string_view text);

// "0,80": French decimal comma.
std::string Decimal(double value, int digits);
// "a", "a et b", "a, b et c".
std::string JoinFrench(const std::vector<std::string>& parts);

// Lower-cased French labels of vocabulary entries.
std::string ThemeWords(const Vocabulary& vocabulary, uint8_t theme);
std::string ResourceWords(const Vocabulary& vocabulary, uint8_t resource);
// Up to `max_count` themes, joined; quoted when several.
std::string ThemeList(const Vocabulary& vocabulary, ThemeSet themes,
                      size_t max_count);
// "« financement » et « bénévoles »".
std::string ResourceList(const Vocabulary& vocabulary,
                         const std::vector<uint8_t>& resources);

// "la même commune", "le même EPT", "la même intercommunalité", "le même
// département", "la même région", "la même zone".
std::string_view SameTerritoryWords(territory::Level level);
// "la commune", "l'intercommunalité", "le département", …
std::string_view TerritoryWords(territory::Level level);

}  // namespace maillage::matcher::internal

#endif  // MAILLAGE_MATCHER_WORDING_H_

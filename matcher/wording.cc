#include "matcher/wording.h"

#include <cstdio>

#include "matcher/context.h"

namespace maillage::matcher::internal {
namespace {

std::string_view SubtypeNoun(const ActorProfile& profile) {
  switch (profile.subtype) {
    case kSubtypeFoundation:
      return "la fondation";
    case kSubtypeFederation:
      return "la fédération";
    case kSubtypeInsertionStructure:
      return profile.kind == Kind::kCompany ? "l'entreprise d'insertion"
                                            : "l'association d'insertion";
    case kSubtypeSocialEconomyCompany:
      return "l'entreprise de l'ESS";
    case kSubtypeMutualInsurer:
      return "la mutuelle";
    case kSubtypeCooperative:
      return "la coopérative";
    case kSubtypeLocalAuthority:
      return "la collectivité";
    case kSubtypeStateService:
      return "le service de l'État";
    case kSubtypePublicOperator:
      return "l'opérateur public";
    case kSubtypeUniversity:
      return "l'université";
    case kSubtypeSchool:
      return "l'école";
    case kSubtypeResearchLab:
      return "le laboratoire";
    default:
      break;
  }
  switch (profile.kind) {
    case Kind::kAssociation:
      return "l'association";
    case Kind::kCompany:
      return "l'entreprise";
    case Kind::kPublicBody:
      return "l'acteur public";
    case Kind::kAcademic:
      return "l'établissement académique";
    case Kind::kMedia:
      return "le média";
    default:
      return "l'acteur";
  }
}

}  // namespace

std::string_view ActorName(const ActorProfile& profile) {
  return profile.name.empty() ? std::string_view(profile.id)
                              : std::string_view(profile.name);
}

std::string ActorPhrase(const ActorProfile& profile) {
  std::string phrase(SubtypeNoun(profile));
  phrase += ' ';
  phrase += ActorName(profile);
  return phrase;
}

std::string_view KindNoun(Kind kind, bool plural) {
  switch (kind) {
    case Kind::kAssociation:
      return plural ? "associations" : "association";
    case Kind::kCompany:
      return plural ? "entreprises" : "entreprise";
    case Kind::kPublicBody:
      return plural ? "acteurs publics" : "acteur public";
    case Kind::kAcademic:
      return plural ? "acteurs académiques" : "acteur académique";
    case Kind::kMedia:
      return plural ? "médias" : "média";
    default:
      return plural ? "acteurs" : "acteur";
  }
}

namespace {

// Changes the case of the first letter: ASCII, or a two-byte UTF-8 Latin-1
// letter (À..Þ <-> à..þ, which differ by 0x20 in their second byte).
std::string ChangeFirstCase(std::string_view text, bool upper) {
  std::string out(text);
  if (out.empty()) return out;
  unsigned char c = out[0];
  if (c < 0x80) {
    if (upper && c >= 'a' && c <= 'z') out[0] = static_cast<char>(c - 32);
    if (!upper && c >= 'A' && c <= 'Z') out[0] = static_cast<char>(c + 32);
  } else if (c == 0xC3 && out.size() >= 2) {
    unsigned char d = out[1];
    if (upper && d >= 0xA0 && d <= 0xBE && d != 0xB7) {
      out[1] = static_cast<char>(d - 0x20);
    }
    if (!upper && d >= 0x80 && d <= 0x9E && d != 0x97) {
      out[1] = static_cast<char>(d + 0x20);
    }
  }
  return out;
}

}  // namespace

std::string Capitalize(std::string_view text) {
  return ChangeFirstCase(text, true);
}

std::string Uncapitalize(std::string_view text) {
  return ChangeFirstCase(text, false);
}

std::string Decimal(double value, int digits) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.*f", digits, value);
  std::string out(buffer);
  for (char& c : out) {
    if (c == '.') c = ',';
  }
  return out;
}

std::string JoinFrench(const std::vector<std::string>& parts) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += i + 1 == parts.size() ? " et " : ", ";
    out += parts[i];
  }
  return out;
}

std::string ThemeWords(const Vocabulary& vocabulary, uint8_t theme) {
  if (theme >= vocabulary.theme_count()) return "tous thèmes";
  return Uncapitalize(vocabulary.ThemeLabel(theme));
}

std::string ResourceWords(const Vocabulary& vocabulary, uint8_t resource) {
  if (resource >= vocabulary.resource_count()) return "ressource inconnue";
  return Uncapitalize(vocabulary.ResourceLabel(resource));
}

std::string ThemeList(const Vocabulary& vocabulary, ThemeSet themes,
                      size_t max_count) {
  std::vector<std::string> words;
  for (int t = 0; t < 64 && words.size() < max_count; ++t) {
    if (themes >> t & 1) {
      words.push_back(ThemeWords(vocabulary, static_cast<uint8_t>(t)));
    }
  }
  // Labels may contain "et" ("seniors et vieillissement"): quote each one
  // when there are several.
  if (words.size() > 1) {
    for (std::string& word : words) word = "« " + word + " »";
  }
  return JoinFrench(words);
}

std::string ResourceList(const Vocabulary& vocabulary,
                         const std::vector<uint8_t>& resources) {
  std::vector<std::string> words;
  for (uint8_t r : resources) {
    words.push_back("« " + ResourceWords(vocabulary, r) + " »");
  }
  return JoinFrench(words);
}

std::string_view SameTerritoryWords(territory::Level level) {
  switch (level) {
    case territory::Level::kCommune:
      return "la même commune";
    case territory::Level::kEpt:
      return "le même territoire du Grand Paris";
    case territory::Level::kEpci:
      return "la même intercommunalité";
    case territory::Level::kDepartement:
      return "le même département";
    case territory::Level::kRegion:
      return "la même région";
    default:
      return "la même zone";
  }
}

std::string_view TerritoryWords(territory::Level level) {
  switch (level) {
    case territory::Level::kCommune:
      return "la commune";
    case territory::Level::kEpt:
      return "le territoire du Grand Paris";
    case territory::Level::kEpci:
      return "l'intercommunalité";
    case territory::Level::kDepartement:
      return "le département";
    case territory::Level::kRegion:
      return "la région";
    default:
      return "la zone";
  }
}

}  // namespace maillage::matcher::internal

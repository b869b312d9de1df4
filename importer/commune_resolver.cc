#include "importer/commune_resolver.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "territory/name_folding.h"

namespace maillage::importer {
namespace {

bool IsDigits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return !s.empty();
}

}  // namespace

std::string FoldCommuneName(std::string_view name) {
  std::string folded = territory::FoldName(name);
  std::string out;
  out.reserve(folded.size() + 8);
  size_t start = 0;
  while (start <= folded.size()) {
    size_t end = folded.find(' ', start);
    if (end == std::string::npos) end = folded.size();
    std::string_view word(folded.data() + start, end - start);
    // "paris 12", "lyon 3e arrondissement", "marseille 08": drop what
    // follows the city name.
    if (!out.empty() &&
        (IsDigits(word) || word == "arrondissement" || word == "cedex" ||
         (word.size() >= 2 && IsDigits(word.substr(0, word.size() - 1)) &&
          word.back() == 'e') ||
         (word.size() >= 3 && IsDigits(word.substr(0, word.size() - 2)) &&
          (word.substr(word.size() - 2) == "er" ||
           word.substr(word.size() - 2) == "eme")))) {
      break;
    }
    if (!out.empty()) out.push_back(' ');
    if (word == "st") {
      out += "saint";
    } else if (word == "ste") {
      out += "sainte";
    } else {
      out.append(word);
    }
    start = end + 1;
  }
  return out;
}

CommuneResolver::CommuneResolver(const territory::Geography* geography)
    : geography_(geography) {}

CommuneResolver::Result CommuneResolver::Resolve(std::string_view insee,
                                                 std::string_view postal_code,
                                                 std::string_view name) const {
  Result result;
  if (!insee.empty()) {
    if (auto found = geography_->ResolveCommune(insee)) {
      result.commune = found->commune;
      return result;
    }
    if (postal_code.empty()) {
      result.field = "insee";
      result.reason =
          absl::StrCat("no commune has INSEE code '", AsAbsl(insee),
                       "' (current or former) and no postal code is given");
      return result;
    }
  }
  if (postal_code.empty()) {
    result.field = "insee";
    result.reason = "no commune given: no INSEE code and no postal code";
    return result;
  }
  std::vector<uint32_t> candidates = geography_->ResolvePostalCode(postal_code);
  if (candidates.empty()) {
    result.field = "postal_code";
    result.reason = absl::StrCat(
        "no commune has postal code '", AsAbsl(postal_code), "'",
        insee.empty()
            ? ""
            : absl::StrCat(" (nor INSEE code '", AsAbsl(insee), "')"));
    return result;
  }
  if (candidates.size() == 1) {
    result.commune = candidates[0];
    return result;
  }
  std::string wanted = FoldCommuneName(name);
  int matches = 0;
  if (!wanted.empty()) {
    uint32_t match = territory::kNone;
    for (uint32_t c : candidates) {
      if (FoldCommuneName(geography_->Name(territory::Level::kCommune, c)) ==
          wanted) {
        match = c;
        ++matches;
      }
    }
    if (matches == 1) {
      result.commune = match;
      return result;
    }
  }
  result.field = "postal_code";
  std::string names;
  for (size_t i = 0; i < candidates.size() && i < 5; ++i) {
    absl::StrAppend(
        &names, i > 0 ? ", " : "",
        AsAbsl(geography_->Name(territory::Level::kCommune, candidates[i])));
  }
  if (candidates.size() > 5) absl::StrAppend(&names, ", ...");
  result.reason = absl::StrCat(
      "ambiguous postal code: '", AsAbsl(postal_code), "' serves ",
      candidates.size(), " communes (", names, ")",
      name.empty() ? " and no commune name is given"
                   : absl::StrCat(" and the commune name '", AsAbsl(name),
                                  matches == 0 ? "' matches none of them"
                                               : "' matches several"));
  return result;
}

}  // namespace maillage::importer

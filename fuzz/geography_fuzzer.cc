// Commune and postal-code resolution on arbitrary text, against the real
// geography (reference/geo, loaded once): Geography::ResolveCommune, Find,
// ResolvePostalCode and SearchByName (territory/geography.h), the importer's
// CommuneResolver and FoldCommuneName (importer/commune_resolver.h), and
// the core's TerritoryRegistry::Resolve (core/territory_registry.h).
//
// Input: an INSEE code and a postal code (up to 12 bytes each,
// FuzzedDataProvider), then a commune name.

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/territory_registry.h"
#include "fuzz/fuzz_support.h"
#include "importer/commune_resolver.h"
#include "territory/name_folding.h"

namespace maillage::fuzz {
namespace {

using territory::Level;

constexpr Level kLevels[] = {Level::kCommune, Level::kEpci, Level::kEpt,
                             Level::kDepartement, Level::kRegion};

// A code names at most one territory per level; a current code is that
// territory's own code; a commune code resolves the same way everywhere.
void CheckCode(const std::string& code) {
  const territory::Geography& geography = ReferenceGeography();
  for (Level level : kLevels) {
    auto found = geography.Find(level, code);
    if (!found) continue;
    FUZZ_CHECK(*found < geography.Count(level));
    if (level != Level::kCommune)
      FUZZ_CHECK(geography.Code(level, *found) == code);
  }
  auto resolved = geography.ResolveCommune(code);
  FUZZ_CHECK(resolved.has_value() ==
             geography.Find(Level::kCommune, code).has_value());
  static const core::TerritoryRegistry* registry =
      new core::TerritoryRegistry(&geography);
  auto registered = registry->Resolve(Level::kCommune, code);
  FUZZ_CHECK(registered.has_value() == resolved.has_value());
  if (!resolved) return;
  FUZZ_CHECK(resolved->commune < geography.Count(Level::kCommune));
  std::string_view current = geography.Code(Level::kCommune, resolved->commune);
  FUZZ_CHECK(
      (current == code) ==
      (resolved->via == territory::CommuneResolution::Via::kCurrentCode));
  FUZZ_CHECK(registered->id == resolved->commune);
  FUZZ_CHECK(registered->code == current);
}

// The communes of a postal code are sorted, distinct, and each lists it.
std::vector<uint32_t> CheckPostalCode(const std::string& postal_code) {
  const territory::Geography& geography = ReferenceGeography();
  std::vector<uint32_t> communes = geography.ResolvePostalCode(postal_code);
  for (size_t i = 0; i < communes.size(); ++i) {
    FUZZ_CHECK(communes[i] < geography.Count(Level::kCommune));
    if (i > 0) FUZZ_CHECK(communes[i - 1] < communes[i]);
    std::vector<std::string> codes = geography.PostalCodes(communes[i]);
    FUZZ_CHECK(std::find(codes.begin(), codes.end(), postal_code) !=
               codes.end());
  }
  return communes;
}

// What the importer makes of a row's INSEE code, postal code and name.
void CheckResolver(const std::string& insee, const std::string& postal_code,
                   const std::string& name,
                   const std::vector<uint32_t>& postal_communes) {
  const territory::Geography& geography = ReferenceGeography();
  importer::CommuneResolver resolver(&geography);
  importer::CommuneResolver::Result result =
      resolver.Resolve(insee, postal_code, name);
  if (!result.ok()) {
    FUZZ_CHECK(result.field == "insee" || result.field == "postal_code");
    FUZZ_CHECK(!result.reason.empty());
    return;
  }
  FUZZ_CHECK(result.commune < geography.Count(Level::kCommune));
  auto by_insee =
      insee.empty() ? std::nullopt : geography.ResolveCommune(insee);
  if (by_insee) {
    FUZZ_CHECK(result.commune == by_insee->commune);
  } else {
    FUZZ_CHECK(std::find(postal_communes.begin(), postal_communes.end(),
                         result.commune) != postal_communes.end());
  }
}

// Folded words are separated by one space, with none around them.
void CheckFoldedName(const std::string& name) {
  std::string folded = importer::FoldCommuneName(name);
  FUZZ_CHECK(folded.find("  ") == std::string::npos);
  FUZZ_CHECK(folded.empty() || (folded.front() != ' ' && folded.back() != ' '));
}

// At most `limit` matches, by level, each with a name starting with the
// folded prefix.
void CheckSearch(const std::string& prefix) {
  const territory::Geography& geography = ReferenceGeography();
  constexpr size_t kLimit = 8;
  std::vector<territory::NameMatch> matches =
      geography.SearchByName(std::nullopt, prefix, kLimit);
  FUZZ_CHECK(matches.size() <= kLimit);
  const std::string folded = territory::FoldName(prefix);
  for (size_t i = 0; i < matches.size(); ++i) {
    const territory::NameMatch& match = matches[i];
    FUZZ_CHECK(match.id < geography.Count(match.level));
    if (i > 0) FUZZ_CHECK(matches[i - 1].level <= match.level);
    std::string name =
        territory::FoldName(geography.Name(match.level, match.id));
    FUZZ_CHECK(name.compare(0, folded.size(), folded) == 0);
  }
}

}  // namespace
}  // namespace maillage::fuzz

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  maillage::fuzz::ReferenceGeography();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider input(data, size);
  std::string insee = input.ConsumeRandomLengthString(12);
  std::string postal_code = input.ConsumeRandomLengthString(12);
  std::string name = input.ConsumeRemainingBytesAsString();
  maillage::fuzz::CheckCode(insee);
  std::vector<uint32_t> postal_communes =
      maillage::fuzz::CheckPostalCode(postal_code);
  maillage::fuzz::CheckResolver(insee, postal_code, name, postal_communes);
  maillage::fuzz::CheckFoldedName(name);
  maillage::fuzz::CheckSearch(name);
  return 0;
}

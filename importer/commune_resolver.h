#ifndef MAILLAGE_IMPORTER_COMMUNE_RESOLVER_H_
#define MAILLAGE_IMPORTER_COMMUNE_RESOLVER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "territory/geography.h"

namespace maillage::importer {

// Finds the current commune of a directory row from what the row gives: an
// INSEE code (current, former after a merger, or a municipal arrondissement
// of Paris, Lyon or Marseille), else a postal code, disambiguated by the
// commune name when it serves several communes.
//
// Thread-compatible: const methods may run concurrently.
class CommuneResolver {
 public:
  struct Result {
    uint32_t commune = territory::kNone;  // dense number, kNone on failure
    // On failure: which input was at fault ("insee", "postal_code") and why.
    std::string_view field;
    std::string reason;
    bool ok() const { return commune != territory::kNone; }
  };

  explicit CommuneResolver(const territory::Geography* geography);

  // `insee`, `postal_code` and `name` may each be empty. The INSEE code wins
  // when it names a commune; an unknown INSEE code with a usable postal code
  // falls back to it.
  Result Resolve(std::string_view insee, std::string_view postal_code,
                 std::string_view name) const;

  // The current INSEE code of a commune found by Resolve.
  std::string_view Code(uint32_t commune) const {
    return geography_->Code(territory::Level::kCommune, commune);
  }
  const territory::Geography& geography() const { return *geography_; }

 private:
  const territory::Geography* geography_;
};

// FoldName plus the abbreviations of postal and SIRENE addresses ("ST" and
// "STE" for Saint and Sainte) and the arrondissement suffix ("PARIS 12",
// "LYON 3E ARRONDISSEMENT", "MARSEILLE 08"), so that "ST MAUR DES FOSSES"
// matches "Saint-Maur-des-Fossés".
std::string FoldCommuneName(std::string_view name);

}  // namespace maillage::importer

#endif  // MAILLAGE_IMPORTER_COMMUNE_RESOLVER_H_

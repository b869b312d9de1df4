#include "territory/level.h"

#include <string>

#include "territory/name_folding.h"

namespace maillage::territory {

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kCommune:
      return "commune";
    case Level::kEpci:
      return "epci";
    case Level::kEpt:
      return "ept";
    case Level::kDepartement:
      return "departement";
    case Level::kRegion:
      return "region";
    case Level::kCustom:
      return "custom";
    case Level::kUnspecified:
      break;
  }
  return "unspecified";
}

Level ParseLevel(std::string_view name) {
  // Folding makes "Département", "REGION" and "région" equal to the names.
  const std::string folded = FoldName(name);
  if (folded == "commune") return Level::kCommune;
  if (folded == "epci") return Level::kEpci;
  if (folded == "ept") return Level::kEpt;
  if (folded == "departement" || folded == "dep") return Level::kDepartement;
  if (folded == "region" || folded == "reg") return Level::kRegion;
  if (folded == "custom") return Level::kCustom;
  return Level::kUnspecified;
}

}  // namespace maillage::territory

#ifndef MAILLAGE_TERRITORY_LEVEL_H_
#define MAILLAGE_TERRITORY_LEVEL_H_

#include <cstdint>
#include <string_view>

namespace maillage::territory {

// Administrative level of a territory. Codes of different levels collide ("11"
// is both a département and a région), so a territory is always named by its
// level and its code. Values match maillage.v1.TerritoryLevel.
enum class Level : uint8_t {
  kUnspecified = 0,
  kCommune = 1,
  kEpci = 2,
  kEpt = 3,
  kDepartement = 4,
  kRegion = 5,
  kCustom = 6,
};

// Dense number of a territory inside its level (0..count-1), assigned when the
// geography is loaded. kNone marks "no territory at this level" (a commune of
// Paris has no EPCI in the usual sense, a commune outside the Grand Paris has
// no EPT).
inline constexpr uint32_t kNone = 0xFFFFFFFFu;

// A commune's place in the hierarchy: its dense number at every level.
// For a coarser territory (say a département) the finer fields are kNone.
struct Place {
  uint32_t commune = kNone;
  uint32_t epci = kNone;
  uint32_t ept = kNone;
  uint32_t departement = kNone;
  uint32_t region = kNone;

  // The dense number at `level`, or kNone (kCustom and kUnspecified: kNone).
  uint32_t At(Level level) const {
    switch (level) {
      case Level::kCommune:
        return commune;
      case Level::kEpci:
        return epci;
      case Level::kEpt:
        return ept;
      case Level::kDepartement:
        return departement;
      case Level::kRegion:
        return region;
      default:
        return kNone;
    }
  }
  bool operator==(const Place& o) const {
    return commune == o.commune && epci == o.epci && ept == o.ept &&
           departement == o.departement && region == o.region;
  }
};

// Stable lower-case names used in ids, logs, CLI and files: "commune", "epci",
// "ept", "departement", "region", "custom".
std::string_view LevelName(Level level);
// Parses a LevelName (also accepts "département", "région", "dep", "reg");
// returns kUnspecified when unknown.
Level ParseLevel(std::string_view name);

}  // namespace maillage::territory

#endif  // MAILLAGE_TERRITORY_LEVEL_H_

#ifndef MAILLAGE_TERRITORY_GEOGRAPHY_H_
#define MAILLAGE_TERRITORY_GEOGRAPHY_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "territory/level.h"

namespace maillage::territory {

// Legal form of an EPCI (intercommunality), as in the source data.
enum class EpciType : uint8_t {
  kCommunauteDeCommunes = 0,     // "CC"
  kCommunauteAgglomeration = 1,  // "CA"
  kCommunauteUrbaine = 2,        // "CU"
  kMetropole = 3,                // "METRO"
  kMetropoleDeLyon = 4,          // "MET69", a collectivité, not an EPCI
};
// "CC", "CA", "CU", "METRO", "MET69".
std::string_view EpciTypeCode(EpciType type);

// Where a territory lies. The source lists the overseas collectivities
// (Saint-Martin "978", French Polynesia "987", ...) both as départements and
// as régions so that each of their communes has both; kOverseasCollectivity
// lets a caller leave them out (101 départements and 18 régions proper).
enum class Zone : uint8_t {
  kMetropole = 0,             // "metro"
  kOverseasDepartment = 1,    // "drom": Guadeloupe, Martinique, Guyane, ...
  kOverseasCollectivity = 2,  // "com"
};

// What a commune code named (see Geography::ResolveCommune).
struct CommuneResolution {
  enum class Via : uint8_t {
    kCurrentCode = 0,
    // A commune merged into another (anciensCodes, commune déléguée or
    // associée): the code still appears in old files and directories.
    kFormerCode = 1,
    // One of the 45 municipal arrondissements of Paris, Lyon and Marseille
    // ("75112", "69383", "13201"): a part of its commune, not a commune.
    kMunicipalArrondissement = 2,
  };
  uint32_t commune = kNone;
  Via via = Via::kCurrentCode;

  bool was_former() const { return via == Via::kFormerCode; }
};

// A territory found by SearchByName.
struct NameMatch {
  Level level = Level::kUnspecified;
  uint32_t id = kNone;
  bool operator==(const NameMatch& o) const {
    return level == o.level && id == o.id;
  }
};

// The official French administrative geography (communes, EPCI, EPT,
// départements, régions), loaded once from reference/geo/ (see the README
// there for the files and where they come from).
//
// Every territory has a dense number inside its level, 0..Count(level)-1, in
// the byte order of its code; the numbers are stable for a given data set
// only, so they must not be stored: store (level, code). Only the five
// standard levels exist here; kCustom and kUnspecified have no territory.
//
// Functions taking a dense number require 0 <= id < Count(level) for a
// standard level and abort otherwise (a caller bug, not an input error).
//
// Thread safety: a Geography is immutable after Load, so one instance can be
// shared by any number of threads without locking.
class Geography {
 public:
  // Reads the files of `dir` (normally <reference dir>/geo). NotFound when a
  // file is missing, DataLoss when one is malformed or inconsistent (unknown
  // column layout, codes out of order, a commune in an unknown département,
  // ...); the message names the file and line.
  static absl::StatusOr<std::unique_ptr<Geography>> Load(
      const std::string& dir);

  Geography(const Geography&) = delete;
  Geography& operator=(const Geography&) = delete;
  ~Geography();

  // Number of territories at `level`; 0 for kCustom and kUnspecified.
  uint32_t Count(Level level) const;

  // The dense number of the territory with this exact current code, or
  // nullopt. For kCommune the code may also be a former commune code or a
  // municipal arrondissement, which resolve to the current commune (use
  // ResolveCommune to know which happened).
  std::optional<uint32_t> Find(Level level, std::string_view code) const;
  // The current commune named by `code` (current code, former code or
  // municipal arrondissement) and how it was found, or nullopt.
  std::optional<CommuneResolution> ResolveCommune(std::string_view code) const;

  // Official code (INSEE/COG, SIREN for EPCI and EPT) and name (UTF-8, as
  // published: "Charenton-le-Pont"). The views live as long as the Geography.
  std::string_view Code(Level level, uint32_t id) const;
  std::string_view Name(Level level, uint32_t id) const;
  // Municipal population of a commune (0 when the source gives none: the
  // uninhabited districts of the TAAF); for the other levels the sum over
  // their communes, so that every level counts the same people.
  uint64_t Population(Level level, uint32_t id) const;
  EpciType EpciTypeOf(uint32_t epci) const;
  Zone ZoneOf(Level level, uint32_t id) const;

  // Where a territory sits in the hierarchy commune < EPT < EPCI <
  // département < région: Place::At(level) is `id` itself; every coarser
  // level holds the territory containing all of its communes, or kNone when
  // there is none (a commune of no EPT; an EPCI spanning two départements);
  // finer levels are kNone. So a commune's Place has all its ancestors, an
  // EPT's its EPCI (the Métropole du Grand Paris), a département's its région.
  Place PlaceOf(Level level, uint32_t id) const;

  // The current communes inside a territory, sorted; a commune's own span is
  // just itself. O(1); the span lives as long as the Geography.
  absl::Span<const uint32_t> Communes(Level level, uint32_t id) const;
  // Whether `commune` lies inside territory `id` of `level`. O(1).
  bool Contains(Level level, uint32_t id, uint32_t commune) const;

  // Territories of `child_level` that share at least one commune with the
  // parent, sorted by dense number: the départements of a région, the EPCIs
  // and communes of a département, the EPTs of the Métropole du Grand Paris.
  // A territory that straddles a boundary (an EPCI over two départements) is
  // listed under every parent it touches; PlaceOf tells whether it lies
  // wholly inside. Empty unless child_level is finer than parent_level in
  // the order above. O(1); the span lives as long as the Geography.
  absl::Span<const uint32_t> Children(Level parent_level, uint32_t parent,
                                      Level child_level) const;

  // The current communes served by a five-digit postal code, sorted by
  // dense number, no duplicates; empty when the code is unknown or malformed.
  std::vector<uint32_t> ResolvePostalCode(std::string_view postal_code) const;
  // The postal codes of a commune, sorted ("94220").
  std::vector<std::string> PostalCodes(uint32_t commune) const;

  // Up to `limit` territories whose folded name (FoldName) starts with the
  // folded `prefix`, at `level` or at every standard level when nullopt.
  // Ordered by level (commune, EPCI, EPT, département, région), then by
  // population descending, then by code. An empty prefix matches everything.
  std::vector<NameMatch> SearchByName(std::optional<Level> level,
                                      std::string_view prefix,
                                      size_t limit) const;

  // Heap bytes held by this instance (capacity of its tables).
  size_t MemoryUsage() const;

 private:
  struct LevelData;
  struct CommuneAlias;
  struct Relation;
  class Loader;

  Geography();
  // The tables of `level`; aborts unless `id` is a territory of it.
  const LevelData& Data(Level level, uint32_t id) const;
  // The commune whose current code is `code`, or nullopt.
  std::optional<uint32_t> FindCurrentCommune(std::string_view code) const;

  // Indexed by static_cast<int>(Level) - 1, kCommune..kRegion.
  std::array<std::unique_ptr<LevelData>, 5> levels_;
  std::vector<CommuneAlias> aliases_;  // sorted by code
  // Current commune codes -> communes, indexed by the code itself (see
  // CommuneCodeSlot): the importer and validation resolve a code per row,
  // and one read here replaces a binary search over 35,000 codes.
  std::vector<uint32_t> commune_by_code_;  // kNone: no current commune
  std::vector<EpciType> epci_types_;
  std::vector<Zone> region_zones_;
  // (postal code as a number, commune), sorted.
  std::vector<std::pair<uint32_t, uint32_t>> postal_index_;
  // Per commune: its postal codes as numbers, CSR.
  std::vector<uint32_t> postal_offsets_;
  std::vector<uint32_t> postal_codes_;
  // Children(parent, child) for every pair of non-commune levels.
  std::vector<Relation> relations_;
};

}  // namespace maillage::territory

#endif  // MAILLAGE_TERRITORY_GEOGRAPHY_H_

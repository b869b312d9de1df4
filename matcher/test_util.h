#ifndef MAILLAGE_MATCHER_TEST_UTIL_H_
#define MAILLAGE_MATCHER_TEST_UTIL_H_

// Helpers for the matcher's tests: a small tree-shaped geography, a profile
// builder speaking vocabulary codes, and random profiles for property tests.

#include <cstdint>
#include <initializer_list>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "matcher/actor_index.h"
#include "matcher/vocabulary.h"
#include "territory/level.h"

namespace maillage::matcher::testing {

// The reference vocabulary (reference/vocab), loaded once; aborts on error.
const Vocabulary& TestVocabulary();
uint8_t ThemeNum(std::string_view code);     // aborts on unknown codes
uint8_t ResourceNum(std::string_view code);  // aborts on unknown codes

// regions -> départements -> EPCI -> communes, numbered densely in that
// order; the first EPCI of the first département is split in two EPT. Commune
// coordinates follow the tree: communes of an EPCI lie within ~10 km, EPCIs
// of a département within ~50 km, départements of a région within ~150 km.
struct Geography {
  static Geography Make(int regions, int departements_per_region,
                        int epcis_per_departement, int communes_per_epci);

  territory::Place Commune(uint32_t commune) const { return communes[commune]; }
  // The Place of a coarser territory: its number and its ancestors.
  territory::Place Territory(territory::Level level, uint32_t number) const;
  Scope ScopeOf(territory::Level level, uint32_t number) const;
  Scope CustomScope(std::vector<uint32_t> communes) const;
  // The communes of a standard territory.
  std::vector<uint32_t> CommunesOf(territory::Level level,
                                   uint32_t number) const;
  uint32_t Count(territory::Level level) const;

  int regions = 0;
  int departements_per_region = 0;
  int epcis_per_departement = 0;
  int communes_per_epci = 0;
  std::vector<territory::Place> communes;
  std::vector<float> latitude;
  std::vector<float> longitude;
};

class ProfileBuilder {
 public:
  ProfileBuilder(std::string id, Kind kind, territory::Place home);
  ProfileBuilder& Name(std::string name);
  ProfileBuilder& Subtype(uint8_t subtype);
  ProfileBuilder& Themes(std::initializer_list<std::string_view> codes);
  // An empty theme code means "any of the actor's themes".
  ProfileBuilder& Need(std::string_view resource, std::string_view theme = "");
  ProfileBuilder& Offer(std::string_view resource, std::string_view theme = "");
  ProfileBuilder& Capacity(uint16_t capacity);
  ProfileBuilder& Unavailable();
  ProfileBuilder& Coordinates(float latitude, float longitude);
  ProfileBuilder& ActsOn(territory::Level level, territory::Place place);
  ProfileBuilder& ActsOnCustom(std::vector<uint32_t> communes);
  ProfileBuilder& Accepts(std::initializer_list<Category> categories);
  ActorProfile Build() const { return profile_; }
  operator ActorProfile() const { return profile_; }  // NOLINT

 private:
  ActorProfile profile_;
};

// A random profile over `geography` with the test vocabulary's themes and
// resources: kinds, themes, needs, offers, action areas, capacity and
// availability all drawn from `rng`.
ActorProfile RandomProfile(std::mt19937& rng, const Geography& geography,
                           std::string id);

}  // namespace maillage::matcher::testing

#endif  // MAILLAGE_MATCHER_TEST_UTIL_H_

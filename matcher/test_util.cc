#include "matcher/test_util.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>

namespace maillage::matcher::testing {

using territory::kNone;
using territory::Level;
using territory::Place;

const Vocabulary& TestVocabulary() {
  static const Vocabulary* vocabulary = [] {
    absl::StatusOr<Vocabulary> loaded =
        Vocabulary::LoadFromDir(MAILLAGE_REFERENCE_DIR "/vocab");
    if (!loaded.ok()) {
      std::fprintf(stderr, "%s\n", loaded.status().ToString().c_str());
      std::abort();
    }
    return new Vocabulary(*std::move(loaded));
  }();
  return *vocabulary;
}

uint8_t ThemeNum(std::string_view code) {
  std::optional<uint8_t> theme = TestVocabulary().Theme(code);
  if (!theme) {
    std::fprintf(stderr, "unknown theme %.*s\n", static_cast<int>(code.size()),
                 code.data());
    std::abort();
  }
  return *theme;
}

uint8_t ResourceNum(std::string_view code) {
  std::optional<uint8_t> resource = TestVocabulary().Resource(code);
  if (!resource) {
    std::fprintf(stderr, "unknown resource %.*s\n",
                 static_cast<int>(code.size()), code.data());
    std::abort();
  }
  return *resource;
}

Geography Geography::Make(int regions, int departements_per_region,
                          int epcis_per_departement, int communes_per_epci) {
  Geography g;
  g.regions = regions;
  g.departements_per_region = departements_per_region;
  g.epcis_per_departement = epcis_per_departement;
  g.communes_per_epci = communes_per_epci;
  const int communes = regions * departements_per_region *
                       epcis_per_departement * communes_per_epci;
  for (int c = 0; c < communes; ++c) {
    Place place;
    place.commune = c;
    place.epci = c / communes_per_epci;
    place.departement = place.epci / epcis_per_departement;
    place.region = place.departement / departements_per_region;
    if (place.epci == 0) {
      place.ept = (c % communes_per_epci) < communes_per_epci / 2 ? 0 : 1;
    }
    g.communes.push_back(place);
    // Offsets in km from the région's centre, turned into degrees.
    const int d_in_r = place.departement % departements_per_region;
    const int e_in_d = place.epci % epcis_per_departement;
    const int c_in_e = c % communes_per_epci;
    const double north = 300.0 * (place.region % 3) + 120.0 * (d_in_r % 2) +
                         40.0 * (e_in_d % 2) + 4.0 * (c_in_e % 3);
    const double east = 300.0 * (place.region / 3) + 120.0 * (d_in_r / 2) +
                        40.0 * (e_in_d / 2) + 4.0 * (c_in_e / 3);
    g.latitude.push_back(static_cast<float>(44.0 + north / 111.0));
    g.longitude.push_back(static_cast<float>(0.0 + east / 75.0));
  }
  return g;
}

uint32_t Geography::Count(Level level) const {
  const uint32_t r = regions;
  const uint32_t d = r * departements_per_region;
  const uint32_t e = d * epcis_per_departement;
  switch (level) {
    case Level::kRegion:
      return r;
    case Level::kDepartement:
      return d;
    case Level::kEpci:
      return e;
    case Level::kEpt:
      return 2;
    case Level::kCommune:
      return e * communes_per_epci;
    default:
      return 0;
  }
}

Place Geography::Territory(Level level, uint32_t number) const {
  Place place;
  switch (level) {
    case Level::kCommune:
      return communes.at(number);
    case Level::kEpt:
      place.ept = number;
      place.epci = 0;
      place.departement = 0;
      place.region = 0;
      return place;
    case Level::kEpci:
      place.epci = number;
      place.departement = number / epcis_per_departement;
      place.region = place.departement / departements_per_region;
      return place;
    case Level::kDepartement:
      place.departement = number;
      place.region = number / departements_per_region;
      return place;
    case Level::kRegion:
      place.region = number;
      return place;
    default:
      return place;
  }
}

Scope Geography::ScopeOf(Level level, uint32_t number) const {
  Scope scope;
  scope.level = level;
  scope.place = Territory(level, number);
  return scope;
}

Scope Geography::CustomScope(std::vector<uint32_t> communes_in) const {
  Scope scope;
  scope.level = Level::kCustom;
  std::sort(communes_in.begin(), communes_in.end());
  scope.custom_communes = std::move(communes_in);
  return scope;
}

std::vector<uint32_t> Geography::CommunesOf(Level level,
                                            uint32_t number) const {
  std::vector<uint32_t> result;
  for (const Place& place : communes) {
    if (place.At(level) == number && number != kNone) {
      result.push_back(place.commune);
    }
  }
  return result;
}

ProfileBuilder::ProfileBuilder(std::string id, Kind kind, Place home) {
  profile_.id = std::move(id);
  profile_.kind = kind;
  profile_.home = home;
  profile_.capacity = 3;
}

ProfileBuilder& ProfileBuilder::Name(std::string name) {
  profile_.name = std::move(name);
  return *this;
}

ProfileBuilder& ProfileBuilder::Subtype(uint8_t subtype) {
  profile_.subtype = subtype;
  return *this;
}

ProfileBuilder& ProfileBuilder::Themes(
    std::initializer_list<std::string_view> codes) {
  for (std::string_view code : codes) {
    profile_.themes |= ThemeSet{1} << ThemeNum(code);
  }
  return *this;
}

ProfileBuilder& ProfileBuilder::Need(std::string_view resource,
                                     std::string_view theme) {
  profile_.needs.push_back({ResourceNum(resource), theme.empty()
                                                       ? Exchange::kAnyTheme
                                                       : ThemeNum(theme)});
  return *this;
}

ProfileBuilder& ProfileBuilder::Offer(std::string_view resource,
                                      std::string_view theme) {
  profile_.offers.push_back({ResourceNum(resource), theme.empty()
                                                        ? Exchange::kAnyTheme
                                                        : ThemeNum(theme)});
  return *this;
}

ProfileBuilder& ProfileBuilder::Capacity(uint16_t capacity) {
  profile_.capacity = capacity;
  return *this;
}

ProfileBuilder& ProfileBuilder::Unavailable() {
  profile_.available = false;
  return *this;
}

ProfileBuilder& ProfileBuilder::Coordinates(float latitude, float longitude) {
  profile_.latitude = latitude;
  profile_.longitude = longitude;
  return *this;
}

ProfileBuilder& ProfileBuilder::ActsOn(Level level, Place place) {
  ActionArea area;
  area.level = level;
  area.place = place;
  profile_.action_areas.push_back(std::move(area));
  return *this;
}

ProfileBuilder& ProfileBuilder::ActsOnCustom(std::vector<uint32_t> communes) {
  ActionArea area;
  area.level = Level::kCustom;
  std::sort(communes.begin(), communes.end());
  area.custom_communes = std::move(communes);
  profile_.action_areas.push_back(std::move(area));
  return *this;
}

ProfileBuilder& ProfileBuilder::Accepts(
    std::initializer_list<Category> categories) {
  for (Category category : categories) {
    profile_.accepted_categories |= 1u << static_cast<int>(category);
  }
  return *this;
}

ActorProfile RandomProfile(std::mt19937& rng, const Geography& geography,
                           std::string id) {
  const Vocabulary& vocabulary = TestVocabulary();
  auto uniform = [&](uint32_t n) {
    return std::uniform_int_distribution<uint32_t>(0, n - 1)(rng);
  };
  auto chance = [&](double p) {
    return std::uniform_real_distribution<double>(0, 1)(rng) < p;
  };
  const uint32_t commune = uniform(geography.Count(Level::kCommune));
  ActorProfile profile;
  profile.id = std::move(id);
  profile.name = "Acteur " + profile.id;
  profile.kind = static_cast<Kind>(1 + uniform(5));
  if (profile.kind == Kind::kAssociation && chance(0.2)) profile.subtype = 3;
  if (profile.kind == Kind::kCompany && chance(0.1)) profile.subtype = 3;
  profile.home = geography.Commune(commune);
  if (chance(0.5)) {
    profile.latitude = geography.latitude[commune];
    profile.longitude = geography.longitude[commune];
  }
  // A few themes out of a popular head and a long tail.
  const uint32_t themes = static_cast<uint32_t>(vocabulary.theme_count());
  const int theme_count = static_cast<int>(uniform(4));
  for (int i = 0; i < theme_count; ++i) {
    uint32_t t = chance(0.6) ? uniform(5) : uniform(themes);
    profile.themes |= ThemeSet{1} << t;
  }
  const uint32_t resources = static_cast<uint32_t>(vocabulary.resource_count());
  auto random_exchange = [&]() {
    Exchange e;
    e.resource = static_cast<uint8_t>(uniform(resources));
    if (chance(0.6)) e.theme = static_cast<uint8_t>(uniform(themes));
    return e;
  };
  const int needs = static_cast<int>(uniform(4));
  for (int i = 0; i < needs; ++i) profile.needs.push_back(random_exchange());
  const int offers = static_cast<int>(uniform(4));
  for (int i = 0; i < offers; ++i) profile.offers.push_back(random_exchange());
  if (chance(0.25)) {
    ActionArea area;
    const uint32_t kind = uniform(3);
    if (kind == 0) {
      area.level = Level::kDepartement;
      area.place = geography.Territory(
          Level::kDepartement, uniform(geography.Count(Level::kDepartement)));
    } else if (kind == 1) {
      area.level = Level::kEpci;
      area.place = geography.Territory(Level::kEpci,
                                       uniform(geography.Count(Level::kEpci)));
    } else {
      area.level = Level::kCustom;
      for (int i = 0; i < 3; ++i) {
        area.custom_communes.push_back(
            uniform(geography.Count(Level::kCommune)));
      }
      std::sort(area.custom_communes.begin(), area.custom_communes.end());
      area.custom_communes.erase(
          std::unique(area.custom_communes.begin(), area.custom_communes.end()),
          area.custom_communes.end());
    }
    profile.action_areas.push_back(std::move(area));
  }
  if (chance(0.2)) {
    profile.accepted_categories = 1u << (1 + uniform(4));
    if (chance(0.5)) profile.accepted_categories |= 1u << (1 + uniform(4));
  }
  profile.capacity = static_cast<uint16_t>(chance(0.1) ? 0 : 1 + uniform(5));
  profile.available = !chance(0.08);
  return profile;
}

}  // namespace maillage::matcher::testing

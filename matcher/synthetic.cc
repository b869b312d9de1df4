#include "matcher/synthetic.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace maillage::matcher::synthetic {

using territory::kNone;
using territory::Level;
using territory::Place;

namespace {

double Uniform(std::mt19937_64& rng) {
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

uint32_t Below(std::mt19937_64& rng, uint32_t n) {
  return static_cast<uint32_t>(rng() % n);
}

// Splits `total` items over `parts` groups with log-normal weights, at least
// one each; returns the first item of each group and total at the end.
std::vector<uint32_t> Split(uint32_t total, uint32_t parts, double sigma,
                            std::mt19937_64& rng) {
  std::lognormal_distribution<double> weight(0.0, sigma);
  std::vector<double> weights(parts);
  double sum = 0;
  for (double& w : weights) sum += (w = weight(rng));
  std::vector<uint32_t> starts(parts + 1, 0);
  const uint32_t spare = total - parts;
  double acc = 0;
  for (uint32_t i = 0; i < parts; ++i) {
    starts[i] = i + static_cast<uint32_t>(spare * (acc / sum));
    acc += weights[i];
  }
  starts[parts] = total;
  return starts;
}

}  // namespace

France::France(const FranceOptions& options)
    : regions_(options.regions), epts_(11) {
  std::mt19937_64 rng(options.seed);
  const std::vector<uint32_t> dep_start =
      Split(options.departements, options.regions, 0.3, rng);
  const std::vector<uint32_t> epci_start =
      Split(options.epcis, options.departements, 0.4, rng);
  const std::vector<uint32_t> commune_start =
      Split(options.communes, options.epcis, 0.8, rng);

  // Centres: régions on a grid over metropolitan France, the rest around.
  std::vector<double> lat(options.epcis), lon(options.epcis);
  departements_.resize(options.departements);
  epcis_.resize(options.epcis);
  for (uint32_t r = 0; r < options.regions; ++r) {
    const double r_lat = 43.3 + 7.0 * ((r % 3) + 0.5) / 3.0;
    const double r_lon = -3.5 + 10.5 * ((r / 3) + 0.5) / 6.0;
    for (uint32_t d = dep_start[r]; d < dep_start[r + 1]; ++d) {
      departements_[d].departement = d;
      departements_[d].region = r;
      const double d_lat = r_lat + (Uniform(rng) - 0.5) * 1.6;
      const double d_lon = r_lon + (Uniform(rng) - 0.5) * 2.0;
      for (uint32_t e = epci_start[d]; e < epci_start[d + 1]; ++e) {
        epcis_[e].epci = e;
        epcis_[e].departement = d;
        epcis_[e].region = r;
        lat[e] = d_lat + (Uniform(rng) - 0.5) * 0.6;
        lon[e] = d_lon + (Uniform(rng) - 0.5) * 0.8;
      }
    }
  }
  std::lognormal_distribution<double> population(6.0, 1.4);
  communes_.resize(options.communes);
  latitude_.resize(options.communes);
  longitude_.resize(options.communes);
  population_.resize(options.communes);
  for (uint32_t e = 0; e < options.epcis; ++e) {
    for (uint32_t c = commune_start[e]; c < commune_start[e + 1]; ++c) {
      Place& place = communes_[c];
      place = epcis_[e];
      place.commune = c;
      // The first EPCI is a metropolis split into EPT.
      if (e == 0) place.ept = (c - commune_start[0]) % epts_;
      latitude_[c] = static_cast<float>(lat[e] + (Uniform(rng) - 0.5) * 0.15);
      longitude_[c] = static_cast<float>(lon[e] + (Uniform(rng) - 0.5) * 0.2);
      double p = population(rng);
      if (c == commune_start[e]) p *= 8;  // the EPCI's main town
      if (e == 0) p *= 20;
      population_[c] = static_cast<uint32_t>(std::max(1.0, p));
    }
  }
  cumulative_.resize(options.communes);
  uint64_t total = 0;
  for (uint32_t c = 0; c < options.communes; ++c) {
    total += population_[c];
    cumulative_[c] = total;
  }
}

uint32_t France::Count(Level level) const {
  switch (level) {
    case Level::kCommune:
      return static_cast<uint32_t>(communes_.size());
    case Level::kEpci:
      return static_cast<uint32_t>(epcis_.size());
    case Level::kEpt:
      return epts_;
    case Level::kDepartement:
      return static_cast<uint32_t>(departements_.size());
    case Level::kRegion:
      return regions_;
    default:
      return 0;
  }
}

uint32_t France::DrawCommune(std::mt19937_64& rng) const {
  const uint64_t x = rng() % cumulative_.back();
  return static_cast<uint32_t>(
      std::upper_bound(cumulative_.begin(), cumulative_.end(), x) -
      cumulative_.begin());
}

Place France::Territory(Level level, uint32_t number) const {
  switch (level) {
    case Level::kCommune:
      return communes_[number];
    case Level::kEpci:
      return epcis_[number];
    case Level::kEpt: {
      Place place = epcis_[0];
      place.ept = number;
      return place;
    }
    case Level::kDepartement:
      return departements_[number];
    case Level::kRegion: {
      Place place;
      place.region = number;
      return place;
    }
    default:
      return Place();
  }
}

Scope France::ScopeOf(Level level, uint32_t number) const {
  Scope scope;
  scope.level = level;
  scope.place = Territory(level, number);
  return scope;
}

namespace {

struct Weighted {
  const char* code;
  double weight;
};

// What each kind typically needs and offers.
constexpr Weighted kAssociationNeeds[] = {
    {"funding", 5},    {"volunteers", 3}, {"skills", 2},  {"in_kind", 2},
    {"premises", 1.5}, {"visibility", 1}, {"network", 1}, {"evaluation", 0.5}};
constexpr Weighted kAssociationOffers[] = {
    {"services", 2},  {"audience_access", 2}, {"volunteers", 1.5},
    {"expertise", 1}, {"visibility", 1.5},    {"hiring", 0.7},
    {"network", 1}};
constexpr Weighted kCompanyNeeds[] = {
    {"services", 2},         {"hiring", 2},    {"purchasing", 1},
    {"visibility", 1.5},     {"network", 1.5}, {"expertise", 1},
    {"audience_access", 0.7}};
constexpr Weighted kCompanyOffers[] = {
    {"funding", 3},    {"skills", 3}, {"in_kind", 2},    {"volunteers", 1.5},
    {"purchasing", 1}, {"hiring", 1}, {"premises", 0.7}, {"expertise", 0.7}};
constexpr Weighted kPublicNeeds[] = {{"services", 2},        {"expertise", 1.5},
                                     {"evaluation", 1},      {"network", 1},
                                     {"audience_access", 1}, {"volunteers", 1}};
constexpr Weighted kPublicOffers[] = {{"funding", 3},
                                      {"public_support", 3},
                                      {"premises", 1.5},
                                      {"network", 1.5},
                                      {"audience_access", 1.5}};
constexpr Weighted kAcademicNeeds[] = {
    {"funding", 2}, {"audience_access", 2}, {"network", 1}, {"in_kind", 0.5}};
constexpr Weighted kAcademicOffers[] = {
    {"expertise", 3}, {"evaluation", 2}, {"skills", 1}, {"volunteers", 1}};
constexpr Weighted kMediaNeeds[] = {
    {"funding", 2}, {"network", 1}, {"expertise", 0.5}};
constexpr Weighted kMediaOffers[] = {{"visibility", 3}, {"audience_access", 2}};

template <size_t N>
uint8_t Draw(const Weighted (&table)[N], const Vocabulary& vocabulary,
             std::mt19937_64& rng) {
  double sum = 0;
  for (const Weighted& w : table) sum += w.weight;
  double x = Uniform(rng) * sum;
  for (const Weighted& w : table) {
    x -= w.weight;
    if (x <= 0) return vocabulary.Resource(w.code).value_or(0);
  }
  return vocabulary.Resource(table[N - 1].code).value_or(0);
}

uint8_t DrawResource(Kind kind, bool need, const Vocabulary& vocabulary,
                     std::mt19937_64& rng) {
  switch (kind) {
    case Kind::kAssociation:
      return need ? Draw(kAssociationNeeds, vocabulary, rng)
                  : Draw(kAssociationOffers, vocabulary, rng);
    case Kind::kCompany:
      return need ? Draw(kCompanyNeeds, vocabulary, rng)
                  : Draw(kCompanyOffers, vocabulary, rng);
    case Kind::kPublicBody:
      return need ? Draw(kPublicNeeds, vocabulary, rng)
                  : Draw(kPublicOffers, vocabulary, rng);
    case Kind::kAcademic:
      return need ? Draw(kAcademicNeeds, vocabulary, rng)
                  : Draw(kAcademicOffers, vocabulary, rng);
    default:
      return need ? Draw(kMediaNeeds, vocabulary, rng)
                  : Draw(kMediaOffers, vocabulary, rng);
  }
}

// Themes by a skewed popularity: theme t has weight 1 / (t + 1)^0.7.
uint8_t DrawTheme(const Vocabulary& vocabulary, std::mt19937_64& rng) {
  const size_t n = vocabulary.theme_count();
  double sum = 0;
  for (size_t t = 0; t < n; ++t) sum += std::pow(t + 1.0, -0.7);
  double x = Uniform(rng) * sum;
  for (size_t t = 0; t < n; ++t) {
    x -= std::pow(t + 1.0, -0.7);
    if (x <= 0) return static_cast<uint8_t>(t);
  }
  return static_cast<uint8_t>(n - 1);
}

}  // namespace

ActorProfile MakeActor(const France& france, const Vocabulary& vocabulary,
                       uint64_t n, std::mt19937_64& rng) {
  ActorProfile p;
  const double k = Uniform(rng);
  p.kind = k < 0.55   ? Kind::kAssociation
           : k < 0.88 ? Kind::kCompany
           : k < 0.95 ? Kind::kPublicBody
           : k < 0.98 ? Kind::kAcademic
                      : Kind::kMedia;
  char buffer[64];
  if (p.kind == Kind::kAssociation) {
    std::snprintf(buffer, sizeof(buffer), "rna:W%09llu",
                  static_cast<unsigned long long>(n));
  } else {
    std::snprintf(buffer, sizeof(buffer), "siret:%014llu",
                  static_cast<unsigned long long>(77000000000000ull + n));
  }
  p.id = buffer;
  static constexpr const char* kNames[] = {
      "Association", "Entreprise", "Organisme public", "Campus", "Média"};
  std::snprintf(buffer, sizeof(buffer), "%s synthétique %llu",
                kNames[static_cast<int>(p.kind) - 1],
                static_cast<unsigned long long>(n));
  p.name = buffer;
  const double s = Uniform(rng);
  switch (p.kind) {
    case Kind::kAssociation:
      p.subtype = s < 0.04 ? 3 : s < 0.07 ? 1 : s < 0.09 ? 2 : 0;
      p.size_band = static_cast<uint8_t>(1 + Below(rng, 3));
      break;
    case Kind::kCompany:
      p.subtype = s < 0.03 ? 3 : s < 0.08 ? 4 : s < 0.10 ? 5 : s < 0.12 ? 6 : 0;
      p.size_band = static_cast<uint8_t>(1 + Below(rng, 6));
      break;
    case Kind::kPublicBody:
      p.subtype = s < 0.7 ? 7 : s < 0.85 ? 8 : 9;
      p.size_band = static_cast<uint8_t>(2 + Below(rng, 4));
      break;
    case Kind::kAcademic:
      p.subtype = s < 0.3 ? 10 : s < 0.7 ? 11 : 12;
      p.size_band = static_cast<uint8_t>(3 + Below(rng, 3));
      break;
    default:
      p.size_band = static_cast<uint8_t>(1 + Below(rng, 4));
      break;
  }
  const uint32_t commune = france.DrawCommune(rng);
  p.home = france.Commune(commune);
  if (Uniform(rng) < 0.7) {
    p.latitude = france.Latitude(commune) +
                 static_cast<float>((Uniform(rng) - 0.5) * 0.02);
    p.longitude = france.Longitude(commune) +
                  static_cast<float>((Uniform(rng) - 0.5) * 0.03);
  }
  const int themes = 1 + static_cast<int>(Below(rng, 4));
  std::vector<uint8_t> own;
  for (int i = 0; i < themes; ++i) {
    const uint8_t t = DrawTheme(vocabulary, rng);
    p.themes |= ThemeSet{1} << t;
    own.push_back(t);
  }
  auto exchange = [&](bool need) {
    Exchange e;
    e.resource = DrawResource(p.kind, need, vocabulary, rng);
    if (Uniform(rng) < 0.6)
      e.theme = own[Below(rng, static_cast<uint32_t>(own.size()))];
    return e;
  };
  const int needs = 1 + static_cast<int>(Below(rng, 3));
  for (int i = 0; i < needs; ++i) p.needs.push_back(exchange(true));
  const int offers = 1 + static_cast<int>(Below(rng, 3));
  for (int i = 0; i < offers; ++i) p.offers.push_back(exchange(false));
  if (Uniform(rng) < 0.15) {
    ActionArea area;
    const double a = Uniform(rng);
    if (a < 0.4) {
      area.level = Level::kDepartement;
      area.place = france.Territory(Level::kDepartement, p.home.departement);
    } else if (a < 0.7) {
      area.level = Level::kRegion;
      area.place = france.Territory(Level::kRegion, p.home.region);
    } else {
      const uint32_t epcis = france.Count(Level::kEpci);
      area.level = Level::kEpci;
      area.place = france.Territory(Level::kEpci, (p.home.epci + 1) % epcis);
    }
    p.action_areas.push_back(std::move(area));
  }
  if (Uniform(rng) < 0.1) {
    p.accepted_categories =
        (1u << (1 + Below(rng, 4))) | (1u << (1 + Below(rng, 4)));
  }
  p.capacity =
      static_cast<uint16_t>(Uniform(rng) < 0.05 ? 0 : 1 + Below(rng, 5));
  p.available = Uniform(rng) >= 0.03;
  return p;
}

}  // namespace maillage::matcher::synthetic

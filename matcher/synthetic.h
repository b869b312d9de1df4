#ifndef MAILLAGE_MATCHER_SYNTHETIC_H_
#define MAILLAGE_MATCHER_SYNTHETIC_H_

// A synthetic France for benchmarks and demos: régions, départements, EPCI
// and communes with a skewed, population-like distribution, and actors drawn
// in proportion to population with themes, needs and offers typical of
// their kind. Synthetic through and through (no real place or organisation),
// deterministic for a seed.

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "matcher/actor_index.h"
#include "matcher/vocabulary.h"
#include "territory/level.h"

namespace maillage::matcher::synthetic {

struct FranceOptions {
  uint32_t regions = 18;
  uint32_t departements = 101;
  uint32_t epcis = 1250;
  uint32_t communes = 35000;
  uint64_t seed = 1;
};

class France {
 public:
  explicit France(const FranceOptions& options);

  uint32_t Count(territory::Level level) const;
  const territory::Place& Commune(uint32_t commune) const {
    return communes_[commune];
  }
  const std::vector<territory::Place>& communes() const { return communes_; }
  float Latitude(uint32_t commune) const { return latitude_[commune]; }
  float Longitude(uint32_t commune) const { return longitude_[commune]; }
  uint32_t Population(uint32_t commune) const { return population_[commune]; }
  // A commune drawn in proportion to population.
  uint32_t DrawCommune(std::mt19937_64& rng) const;
  // The Place of a territory (its number and its ancestors) and a Scope.
  territory::Place Territory(territory::Level level, uint32_t number) const;
  Scope ScopeOf(territory::Level level, uint32_t number) const;

 private:
  std::vector<territory::Place> communes_;
  std::vector<float> latitude_;
  std::vector<float> longitude_;
  std::vector<uint32_t> population_;
  std::vector<uint64_t> cumulative_;  // population prefix sums
  std::vector<territory::Place> epcis_;
  std::vector<territory::Place> departements_;
  uint32_t regions_;
  uint32_t epts_;
};

// Actor number `n` of the synthetic France ("syn:<n>"), drawn from `rng`.
// Kinds: 55% associations, 33% companies, 7% public bodies, 3% academics,
// 2% media; 1–4 themes with a skewed popularity; 1–3 needs and offers
// typical of the kind, 60% of them on one of the actor's themes; 15% with an
// action area; 70% with coordinates; 3% unavailable, 5% without capacity.
ActorProfile MakeActor(const France& france, const Vocabulary& vocabulary,
                       uint64_t n, std::mt19937_64& rng);

}  // namespace maillage::matcher::synthetic

#endif  // MAILLAGE_MATCHER_SYNTHETIC_H_

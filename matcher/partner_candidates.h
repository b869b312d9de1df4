#ifndef MAILLAGE_MATCHER_PARTNER_CANDIDATES_H_
#define MAILLAGE_MATCHER_PARTNER_CANDIDATES_H_

// The candidate stage of the partner search (partner_search.h): where
// candidates come from and what the search knows of each before reading
// its record. A candidate is made by a posting list that complements the
// asking actor (a Probe: its needs meet their offers, or its offers their
// needs), by its intercommunality (a shared theme), or by an action area
// (covering the asker's home, or overlapping the scope); walking the
// probes' lists credits each candidate with the resources exchanged and
// their best quality, exactly as internal::DirectCredits would.
// Internal to the matcher.

#include <algorithm>
#include <cstdint>
#include <vector>

#include "matcher/actor_index.h"
#include "matcher/actor_index_internal.h"
#include "matcher/lazy_array.h"
#include "matcher/scoring.h"

namespace maillage::matcher::internal {

// One posting list to walk: every actor in it gets `tenths` of credit for
// `resource`, towards the asking actor (its offers meet the actor's need) or
// towards itself (its needs are met by the actor's offer).
struct Probe {
  uint32_t key;
  uint8_t tenths;
  uint8_t resource;
  bool to_actor;
};

// The probes of the actor's needs (to_actor) and offers, mirroring
// internal::MatchTenths over the exchange keys of ActorIndex: for each
// (direction, key) the best quality, sorted best first so that the first
// credit of a resource is its best.
std::vector<Probe> MakeProbes(const ActorProfile& actor);

// Credits `probe`'s resource to `credits` unless already credited (the
// probes come best first, so the first credit is the best).
inline void Credit(Credits& credits, const Probe& probe) {
  const uint32_t bit = 1u << probe.resource;
  if (!(credits.mask & bit)) {
    credits.mask |= bit;
    credits.tenths += probe.tenths;
  }
}

// The actors whose action areas cover the asking actor's home, and the
// proximity the closest such area gives: a byte per actor number, 0 or
// 5 - rank of the area's level (higher is closer). Denser than the
// candidate slots, so that marking thousands of them stays cheap; only the
// bytes set are cleared between queries.
struct AreaMarks {
  LazyArray<uint8_t> code;
  std::vector<ActorNum> set;

  void Reset(size_t num_limit) {
    for (ActorNum num : set) code.At(num) = 0;
    set.clear();
    code.StartQuery(num_limit);
  }
  void Mark(ActorNum num, int rank) {
    const auto c = static_cast<uint8_t>(internal::kRankCount - rank);
    uint8_t& mark = code.At(num);
    if (mark == 0) set.push_back(num);
    mark = std::max(mark, c);
  }
  bool Has(ActorNum num) const { return code.Get(num) != 0; }
  // The proximity bound of the area (custom zones, indexed at commune rank,
  // give at most 0.8 too).
  static float Proximity(uint8_t c) {
    return c == 0 ? 0.0f
                  : static_cast<float>(
                        0.8 *
                        internal::LevelProximity(
                            internal::kLevelByRank[internal::kRankCount - c]));
  }
  float ProximityOf(ActorNum num) const { return Proximity(code.Get(num)); }
};

// Per-thread scratch of a query: a generation stamp per actor number marks
// the candidates already seen, so that nothing is cleared between queries.
// The arrays by actor number are LazyArrays (matcher/lazy_array.h): chunks
// allocated where queries write, not 9 bytes per actor of the country on
// every query thread.
struct Candidate {
  ActorNum num;
  bool scored;
  bool area_scope;  // an action area of it overlaps the scope
  // Bound of the proximity from its posting entry (position or hierarchy,
  // and the asking actor's areas), -1 until a walk met it.
  float entry_proximity;
  PairInputs inputs;
};
struct Scratch {
  // By actor number: generation << 32 | index in `candidates` (one random
  // access per posting entry).
  LazyArray<uint64_t> slot;
  std::vector<Candidate> candidates;
  uint64_t generation = 0;
  AreaMarks areas;

  void Reset(size_t num_limit) {
    slot.StartQuery(num_limit);
    candidates.clear();
    if (++generation == (uint64_t{1} << 32)) {
      slot.Fill();
      generation = 1;
    }
  }
  void Prefetch(ActorNum num) const {
    if (const uint64_t* s = slot.AddressOf(num)) __builtin_prefetch(s);
  }
  Candidate* Find(ActorNum num) {
    const uint64_t s = slot.Get(num);
    return (s >> 32) == generation ? &candidates[static_cast<uint32_t>(s)]
                                   : nullptr;
  }
  Candidate& Get(ActorNum num) {
    uint64_t& s = slot.At(num);
    if ((s >> 32) != generation) {
      s = generation << 32 | candidates.size();
      candidates.push_back(Candidate{num, false, false, -1, {}});
    }
    return candidates[static_cast<uint32_t>(s)];
  }
};

}  // namespace maillage::matcher::internal

#endif  // MAILLAGE_MATCHER_PARTNER_CANDIDATES_H_

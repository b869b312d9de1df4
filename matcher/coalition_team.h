#ifndef MAILLAGE_MATCHER_COALITION_TEAM_H_
#define MAILLAGE_MATCHER_COALITION_TEAM_H_

// The objective of coalitions (formulas at the top of coalition.h) over a
// pool of candidates. CoalitionPool holds what the objective reads of each
// candidate; Team is a set of members with the objective's running state,
// so that the gain of adding a candidate costs a few array reads unless the
// candidate exchanges with the team or has partners in the registry;
// GainTable keeps every candidate's gain up to date as one team grows.
// Internal to the matcher.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/types/span.h"
#include "matcher/actor_index.h"
#include "matcher/actor_index_internal.h"
#include "matcher/coalition.h"
#include "matcher/context.h"

namespace maillage::matcher::internal {

// The challenge as the objective reads it.
struct ChallengeSpec {
  std::vector<uint8_t> themes;
  std::vector<double> theme_weights;  // v_t, adding up to 1
  ThemeSet theme_set = 0;
  std::vector<uint8_t> needs;        // needed resources
  std::vector<double> need_weights;  // w_r
  uint32_t need_mask = 0;            // bit r: r is needed
};

// A need of a candidate and its weight u_n (a candidate's add up to 1).
struct NeedSlot {
  uint8_t resource = 0;
  uint8_t theme = Exchange::kAnyTheme;
  float weight = 0;
};

// What a candidate offers of a needed resource.
struct Provision {
  uint8_t need = 0;   // index in ChallengeSpec::needs
  float quality = 0;  // q(a, r)
  float value = 0;    // c(a, r)
};

struct Candidate {
  ActorNum num = 0;
  Kind kind = Kind::kUnspecified;
  bool has_partners = false;  // in the registry
  bool has_coords = false;
  // Where it is, for distances by the equirectangular approximation
  // (CoalitionPool::Proximity): a square root instead of trigonometry per
  // pair, within 0.1% of the great-circle distance under 300 km.
  float longitude = 0;  // degrees
  float north_km = 0;   // latitude in km
  float cos_latitude = 0;
  // Its partners in the registry (MatchContext::PartnersOf).
  const std::vector<MatchContext::PartnerLink>* partners = nullptr;
  uint32_t offers = 0;  // resource bits, any theme
  uint32_t needs = 0;
  ThemeSet themes = 0;            // declared (for the match quality)
  ThemeSet challenge_themes = 0;  // the challenge's themes it acts on
  float fit = 0;                  // weighted share of challenge_themes
  float loc = 1;
  uint32_t first_provision = 0;  // in CoalitionPool's provisions
  uint32_t provision_count = 0;
  uint32_t first_need = 0;  // in CoalitionPool's needs
  uint32_t need_count = 0;
  uint32_t first_offer = 0;  // in CoalitionPool's offers
  uint32_t offer_count = 0;
};

// The actors a coalition may hold, in the order they were added. Holds
// references to the index and context, which must outlive it and not change.
class CoalitionPool {
 public:
  // `anchor` (live) gives loc(a) its proximity; without it loc(a) depends on
  // whether a's home is in the territory.
  CoalitionPool(const ActorIndex& index, const MatchContext& context,
                const ChallengeSpec& spec, const CoalitionWeights& weights,
                std::optional<ActorNum> anchor);

  // Adds a live actor (once); `inside`: its home is in the territory.
  // Returns its position.
  size_t Add(ActorNum num, bool inside);

  // c(a, r) of an actor not (yet) in the pool for need index r, and an
  // upper bound of it from the actor's record alone (no profile read).
  double OutsiderValue(ActorNum num, bool inside, size_t need) const;
  double OutsiderBound(ActorNum num, bool inside, size_t need) const;

  // Builds the lists below; once, after the last Add.
  void Index();
  // Candidates providing need index r; acting on the challenge's theme of
  // position t; offering, needing resource r (any theme).
  const std::vector<uint32_t>& ProvidersOf(size_t need) const {
    return providers_[need];
  }
  const std::vector<uint32_t>& ActingOn(size_t theme) const {
    return acting_[theme];
  }
  const std::vector<uint32_t>& Offering(uint8_t resource) const {
    return offering_[resource];
  }
  const std::vector<uint32_t>& Needing(uint8_t resource) const {
    return needing_[resource];
  }
  // Every candidate's needs are numbered together: NeedsOf(i)[k] is
  // number FirstNeedOf(i) + k, below need_count().
  size_t FirstNeedOf(size_t i) const { return candidates_[i].first_need; }
  size_t need_count() const { return needs_.size(); }

  size_t size() const { return candidates_.size(); }
  const Candidate& operator[](size_t i) const { return candidates_[i]; }
  std::optional<size_t> Find(ActorNum num) const;
  absl::Span<const Provision> ProvisionsOf(size_t i) const;
  absl::Span<const NeedSlot> NeedsOf(size_t i) const;
  // Its declared offers, copied from its profile to sit together.
  absl::Span<const matcher::Exchange> OffersOf(size_t i) const;

  // m(giver, receiver, need) k(receiver, giver), in [0, 1]; 0 when it
  // cannot exceed `floor` (cheaper).
  double ExchangeValue(size_t giver, size_t receiver, const NeedSlot& need,
                       double floor = 0) const;
  // m(giver, receiver, need) alone.
  double MatchQuality(size_t giver, size_t receiver,
                      const NeedSlot& need) const;
  // tie(a, b): 1 partners in the registry, 0.5 a common partner, else 0.
  double Tie(size_t a, size_t b) const;
  // The proximity of two candidates in [0, 1] (partners.h: by distance
  // when both have coordinates, else by the finest territory they share).
  double Proximity(size_t a, size_t b) const;

  const ChallengeSpec& spec() const { return *spec_; }
  const CoalitionWeights& weights() const { return *weights_; }
  const ActorIndex::Impl& impl() const { return *impl_; }
  const MatchContext& context() const { return *context_; }
  // sum_r w_r + lambda: f divided by it is the reported objective.
  double scale() const { return scale_; }
  // rho = 1 - CoalitionWeights::backup.
  double reliability() const { return 1 - weights_->backup; }

 private:
  double Quality(const ActorRecord& record, const Exchange& offer) const;
  void AddProvisions(const ActorRecord& record, const ActorProfile& profile,
                     Candidate* c);
  void AddNeeds(const ActorRecord& record, const ActorProfile& profile,
                Candidate* c);
  float Loc(ActorNum num, bool inside) const;

  const ActorIndex::Impl* impl_;
  const MatchContext* context_;
  const ChallengeSpec* spec_;
  const CoalitionWeights* weights_;
  std::optional<ActorNum> anchor_;
  double scale_ = 0;
  std::vector<Candidate> candidates_;
  std::vector<Provision> provisions_;
  std::vector<NeedSlot> needs_;
  std::vector<matcher::Exchange> offers_;
  absl::flat_hash_map<ActorNum, uint32_t> positions_;
  std::vector<std::vector<uint32_t>> providers_;
  std::vector<std::vector<uint32_t>> acting_;
  std::vector<std::vector<uint32_t>> offering_;
  std::vector<std::vector<uint32_t>> needing_;
};

// A set of members of a pool with the objective's running state. Cheap to
// copy (a dozen members).
class Team {
 public:
  explicit Team(const CoalitionPool& pool);

  // The parts of f(S + x) - f(S); each >= 0.
  struct Gain {
    double challenge = 0;  // C + T
    double gives = 0;      // X, x meeting members' needs
    double receives = 0;   // X, members meeting x's needs
    double ties = 0;       // L
    // What x gives: a candidate is considered only when this is > 0.
    double giving() const { return challenge + gives; }
    double total() const { return challenge + gives + receives + ties; }
  };
  // Precondition: x is not a member.
  Gain GainOf(size_t x) const;
  // Its C + T part alone: a few array reads.
  double ChallengeGain(size_t x) const;

  // What Add changed, for GainTable.
  struct Change {
    uint32_t improved_needs = 0;  // bit r: need index r is better met
    ThemeSet new_themes = 0;      // challenge themes now represented
    // Slots of earlier members x now meets best: (slot, its previous best).
    std::vector<std::pair<size_t, double>> improved_slots;
    size_t first_new_slot = 0;  // x's own needs: slots from here on
  };
  Change Add(size_t x);

  // A member's need and how well the others meet it.
  struct Slot {
    size_t owner;
    NeedSlot need;
    double best = 0;  // the best m k among the other members
    size_t giver = 0;
  };
  const std::vector<Slot>& slots() const { return slots_; }

  const std::vector<size_t>& members() const { return members_; }
  bool Has(size_t x) const;
  size_t size() const { return members_.size(); }
  double value() const { return value_; }            // f(S)
  double team_value() const { return team_value_; }  // X + L

  // The member best providing need index r (ties: the earliest), if any.
  std::optional<size_t> ProviderOf(size_t need) const;
  // A member's need that another member meets: the giver is the earliest
  // best one.
  struct Met {
    size_t receiver;
    NeedSlot need;
    size_t giver;
    double value;  // m k
  };
  std::vector<Met> MetNeeds() const;

 private:
  Gain TeamGain(size_t x) const;

  const CoalitionPool* pool_;
  std::vector<size_t> members_;
  std::vector<double> best_;      // per need: max c(a, r)
  std::vector<size_t> provider_;  // per need: who gives best_
  // per need: prod_{a in S} (1 - rho c(a, r)), what is left to meet
  std::vector<double> unmet_;
  ThemeSet represented_ = 0;     // challenge themes someone acts on
  std::vector<Slot> slots_;      // the members' needs
  uint32_t slot_resources_ = 0;  // resources of slots_
  uint32_t member_offers_ = 0;   // resources the members offer
  // sum over the members m of tie(a, m), for every actor a tied to one.
  absl::flat_hash_map<ActorNum, double> ties_;
  double value_ = 0;
  double team_value_ = 0;

  void AddTies(size_t x);
};

// The exact gain of every candidate for one growing team, kept up to date
// as members join, only for the candidates a new member can change: the
// providers of the needs it covers better, those acting on a theme it is
// the first to act on, those offering what it needs or what a member it now
// serves best needs, those needing what it offers, and those tied to it. A
// step of the greedy is then a scan of the table rather than a gain
// computed per candidate. Equal to Team::GainOf up to rounding.
class GainTable {
 public:
  // `alone`: each candidate's gain in an empty team. `blocked`: candidates
  // never to consider (the members are added to them). Replays `team`.
  GainTable(const CoalitionPool& pool, const std::vector<double>& alone,
            std::vector<char> blocked, const Team& team);

  // After `team`.Add(`member`) returned `change`.
  void Joined(const Team& team, size_t member, const Team::Change& change);
  // The candidate with the largest gain among those that give something
  // and are not blocked (ties: the earliest); none when none gains.
  std::optional<size_t> Best() const;
  Team::Gain GainOf(size_t candidate) const;

 private:
  // A candidate's m k towards a slot it would meet better than its best.
  struct Offer {
    uint32_t candidate;
    double value;
  };
  void UpdateChallenge(const Team& team, const Team::Change& change);
  void UpdateGives(const Team& team, size_t member, const Team::Change& change);
  void UpdateReceives(size_t member);
  void UpdateTies(size_t member);
  void Touch(size_t candidate);  // recomputes key_

  const CoalitionPool* pool_;
  std::vector<char> blocked_;
  std::vector<Team::Gain> gains_;  // by candidate
  // Its total gain when it may be chosen (gives something, not blocked),
  // else -1: what Best scans.
  std::vector<double> key_;
  std::vector<double> received_;  // by pool need: best m k from members
  std::vector<std::vector<Offer>> slot_offers_;  // by team slot
  std::vector<uint32_t> stamp_;                  // dedupes a Joined's updates
  uint32_t now_ = 0;
};

}  // namespace maillage::matcher::internal

#endif  // MAILLAGE_MATCHER_COALITION_TEAM_H_

#ifndef MAILLAGE_MATCHER_FAIR_MATCHING_H_
#define MAILLAGE_MATCHER_FAIR_MATCHING_H_

// Territory-wide matching: partners for every association of a territory at
// once, so that the same few large companies are not proposed to everyone.
//
// Method: a capacity-constrained assignment (a b-matching) solved as a
// minimum-cost flow with LEMON's network simplex.
//   source -> association a   capacity min(per_actor, remaining capacity of a)
//   a -> candidate b          capacity 1, cost -score(a, b)
//   b -> sink                 one unit arc per remaining capacity slot j of b
//                             (j = 0, 1, ...), cost exposure_penalty * j
//   source -> sink            unbounded, cost 0 (nobody is forced to take a
//                             proposal that does not pay)
// The flow of minimum cost is the assignment of maximum total score minus
// a convex penalty on how often a partner is proposed: capacities are never
// exceeded, and among assignments of similar value the one spreading
// proposals over more partners wins. Candidates per association are its best
// SuggestPartners answers (so every hard rule of partners.h holds), held
// slim: partner, score and categories, without factors, exchanges or
// sentence; ExplainMatch gives those for the pairs chosen (same score).

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "base/cancellation.h"
#include "matcher/actor_index.h"
#include "matcher/context.h"
#include "matcher/partners.h"

namespace maillage::matcher {

struct FairMatchingOptions {
  size_t per_actor = 3;    // proposals per association, at most
  size_t candidates = 30;  // candidates considered per association
  uint32_t partner_kinds = 1u << static_cast<int>(Kind::kCompany);
  double min_score = 0;
  // Score given up for each further proposal of the same partner.
  double exposure_penalty = 0.02;
  Weights weights;
  // Partners it admits only (see PartnerOptions::admit); empty: any.
  Admission admit;
  // See PartnerOptions::cooperations. Not owned; null: the context's.
  const CooperationSignals* cooperations = nullptr;
  // Polled between associations: CollectCandidates returns its status
  // (CANCELLED, DEADLINE_EXCEEDED) as soon as the work is no longer wanted.
  // Not owned; null means never.
  const base::Cancellation* cancellation = nullptr;
};

// How concentrated proposals are on a few partners.
struct ExposureSpread {
  double gini = 0;  // over every partner that appears among the candidates
  int max_exposure = 0;
  int partners_used = 0;
  double total_score = 0;
};

struct FairAssignment {
  // Parallel to the `actors` given: the proposals of each, best first.
  std::vector<std::vector<Suggestion>> proposals;
  ExposureSpread fair;
  // Each association's top `per_actor` candidates, capacities ignored.
  ExposureSpread independent;
  int actors_without_partner = 0;
};

// The candidate lists of the asking actors and the capacities they were
// computed with: what the assignment needs, so that it can be solved
// without the index (callers collect in chunks under short read locks).
struct FairCandidates {
  std::vector<ActorNum> actors;
  std::vector<std::vector<Suggestion>> lists;  // parallel to actors
  std::vector<uint16_t> actor_capacity;        // parallel to actors
  std::vector<std::pair<ActorNum, uint16_t>> partner_capacity;
};

absl::Status ValidateFairMatchingOptions(const FairMatchingOptions& options);

// Appends the candidates of `actors` (those unavailable or without
// capacity get an empty list) to `out`.
absl::Status CollectCandidates(const ActorIndex& index,
                               const MatchContext& context,
                               const std::vector<ActorNum>& actors,
                               const FairMatchingOptions& options,
                               FairCandidates* out);

// Solves the assignment over collected candidates; proposals are parallel
// to candidates.actors.
absl::StatusOr<FairAssignment> Assign(const FairCandidates& candidates,
                                      const FairMatchingOptions& options);

// CollectCandidates then Assign, for callers holding the index throughout.
// `actors` are the asking actors (typically the associations of a
// territory).
absl::StatusOr<FairAssignment> SuggestForActors(
    const ActorIndex& index, const MatchContext& context,
    const std::vector<ActorNum>& actors, const FairMatchingOptions& options);

// Gini coefficient of non-negative counts (0 when all equal or empty).
double Gini(std::vector<double> values);

}  // namespace maillage::matcher

#endif  // MAILLAGE_MATCHER_FAIR_MATCHING_H_

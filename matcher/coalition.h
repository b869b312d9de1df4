#ifndef MAILLAGE_MATCHER_COALITION_H_
#define MAILLAGE_MATCHER_COALITION_H_

// Coalitions for a collective experiment: a small set of actors of
// different kinds that together bring what a challenge of general interest
// needs on a territory (e.g. Silver Geek: digital workshops for seniors in
// care homes, with a funder, young volunteers, refurbished computers and
// access to the care homes).
//
// Method: weighted maximum coverage, solved greedily.
//   - Needed resources R with weights w_r (see Challenge).
//   - What an actor a brings of r: c(a, r) = 1 for an offer of r on the
//     challenge's theme, 0.9 for an offer on "any of its themes" when it acts
//     on the theme, 0.6 when it declared no theme, 0.5 otherwise, 0.4 for an
//     offer of r on another theme; the best of its offers.
//   - Its effective contribution c'(a, r) = c(a, r) (0.5 + 0.25 rel(a) +
//     0.25 prox(a, anchor)), where rel(a) in [0, 1] rewards acting on the
//     theme, on a severe fragility of it, and from inside the territory, and
//     prox is the partner proximity (partners.h) to the anchor, the first
//     member chosen (the actor with the best f({a}), prox taken as 1).
//   - Objective f(S) = sum_r w_r max_{a in S} c'(a, r): for a fixed anchor, a
//     monotone submodular function (a weighted coverage), so the greedy
//     choice of the member with the largest marginal gain, repeated until
//     max_size or no gain, reaches f(S_k) >= (1 - 1/e) max_{|S|=k} f(S)
//     (Nemhauser, Wolsey & Fisher, 1978).
//   - Then repair: fill up to min_size with the most relevant actors, and
//     add (while below max_size) or swap in (replacing the member whose
//     removal loses the least) the best actor of each required kind still
//     missing. The repair may give up part of the objective for the kinds;
//     the guarantee is the greedy phase's.
// Alternatives: the same method with the anchors of the previous answers
// excluded, dropping answers identical to an earlier one.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "matcher/actor_index.h"
#include "matcher/context.h"

namespace maillage::matcher {

struct Challenge {
  uint8_t theme = 0;
  // Resources the challenge needs, each of weight 1. Empty: derived from
  // the needs, on that theme, of the actors of the territory acting on it
  // (resources named by at least a tenth as many actors as the most named
  // one, at most 8, weight 0.5 + 0.5 * share of the top); when fewer than 3
  // such needs exist, the default set funding, volunteers, in_kind,
  // audience_access, skills.
  std::vector<uint8_t> needed_resources;
};

struct CoalitionOptions {
  size_t min_size = 3;
  size_t max_size = 6;  // at most 12
  // Kinds the coalition must include when the territory has them, bit
  // (1 << Kind). Default: an association, a company and a public body.
  uint32_t required_kinds = (1u << static_cast<int>(Kind::kAssociation)) |
                            (1u << static_cast<int>(Kind::kCompany)) |
                            (1u << static_cast<int>(Kind::kPublicBody));
  size_t alternatives = 3;  // at most 3
  // Members it admits only (the anchor included); empty: any actor of the
  // territory.
  Admission admit;
};

struct CoalitionMember {
  ActorNum actor = 0;
  std::string id;
  Kind kind = Kind::kUnspecified;
  bool lead = false;  // carries the action (an association when possible)
  std::string role;   // French: "Porteur de l'action", "Apporte …"
  // Needed resources it is the coalition's best provider of.
  std::vector<uint8_t> brings;
  double relevance = 0;  // rel(a), in [0, 1]
  std::string reason;    // French
};

struct Coalition {
  std::vector<CoalitionMember> members;  // the anchor first
  std::vector<uint8_t> covered;          // needed resources someone brings
  std::vector<uint8_t> uncovered;        // needed resources nobody brings
  // Weighted share of the needs covered: sum_r w_r max c(a, r) / sum_r w_r.
  double coverage = 0;
  double objective = 0;        // f(S) of the final members
  uint32_t missing_kinds = 0;  // required kinds the territory lacks
  std::string summary;         // French
};

struct CoalitionAnswer {
  uint8_t theme = 0;
  std::vector<uint8_t> needed_resources;
  std::vector<double> need_weights;  // parallel to needed_resources
  bool derived_needs = false;        // derived, not given
  Coalition best;
  std::vector<Coalition> alternatives;  // up to options.alternatives
};

// A coalition of proposable actors (available, capacity left) acting in
// `scope` around the challenge. Deterministic. An empty territory gives an
// empty coalition whose uncovered needs are all the needs.
// Errors: InvalidArgument for an unknown theme or resource, an unusable
// scope or inconsistent sizes.
absl::StatusOr<CoalitionAnswer> SuggestCoalition(
    const ActorIndex& index, const MatchContext& context, const Scope& scope,
    const Challenge& challenge, const CoalitionOptions& options = {});

}  // namespace maillage::matcher

#endif  // MAILLAGE_MATCHER_COALITION_H_

#ifndef MAILLAGE_MATCHER_COALITION_H_
#define MAILLAGE_MATCHER_COALITION_H_

// Coalitions for a collective experiment: a team of actors of different
// kinds who together bring what a challenge of general interest needs on a
// territory, and who bring something to each other (e.g. Silver Geek:
// digital workshops for seniors in care homes, with a funder, young
// volunteers, refurbished computers from an insertion workshop that needs
// the funder's orders, and a social centre that opens the door to seniors).
//
// The challenge: one or more themes (all required with equal weights, or
// weighted), needed resources (given, or derived from what the territory's
// actors on those themes need), a territory, and optionally an anchor (the
// animator's lead organisation, always a member).
//
// Candidates: the proposable actors (available, capacity left) acting in
// the territory (home inside or an action area overlapping it) that act on
// one of the challenge's themes; then, for each needed resource, the
// max_size actors best offering it among those acting on none of the
// themes (so that a need nobody on the themes offers can still be met);
// and the anchor.
//
// The objective of a team S, in units of one need of weight 1 met by an
// ideal provider:
//
//   f(S) = C(S) + T(S) + X(S) + L(S)
//   C(S) = sum_r w_r (1 - prod_{a in S} (1 - rho c(a, r))) / rho
//                                               the challenge's needs
//   T(S) = lambda sum_t v_t [some a in S acts on t] its themes represented
//   X(S) = beta sum_{a in S} sum_{n in needs(a)} u_n max_{b in S, b != a}
//            m(b, a, n) k(a, b)                     members' needs met inside
//   L(S) = gamma sum_{a < b in S} tie(a, b)         ties that already exist
//
//   - w_r: weight of needed resource r (1 when given; 0.5 + 0.5 x its share
//     of the most named one when derived). v_t: weight of theme t, the
//     weights normalised to add up to 1.
//   - c(a, r) = q(a, r) (1 + fit(a)) / 2 loc(a): q is the quality of a's
//     best offer of r for the challenge (1 on one of its themes; with no
//     theme: 0.9 when a acts on one of them, 0.6 when a declared no theme,
//     0.5 otherwise; 0.4 on another theme); fit(a) is the weighted share of
//     the challenge's themes a acts on, so an actor acting on all of them
//     counts fully and one acting on none half; loc(a) is 0.75 + 0.25 x its
//     proximity to the anchor when there is one, else 1 for an actor homed
//     in the territory and 0.85 for one acting in it from outside.
//   - rho = 1 - backup: a need's first provider gives c(a, r), as in a
//     plain coverage; each further one adds less (an ideal second provider
//     of an ideally met need adds `backup`): several members offering a
//     need make it more surely met, with diminishing returns.
//   - u_n: weight of need n of member a; a's needs add up to 1, a need on a
//     challenge theme weighing twice one on another theme.
//   - m(b, a, n): how well b's best offer meets a's need n (the partner
//     engine's match quality, 1 on the same theme down to 0.5).
//   - k(a, b) = f0 + (1 - f0) max(proximity(a, b), tie(a, b)), f0 the
//     exchange floor: an exchange between neighbours or partners counts
//     fully, between distant strangers f0 of it. Proximity as in partners.h
//     (by distance when both have coordinates, else by the finest territory
//     shared; action areas are not looked at).
//   - tie(a, b) = 1 for a partnership in the registry (active or ended),
//     0.5 for a common partner, else 0.
//
// g = C + T is monotone submodular (a probabilistic coverage and a weighted
// coverage). h = X + L is monotone and supermodular (what a member receives
// grows with the team), never negative. Members must give: a candidate is
// considered only when what it adds to g or to others' needs (X, as the
// giver) is at least tau (min_gain); receiving and ties alone never bring
// anyone in.
//
// Search: greedy, from several starts, keeping the team with the largest f:
// the anchor alone (or nobody), and the anchor with each of the best pairs
// of candidates already partners in the registry (the territory's existing
// networks; at most seed_pairs of them). From a start, repeatedly add the
// candidate with the largest gain in f among those giving at least tau,
// until max_size or none; then a member that no longer gives anything (a
// later member does all it did) is dropped for good and the greedy goes on.
// Guarantee: the greedy from the anchor alone (or nobody) reaches
//   f(S) >= (1 - 1/e) max { g(S') : |S'| <= max_size, S' holds the anchor }
//           - max_size tau
// because each step gains at least the best step of g alone and h >= 0
// (Nemhauser, Wolsey & Fisher 1978, applied to g), and stopping when no
// candidate gives tau leaves less than max_size tau of g on the table; the
// other starts can only do better. The guarantee
// is the greedy phase's: dropping a member that no longer gives loses only
// what it received and its ties; the kind repair (adding or swapping in the
// best actor of a required kind still missing) and min_size (members added
// to reach it) may trade part of f, and each such member says so
// (MemberBasis). Exact gains are kept per candidate as members join
// (internal::GainTable), so a step costs a scan, not a gain computation,
// per candidate.
//
// A member's relevance is its marginal contribution to f in the order the
// members are listed (each what it adds to those before it; the order is
// the anchor, then greedily the member adding the most), divided by
// sum_r w_r + lambda: relevances add up to the coalition's objective, which
// is f / (sum_r w_r + lambda) (1 for every need met by one ideal provider
// and every theme represented; reinforcements, needs met inside and ties
// come on top).
//
// Alternatives: each is searched leaving out the most relevant half of the
// members of every coalition searched before it (the anchor excepted), from
// the anchor alone only (no pair starts: they cost one greedy each), and has
// two members at least. So of any two coalitions of an answer, the one searched
// later lacks half of the other's key members. The answer's best is the one
// with the largest objective (a greedy started elsewhere may do better than
// the first search); the alternatives follow, largest objective first.
//
// The weights were compared on bench/coalition_quality.cc (planted teams
// among look-alikes; BENCHMARKS.md says on which data).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "matcher/actor_index.h"
#include "matcher/context.h"

namespace maillage::matcher {

struct Challenge {
  // At least one, distinct.
  std::vector<uint8_t> themes;
  // Parallel to themes, each > 0; empty: every theme required, equal
  // weights.
  std::vector<double> theme_weights;
  // Resources the challenge needs, each of weight 1. Empty: derived from
  // the needs, on the challenge's themes, of the territory's actors acting
  // on them (resources named by at least a tenth as many actors as the most
  // named one, at most 8, weight 0.5 + 0.5 x share of the top); when fewer
  // than 3 such needs exist, the default set funding, volunteers, in_kind,
  // audience_access, skills.
  std::vector<uint8_t> needed_resources;
  // The animator's lead organisation: always a member, listed first, the
  // lead; distances are measured from it when it has coordinates. It must
  // be live and available (not opted out), capacity not required.
  std::optional<ActorNum> anchor;
};

// The objective's constants (see the top). The defaults are the server's,
// chosen on bench/coalition_quality.cc's planted teams (seed 2024).
struct CoalitionWeights {
  double themes = 0.5;          // lambda
  double needs = 1.0;           // beta
  double ties = 2.0;            // gamma
  double exchange_floor = 0.5;  // k(a, b) of distant strangers
  double backup = 0.3;          // 1 - rho
  double min_gain = 0.05;       // tau
  size_t seed_pairs = 6;        // starts from pairs of partners (best only)
};

struct CoalitionOptions {
  // Members added only to reach min_size bring nothing (MemberBasis
  // kMinSize says so); 1 adds nobody for size.
  size_t min_size = 1;
  size_t max_size = 6;  // at most 12; an upper bound, used when members add
  // Kinds the coalition must include when the territory has them, bit
  // (1 << Kind). Default: an association, a company and a public body.
  uint32_t required_kinds = (1u << static_cast<int>(Kind::kAssociation)) |
                            (1u << static_cast<int>(Kind::kCompany)) |
                            (1u << static_cast<int>(Kind::kPublicBody));
  size_t alternatives = 3;  // at most 3
  // Members it admits only (the anchor must be admitted); empty: any actor
  // of the territory.
  Admission admit;
  CoalitionWeights weights;
};

// Why a member is in the coalition.
enum class MemberBasis : uint8_t {
  kContributes = 0,   // chosen for what it gives (relevance > 0)
  kAnchor = 1,        // the challenge's anchor
  kRequiredKind = 2,  // added for a required kind (may bring nothing)
  kMinSize = 3,       // added to reach min_size (brings nothing)
};

// What a member gives another member: the need it meets best in the team.
struct MemberGift {
  ActorNum receiver = 0;
  uint8_t resource = 0;
  uint8_t theme = Exchange::kAnyTheme;  // of the need
  double quality = 0;                   // m(giver, receiver, need), [0, 1]
};

struct CoalitionMember {
  ActorNum actor = 0;
  std::string id;
  Kind kind = Kind::kUnspecified;
  MemberBasis basis = MemberBasis::kContributes;
  bool lead = false;  // the anchor, else the most relevant association
  std::string role;   // French, a few words
  // Needed resources it is the coalition's best provider of, and those it
  // offers too, after a better provider (each adds to C, see the top).
  std::vector<uint8_t> brings;
  std::vector<uint8_t> reinforces;
  ThemeSet themes = 0;             // challenge themes it acts on
  ThemeSet represents = 0;         // challenge themes no other member acts on
  std::vector<MemberGift> gives;   // needs of other members it meets best
  std::vector<ActorNum> partners;  // members it is already a partner of
  // Its marginal contribution (see the top); relevances add up to the
  // coalition's objective.
  double relevance = 0;
  uint32_t home_commune = territory::kNone;
  double distance_km = -1;  // to the anchor or the territory's centre
  std::string reason;       // French: what it gives whom
};

struct Coalition {
  std::vector<CoalitionMember> members;  // the anchor first
  std::vector<uint8_t> covered;          // needed resources someone offers
  std::vector<uint8_t> uncovered;        // needed resources nobody offers
  ThemeSet uncovered_themes = 0;         // challenge themes nobody acts on
  // Weighted mean over the needed resources of the quality q of the best
  // member's offer, in [0, 1] (sum_r w_r max_a q(a, r) / sum_r w_r): 1 when
  // every need is offered on one of the challenge's themes; a need offered
  // with no theme or on another theme counts 0.9 down to 0.4.
  double coverage = 0;
  double objective = 0;  // f / (sum_r w_r + lambda); sum of the relevances
  double team_part = 0;  // (X + L) / (sum_r w_r + lambda), within objective
  uint32_t missing_kinds = 0;  // required kinds the territory lacks
  std::string summary;         // French
};

struct CoalitionAnswer {
  std::vector<uint8_t> themes;
  std::vector<double> theme_weights;  // normalised to add up to 1
  std::vector<uint8_t> needed_resources;
  std::vector<double> need_weights;  // parallel to needed_resources
  bool derived_needs = false;        // derived, not given
  // Where distances are measured from: the anchor when it has coordinates
  // (centre_is_anchor), else the mean position of the actors homed in the
  // territory that have coordinates; none when no position is known.
  std::optional<GeoPoint> centre;
  bool centre_is_anchor = false;
  Coalition best;
  std::vector<Coalition> alternatives;  // up to options.alternatives
};

// A coalition of proposable actors (available, capacity left) acting in
// `scope` (home inside or an action area overlapping it) that offer a
// needed resource or act on a challenge theme, plus the anchor.
// Deterministic. An empty territory gives an empty coalition whose uncovered
// needs are all the needs.
// Errors: InvalidArgument for no, repeated or unknown themes, bad theme
// weights, an unknown resource, an unusable scope, inconsistent sizes, or an
// anchor that is not live; FailedPrecondition for an anchor that is not
// available (opted out or dissolved) or not admitted.
absl::StatusOr<CoalitionAnswer> SuggestCoalition(
    const ActorIndex& index, const MatchContext& context, const Scope& scope,
    const Challenge& challenge, const CoalitionOptions& options = {});

}  // namespace maillage::matcher

#endif  // MAILLAGE_MATCHER_COALITION_H_

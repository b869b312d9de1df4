#ifndef MAILLAGE_MATCHER_PARTNERS_H_
#define MAILLAGE_MATCHER_PARTNERS_H_

// Partner suggestions: who should this actor partner with, why, and as what
// kind of partnership.
//
// The score of a pair (A, B) is reciprocal, as in RECON (RecSys 2010):
//
//   fit(X <- Y) = (w_c * cover(X <- Y) + w_t * themes(X <- Y)) / (w_c + w_t)
//     cover(X <- Y)  how much of what X needs Y offers: for each resource X
//                    needs, the best match quality q with Y's offers (1 same
//                    theme; 0.8 when one side gave no theme but the other's
//                    theme is among its themes; 0.7 when neither gave one and
//                    their themes meet; 0.5 when neither has any theme),
//                    summed over resources and divided by min(#resources, 2):
//                    meeting two needs fully is a full cover. When X declared
//                    no need, cover = themes(X <- Y) / 2 (what X wants is then
//                    only known through its themes, and less surely).
//     themes(X <- Y) the share of X's themes (declared, or those of its needs
//                    and offers) Y also acts on, each theme weighed by its
//                    rarity over the index: idf(t) = ln(1 + N / (1 + n_t)).
//   mutual = 2 fit(A <- B) fit(B <- A) / (fit(A <- B) + fit(B <- A))
//            (harmonic mean: a one-sided match ranks below a mutual one)
//   context = w_c + w_t + w_f F + w_x X + w_k K + w_n N
//     (the additive weights normalised to add up to 1)
//     F fragility: the most severe fragility of a territory containing both
//       homes on a theme both act on (one acting on it counts half).
//     X entre mondes: 1 when the kinds differ.
//     K capacity: min(capacity A, capacity B, 3) / 3.
//     N common partners: 1 - 2^-(number of partners in common).
//   lifted = context + w_s S (1 - context)
//     S similar success, in [0, 1]: how much the pair resembles pairs that
//       went well (CooperationSignals, the asking workspace's: a meeting
//       rated "cooperation possible", a partnership formed or registered). With
//       succ(X) the last 16 actors X had a cooperation signal with (X's most
//       recent),
//         S = max( max over C in succ(A), C != B, of sim(C, B),
//                  max over D in succ(B), D != A, of sim(D, A) )
//       (0 when both lists are empty): either B resembles a partner A
//       cooperated with, or B cooperated with a partner resembling A. The
//       pair's own signal does not count (it is not a similar pair, it is
//       this one). sim(X, Y) = 0 when the kinds differ, else
//       (J(themes X, themes Y) + J(roles X, roles Y)) / 2, with J the
//       Jaccard index |x & y| / |x | y| (0 when both are empty), themes the
//       themes an actor acts on, roles the resources it offers and those it
//       needs (offered and needed counted apart). The cost per candidate is
//       at most 32 similarities, whatever the number of signals.
//     w_s in [0, 1]: a pair exactly like a past success closes the share w_s
//       of the gap between its context and 1; with no signal, lifted =
//       context exactly.
//   score = mutual * lifted * (1 - w_p + w_p P) * (1 - w_r (1 - R))
//     P proximity: same commune 1, same EPT 0.8, same EPCI 0.7, same
//       département 0.4, same région 0.15, else 0; when both have
//       coordinates, 1 / (1 + (d / 20 km)^1.5) instead; an action area of one
//       covering the other's home counts 0.8 times its level's value; the
//       best applies. w_p in [0, 1]: a pair with no territory in common keeps
//       (1 - w_p) of its score. Partnerships are overwhelmingly local, and a
//       multiplier says so: distance discounts everything else.
//     R responsiveness: r(A) r(B) (a meeting needs both to answer), where
//       for an actor that answered a times and did not answer n times when
//       contacted through a suggestion (MatchContext::SetResponsiveness)
//         r = min(1, 2 (a + 1) / (a + n + 2))
//       twice its Beta(1, 1)-smoothed answer rate, capped: 1 (neutral) for
//       an actor with no history yet and for one that answered at least as
//       often as not; 2/3 after
//       one non-answer, 0.4 after three and none answered. w_r in [0, 1]:
//       an actor that never answers keeps (1 - w_r) of its scores. Repeated
//       non-answers lower the score; answers only undo them, so that an
//       actor nobody contacted yet is not ranked below one with a history.
//   so the score lies in [0, 1], and nothing but a mutual fit can make one.
//   With no lifecycle feedback (S = 0, R = 1) the score is exactly
//   mutual * context * (1 - w_p + w_p P).
//
// Contributions (Factor::contribution) tell what the score is made of, the
// fit first. The pair's potential B = mutual * lifted is the sum of the
// additive parts: complementarity and shared themes share mutual * (w_c +
// w_t) in proportion to their parts of the two fits (w_c (cover(A <- B) +
// cover(B <- A)) against w_t (themes(A <- B) + themes(B <- A))); fragility,
// across kinds, capacity and common partners get mutual * w F, mutual * w X,
// …; similar success mutual * w_s S (1 - context). These are >= 0. The two
// modulators then take away: proximity B (distance_factor - 1), what
// distance removes (nothing at P = 1, little between neighbours),
// and responsiveness B distance_factor (responsiveness_factor - 1), what
// non-answers remove (0 for actors with no history yet, who are neutral,
// and for those that answered at least as often as not). These are <= 0.
// All of them add up to the score. A pair with a strong complementarity
// within ~30 km of each other is explained first by what it exchanges.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "matcher/actor_index.h"
#include "matcher/context.h"
#include "matcher/vocabulary.h"

namespace maillage::matcher {

// Weights of the factors (see above). The additive ones are normalised to
// add up to 1 before use, so only their ratios matter; the defaults put the
// need/offer fit first, then the territory's fragilities, then the rest.
// Proximity is the strength of the distance discount, in [0, 1].
// Responsiveness and similar success are the strengths of the lifecycle
// feedback, in [0, 1]: without feedback they change no score, so their
// defaults leave every ranking as it was until the lifecycle records
// something. Three non-answers (none answered) keep 1 - 0.3 * 0.6 = 82% of a
// pair's score; a pair just like a past success closes half the gap between
// its context and 1.
struct Weights {
  double complementarity = 0.40;
  double shared_themes = 0.20;
  double fragility = 0.15;
  double cross_kind = 0.10;
  double capacity = 0.05;
  double common_partners = 0.10;
  double proximity = 0.85;
  double responsiveness = 0.30;
  double similar_success = 0.50;
};
// InvalidArgument when a weight is negative or not finite, proximity,
// responsiveness or similar_success > 1, or complementarity + shared_themes
// is 0 (no fit, no score).
absl::Status ValidateWeights(const Weights& weights);

enum class FactorKind : uint8_t {
  kComplementarity = 0,  // need <-> offer, both directions
  kSharedThemes,
  kProximity,
  kFragility,
  kCrossKind,  // "entre mondes"
  kCapacity,
  kCommonPartners,
  kResponsiveness,  // lifecycle feedback: non-answers
  kSimilarSuccess,  // lifecycle feedback: cooperations of similar pairs
};
inline constexpr int kFactorCount = 9;
// "complementarity", "shared_themes", "proximity", "fragility", "cross_kind",
// "capacity", "common_partners", "responsiveness", "similar_success".
std::string_view FactorCode(FactorKind kind);

struct Factor {
  FactorKind kind = FactorKind::kComplementarity;
  double value = 0;   // the factor itself, in [0, 1]
  double weight = 0;  // normalised weight (multipliers: as given)
  // Its part of the score: >= 0 for the additive factors, <= 0 for
  // proximity and responsiveness (what they take away); see above.
  double contribution = 0;
  // French, for animators; empty when PartnerOptions::factor_details is off.
  std::string detail;
};

// One resource that would flow from `giver` to `receiver`.
struct ExchangeMatch {
  ActorNum giver = 0;
  ActorNum receiver = 0;
  uint8_t resource = 0;
  uint8_t theme = Exchange::kAnyTheme;  // the theme they meet on
  double quality = 0;                   // 1, 0.8, 0.7 or 0.5 (see above)
  Category category = Category::kUnspecified;
  Modality modality = Modality::kUnspecified;
};

// A proposed partner for `actor`.
struct Suggestion {
  ActorNum actor = 0;    // the actor the suggestion is for (A)
  ActorNum partner = 0;  // the proposed partner (B)
  std::string partner_id;
  double score = 0;  // [0, 1]
  // The partnership it would be, and every category the pair's exchanges
  // support within the request's filters (bit (1 << Category)).
  Category category = Category::kUnspecified;
  Modality modality = Modality::kUnspecified;
  uint32_t categories = 0;
  double fit_for_actor = 0;    // fit(A <- B)
  double fit_for_partner = 0;  // fit(B <- A)
  double mutual_fit = 0;
  std::vector<ExchangeMatch> exchanges;  // both directions, best first
  ThemeSet shared_themes = 0;
  double distance_km = -1;  // when both have coordinates
  // One per FactorKind, in that order; contributions add up to `score`.
  std::vector<Factor> factors;
  // One French sentence an animator can repeat to the actors.
  std::string sentence;
};

struct PartnerOptions {
  size_t limit = 20;           // at most 1000
  uint32_t kinds = 0;          // bit (1 << Kind) of the partners; 0 = any
  uint32_t categories = 0;     // bit (1 << Category); 0 = any
  ThemeSet themes = 0;         // partners acting on one of them; 0 = any
  std::optional<Scope> scope;  // partners acting in it (ActorIndex::ActsIn)
  Admission admit;             // partners it admits only; empty: any
  double min_score = 0;        // only scores >= min_score (and > 0)
  Weights weights;
  // The cooperation signals similar success is computed from (a
  // workspace's); null: the context's own. Not owned.
  const CooperationSignals* cooperations = nullptr;
  // Whether each Factor gets its French `detail` (the rest of a suggestion,
  // its sentence included, is the same either way). Leaving them out saves
  // about a fifth of the work of explaining 20 suggestions.
  bool factor_details = true;
};

// The best partners for `actor`, best first (ties: smaller public id
// first). Hard rules, never broken: the actor itself is never proposed;
// nothing outside `options.scope`; never an unavailable actor (opted out,
// dissolved) or one with no capacity left; never a pair whose only
// categories are ones they already share an active partnership in, or one
// of them does not accept; results are a function of the index, the context
// and the options only.
//
// Candidates come from the (resource, theme) postings that complement the
// actor's needs and offers, plus the actors of its intercommunality sharing
// a theme and those whose action areas cover its home or the scope. The
// search is exact: what it leaves out unread is bounded below the k-th
// score, and only the `limit` kept are explained. Its stages (bounds,
// candidates, scoring, ranking, explanation) are described in
// partner_search.h. Per thread, the engine keeps scratch of 9 bytes per
// actor number, in chunks allocated where its queries write and freed when
// idle (matcher/lazy_array.h).
//
// Errors: NotFound when `actor` is not live; FailedPrecondition when the
// actor itself is unavailable or has no capacity left; InvalidArgument for
// invalid weights or limit. Thread-safe against other readers.
absl::StatusOr<std::vector<Suggestion>> SuggestPartners(
    const ActorIndex& index, const MatchContext& context, ActorNum actor,
    const PartnerOptions& options);

// The full breakdown for any pair, even a poor or forbidden one (score 0).
// `blockers` lists, in French, the hard rules that keep SuggestPartners from
// proposing the pair (empty when it could be proposed). For a pair that
// SuggestPartners proposes, the score is exactly the one it returned.
struct MatchExplanation {
  Suggestion suggestion;
  std::vector<std::string> blockers;
};
// `cooperations` as in PartnerOptions.
absl::StatusOr<MatchExplanation> ExplainMatch(
    const ActorIndex& index, const MatchContext& context, ActorNum actor,
    ActorNum partner, const Weights& weights = {},
    const CooperationSignals* cooperations = nullptr);

}  // namespace maillage::matcher

#endif  // MAILLAGE_MATCHER_PARTNERS_H_

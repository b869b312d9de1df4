#ifndef MAILLAGE_MATCHER_EXPLANATION_H_
#define MAILLAGE_MATCHER_EXPLANATION_H_

// The explanation stage of partner suggestions: for a scored pair, the
// exchanges it rests on, its category and modality, each factor's
// contribution to the score and its French detail, and the one sentence an
// animator can repeat. Internal to the matcher.

#include <array>
#include <cstdint>
#include <vector>

#include "matcher/partners.h"
#include "matcher/scoring.h"

namespace maillage::matcher::internal {

// The exchanges between A and B, both directions, best first (quality,
// then a service or gift before its counterpart): for each
// resource the receiver needs, the giver's best matching offer.
std::vector<ExchangeMatch> ListExchanges(const Query& query, ActorNum partner);

// Each factor's contribution to the score, in FactorKind order (see
// partners.h): the additive parts of the pair's potential mutual * lifted
// (>= 0), then what distance and unanswered contacts take away from it
// (<= 0). They add up to score.total.
std::array<double, kFactorCount> Contributions(
    const Query::Score& score, const NormalizedWeights& weights);

// A full suggestion (factors, exchanges, sentence) for a scored pair;
// the factors' details only when `details`.
Suggestion BuildSuggestion(const Query& query, ActorNum partner,
                           const PairInputs& inputs, const Query::Score& score,
                           uint32_t allowed, bool details = true);

}  // namespace maillage::matcher::internal

#endif  // MAILLAGE_MATCHER_EXPLANATION_H_

#ifndef MAILLAGE_MATCHER_SCORING_H_
#define MAILLAGE_MATCHER_SCORING_H_

// The scoring pieces shared by partner suggestions, coalitions and panels
// (see partners.h for the formulas). Internal to the matcher.

#include <cstdint>
#include <string>
#include <vector>

#include "matcher/actor_index.h"
#include "matcher/actor_index_internal.h"
#include "matcher/context.h"
#include "matcher/partners.h"

namespace maillage::matcher::internal {

// The additive weights normalised to add up to 1; proximity, responsiveness
// and similar success as given.
struct NormalizedWeights {
  double complementarity, shared_themes, proximity, fragility, cross_kind,
      capacity, common_partners, responsiveness, similar_success;
};
NormalizedWeights Normalize(const Weights& weights);

// Match quality, in tenths, of `offer` (by an actor whose declared themes are
// `giver_themes`) for `need` (receiver's declared themes `receiver_themes`):
// 10, 8, 7, 5 or 0 (see partners.h). The postings traversal of the engine
// reproduces exactly this function.
int MatchTenths(const Exchange& need, ThemeSet receiver_themes,
                const Exchange& offer, ThemeSet giver_themes);

// What one actor's offers do for another's needs: the needed resources met
// (bit r) and the sum over them of the best match quality, in tenths.
// Integers, so that every way of computing them gives the same score.
struct Credits {
  uint32_t mask = 0;
  uint32_t tenths = 0;
};
Credits DirectCredits(const ActorProfile& receiver, const ActorProfile& giver);

struct PairInputs {
  Credits to_actor;    // A's needs met by B
  Credits to_partner;  // B's needs met by A
};

// Proximity value of sharing a territory of a level (commune 1 … région
// 0.15; custom zones 0.7).
double LevelProximity(territory::Level level);
double DistanceProximity(double km);
double HaversineKm(double lat1, double lon1, double lat2, double lon2);

// The finest level rank at which two homes share a territory, or -1.
int SharedRank(const territory::Place& a, const territory::Place& b);

// r of an actor (see partners.h): min(1, 2 (a + 1) / (a + n + 2)).
double ActorResponsiveness(const MatchContext::Responsiveness& counts);
// sim(X, Y) of two actors (see partners.h), in [0, 1].
double Similarity(const ActorRecord& x, const ActorRecord& y);

struct Proximity {
  double value = 0;
  int shared_rank = -1;     // homes' finest common territory
  double distance_km = -1;  // when both have coordinates
  // The action area that gave the value, when one did: its owner and level.
  bool via_area = false;
  bool area_of_actor = false;  // true: A's area covers B's home
  territory::Level area_level = territory::Level::kUnspecified;
};

// What is computed once per query about the asking actor (A).
class Query {
 public:
  // `cooperations`: the signals similar success is computed from; null
  // for the context's own.
  Query(const ActorIndex& index, const MatchContext& context, ActorNum actor,
        const NormalizedWeights& weights,
        const CooperationSignals* cooperations = nullptr);

  const ActorIndex& index() const { return *index_; }
  const ActorIndex::Impl& impl() const { return *impl_; }
  const MatchContext& context() const { return *context_; }
  const CooperationSignals& cooperations() const { return *cooperations_; }
  const NormalizedWeights& weights() const { return weights_; }
  ActorNum actor() const { return actor_; }
  const ActorRecord& record() const { return impl_->records[actor_]; }
  const ActorProfile& profile() const { return impl_->profiles[actor_]; }
  double idf(int theme) const { return idf_[theme]; }
  // The most severe fragility, any theme, of a territory of rank >= rank
  // containing A's home.
  float MaxSeverity(int rank) const { return max_severity_[rank]; }
  size_t partner_count() const { return partners_->size(); }
  double IdfSum(ThemeSet themes) const;
  // An upper bound of the mutual fit of a pair with nothing exchanged (no
  // credits either way), from the partner's themes alone: ComputeFit with
  // the partner taken to need nothing (its cover is then half its theme
  // share; with needs, 0). Exact for a partner with no needs.
  double FitWithoutExchange(ThemeSet partner_acts_on) const;
  // Whether S may be positive for a partner: A has cooperation signals, or
  // the partner has.
  bool MayLift(ActorNum partner) const {
    return lifts_all_ || (success_bound_ > 0 && cooperations_->Has(partner));
  }
  // A bound of lifted * (1 - w_r (1 - R)) over the partners (those for
  // which MayLift holds when `lift`, the others when not), given a bound
  // `context` (<= 1) of their context: `context` itself without feedback.
  double FeedbackBound(double context, bool lift) const;

  // The mutual fit and its parts: the covers and theme shares are the
  // pair's, the fits mix them under the weights (MixFit).
  struct Fit {
    double cover_actor = 0;    // cover(A <- B)
    double cover_partner = 0;  // cover(B <- A)
    double themes_actor = 0;   // themes(A <- B)
    double themes_partner = 0;
    double fit_actor = 0;  // fit(A <- B)
    double fit_partner = 0;
    double mutual = 0;
  };
  Fit ComputeFit(const ActorRecord& partner, const PairInputs& inputs) const;
  // Fills fit_actor, fit_partner and mutual from the parts.
  static void MixFit(const NormalizedWeights& weights, Fit* fit);

  Proximity ComputeProximity(ActorNum partner) const;
  // F and the theme that gave it (kAnyTheme when F = 0).
  double ComputeFragility(const ActorRecord& partner, int shared_rank,
                          uint8_t* theme) const;
  // Whether every territory of A's home coarser than `shared_rank` (the
  // finest level the homes share) holds `partner_home` too: not when an
  // intercommunality straddles départements.
  bool SharesEveryCoarserLevel(const territory::Place& partner_home,
                               int shared_rank) const;
  int CommonPartners(ActorNum partner) const;
  // Categories A and B share an active partnership in (bit (1 << Category)).
  uint32_t ActiveCategories(ActorNum partner) const;

  // S of the pair (see partners.h) and the actor that gave it: a partner of
  // A resembling B (*via_actor_side true), or a partner of B resembling A.
  // Ties: A's side first, then the smaller public id.
  struct Success {
    double value = 0;
    bool found = false;  // `via` is set
    ActorNum via = 0;
    bool via_actor_side = false;
  };
  Success ComputeSimilarSuccess(ActorNum partner) const;

  // The factors of a pair before any weight: what a score is computed
  // from, what its explanation shows, and what the weights are learned over
  // (matcher/learning.h). `fit` has its parts only.
  struct Factors {
    Fit fit;
    Proximity proximity;
    double fragility = 0;  // F
    uint8_t fragility_theme = Exchange::kAnyTheme;
    double cross_kind = 0;  // X
    double capacity = 0;    // K
    int common_partners = 0;
    double common = 0;          // N = 1 - 2^-common_partners
    Success success;            // S
    double responsiveness = 1;  // R = r(A) r(B)
  };
  Factors ComputeFactors(ActorNum partner, const PairInputs& inputs) const;

  // A score and the products it is made of (see partners.h).
  struct Score : Factors {
    double context = 0;          // w_c + w_t + w_f F + w_x X + w_k K + w_n N
    double lifted = 0;           // context + w_s S (1 - context)
    double distance_factor = 0;  // 1 - w_p + w_p P
    double responsiveness_factor = 1;  // 1 - w_r (1 - R)
    // mutual * lifted * distance_factor * responsiveness_factor
    double total = 0;
  };
  // The score of `factors` under `weights`: ComputeScore is
  // Combine(ComputeFactors(…), weights()), to the last bit.
  static Score Combine(const Factors& factors,
                       const NormalizedWeights& weights);
  Score ComputeScore(ActorNum partner, const PairInputs& inputs) const {
    return Combine(ComputeFactors(partner, inputs), weights_);
  }

  // Every category the pair's credited exchanges support (bit (1 <<
  // Category)); when nothing is exchanged, the one the kinds suggest.
  uint32_t InferredCategories(ActorNum partner, const PairInputs& inputs) const;
  // The primary category within `allowed`: most exchanges, ties broken by
  // how common each category is in France (responsible practices, mécénat,
  // economic cooperation, societal innovation).
  Category PrimaryCategory(ActorNum partner, const PairInputs& inputs,
                           uint32_t allowed) const;

 private:
  const ActorIndex* index_;
  const ActorIndex::Impl* impl_;
  const MatchContext* context_;
  const CooperationSignals* cooperations_;
  NormalizedWeights weights_;
  ActorNum actor_;
  double idf_[64] = {};
  double idf_sum_actor_ = 0;
  // severity_[rank][theme]: the most severe fragility on that theme of a
  // territory of rank >= rank containing A's home.
  float severity_[kRankCount][64] = {};
  ThemeSet severe_themes_[kRankCount] = {};
  float max_severity_[kRankCount] = {};
  const std::vector<MatchContext::PartnerLink>* partners_;
  double responsiveness_actor_ = 1;  // r(A)
  double success_bound_ = 0;         // bound of S over every partner
  bool lifts_all_ = false;           // !successes_.empty()
  // The actors A had a cooperation signal with (the last
  // CooperationSignals::kUsed), live ones only.
  std::vector<ActorNum> successes_;
};

}  // namespace maillage::matcher::internal

#endif  // MAILLAGE_MATCHER_SCORING_H_

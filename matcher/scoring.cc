#include "matcher/scoring.h"

#include <algorithm>
#include <cmath>

#include "matcher/bits.h"

namespace maillage::matcher::internal {

using territory::kNone;
using territory::Level;
using territory::Place;

namespace {

constexpr ThemeSet Bit(int theme) { return ThemeSet{1} << theme; }

// How common each category is among company–association partnerships in
// France (responsible practices 42%, philanthropy 30%, economic cooperation
// 25%, societal innovation 16%): the tie-break between categories.
constexpr Category kCategoryPriority[] = {
    Category::kResponsiblePractices, Category::kMecenat,
    Category::kEconomicCooperation, Category::kSocietalInnovation};

}  // namespace

NormalizedWeights Normalize(const Weights& w) {
  const double sum = w.complementarity + w.shared_themes + w.fragility +
                     w.cross_kind + w.capacity + w.common_partners;
  return {w.complementarity / sum, w.shared_themes / sum, w.proximity,
          w.fragility / sum,       w.cross_kind / sum,    w.capacity / sum,
          w.common_partners / sum, w.responsiveness,      w.similar_success};
}

int MatchTenths(const Exchange& need, ThemeSet receiver_themes,
                const Exchange& offer, ThemeSet giver_themes) {
  if (need.resource != offer.resource || need.resource >= 32) return 0;
  const bool need_any = need.theme == Exchange::kAnyTheme;
  const bool offer_any = offer.theme == Exchange::kAnyTheme;
  if ((!need_any && need.theme >= 64) || (!offer_any && offer.theme >= 64)) {
    return 0;
  }
  // "Any of my themes" with no theme at all only meets its own kind.
  const bool need_none = need_any && receiver_themes == 0;
  const bool offer_none = offer_any && giver_themes == 0;
  if (need_none || offer_none) return need_none && offer_none ? 5 : 0;
  const ThemeSet wanted = need_any ? receiver_themes : Bit(need.theme);
  const ThemeSet given = offer_any ? giver_themes : Bit(offer.theme);
  if ((wanted & given) == 0) return 0;
  if (!need_any && !offer_any) return 10;
  if (need_any && offer_any) return 7;
  return 8;
}

Credits DirectCredits(const ActorProfile& receiver, const ActorProfile& giver) {
  uint8_t best[32] = {};
  for (const Exchange& need : receiver.needs) {
    for (const Exchange& offer : giver.offers) {
      const int q = MatchTenths(need, receiver.themes, offer, giver.themes);
      if (q > best[need.resource & 31]) {
        best[need.resource & 31] = static_cast<uint8_t>(q);
      }
    }
  }
  Credits credits;
  for (int r = 0; r < 32; ++r) {
    if (best[r] > 0) {
      credits.mask |= 1u << r;
      credits.tenths += best[r];
    }
  }
  return credits;
}

double LevelProximity(Level level) {
  switch (level) {
    case Level::kCommune:
      return 1.0;
    case Level::kEpt:
      return 0.8;
    case Level::kEpci:
      return 0.7;
    case Level::kDepartement:
      return 0.4;
    case Level::kRegion:
      return 0.15;
    case Level::kCustom:
      return 0.7;
    default:
      return 0;
  }
}

double DistanceProximity(double km) {
  const double x = std::max(km, 0.0) / 20.0;
  return 1.0 / (1.0 + x * std::sqrt(x));
}

double HaversineKm(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kEarthRadiusKm = 6371.0088;
  constexpr double kRadians = M_PI / 180.0;
  const double dlat = (lat2 - lat1) * kRadians;
  const double dlon = (lon2 - lon1) * kRadians;
  const double s = std::sin(dlat / 2);
  const double t = std::sin(dlon / 2);
  const double h =
      s * s + std::cos(lat1 * kRadians) * std::cos(lat2 * kRadians) * t * t;
  return 2 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(h)));
}

int SharedRank(const Place& a, const Place& b) {
  for (int rank = 0; rank < kRankCount; ++rank) {
    const Level level = kLevelByRank[rank];
    const uint32_t n = a.At(level);
    if (n != kNone && n == b.At(level)) return rank;
  }
  return -1;
}

double ActorResponsiveness(const MatchContext::Responsiveness& counts) {
  const double a = counts.answered;
  const double n = counts.no_answers;
  return std::min(1.0, 2 * (a + 1) / (a + n + 2));
}

double Similarity(const ActorRecord& x, const ActorRecord& y) {
  if (x.kind != y.kind) return 0;
  auto jaccard = [](uint64_t a, uint64_t b) {
    const uint64_t either = a | b;
    return either ? static_cast<double>(__builtin_popcountll(a & b)) /
                        __builtin_popcountll(either)
                  : 0.0;
  };
  auto roles = [](const ActorRecord& r) {
    return uint64_t{r.offer_resources} | uint64_t{r.need_resources} << 32;
  };
  return (jaccard(x.acts_on, y.acts_on) + jaccard(roles(x), roles(y))) / 2;
}

Query::Query(const ActorIndex& index, const MatchContext& context,
             ActorNum actor, const NormalizedWeights& weights,
             const CooperationSignals* cooperations)
    : index_(&index),
      impl_(&IndexAccess::Of(index)),
      context_(&context),
      cooperations_(cooperations != nullptr ? cooperations
                                            : &context.cooperations()),
      weights_(weights),
      actor_(actor),
      partners_(&context.PartnersOf(actor)) {
  const double n = static_cast<double>(index.size());
  for (int t = 0; t < 64; ++t) {
    idf_[t] = std::log(
        1.0 + n / (1.0 + index.ThemeActorCount(static_cast<uint8_t>(t))));
  }
  idf_sum_actor_ = IdfSum(record().acts_on);
  float at_rank[kRankCount][64] = {};
  const Place& home = record().home;
  for (int rank = 0; rank < kRankCount; ++rank) {
    const Level level = kLevelByRank[rank];
    const uint32_t number = home.At(level);
    if (number == kNone) continue;
    for (const MatchContext::ThemeSeverity& f :
         context.FragilitiesOf(level, number)) {
      at_rank[rank][f.theme] = std::max(at_rank[rank][f.theme], f.severity);
    }
  }
  for (int rank = kRankCount - 1; rank >= 0; --rank) {
    for (int t = 0; t < 64; ++t) {
      const float coarser =
          rank + 1 < kRankCount ? severity_[rank + 1][t] : 0.0f;
      severity_[rank][t] = std::max(at_rank[rank][t], coarser);
      if (severity_[rank][t] > 0) severe_themes_[rank] |= Bit(t);
      max_severity_[rank] = std::max(max_severity_[rank], severity_[rank][t]);
    }
  }
  // Lifecycle feedback. Any partner may have a cooperation signal with an
  // actor resembling A: with signals anywhere, S is only bounded by 1.
  if (context.has_responsiveness()) {
    responsiveness_actor_ =
        ActorResponsiveness(context.ResponsivenessOf(actor));
  }
  if (!cooperations_->empty()) {
    success_bound_ = 1;
    const std::vector<ActorNum>& mine = cooperations_->Of(actor);
    const size_t used = CooperationSignals::kUsed;
    for (size_t i = mine.size() > used ? mine.size() - used : 0;
         i < mine.size(); ++i) {
      const ActorNum c = mine[i];
      if (c < impl_->records.size() && impl_->records[c].live()) {
        successes_.push_back(c);
      }
    }
    lifts_all_ = !successes_.empty();
  }
}

double Query::FeedbackBound(double context, bool lift) const {
  const double s = lift ? success_bound_ : 0.0;
  const double lifted =
      context + weights_.similar_success * s * std::max(0.0, 1 - context);
  return lifted * (1 - weights_.responsiveness * (1 - responsiveness_actor_));
}

Query::Success Query::ComputeSimilarSuccess(ActorNum partner_num) const {
  Success best;
  if (success_bound_ <= 0) return best;
  auto offer = [&](double value, ActorNum via, bool actor_side) {
    if (value <= 0) return;
    if (best.found) {
      if (value < best.value) return;
      if (value == best.value) {
        if (best.via_actor_side && !actor_side) return;
        if (best.via_actor_side == actor_side &&
            !(impl_->profiles[via].id < impl_->profiles[best.via].id)) {
          return;
        }
      }
    }
    best = Success{value, true, via, actor_side};
  };
  const ActorRecord& partner = impl_->records[partner_num];
  for (ActorNum c : successes_) {
    if (c == partner_num) continue;
    offer(Similarity(impl_->records[c], partner), c, true);
  }
  const std::vector<ActorNum>& theirs = cooperations_->Of(partner_num);
  const size_t used = CooperationSignals::kUsed;
  for (size_t i = theirs.size() > used ? theirs.size() - used : 0;
       i < theirs.size(); ++i) {
    const ActorNum d = theirs[i];
    if (d == actor_ || d >= impl_->records.size() ||
        !impl_->records[d].live()) {
      continue;
    }
    offer(Similarity(impl_->records[d], record()), d, false);
  }
  return best;
}

double Query::IdfSum(ThemeSet themes) const {
  double sum = 0;
  ForEachBit(themes, [&](int t) { sum += idf_[t]; });
  return sum;
}

double Query::FitWithoutExchange(ThemeSet partner_acts_on) const {
  const ActorRecord& actor = record();
  Fit fit;
  const double shared_idf = IdfSum(actor.acts_on & partner_acts_on);
  if (idf_sum_actor_ > 0) fit.themes_actor = shared_idf / idf_sum_actor_;
  const double partner_idf = IdfSum(partner_acts_on);
  if (partner_idf > 0) fit.themes_partner = shared_idf / partner_idf;
  // As ComputeFit's covers with no credits.
  fit.cover_actor = actor.need_resources == 0 ? fit.themes_actor / 2 : 0;
  fit.cover_partner = fit.themes_partner / 2;
  MixFit(weights_, &fit);
  return fit.mutual;
}

Query::Fit Query::ComputeFit(const ActorRecord& partner,
                             const PairInputs& inputs) const {
  const ActorRecord& actor = record();
  Fit fit;
  const ThemeSet shared = actor.acts_on & partner.acts_on;
  const double shared_idf = IdfSum(shared);
  if (idf_sum_actor_ > 0) fit.themes_actor = shared_idf / idf_sum_actor_;
  const double partner_idf = IdfSum(partner.acts_on);
  if (partner_idf > 0) fit.themes_partner = shared_idf / partner_idf;
  auto cover = [](uint32_t needs, const Credits& credits, double themes) {
    if (needs == 0) return themes / 2;
    const int count = std::min(__builtin_popcount(needs), 2);
    return std::min(1.0, credits.tenths / 10.0 / count);
  };
  fit.cover_actor =
      cover(actor.need_resources, inputs.to_actor, fit.themes_actor);
  fit.cover_partner =
      cover(partner.need_resources, inputs.to_partner, fit.themes_partner);
  MixFit(weights_, &fit);
  return fit;
}

void Query::MixFit(const NormalizedWeights& weights, Fit* fit) {
  const double wc = weights.complementarity;
  const double wt = weights.shared_themes;
  fit->fit_actor = (wc * fit->cover_actor + wt * fit->themes_actor) / (wc + wt);
  fit->fit_partner =
      (wc * fit->cover_partner + wt * fit->themes_partner) / (wc + wt);
  const double sum = fit->fit_actor + fit->fit_partner;
  fit->mutual = sum > 0 ? 2 * fit->fit_actor * fit->fit_partner / sum : 0;
}

Proximity Query::ComputeProximity(ActorNum partner_num) const {
  const ActorRecord& actor = record();
  const ActorRecord& partner = impl_->records[partner_num];
  Proximity p;
  p.shared_rank = SharedRank(actor.home, partner.home);
  if (actor.has_coords() && partner.has_coords()) {
    p.distance_km = HaversineKm(actor.latitude, actor.longitude,
                                partner.latitude, partner.longitude);
    p.value = DistanceProximity(p.distance_km);
  } else if (p.shared_rank >= 0) {
    p.value = LevelProximity(kLevelByRank[p.shared_rank]);
  }
  // An action area of one covering the other's home.
  auto check_areas = [&](const ActorProfile& owner, const Place& other_home,
                         bool owner_is_actor) {
    if (other_home.commune == kNone) return;
    Scope home;
    home.level = Level::kCommune;
    home.place = other_home;
    for (const ActionArea& area : owner.action_areas) {
      const double value = 0.8 * LevelProximity(area.level);
      if (value > p.value && impl_->AreaOverlaps(area, home)) {
        p.value = value;
        p.via_area = true;
        p.area_of_actor = owner_is_actor;
        p.area_level = area.level;
      }
    }
  };
  if (actor.has_areas()) check_areas(profile(), partner.home, true);
  if (partner.has_areas()) {
    check_areas(impl_->profiles[partner_num], actor.home, false);
  }
  return p;
}

double Query::ComputeFragility(const ActorRecord& partner, int shared_rank,
                               uint8_t* theme) const {
  *theme = Exchange::kAnyTheme;
  if (shared_rank < 0) return 0;
  const ThemeSet both = record().acts_on & partner.acts_on;
  const ThemeSet either = record().acts_on | partner.acts_on;
  double best = 0;
  auto offer = [&](int t, double severity) {
    const double value = severity * ((both >> t & 1) ? 1.0 : 0.5);
    if (value > best) {
      best = value;
      *theme = static_cast<uint8_t>(t);
    }
  };
  if (SharesEveryCoarserLevel(partner.home, shared_rank)) {
    ForEachBit(either & severe_themes_[shared_rank],
               [&](int t) { offer(t, severity_[shared_rank][t]); });
    return best;
  }
  // Homes in one intercommunality straddling two départements share it and
  // the région, not the département: only the territories they share
  // count (severity_ assumes the coarser levels are all shared).
  const Place& home = record().home;
  for (int rank = shared_rank; rank < kRankCount; ++rank) {
    const Level level = kLevelByRank[rank];
    const uint32_t number = home.At(level);
    if (number == kNone || number != partner.home.At(level)) continue;
    for (const MatchContext::ThemeSeverity& f :
         context_->FragilitiesOf(level, number)) {
      if (either >> f.theme & 1) offer(f.theme, f.severity);
    }
  }
  return best;
}

bool Query::SharesEveryCoarserLevel(const Place& partner_home,
                                    int shared_rank) const {
  const Place& home = record().home;
  for (int rank = shared_rank + 1; rank < kRankCount; ++rank) {
    const uint32_t number = home.At(kLevelByRank[rank]);
    if (number != kNone && number != partner_home.At(kLevelByRank[rank])) {
      return false;
    }
  }
  return true;
}

int Query::CommonPartners(ActorNum partner) const {
  if (partners_->empty()) return 0;
  const std::vector<MatchContext::PartnerLink>& others =
      context_->PartnersOf(partner);
  int common = 0;
  auto a = partners_->begin();
  auto b = others.begin();
  while (a != partners_->end() && b != others.end()) {
    if (a->partner == b->partner) {
      if (a->partner != actor_ && a->partner != partner) ++common;
      ++a;
      ++b;
    } else if (a->partner < b->partner) {
      ++a;
    } else {
      ++b;
    }
  }
  return common;
}

uint32_t Query::ActiveCategories(ActorNum partner) const {
  auto it = std::lower_bound(partners_->begin(), partners_->end(), partner,
                             [](const MatchContext::PartnerLink& link,
                                ActorNum num) { return link.partner < num; });
  if (it == partners_->end() || it->partner != partner) return 0;
  return it->active_categories;
}

Query::Factors Query::ComputeFactors(ActorNum partner_num,
                                     const PairInputs& inputs) const {
  const ActorRecord& actor = record();
  const ActorRecord& partner = impl_->records[partner_num];
  Factors f;
  f.fit = ComputeFit(partner, inputs);
  f.proximity = ComputeProximity(partner_num);
  f.fragility =
      ComputeFragility(partner, f.proximity.shared_rank, &f.fragility_theme);
  f.cross_kind = actor.kind != partner.kind &&
                         actor.kind != Kind::kUnspecified &&
                         partner.kind != Kind::kUnspecified
                     ? 1.0
                     : 0.0;
  f.capacity = std::min<int>({actor.capacity, partner.capacity, 3}) / 3.0;
  f.common_partners = CommonPartners(partner_num);
  f.common = 1.0 - std::ldexp(1.0, -f.common_partners);
  if (MayLift(partner_num)) f.success = ComputeSimilarSuccess(partner_num);
  if (context_->has_responsiveness()) {
    f.responsiveness =
        responsiveness_actor_ *
        ActorResponsiveness(context_->ResponsivenessOf(partner_num));
  }
  return f;
}

Query::Score Query::Combine(const Factors& factors,
                            const NormalizedWeights& w) {
  Score s;
  static_cast<Factors&>(s) = factors;
  MixFit(w, &s.fit);
  s.context = w.complementarity + w.shared_themes + w.fragility * s.fragility +
              w.cross_kind * s.cross_kind + w.capacity * s.capacity +
              w.common_partners * s.common;
  // Without feedback (S = 0, R = 1), lifted = context and
  // responsiveness_factor = 1 exactly: the score is the same to the last
  // bit.
  s.lifted = s.context +
             w.similar_success * s.success.value * std::max(0.0, 1 - s.context);
  s.distance_factor = 1 - w.proximity + w.proximity * s.proximity.value;
  s.responsiveness_factor = 1 - w.responsiveness * (1 - s.responsiveness);
  s.total = std::clamp(
      s.fit.mutual * s.lifted * s.distance_factor * s.responsiveness_factor,
      0.0, 1.0);
  return s;
}

uint32_t Query::InferredCategories(ActorNum partner_num,
                                   const PairInputs& inputs) const {
  const ActorRecord& actor = record();
  const ActorRecord& partner = impl_->records[partner_num];
  uint32_t mask = 0;
  ForEachBit(inputs.to_actor.mask, [&](int r) {
    mask |=
        1u << static_cast<int>(context_
                                   ->FlowOf(partner.kind, partner.subtype,
                                            actor.kind, static_cast<uint8_t>(r))
                                   .category);
  });
  ForEachBit(inputs.to_partner.mask, [&](int r) {
    mask |= 1u << static_cast<int>(context_
                                       ->FlowOf(actor.kind, actor.subtype,
                                                partner.kind,
                                                static_cast<uint8_t>(r))
                                       .category);
  });
  if (mask == 0) {
    const bool academic =
        actor.kind == Kind::kAcademic || partner.kind == Kind::kAcademic;
    mask = 1u << static_cast<int>(academic ? Category::kSocietalInnovation
                                           : Category::kEconomicCooperation);
  }
  return mask;
}

Category Query::PrimaryCategory(ActorNum partner_num, const PairInputs& inputs,
                                uint32_t allowed) const {
  const ActorRecord& actor = record();
  const ActorRecord& partner = impl_->records[partner_num];
  int votes[8] = {};
  ForEachBit(inputs.to_actor.mask, [&](int r) {
    ++votes[static_cast<int>(context_
                                 ->FlowOf(partner.kind, partner.subtype,
                                          actor.kind, static_cast<uint8_t>(r))
                                 .category)];
  });
  ForEachBit(inputs.to_partner.mask, [&](int r) {
    ++votes[static_cast<int>(context_
                                 ->FlowOf(actor.kind, actor.subtype,
                                          partner.kind, static_cast<uint8_t>(r))
                                 .category)];
  });
  Category best = Category::kUnspecified;
  int best_votes = -1;
  for (Category category : kCategoryPriority) {
    const int c = static_cast<int>(category);
    if (!(allowed >> c & 1)) continue;
    if (votes[c] > best_votes) {
      best = category;
      best_votes = votes[c];
    }
  }
  return best;
}

}  // namespace maillage::matcher::internal

#include "matcher/scoring.h"

#include <algorithm>
#include <cmath>

#include "matcher/wording.h"

namespace maillage::matcher::internal {

using territory::kNone;
using territory::Level;
using territory::Place;

namespace {

template <typename Visit>
void ForEachBit(uint64_t bits, Visit visit) {
  while (bits) {
    visit(__builtin_ctzll(bits));
    bits &= bits - 1;
  }
}

constexpr ThemeSet Bit(int theme) { return ThemeSet{1} << theme; }

// Default modality of a category when no exchange names one.
Modality DefaultModality(Category category) {
  switch (category) {
    case Category::kMecenat:
      return Modality::kFinancial;
    case Category::kResponsiblePractices:
      return Modality::kPracticeChange;
    case Category::kSocietalInnovation:
      return Modality::kJointRnd;
    case Category::kEconomicCooperation:
      return Modality::kJointOffer;
    default:
      return Modality::kUnspecified;
  }
}

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
             ActorNum actor, const NormalizedWeights& weights)
    : index_(&index),
      impl_(&IndexAccess::Of(index)),
      context_(&context),
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
  if (context.has_cooperation_signals()) {
    success_bound_ = 1;
    const std::vector<ActorNum>& mine = context.CooperationsOf(actor);
    const size_t used = MatchContext::kCooperationsUsed;
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
  const std::vector<ActorNum>& theirs = context_->CooperationsOf(partner_num);
  const size_t used = MatchContext::kCooperationsUsed;
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
  const double wc = weights_.complementarity;
  const double wt = weights_.shared_themes;
  fit.fit_actor = (wc * fit.cover_actor + wt * fit.themes_actor) / (wc + wt);
  fit.fit_partner =
      (wc * fit.cover_partner + wt * fit.themes_partner) / (wc + wt);
  const double sum = fit.fit_actor + fit.fit_partner;
  fit.mutual = sum > 0 ? 2 * fit.fit_actor * fit.fit_partner / sum : 0;
  return fit;
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
  ForEachBit(either & severe_themes_[shared_rank], [&](int t) {
    const double value =
        severity_[shared_rank][t] * ((both >> t & 1) ? 1.0 : 0.5);
    if (value > best) {
      best = value;
      *theme = static_cast<uint8_t>(t);
    }
  });
  return best;
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

Query::Score Query::ComputeScore(ActorNum partner_num,
                                 const PairInputs& inputs) const {
  const ActorRecord& actor = record();
  const ActorRecord& partner = impl_->records[partner_num];
  Score s;
  s.fit = ComputeFit(partner, inputs);
  s.proximity = ComputeProximity(partner_num);
  s.fragility =
      ComputeFragility(partner, s.proximity.shared_rank, &s.fragility_theme);
  s.cross_kind = actor.kind != partner.kind &&
                         actor.kind != Kind::kUnspecified &&
                         partner.kind != Kind::kUnspecified
                     ? 1.0
                     : 0.0;
  s.capacity = std::min<int>({actor.capacity, partner.capacity, 3}) / 3.0;
  s.common_partners = CommonPartners(partner_num);
  s.common = 1.0 - std::ldexp(1.0, -s.common_partners);
  const NormalizedWeights& w = weights_;
  s.context = w.complementarity + w.shared_themes + w.fragility * s.fragility +
              w.cross_kind * s.cross_kind + w.capacity * s.capacity +
              w.common_partners * s.common;
  // Without feedback, lifted = context and responsiveness_factor = 1
  // exactly: the score is the same to the last bit.
  s.lifted = s.context;
  if (MayLift(partner_num)) {
    s.success = ComputeSimilarSuccess(partner_num);
    s.lifted = s.context + w.similar_success * s.success.value *
                               std::max(0.0, 1 - s.context);
  }
  s.distance_factor = 1 - w.proximity + w.proximity * s.proximity.value;
  if (context_->has_responsiveness()) {
    s.responsiveness =
        responsiveness_actor_ *
        ActorResponsiveness(context_->ResponsivenessOf(partner_num));
    s.responsiveness_factor = 1 - w.responsiveness * (1 - s.responsiveness);
  }
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

std::vector<ExchangeMatch> ListExchanges(const Query& query,
                                         ActorNum partner_num) {
  const ActorProfile& actor = query.profile();
  const ActorProfile& partner = query.impl().profiles[partner_num];
  std::vector<ExchangeMatch> result;
  auto collect = [&](const ActorProfile& receiver, ActorNum receiver_num,
                     const ActorProfile& giver, ActorNum giver_num) {
    ExchangeMatch best[32];
    int best_q[32] = {};
    for (const Exchange& need : receiver.needs) {
      for (const Exchange& offer : giver.offers) {
        const int q = MatchTenths(need, receiver.themes, offer, giver.themes);
        const int r = need.resource & 31;
        if (q <= best_q[r]) continue;
        best_q[r] = q;
        ExchangeMatch& m = best[r];
        m.giver = giver_num;
        m.receiver = receiver_num;
        m.resource = need.resource;
        m.quality = q / 10.0;
        if (need.theme != Exchange::kAnyTheme) {
          m.theme = need.theme;
        } else if (offer.theme != Exchange::kAnyTheme) {
          m.theme = offer.theme;
        } else {
          const ThemeSet common = receiver.themes & giver.themes;
          m.theme = common ? static_cast<uint8_t>(__builtin_ctzll(common))
                           : Exchange::kAnyTheme;
        }
        const MatchContext::Flow flow = query.context().FlowOf(
            giver.kind, giver.subtype, receiver.kind, need.resource);
        m.category = flow.category;
        m.modality = flow.modality;
      }
    }
    for (int r = 0; r < 32; ++r) {
      if (best_q[r] > 0) result.push_back(best[r]);
    }
  };
  collect(actor, query.actor(), partner, partner_num);
  collect(partner, partner_num, actor, query.actor());
  std::stable_sort(result.begin(), result.end(),
                   [&](const ExchangeMatch& x, const ExchangeMatch& y) {
                     if (x.quality != y.quality) return x.quality > y.quality;
                     return x.giver == partner_num && y.giver != partner_num;
                   });
  return result;
}

namespace {

std::string ExchangeWords(const Vocabulary& vocabulary,
                          const ExchangeMatch& m) {
  std::string words = ResourceWords(vocabulary, m.resource);
  if (m.theme < vocabulary.theme_count()) {
    words += " en " + ThemeWords(vocabulary, m.theme);
  }
  return words;
}

std::string ComplementarityDetail(const Query& query, ActorNum partner_num,
                                  const std::vector<ExchangeMatch>& exchanges,
                                  const Query::Fit& fit) {
  const Vocabulary& vocabulary = query.context().vocabulary();
  const ActorProfile& actor = query.profile();
  const ActorProfile& partner = query.impl().profiles[partner_num];
  auto direction = [&](const ActorProfile& giver, ActorNum giver_num,
                       const ActorProfile& receiver, double cover) {
    std::vector<std::string> items;
    for (const ExchangeMatch& m : exchanges) {
      if (m.giver == giver_num) items.push_back(ExchangeWords(vocabulary, m));
    }
    std::string text = "pour " + std::string(ActorName(receiver)) + ", " +
                       std::string(ActorName(giver)) + " apporte : ";
    if (!items.empty()) {
      text += JoinFrench(items);
    } else if (receiver.needs.empty()) {
      text += "pas de besoin déclaré, les thèmes en tiennent lieu";
    } else {
      text += "rien qui réponde à ses besoins déclarés";
    }
    text += " (couverture " + Decimal(cover, 2) + ")";
    return text;
  };
  return Capitalize(direction(partner, partner_num, actor, fit.cover_actor)) +
         " ; " + direction(actor, query.actor(), partner, fit.cover_partner) +
         ".";
}

std::string ProximityDetail(const Query& query, ActorNum partner_num,
                            const Proximity& p) {
  const ActorProfile& actor = query.profile();
  const ActorProfile& partner = query.impl().profiles[partner_num];
  if (p.via_area) {
    const ActorProfile& owner = p.area_of_actor ? actor : partner;
    const ActorProfile& other = p.area_of_actor ? partner : actor;
    return std::string(ActorName(owner)) + " intervient sur " +
           std::string(TerritoryWords(p.area_level)) + " où se trouve " +
           std::string(ActorName(other)) + ".";
  }
  std::string text;
  if (p.distance_km >= 0) {
    text = p.distance_km < 1
               ? "À moins d'un km l'une de l'autre"
               : "À " + Decimal(p.distance_km, 0) + " km l'une de l'autre";
    if (p.shared_rank >= 0) {
      text += " (" +
              std::string(SameTerritoryWords(kLevelByRank[p.shared_rank])) +
              ")";
    }
    return text + ".";
  }
  if (p.shared_rank >= 0) {
    return "Dans " +
           std::string(SameTerritoryWords(kLevelByRank[p.shared_rank])) + ".";
  }
  return "Aucun territoire en commun.";
}

// "l'association X n'a répondu à aucune de ses 3 mises en relation", …
std::string AnswerWords(const ActorProfile& profile,
                        const MatchContext::Responsiveness& counts) {
  const std::string name(ActorName(profile));
  const int answered = counts.answered;
  const int total = answered + counts.no_answers;
  const std::string of_total =
      total == 1 ? "sa mise en relation"
                 : "ses " + std::to_string(total) + " mises en relation";
  if (total == 0) return name + " : pas encore de mise en relation suivie";
  if (answered == 0) {
    return total == 1 ? name + " n'a pas répondu à sa mise en relation"
                      : name + " n'a répondu à aucune de " + of_total;
  }
  if (answered == total) return name + " a répondu à " + of_total;
  return name + " a répondu à " + std::to_string(answered) + " de " + of_total;
}

std::string ResponsivenessDetail(const Query& query, ActorNum partner_num) {
  const MatchContext& context = query.context();
  const MatchContext::Responsiveness mine =
      context.ResponsivenessOf(query.actor());
  const MatchContext::Responsiveness theirs =
      context.ResponsivenessOf(partner_num);
  auto unknown = [](const MatchContext::Responsiveness& c) {
    return c.answered == 0 && c.no_answers == 0;
  };
  if (unknown(mine) && unknown(theirs)) {
    return "Ni l'une ni l'autre n'a encore de mise en relation suivie : "
           "réactivité présumée.";
  }
  return "Réactivité : " +
         AnswerWords(query.impl().profiles[partner_num], theirs) + " ; " +
         AnswerWords(query.profile(), mine) + ".";
}

std::string SimilarSuccessDetail(const Query& query, ActorNum partner_num,
                                 const Query::Success& success) {
  const ActorProfile& actor = query.profile();
  const ActorProfile& partner = query.impl().profiles[partner_num];
  if (!success.found) {
    const MatchContext& context = query.context();
    const std::vector<ActorNum>& mine = context.CooperationsOf(query.actor());
    if (mine.empty() && context.CooperationsOf(partner_num).empty()) {
      return "Ni l'une ni l'autre n'a encore de coopération aboutie connue.";
    }
    if (std::find(mine.begin(), mine.end(), partner_num) != mine.end()) {
      return std::string(ActorName(actor)) + " et " +
             std::string(ActorName(partner)) +
             " ont déjà trouvé une coopération ensemble ; aucune paire "
             "semblable n'en a trouvé.";
    }
    return "Ne ressemble à aucune de leurs coopérations abouties.";
  }
  const ActorProfile& via = query.impl().profiles[success.via];
  const std::string similarity =
      " (similarité " + Decimal(success.value, 2) + ").";
  if (success.via_actor_side) {
    return std::string(ActorName(partner)) + " ressemble à " +
           ActorPhrase(via) + ", avec qui " + std::string(ActorName(actor)) +
           " a trouvé une coopération" + similarity;
  }
  return std::string(ActorName(partner)) + " a trouvé une coopération avec " +
         ActorPhrase(via) + ", qui ressemble à " +
         std::string(ActorName(actor)) + similarity;
}

}  // namespace

Suggestion BuildSuggestion(const Query& query, ActorNum partner_num,
                           const PairInputs& inputs, const Query::Score& score,
                           uint32_t allowed, bool details) {
  const Vocabulary& vocabulary = query.context().vocabulary();
  const ActorProfile& actor = query.profile();
  const ActorProfile& partner = query.impl().profiles[partner_num];
  const ActorRecord& actor_record = query.record();
  const ActorRecord& partner_record = query.impl().records[partner_num];
  const NormalizedWeights& w = query.weights();

  Suggestion s;
  s.actor = query.actor();
  s.partner = partner_num;
  s.partner_id = partner.id;
  s.score = score.total;
  s.exchanges = ListExchanges(query, partner_num);
  const uint32_t inferred = query.InferredCategories(partner_num, inputs);
  s.categories = allowed;
  s.category =
      query.PrimaryCategory(partner_num, inputs, allowed ? allowed : inferred);
  s.modality = DefaultModality(s.category);
  const ExchangeMatch* lead = nullptr;  // the exchange the sentence tells
  for (const ExchangeMatch& m : s.exchanges) {
    if (m.category == s.category) {
      lead = &m;
      s.modality = m.modality;
      break;
    }
  }
  s.fit_for_actor = score.fit.fit_actor;
  s.fit_for_partner = score.fit.fit_partner;
  s.mutual_fit = score.fit.mutual;
  s.shared_themes = actor_record.acts_on & partner_record.acts_on;
  s.distance_km = score.proximity.distance_km;

  // Contributions. score = mutual * lifted * (1 - w_p + w_p P) * (1 - w_r +
  // w_r R): the part w_r R of the last factor is responsiveness's; of the
  // rest, the part w_p P of the distance factor is proximity's; what
  // remains, mutual * lifted * (1 - w_r) * (1 - w_p), is shared among the
  // additive parts of the lifted context (w_s S (1 - context) for similar
  // success, the factors' parts of the context for the others), the fit's
  // part split between complementarity and themes in proportion to their
  // parts of the two fits.
  const double mutual = score.fit.mutual;
  const double responsiveness_part = mutual * score.lifted *
                                     score.distance_factor * w.responsiveness *
                                     score.responsiveness;
  const double kept = 1 - w.responsiveness;
  const double proximity_part =
      mutual * score.lifted * kept * w.proximity * score.proximity.value;
  // Times each additive part.
  const double rest = mutual * (1 - w.proximity) * kept;
  const double cover_part =
      w.complementarity * (score.fit.cover_actor + score.fit.cover_partner);
  const double theme_part =
      w.shared_themes * (score.fit.themes_actor + score.fit.themes_partner);
  const double fit_part = rest * (w.complementarity + w.shared_themes);
  const double complementarity =
      cover_part + theme_part > 0
          ? fit_part * cover_part / (cover_part + theme_part)
          : 0;
  // Each detail is a callable, called only when details are asked for.
  auto add = [&](FactorKind kind, double value, double weight,
                 double contribution, auto&& detail) {
    s.factors.push_back(Factor{kind, value, weight, contribution,
                               details ? detail() : std::string()});
  };
  add(FactorKind::kComplementarity,
      (score.fit.cover_actor + score.fit.cover_partner) / 2, w.complementarity,
      complementarity, [&] {
        return ComplementarityDetail(query, partner_num, s.exchanges,
                                     score.fit);
      });
  add(FactorKind::kSharedThemes,
      (score.fit.themes_actor + score.fit.themes_partner) / 2, w.shared_themes,
      fit_part - complementarity, [&] {
        return s.shared_themes ? "Thèmes communs : " +
                                     ThemeList(vocabulary, s.shared_themes, 4) +
                                     " (les thèmes rares pèsent davantage)."
                               : std::string("Aucun thème commun.");
      });
  add(FactorKind::kProximity, score.proximity.value, w.proximity,
      proximity_part,
      [&] { return ProximityDetail(query, partner_num, score.proximity); });
  add(FactorKind::kFragility, score.fragility, w.fragility,
      rest * w.fragility * score.fragility, [&] {
        return score.fragility > 0
                   ? "Fragilité de leur territoire commun : " +
                         ThemeWords(vocabulary, score.fragility_theme) +
                         " (sévérité " + Decimal(score.fragility, 2) + ")."
                   : std::string(
                         "Aucune fragilité connue de leur territoire commun "
                         "sur leurs thèmes.");
      });
  add(FactorKind::kCrossKind, score.cross_kind, w.cross_kind,
      rest * w.cross_kind * score.cross_kind, [&] {
        return score.cross_kind > 0
                   ? "Alliance entre mondes : " +
                         std::string(KindNoun(actor.kind)) + " et " +
                         std::string(KindNoun(partner.kind)) + "."
                   : "Même monde : " + std::string(KindNoun(actor.kind, true)) +
                         ".";
      });
  add(FactorKind::kCapacity, score.capacity, w.capacity,
      rest * w.capacity * score.capacity, [&] {
        return "Capacité restante : " + std::to_string(actor.capacity) +
               " pour " + std::string(ActorName(actor)) + ", " +
               std::to_string(partner.capacity) + " pour " +
               std::string(ActorName(partner)) + ".";
      });
  add(FactorKind::kCommonPartners, score.common, w.common_partners,
      rest * w.common_partners * score.common, [&] {
        return score.common_partners == 0
                   ? std::string("Aucun partenaire en commun.")
                   : std::to_string(score.common_partners) +
                         (score.common_partners == 1 ? " partenaire"
                                                     : " partenaires") +
                         " en commun.";
      });
  add(FactorKind::kResponsiveness, score.responsiveness, w.responsiveness,
      responsiveness_part,
      [&] { return ResponsivenessDetail(query, partner_num); });
  add(FactorKind::kSimilarSuccess, score.success.value, w.similar_success,
      rest * w.similar_success * score.success.value *
          std::max(0.0, 1 - score.context),
      [&] { return SimilarSuccessDetail(query, partner_num, score.success); });

  // The sentence: the lead exchange, what comes back, where, why now.
  std::string sentence;
  if (lead != nullptr) {
    const bool partner_gives = lead->giver == partner_num;
    const ActorProfile& giver = partner_gives ? partner : actor;
    const ActorProfile& receiver = partner_gives ? actor : partner;
    const std::string theme = lead->theme < vocabulary.theme_count()
                                  ? " en " + ThemeWords(vocabulary, lead->theme)
                                  : std::string();
    if (lead->category == Category::kMecenat &&
        (lead->modality == Modality::kFinancial ||
         lead->modality == Modality::kInKind ||
         lead->modality == Modality::kSkills) &&
        giver.kind == Kind::kCompany) {
      sentence = Capitalize(ActorPhrase(giver)) + " propose du " +
                 std::string(ModalityLabel(lead->modality)) + theme + " dont " +
                 ActorPhrase(receiver) + " a besoin";
    } else {
      sentence = Capitalize(ActorPhrase(giver)) + " propose « " +
                 ResourceWords(vocabulary, lead->resource) + " »" + theme +
                 " dont " + ActorPhrase(receiver) +
                 " a besoin : une piste de " +
                 Uncapitalize(CategoryLabel(lead->category)) + " (" +
                 std::string(ModalityLabel(lead->modality)) + ")";
    }
    for (const ExchangeMatch& m : s.exchanges) {
      if (m.giver != lead->giver) {
        sentence += " ; en retour, " + std::string(ActorName(receiver)) +
                    " apporte « " + ResourceWords(vocabulary, m.resource) +
                    " »";
        break;
      }
    }
  } else if (s.shared_themes) {
    sentence = Capitalize(ActorPhrase(actor)) + " et " + ActorPhrase(partner) +
               " agissent toutes deux sur " +
               ThemeList(vocabulary, s.shared_themes, 2) + " : une piste de " +
               Uncapitalize(CategoryLabel(s.category));
  } else {
    sentence = Capitalize(ActorPhrase(actor)) + " et " + ActorPhrase(partner) +
               " n'ont ni échange ni thème en commun déclarés";
  }
  const Proximity& p = score.proximity;
  if (p.via_area) {
    const ActorProfile& owner = p.area_of_actor ? actor : partner;
    sentence += " ; " + std::string(ActorName(owner)) + " intervient sur " +
                std::string(TerritoryWords(p.area_level)) + " de l'autre";
  } else if (p.shared_rank >= 0 && p.shared_rank <= 3) {
    sentence += " ; toutes deux agissent dans " +
                std::string(SameTerritoryWords(kLevelByRank[p.shared_rank]));
  } else if (p.distance_km >= 0 && p.distance_km < 50) {
    sentence +=
        " ; elles sont à " + Decimal(p.distance_km, 0) + " km l'une de l'autre";
  }
  if (score.fragility >= 0.5) {
    sentence += ", face à une fragilité forte de leur territoire en " +
                ThemeWords(vocabulary, score.fragility_theme);
  }
  if (score.common_partners > 0) {
    sentence += " ; elles ont " + std::to_string(score.common_partners) +
                (score.common_partners == 1 ? " partenaire" : " partenaires") +
                " en commun";
  }
  if (score.success.found && score.success.value >= 0.5) {
    const std::string via(ActorName(query.impl().profiles[score.success.via]));
    sentence += score.success.via_actor_side
                    ? " ; " + std::string(ActorName(partner)) +
                          " ressemble à " + via + ", avec qui " +
                          std::string(ActorName(actor)) +
                          " a déjà trouvé une coopération"
                    : " ; " + std::string(ActorName(partner)) +
                          " a déjà trouvé une coopération avec " + via +
                          ", proche de " + std::string(ActorName(actor));
  }
  if (score.responsiveness < 1) {
    const MatchContext::Responsiveness counts =
        query.context().ResponsivenessOf(partner_num);
    if (counts.no_answers >= 2 && counts.no_answers > counts.answered) {
      sentence += " ; attention, " + AnswerWords(partner, counts);
    }
  }
  s.sentence = sentence + ".";
  return s;
}

}  // namespace maillage::matcher::internal

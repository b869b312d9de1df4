#include "matcher/explanation.h"

#include <algorithm>
#include <string>
#include <vector>

#include "matcher/wording.h"

namespace maillage::matcher::internal {
namespace {

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

}  // namespace

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

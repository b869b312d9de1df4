#include "matcher/explanation.h"

#include <algorithm>
#include <array>
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
  // Best quality first; at equal quality the service or the gift before
  // what comes back for it, then what the partner gives.
  const MatchContext& context = query.context();
  std::stable_sort(result.begin(), result.end(),
                   [&](const ExchangeMatch& x, const ExchangeMatch& y) {
                     if (x.quality != y.quality) return x.quality > y.quality;
                     const bool x_back = context.IsCounterpart(x.resource);
                     const bool y_back = context.IsCounterpart(y.resource);
                     if (x_back != y_back) return y_back;
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

// Where the pair stands, and what distance takes away from its potential.
std::string ProximityDetail(const Query& query, ActorNum partner_num,
                            const Proximity& p, double contribution) {
  const ActorProfile& actor = query.profile();
  const ActorProfile& partner = query.impl().profiles[partner_num];
  std::string text;
  if (p.via_area) {
    const ActorProfile& owner = p.area_of_actor ? actor : partner;
    const ActorProfile& other = p.area_of_actor ? partner : actor;
    text = std::string(ActorName(owner)) + " intervient sur " +
           std::string(TerritoryWords(p.area_level)) + " où se trouve " +
           std::string(ActorName(other));
  } else if (p.distance_km >= 0) {
    text = p.distance_km < 1
               ? "À moins d'un km l'une de l'autre"
               : "À " + Decimal(p.distance_km, 0) + " km l'une de l'autre";
    if (p.shared_rank >= 0) {
      text += " (" +
              std::string(SameTerritoryWords(kLevelByRank[p.shared_rank])) +
              ")";
    }
  } else if (p.shared_rank >= 0) {
    text =
        "Dans " + std::string(SameTerritoryWords(kLevelByRank[p.shared_rank]));
  } else {
    text = "Aucun territoire en commun";
  }
  return text + (contribution < -0.0005
                     ? " : la distance retire " + Decimal(-contribution, 3) +
                           " au score."
                     : " : aucune décote de distance.");
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
  if (total == 0) return name + " : pas encore d'historique";
  if (answered == 0) {
    return total == 1 ? name + " n'a pas répondu à sa mise en relation"
                      : name + " n'a répondu à aucune de " + of_total;
  }
  if (answered == total) return name + " a répondu à " + of_total;
  return name + " a répondu à " + std::to_string(answered) + " de " + of_total;
}

std::string ResponsivenessDetail(const Query& query, ActorNum partner_num,
                                 double contribution) {
  const MatchContext& context = query.context();
  const MatchContext::Responsiveness mine =
      context.ResponsivenessOf(query.actor());
  const MatchContext::Responsiveness theirs =
      context.ResponsivenessOf(partner_num);
  auto unknown = [](const MatchContext::Responsiveness& c) {
    return c.answered == 0 && c.no_answers == 0;
  };
  if (unknown(mine) && unknown(theirs)) {
    return "Pas encore d'historique de mise en relation : réactivité neutre, "
           "sans effet sur le score.";
  }
  return "Réactivité : " +
         AnswerWords(query.impl().profiles[partner_num], theirs) + " ; " +
         AnswerWords(query.profile(), mine) +
         (contribution < -0.0005
              ? " : retire " + Decimal(-contribution, 3) + " au score."
              : " : sans effet sur le score.");
}

std::string SimilarSuccessDetail(const Query& query, ActorNum partner_num,
                                 const Query::Success& success) {
  const ActorProfile& actor = query.profile();
  const ActorProfile& partner = query.impl().profiles[partner_num];
  if (!success.found) {
    const CooperationSignals& signals = query.cooperations();
    const std::vector<ActorNum>& mine = signals.Of(query.actor());
    if (mine.empty() && signals.Of(partner_num).empty()) {
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

std::array<double, kFactorCount> Contributions(const Query::Score& score,
                                               const NormalizedWeights& w) {
  std::array<double, kFactorCount> c{};
  auto at = [&](FactorKind kind) -> double& {
    return c[static_cast<size_t>(kind)];
  };
  // The pair's potential B = mutual * lifted, shared among the additive
  // parts of the lifted context; the fit's part split between
  // complementarity and themes in proportion to their parts of the fits.
  const double mutual = score.fit.mutual;
  const double cover_part =
      w.complementarity * (score.fit.cover_actor + score.fit.cover_partner);
  const double theme_part =
      w.shared_themes * (score.fit.themes_actor + score.fit.themes_partner);
  const double fit_part = mutual * (w.complementarity + w.shared_themes);
  at(FactorKind::kComplementarity) =
      cover_part + theme_part > 0
          ? fit_part * cover_part / (cover_part + theme_part)
          : 0;
  at(FactorKind::kSharedThemes) = fit_part - at(FactorKind::kComplementarity);
  at(FactorKind::kFragility) = mutual * w.fragility * score.fragility;
  at(FactorKind::kCrossKind) = mutual * w.cross_kind * score.cross_kind;
  at(FactorKind::kCapacity) = mutual * w.capacity * score.capacity;
  at(FactorKind::kCommonPartners) = mutual * w.common_partners * score.common;
  at(FactorKind::kSimilarSuccess) = mutual * w.similar_success *
                                    score.success.value *
                                    std::max(0.0, 1 - score.context);
  // The modulators: what distance, then unanswered contacts, take away.
  const double potential = mutual * score.lifted;
  at(FactorKind::kProximity) = potential * (score.distance_factor - 1);
  at(FactorKind::kResponsiveness) =
      potential * score.distance_factor * (score.responsiveness_factor - 1);
  return c;
}

namespace {

// The category, modality and lead exchange of a suggestion whose exchanges
// are listed: the first exchange of the primary category leads.
const ExchangeMatch* ChooseCategory(const Query& query, ActorNum partner_num,
                                    const PairInputs& inputs, uint32_t allowed,
                                    Suggestion* s) {
  const uint32_t inferred = query.InferredCategories(partner_num, inputs);
  s->categories = allowed;
  s->category =
      query.PrimaryCategory(partner_num, inputs, allowed ? allowed : inferred);
  s->modality = DefaultModality(s->category);
  for (const ExchangeMatch& m : s->exchanges) {
    if (m.category == s->category) {
      s->modality = m.modality;
      return &m;
    }
  }
  return nullptr;
}

std::string FragilityDetail(const Vocabulary& vocabulary,
                            const Query::Score& score) {
  return score.fragility > 0
             ? "Fragilité de leur territoire commun : " +
                   ThemeWords(vocabulary, score.fragility_theme) +
                   " (sévérité " + Decimal(score.fragility, 2) + ")."
             : std::string(
                   "Aucune fragilité connue de leur territoire commun sur "
                   "leurs thèmes.");
}

std::string CrossKindDetail(const ActorProfile& actor,
                            const ActorProfile& partner, double cross_kind) {
  return cross_kind > 0
             ? "Alliance entre mondes : " + std::string(KindNoun(actor.kind)) +
                   " et " + std::string(KindNoun(partner.kind)) + "."
             : "Même monde : " + std::string(KindNoun(actor.kind, true)) + ".";
}

std::string CapacityDetail(const ActorProfile& actor,
                           const ActorProfile& partner) {
  return "Capacité restante : " + std::to_string(actor.capacity) + " pour " +
         std::string(ActorName(actor)) + ", " +
         std::to_string(partner.capacity) + " pour " +
         std::string(ActorName(partner)) + ".";
}

std::string CommonPartnersDetail(int common_partners) {
  return common_partners == 0
             ? std::string("Aucun partenaire en commun.")
             : std::to_string(common_partners) +
                   (common_partners == 1 ? " partenaire" : " partenaires") +
                   " en commun.";
}

// The French detail of one factor of a suggestion whose exchanges are
// listed.
std::string FactorDetail(const Query& query, ActorNum partner_num,
                         const Suggestion& s, const Query::Score& score,
                         FactorKind kind, double contribution) {
  const Vocabulary& vocabulary = query.context().vocabulary();
  const ActorProfile& actor = query.profile();
  const ActorProfile& partner = query.impl().profiles[partner_num];
  switch (kind) {
    case FactorKind::kComplementarity:
      return ComplementarityDetail(query, partner_num, s.exchanges, score.fit);
    case FactorKind::kSharedThemes:
      return s.shared_themes ? "Thèmes communs : " +
                                   ThemeList(vocabulary, s.shared_themes, 4) +
                                   " (les thèmes rares pèsent davantage)."
                             : std::string("Aucun thème commun.");
    case FactorKind::kProximity:
      return ProximityDetail(query, partner_num, score.proximity, contribution);
    case FactorKind::kFragility:
      return FragilityDetail(vocabulary, score);
    case FactorKind::kCrossKind:
      return CrossKindDetail(actor, partner, score.cross_kind);
    case FactorKind::kCapacity:
      return CapacityDetail(actor, partner);
    case FactorKind::kCommonPartners:
      return CommonPartnersDetail(score.common_partners);
    case FactorKind::kResponsiveness:
      return ResponsivenessDetail(query, partner_num, contribution);
    case FactorKind::kSimilarSuccess:
      return SimilarSuccessDetail(query, partner_num, score.success);
  }
  return std::string();
}

// The factors, in FactorKind order: value, weight, contribution, and the
// detail when asked for.
void AddFactors(const Query& query, ActorNum partner_num,
                const Query::Score& score, bool details, Suggestion* s) {
  const NormalizedWeights& w = query.weights();
  const std::array<double, kFactorCount> contributions =
      Contributions(score, w);
  const double values[kFactorCount] = {
      (score.fit.cover_actor + score.fit.cover_partner) / 2,
      (score.fit.themes_actor + score.fit.themes_partner) / 2,
      score.proximity.value,
      score.fragility,
      score.cross_kind,
      score.capacity,
      score.common,
      score.responsiveness,
      score.success.value};
  const double weights[kFactorCount] = {
      w.complementarity, w.shared_themes,  w.proximity,
      w.fragility,       w.cross_kind,     w.capacity,
      w.common_partners, w.responsiveness, w.similar_success};
  s->factors.reserve(kFactorCount);
  for (int k = 0; k < kFactorCount; ++k) {
    const auto kind = static_cast<FactorKind>(k);
    s->factors.push_back(
        Factor{kind, values[k], weights[k], contributions[k],
               details ? FactorDetail(query, partner_num, *s, score, kind,
                                      contributions[k])
                       : std::string()});
  }
}

// "L'association X propose « prestations de services » en économie
// circulaire dont l'entreprise Y a besoin : une piste de pratiques
// responsables (achats responsables) ; en retour, …": the lead exchange
// and what comes back.
std::string ExchangeSentence(const Query& query, ActorNum partner_num,
                             const Suggestion& s, const ExchangeMatch& lead) {
  const Vocabulary& vocabulary = query.context().vocabulary();
  const bool partner_gives = lead.giver == partner_num;
  const ActorProfile& giver =
      partner_gives ? query.impl().profiles[partner_num] : query.profile();
  const ActorProfile& receiver =
      partner_gives ? query.profile() : query.impl().profiles[partner_num];
  const std::string theme = lead.theme < vocabulary.theme_count()
                                ? " en " + ThemeWords(vocabulary, lead.theme)
                                : std::string();
  std::string sentence;
  if (lead.category == Category::kMecenat &&
      (lead.modality == Modality::kFinancial ||
       lead.modality == Modality::kInKind ||
       lead.modality == Modality::kSkills) &&
      giver.kind == Kind::kCompany) {
    sentence = Capitalize(ActorPhrase(giver)) + " propose du " +
               std::string(ModalityLabel(lead.modality)) + theme + " dont " +
               ActorPhrase(receiver) + " a besoin";
  } else {
    sentence = Capitalize(ActorPhrase(giver)) + " propose « " +
               ResourceWords(vocabulary, lead.resource) + " »" + theme +
               " dont " + ActorPhrase(receiver) + " a besoin : une piste de " +
               Uncapitalize(CategoryLabel(lead.category)) + " (" +
               std::string(ModalityLabel(lead.modality)) + ")";
  }
  for (const ExchangeMatch& m : s.exchanges) {
    if (m.giver != lead.giver) {
      sentence += " ; en retour, " + std::string(ActorName(receiver)) +
                  " apporte « " + ResourceWords(vocabulary, m.resource) + " »";
      break;
    }
  }
  return sentence;
}

// Where they meet: an action area, a shared territory or a distance.
std::string WhereWords(const Query& query, ActorNum partner_num,
                       const Proximity& p) {
  if (p.via_area) {
    const ActorProfile& owner =
        p.area_of_actor ? query.profile() : query.impl().profiles[partner_num];
    return " ; " + std::string(ActorName(owner)) + " intervient sur " +
           std::string(TerritoryWords(p.area_level)) + " de l'autre";
  }
  if (p.shared_rank >= 0 && p.shared_rank <= 3) {
    return " ; toutes deux agissent dans " +
           std::string(SameTerritoryWords(kLevelByRank[p.shared_rank]));
  }
  if (p.distance_km >= 0 && p.distance_km < 50) {
    return " ; elles sont à " + Decimal(p.distance_km, 0) +
           " km l'une de l'autre";
  }
  return std::string();
}

// Why now: a severe fragility, partners in common, a similar success, and
// a warning about an actor that does not answer.
std::string ContextWords(const Query& query, ActorNum partner_num,
                         const Query::Score& score) {
  const Vocabulary& vocabulary = query.context().vocabulary();
  const ActorProfile& actor = query.profile();
  const ActorProfile& partner = query.impl().profiles[partner_num];
  std::string words;
  if (score.fragility >= 0.5) {
    words += ", face à une fragilité forte de leur territoire en " +
             ThemeWords(vocabulary, score.fragility_theme);
  }
  if (score.common_partners > 0) {
    words += " ; elles ont " + std::to_string(score.common_partners) +
             (score.common_partners == 1 ? " partenaire" : " partenaires") +
             " en commun";
  }
  if (score.success.found && score.success.value >= 0.5) {
    const std::string via(ActorName(query.impl().profiles[score.success.via]));
    words += score.success.via_actor_side
                 ? " ; " + std::string(ActorName(partner)) + " ressemble à " +
                       via + ", avec qui " + std::string(ActorName(actor)) +
                       " a déjà trouvé une coopération"
                 : " ; " + std::string(ActorName(partner)) +
                       " a déjà trouvé une coopération avec " + via +
                       ", proche de " + std::string(ActorName(actor));
  }
  if (score.responsiveness < 1) {
    const MatchContext::Responsiveness counts =
        query.context().ResponsivenessOf(partner_num);
    if (counts.no_answers >= 2 && counts.no_answers > counts.answered) {
      words += " ; attention, " + AnswerWords(partner, counts);
    }
  }
  return words;
}

// The one sentence: the lead exchange (or the shared themes), where, why.
std::string Sentence(const Query& query, ActorNum partner_num,
                     const Suggestion& s, const ExchangeMatch* lead,
                     const Query::Score& score) {
  const Vocabulary& vocabulary = query.context().vocabulary();
  const ActorProfile& actor = query.profile();
  const ActorProfile& partner = query.impl().profiles[partner_num];
  std::string sentence;
  if (lead != nullptr) {
    sentence = ExchangeSentence(query, partner_num, s, *lead);
  } else if (s.shared_themes) {
    sentence = Capitalize(ActorPhrase(actor)) + " et " + ActorPhrase(partner) +
               " agissent toutes deux sur " +
               ThemeList(vocabulary, s.shared_themes, 2) + " : une piste de " +
               Uncapitalize(CategoryLabel(s.category));
  } else {
    sentence = Capitalize(ActorPhrase(actor)) + " et " + ActorPhrase(partner) +
               " n'ont ni échange ni thème en commun déclarés";
  }
  return sentence + WhereWords(query, partner_num, score.proximity) +
         ContextWords(query, partner_num, score) + ".";
}

}  // namespace

Suggestion BuildSuggestion(const Query& query, ActorNum partner_num,
                           const PairInputs& inputs, const Query::Score& score,
                           uint32_t allowed, bool details) {
  Suggestion s;
  s.actor = query.actor();
  s.partner = partner_num;
  s.partner_id = query.impl().profiles[partner_num].id;
  s.score = score.total;
  s.exchanges = ListExchanges(query, partner_num);
  const ExchangeMatch* lead =
      ChooseCategory(query, partner_num, inputs, allowed, &s);
  s.fit_for_actor = score.fit.fit_actor;
  s.fit_for_partner = score.fit.fit_partner;
  s.mutual_fit = score.fit.mutual;
  s.shared_themes =
      query.record().acts_on & query.impl().records[partner_num].acts_on;
  s.distance_km = score.proximity.distance_km;
  AddFactors(query, partner_num, score, details, &s);
  s.sentence = Sentence(query, partner_num, s, lead, score);
  return s;
}

}  // namespace maillage::matcher::internal

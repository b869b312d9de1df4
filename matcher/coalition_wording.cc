#include "matcher/coalition_wording.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "matcher/wording.h"

namespace maillage::matcher::internal {
namespace {

constexpr Kind kKindOrder[] = {Kind::kAssociation, Kind::kCompany,
                               Kind::kPublicBody, Kind::kAcademic,
                               Kind::kMedia};

std::string_view IndefiniteKind(Kind kind) {
  switch (kind) {
    case Kind::kAssociation:
      return "une association";
    case Kind::kCompany:
      return "une entreprise";
    case Kind::kPublicBody:
      return "un acteur public";
    case Kind::kAcademic:
      return "un acteur académique";
    case Kind::kMedia:
      return "un média";
    default:
      return "un acteur";
  }
}

bool GivesSomething(const CoalitionMember& m) {
  return !m.brings.empty() || !m.reinforces.empty() || !m.gives.empty() ||
         m.represents != 0;
}

// The sentences of one coalition.
class Writer {
 public:
  Writer(const CoalitionPool& pool, bool centre_is_anchor, bool alternative,
         const Coalition& c)
      : pool_(pool),
        vocabulary_(pool.context().vocabulary()),
        centre_is_anchor_(centre_is_anchor),
        alternative_(alternative),
        coalition_(c) {}

  std::string Role(const CoalitionMember& m) const;
  std::string Reason(const CoalitionMember& m) const;
  std::string Summary() const;

 private:
  std::string Name(ActorNum num) const {
    return std::string(ActorName(pool_.impl().profiles[num]));
  }
  std::string Themes(const CoalitionMember& m) const;
  std::string Gifts(const CoalitionMember& m) const;
  std::string Receipts(const CoalitionMember& m) const;
  std::string Distance(const CoalitionMember& m) const;
  std::string Basis(const CoalitionMember& m) const;
  std::string Composition() const;

  const CoalitionPool& pool_;
  const Vocabulary& vocabulary_;
  const bool centre_is_anchor_;
  const bool alternative_;
  const Coalition& coalition_;
};

std::string Writer::Role(const CoalitionMember& m) const {
  const std::string brings = ResourceList(vocabulary_, m.brings);
  if (m.basis == MemberBasis::kMinSize) return "Ajouté pour la taille minimale";
  if (m.basis == MemberBasis::kRequiredKind && !GivesSomething(m)) {
    return "Présence requise (" + std::string(KindNoun(m.kind)) + ")";
  }
  if (m.lead) {
    return brings.empty() ? "Porteur de l'action"
                          : "Porteur de l'action ; apporte " + brings;
  }
  if (!brings.empty()) return "Apporte " + brings;
  if (!m.reinforces.empty()) {
    return "Renforce " + ResourceList(vocabulary_, m.reinforces);
  }
  if (!m.gives.empty()) {
    std::vector<std::string> names;
    for (const MemberGift& g : m.gives) {
      const std::string name = Name(g.receiver);
      if (std::find(names.begin(), names.end(), name) == names.end()) {
        names.push_back(name);
      }
    }
    return "Soutient " + JoinFrench(names);
  }
  if (m.represents) return "Ancrage " + ThemeList(vocabulary_, m.represents, 8);
  return m.basis == MemberBasis::kAnchor ? "Chef de file" : "Membre";
}

// " agit sur …": the challenge's themes it acts on.
std::string Writer::Themes(const CoalitionMember& m) const {
  const ThemeSet all = pool_.spec().theme_set;
  if (m.themes == 0) return " n'agit sur aucun des thèmes du défi";
  if (m.themes == all && pool_.spec().themes.size() > 1) {
    return " agit sur les " + std::to_string(pool_.spec().themes.size()) +
           " thèmes du défi";
  }
  return " agit sur " + ThemeList(vocabulary_, m.themes, 8);
}

// " ; apporte « x » à A et « y » à B": the members' needs it meets best.
std::string Writer::Gifts(const CoalitionMember& m) const {
  std::map<ActorNum, std::vector<uint8_t>> by_receiver;
  for (const MemberGift& g : m.gives)
    by_receiver[g.receiver].push_back(g.resource);
  std::vector<std::string> parts;
  for (const auto& [receiver, resources] : by_receiver) {
    parts.push_back(ResourceList(vocabulary_, resources) + " à " +
                    Name(receiver));
  }
  return parts.empty() ? "" : " ; apporte " + JoinFrench(parts);
}

// " ; reçoit « x » de A": its needs other members meet.
std::string Writer::Receipts(const CoalitionMember& m) const {
  std::vector<std::string> parts;
  for (const CoalitionMember& giver : coalition_.members) {
    std::vector<uint8_t> resources;
    for (const MemberGift& g : giver.gives) {
      if (g.receiver == m.actor) resources.push_back(g.resource);
    }
    if (!resources.empty()) {
      parts.push_back(ResourceList(vocabulary_, resources) + " de " +
                      Name(giver.actor));
    }
  }
  return parts.empty() ? "" : " ; reçoit " + JoinFrench(parts);
}

std::string Writer::Distance(const CoalitionMember& m) const {
  if (m.distance_km < 0) return "";
  const std::string from =
      centre_is_anchor_ ? "du chef de file" : "du centre du territoire";
  if (centre_is_anchor_ && m.basis == MemberBasis::kAnchor) return "";
  return m.distance_km < 1
             ? " ; à moins d'un km " + from
             : " ; à " + Decimal(m.distance_km, 0) + " km " + from;
}

// Why a member that was not chosen for what it gives is there.
std::string Writer::Basis(const CoalitionMember& m) const {
  switch (m.basis) {
    case MemberBasis::kAnchor:
      return " ; chef de file désigné par l'animateur";
    case MemberBasis::kRequiredKind:
      return " ; présent pour que la coalition compte " +
             std::string(IndefiniteKind(m.kind)) +
             (GivesSomething(m)
                  ? ""
                  : " : n'apporte rien d'autre au défi ni aux autres membres");
    case MemberBasis::kMinSize:
      return " ; ajouté pour atteindre la taille minimale demandée" +
             std::string(GivesSomething(m)
                             ? ""
                             : " : n'apporte rien au défi ni aux autres "
                               "membres");
    default:
      return "";
  }
}

std::string Writer::Reason(const CoalitionMember& m) const {
  std::string reason =
      Capitalize(ActorPhrase(pool_.impl().profiles[m.actor])) + Themes(m);
  if (!m.brings.empty()) {
    reason += " ; apporte au défi " + ResourceList(vocabulary_, m.brings);
  }
  if (!m.reinforces.empty()) {
    reason += " ; renforce " + ResourceList(vocabulary_, m.reinforces);
  }
  if (m.represents && pool_.spec().themes.size() > 1) {
    reason += " ; seul membre sur " + ThemeList(vocabulary_, m.represents, 8);
  }
  reason += Gifts(m) + Receipts(m);
  if (!m.partners.empty()) {
    std::vector<std::string> names;
    for (ActorNum p : m.partners) names.push_back(Name(p));
    reason += " ; déjà partenaire de " + JoinFrench(names);
  }
  return reason + Distance(m) + Basis(m) + ".";
}

// "2 associations, 1 entreprise et 1 acteur public".
std::string Writer::Composition() const {
  int counts[kKindCount] = {};
  for (const CoalitionMember& m : coalition_.members) {
    ++counts[static_cast<int>(m.kind) % kKindCount];
  }
  std::vector<std::string> kinds;
  for (Kind kind : kKindOrder) {
    const int n = counts[static_cast<int>(kind)];
    if (n > 0) {
      kinds.push_back(std::to_string(n) + " " +
                      std::string(KindNoun(kind, n > 1)));
    }
  }
  return JoinFrench(kinds);
}

std::string Writer::Summary() const {
  const std::string themes = ThemeList(vocabulary_, pool_.spec().theme_set, 8);
  if (coalition_.members.empty()) {
    return "Aucun acteur disponible du territoire n'agit sur " + themes +
           " ni n'apporte ce qu'il faut.";
  }
  const size_t n = coalition_.members.size();
  std::string s = "Coalition de " + std::to_string(n) +
                  (n > 1 ? " acteurs (" : " acteur (") + Composition() +
                  ") sur " + themes;
  if (!coalition_.covered.empty()) {
    s += " : couvre " + ResourceList(vocabulary_, coalition_.covered);
  }
  size_t gifts = 0;
  size_t ties = 0;
  for (const CoalitionMember& m : coalition_.members) {
    gifts += m.gives.size();
    ties += m.partners.size();
  }
  if (gifts > 0) {
    s += " ; " + std::to_string(gifts) +
         (gifts > 1 ? " besoins de membres satisfaits"
                    : " besoin d'un membre "
                      "satisfait") +
         " au sein de l'équipe";
  }
  if (ties > 0) {
    s += " ; " + std::to_string(ties / 2) +
         (ties / 2 > 1 ? " partenariats déjà noués" : " partenariat déjà noué");
  }
  if (!coalition_.uncovered.empty()) {
    s += " ; reste à trouver : " +
         ResourceList(vocabulary_, coalition_.uncovered);
  }
  if (coalition_.uncovered_themes) {
    s += " ; aucun membre n'agit sur " +
         ThemeList(vocabulary_, coalition_.uncovered_themes, 8);
  }
  if (coalition_.missing_kinds) {
    std::vector<std::string> missing;
    for (Kind kind : kKindOrder) {
      if (coalition_.missing_kinds >> static_cast<int>(kind) & 1) {
        missing.push_back(std::string(IndefiniteKind(kind)));
      }
    }
    s += std::string(alternative_
                         ? " ; aucun autre acteur disponible pour y ajouter "
                         : " ; aucun acteur disponible du territoire pour y "
                           "ajouter ") +
         JoinFrench(missing);
  }
  return s + ".";
}

// The anchor, else the most relevant association acting on a challenge
// theme, else the most relevant association, else the first member.
void ChooseLead(Coalition* c) {
  if (c->members.empty()) return;
  CoalitionMember* lead = &c->members.front();
  auto rank = [](const CoalitionMember& m) {
    return (m.kind == Kind::kAssociation ? 2 : 0) + (m.themes != 0 ? 1 : 0);
  };
  if (lead->basis != MemberBasis::kAnchor) {
    for (CoalitionMember& m : c->members) {
      if (rank(m) > rank(*lead) ||
          (rank(m) == rank(*lead) && m.relevance > lead->relevance)) {
        lead = &m;
      }
    }
  }
  lead->lead = true;
}

}  // namespace

void DescribeCoalition(const CoalitionPool& pool, bool centre_is_anchor,
                       bool alternative, Coalition* coalition) {
  ChooseLead(coalition);
  const Writer writer(pool, centre_is_anchor, alternative, *coalition);
  for (CoalitionMember& m : coalition->members) {
    m.role = writer.Role(m);
    m.reason = writer.Reason(m);
  }
  coalition->summary = writer.Summary();
}

}  // namespace maillage::matcher::internal

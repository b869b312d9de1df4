#include "matcher/context.h"

#include <algorithm>

namespace maillage::matcher {
namespace {

const std::vector<MatchContext::ThemeSeverity> kNoFragilities;
const std::vector<MatchContext::PartnerLink> kNoPartners;
const std::vector<ActorNum> kNoCooperations;

bool IsStandardLevel(territory::Level level) {
  return level == territory::Level::kCommune ||
         level == territory::Level::kEpci || level == territory::Level::kEpt ||
         level == territory::Level::kDepartement ||
         level == territory::Level::kRegion;
}

}  // namespace

MatchContext::MatchContext(const Vocabulary& vocabulary)
    : vocabulary_(&vocabulary) {
  const Flow joint_offer{Category::kEconomicCooperation, Modality::kJointOffer};
  const Flow joint_rnd{Category::kSocietalInnovation, Modality::kJointRnd};
  const Flow purchasing{Category::kResponsiblePractices,
                        Modality::kResponsiblePurchasing};
  const Flow hiring{Category::kResponsiblePractices,
                    Modality::kInclusiveHiring};
  const Flow practices{Category::kResponsiblePractices,
                       Modality::kPracticeChange};
  const Flow sponsorship_counterpart{Category::kMecenat, Modality::kFinancial};
  for (int g = 0; g < kKindCount; ++g) {
    for (int insertion = 0; insertion < 2; ++insertion) {
      for (int rk = 0; rk < kKindCount; ++rk) {
        for (int r = 0; r < 32; ++r) {
          Flow& flow = flows_[g][insertion][rk][r];
          flow = joint_offer;
          if (static_cast<size_t>(r) >= vocabulary.resource_count()) continue;
          const std::string_view code =
              vocabulary.ResourceCode(static_cast<uint8_t>(r));
          if (code == "purchasing" || code == "visibility") {
            counterparts_ |= 1u << r;
          }
          const auto giver = static_cast<Kind>(g);
          const auto receiver = static_cast<Kind>(rk);
          const bool giver_company = giver == Kind::kCompany && !insertion;
          const bool receiver_company = receiver == Kind::kCompany;
          const bool research = code == "expertise" || code == "evaluation";
          if (giver == Kind::kAcademic && (research || code == "skills")) {
            flow = joint_rnd;
          } else if (giver_company && !receiver_company) {
            flow = {vocabulary.ResourceCategory(static_cast<uint8_t>(r)),
                    vocabulary.ResourceModality(static_cast<uint8_t>(r))};
          } else if (research) {
            flow = joint_rnd;
          } else if (!giver_company && receiver_company) {
            if (code == "services" || code == "purchasing") {
              flow = purchasing;
            } else if (code == "hiring") {
              flow = hiring;
            } else if (code == "skills") {
              flow = practices;
            } else if (code == "visibility") {
              flow = sponsorship_counterpart;
            }
          }
        }
      }
    }
  }
}

MatchContext::Flow MatchContext::FlowOf(Kind giver, uint8_t giver_subtype,
                                        Kind receiver, uint8_t resource) const {
  auto g = static_cast<size_t>(giver);
  auto rk = static_cast<size_t>(receiver);
  if (g >= kKindCount || rk >= kKindCount || resource >= 32) {
    return {Category::kEconomicCooperation, Modality::kJointOffer};
  }
  return flows_[g][giver_subtype == kSubtypeInsertionStructure][rk][resource];
}

void MatchContext::AddFragility(const Fragility& fragility) {
  if (!IsStandardLevel(fragility.level) ||
      fragility.territory == territory::kNone || fragility.theme >= 64) {
    return;
  }
  const float severity = std::clamp(fragility.severity, 0.0f, 1.0f);
  std::vector<ThemeSeverity>& list =
      fragilities_[TerritoryKey(fragility.level, fragility.territory)];
  for (ThemeSeverity& entry : list) {
    if (entry.theme == fragility.theme) {
      entry.severity = std::max(entry.severity, severity);
      return;
    }
  }
  list.push_back({fragility.theme, severity});
}

void MatchContext::ClearFragilities() { fragilities_.clear(); }

const std::vector<MatchContext::ThemeSeverity>& MatchContext::FragilitiesOf(
    territory::Level level, uint32_t number) const {
  auto it = fragilities_.find(TerritoryKey(level, number));
  return it == fragilities_.end() ? kNoFragilities : it->second;
}

void MatchContext::Link(ActorNum from, ActorNum to, Category category,
                        bool active) {
  std::vector<PartnerLink>& links = partners_[from];
  auto it = std::lower_bound(
      links.begin(), links.end(), to,
      [](const PartnerLink& link, ActorNum num) { return link.partner < num; });
  if (it == links.end() || it->partner != to) {
    it = links.insert(it, PartnerLink{to, 0, 0});
  }
  const auto bit = static_cast<uint8_t>(1u << static_cast<int>(category));
  it->categories |= bit;
  if (active) it->active_categories |= bit;
}

void MatchContext::AddPartnership(const Partnership& partnership) {
  if (partnership.a == partnership.b) return;
  Link(partnership.a, partnership.b, partnership.category, partnership.active);
  Link(partnership.b, partnership.a, partnership.category, partnership.active);
}

void MatchContext::RemoveActor(ActorNum num) {
  responsiveness_.erase(num);
  cooperations_.RemoveActor(num);
  auto it = partners_.find(num);
  if (it == partners_.end()) return;
  for (const PartnerLink& link : it->second) {
    auto other = partners_.find(link.partner);
    if (other == partners_.end()) continue;
    std::vector<PartnerLink>& links = other->second;
    links.erase(
        std::remove_if(links.begin(), links.end(),
                       [&](const PartnerLink& l) { return l.partner == num; }),
        links.end());
    if (links.empty()) partners_.erase(other);
  }
  partners_.erase(num);
}

void MatchContext::ClearPartnerships() { partners_.clear(); }

const std::vector<MatchContext::PartnerLink>& MatchContext::PartnersOf(
    ActorNum num) const {
  auto it = partners_.find(num);
  return it == partners_.end() ? kNoPartners : it->second;
}

void MatchContext::SetResponsiveness(ActorNum num, uint16_t answered,
                                     uint16_t no_answers) {
  if (answered == 0 && no_answers == 0) {
    responsiveness_.erase(num);
  } else {
    responsiveness_[num] = Responsiveness{answered, no_answers};
  }
}

void MatchContext::ClearResponsiveness() { responsiveness_.clear(); }

MatchContext::Responsiveness MatchContext::ResponsivenessOf(
    ActorNum num) const {
  auto it = responsiveness_.find(num);
  return it == responsiveness_.end() ? Responsiveness{} : it->second;
}

void CooperationSignals::SetCooperating(ActorNum num, bool on) {
  const size_t word = num / 64;
  const uint64_t bit = uint64_t{1} << (num % 64);
  if (on) {
    if (cooperating_.size() <= word) cooperating_.resize(word + 1, 0);
    cooperating_[word] |= bit;
  } else if (word < cooperating_.size()) {
    cooperating_[word] &= ~bit;
  }
}

void CooperationSignals::Link(ActorNum from, ActorNum to) {
  std::vector<ActorNum>& list = cooperations_[from];
  list.erase(std::remove(list.begin(), list.end(), to), list.end());
  list.push_back(to);
  SetCooperating(from, true);
}

void CooperationSignals::Add(ActorNum a, ActorNum b) {
  if (a == b) return;
  Link(a, b);
  Link(b, a);
}

void CooperationSignals::RemoveActor(ActorNum num) {
  auto it = cooperations_.find(num);
  if (it == cooperations_.end()) return;
  for (ActorNum other_num : it->second) {
    auto other = cooperations_.find(other_num);
    if (other == cooperations_.end()) continue;
    std::vector<ActorNum>& list = other->second;
    list.erase(std::remove(list.begin(), list.end(), num), list.end());
    if (list.empty()) {
      cooperations_.erase(other);
      SetCooperating(other_num, false);
    }
  }
  cooperations_.erase(num);
  SetCooperating(num, false);
}

void CooperationSignals::Clear() {
  cooperations_.clear();
  cooperating_.clear();
}

const std::vector<ActorNum>& CooperationSignals::Of(ActorNum num) const {
  auto it = cooperations_.find(num);
  return it == cooperations_.end() ? kNoCooperations : it->second;
}

}  // namespace maillage::matcher

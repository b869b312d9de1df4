#include "matcher/coalition_team.h"

#include <algorithm>
#include <cmath>

#include "matcher/scoring.h"

namespace maillage::matcher::internal {
namespace {

// What a candidate must give, at least, to be considered (GainTable::Best):
// above rounding noise.
constexpr double kGivingFloor = 1e-9;

// The mean Earth radius of HaversineKm, per degree.
constexpr double kKmPerDegree = 6371.0088 * M_PI / 180;

}  // namespace

CoalitionPool::CoalitionPool(const ActorIndex& index,
                             const MatchContext& context,
                             const ChallengeSpec& spec,
                             const CoalitionWeights& weights,
                             std::optional<ActorNum> anchor)
    : impl_(&IndexAccess::Of(index)),
      context_(&context),
      spec_(&spec),
      weights_(&weights),
      anchor_(anchor) {
  scale_ = weights.themes;
  for (double w : spec.need_weights) scale_ += w;
}

double CoalitionPool::Quality(const ActorRecord& record,
                              const Exchange& offer) const {
  if (offer.theme != Exchange::kAnyTheme) {
    return spec_->theme_set >> offer.theme & 1 ? 1.0 : 0.4;
  }
  if (record.themes & spec_->theme_set) return 0.9;
  return record.themes == 0 ? 0.6 : 0.5;
}

float CoalitionPool::Loc(ActorNum num, bool inside) const {
  if (!anchor_) return inside ? 1.0f : 0.85f;
  if (num == *anchor_) return 1.0f;
  const ActorRecord& a = impl_->records[num];
  const ActorRecord& b = impl_->records[*anchor_];
  double proximity = 0;
  if (a.has_coords() && b.has_coords()) {
    proximity = DistanceProximity(
        HaversineKm(a.latitude, a.longitude, b.latitude, b.longitude));
  } else if (const int rank = SharedRank(a.home, b.home); rank >= 0) {
    proximity = LevelProximity(kLevelByRank[rank]);
  }
  return static_cast<float>(0.75 + 0.25 * proximity);
}

double CoalitionPool::OutsiderValue(ActorNum num, bool inside,
                                    size_t need) const {
  const ActorRecord& record = impl_->records[num];
  if (!(record.offer_resources >> spec_->needs[need] & 1)) return 0;
  double quality = 0;
  for (const Exchange& offer : impl_->profiles[num].offers) {
    if (offer.resource == spec_->needs[need]) {
      quality = std::max(quality, Quality(record, offer));
    }
  }
  double fit = 0;
  for (size_t t = 0; t < spec_->themes.size(); ++t) {
    if (record.acts_on >> spec_->themes[t] & 1) fit += spec_->theme_weights[t];
  }
  return quality * (1 + fit) / 2 * Loc(num, inside);
}

double CoalitionPool::OutsiderBound(ActorNum num, bool inside,
                                    size_t need) const {
  const ActorRecord& record = impl_->records[num];
  if (!(record.offer_resources >> spec_->needs[need] & 1)) return 0;
  if (record.acts_on & spec_->theme_set) return Loc(num, inside);
  // Acting on none of the themes: an offer with no theme, at best.
  return (record.themes == 0 ? 0.6 : 0.5) / 2 * Loc(num, inside);
}

size_t CoalitionPool::Add(ActorNum num, bool inside) {
  const ActorRecord& record = impl_->records[num];
  const ActorProfile& profile = impl_->profiles[num];
  Candidate c;
  c.num = num;
  c.kind = record.kind;
  c.partners = &context_->PartnersOf(num);
  c.has_partners = !c.partners->empty();
  c.has_coords = record.has_coords();
  if (c.has_coords) {
    c.longitude = record.longitude;
    c.north_km = static_cast<float>(record.latitude * kKmPerDegree);
    c.cos_latitude = static_cast<float>(std::cos(record.latitude * M_PI / 180));
  }
  c.offers = record.offer_resources;
  c.needs = record.need_resources;
  c.themes = record.themes;
  c.challenge_themes = record.acts_on & spec_->theme_set;
  for (size_t t = 0; t < spec_->themes.size(); ++t) {
    if (c.challenge_themes >> spec_->themes[t] & 1) {
      c.fit += static_cast<float>(spec_->theme_weights[t]);
    }
  }
  c.loc = Loc(num, inside);
  AddProvisions(record, profile, &c);
  c.first_offer = static_cast<uint32_t>(offers_.size());
  offers_.insert(offers_.end(), profile.offers.begin(), profile.offers.end());
  c.offer_count = static_cast<uint32_t>(profile.offers.size());
  AddNeeds(record, profile, &c);
  positions_[num] = static_cast<uint32_t>(candidates_.size());
  candidates_.push_back(c);
  return candidates_.size() - 1;
}

// c(a, r) for each needed resource a offers.
void CoalitionPool::AddProvisions(const ActorRecord& record,
                                  const ActorProfile& profile, Candidate* c) {
  c->first_provision = static_cast<uint32_t>(provisions_.size());
  if (record.offer_resources & spec_->need_mask) {
    for (size_t r = 0; r < spec_->needs.size(); ++r) {
      double quality = 0;
      for (const Exchange& offer : profile.offers) {
        if (offer.resource == spec_->needs[r]) {
          quality = std::max(quality, Quality(record, offer));
        }
      }
      if (quality == 0) continue;
      const double value = quality * (1 + c->fit) / 2 * c->loc;
      provisions_.push_back({static_cast<uint8_t>(r),
                             static_cast<float>(quality),
                             static_cast<float>(value)});
    }
  }
  c->provision_count =
      static_cast<uint32_t>(provisions_.size()) - c->first_provision;
}

// u_n: needs on a challenge theme weigh twice the others; they add up to 1.
void CoalitionPool::AddNeeds(const ActorRecord& record,
                             const ActorProfile& profile, Candidate* c) {
  c->first_need = static_cast<uint32_t>(needs_.size());
  double total = 0;
  for (const Exchange& need : profile.needs) {
    const bool on_challenge = need.theme == Exchange::kAnyTheme
                                  ? (record.themes & spec_->theme_set) != 0
                                  : (spec_->theme_set >> need.theme & 1) != 0;
    const float weight = on_challenge ? 1.0f : 0.5f;
    needs_.push_back({need.resource, need.theme, weight});
    total += weight;
  }
  c->need_count = static_cast<uint32_t>(needs_.size()) - c->first_need;
  for (uint32_t i = c->first_need; i < needs_.size(); ++i) {
    needs_[i].weight = static_cast<float>(needs_[i].weight / total);
  }
}

std::optional<size_t> CoalitionPool::Find(ActorNum num) const {
  auto it = positions_.find(num);
  if (it == positions_.end()) return std::nullopt;
  return it->second;
}

absl::Span<const Provision> CoalitionPool::ProvisionsOf(size_t i) const {
  return absl::MakeConstSpan(provisions_)
      .subspan(candidates_[i].first_provision, candidates_[i].provision_count);
}

absl::Span<const matcher::Exchange> CoalitionPool::OffersOf(size_t i) const {
  return absl::MakeConstSpan(offers_).subspan(candidates_[i].first_offer,
                                              candidates_[i].offer_count);
}

absl::Span<const NeedSlot> CoalitionPool::NeedsOf(size_t i) const {
  return absl::MakeConstSpan(needs_).subspan(candidates_[i].first_need,
                                             candidates_[i].need_count);
}

double CoalitionPool::MatchQuality(size_t giver, size_t receiver,
                                   const NeedSlot& need) const {
  const Exchange wanted{need.resource, need.theme};
  int tenths = 0;
  for (const Exchange& offer : OffersOf(giver)) {
    if (offer.resource != need.resource) continue;
    tenths = std::max(tenths, MatchTenths(wanted, candidates_[receiver].themes,
                                          offer, candidates_[giver].themes));
  }
  return tenths / 10.0;
}

double CoalitionPool::ExchangeValue(size_t giver, size_t receiver,
                                    const NeedSlot& need, double floor) const {
  const double m = MatchQuality(giver, receiver, need);
  // k <= 1, so m bounds the value: the closeness only when it may matter.
  if (m <= floor) return 0;
  const double closeness =
      std::max(Proximity(giver, receiver), Tie(giver, receiver));
  const double floor_k = weights_->exchange_floor;
  return m * (floor_k + (1 - floor_k) * closeness);
}

double CoalitionPool::Proximity(size_t a, size_t b) const {
  const Candidate& x = candidates_[a];
  const Candidate& y = candidates_[b];
  if (x.has_coords && y.has_coords) {
    const double east = (x.longitude - y.longitude) * kKmPerDegree *
                        (x.cos_latitude + y.cos_latitude) / 2;
    const double north = x.north_km - y.north_km;
    return DistanceProximity(std::sqrt(east * east + north * north));
  }
  const int rank =
      SharedRank(impl_->records[x.num].home, impl_->records[y.num].home);
  return rank < 0 ? 0 : LevelProximity(kLevelByRank[rank]);
}

double CoalitionPool::Tie(size_t a, size_t b) const {
  if (!candidates_[a].has_partners || !candidates_[b].has_partners) return 0;
  const auto& x = *candidates_[a].partners;
  const auto& y = *candidates_[b].partners;
  const ActorNum b_num = candidates_[b].num;
  auto it = std::lower_bound(x.begin(), x.end(), b_num,
                             [](const MatchContext::PartnerLink& l,
                                ActorNum n) { return l.partner < n; });
  if (it != x.end() && it->partner == b_num) return 1;
  // A common partner: the lists are sorted by partner number.
  for (auto i = x.begin(), j = y.begin(); i != x.end() && j != y.end();) {
    if (i->partner == j->partner) return 0.5;
    if (i->partner < j->partner) {
      ++i;
    } else {
      ++j;
    }
  }
  return 0;
}

Team::Team(const CoalitionPool& pool)
    : pool_(&pool),
      best_(pool.spec().needs.size(), 0),
      provider_(pool.spec().needs.size(), 0),
      unmet_(pool.spec().needs.size(), 1) {}

bool Team::Has(size_t x) const {
  return std::find(members_.begin(), members_.end(), x) != members_.end();
}

double Team::ChallengeGain(size_t x) const {
  const CoalitionPool& pool = *pool_;
  const ChallengeSpec& spec = pool.spec();
  double gain = 0;
  for (const Provision& p : pool.ProvisionsOf(x)) {
    gain += spec.need_weights[p.need] * p.value * unmet_[p.need];
  }
  if (const ThemeSet fresh = pool[x].challenge_themes & ~represented_) {
    for (size_t t = 0; t < spec.themes.size(); ++t) {
      if (fresh >> spec.themes[t] & 1) {
        gain += pool.weights().themes * spec.theme_weights[t];
      }
    }
  }
  return gain;
}

Team::Gain Team::TeamGain(size_t x) const {
  const CoalitionPool& pool = *pool_;
  const double beta = pool.weights().needs;
  const Candidate& c = pool[x];
  Gain gain;
  if (c.offers & slot_resources_) {
    for (const Slot& s : slots_) {
      if (!(c.offers >> s.need.resource & 1) || s.best >= 1) continue;
      const double e = pool.ExchangeValue(x, s.owner, s.need, s.best);
      if (e > s.best) gain.gives += beta * s.need.weight * (e - s.best);
    }
  }
  if (c.needs & member_offers_) {
    for (const NeedSlot& n : pool.NeedsOf(x)) {
      if (!(member_offers_ >> n.resource & 1)) continue;
      double best = 0;
      for (size_t m : members_) {
        if (pool[m].offers >> n.resource & 1) {
          best = std::max(best, pool.ExchangeValue(m, x, n, best));
        }
      }
      gain.receives += beta * n.weight * best;
    }
  }
  if (c.has_partners) {
    auto it = ties_.find(c.num);
    if (it != ties_.end()) gain.ties = pool.weights().ties * it->second;
  }
  return gain;
}

Team::Gain Team::GainOf(size_t x) const {
  Gain gain = TeamGain(x);
  gain.challenge = ChallengeGain(x);
  return gain;
}

// tie(a, x) for every actor a tied to x: its partners 1, theirs 0.5.
void Team::AddTies(size_t x) {
  const CoalitionPool& pool = *pool_;
  if (!pool[x].has_partners) return;
  absl::flat_hash_map<ActorNum, double> tie;
  for (const MatchContext::PartnerLink& link : *pool[x].partners) {
    for (const MatchContext::PartnerLink& second :
         pool.context().PartnersOf(link.partner)) {
      if (second.partner != pool[x].num) tie.try_emplace(second.partner, 0.5);
    }
  }
  for (const MatchContext::PartnerLink& link : *pool[x].partners) {
    tie[link.partner] = 1;
  }
  for (const auto& [num, value] : tie) ties_[num] += value;
}

Team::Change Team::Add(size_t x) {
  const CoalitionPool& pool = *pool_;
  const Candidate& c = pool[x];
  const Gain gain = GainOf(x);
  value_ += gain.total();
  team_value_ += gain.gives + gain.receives + gain.ties;
  Change change;
  for (const Provision& p : pool.ProvisionsOf(x)) {
    if (p.value > best_[p.need]) {
      best_[p.need] = p.value;
      provider_[p.need] = x;
    }
    unmet_[p.need] *= 1 - pool.reliability() * p.value;
    change.improved_needs |= 1u << p.need;
  }
  change.new_themes = c.challenge_themes & ~represented_;
  represented_ |= c.challenge_themes;
  for (size_t i = 0; i < slots_.size(); ++i) {
    Slot& s = slots_[i];
    if (!(c.offers >> s.need.resource & 1) || s.best >= 1) continue;
    const double e = pool.ExchangeValue(x, s.owner, s.need, s.best);
    if (e > s.best) {
      change.improved_slots.push_back({i, s.best});
      s.best = e;
      s.giver = x;
    }
  }
  change.first_new_slot = slots_.size();
  for (const NeedSlot& n : pool.NeedsOf(x)) {
    Slot slot{x, n};
    for (size_t m : members_) {
      if (!(pool[m].offers >> n.resource & 1)) continue;
      const double e = pool.ExchangeValue(m, x, n, slot.best);
      if (e > slot.best) {
        slot.best = e;
        slot.giver = m;
      }
    }
    slots_.push_back(slot);
    slot_resources_ |= 1u << n.resource;
  }
  member_offers_ |= c.offers;
  AddTies(x);
  members_.push_back(x);
  return change;
}

std::optional<size_t> Team::ProviderOf(size_t need) const {
  if (best_[need] <= 0) return std::nullopt;
  return provider_[need];
}

std::vector<Team::Met> Team::MetNeeds() const {
  std::vector<Met> met;
  for (const Slot& s : slots_) {
    if (s.best > 0) met.push_back({s.owner, s.need, s.giver, s.best});
  }
  return met;
}

void CoalitionPool::Index() {
  providers_.assign(spec_->needs.size(), {});
  acting_.assign(spec_->themes.size(), {});
  offering_.assign(32, {});
  needing_.assign(32, {});
  for (uint32_t i = 0; i < candidates_.size(); ++i) {
    const Candidate& c = candidates_[i];
    for (const Provision& p : ProvisionsOf(i)) providers_[p.need].push_back(i);
    for (size_t t = 0; t < spec_->themes.size(); ++t) {
      if (c.challenge_themes >> spec_->themes[t] & 1) acting_[t].push_back(i);
    }
    for (uint8_t r = 0; r < 32; ++r) {
      if (c.offers >> r & 1) offering_[r].push_back(i);
      if (c.needs >> r & 1) needing_[r].push_back(i);
    }
  }
}

GainTable::GainTable(const CoalitionPool& pool,
                     const std::vector<double>& alone,
                     std::vector<char> blocked, const Team& team)
    : pool_(&pool),
      blocked_(std::move(blocked)),
      gains_(pool.size()),
      key_(pool.size(), -1),
      received_(pool.need_count(), 0),
      stamp_(pool.size(), 0) {
  for (size_t i = 0; i < pool.size(); ++i) {
    gains_[i].challenge = alone[i];
    Touch(i);
  }
  Team replay(pool);
  for (size_t m : team.members()) {
    const Team::Change change = replay.Add(m);
    Joined(replay, m, change);
  }
}

void GainTable::Joined(const Team& team, size_t member,
                       const Team::Change& change) {
  blocked_[member] = 1;
  key_[member] = -1;
  ++now_;
  UpdateChallenge(team, change);
  UpdateGives(team, member, change);
  UpdateReceives(member);
  UpdateTies(member);
}

// C + T changes only for the providers of the needs now better met and for
// those acting on a theme now represented.
void GainTable::UpdateChallenge(const Team& team, const Team::Change& change) {
  auto refresh = [&](uint32_t i) {
    if (blocked_[i] || stamp_[i] == now_) return;
    stamp_[i] = now_;
    gains_[i].challenge = team.ChallengeGain(i);
    Touch(i);
  };
  for (size_t r = 0; r < pool_->spec().needs.size(); ++r) {
    if (!(change.improved_needs >> r & 1)) continue;
    for (uint32_t i : pool_->ProvidersOf(r)) refresh(i);
  }
  for (size_t t = 0; t < pool_->spec().themes.size(); ++t) {
    if (!(change.new_themes >> pool_->spec().themes[t] & 1)) continue;
    for (uint32_t i : pool_->ActingOn(t)) refresh(i);
  }
}

// What each candidate would give: less towards the slots the new member now
// meets better, more towards the new member's own needs.
void GainTable::UpdateGives(const Team& team, size_t member,
                            const Team::Change& change) {
  const double beta = pool_->weights().needs;
  for (const auto& [slot, before] : change.improved_slots) {
    const Team::Slot& s = team.slots()[slot];
    const double weight = beta * s.need.weight;
    std::vector<Offer>& offers = slot_offers_[slot];
    size_t kept = 0;
    for (const Offer& o : offers) {
      gains_[o.candidate].gives -= weight * (o.value - before);
      if (o.value > s.best) {
        gains_[o.candidate].gives += weight * (o.value - s.best);
        offers[kept++] = o;
      }
      Touch(o.candidate);
    }
    offers.resize(kept);
  }
  slot_offers_.resize(team.slots().size());
  for (size_t slot = change.first_new_slot; slot < team.slots().size();
       ++slot) {
    const Team::Slot& s = team.slots()[slot];
    if (s.best >= 1) continue;
    const double weight = beta * s.need.weight;
    for (uint32_t i : pool_->Offering(s.need.resource)) {
      if (blocked_[i]) continue;
      const double e = pool_->ExchangeValue(i, member, s.need, s.best);
      if (e <= s.best) continue;
      gains_[i].gives += weight * (e - s.best);
      Touch(i);
      slot_offers_[slot].push_back({i, e});
    }
  }
}

// What each candidate would receive: more from what the new member offers.
void GainTable::UpdateReceives(size_t member) {
  const double beta = pool_->weights().needs;
  const uint32_t offers = (*pool_)[member].offers;
  for (uint8_t r = 0; r < 32; ++r) {
    if (!(offers >> r & 1)) continue;
    for (uint32_t i : pool_->Needing(r)) {
      if (blocked_[i]) continue;
      const absl::Span<const NeedSlot> needs = pool_->NeedsOf(i);
      for (size_t k = 0; k < needs.size(); ++k) {
        if (needs[k].resource != r) continue;
        double& best = received_[pool_->FirstNeedOf(i) + k];
        const double e = pool_->ExchangeValue(member, i, needs[k], best);
        if (e <= best) continue;
        gains_[i].receives += beta * needs[k].weight * (e - best);
        Touch(i);
        best = e;
      }
    }
  }
}

// Ties: the new member's partners (1) and their partners (0.5).
void GainTable::UpdateTies(size_t member) {
  const double gamma = pool_->weights().ties;
  if (gamma <= 0 || !(*pool_)[member].has_partners) return;
  ++now_;
  auto tie = [&](ActorNum num) {
    const std::optional<size_t> i = pool_->Find(num);
    if (!i || blocked_[*i] || stamp_[*i] == now_) return;
    stamp_[*i] = now_;
    gains_[*i].ties += gamma * pool_->Tie(*i, member);
    Touch(*i);
  };
  for (const MatchContext::PartnerLink& link : *(*pool_)[member].partners) {
    tie(link.partner);
    for (const MatchContext::PartnerLink& second :
         pool_->context().PartnersOf(link.partner)) {
      tie(second.partner);
    }
  }
}

std::optional<size_t> GainTable::Best() const {
  std::optional<size_t> best;
  double best_key = 0;
  for (size_t i = 0; i < key_.size(); ++i) {
    if (key_[i] > best_key) {
      best = i;
      best_key = key_[i];
    }
  }
  return best;
}

void GainTable::Touch(size_t i) {
  const Team::Gain& g = gains_[i];
  const double floor = std::max(kGivingFloor, pool_->weights().min_gain);
  key_[i] = !blocked_[i] && g.giving() >= floor ? g.total() : -1;
}

Team::Gain GainTable::GainOf(size_t candidate) const {
  return gains_[candidate];
}

}  // namespace maillage::matcher::internal

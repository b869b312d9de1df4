#include "matcher/coalition_search.h"

#include <algorithm>
#include <utility>

namespace maillage::matcher::internal {
namespace {

constexpr double kEpsilon = 1e-9;
constexpr Kind kKindOrder[] = {Kind::kAssociation, Kind::kCompany,
                               Kind::kPublicBody, Kind::kAcademic,
                               Kind::kMedia};

uint32_t KindBit(Kind kind) { return 1u << static_cast<int>(kind); }

// Larger key first, then the earlier in the pool (the anchor, then actor
// numbers in increasing order): deterministic for a given index.
bool Before(size_t a, double a_key, size_t b, double b_key) {
  if (a_key != b_key) return a_key > b_key;
  return a < b;
}

}  // namespace

Team Search::TeamOf(const std::vector<size_t>& members) const {
  Team team(pool_);
  for (size_t m : members) team.Add(m);
  return team;
}

// The candidate with the largest gain (of a kind, when `kind` is not
// kUnspecified) among those not blocked; with `giving_only`, among those
// that give something.
std::optional<size_t> Search::BestOf(const Team& team,
                                     const std::vector<char>& blocked,
                                     bool giving_only, Kind kind) const {
  std::optional<size_t> best;
  double best_key = 0;
  for (size_t i = 0; i < pool_.size(); ++i) {
    if (blocked[i]) continue;
    if (kind != Kind::kUnspecified && pool_[i].kind != kind) continue;
    const Team::Gain gain = team.GainOf(i);
    if (giving_only && gain.giving() < options_.weights.min_gain) continue;
    const double key = gain.total();
    if (!best || Before(i, key, *best, best_key)) {
      best = i;
      best_key = key;
    }
  }
  return best;
}

void Search::Extend(Team& team, GainTable& gains) const {
  while (team.size() < options_.max_size) {
    const std::optional<size_t> next = gains.Best();
    if (!next) return;
    const Team::Change change = team.Add(*next);
    gains.Joined(team, *next, change);
  }
}

std::optional<size_t> Search::IdleMember(
    const Team& team, const std::vector<MemberBasis>* basis) const {
  std::optional<size_t> idle;
  double idle_loss = 0;
  const std::vector<size_t>& members = team.members();
  for (size_t j = 0; j < members.size(); ++j) {
    if (anchor_ && members[j] == *anchor_) continue;
    if (basis && (*basis)[j] != MemberBasis::kContributes) continue;
    std::vector<size_t> others = members;
    others.erase(others.begin() + static_cast<long>(j));
    // Exactly nothing: a gain is 0 only when others do as well.
    const Team::Gain gain = TeamOf(others).GainOf(members[j]);
    if (gain.giving() > 0) continue;
    if (!idle || gain.total() < idle_loss) {
      idle = j;
      idle_loss = gain.total();
    }
  }
  return idle;
}

// Greedy from `start`; then, while a member no longer gives anything (a
// later member does better all it did), it is dropped for good and the
// greedy goes on (at most 2 max_size times, then the idle members are
// dropped without more growing).
Team Search::Grow(const std::vector<size_t>& start,
                  std::vector<char> excluded) const {
  Team team = TeamOf(start);
  GainTable gains(pool_, alone_, excluded, team);
  Extend(team, gains);
  for (size_t drops = 0; drops < 2 * options_.max_size; ++drops) {
    const std::optional<size_t> idle = IdleMember(team);
    if (!idle) return team;
    excluded[team.members()[*idle]] = 1;
    team = TeamWithout(team, *idle);
    gains = GainTable(pool_, alone_, excluded, team);
    Extend(team, gains);
  }
  while (const std::optional<size_t> idle = IdleMember(team)) {
    team = TeamWithout(team, *idle);
  }
  return team;
}

Team Search::TeamWithout(const Team& team, size_t position) const {
  std::vector<size_t> members = team.members();
  members.erase(members.begin() + static_cast<long>(position));
  return TeamOf(members);
}

// The anchor alone (or nobody), then the anchor with each of the best
// pairs of candidates already partners in the registry, both giving.
std::vector<std::vector<size_t>> Search::Starts(
    const std::vector<char>& excluded, size_t seed_pairs) const {
  std::vector<size_t> base;
  if (anchor_) base.push_back(*anchor_);
  std::vector<std::vector<size_t>> starts = {base};
  if (seed_pairs == 0 || options_.max_size < base.size() + 2) {
    return starts;
  }
  const Team alone = TeamOf(base);
  std::vector<std::pair<double, std::pair<size_t, size_t>>> pairs;
  for (size_t i = 0; i < pool_.size(); ++i) {
    if (excluded[i] || !pool_[i].has_partners || alone.Has(i)) continue;
    std::optional<Team> with_i;
    for (const MatchContext::PartnerLink& link : *pool_[i].partners) {
      const std::optional<size_t> j = pool_.Find(link.partner);
      if (!j || *j <= i || excluded[*j] || alone.Has(*j)) continue;
      if (!with_i) {
        if (alone.GainOf(i).giving() < options_.weights.min_gain) break;
        with_i.emplace(alone);
        with_i->Add(i);
      }
      const Team::Gain gain = with_i->GainOf(*j);
      if (gain.giving() < options_.weights.min_gain) continue;
      pairs.push_back({with_i->value() + gain.total(), {i, *j}});
    }
  }
  const size_t keep = std::min(pairs.size(), seed_pairs);
  std::partial_sort(pairs.begin(), pairs.begin() + static_cast<long>(keep),
                    pairs.end(), [](const auto& a, const auto& b) {
                      if (a.first != b.first) return a.first > b.first;
                      return a.second < b.second;
                    });
  for (size_t k = 0; k < keep; ++k) {
    std::vector<size_t> start = base;
    start.push_back(pairs[k].second.first);
    start.push_back(pairs[k].second.second);
    starts.push_back(std::move(start));
  }
  return starts;
}

// Each required kind the team lacks: the best candidate of that kind
// (giving ones first), added, or swapped in for the member whose removal
// loses the least (never the anchor, nor the only member of a required
// kind). Kinds the territory has no candidate of are reported missing.
void Search::RepairKinds(Draft& draft, std::vector<char>& blocked) const {
  for (Kind kind : kKindOrder) {
    if (!(options_.required_kinds & KindBit(kind))) continue;
    const std::vector<size_t>& members = draft.team.members();
    if (std::any_of(members.begin(), members.end(),
                    [&](size_t m) { return pool_[m].kind == kind; })) {
      continue;
    }
    std::optional<size_t> pick = BestOf(draft.team, blocked, true, kind);
    if (!pick) pick = BestOf(draft.team, blocked, false, kind);
    if (!pick) {
      draft.missing_kinds |= KindBit(kind);
      continue;
    }
    std::vector<size_t> kept = members;
    std::vector<MemberBasis> basis = draft.basis;
    if (kept.size() >= options_.max_size) {
      std::optional<size_t> out;
      double out_loss = 0;
      for (size_t j = 0; j < kept.size(); ++j) {
        const Kind k = pool_[kept[j]].kind;
        const bool only_of_required =
            (options_.required_kinds & KindBit(k)) &&
            std::count_if(kept.begin(), kept.end(),
                          [&](size_t m) { return pool_[m].kind == k; }) == 1;
        if (basis[j] != MemberBasis::kContributes || only_of_required) {
          continue;
        }
        std::vector<size_t> others = kept;
        others.erase(others.begin() + static_cast<long>(j));
        const double loss = TeamOf(others).GainOf(kept[j]).total();
        if (!out || loss < out_loss) {
          out = j;
          out_loss = loss;
        }
      }
      if (!out) {
        draft.missing_kinds |= KindBit(kind);
        continue;
      }
      kept.erase(kept.begin() + static_cast<long>(*out));
      basis.erase(basis.begin() + static_cast<long>(*out));
    }
    kept.push_back(*pick);
    basis.push_back(MemberBasis::kRequiredKind);
    blocked[*pick] = 1;
    draft.team = TeamOf(kept);
    draft.basis = std::move(basis);
  }
}

// Members that bring nothing, added only because min_size asks for them.
void Search::PadToMinSize(Draft& draft, std::vector<char>& blocked) const {
  while (draft.team.size() < options_.min_size) {
    const std::optional<size_t> pick =
        BestOf(draft.team, blocked, false, Kind::kUnspecified);
    if (!pick) return;
    draft.team.Add(*pick);
    draft.basis.push_back(MemberBasis::kMinSize);
    blocked[*pick] = 1;
  }
}

// The reported order: the anchor, then repeatedly the member adding the
// most to those before it.
Draft Search::Ordered(const Draft& draft) const {
  std::vector<size_t> rest = draft.team.members();
  std::vector<MemberBasis> rest_basis = draft.basis;
  Draft ordered{Team(pool_), {}, draft.missing_kinds};
  while (!rest.empty()) {
    size_t pick = 0;
    double pick_key = 0;
    for (size_t j = 0; j < rest.size(); ++j) {
      const bool is_anchor = anchor_ && rest[j] == *anchor_;
      const double key =
          is_anchor ? 1e300 : ordered.team.GainOf(rest[j]).total();
      if (j == 0 || Before(rest[j], key, rest[pick], pick_key)) {
        pick = j;
        pick_key = key;
      }
    }
    ordered.team.Add(rest[pick]);
    ordered.basis.push_back(rest_basis[pick]);
    rest.erase(rest.begin() + static_cast<long>(pick));
    rest_basis.erase(rest_basis.begin() + static_cast<long>(pick));
  }
  return ordered;
}

Draft Search::Best(std::vector<char> excluded, size_t seed_pairs) const {
  Draft draft{Team(pool_), {}, 0};
  bool found = false;
  for (const std::vector<size_t>& start : Starts(excluded, seed_pairs)) {
    Team team = Grow(start, excluded);
    if (!found || team.value() > draft.team.value() + kEpsilon) {
      draft.team = std::move(team);
      found = true;
    }
  }
  for (size_t m : draft.team.members()) {
    draft.basis.push_back(anchor_ && m == *anchor_ ? MemberBasis::kAnchor
                                                   : MemberBasis::kContributes);
  }
  std::vector<char> blocked = std::move(excluded);
  for (size_t m : draft.team.members()) blocked[m] = 1;
  RepairKinds(draft, blocked);
  DropIdle(draft);
  do {
    PadToMinSize(draft, blocked);
  } while (DropIdle(draft));
  return Ordered(draft);
}

// Members added for a kind or a size may do all that a member chosen for
// what it gave did: that member then gives nothing and goes, or stays for
// its kind when it is the only one of a required kind (and says so).
// Returns whether any went.
bool Search::DropIdle(Draft& draft) const {
  bool dropped = false;
  while (const std::optional<size_t> idle =
             IdleMember(draft.team, &draft.basis)) {
    const std::vector<size_t>& members = draft.team.members();
    const Kind kind = pool_[members[*idle]].kind;
    const bool only_of_kind =
        std::count_if(members.begin(), members.end(),
                      [&](size_t m) { return pool_[m].kind == kind; }) == 1;
    if (only_of_kind && (options_.required_kinds & KindBit(kind))) {
      draft.basis[*idle] = MemberBasis::kRequiredKind;
      continue;
    }
    draft.team = TeamWithout(draft.team, *idle);
    draft.basis.erase(draft.basis.begin() + static_cast<long>(*idle));
    dropped = true;
  }
  return dropped;
}

}  // namespace maillage::matcher::internal

#include "matcher/coalition.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "matcher/actor_index_internal.h"
#include "matcher/centre.h"
#include "matcher/coalition_search.h"
#include "matcher/coalition_team.h"
#include "matcher/coalition_wording.h"
#include "matcher/scoring.h"

namespace maillage::matcher {

using internal::ActorRecord;
using internal::ChallengeSpec;
using internal::CoalitionPool;
using internal::Draft;
using internal::Search;
using internal::Team;

namespace {

constexpr size_t kMaxThemes = 8;
constexpr size_t kMaxNeeds = 16;
constexpr size_t kMaxSize = 12;
constexpr size_t kMaxAlternatives = 3;

absl::Status CheckRequest(const Vocabulary& vocabulary, const Scope& scope,
                          const Challenge& challenge,
                          const CoalitionOptions& options) {
  if (challenge.themes.empty() || challenge.themes.size() > kMaxThemes) {
    return absl::InvalidArgumentError(
        absl::StrCat("a challenge has 1 to ", kMaxThemes, " themes"));
  }
  for (size_t i = 0; i < challenge.themes.size(); ++i) {
    if (challenge.themes[i] >= vocabulary.theme_count()) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown theme number ", challenge.themes[i]));
    }
    if (std::count(challenge.themes.begin(), challenge.themes.end(),
                   challenge.themes[i]) > 1) {
      return absl::InvalidArgumentError("a theme is repeated");
    }
  }
  if (!challenge.theme_weights.empty() &&
      (challenge.theme_weights.size() != challenge.themes.size() ||
       std::any_of(challenge.theme_weights.begin(),
                   challenge.theme_weights.end(),
                   [](double w) { return !(w > 0 && w <= 1e6); }))) {
    return absl::InvalidArgumentError(
        "theme weights: one per theme, each > 0 and at most 1e6");
  }
  for (uint8_t r : challenge.needed_resources) {
    if (r >= vocabulary.resource_count()) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown resource number ", r));
    }
  }
  if (scope.level == territory::Level::kUnspecified ||
      (scope.level == territory::Level::kCustom
           ? scope.custom_communes.empty()
           : scope.place.At(scope.level) == territory::kNone)) {
    return absl::InvalidArgumentError("the coalition needs a territory");
  }
  if (options.min_size < 1 || options.min_size > options.max_size ||
      options.max_size > kMaxSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sizes must satisfy 1 <= min_size <= max_size <= ", kMaxSize));
  }
  if (options.alternatives > kMaxAlternatives) {
    return absl::InvalidArgumentError(
        absl::StrCat("at most ", kMaxAlternatives, " alternatives"));
  }
  return absl::OkStatus();
}

absl::Status CheckAnchor(const ActorIndex& index, const Challenge& challenge,
                         const CoalitionOptions& options) {
  if (!challenge.anchor) return absl::OkStatus();
  const ActorNum anchor = *challenge.anchor;
  if (!index.IsLive(anchor)) {
    return absl::InvalidArgumentError("the anchor is not a live actor");
  }
  if (!index.Get(anchor).available) {
    return absl::FailedPreconditionError(
        "the anchor is not available for matching (opted out or dissolved)");
  }
  if (options.admit && !options.admit(anchor)) {
    return absl::FailedPreconditionError("the anchor is not admitted");
  }
  return absl::OkStatus();
}

// The needs the actors of the territory acting on the challenge's themes
// say they have on those themes (see Challenge::needed_resources).
void DeriveNeeds(const ActorIndex::Impl& impl,
                 const std::vector<ActorNum>& members, ThemeSet themes,
                 const Vocabulary& vocabulary, ChallengeSpec* spec) {
  int counts[32] = {};
  int total = 0;
  for (ActorNum num : members) {
    const ActorRecord& rec = impl.records[num];
    if (!(rec.acts_on & themes)) continue;
    for (const Exchange& need : impl.profiles[num].needs) {
      if (need.resource >= 32) continue;
      if (need.theme == Exchange::kAnyTheme ? (rec.themes & themes) != 0
                                            : (themes >> need.theme & 1)) {
        ++counts[need.resource];
        ++total;
      }
    }
  }
  if (total < 3) {
    for (const char* code :
         {"funding", "volunteers", "in_kind", "audience_access", "skills"}) {
      if (std::optional<uint8_t> r = vocabulary.Resource(code)) {
        spec->needs.push_back(*r);
        spec->need_weights.push_back(1.0);
      }
    }
    return;
  }
  const int top = *std::max_element(counts, counts + 32);
  std::vector<int> order;
  for (int r = 0; r < 32; ++r) {
    if (counts[r] > 0 && counts[r] * 10 >= top) order.push_back(r);
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return counts[a] > counts[b]; });
  if (order.size() > 8) order.resize(8);
  std::sort(order.begin(), order.end());
  for (int r : order) {
    spec->needs.push_back(static_cast<uint8_t>(r));
    spec->need_weights.push_back(0.5 + 0.5 * counts[r] / top);
  }
}

ChallengeSpec ResolveChallenge(const ActorIndex::Impl& impl,
                               const std::vector<ActorNum>& members,
                               const Challenge& challenge,
                               const Vocabulary& vocabulary) {
  ChallengeSpec spec;
  spec.themes = challenge.themes;
  double total = 0;
  for (size_t t = 0; t < spec.themes.size(); ++t) {
    spec.theme_set |= ThemeSet{1} << spec.themes[t];
    const double w =
        challenge.theme_weights.empty() ? 1.0 : challenge.theme_weights[t];
    spec.theme_weights.push_back(w);
    total += w;
  }
  for (double& w : spec.theme_weights) w /= total;
  for (uint8_t r : challenge.needed_resources) {
    if (std::find(spec.needs.begin(), spec.needs.end(), r) ==
        spec.needs.end()) {
      spec.needs.push_back(r);
      spec.need_weights.push_back(1.0);
    }
  }
  if (challenge.needed_resources.empty()) {
    DeriveNeeds(impl, members, spec.theme_set, vocabulary, &spec);
  }
  for (uint8_t r : spec.needs) spec.need_mask |= 1u << r;
  return spec;
}

// The `count` actors of `bounds` (upper bounds of c(a, r) from the
// records, and actors) with the largest c(a, r), ties to the smaller
// number; a profile is read only when its bound may still make the cut.
std::vector<ActorNum> BestOutsiders(
    const CoalitionPool& pool, const ActorIndex::Impl& impl, const Scope& scope,
    size_t need, size_t count,
    std::vector<std::pair<double, ActorNum>> bounds) {
  struct Entry {
    double value;
    ActorNum num;
    bool exact;
  };
  auto below = [](const Entry& a, const Entry& b) {
    if (a.value != b.value) return a.value < b.value;
    if (a.num != b.num) return a.num > b.num;
    return !a.exact && b.exact;
  };
  std::vector<Entry> heap;
  heap.reserve(bounds.size());
  for (const auto& [bound, num] : bounds) heap.push_back({bound, num, false});
  std::make_heap(heap.begin(), heap.end(), below);
  std::vector<ActorNum> best;
  while (best.size() < count && !heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), below);
    Entry top = heap.back();
    heap.pop_back();
    if (top.exact) {
      best.push_back(top.num);
      continue;
    }
    const bool inside = ActorIndex::Inside(impl.records[top.num].home, scope);
    top.value = pool.OutsiderValue(top.num, inside, need);
    top.exact = true;
    heap.push_back(top);
    std::push_heap(heap.begin(), heap.end(), below);
  }
  return best;
}

// Proposable actors of the territory acting on a challenge theme, and the
// anchor; then, for each needed resource, the max_size actors best
// offering it among those acting on none of the themes (offers with no
// theme or on another theme, c <= 0.3), so that a need nobody on the
// themes offers can still be met.
CoalitionPool BuildPool(const ActorIndex& index, const MatchContext& context,
                        const Scope& scope,
                        const std::vector<ActorNum>& members,
                        const ChallengeSpec& spec, const Challenge& challenge,
                        const CoalitionOptions& options) {
  const ActorIndex::Impl& impl = IndexAccess::Of(index);
  CoalitionPool pool(index, context, spec, options.weights, challenge.anchor);
  if (challenge.anchor) {
    pool.Add(*challenge.anchor,
             ActorIndex::Inside(impl.records[*challenge.anchor].home, scope));
  }
  // Outsiders by needed resource: (c, actor).
  std::vector<std::vector<std::pair<double, ActorNum>>> outsiders(
      spec.needs.size());
  for (ActorNum num : members) {
    const ActorRecord& rec = impl.records[num];
    if (!rec.proposable() || (challenge.anchor && num == *challenge.anchor)) {
      continue;
    }
    const bool on_themes = rec.acts_on & spec.theme_set;
    if (!on_themes && !(rec.offer_resources & spec.need_mask)) continue;
    if (options.admit && !options.admit(num)) continue;
    const bool inside = ActorIndex::Inside(rec.home, scope);
    if (on_themes) {
      pool.Add(num, inside);
      continue;
    }
    for (size_t r = 0; r < spec.needs.size(); ++r) {
      const double bound = pool.OutsiderBound(num, inside, r);
      if (bound > 0) outsiders[r].push_back({bound, num});
    }
  }
  for (size_t r = 0; r < spec.needs.size(); ++r) {
    for (ActorNum num : BestOutsiders(pool, impl, scope, r, options.max_size,
                                      std::move(outsiders[r]))) {
      if (!pool.Find(num)) {
        pool.Add(num, ActorIndex::Inside(impl.records[num].home, scope));
      }
    }
  }
  pool.Index();
  return pool;
}

// The needs the members meet (each by its best provider) and the coverage.
void FinishNeeds(const CoalitionPool& pool, const Team& team, Coalition* c) {
  const ChallengeSpec& spec = pool.spec();
  double weight_sum = 0;
  double quality_sum = 0;
  for (size_t r = 0; r < spec.needs.size(); ++r) {
    weight_sum += spec.need_weights[r];
    double quality = 0;
    for (size_t j = 0; j < team.size(); ++j) {
      for (const internal::Provision& p :
           pool.ProvisionsOf(team.members()[j])) {
        if (p.need != r) continue;
        quality = std::max<double>(quality, p.quality);
        if (team.ProviderOf(r) != team.members()[j]) {
          c->members[j].reinforces.push_back(spec.needs[r]);
        }
      }
    }
    quality_sum += spec.need_weights[r] * quality;
    if (const std::optional<size_t> provider = team.ProviderOf(r)) {
      const auto& members = team.members();
      const auto j = std::find(members.begin(), members.end(), *provider) -
                     members.begin();
      c->members[static_cast<size_t>(j)].brings.push_back(spec.needs[r]);
      c->covered.push_back(spec.needs[r]);
    } else {
      c->uncovered.push_back(spec.needs[r]);
    }
  }
  c->coverage = weight_sum > 0 ? quality_sum / weight_sum : 0;
}

// Member j of an ordered draft: what it is, gives and receives, where.
CoalitionMember FinishMember(const CoalitionPool& pool, const Draft& draft,
                             size_t j, const std::optional<GeoPoint>& centre) {
  const Team& team = draft.team;
  const size_t m = team.members()[j];
  CoalitionMember member;
  member.actor = pool[m].num;
  member.id = pool.impl().profiles[member.actor].id;
  member.kind = pool[m].kind;
  member.basis = draft.basis[j];
  member.themes = pool[m].challenge_themes;
  ThemeSet others = 0;
  for (size_t o : team.members()) {
    if (o != m) others |= pool[o].challenge_themes;
  }
  member.represents = member.themes & ~others;
  for (const Team::Met& met : team.MetNeeds()) {
    if (met.giver != m) continue;
    member.gives.push_back({pool[met.receiver].num, met.need.resource,
                            met.need.theme,
                            pool.MatchQuality(m, met.receiver, met.need)});
  }
  for (size_t o : team.members()) {
    if (o != m && pool.Tie(m, o) >= 1) member.partners.push_back(pool[o].num);
  }
  member.home_commune = pool.impl().records[member.actor].home.commune;
  member.distance_km =
      internal::DistanceFrom(pool.impl(), centre, member.actor);
  return member;
}

// The structured coalition of an ordered draft (the French words come
// after, from coalition_wording). Relevances: each member's gain over those
// before it.
Coalition Finish(const CoalitionPool& pool, const Draft& draft,
                 const std::optional<GeoPoint>& centre) {
  const Team& team = draft.team;
  Coalition c;
  c.missing_kinds = draft.missing_kinds;
  c.objective = team.value() / pool.scale();
  c.team_part = team.team_value() / pool.scale();
  Team before(pool);
  ThemeSet represented = 0;
  for (size_t j = 0; j < team.size(); ++j) {
    const size_t m = team.members()[j];
    represented |= pool[m].challenge_themes;
    c.members.push_back(FinishMember(pool, draft, j, centre));
    c.members.back().relevance = before.GainOf(m).total() / pool.scale();
    before.Add(m);
  }
  c.uncovered_themes = pool.spec().theme_set & ~represented;
  FinishNeeds(pool, team, &c);
  return c;
}

// Leaves out the most relevant half of `c`'s members (the anchor excepted).
void ExcludeKeyMembers(const CoalitionPool& pool, const Coalition& c,
                       std::vector<char>* excluded) {
  std::vector<const CoalitionMember*> members;
  for (const CoalitionMember& m : c.members) {
    if (m.basis != MemberBasis::kAnchor) members.push_back(&m);
  }
  std::stable_sort(members.begin(), members.end(),
                   [](const CoalitionMember* a, const CoalitionMember* b) {
                     return a->relevance > b->relevance;
                   });
  members.resize((members.size() + 1) / 2);
  for (const CoalitionMember* m : members) {
    (*excluded)[*pool.Find(m->actor)] = 1;
  }
}

// The best coalition, then the alternatives, each leaving out the key
// members of those before it.
void Propose(const CoalitionPool& pool, const Search& search,
             const CoalitionOptions& options, CoalitionAnswer* answer) {
  auto finish = [&](const Draft& draft, bool alternative) {
    Coalition c = Finish(pool, draft, answer->centre);
    internal::DescribeCoalition(pool, answer->centre_is_anchor, alternative,
                                &c);
    return c;
  };
  std::vector<char> excluded(pool.size(), 0);
  std::vector<Coalition> found = {
      finish(search.Best(excluded, options.weights.seed_pairs), false)};
  // One actor (the anchor, say) is no coalition: alternatives have two.
  constexpr size_t kLeast = 2;
  while (found.size() <= options.alternatives &&
         found.back().members.size() >= kLeast) {
    ExcludeKeyMembers(pool, found.back(), &excluded);
    Coalition alternative = finish(search.Best(excluded, 0), true);
    if (alternative.members.size() < kLeast) break;
    found.push_back(std::move(alternative));
  }
  // A greedy started elsewhere may do better: the best is the largest
  // objective found.
  std::stable_sort(found.begin(), found.end(),
                   [](const Coalition& a, const Coalition& b) {
                     return a.objective > b.objective;
                   });
  answer->best = std::move(found.front());
  found.erase(found.begin());
  answer->alternatives = std::move(found);
}

}  // namespace

absl::StatusOr<CoalitionAnswer> SuggestCoalition(
    const ActorIndex& index, const MatchContext& context, const Scope& scope,
    const Challenge& challenge, const CoalitionOptions& options) {
  const Vocabulary& vocabulary = context.vocabulary();
  if (absl::Status s = CheckRequest(vocabulary, scope, challenge, options);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckAnchor(index, challenge, options); !s.ok()) {
    return s;
  }
  const ActorIndex::Impl& impl = IndexAccess::Of(index);
  const std::vector<ActorNum> members = impl.ScopeMembers(scope);
  const ChallengeSpec spec =
      ResolveChallenge(impl, members, challenge, vocabulary);
  if (spec.needs.size() > kMaxNeeds) {
    return absl::InvalidArgumentError(
        absl::StrCat("at most ", kMaxNeeds, " needed resources"));
  }
  CoalitionAnswer answer;
  answer.themes = spec.themes;
  answer.theme_weights = spec.theme_weights;
  answer.needed_resources = spec.needs;
  answer.need_weights = spec.need_weights;
  answer.derived_needs = challenge.needed_resources.empty();
  answer.centre = internal::CentreOf(impl, members, scope, challenge.anchor,
                                     &answer.centre_is_anchor);
  const CoalitionPool pool =
      BuildPool(index, context, scope, members, spec, challenge, options);
  std::optional<size_t> anchor;
  if (challenge.anchor) anchor = pool.Find(*challenge.anchor);
  Propose(pool, Search(pool, options, anchor), options, &answer);
  return answer;
}

}  // namespace maillage::matcher

#include "matcher/coalition.h"

#include <algorithm>
#include <array>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "matcher/actor_index_internal.h"
#include "matcher/scoring.h"
#include "matcher/wording.h"

namespace maillage::matcher {

using internal::ActorRecord;

namespace {

constexpr size_t kMaxNeeds = 16;
constexpr size_t kMaxSize = 12;
constexpr size_t kMaxAlternatives = 3;
constexpr Kind kKindOrder[] = {Kind::kAssociation, Kind::kCompany,
                               Kind::kPublicBody, Kind::kAcademic,
                               Kind::kMedia};

uint32_t KindBit(Kind kind) { return 1u << static_cast<int>(kind); }

// The most severe fragility on `theme` of a territory of the chain of
// `place` (commune up to région).
float ChainSeverity(const MatchContext& context, const territory::Place& place,
                    uint8_t theme) {
  float severity = 0;
  for (territory::Level level : internal::kLevelByRank) {
    const uint32_t number = place.At(level);
    if (number == territory::kNone) continue;
    for (const MatchContext::ThemeSeverity& f :
         context.FragilitiesOf(level, number)) {
      if (f.theme == theme) severity = std::max(severity, f.severity);
    }
  }
  return severity;
}

// A proposable actor of the territory that could join.
struct PoolActor {
  ActorNum num;
  double relevance;                     // rel(a)
  std::array<float, kMaxNeeds> brings;  // c(a, r) by need index
  bool provider;                        // brings something
  double proximity;                     // to the current anchor
};

class Builder {
 public:
  Builder(const ActorIndex& index, const MatchContext& context,
          const Scope& scope, uint8_t theme, std::vector<uint8_t> needs,
          std::vector<double> weights, const CoalitionOptions& options)
      : index_(index),
        impl_(IndexAccess::Of(index)),
        context_(context),
        scope_(scope),
        theme_(theme),
        needs_(std::move(needs)),
        weights_(std::move(weights)),
        options_(options) {}

  void BuildPool(const std::vector<ActorNum>& members);
  Coalition Run(const absl::flat_hash_set<ActorNum>& excluded,
                ActorNum* anchor_out);

 private:
  double Contribution(const PoolActor& a, size_t r) const {
    return a.brings[r] * (0.5 + 0.25 * a.relevance + 0.25 * a.proximity);
  }
  // f(S) over pool indexes.
  double Objective(const std::vector<size_t>& members) const;
  double Closeness(const PoolActor& a) const {
    return a.relevance * (0.5 + 0.5 * a.proximity);
  }
  bool Better(size_t a, double a_key, size_t b, double b_key) const {
    if (a_key != b_key) return a_key > b_key;
    if (pool_[a].relevance != pool_[b].relevance) {
      return pool_[a].relevance > pool_[b].relevance;
    }
    return impl_.profiles[pool_[a].num].id < impl_.profiles[pool_[b].num].id;
  }
  Coalition Finish(const std::vector<size_t>& members, uint32_t missing_kinds);

  const ActorIndex& index_;
  const ActorIndex::Impl& impl_;
  const MatchContext& context_;
  const Scope& scope_;
  const uint8_t theme_;
  const std::vector<uint8_t> needs_;
  const std::vector<double> weights_;
  const CoalitionOptions& options_;
  std::vector<PoolActor> pool_;
};

void Builder::BuildPool(const std::vector<ActorNum>& members) {
  uint32_t needed_mask = 0;
  for (uint8_t r : needs_) needed_mask |= 1u << r;
  const ThemeSet theme_bit = ThemeSet{1} << theme_;
  for (ActorNum num : members) {
    const ActorRecord& rec = impl_.records[num];
    if (!rec.proposable()) continue;
    PoolActor a{num, 0, {}, false, 0};
    if (rec.offer_resources & needed_mask) {
      for (const Exchange& offer : impl_.profiles[num].offers) {
        for (size_t r = 0; r < needs_.size(); ++r) {
          if (offer.resource != needs_[r]) continue;
          float value;
          if (offer.theme == theme_) {
            value = 1.0f;
          } else if (offer.theme != Exchange::kAnyTheme) {
            value = 0.4f;
          } else if (rec.themes & theme_bit) {
            value = 0.9f;
          } else {
            value = rec.themes == 0 ? 0.6f : 0.5f;
          }
          a.brings[r] = std::max(a.brings[r], value);
          a.provider = true;
        }
      }
    }
    const bool acts_on_theme = rec.acts_on & theme_bit;
    if (!a.provider && !acts_on_theme) continue;
    const bool inside = ActorIndex::Inside(rec.home, scope_);
    a.relevance = 0.5 * acts_on_theme +
                  0.3 * ChainSeverity(context_, rec.home, theme_) +
                  0.2 * (inside ? 1.0 : 0.5);
    pool_.push_back(a);
  }
}

double Builder::Objective(const std::vector<size_t>& members) const {
  double total = 0;
  for (size_t r = 0; r < needs_.size(); ++r) {
    double best = 0;
    for (size_t m : members) best = std::max(best, Contribution(pool_[m], r));
    total += weights_[r] * best;
  }
  return total;
}

Coalition Builder::Run(const absl::flat_hash_set<ActorNum>& excluded,
                       ActorNum* anchor_out) {
  // The anchor: the best coalition of one (its proximity to itself is 1).
  size_t anchor = pool_.size();
  double anchor_key = -1;
  for (size_t i = 0; i < pool_.size(); ++i) {
    const PoolActor& a = pool_[i];
    if (excluded.contains(a.num)) continue;
    double value = 0;
    for (size_t r = 0; r < needs_.size(); ++r) {
      value += weights_[r] * a.brings[r] * (0.75 + 0.25 * a.relevance);
    }
    // Without providers, the most relevant actor acting on the theme.
    const double key = value > 0 ? 1 + value : a.relevance;
    if (anchor == pool_.size() || Better(i, key, anchor, anchor_key)) {
      anchor = i;
      anchor_key = key;
    }
  }
  if (anchor == pool_.size()) return Finish({}, 0);
  *anchor_out = pool_[anchor].num;

  {
    const internal::Query query(index_, context_, pool_[anchor].num,
                                internal::Normalize(Weights{}));
    for (PoolActor& a : pool_) {
      a.proximity = a.num == pool_[anchor].num
                        ? 1.0
                        : query.ComputeProximity(a.num).value;
    }
  }

  std::vector<size_t> members = {anchor};
  std::vector<bool> taken(pool_.size(), false);
  taken[anchor] = true;
  auto available = [&](size_t i) {
    return !taken[i] && !excluded.contains(pool_[i].num);
  };
  std::vector<double> current(needs_.size(), 0);
  auto refresh = [&] {
    for (size_t r = 0; r < needs_.size(); ++r) {
      current[r] = 0;
      for (size_t m : members) {
        current[r] = std::max(current[r], Contribution(pool_[m], r));
      }
    }
  };
  auto gain = [&](size_t i) {
    double g = 0;
    for (size_t r = 0; r < needs_.size(); ++r) {
      g += weights_[r] * std::max(0.0, Contribution(pool_[i], r) - current[r]);
    }
    return g;
  };
  refresh();

  // Greedy maximum coverage.
  while (members.size() < options_.max_size) {
    size_t best = pool_.size();
    double best_gain = 0;
    for (size_t i = 0; i < pool_.size(); ++i) {
      if (!pool_[i].provider || !available(i)) continue;
      const double g = gain(i);
      if (g <= 1e-12) continue;
      if (best == pool_.size() || Better(i, g, best, best_gain)) {
        best = i;
        best_gain = g;
      }
    }
    if (best == pool_.size()) break;
    members.push_back(best);
    taken[best] = true;
    refresh();
  }

  // Repair the kinds: each required kind the territory has must be there.
  auto has_kind = [&](Kind kind) {
    return std::any_of(members.begin(), members.end(), [&](size_t m) {
      return impl_.records[pool_[m].num].kind == kind;
    });
  };
  uint32_t missing_kinds = 0;
  for (Kind kind : kKindOrder) {
    if (!(options_.required_kinds & KindBit(kind)) || has_kind(kind)) continue;
    size_t best = pool_.size();
    double best_key = 0;
    for (size_t i = 0; i < pool_.size(); ++i) {
      if (!available(i) || impl_.records[pool_[i].num].kind != kind) continue;
      const double key = gain(i) * 10 + Closeness(pool_[i]);
      if (best == pool_.size() || Better(i, key, best, best_key)) {
        best = i;
        best_key = key;
      }
    }
    if (best == pool_.size()) {
      missing_kinds |= KindBit(kind);
      continue;
    }
    if (members.size() >= options_.max_size) {
      // Swap out the member whose removal loses the least, keeping the
      // anchor and the only member of any required kind.
      const double whole = Objective(members);
      size_t worst = 0;
      double worst_loss = 0;
      for (size_t j = 1; j < members.size(); ++j) {
        const Kind k = impl_.records[pool_[members[j]].num].kind;
        int same = 0;
        for (size_t m : members) same += impl_.records[pool_[m].num].kind == k;
        if ((options_.required_kinds & KindBit(k)) && same == 1) continue;
        std::vector<size_t> without = members;
        without.erase(without.begin() + static_cast<long>(j));
        const double loss = whole - Objective(without);
        if (worst == 0 || loss < worst_loss) {
          worst = j;
          worst_loss = loss;
        }
      }
      if (worst == 0) {
        missing_kinds |= KindBit(kind);
        continue;
      }
      taken[members[worst]] = false;
      members.erase(members.begin() + static_cast<long>(worst));
    }
    members.push_back(best);
    taken[best] = true;
    refresh();
  }

  // Fill up to min_size with the most relevant actors close to the anchor.
  while (members.size() < options_.min_size) {
    size_t best = pool_.size();
    double best_key = 0;
    for (size_t i = 0; i < pool_.size(); ++i) {
      if (!available(i)) continue;
      const double key = gain(i) * 10 + Closeness(pool_[i]);
      if (best == pool_.size() || Better(i, key, best, best_key)) {
        best = i;
        best_key = key;
      }
    }
    if (best == pool_.size()) break;
    members.push_back(best);
    taken[best] = true;
    refresh();
  }
  return Finish(members, missing_kinds);
}

Coalition Builder::Finish(const std::vector<size_t>& members,
                          uint32_t missing_kinds) {
  const Vocabulary& vocabulary = context_.vocabulary();
  Coalition coalition;
  coalition.missing_kinds = missing_kinds;
  coalition.objective = Objective(members);
  double weight_sum = 0;
  double covered_weight = 0;
  std::vector<std::vector<uint8_t>> brings(members.size());
  for (size_t r = 0; r < needs_.size(); ++r) {
    weight_sum += weights_[r];
    size_t best = members.size();
    double best_value = 0;
    double best_raw = 0;
    for (size_t j = 0; j < members.size(); ++j) {
      const double value = Contribution(pool_[members[j]], r);
      if (value > best_value) {
        best = j;
        best_value = value;
      }
      best_raw = std::max<double>(best_raw, pool_[members[j]].brings[r]);
    }
    covered_weight += weights_[r] * best_raw;
    if (best < members.size()) {
      brings[best].push_back(needs_[r]);
      coalition.covered.push_back(needs_[r]);
    } else {
      coalition.uncovered.push_back(needs_[r]);
    }
  }
  coalition.coverage = weight_sum > 0 ? covered_weight / weight_sum : 0;

  // The lead: the most relevant association acting on the theme, else the
  // anchor.
  size_t lead = 0;
  double lead_relevance = -1;
  for (size_t j = 0; j < members.size(); ++j) {
    const PoolActor& a = pool_[members[j]];
    if (impl_.records[a.num].kind == Kind::kAssociation &&
        a.relevance > lead_relevance) {
      lead = j;
      lead_relevance = a.relevance;
    }
  }

  const std::string theme_words = internal::ThemeWords(vocabulary, theme_);
  int kind_counts[kKindCount] = {};
  for (size_t j = 0; j < members.size(); ++j) {
    const PoolActor& a = pool_[members[j]];
    const ActorProfile& profile = impl_.profiles[a.num];
    CoalitionMember member;
    member.actor = a.num;
    member.id = profile.id;
    member.kind = profile.kind;
    member.lead = j == lead;
    member.brings = brings[j];
    member.relevance = a.relevance;
    ++kind_counts[static_cast<int>(profile.kind) % kKindCount];
    const std::string resources = internal::ResourceList(vocabulary, brings[j]);
    // Needed resources it offers too, though another member does better.
    std::vector<uint8_t> backup;
    for (size_t r = 0; r < needs_.size(); ++r) {
      if (a.brings[r] > 0 && std::find(brings[j].begin(), brings[j].end(),
                                       needs_[r]) == brings[j].end()) {
        backup.push_back(needs_[r]);
      }
    }
    if (member.lead) {
      member.role = "Porteur de l'action";
      if (!resources.empty()) member.role += " ; apporte " + resources;
    } else if (!resources.empty()) {
      member.role = "Apporte " + resources;
    } else if (!backup.empty()) {
      member.role = "En appui : " + internal::ResourceList(vocabulary, backup);
    } else {
      member.role = "Partenaire de terrain";
    }
    std::string reason = internal::Capitalize(internal::ActorPhrase(profile));
    if (impl_.records[a.num].acts_on & (ThemeSet{1} << theme_)) {
      reason += " agit sur " + theme_words;
    } else {
      reason += " n'agit pas encore sur " + theme_words;
    }
    const float severity =
        ChainSeverity(context_, impl_.records[a.num].home, theme_);
    if (severity >= 0.5f) {
      reason += ", fragilité forte de son territoire (sévérité " +
                internal::Decimal(severity, 2) + ")";
    }
    if (!resources.empty()) reason += " ; apporte " + resources;
    if (j > 0) {
      const double p = a.proximity;
      reason += p >= 0.7   ? " ; tout proche du premier membre"
                : p >= 0.3 ? " ; à distance raisonnable du premier membre"
                           : " ; éloigné du premier membre";
    }
    member.reason = reason + ".";
    coalition.members.push_back(std::move(member));
  }

  std::vector<std::string> kinds;
  for (Kind kind : kKindOrder) {
    const int n = kind_counts[static_cast<int>(kind)];
    if (n > 0) {
      kinds.push_back(std::to_string(n) + " " +
                      std::string(internal::KindNoun(kind, n > 1)));
    }
  }
  auto words = [&](const std::vector<uint8_t>& resources) {
    return internal::ResourceList(vocabulary, resources);
  };
  if (members.empty()) {
    coalition.summary = "Aucun acteur disponible du territoire n'agit sur " +
                        theme_words + " ni n'apporte ce qu'il faut.";
  } else {
    coalition.summary = "Coalition de " + std::to_string(members.size()) +
                        " acteurs (" + internal::JoinFrench(kinds) + ") sur " +
                        theme_words;
    if (!coalition.covered.empty()) {
      coalition.summary += " : couvre " + words(coalition.covered);
    }
    if (!coalition.uncovered.empty()) {
      coalition.summary += " ; reste à trouver : " + words(coalition.uncovered);
    }
    if (missing_kinds) {
      std::vector<std::string> missing;
      for (Kind kind : kKindOrder) {
        if (missing_kinds & KindBit(kind)) {
          missing.push_back(std::string(internal::KindNoun(kind)));
        }
      }
      coalition.summary += " ; aucun(e) " + internal::JoinFrench(missing) +
                           " disponible sur le territoire";
    }
    coalition.summary += ".";
  }
  return coalition;
}

}  // namespace

absl::StatusOr<CoalitionAnswer> SuggestCoalition(
    const ActorIndex& index, const MatchContext& context, const Scope& scope,
    const Challenge& challenge, const CoalitionOptions& options) {
  const Vocabulary& vocabulary = context.vocabulary();
  if (challenge.theme >= vocabulary.theme_count()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown theme number ", challenge.theme));
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
  const ActorIndex::Impl& impl = IndexAccess::Of(index);
  std::vector<ActorNum> members = impl.ScopeMembers(scope);
  if (options.admit) {
    members.erase(std::remove_if(members.begin(), members.end(),
                                 [&](ActorNum n) { return !options.admit(n); }),
                  members.end());
  }

  CoalitionAnswer answer;
  answer.theme = challenge.theme;
  if (!challenge.needed_resources.empty()) {
    for (uint8_t r : challenge.needed_resources) {
      if (r >= vocabulary.resource_count()) {
        return absl::InvalidArgumentError(
            absl::StrCat("unknown resource number ", r));
      }
      if (std::find(answer.needed_resources.begin(),
                    answer.needed_resources.end(),
                    r) == answer.needed_resources.end()) {
        answer.needed_resources.push_back(r);
        answer.need_weights.push_back(1.0);
      }
    }
    if (answer.needed_resources.size() > kMaxNeeds) {
      return absl::InvalidArgumentError(
          absl::StrCat("at most ", kMaxNeeds, " needed resources"));
    }
  } else {
    // What the actors acting on the theme here say they need for it.
    answer.derived_needs = true;
    int counts[32] = {};
    int total = 0;
    const ThemeSet theme_bit = ThemeSet{1} << challenge.theme;
    for (ActorNum num : members) {
      if (!(impl.records[num].acts_on & theme_bit)) continue;
      for (const Exchange& need : impl.profiles[num].needs) {
        if (need.resource >= 32) continue;
        if (need.theme == challenge.theme ||
            (need.theme == Exchange::kAnyTheme &&
             (impl.records[num].themes & theme_bit))) {
          ++counts[need.resource];
          ++total;
        }
      }
    }
    if (total >= 3) {
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
        answer.needed_resources.push_back(static_cast<uint8_t>(r));
        answer.need_weights.push_back(0.5 + 0.5 * counts[r] / top);
      }
    } else {
      for (const char* code :
           {"funding", "volunteers", "in_kind", "audience_access", "skills"}) {
        if (std::optional<uint8_t> r = vocabulary.Resource(code)) {
          answer.needed_resources.push_back(*r);
          answer.need_weights.push_back(1.0);
        }
      }
    }
  }

  Builder builder(index, context, scope, challenge.theme,
                  answer.needed_resources, answer.need_weights, options);
  builder.BuildPool(members);
  absl::flat_hash_set<ActorNum> excluded;
  ActorNum anchor = 0;
  answer.best = builder.Run(excluded, &anchor);
  if (answer.best.members.empty()) return answer;
  std::vector<std::vector<ActorNum>> seen;
  auto member_set = [](const Coalition& c) {
    std::vector<ActorNum> nums;
    for (const CoalitionMember& m : c.members) nums.push_back(m.actor);
    std::sort(nums.begin(), nums.end());
    return nums;
  };
  seen.push_back(member_set(answer.best));
  excluded.insert(anchor);
  // A few more tries than alternatives asked, as some repeat an answer.
  for (size_t attempt = 0; attempt < 2 * options.alternatives &&
                           answer.alternatives.size() < options.alternatives;
       ++attempt) {
    Coalition alternative = builder.Run(excluded, &anchor);
    if (alternative.members.empty()) break;
    excluded.insert(anchor);
    std::vector<ActorNum> nums = member_set(alternative);
    if (std::find(seen.begin(), seen.end(), nums) != seen.end()) continue;
    seen.push_back(std::move(nums));
    answer.alternatives.push_back(std::move(alternative));
  }
  return answer;
}

}  // namespace maillage::matcher

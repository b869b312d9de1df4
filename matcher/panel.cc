#include "matcher/panel.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "matcher/actor_index_internal.h"
#include "matcher/centre.h"
#include "matcher/wording.h"

namespace maillage::matcher {

using internal::ActorRecord;

namespace {

constexpr size_t kMaxPanel = 200;
constexpr Kind kKindOrder[] = {Kind::kAssociation, Kind::kCompany,
                               Kind::kPublicBody, Kind::kAcademic,
                               Kind::kMedia};

struct Candidate {
  ActorNum num;
  Kind kind;
  ThemeSet themes;  // requested themes it acts on
  double relevance;
  uint8_t top_theme;  // its most severe requested theme
  float top_severity;
};

}  // namespace

absl::StatusOr<Panel> SuggestDialoguePanel(
    const ActorIndex& index, const MatchContext& context, const Scope& scope,
    const std::vector<uint8_t>& themes, size_t size, const Admission& admit) {
  const Vocabulary& vocabulary = context.vocabulary();
  if (themes.empty()) return absl::InvalidArgumentError("no theme");
  ThemeSet requested = 0;
  for (uint8_t t : themes) {
    if (t >= vocabulary.theme_count()) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown theme number ", t));
    }
    requested |= ThemeSet{1} << t;
  }
  if (size < 1 || size > kMaxPanel) {
    return absl::InvalidArgumentError(
        absl::StrCat("size must be within [1, ", kMaxPanel, "]"));
  }
  if (scope.level == territory::Level::kUnspecified ||
      (scope.level == territory::Level::kCustom
           ? scope.custom_communes.empty()
           : scope.place.At(scope.level) == territory::kNone)) {
    return absl::InvalidArgumentError("the panel needs a territory");
  }
  const ActorIndex::Impl& impl = IndexAccess::Of(index);

  // Severity of each requested theme on the territory itself and around it
  // (the scope's chain; for a custom zone, its communes' chains).
  float scope_severity[64] = {};
  auto add_chain = [&](const territory::Place& place, float* severity) {
    for (territory::Level level : internal::kLevelByRank) {
      const uint32_t number = place.At(level);
      if (number == territory::kNone) continue;
      for (const MatchContext::ThemeSeverity& f :
           context.FragilitiesOf(level, number)) {
        severity[f.theme] = std::max(severity[f.theme], f.severity);
      }
    }
  };
  if (scope.level == territory::Level::kCustom) {
    for (uint32_t commune : scope.custom_communes) {
      if (const territory::Place* place = impl.CommunePlace(commune)) {
        add_chain(*place, scope_severity);
      }
    }
  } else {
    add_chain(scope.place, scope_severity);
  }

  const std::vector<ActorNum> members = impl.ScopeMembers(scope);
  std::vector<Candidate> pool;
  for (ActorNum num : members) {
    const ActorRecord& rec = impl.records[num];
    if (!(rec.flags & ActorRecord::kAvailable)) continue;
    if (admit && !admit(num)) continue;
    const ThemeSet acts = rec.acts_on & requested;
    if (acts == 0) continue;
    const bool inside = ActorIndex::Inside(rec.home, scope);
    float severity[64];
    std::copy(scope_severity, scope_severity + 64, severity);
    if (inside) add_chain(rec.home, severity);
    Candidate c{num, rec.kind, acts, 0, Exchange::kAnyTheme, 0};
    for (int t = 0; t < 64; ++t) {
      if (!(acts >> t & 1)) continue;
      c.relevance += 0.5 + severity[t];
      if (c.top_theme == Exchange::kAnyTheme || severity[t] > c.top_severity) {
        c.top_theme = static_cast<uint8_t>(t);
        c.top_severity = severity[t];
      }
    }
    if (inside) c.relevance += 0.2;
    c.relevance +=
        0.1 * std::min<size_t>(context.PartnersOf(num).size(), 5) / 5.0;
    pool.push_back(c);
  }

  // Quotas per kind.
  int available[kKindCount] = {};
  for (const Candidate& c : pool) {
    ++available[static_cast<int>(c.kind) % kKindCount];
  }
  std::vector<Kind> kinds;
  for (Kind kind : kKindOrder) {
    if (available[static_cast<int>(kind)] > 0) kinds.push_back(kind);
  }
  // Actors of an unspecified kind count as their own group, last.
  if (available[0] > 0) kinds.push_back(Kind::kUnspecified);
  int quota[kKindCount] = {};
  {
    std::vector<Kind> by_size = kinds;
    std::stable_sort(by_size.begin(), by_size.end(), [&](Kind a, Kind b) {
      return available[static_cast<int>(a)] > available[static_cast<int>(b)];
    });
    size_t left = std::min(size, pool.size());
    // Even split, capped by what each kind has; repeat with the remainder.
    while (left > 0) {
      std::vector<Kind> open;
      for (Kind kind : by_size) {
        if (quota[static_cast<int>(kind)] < available[static_cast<int>(kind)]) {
          open.push_back(kind);
        }
      }
      if (open.empty()) break;
      const size_t share = std::max<size_t>(1, left / open.size());
      for (Kind kind : open) {
        if (left == 0) break;
        const int k = static_cast<int>(kind);
        const size_t add = std::min(
            {share, left, static_cast<size_t>(available[k] - quota[k])});
        quota[k] += static_cast<int>(add);
        left -= add;
      }
    }
  }

  auto better = [&](const Candidate& a, const Candidate& b) {
    if (a.relevance != b.relevance) return a.relevance > b.relevance;
    return impl.profiles[a.num].id < impl.profiles[b.num].id;
  };
  std::sort(pool.begin(), pool.end(), better);

  Panel panel;
  bool centre_is_anchor = false;
  panel.centre =
      internal::CentreOf(impl, members, scope, std::nullopt, &centre_is_anchor);
  std::vector<bool> taken(pool.size(), false);
  std::vector<std::string> why(pool.size());
  ThemeSet covered = 0;
  auto invite = [&](size_t i, std::string reason) {
    taken[i] = true;
    covered |= pool[i].themes;
    ++panel.kind_counts[static_cast<int>(pool[i].kind) % kKindCount];
    why[i] = std::move(reason);
    Invitation invitation;
    invitation.actor = pool[i].num;
    invitation.id = impl.profiles[pool[i].num].id;
    invitation.kind = pool[i].kind;
    invitation.themes = pool[i].themes;
    invitation.relevance = pool[i].relevance;
    invitation.home_commune = impl.records[pool[i].num].home.commune;
    invitation.distance_km =
        internal::DistanceFrom(impl, panel.centre, pool[i].num);
    panel.invitations.push_back(std::move(invitation));
  };

  // Coverage first.
  while (panel.invitations.size() < size) {
    const ThemeSet uncovered = requested & ~covered;
    size_t best = pool.size();
    int best_new = 0;
    bool best_below = false;
    for (size_t i = 0; i < pool.size(); ++i) {  // pool is best first
      if (taken[i]) continue;
      const int fresh = __builtin_popcountll(pool[i].themes & uncovered);
      if (fresh == 0) continue;
      const int k = static_cast<int>(pool[i].kind) % kKindCount;
      const bool below = panel.kind_counts[k] < quota[k];
      if (fresh > best_new || (fresh == best_new && below && !best_below)) {
        best = i;
        best_new = fresh;
        best_below = below;
      }
    }
    if (best == pool.size()) break;
    invite(best,
           "pour couvrir " + internal::ThemeList(
                                 vocabulary, pool[best].themes & uncovered, 3));
  }
  // Then balance: round-robin over the kinds below quota.
  bool progress = true;
  while (panel.invitations.size() < size && progress) {
    progress = false;
    for (Kind kind : kinds) {
      if (panel.invitations.size() >= size) break;
      const int k = static_cast<int>(kind);
      if (panel.kind_counts[k] >= quota[k]) continue;
      for (size_t i = 0; i < pool.size(); ++i) {
        if (!taken[i] && pool[i].kind == kind) {
          invite(i, "pour représenter les " +
                        std::string(internal::KindNoun(kind, true)));
          progress = true;
          break;
        }
      }
    }
  }
  // Quotas met or kinds exhausted: the most relevant remaining actors.
  for (size_t i = 0; i < pool.size() && panel.invitations.size() < size; ++i) {
    if (!taken[i]) invite(i, "parmi les plus concernés");
  }

  // Reasons, now that the panel is known.
  for (Invitation& invitation : panel.invitations) {
    size_t i = 0;
    while (pool[i].num != invitation.actor) ++i;
    const Candidate& c = pool[i];
    std::string reason =
        internal::Capitalize(internal::ActorPhrase(impl.profiles[c.num])) +
        " agit sur " + internal::ThemeList(vocabulary, c.themes, 3);
    if (c.top_severity >= 0.5f) {
      reason += ", fragilité forte du territoire en " +
                internal::ThemeWords(vocabulary, c.top_theme) + " (sévérité " +
                internal::Decimal(c.top_severity, 2) + ")";
    }
    reason += " ; invité " + why[i] + ".";
    invitation.reason = std::move(reason);
  }
  panel.covered_themes = covered & requested;
  panel.uncovered_themes = requested & ~covered;

  std::vector<std::string> counts;
  int kinds_present = 0;
  for (Kind kind : kKindOrder) {
    const int n = panel.kind_counts[static_cast<int>(kind)];
    if (n == 0) continue;
    ++kinds_present;
    counts.push_back(std::to_string(n) + " " +
                     std::string(internal::KindNoun(kind, n > 1)));
  }
  if (panel.invitations.empty()) {
    panel.summary = "Aucun acteur disponible du territoire n'agit sur " +
                    internal::ThemeList(vocabulary, requested, 64) + ".";
  } else {
    panel.summary = std::to_string(panel.invitations.size()) +
                    " invitations (" + internal::JoinFrench(counts) + ", " +
                    std::to_string(kinds_present) + " mondes) sur " +
                    internal::ThemeList(vocabulary, panel.covered_themes, 64);
    if (panel.uncovered_themes) {
      panel.summary +=
          " ; personne sur le territoire pour " +
          internal::ThemeList(vocabulary, panel.uncovered_themes, 64);
    }
    panel.summary += ".";
  }
  return panel;
}

}  // namespace maillage::matcher

#include "matcher/panel.h"

#include <algorithm>
#include <array>

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

// Severity of each theme (by number), the most severe fragility on it.
using ThemeSeverities = std::array<float, 64>;

struct Candidate {
  ActorNum num;
  Kind kind;
  ThemeSet themes;  // requested themes it acts on
  double relevance;
  uint8_t top_theme;  // its most severe requested theme
  float top_severity;
};

int KindSlot(Kind kind) { return static_cast<int>(kind) % kKindCount; }

// The requested themes as a set; InvalidArgument for a bad request.
absl::StatusOr<ThemeSet> CheckRequest(const Vocabulary& vocabulary,
                                      const Scope& scope,
                                      const std::vector<uint8_t>& themes,
                                      size_t size) {
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
  return requested;
}

// Raises `severity` to the fragilities of `place` and its ancestors.
void AddChainSeverity(const MatchContext& context,
                      const territory::Place& place,
                      ThemeSeverities& severity) {
  for (territory::Level level : internal::kLevelByRank) {
    const uint32_t number = place.At(level);
    if (number == territory::kNone) continue;
    for (const MatchContext::ThemeSeverity& f :
         context.FragilitiesOf(level, number)) {
      severity[f.theme] = std::max(severity[f.theme], f.severity);
    }
  }
}

// The severities on the territory itself and around it (the scope's chain;
// for a custom zone, its communes' chains).
ThemeSeverities ScopeSeverity(const ActorIndex::Impl& impl,
                              const MatchContext& context, const Scope& scope) {
  ThemeSeverities severity{};
  if (scope.level != territory::Level::kCustom) {
    AddChainSeverity(context, scope.place, severity);
    return severity;
  }
  for (uint32_t commune : scope.custom_communes) {
    if (const territory::Place* place = impl.CommunePlace(commune)) {
      AddChainSeverity(context, *place, severity);
    }
  }
  return severity;
}

// The pool: available, admitted members acting on a requested theme, each
// with its relevance (see panel.h), best first (ties by id).
std::vector<Candidate> GatherCandidates(const ActorIndex::Impl& impl,
                                        const MatchContext& context,
                                        const Scope& scope,
                                        const std::vector<ActorNum>& members,
                                        ThemeSet requested,
                                        const Admission& admit) {
  const ThemeSeverities scope_severity = ScopeSeverity(impl, context, scope);
  std::vector<Candidate> pool;
  for (ActorNum num : members) {
    const ActorRecord& rec = impl.records[num];
    if (!(rec.flags & ActorRecord::kAvailable)) continue;
    if (admit && !admit(num)) continue;
    const ThemeSet acts = rec.acts_on & requested;
    if (acts == 0) continue;
    const bool inside = ActorIndex::Inside(rec.home, scope);
    ThemeSeverities severity = scope_severity;
    if (inside) AddChainSeverity(context, rec.home, severity);
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
  std::sort(pool.begin(), pool.end(),
            [&](const Candidate& a, const Candidate& b) {
              if (a.relevance != b.relevance) return a.relevance > b.relevance;
              return impl.profiles[a.num].id < impl.profiles[b.num].id;
            });
  return pool;
}

// How many seats each kind gets: the size split evenly over the kinds the
// pool has, capped by what each kind has, the remainder split again over
// the kinds that can still take some (largest kinds first).
struct KindQuotas {
  std::vector<Kind> kinds;  // present in the pool, kKindOrder then unspecified
  int quota[kKindCount] = {};
};

KindQuotas SplitSeats(const std::vector<Candidate>& pool, size_t size) {
  int available[kKindCount] = {};
  for (const Candidate& c : pool) ++available[KindSlot(c.kind)];
  KindQuotas quotas;
  for (Kind kind : kKindOrder) {
    if (available[static_cast<int>(kind)] > 0) quotas.kinds.push_back(kind);
  }
  // Actors of an unspecified kind count as their own group, last.
  if (available[0] > 0) quotas.kinds.push_back(Kind::kUnspecified);
  std::vector<Kind> by_size = quotas.kinds;
  std::stable_sort(by_size.begin(), by_size.end(), [&](Kind a, Kind b) {
    return available[static_cast<int>(a)] > available[static_cast<int>(b)];
  });
  int* quota = quotas.quota;
  size_t left = std::min(size, pool.size());
  while (left > 0) {
    std::vector<Kind> open;
    for (Kind kind : by_size) {
      const int k = static_cast<int>(kind);
      if (quota[k] < available[k]) open.push_back(kind);
    }
    if (open.empty()) break;
    const size_t share = std::max<size_t>(1, left / open.size());
    for (Kind kind : open) {
      if (left == 0) break;
      const int k = static_cast<int>(kind);
      const size_t add =
          std::min({share, left, static_cast<size_t>(available[k] - quota[k])});
      quota[k] += static_cast<int>(add);
      left -= add;
    }
  }
  return quotas;
}

// Fills a panel from a pool, best first, in three passes: coverage, then
// balance between kinds, then relevance; then writes the reasons.
class PanelBuilder {
 public:
  PanelBuilder(const ActorIndex::Impl& impl, const Vocabulary& vocabulary,
               std::vector<Candidate> pool, ThemeSet requested, size_t size,
               Panel& panel)
      : impl_(impl),
        vocabulary_(vocabulary),
        pool_(std::move(pool)),
        requested_(requested),
        size_(size),
        panel_(panel),
        taken_(pool_.size(), false) {}

  // While a requested theme is uncovered, invites the actor covering the
  // most uncovered themes (then: its kind below quota, then relevance).
  void InviteForCoverage(const KindQuotas& quotas) {
    while (!Full()) {
      const ThemeSet uncovered = requested_ & ~covered_;
      size_t best = pool_.size();
      int best_new = 0;
      bool best_below = false;
      for (size_t i = 0; i < pool_.size(); ++i) {
        if (taken_[i]) continue;
        const int fresh = __builtin_popcountll(pool_[i].themes & uncovered);
        if (fresh == 0) continue;
        const int k = KindSlot(pool_[i].kind);
        const bool below = panel_.kind_counts[k] < quotas.quota[k];
        if (fresh > best_new || (fresh == best_new && below && !best_below)) {
          best = i;
          best_new = fresh;
          best_below = below;
        }
      }
      if (best == pool_.size()) return;
      Invite(best, "pour couvrir " +
                       internal::ThemeList(vocabulary_,
                                           pool_[best].themes & uncovered, 3));
    }
  }

  // Round-robin over the kinds below quota, each time the most relevant
  // remaining actor of that kind.
  void InviteForBalance(const KindQuotas& quotas) {
    bool progress = true;
    while (!Full() && progress) {
      progress = false;
      for (Kind kind : quotas.kinds) {
        if (Full()) return;
        if (panel_.kind_counts[static_cast<int>(kind)] >=
            quotas.quota[static_cast<int>(kind)]) {
          continue;
        }
        for (size_t i = 0; i < pool_.size(); ++i) {
          if (!taken_[i] && pool_[i].kind == kind) {
            Invite(i, "pour représenter les " +
                          std::string(internal::KindNoun(kind, true)));
            progress = true;
            break;
          }
        }
      }
    }
  }

  // Quotas met or kinds exhausted: the most relevant remaining actors.
  void InviteMostRelevant() {
    for (size_t i = 0; i < pool_.size() && !Full(); ++i) {
      if (!taken_[i]) Invite(i, "parmi les plus concernés");
    }
  }

  // Each invitation's French reason, and the panel's coverage.
  void Finish() {
    for (size_t n = 0; n < panel_.invitations.size(); ++n) {
      panel_.invitations[n].reason = Reason(chosen_[n]);
    }
    panel_.covered_themes = covered_ & requested_;
    panel_.uncovered_themes = requested_ & ~covered_;
  }

 private:
  bool Full() const { return panel_.invitations.size() >= size_; }

  void Invite(size_t i, std::string why) {
    const Candidate& c = pool_[i];
    taken_[i] = true;
    covered_ |= c.themes;
    ++panel_.kind_counts[KindSlot(c.kind)];
    chosen_.push_back({i, std::move(why)});
    Invitation invitation;
    invitation.actor = c.num;
    invitation.id = impl_.profiles[c.num].id;
    invitation.kind = c.kind;
    invitation.themes = c.themes;
    invitation.relevance = c.relevance;
    invitation.home_commune = impl_.records[c.num].home.commune;
    invitation.distance_km =
        internal::DistanceFrom(impl_, panel_.centre, c.num);
    panel_.invitations.push_back(std::move(invitation));
  }

  struct Choice {
    size_t pool_index;
    std::string why;  // the pass that invited it, in French
  };

  std::string Reason(const Choice& choice) const {
    const Candidate& c = pool_[choice.pool_index];
    std::string reason =
        internal::Capitalize(internal::ActorPhrase(impl_.profiles[c.num])) +
        " agit sur " + internal::ThemeList(vocabulary_, c.themes, 3);
    if (c.top_severity >= 0.5f) {
      reason += ", fragilité forte du territoire en " +
                internal::ThemeWords(vocabulary_, c.top_theme) + " (sévérité " +
                internal::Decimal(c.top_severity, 2) + ")";
    }
    return reason + " ; invité " + choice.why + ".";
  }

  const ActorIndex::Impl& impl_;
  const Vocabulary& vocabulary_;
  const std::vector<Candidate> pool_;
  const ThemeSet requested_;
  const size_t size_;
  Panel& panel_;
  std::vector<bool> taken_;
  std::vector<Choice> chosen_;  // parallel to panel_.invitations
  ThemeSet covered_ = 0;
};

// "12 invitations (5 associations, 4 entreprises, …, 3 mondes) sur …".
std::string Summary(const Vocabulary& vocabulary, const Panel& panel,
                    ThemeSet requested) {
  if (panel.invitations.empty()) {
    return "Aucun acteur disponible du territoire n'agit sur " +
           internal::ThemeList(vocabulary, requested, 64) + ".";
  }
  std::vector<std::string> counts;
  int kinds_present = 0;
  for (Kind kind : kKindOrder) {
    const int n = panel.kind_counts[static_cast<int>(kind)];
    if (n == 0) continue;
    ++kinds_present;
    counts.push_back(std::to_string(n) + " " +
                     std::string(internal::KindNoun(kind, n > 1)));
  }
  std::string summary =
      std::to_string(panel.invitations.size()) + " invitations (" +
      internal::JoinFrench(counts) + ", " + std::to_string(kinds_present) +
      " mondes) sur " +
      internal::ThemeList(vocabulary, panel.covered_themes, 64);
  if (panel.uncovered_themes) {
    summary += " ; personne sur le territoire pour " +
               internal::ThemeList(vocabulary, panel.uncovered_themes, 64);
  }
  return summary + ".";
}

}  // namespace

absl::StatusOr<Panel> SuggestDialoguePanel(
    const ActorIndex& index, const MatchContext& context, const Scope& scope,
    const std::vector<uint8_t>& themes, size_t size, const Admission& admit) {
  const Vocabulary& vocabulary = context.vocabulary();
  absl::StatusOr<ThemeSet> requested =
      CheckRequest(vocabulary, scope, themes, size);
  if (!requested.ok()) return requested.status();
  const ActorIndex::Impl& impl = IndexAccess::Of(index);

  const std::vector<ActorNum> members = impl.ScopeMembers(scope);
  std::vector<Candidate> pool =
      GatherCandidates(impl, context, scope, members, *requested, admit);
  const KindQuotas quotas = SplitSeats(pool, size);

  Panel panel;
  bool centre_is_anchor = false;
  panel.centre =
      internal::CentreOf(impl, members, scope, std::nullopt, &centre_is_anchor);
  PanelBuilder builder(impl, vocabulary, std::move(pool), *requested, size,
                       panel);
  builder.InviteForCoverage(quotas);
  builder.InviteForBalance(quotas);
  builder.InviteMostRelevant();
  builder.Finish();
  panel.summary = Summary(vocabulary, panel, *requested);
  return panel;
}

}  // namespace maillage::matcher

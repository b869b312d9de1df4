#ifndef MAILLAGE_MATCHER_PANEL_H_
#define MAILLAGE_MATCHER_PANEL_H_

// Invitation panels for a territorial dialogue: actors of every kind around
// a shared reading of the territory's fragilities on a few themes.
//
// Method:
//   - Pool: live, available actors acting in the territory (home inside or
//     an action area overlapping it) on at least one requested theme. A
//     meeting is no partnership: actors with no capacity left are invited.
//   - Relevance of an actor: for each requested theme it acts on,
//     0.5 + the severity of the fragility on that theme of the territory
//     (the scope and its ancestors, and the actor's own commune, EPCI…);
//     + 0.2 when its home is inside the territory; + up to 0.1 as a
//     connector (partnerships in the registry).
//   - Coverage first: while a requested theme is uncovered, invite the actor
//     covering the most uncovered themes (then: its kind below quota, then
//     relevance).
//   - Balance: kinds get quotas (the size split evenly over the kinds the
//     territory has, the remainder to the kinds with the most actors, what
//     a kind cannot fill passed on); then round-robin over the kinds below
//     quota, each time inviting the most relevant remaining actor of that
//     kind.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "matcher/actor_index.h"
#include "matcher/context.h"

namespace maillage::matcher {

struct Invitation {
  ActorNum actor = 0;
  std::string id;
  Kind kind = Kind::kUnspecified;
  ThemeSet themes = 0;  // requested themes it acts on
  double relevance = 0;
  std::string reason;  // French: why this actor is invited
  uint32_t home_commune = territory::kNone;
  double distance_km = -1;  // to the panel's centre; -1 when unknown
};

struct Panel {
  std::vector<Invitation> invitations;  // in the order they were chosen
  ThemeSet covered_themes = 0;
  ThemeSet uncovered_themes = 0;  // requested, nobody in the territory
  int kind_counts[kKindCount] = {};
  std::string summary;  // French
  // The territory's centre: the mean position of the actors homed in it
  // that have coordinates; none when no position is known.
  std::optional<GeoPoint> centre;
};

// Only actors `admit` admits are invited (empty: any actor of the
// territory). Errors: InvalidArgument for no or unknown themes, size outside
// [1, 200], or an unusable scope. Deterministic.
absl::StatusOr<Panel> SuggestDialoguePanel(const ActorIndex& index,
                                           const MatchContext& context,
                                           const Scope& scope,
                                           const std::vector<uint8_t>& themes,
                                           size_t size,
                                           const Admission& admit = {});

}  // namespace maillage::matcher

#endif  // MAILLAGE_MATCHER_PANEL_H_

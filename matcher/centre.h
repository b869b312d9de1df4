#ifndef MAILLAGE_MATCHER_CENTRE_H_
#define MAILLAGE_MATCHER_CENTRE_H_

// Where coalitions and panels measure their members' distances from. The
// reference geography has no coordinates, so a territory's centre is
// estimated from its actors. Internal to the matcher.

#include <optional>
#include <vector>

#include "matcher/actor_index.h"
#include "matcher/actor_index_internal.h"

namespace maillage::matcher::internal {

// The anchor's position when there is an anchor with coordinates
// (*is_anchor set), else the mean position of the actors of `members`
// homed inside `scope` that have coordinates; nullopt when none has.
std::optional<GeoPoint> CentreOf(const ActorIndex::Impl& impl,
                                 const std::vector<ActorNum>& members,
                                 const Scope& scope,
                                 std::optional<ActorNum> anchor,
                                 bool* is_anchor);

// Kilometres from `centre` to the live actor `num`, -1 when either position
// is unknown.
double DistanceFrom(const ActorIndex::Impl& impl,
                    const std::optional<GeoPoint>& centre, ActorNum num);

}  // namespace maillage::matcher::internal

#endif  // MAILLAGE_MATCHER_CENTRE_H_

#include "matcher/centre.h"

#include "matcher/scoring.h"

namespace maillage::matcher::internal {

std::optional<GeoPoint> CentreOf(const ActorIndex::Impl& impl,
                                 const std::vector<ActorNum>& members,
                                 const Scope& scope,
                                 std::optional<ActorNum> anchor,
                                 bool* is_anchor) {
  *is_anchor = false;
  if (anchor && impl.records[*anchor].has_coords()) {
    *is_anchor = true;
    return GeoPoint{impl.records[*anchor].latitude,
                    impl.records[*anchor].longitude};
  }
  double latitude = 0;
  double longitude = 0;
  size_t count = 0;
  for (ActorNum num : members) {
    const ActorRecord& rec = impl.records[num];
    if (!rec.has_coords() || !ActorIndex::Inside(rec.home, scope)) continue;
    latitude += rec.latitude;
    longitude += rec.longitude;
    ++count;
  }
  if (count == 0) return std::nullopt;
  return GeoPoint{latitude / count, longitude / count};
}

double DistanceFrom(const ActorIndex::Impl& impl,
                    const std::optional<GeoPoint>& centre, ActorNum num) {
  const ActorRecord& rec = impl.records[num];
  if (!centre || !rec.has_coords()) return -1;
  return HaversineKm(centre->latitude, centre->longitude, rec.latitude,
                     rec.longitude);
}

}  // namespace maillage::matcher::internal

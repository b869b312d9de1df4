#include "matcher/partner_bounds.h"

#include <algorithm>
#include <cmath>

namespace maillage::matcher::internal {
namespace {

// Whether an action area of the asking actor may cover homes of département
// `departement` (of région `region`). Conservative.
bool AreaMayCover(const ActionArea& area, uint32_t departement,
                  uint32_t region) {
  switch (area.level) {
    case territory::Level::kCommune:
    case territory::Level::kDepartement:
      return area.place.departement == departement;
    case territory::Level::kEpci:
    case territory::Level::kEpt:
    case territory::Level::kRegion:
      return area.place.region == region || region == territory::kNone;
    default:
      return true;
  }
}

// Smallest distance from a point to a latitude/longitude box, slightly
// under-estimated so that it bounds the haversine distance from below.
double MinDistanceKm(double lat, double lon, const ActorIndex::Impl::Box& box) {
  const double clat = std::clamp<double>(lat, box.min_lat, box.max_lat);
  const double clon = std::clamp<double>(lon, box.min_lon, box.max_lon);
  return std::max(0.0, internal::HaversineKm(lat, lon, clat, clon) * 0.98 - 1);
}

}  // namespace

PartitionPlan PartitionBound(const Query& query, uint32_t partition) {
  const ActorIndex::Impl& impl = query.impl();
  const ActorRecord& me = query.record();
  const internal::NormalizedWeights& w = query.weights();
  const uint32_t own = internal::PartitionOf(me.home);
  double proximity = 0;
  double fragility = 0;
  double areas = 0;
  double box = 0;
  if (partition == own || partition == 0) {
    proximity = 1;
    fragility = query.MaxSeverity(0);
    for (const ActionArea& area : query.profile().action_areas) {
      areas = std::max(areas, 0.8 * internal::LevelProximity(area.level));
    }
  } else {
    const uint32_t departement = partition - 1;
    const uint32_t region = departement < impl.departement_region.size()
                                ? impl.departement_region[departement]
                                : territory::kNone;
    if (region == territory::kNone ||
        (me.home.region != territory::kNone && region == me.home.region)) {
      proximity = internal::LevelProximity(territory::Level::kRegion);
      fragility = query.MaxSeverity(internal::kRankCount - 1);
    }
    // An intercommunality straddling départements puts neighbours in
    // other partitions.
    for (int rank : {1, 2}) {
      const uint32_t n = me.home.At(internal::kLevelByRank[rank]);
      const std::vector<ActorIndex::Impl::Span>& spans =
          rank == 1 ? impl.ept_span : impl.epci_span;
      if (n == territory::kNone || n >= spans.size()) continue;
      const ActorIndex::Impl::Span& span = spans[n];
      if (span.departement == ActorIndex::Impl::kMixed &&
          (span.region == ActorIndex::Impl::kMixed || span.region == region ||
           region == territory::kNone)) {
        proximity = std::max(
            proximity, internal::LevelProximity(internal::kLevelByRank[rank]));
        fragility =
            std::max(fragility, static_cast<double>(query.MaxSeverity(rank)));
      }
    }
    if (me.has_coords()) {
      if (partition < impl.partition_boxes.size() &&
          !impl.partition_boxes[partition].empty()) {
        box = internal::DistanceProximity(MinDistanceKm(
            me.latitude, me.longitude, impl.partition_boxes[partition]));
      }
    }
    if (me.has_areas()) {
      for (const ActionArea& area : query.profile().action_areas) {
        if (AreaMayCover(area, departement, region)) {
          areas = std::max(areas, 0.8 * internal::LevelProximity(area.level));
        }
      }
    }
  }
  const double hierarchy = std::max(proximity, areas);
  proximity = std::max(hierarchy, box);
  const double capacity = std::min<int>(me.capacity, 3) / 3.0;
  const double common =
      1.0 - std::ldexp(1.0, -static_cast<int>(
                                std::min<size_t>(query.partner_count(), 60)));
  PartitionPlan plan;
  plan.partition = partition;
  const double context = w.complementarity + w.shared_themes +
                         w.fragility * fragility + w.cross_kind +
                         w.capacity * capacity + w.common_partners * common;
  const double distance = 1 - w.proximity + w.proximity * proximity;
  plan.context = query.FeedbackBound(context, false);
  plan.lifted_context = query.FeedbackBound(context, true);
  plan.proximity = proximity;
  plan.areas = areas;
  plan.hierarchy = hierarchy;
  plan.bound = plan.context * distance;
  plan.lifted_bound = plan.lifted_context * distance;
  return plan;
}

}  // namespace maillage::matcher::internal

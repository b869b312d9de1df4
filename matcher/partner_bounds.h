#ifndef MAILLAGE_MATCHER_PARTNER_BOUNDS_H_
#define MAILLAGE_MATCHER_PARTNER_BOUNDS_H_

// The bounds stage of the partner search (partner_search.h): upper bounds
// of the score that let the search leave out, unread, what cannot enter the
// top k. Each bound is of a product the score is made of (partners.h):
//   - per partition of the postings (a home département): everything but
//     the mutual fit, from the hierarchy, the partition's bounding box, the
//     asking actor's action areas and the best the other factors can be;
//   - per posting entry: the proximity from the position the entry carries
//     (Reach, MyPosition), without reading the actor;
//   - per candidate: the mutual fit from its credits alone (CreditBound).
// Internal to the matcher.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>

#include "matcher/actor_index.h"
#include "matcher/actor_index_internal.h"
#include "matcher/scoring.h"

namespace maillage::matcher::internal {

// A partition of the exchange postings and an upper bound of
// lifted * (1 - w_p + w_p P) * (1 - w_r (1 - R)) for any actor homed in it:
// a candidate's score is at most its mutual fit times that. Two bounds:
// one for the candidates whose similar success may be positive
// (Query::MayLift), one for the others (most of them, unless the asking
// actor has cooperation signals itself).
struct PartitionPlan {
  uint32_t partition;
  double context;         // bound of lifted * (1 - w_r (1 - R)), S = 0
  double lifted_context;  // the same, S <= 1
  double proximity;       // bound of P
  // Parts of that bound: the asking actor's action areas alone, and with
  // the hierarchy (what bounds P when a position is missing on either side).
  double areas;
  double hierarchy;
  double bound;         // context * (1 - w_p + w_p proximity)
  double lifted_bound;  // lifted_context * (1 - w_p + w_p proximity)
  double For(const Query& query, ActorNum num) const {
    return lifted_bound != bound && query.MayLift(num) ? lifted_bound : bound;
  }
};

// The plan of one partition (ActorIndex::Impl::PartitionOf numbering).
PartitionPlan PartitionBound(const Query& query, uint32_t partition);

// Whether the levels an entry's home shares with the asking actor's can
// bound its proximity lower than the partition's bound does: not when that
// bound is already the région's (or nothing).
inline bool LevelsMatter(const PartitionPlan& step) {
  return step.hierarchy > internal::LevelProximity(territory::Level::kRegion);
}

// How far, during one partition's walk, an entry may be and still reach
// `cut`: its score is at most context * (1 - w_p + w_p P), and P is at most
// the larger of DistanceProximity(distance) (both positions known) and the
// asking actor's areas. Beyond the reach, an entry cannot matter.
class Reach {
 public:
  Reach(double context, double lifted_context, double cut, double w_p,
        const PartitionPlan& step)
      : active_(cut > 0),
        lifts_(lifted_context != context),
        context_(context),
        lifted_context_(lifted_context),
        cut_(cut),
        w_p_(w_p),
        areas_(step.areas) {
    if (!active_) return;
    km2_ = Km2Cut(context, cut, w_p, step.areas);
    km2_lifted_ = Km2Cut(lifted_context, cut, w_p, step.areas);
    auto level = [&](double proximity) {
      const double distance = 1 - w_p + w_p * proximity;
      if (lifted_context * distance < cut) return 2;
      return context * distance < cut ? 1 : 0;
    };
    unplaced_ = level(step.hierarchy);
    levels_matter_ = LevelsMatter(step);
    unknown_ = level(step.proximity);
  }
  bool active() const { return active_; }
  // Whether an actor whose similar success may be positive reaches further.
  bool lifts() const { return lifts_; }
  // 0: within reach; 1: within reach only if lifted; 2: beyond.
  int ByKm2(double km2) const {
    if (km2 <= km2_) return 0;
    return km2 <= km2_lifted_ ? 1 : 2;
  }
  // From the proximity of the levels the homes share.
  int ByProximity(double levels) const {
    const double distance = 1 - w_p_ + w_p_ * std::max(levels, areas_);
    if (lifted_context_ * distance < cut_) return 2;
    return context_ * distance < cut_ ? 1 : 0;
  }
  int Unplaced() const { return unplaced_; }  // a position is missing
  bool levels_matter() const { return levels_matter_; }  // LevelsMatter
  int Unknown() const { return unknown_; }               // no distance estimate

 private:
  // The square of the largest estimated distance (see MyPosition) at which
  // P may still let context * (1 - w_p + w_p P) reach `cut`; +inf when
  // distance cannot rule anything out, -1 when nothing reaches.
  static double Km2Cut(double context, double cut, double w_p, double areas) {
    constexpr double kInfinity = std::numeric_limits<double>::infinity();
    if (context * (1 - w_p + w_p * areas) >= cut) return kInfinity;
    if (context * 1 < cut) return -1;
    const double p = (cut / context - (1 - w_p)) / w_p;  // w_p > 0 here
    if (p <= 0) return kInfinity;
    // DistanceProximity(km) >= p  <=>  km <= 20 (1/p - 1)^(2/3).
    const double km = 20 * std::cbrt((1 / p - 1) * (1 / p - 1)) * 1.0001 + 0.01;
    // Beyond 1,000 km the estimate is not trusted to bound the distance.
    if (km > 1000) return kInfinity;
    const double estimate = (km + 1.5) / 0.98;
    return estimate * estimate;
  }

  bool active_;
  bool lifts_;
  double context_;
  double lifted_context_;
  double cut_;
  double w_p_;
  double areas_;
  double km2_ = 0;
  double km2_lifted_ = 0;
  int unplaced_ = 0;
  bool levels_matter_ = true;
  int unknown_ = 0;
};

// The asking actor's position, and a cheap estimate of the distance to a
// packed position: equirectangular, with the cosine of the latitude
// farther from the equator. Within 60 degrees of latitude and 1,000 km,
// estimate * 0.98 - 1.5 km stays under the haversine distance (the 1.5 km
// also cover the packing steps); elsewhere no estimate is made.
class MyPosition {
 public:
  MyPosition(const ActorIndex::Impl& impl, const ActorRecord& me)
      : impl_(impl),
        home_(me.home),
        placed_(me.has_coords()),
        usable_(placed_ && std::abs(me.latitude) <= kMaxLatitude),
        latitude_(me.latitude),
        longitude_(me.longitude) {}

  int Beyond(uint32_t where, const Reach& reach) const {
    if (!internal::HasPosition(where)) {
      // Far from home the partition's bound is the levels' already.
      if (!reach.levels_matter()) return reach.Unplaced();
      const double levels = Levels(where);
      return levels < 0 ? reach.Unplaced() : reach.ByProximity(levels);
    }
    if (!placed_) return reach.Unplaced();
    double km2;
    if (!Estimate(where, &km2)) return reach.Unknown();
    return reach.ByKm2(km2);
  }
  // A bound of the proximity of an entry at `where`, in `step`.
  double Proximity(uint32_t where, const PartitionPlan& step) const {
    if (!internal::HasPosition(where)) {
      if (!LevelsMatter(step)) return step.hierarchy;
      const double levels = Levels(where);
      return levels < 0 ? step.hierarchy : std::max(levels, step.areas);
    }
    if (!placed_) return step.hierarchy;
    double km2;
    if (!Estimate(where, &km2)) return step.proximity;
    const double km = std::max(0.0, std::sqrt(km2) * 0.98 - 1.5);
    return std::max(internal::DistanceProximity(km), step.areas);
  }

 private:
  static constexpr float kMaxLatitude = 60;
  bool Estimate(uint32_t where, double* km2) const {
    const float latitude = internal::PackedLatitude(where);
    if (!usable_ || std::abs(latitude) > kMaxLatitude) return false;
    constexpr double kKmPerDegree = 111.195;
    const double dlat = (latitude - latitude_) * kKmPerDegree;
    double dlon = std::abs(internal::PackedLongitude(where) - longitude_);
    if (dlon > 180) dlon = 360 - dlon;
    const float polar = std::max(std::abs(latitude), std::abs(latitude_));
    dlon *= kKmPerDegree * Cosine(polar);
    *km2 = dlat * dlat + dlon * dlon;
    return true;
  }
  // cos of the next whole degree up: a lower bound of cos(degrees).
  static double Cosine(float degrees) {
    static const auto* table = [] {
      auto* t = new std::array<double, 92>;
      for (int d = 0; d < 92; ++d) {
        (*t)[d] = std::cos(std::min(d, 90) * M_PI / 180);
      }
      return t;
    }();
    return (*table)[static_cast<int>(degrees) + 1];
  }

  // Without the partner's coordinates, the proximity of the levels the
  // homes share (exact, areas aside); -1 when the commune is unknown.
  double Levels(uint32_t where) const {
    const uint32_t commune = internal::PackedCommune(where);
    if (commune == territory::kNone) return -1;
    const territory::Place* place = impl_.CommunePlace(commune);
    if (place == nullptr) return -1;
    const int rank = internal::SharedRank(home_, *place);
    return rank < 0 ? 0
                    : internal::LevelProximity(internal::kLevelByRank[rank]);
  }

  const ActorIndex::Impl& impl_;
  territory::Place home_;
  bool placed_;
  bool usable_;
  float latitude_;
  float longitude_;
};

// An upper bound of the mutual fit from the credits alone (the partner's
// record unread): themes count fully, the partner's needs as if it had one.
inline double CreditBound(const Query& query, const PairInputs& inputs) {
  const internal::NormalizedWeights& w = query.weights();
  const uint32_t needs = query.record().need_resources;
  const double cover_actor =
      needs == 0 ? 0.5
                 : std::min(1.0, inputs.to_actor.tenths / 10.0 /
                                     std::min(__builtin_popcount(needs), 2));
  const double cover_partner =
      std::max(0.5, std::min(1.0, inputs.to_partner.tenths / 10.0));
  const double wc = w.complementarity;
  const double wt = w.shared_themes;
  const double a = (wc * cover_actor + wt) / (wc + wt);
  const double b = (wc * cover_partner + wt) / (wc + wt);
  return 2 * a * b / (a + b);
}

}  // namespace maillage::matcher::internal

#endif  // MAILLAGE_MATCHER_PARTNER_BOUNDS_H_

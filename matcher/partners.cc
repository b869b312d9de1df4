#include "matcher/partners.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "matcher/actor_index_internal.h"
#include "matcher/scoring.h"
#include "matcher/wording.h"

namespace maillage::matcher {

using internal::ActorRecord;
using internal::Credits;
using internal::ExchangeKey;
using internal::kNoTheme;
using internal::PairInputs;
using internal::Postings;
using internal::Query;
using internal::Side;

namespace {

constexpr size_t kMaxLimit = 1000;
constexpr uint32_t kAllCategories = 0x1E;

// One posting list to walk: every actor in it gets `tenths` of credit for
// `resource`, towards the asking actor (its offers meet the actor's need) or
// towards itself (its needs are met by the actor's offer).
struct Probe {
  uint32_t key;
  uint8_t tenths;
  uint8_t resource;
  bool to_actor;
};

// The probes of the actor's needs (to_actor) and offers, mirroring
// internal::MatchTenths over the exchange keys of ActorIndex: for each
// (direction, key) the best quality, sorted best first so that the first
// credit of a resource is its best.
std::vector<Probe> MakeProbes(const ActorProfile& actor) {
  std::vector<Probe> probes;
  auto add_side = [&](const std::vector<Exchange>& exchanges, bool to_actor) {
    // The actor's needs meet offers, and its offers meet needs.
    const Side other = to_actor ? Side::kOffer : Side::kNeed;
    for (const Exchange& e : exchanges) {
      if (e.resource >= 32) continue;
      auto add = [&](bool implied, uint8_t theme, uint8_t tenths) {
        probes.push_back(Probe{ExchangeKey(other, implied, e.resource, theme),
                               tenths, e.resource, to_actor});
      };
      if (e.theme != Exchange::kAnyTheme) {
        if (e.theme >= 64) continue;
        add(false, e.theme, 10);
        add(true, e.theme, 8);
      } else if (actor.themes != 0) {
        for (int t = 0; t < 64; ++t) {
          if (!(actor.themes >> t & 1)) continue;
          add(false, static_cast<uint8_t>(t), 8);
          add(true, static_cast<uint8_t>(t), 7);
        }
      } else {
        add(true, kNoTheme, 5);
      }
    }
  };
  add_side(actor.needs, true);
  add_side(actor.offers, false);
  std::sort(probes.begin(), probes.end(), [](const Probe& a, const Probe& b) {
    if (a.to_actor != b.to_actor) return a.to_actor;
    if (a.key != b.key) return a.key < b.key;
    return a.tenths > b.tenths;
  });
  probes.erase(std::unique(probes.begin(), probes.end(),
                           [](const Probe& a, const Probe& b) {
                             return a.to_actor == b.to_actor && a.key == b.key;
                           }),
               probes.end());
  std::stable_sort(
      probes.begin(), probes.end(),
      [](const Probe& a, const Probe& b) { return a.tenths > b.tenths; });
  return probes;
}

// The actors whose action areas cover the asking actor's home, and the
// proximity the closest such area gives: a byte per actor number, 0 or
// 5 - rank of the area's level (higher is closer). Denser than the
// candidate slots, so that marking thousands of them stays cheap; only the
// bytes set are cleared between queries.
struct AreaMarks {
  std::vector<uint8_t> code;
  std::vector<ActorNum> set;

  void Reset(size_t num_limit) {
    for (ActorNum num : set) code[num] = 0;
    set.clear();
    if (code.size() < num_limit) code.resize(num_limit, 0);
  }
  void Mark(ActorNum num, int rank) {
    const auto c = static_cast<uint8_t>(internal::kRankCount - rank);
    if (code[num] == 0) set.push_back(num);
    code[num] = std::max(code[num], c);
  }
  bool Has(ActorNum num) const { return code[num] != 0; }
  // The proximity bound of the area (custom zones, indexed at commune rank,
  // give at most 0.8 too).
  static float Proximity(uint8_t c) {
    return c == 0 ? 0.0f
                  : static_cast<float>(
                        0.8 *
                        internal::LevelProximity(
                            internal::kLevelByRank[internal::kRankCount - c]));
  }
  float ProximityOf(ActorNum num) const { return Proximity(code[num]); }
};

// Per-thread scratch of a query: a generation stamp per actor number marks
// the candidates already seen, so that nothing is cleared between queries.
struct Candidate {
  ActorNum num;
  bool scored;
  bool area_scope;  // an action area of it overlaps the scope
  // Bound of the proximity from its posting entry (position or hierarchy,
  // and the asking actor's areas), -1 until a walk met it.
  float entry_proximity;
  PairInputs inputs;
};
struct Scratch {
  // By actor number: generation << 32 | index in `candidates` (one random
  // access per posting entry).
  std::vector<uint64_t> slot;
  std::vector<Candidate> candidates;
  uint64_t generation = 0;
  AreaMarks areas;

  void Reset(size_t num_limit) {
    if (slot.size() < num_limit) slot.resize(num_limit, 0);
    candidates.clear();
    if (++generation == (uint64_t{1} << 32)) {
      std::fill(slot.begin(), slot.end(), 0);
      generation = 1;
    }
  }
  void Prefetch(ActorNum num) const { __builtin_prefetch(&slot[num]); }
  Candidate* Find(ActorNum num) {
    const uint64_t s = slot[num];
    return (s >> 32) == generation ? &candidates[static_cast<uint32_t>(s)]
                                   : nullptr;
  }
  Candidate& Get(ActorNum num) {
    uint64_t& s = slot[num];
    if ((s >> 32) != generation) {
      s = generation << 32 | candidates.size();
      candidates.push_back(Candidate{num, false, false, -1, {}});
    }
    return candidates[static_cast<uint32_t>(s)];
  }
};

void Credit(Credits& credits, const Probe& probe) {
  const uint32_t bit = 1u << probe.resource;
  if (!(credits.mask & bit)) {
    credits.mask |= bit;
    credits.tenths += probe.tenths;
  }
}

// Better ranks first: higher score, then smaller public id.
struct Ranked {
  double score;
  ActorNum num;
  PairInputs inputs;
  Query::Score detail;
};

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

// Whether the levels an entry's home shares with the asking actor's can
// bound its proximity lower than the partition's bound does: not when that
// bound is already the région's (or nothing).
bool LevelsMatter(const PartitionPlan& step) {
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
double CreditBound(const Query& query, const PairInputs& inputs) {
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

absl::Status CheckActor(const ActorIndex& index, ActorNum actor) {
  if (!index.IsLive(actor)) {
    return absl::NotFoundError(absl::StrCat("no actor number ", actor));
  }
  return absl::OkStatus();
}

PairInputs DirectInputs(const ActorIndex& index, ActorNum actor,
                        ActorNum partner) {
  const ActorProfile& a = index.Get(actor);
  const ActorProfile& b = index.Get(partner);
  return PairInputs{internal::DirectCredits(a, b),
                    internal::DirectCredits(b, a)};
}

}  // namespace

std::string_view FactorCode(FactorKind kind) {
  switch (kind) {
    case FactorKind::kComplementarity:
      return "complementarity";
    case FactorKind::kSharedThemes:
      return "shared_themes";
    case FactorKind::kProximity:
      return "proximity";
    case FactorKind::kFragility:
      return "fragility";
    case FactorKind::kCrossKind:
      return "cross_kind";
    case FactorKind::kCapacity:
      return "capacity";
    case FactorKind::kCommonPartners:
      return "common_partners";
    case FactorKind::kResponsiveness:
      return "responsiveness";
    case FactorKind::kSimilarSuccess:
      return "similar_success";
  }
  return "unknown";
}

absl::Status ValidateWeights(const Weights& weights) {
  const double all[] = {
      weights.complementarity, weights.shared_themes,  weights.proximity,
      weights.fragility,       weights.cross_kind,     weights.capacity,
      weights.common_partners, weights.responsiveness, weights.similar_success};
  for (double w : all) {
    if (!std::isfinite(w) || w < 0) {
      return absl::InvalidArgumentError(
          "weights must be finite and non-negative");
    }
  }
  if (weights.proximity > 1) {
    return absl::InvalidArgumentError("the proximity weight is at most 1");
  }
  if (weights.responsiveness > 1 || weights.similar_success > 1) {
    return absl::InvalidArgumentError(
        "the responsiveness and similar_success weights are at most 1");
  }
  if (weights.complementarity + weights.shared_themes <= 0) {
    return absl::InvalidArgumentError(
        "complementarity + shared_themes weights must be positive: without a "
        "fit there is no score");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Suggestion>> SuggestPartners(
    const ActorIndex& index, const MatchContext& context, ActorNum actor,
    const PartnerOptions& options) {
  if (absl::Status status = CheckActor(index, actor); !status.ok()) {
    return status;
  }
  if (absl::Status status = ValidateWeights(options.weights); !status.ok()) {
    return status;
  }
  if (options.limit > kMaxLimit) {
    return absl::InvalidArgumentError(
        absl::StrCat("limit must be at most ", kMaxLimit));
  }
  const ActorIndex::Impl& impl = IndexAccess::Of(index);
  const ActorRecord& me = impl.records[actor];
  if (!me.proposable()) {
    return absl::FailedPreconditionError(
        (me.flags & ActorRecord::kAvailable)
            ? "the actor has no capacity left for new partnerships"
            : "the actor opted out of matching or is dissolved");
  }
  std::vector<Suggestion> result;
  if (options.limit == 0) return result;

  const Query query(index, context, actor,
                    internal::Normalize(options.weights));
  const ActorProfile& profile = impl.profiles[actor];
  thread_local Scratch scratch;
  scratch.Reset(impl.records.size());

  // The partitions of the exchange postings to walk (those of the scope's
  // départements, or all), best bound first.
  std::vector<uint32_t> partitions =
      impl.ScopePartitions(options.scope ? *options.scope : Scope());
  // Buffers kept per thread: their allocations are large enough for malloc
  // to consolidate its free lists on each of them.
  thread_local std::vector<PartitionPlan> plan;
  thread_local std::vector<PartitionPlan> bounds;  // by partition, on demand
  thread_local std::vector<double> bounds_of;
  thread_local std::vector<uint32_t> buckets_of;
  thread_local std::vector<uint32_t> order;
  plan.clear();
  bounds.clear();
  plan.reserve(partitions.size());
  std::vector<bool> walked;
  for (uint32_t p : partitions) {
    plan.push_back(PartitionBound(query, p));
    if (walked.size() <= p) walked.resize(p + 1, false);
  }
  std::sort(plan.begin(), plan.end(),
            [](const PartitionPlan& a, const PartitionPlan& b) {
              if (a.lifted_bound != b.lifted_bound) {
                return a.lifted_bound > b.lifted_bound;
              }
              if (a.bound != b.bound) return a.bound > b.bound;
              return a.partition < b.partition;
            });
  auto is_walked = [&](uint32_t p) { return p < walked.size() && walked[p]; };

  const uint32_t accepted_by_actor =
      me.accepted_categories ? me.accepted_categories : kAllCategories;
  const uint32_t requested =
      options.categories ? options.categories & kAllCategories : kAllCategories;
  const double min_score = std::max(options.min_score, 0.0);
  auto better = [&](const Ranked& x, const Ranked& y) {
    if (x.score != y.score) return x.score > y.score;
    return impl.profiles[x.num].id < impl.profiles[y.num].id;
  };
  std::vector<Ranked> heap;  // worst on top
  heap.reserve(options.limit + 1);
  auto threshold = [&] {
    return heap.size() == options.limit ? heap.front().score : -1.0;
  };
  auto allowed_categories = [&](ActorNum num, const PairInputs& inputs) {
    const ActorRecord& rec = impl.records[num];
    const uint32_t accepted_by_partner =
        rec.accepted_categories ? rec.accepted_categories : kAllCategories;
    return query.InferredCategories(num, inputs) & accepted_by_actor &
           accepted_by_partner & requested & ~query.ActiveCategories(num);
  };

  // Scores one candidate; `bound` bounds its context factor (see
  // PartitionBound), `complete` says whether its credits are.
  // The categories each credited resource may give, whatever the partner's
  // kind: with the credits alone, a candidate whose categories are all
  // excluded is dropped before its record is read.
  const uint32_t static_allowed = accepted_by_actor & requested;
  uint32_t may_give_actor[32] = {};
  uint32_t may_give_partner[32] = {};
  for (int k = 0; k < kKindCount; ++k) {
    for (uint8_t subtype : {uint8_t{0}, kSubtypeInsertionStructure}) {
      for (int r = 0; r < 32; ++r) {
        const auto kind = static_cast<Kind>(k);
        const auto resource = static_cast<uint8_t>(r);
        may_give_actor[r] |=
            1u << static_cast<int>(
                context.FlowOf(kind, subtype, me.kind, resource).category);
        may_give_partner[r] |=
            1u << static_cast<int>(
                context.FlowOf(me.kind, me.subtype, kind, resource).category);
      }
    }
  }
  auto may_allow = [&](const PairInputs& inputs) {
    if (inputs.to_actor.mask == 0 && inputs.to_partner.mask == 0) {
      return (static_allowed &
              ((1u << static_cast<int>(Category::kEconomicCooperation)) |
               (1u << static_cast<int>(Category::kSocietalInnovation)))) != 0;
    }
    uint32_t possible = 0;
    for (uint32_t m = inputs.to_actor.mask; m; m &= m - 1) {
      possible |= may_give_actor[__builtin_ctz(m)];
    }
    for (uint32_t m = inputs.to_partner.mask; m; m &= m - 1) {
      possible |= may_give_partner[__builtin_ctz(m)];
    }
    return (possible & static_allowed) != 0;
  };

  auto consider = [&](Candidate& c, double bound, bool complete) {
    if (c.scored) return;
    c.scored = true;
    const ActorNum num = c.num;
    if (num == actor) return;
    // Cheap checks from the credits alone, before touching the record.
    if (complete) {
      if (heap.size() == options.limit &&
          CreditBound(query, c.inputs) * bound < threshold()) {
        return;
      }
      if (!may_allow(c.inputs)) return;
    }
    const ActorRecord& rec = impl.records[num];
    if (!rec.proposable()) return;
    if (options.kinds && !(options.kinds >> static_cast<int>(rec.kind) & 1)) {
      return;
    }
    if (options.themes && !(rec.acts_on & options.themes)) return;
    // In the scope: home inside, or an area overlapping it (the area
    // postings of the scope are exact).
    if (options.scope && !c.area_scope &&
        !ActorIndex::Inside(rec.home, *options.scope)) {
      return;
    }
    if (options.admit && !options.admit(num)) return;
    if (!complete) {
      // The credits as if every resource met were met fully bound the fit;
      // read the profiles only when that bound can make it.
      const uint32_t to_actor = me.need_resources & rec.offer_resources;
      const uint32_t to_partner = rec.need_resources & me.offer_resources;
      if (to_actor == 0 && to_partner == 0 && !(me.acts_on & rec.acts_on)) {
        return;
      }
      const PairInputs optimistic{
          {to_actor, 10u * __builtin_popcount(to_actor)},
          {to_partner, 10u * __builtin_popcount(to_partner)}};
      const double ceiling = query.ComputeFit(rec, optimistic).mutual * bound;
      if (ceiling <= 0 || ceiling < min_score || ceiling < threshold()) return;
      c.inputs = DirectInputs(index, actor, num);
    }
    const Query::Fit fit = query.ComputeFit(rec, c.inputs);
    if (fit.mutual <= 0 || fit.mutual * bound < min_score) return;
    if (fit.mutual * bound < threshold()) return;
    const uint32_t allowed = allowed_categories(num, c.inputs);
    if (allowed == 0) return;
    Query::Score score = query.ComputeScore(num, c.inputs);
    if (score.total <= 0 || score.total < min_score) return;
    Ranked ranked{score.total, num, c.inputs, score};
    if (heap.size() < options.limit) {
      heap.push_back(std::move(ranked));
      std::push_heap(heap.begin(), heap.end(), better);
    } else if (better(ranked, heap.front())) {
      std::pop_heap(heap.begin(), heap.end(), better);
      heap.back() = std::move(ranked);
      std::push_heap(heap.begin(), heap.end(), better);
    }
  };

  // Actors whose action areas cover the actor's home (their proximity
  // comes from the area, wherever they live) or overlap the scope: scored
  // last, when the threshold is highest, with their own bounds.
  const MyPosition me_position(impl, me);
  // The covering ones are only marked now (no candidate slot: that is a
  // cache miss each), and taken up after the walks from their postings,
  // which say where they live; the walks leave them to that last pass.
  AreaMarks& areas = scratch.areas;
  areas.Reset(impl.records.size());
  std::vector<const internal::AreaPostings*> covering;
  if (impl.areas_actor_count > 0) {
    for (int rank = 0; rank < internal::kRankCount; ++rank) {
      const uint32_t n = me.home.At(internal::kLevelByRank[rank]);
      if (n == territory::kNone) continue;
      auto it = impl.area_covering.find(internal::AreaKey(rank, n));
      if (it == impl.area_covering.end()) continue;
      covering.push_back(&it->second);
      for (const internal::AreaEntry& e : it->second) areas.Mark(e.num, rank);
    }
    if (options.scope) {
      std::vector<const Postings*> lists;
      impl.ScopePostings(*options.scope, &lists, /*include_homes=*/false);
      for (const Postings* list : lists) {
        for (ActorNum num : *list) scratch.Get(num).area_scope = true;
      }
    }
  }
  const size_t area_candidates = scratch.candidates.size();
  const double w_p = query.weights().proximity;

  // Probes that make candidates first (see the walk below); each group
  // keeps its best-quality-first order.
  std::vector<Probe> probes = MakeProbes(profile);
  std::stable_partition(probes.begin(), probes.end(), [&](const Probe& probe) {
    return (static_allowed &
            (probe.to_actor ? may_give_actor[probe.resource]
                            : may_give_partner[probe.resource])) != 0;
  });
  // Each probe's postings by partition, looked up once (not once per
  // partition walked).
  std::vector<const std::vector<internal::LocatedPostings>*> by_partition;
  by_partition.reserve(probes.size());
  for (const Probe& probe : probes) {
    auto it = impl.exchanges.find(probe.key);
    by_partition.push_back(it == impl.exchanges.end() ? nullptr : &it->second);
  }
  const uint32_t own = internal::PartitionOf(me.home);
  for (const PartitionPlan& step : plan) {
    if (step.lifted_bound < min_score ||
        (heap.size() == options.limit && step.lifted_bound < threshold())) {
      break;  // no candidate of this or any later partition can enter
    }
    // Only a candidate whose similar success may lift it can enter: make
    // those only (one bit test per posting entry).
    const bool lifted_only =
        step.bound < min_score ||
        (heap.size() == options.limit && step.bound < threshold());
    const size_t first = scratch.candidates.size();
    if (step.partition == own) {
      // Actors of the same intercommunality (or EPT, or commune when it is
      // very large) sharing a theme, even with nothing to exchange yet;
      // made candidates before the walk so that it credits them all.
      const Postings* nearby = nullptr;
      for (int rank : {1, 2, 0}) {
        const uint32_t n = me.home.At(internal::kLevelByRank[rank]);
        if (n == territory::kNone || n >= impl.home[rank].size()) continue;
        const Postings& list = impl.home[rank][n];
        if (list.size() <= 20000 || rank == 0) {
          nearby = &list;
          break;
        }
      }
      if (nearby != nullptr && me.acts_on != 0) {
        const size_t size = nearby->size();
        for (size_t j = 0; j < size; ++j) {
          if (j + 16 < size)
            __builtin_prefetch(&impl.records[(*nearby)[j + 16]]);
          const ActorNum num = (*nearby)[j];
          if ((impl.records[num].acts_on & me.acts_on) &&
              (!lifted_only || query.MayLift(num))) {
            scratch.Get(num);
          }
        }
      }
    }
    const size_t nearby_end = scratch.candidates.size();
    // With the threshold known, an entry whose proximity bound (from its
    // position alone) keeps it below the threshold is passed over without
    // looking its actor up: its credits cannot matter, since whatever it
    // scores stays under the threshold (area candidates excepted: their
    // own areas may bring them closer than their position).
    const double cut = heap.size() == options.limit
                           ? std::max(threshold(), min_score)
                           : min_score;
    const Reach reach(step.context, step.lifted_context, cut, w_p, step);
    auto far = [&](const internal::Located& e) {
      if (!reach.active()) return false;
      const int beyond = me_position.Beyond(e.where, reach);
      if (beyond == 0) return false;
      if (beyond == 1 && reach.lifts() && query.MayLift(e.num)) return false;
      return !areas.Has(e.num);
    };
    auto entry_proximity = [&](const internal::Located& e) {
      return static_cast<float>(me_position.Proximity(e.where, step));
    };
    for (size_t k = 0; k < probes.size(); ++k) {
      const Probe& probe = probes[k];
      const std::vector<internal::LocatedPostings>* lists = by_partition[k];
      if (lists == nullptr || step.partition >= lists->size()) continue;
      const internal::LocatedPostings* list = &(*lists)[step.partition];
      const internal::Located* entries = list->data();
      const size_t size = list->size();
      // A probe whose resource can only make excluded categories does not
      // make candidates; it only credits those made before it (probes that
      // make candidates come first).
      const bool creates =
          (static_allowed &
           (probe.to_actor ? may_give_actor[probe.resource]
                           : may_give_partner[probe.resource])) != 0;
      if (lifted_only) {
        // The others are not even looked up: the partition does not count
        // as walked for the candidates made elsewhere.
        for (size_t j = 0; j < size; ++j) {
          const ActorNum num = entries[j].num;
          if (!query.MayLift(num)) continue;
          Candidate* c = creates ? &scratch.Get(num) : scratch.Find(num);
          if (c == nullptr) continue;
          Credit(probe.to_actor ? c->inputs.to_actor : c->inputs.to_partner,
                 probe);
          if (c->entry_proximity < 0) {
            c->entry_proximity = entry_proximity(entries[j]);
          }
        }
        continue;
      }
      for (size_t j = 0; j < size; ++j) {
        // The slots are far apart: ask for them ahead.
        if (j + 16 < size) scratch.Prefetch(entries[j + 16].num);
        const internal::Located& e = entries[j];
        if (far(e)) continue;
        // The area candidates are made by any probe: they are scored
        // later, and then need all their credits.
        Candidate* c = creates || areas.Has(e.num) ? &scratch.Get(e.num)
                                                   : scratch.Find(e.num);
        if (c == nullptr) continue;
        Credit(probe.to_actor ? c->inputs.to_actor : c->inputs.to_partner,
               probe);
        if (c->entry_proximity < 0) c->entry_proximity = entry_proximity(e);
      }
    }
    walked[step.partition] = !lifted_only;
    const size_t walked_end = scratch.candidates.size();
    // Score this partition's candidates in decreasing order of a bound of
    // their score from the credits and the entry's proximity (a counting
    // sort on the bound; ties in walk order), and stop at the first whose
    // bucket cannot reach the threshold. Those the walk made live in this
    // partition and have all their credits.
    constexpr uint32_t kBuckets = 256;
    uint32_t count[kBuckets + 1] = {};
    const size_t made = walked_end - nearby_end;
    bounds_of.resize(made);
    buckets_of.resize(made);
    for (size_t i = nearby_end; i < walked_end; ++i) {
      const Candidate& c = scratch.candidates[i];
      const double home_context =
          step.lifted_context != step.context && query.MayLift(c.num)
              ? step.lifted_context
              : step.context;
      const double proximity =
          std::max(c.entry_proximity, areas.ProximityOf(c.num));
      const double bound = home_context * (1 - w_p + w_p * proximity);
      const double ceiling = CreditBound(query, c.inputs) * bound;
      bounds_of[i - nearby_end] = bound;
      const auto b =
          static_cast<uint32_t>(std::clamp(ceiling, 0.0, 1.0) * (kBuckets - 1));
      buckets_of[i - nearby_end] = kBuckets - 1 - b;
      ++count[kBuckets - b];
    }
    for (uint32_t b = 0; b < kBuckets; ++b) count[b + 1] += count[b];
    order.resize(made);
    for (size_t i = 0; i < made; ++i) {
      order[count[buckets_of[i]]++] = static_cast<uint32_t>(i);
    }
    for (size_t j = 0; j < order.size(); ++j) {
      const uint32_t k = order[j];
      // Bucket b holds ceilings below (kBuckets - b) / (kBuckets - 1).
      const double top =
          static_cast<double>(kBuckets - buckets_of[k]) / (kBuckets - 1);
      if (top < min_score ||
          (heap.size() == options.limit && top < threshold())) {
        break;
      }
      if (j + 8 < order.size()) {
        __builtin_prefetch(
            &impl.records[scratch.candidates[nearby_end + order[j + 8]].num]);
      }
      Candidate& c = scratch.candidates[nearby_end + k];
      consider(c, bounds_of[k], /*complete=*/true);
    }
    // The nearby ones: complete when they live in this partition (they
    // existed before its walk); else read from their profiles.
    for (size_t i = first; i < nearby_end; ++i) {
      Candidate& c = scratch.candidates[i];
      const bool here =
          internal::PartitionOf(impl.records[c.num].home) == step.partition;
      consider(c, here ? step.For(query, c.num) : 1.0, here);
    }
  }
  auto bound_of = [&](uint32_t p) -> const PartitionPlan& {
    if (bounds.size() <= p) {
      bounds.resize(p + 1, PartitionPlan{0, -1, -1, 0, 0, 0, 0, 0});
    }
    if (bounds[p].context < 0) bounds[p] = PartitionBound(query, p);
    return bounds[p];
  };
  // The actors whose areas cover the actor's home, bounded from their
  // postings (where they live), their areas and their credits (complete
  // when their partition was walked) before anything of theirs is read.
  for (const internal::AreaPostings* list : covering) {
    const size_t size = list->size();
    for (size_t j = 0; j < size; ++j) {
      if (j + 16 < size) scratch.Prefetch((*list)[j + 16].num);
      const internal::AreaEntry& e = (*list)[j];
      const PartitionPlan& home = bound_of(e.partition);
      const double proximity = std::max<double>(
          me_position.Proximity(e.where, home), areas.ProximityOf(e.num));
      const double home_context =
          query.MayLift(e.num) ? home.lifted_context : home.context;
      const double bound = home_context * (1 - w_p + w_p * proximity);
      const bool full = heap.size() == options.limit;
      if (bound < min_score || (full && bound < threshold())) continue;
      {
        // Its fit as if every resource met were met fully bounds it.
        ActorRecord partner;
        partner.acts_on = e.acts_on;
        partner.need_resources = e.need_resources;
        partner.offer_resources = e.offer_resources;
        const uint32_t to_actor = me.need_resources & e.offer_resources;
        const uint32_t to_partner = e.need_resources & me.offer_resources;
        const PairInputs optimistic{
            {to_actor, 10u * __builtin_popcount(to_actor)},
            {to_partner, 10u * __builtin_popcount(to_partner)}};
        const double ceiling =
            query.ComputeFit(partner, optimistic).mutual * bound;
        if (ceiling <= 0 || ceiling < min_score ||
            (full && ceiling < threshold())) {
          continue;
        }
      }
      const bool complete = is_walked(e.partition);
      Candidate* c = scratch.Find(e.num);
      if (c == nullptr) {
        // Not met by the walk of its partition: nothing to exchange.
        if (complete && full &&
            CreditBound(query, PairInputs{}) * bound < threshold()) {
          continue;
        }
        c = &scratch.Get(e.num);
      }
      consider(*c, bound, complete);
    }
  }
  // Those the scope made candidates (areas overlapping the scope).
  for (size_t i = 0; i < area_candidates; ++i) {
    Candidate& c = scratch.candidates[i];
    // Those whose areas also cover the actor's home were taken up (or
    // ruled out) just above.
    if (c.scored || areas.Has(c.num)) continue;
    const uint32_t p = internal::PartitionOf(impl.records[c.num].home);
    const PartitionPlan& home = bound_of(p);
    double proximity = home.proximity;
    if (c.entry_proximity >= 0) {
      proximity = std::min<double>(proximity, c.entry_proximity);
    }
    proximity = std::max<double>(proximity, areas.ProximityOf(c.num));
    const double home_context =
        query.MayLift(c.num) ? home.lifted_context : home.context;
    consider(c, home_context * (1 - w_p + w_p * proximity), is_walked(p));
  }

  std::sort_heap(heap.begin(), heap.end(), better);
  result.reserve(heap.size());
  for (const Ranked& ranked : heap) {
    result.push_back(internal::BuildSuggestion(
        query, ranked.num, ranked.inputs, ranked.detail,
        allowed_categories(ranked.num, ranked.inputs), options.factor_details));
  }
  return result;
}

absl::StatusOr<MatchExplanation> ExplainMatch(const ActorIndex& index,
                                              const MatchContext& context,
                                              ActorNum actor, ActorNum partner,
                                              const Weights& weights) {
  if (absl::Status status = CheckActor(index, actor); !status.ok()) {
    return status;
  }
  if (absl::Status status = CheckActor(index, partner); !status.ok()) {
    return status;
  }
  if (absl::Status status = ValidateWeights(weights); !status.ok()) {
    return status;
  }
  const ActorIndex::Impl& impl = IndexAccess::Of(index);
  const Query query(index, context, actor, internal::Normalize(weights));
  const PairInputs inputs = DirectInputs(index, actor, partner);
  const Query::Score score = query.ComputeScore(partner, inputs);

  MatchExplanation explanation;
  std::vector<std::string>& blockers = explanation.blockers;
  const ActorRecord& a = impl.records[actor];
  const ActorRecord& b = impl.records[partner];
  const ActorProfile& pa = impl.profiles[actor];
  const ActorProfile& pb = impl.profiles[partner];
  if (actor == partner) blockers.push_back("Un acteur avec lui-même.");
  for (const auto& [rec, profile] :
       {std::pair<const ActorRecord*, const ActorProfile*>{&a, &pa},
        {&b, &pb}}) {
    const std::string name(internal::ActorName(*profile));
    if (!(rec->flags & ActorRecord::kAvailable)) {
      blockers.push_back(name +
                         " ne souhaite pas être proposé ou est dissous.");
    } else if (rec->capacity == 0) {
      blockers.push_back(name + " n'a plus de capacité pour un partenariat.");
    }
  }
  const uint32_t inferred = query.InferredCategories(partner, inputs);
  const uint32_t accepted =
      inferred &
      (a.accepted_categories ? a.accepted_categories : kAllCategories) &
      (b.accepted_categories ? b.accepted_categories : kAllCategories);
  const uint32_t active = query.ActiveCategories(partner);
  uint32_t allowed = accepted & ~active;
  if (accepted == 0) {
    blockers.push_back(
        "Aucune des catégories de partenariat possibles n'est acceptée par "
        "les deux.");
  } else if (allowed == 0) {
    blockers.push_back("Déjà partenaires actifs en " +
                       internal::Uncapitalize(CategoryLabel(
                           query.PrimaryCategory(partner, inputs, accepted))) +
                       ".");
  }
  if (score.total <= 0) {
    blockers.push_back("Aucun échange ni thème en commun : score nul.");
  }
  explanation.suggestion =
      internal::BuildSuggestion(query, partner, inputs, score, allowed);
  return explanation;
}

}  // namespace maillage::matcher

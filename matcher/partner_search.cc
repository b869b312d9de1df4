#include "matcher/partner_search.h"

#include <algorithm>
#include <array>
#include <optional>
#include <utility>

#include "matcher/bits.h"
#include "matcher/context.h"

namespace maillage::matcher::internal {
namespace {

constexpr uint32_t kAllCategories = 0x1E;

uint32_t CategoryBit(Category category) {
  return 1u << static_cast<int>(category);
}

// The credits as if every resource one offers and the other needs were met
// fully: they bound the fit of a pair whose credits are not known.
PairInputs OptimisticInputs(const ActorRecord& actor,
                            const ActorRecord& partner) {
  const uint32_t to_actor = actor.need_resources & partner.offer_resources;
  const uint32_t to_partner = partner.need_resources & actor.offer_resources;
  return PairInputs{{to_actor, 10u * __builtin_popcount(to_actor)},
                    {to_partner, 10u * __builtin_popcount(to_partner)}};
}

}  // namespace

// ---------------------------------------------------------------------------
// Categories.

CategoryFilter::CategoryFilter(const Query& query,
                               const PartnerOptions& options)
    : query_(query) {
  const ActorRecord& me = query.record();
  accepted_by_actor_ =
      me.accepted_categories ? me.accepted_categories : kAllCategories;
  requested_ =
      options.categories ? options.categories & kAllCategories : kAllCategories;
  static_allowed_ = accepted_by_actor_ & requested_;
  const MatchContext& context = query.context();
  for (int k = 0; k < kKindCount; ++k) {
    for (uint8_t subtype : {uint8_t{0}, kSubtypeInsertionStructure}) {
      for (int r = 0; r < 32; ++r) {
        const auto kind = static_cast<Kind>(k);
        const auto resource = static_cast<uint8_t>(r);
        may_give_actor_[r] |= CategoryBit(
            context.FlowOf(kind, subtype, me.kind, resource).category);
        may_give_partner_[r] |= CategoryBit(
            context.FlowOf(me.kind, me.subtype, kind, resource).category);
      }
    }
  }
}

bool CategoryFilter::MayAllow(const PairInputs& inputs) const {
  if (inputs.to_actor.mask == 0 && inputs.to_partner.mask == 0) {
    // Nothing exchanged: the category the kinds suggest.
    return (static_allowed_ & (CategoryBit(Category::kEconomicCooperation) |
                               CategoryBit(Category::kSocietalInnovation))) !=
           0;
  }
  uint32_t possible = 0;
  for (uint32_t m = inputs.to_actor.mask; m; m &= m - 1) {
    possible |= may_give_actor_[__builtin_ctz(m)];
  }
  for (uint32_t m = inputs.to_partner.mask; m; m &= m - 1) {
    possible |= may_give_partner_[__builtin_ctz(m)];
  }
  return (possible & static_allowed_) != 0;
}

uint32_t CategoryFilter::Allowed(ActorNum partner,
                                 const PairInputs& inputs) const {
  const ActorRecord& rec = query_.impl().records[partner];
  const uint32_t accepted_by_partner =
      rec.accepted_categories ? rec.accepted_categories : kAllCategories;
  return query_.InferredCategories(partner, inputs) & accepted_by_actor_ &
         accepted_by_partner & requested_ & ~query_.ActiveCategories(partner);
}

// ---------------------------------------------------------------------------
// Ranking.

TopK::TopK(const ActorIndex::Impl& impl, size_t limit, double min_score)
    : impl_(impl), limit_(limit), min_score_(std::max(min_score, 0.0)) {
  heap_.reserve(limit + 1);
}

void TopK::Offer(Ranked ranked) {
  auto better = [this](const Ranked& x, const Ranked& y) {
    return Better(x, y);
  };
  if (heap_.size() < limit_) {
    heap_.push_back(std::move(ranked));
    std::push_heap(heap_.begin(), heap_.end(), better);
  } else if (Better(ranked, heap_.front())) {
    std::pop_heap(heap_.begin(), heap_.end(), better);
    heap_.back() = std::move(ranked);
    std::push_heap(heap_.begin(), heap_.end(), better);
  }
}

std::vector<Ranked> TopK::TakeSorted() {
  std::sort_heap(
      heap_.begin(), heap_.end(),
      [this](const Ranked& x, const Ranked& y) { return Better(x, y); });
  return std::move(heap_);
}

// ---------------------------------------------------------------------------
// The search.

const std::vector<uint32_t>& BucketOrder::Sorted() {
  order_.resize(buckets_.size());
  if (buckets_.empty()) return order_;
  // count_[first_] is 0 (no item ranks below first_).
  for (uint32_t r = first_; r < last_; ++r) count_[r + 1] += count_[r];
  for (size_t i = 0; i < buckets_.size(); ++i) {
    order_[count_[buckets_[i]]++] = static_cast<uint32_t>(i);
  }
  return order_;
}

SearchBuffers& ThreadBuffers() {
  thread_local SearchBuffers buffers;
  return buffers;
}

PartnerSearch::PartnerSearch(const Query& query, const PartnerOptions& options,
                             SearchBuffers& buffers)
    : query_(query),
      impl_(query.impl()),
      me_(query.record()),
      options_(options),
      buffers_(buffers),
      scratch_(buffers.scratch),
      categories_(query, options),
      top_(query.impl(), options.limit, options.min_score),
      me_position_(query.impl(), query.record()),
      w_p_(query.weights().proximity),
      own_partition_(PartitionOf(query.record().home)) {}

std::vector<Ranked> PartnerSearch::Run() {
  scratch_.Reset(impl_.records.size());
  PlanPartitions();
  MarkAreaActors();
  const size_t scope_area_count = scratch_.candidates.size();
  PrepareProbes();
  for (const PartitionPlan& step : buffers_.plan) {
    // Plans come best bound first: none of this or any later partition
    // can enter.
    if (!top_.MayEnter(step.lifted_bound)) break;
    WalkPartition(step);
  }
  // The asker's partition not walked (out of the scope, or below the
  // threshold): its neighbours homed there cannot enter, but those across
  // a straddled département line may.
  if (!nearby_taken_up_) {
    TakeUpNearbyActors(BoundOf(own_partition_), /*in_walk=*/false);
  }
  TakeUpCoveringActors();
  TakeUpScopeAreaActors(scope_area_count);
  return top_.TakeSorted();
}

void PartnerSearch::PlanPartitions() {
  // Those of the scope's départements, or all.
  const std::vector<uint32_t> partitions =
      impl_.ScopePartitions(options_.scope ? *options_.scope : Scope());
  std::vector<PartitionPlan>& plan = buffers_.plan;
  plan.clear();
  buffers_.bounds.clear();
  plan.reserve(partitions.size());
  for (uint32_t p : partitions) {
    plan.push_back(PartitionBound(query_, p));
    if (walked_.size() <= p) walked_.resize(p + 1, false);
  }
  std::sort(plan.begin(), plan.end(),
            [](const PartitionPlan& a, const PartitionPlan& b) {
              if (a.lifted_bound != b.lifted_bound) {
                return a.lifted_bound > b.lifted_bound;
              }
              if (a.bound != b.bound) return a.bound > b.bound;
              return a.partition < b.partition;
            });
}

const PartitionPlan& PartnerSearch::BoundOf(uint32_t partition) {
  std::vector<PartitionPlan>& bounds = buffers_.bounds;
  if (bounds.size() <= partition) {
    bounds.resize(partition + 1, PartitionPlan{0, -1, -1, 0, 0, 0, 0, 0});
  }
  if (bounds[partition].context < 0) {
    bounds[partition] = PartitionBound(query_, partition);
  }
  return bounds[partition];
}

void PartnerSearch::MarkAreaActors() {
  // The covering ones are only marked now (no candidate slot: that is a
  // cache miss each), and taken up after the walks from their postings,
  // which say where they live; the walks leave them to that last pass.
  AreaMarks& areas = scratch_.areas;
  areas.Reset(impl_.records.size());
  if (impl_.areas_actor_count == 0) return;
  for (int rank = 0; rank < kRankCount; ++rank) {
    const uint32_t n = me_.home.At(kLevelByRank[rank]);
    if (n == territory::kNone) continue;
    auto it = impl_.area_covering.find(AreaKey(rank, n));
    if (it == impl_.area_covering.end()) continue;
    covering_.push_back(&it->second);
    for (const AreaEntry& e : it->second) areas.Mark(e.num, rank);
  }
  if (options_.scope) {
    std::vector<const Postings*> lists;
    impl_.ScopePostings(*options_.scope, &lists, /*include_homes=*/false);
    for (const Postings* list : lists) {
      for (ActorNum num : *list) scratch_.Get(num).area_scope = true;
    }
  }
}

void PartnerSearch::PrepareProbes() {
  // Probes that make candidates first (see CreditPostings); each group
  // keeps its best-quality-first order.
  probes_ = MakeProbes(query_.profile());
  std::stable_partition(
      probes_.begin(), probes_.end(),
      [&](const Probe& probe) { return categories_.Creates(probe); });
  probe_lists_.reserve(probes_.size());
  all_probes_create_ = true;
  for (const Probe& probe : probes_) {
    if (!categories_.Creates(probe)) all_probes_create_ = false;
    auto it = impl_.exchanges.find(probe.key);
    probe_lists_.push_back(it == impl_.exchanges.end() ? nullptr : &it->second);
  }
}

void PartnerSearch::WalkPartition(const PartitionPlan& step) {
  // Only a candidate whose similar success may lift it can enter: make
  // those only (one bit test per posting entry).
  const bool lifted_only = !top_.MayEnter(step.bound);
  const size_t first = scratch_.candidates.size();
  CreditPostings(step, lifted_only);
  // Unless lifted only: then the others were not even looked up, and the
  // partition does not count as walked for the candidates made elsewhere.
  walked_[step.partition] = !lifted_only;
  ScoreWalked(step, first, scratch_.candidates.size());
  // After the walk, so that the threshold it set can rule out the
  // neighbours with nothing the walk found to exchange, most of them unread.
  if (step.partition == own_partition_) {
    TakeUpNearbyActors(step, /*in_walk=*/true);
  }
}

std::optional<PartnerSearch::NearbyTerritory> PartnerSearch::Nearby() const {
  // The asker's EPT or intercommunality when it has at most 20,000 actors,
  // else its commune, however large.
  for (int rank : {1, 2, 0}) {
    const uint32_t n = me_.home.At(kLevelByRank[rank]);
    if (n == territory::kNone || n >= impl_.home[rank].size()) continue;
    if (impl_.home[rank][n].size() <= 20000 || rank == 0) {
      // A commune or an EPT lies in one département; an intercommunality
      // may straddle two, and the index knows which do (Impl::epci_span).
      const bool one_partition =
          kLevelByRank[rank] != territory::Level::kEpci ||
          !impl_.EpciStraddles(n);
      return NearbyTerritory{rank, n, one_partition};
    }
  }
  return std::nullopt;
}

template <typename Visit>
void PartnerSearch::ForEachNeighbourSharingATheme(const NearbyTerritory& nearby,
                                                  Visit visit) const {
  // The territory's list of each of the asker's themes in turn; an actor
  // acting on several of them is visited in the first one's only.
  const ActorIndex::Impl::ThemeLists* lists =
      impl_.NeighboursOf(nearby.rank, nearby.number);
  if (lists == nullptr) return;
  ForEachBit(me_.acts_on & lists->themes(), [&](int theme) {
    const ThemeSet earlier = me_.acts_on & ((ThemeSet{1} << theme) - 1);
    for (ActorNum num : *lists->Find(theme)) {
      const ThemeSet themes = impl_.acts_on[num];
      if (!(themes & earlier)) visit(num, themes);
    }
  });
}

void PartnerSearch::TakeUpNearbyActors(const PartitionPlan& step,
                                       bool in_walk) {
  nearby_taken_up_ = true;
  // Actors of the asker's intercommunality sharing a theme with it are
  // candidates even with nothing to exchange. Those the walk met were
  // scored with it. One homed here that it did not meet has no credit from
  // a probe that makes candidates, and credits from the others alone allow
  // no category (CategoryFilter::MayAllow): it can only be proposed with
  // nothing exchanged, its fit at most Query::FitWithoutExchange of its
  // themes, read from a dense array before anything else of it.
  if (me_.acts_on == 0) return;
  const std::optional<NearbyTerritory> nearby = Nearby();
  if (!nearby) return;
  if (nearby->one_partition) {
    if (in_walk) TakeUpNeighboursHere(*nearby, step);
    return;
  }
  const AreaMarks& areas = scratch_.areas;
  ForEachNeighbourSharingATheme(*nearby, [&](ActorNum num, ThemeSet themes) {
    if (scratch_.Find(num) != nullptr || areas.Has(num)) return;
    if (PartitionOf(impl_.records[num].home) != step.partition) {
      // Homed in another partition, perhaps not walked yet: its credits
      // are unknown, its bound nothing but 1.
      Consider(scratch_.Get(num), 1.0, /*complete=*/false);
      return;
    }
    ConsiderNeighbour(num, query_.FitWithoutExchange(themes),
                      step.For(query_, num));
  });
}

void PartnerSearch::TakeUpNeighboursHere(const NearbyTerritory& nearby,
                                         const PartitionPlan& step) {
  // All homed in this partition (a commune, an EPT, an intercommunality
  // within one département), and only those sharing a theme with the asker
  // visited (the index's lists by theme). Each bounded from its themes and
  // position alone (dense arrays), then taken best bound first
  // (BucketOrder), so that the threshold rises with the first and most are
  // never looked up: in Paris, at the scale of France, 400,000 actors, many
  // of them with a theme of the asker's.
  const double home_context = std::max(step.context, step.lifted_context);
  if (!top_.MayEnter(CreditBound(query_, PairInputs{}) *
                     std::max(step.bound, step.lifted_bound))) {
    return;
  }
  BucketOrder& order = buffers_.order;
  std::vector<double>& fits = buffers_.bounds_of;
  std::vector<ActorNum>& kept = buffers_.neighbours;
  order.Clear();
  fits.clear();
  kept.clear();
  // Query::FitWithoutExchange by theme set, which neighbours share (a few
  // hundred sets for thousands of neighbours): a direct-mapped cache.
  struct FitOf {
    ThemeSet themes = 0;  // never a neighbour's: it shares a theme
    double fit = 0;
  };
  std::array<FitOf, 256> fit_of;
  ForEachNeighbourSharingATheme(nearby, [&](ActorNum num, ThemeSet themes) {
    FitOf& slot = fit_of[(themes * 0x9E3779B97F4A7C15u) >> 56];
    if (slot.themes != themes)
      slot = {themes, query_.FitWithoutExchange(themes)};
    const double fit = slot.fit;
    if (!top_.MayEnter(fit * home_context)) return;  // even next door
    const double proximity =
        me_position_.Proximity(impl_.packed_where[num], step);
    const double ceiling = fit * home_context * (1 - w_p_ + w_p_ * proximity);
    if (!top_.MayEnter(ceiling)) return;
    kept.push_back(num);
    fits.push_back(fit);
    order.Add(ceiling);
  });
  const AreaMarks& areas = scratch_.areas;
  for (uint32_t i : order.Sorted()) {
    if (!top_.MayEnter(order.Top(i))) break;
    const ActorNum num = kept[i];
    // Met by the walk, or by an area (taken up with the area actors).
    if (scratch_.Find(num) != nullptr || areas.Has(num)) continue;
    const double proximity =
        me_position_.Proximity(impl_.packed_where[num], step);
    const double context =
        step.lifted_context != step.context && query_.MayLift(num)
            ? step.lifted_context
            : step.context;
    ConsiderNeighbour(num, fits[i], context * (1 - w_p_ + w_p_ * proximity));
  }
}

void PartnerSearch::ConsiderNeighbour(ActorNum num, double fit_bound,
                                      double bound) {
  if (!top_.MayEnter(fit_bound * bound)) return;
  // Nothing credited: complete unless a probe that makes no candidates may
  // have credited it without the walk knowing.
  Consider(scratch_.Get(num), bound, /*complete=*/all_probes_create_);
}

void PartnerSearch::CreditPostings(const PartitionPlan& step,
                                   bool lifted_only) {
  // With the threshold known, an entry whose proximity bound (from its
  // position alone) keeps it below the threshold is passed over without
  // looking its actor up: its credits cannot matter, since whatever it
  // scores stays under the threshold (area candidates excepted: their own
  // areas may bring them closer than their position).
  const Reach reach(step.context, step.lifted_context, top_.Cut(), w_p_, step);
  for (size_t k = 0; k < probes_.size(); ++k) {
    const std::vector<LocatedPostings>* lists = probe_lists_[k];
    if (lists == nullptr || step.partition >= lists->size()) continue;
    const LocatedPostings& list = (*lists)[step.partition];
    if (lifted_only) {
      CreditList</*kLiftedOnly=*/true>(list, probes_[k], step, reach);
    } else {
      CreditList</*kLiftedOnly=*/false>(list, probes_[k], step, reach);
    }
  }
}

template <bool kLiftedOnly>
void PartnerSearch::CreditList(const LocatedPostings& list, const Probe& probe,
                               const PartitionPlan& step, const Reach& reach) {
  const AreaMarks& areas = scratch_.areas;
  // A probe whose resource can only make excluded categories does not
  // make candidates; it only credits those made before it.
  const bool creates = categories_.Creates(probe);
  const Located* entries = list.data();
  const size_t size = list.size();
  for (size_t j = 0; j < size; ++j) {
    const Located& e = entries[j];
    if (kLiftedOnly) {
      if (!query_.MayLift(e.num)) continue;
    } else {
      // The slots are far apart: ask for them ahead.
      if (j + 16 < size) scratch_.Prefetch(entries[j + 16].num);
      if (Far(e, reach)) continue;
    }
    // The area candidates are made by any probe: they are scored later,
    // and then need all their credits.
    Candidate* c = creates || (!kLiftedOnly && areas.Has(e.num))
                       ? &scratch_.Get(e.num)
                       : scratch_.Find(e.num);
    if (c == nullptr) continue;
    Credit(probe.to_actor ? c->inputs.to_actor : c->inputs.to_partner, probe);
    if (c->entry_proximity < 0) {
      c->entry_proximity =
          static_cast<float>(me_position_.Proximity(e.where, step));
    }
  }
}

void PartnerSearch::ScoreWalked(const PartitionPlan& step, size_t begin,
                                size_t end) {
  // Best bound first (ties in walk order); those the walk made live in
  // this partition and have all their credits.
  std::vector<double>& bounds_of = buffers_.bounds_of;
  BucketOrder& order = buffers_.order;
  bounds_of.clear();
  order.Clear();
  for (size_t i = begin; i < end; ++i) {
    const Candidate& c = scratch_.candidates[i];
    const double home_context =
        step.lifted_context != step.context && query_.MayLift(c.num)
            ? step.lifted_context
            : step.context;
    const double proximity =
        std::max(c.entry_proximity, scratch_.areas.ProximityOf(c.num));
    const double bound = home_context * (1 - w_p_ + w_p_ * proximity);
    bounds_of.push_back(bound);
    order.Add(CreditBound(query_, c.inputs) * bound);
  }
  const std::vector<uint32_t>& sorted = order.Sorted();
  for (size_t j = 0; j < sorted.size(); ++j) {
    const uint32_t k = sorted[j];
    if (!top_.MayEnter(order.Top(k))) break;
    if (j + 8 < sorted.size()) {
      __builtin_prefetch(
          &impl_.records[scratch_.candidates[begin + sorted[j + 8]].num]);
    }
    Consider(scratch_.candidates[begin + k], bounds_of[k], /*complete=*/true);
  }
}

void PartnerSearch::TakeUpCoveringActors() {
  const AreaMarks& areas = scratch_.areas;
  for (const AreaPostings* list : covering_) {
    const size_t size = list->size();
    for (size_t j = 0; j < size; ++j) {
      if (j + 16 < size) scratch_.Prefetch((*list)[j + 16].num);
      const AreaEntry& e = (*list)[j];
      // Bounded from where it lives, its areas and its roles, before
      // anything of its own is read.
      const PartitionPlan& home = BoundOf(e.partition);
      const double proximity = std::max<double>(
          me_position_.Proximity(e.where, home), areas.ProximityOf(e.num));
      const double home_context =
          query_.MayLift(e.num) ? home.lifted_context : home.context;
      const double bound = home_context * (1 - w_p_ + w_p_ * proximity);
      if (!top_.MayEnter(bound)) continue;
      ActorRecord roles;
      roles.acts_on = e.acts_on;
      roles.need_resources = e.need_resources;
      roles.offer_resources = e.offer_resources;
      const double ceiling =
          query_.ComputeFit(roles, OptimisticInputs(me_, roles)).mutual * bound;
      if (ceiling <= 0 || !top_.MayEnter(ceiling)) continue;
      // Its credits are complete when its partition was walked.
      const bool complete = IsWalked(e.partition);
      Candidate* c = scratch_.Find(e.num);
      if (c == nullptr) {
        // Not met by the walk of its partition: nothing to exchange.
        if (complete &&
            CreditBound(query_, PairInputs{}) * bound < top_.threshold()) {
          continue;
        }
        c = &scratch_.Get(e.num);
      }
      Consider(*c, bound, complete);
    }
  }
}

void PartnerSearch::TakeUpScopeAreaActors(size_t count) {
  const AreaMarks& areas = scratch_.areas;
  for (size_t i = 0; i < count; ++i) {
    Candidate& c = scratch_.candidates[i];
    // Those whose areas also cover the actor's home were taken up (or
    // ruled out) by TakeUpCoveringActors.
    if (c.scored || areas.Has(c.num)) continue;
    const uint32_t p = PartitionOf(impl_.records[c.num].home);
    const PartitionPlan& home = BoundOf(p);
    double proximity = home.proximity;
    if (c.entry_proximity >= 0) {
      proximity = std::min<double>(proximity, c.entry_proximity);
    }
    proximity = std::max<double>(proximity, areas.ProximityOf(c.num));
    const double home_context =
        query_.MayLift(c.num) ? home.lifted_context : home.context;
    Consider(c, home_context * (1 - w_p_ + w_p_ * proximity), IsWalked(p));
  }
}

void PartnerSearch::Consider(Candidate& c, double bound, bool complete) {
  if (c.scored) return;
  c.scored = true;
  const ActorNum num = c.num;
  if (num == query_.actor()) return;
  // Cheap checks from the credits alone, before touching the record.
  if (complete && (CreditBound(query_, c.inputs) * bound < top_.threshold() ||
                   !categories_.MayAllow(c.inputs))) {
    return;
  }
  // The hard rules.
  const ActorRecord& rec = impl_.records[num];
  if (!rec.proposable()) return;
  if (options_.kinds && !(options_.kinds >> static_cast<int>(rec.kind) & 1)) {
    return;
  }
  if (options_.themes && !(rec.acts_on & options_.themes)) return;
  // In the scope: home inside, or an area overlapping it (the area
  // postings of the scope are exact).
  if (options_.scope && !c.area_scope &&
      !ActorIndex::Inside(rec.home, *options_.scope)) {
    return;
  }
  if (options_.admit && !options_.admit(num)) return;
  if (!complete) {
    // Read the profiles only when the optimistic fit can make it.
    const PairInputs optimistic = OptimisticInputs(me_, rec);
    if (optimistic.to_actor.mask == 0 && optimistic.to_partner.mask == 0 &&
        !(me_.acts_on & rec.acts_on)) {
      return;
    }
    const double ceiling = query_.ComputeFit(rec, optimistic).mutual * bound;
    if (ceiling <= 0 || !top_.MayEnter(ceiling)) return;
    c.inputs = PairInputs{DirectCredits(query_.profile(), impl_.profiles[num]),
                          DirectCredits(impl_.profiles[num], query_.profile())};
  }
  // The score.
  const Query::Fit fit = query_.ComputeFit(rec, c.inputs);
  if (fit.mutual <= 0 || !top_.MayEnter(fit.mutual * bound)) return;
  const uint32_t allowed = categories_.Allowed(num, c.inputs);
  if (allowed == 0) return;
  Query::Score score = query_.ComputeScore(num, c.inputs);
  if (score.total <= 0 || score.total < top_.min_score()) return;
  top_.Offer(Ranked{score.total, num, c.inputs, score});
}

}  // namespace maillage::matcher::internal

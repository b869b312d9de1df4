#ifndef MAILLAGE_MATCHER_PARTNER_SEARCH_H_
#define MAILLAGE_MATCHER_PARTNER_SEARCH_H_

// The search behind SuggestPartners: the exact top k partners of one actor
// without scoring the million others. Its stages, each readable alone:
//
//   1. Bounds (partner_bounds.h): for every partition of the postings (a
//      home département) an upper bound of everything in a score but the
//      mutual fit; partitions are walked best bound first, and the walk
//      stops at the first one that cannot reach the k-th score.
//   2. Candidates (partner_candidates.h): in each partition walked, the
//      postings of the asking actor's needs and offers credit every actor
//      they list with what it would exchange (entries too far to matter are
//      passed over unread); in its own partition, then, the actors of its
//      intercommunality (or EPT, or commune) sharing a theme that the walk
//      did not meet (the index keeps their lists by theme), bounded from
//      their themes and position (dense arrays) and taken best bound
//      first, most of them never read; after the
//      walks, the actors whose action areas cover its home or overlap the
//      scope.
//   3. Scoring (scoring.h, Query::ComputeScore): candidates in decreasing
//      order of a bound from their credits and position, each checked
//      against the hard rules and the cheap bounds before its record is
//      read, then scored.
//   4. Ranking (TopK): the best k so far, whose worst score is the
//      threshold every bound above is compared with.
//   5. Explanation (explanation.h): only the k kept are explained.
//
// Internal to the matcher.

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <optional>
#include <vector>

#include "matcher/actor_index.h"
#include "matcher/actor_index_internal.h"
#include "matcher/partner_bounds.h"
#include "matcher/partner_candidates.h"
#include "matcher/partners.h"
#include "matcher/scoring.h"

namespace maillage::matcher::internal {

// The categories a query may propose a pair in: those both accept, the
// request asks for, and the pair has no active partnership in.
class CategoryFilter {
 public:
  CategoryFilter(const Query& query, const PartnerOptions& options);

  // Whether a candidate with these credits may still have an allowed
  // category, whatever its kind (its record unread).
  bool MayAllow(const PairInputs& inputs) const;
  // Whether credits for `probe`'s resource may make an allowed category:
  // a probe that cannot only credits the candidates others made.
  bool Creates(const Probe& probe) const {
    return (static_allowed_ &
            (probe.to_actor ? may_give_actor_[probe.resource]
                            : may_give_partner_[probe.resource])) != 0;
  }
  // The categories the pair may be proposed in (bit (1 << Category)).
  uint32_t Allowed(ActorNum partner, const PairInputs& inputs) const;

 private:
  const Query& query_;
  uint32_t accepted_by_actor_;
  uint32_t requested_;
  uint32_t static_allowed_;  // accepted by the actor and requested
  // The categories each credited resource may give, whatever the partner's
  // kind: towards the actor, and towards the partner.
  uint32_t may_give_actor_[32] = {};
  uint32_t may_give_partner_[32] = {};
};

// A scored candidate.
struct Ranked {
  double score;
  ActorNum num;
  PairInputs inputs;
  Query::Score detail;
};

// The best `limit` candidates offered so far (a heap, worst on top).
// Better ranks first: higher score, then smaller public id.
class TopK {
 public:
  TopK(const ActorIndex::Impl& impl, size_t limit, double min_score);

  bool full() const { return heap_.size() == limit_; }
  // The score to beat once full; -1 before.
  double threshold() const { return full() ? heap_.front().score : -1.0; }
  double min_score() const { return min_score_; }
  // Whether something bounded by `bound` may still enter: at least the
  // minimum score and, once full, the threshold.
  bool MayEnter(double bound) const {
    return !(bound < min_score_ || bound < threshold());
  }
  // The score below which nothing can enter (what distance is cut at).
  double Cut() const {
    return full() ? std::max(threshold(), min_score_) : min_score_;
  }
  void Offer(Ranked ranked);
  // The kept candidates, best first; empties the top k.
  std::vector<Ranked> TakeSorted();

 private:
  bool Better(const Ranked& x, const Ranked& y) const {
    if (x.score != y.score) return x.score > y.score;
    return impl_.profiles[x.num].id < impl_.profiles[y.num].id;
  }

  const ActorIndex::Impl& impl_;
  size_t limit_;
  double min_score_;
  std::vector<Ranked> heap_;
};

// Candidates ordered by an upper bound of their score in [0, 1], best
// first: a counting sort in 256 buckets, ties in the order added. Take them
// in Sorted() order and stop at the first whose Top() cannot enter.
class BucketOrder {
 public:
  // Costs the buckets the last use filled, not all 256: a search orders
  // the candidates of every partition it walks, often none.
  void Clear() {
    buckets_.clear();
    if (first_ <= last_) {
      std::fill(count_ + first_, count_ + last_ + 2, 0u);
    }
    first_ = kBuckets;
    last_ = 0;
  }
  // Item size() - 1, bounded by `ceiling`.
  void Add(double ceiling) {
    const auto b =
        static_cast<uint32_t>(std::clamp(ceiling, 0.0, 1.0) * (kBuckets - 1));
    const uint32_t rank = kBuckets - 1 - b;  // 0: the best bucket
    buckets_.push_back(rank);
    ++count_[rank + 1];
    first_ = std::min(first_, rank);
    last_ = std::max(last_, rank);
  }
  size_t size() const { return buckets_.size(); }
  // The items' indexes, best bucket first.
  const std::vector<uint32_t>& Sorted();
  // A bound of every ceiling in item i's bucket (bucket b holds ceilings
  // below (kBuckets - b) / (kBuckets - 1)).
  double Top(uint32_t i) const {
    return static_cast<double>(kBuckets - buckets_[i]) / (kBuckets - 1);
  }

 private:
  static constexpr uint32_t kBuckets = 256;
  // By rank r + 1: how many items rank r holds (then, in Sorted, where
  // rank r's items start). Zero outside ranks first_ to last_ + 1.
  uint32_t count_[kBuckets + 1] = {};
  uint32_t first_ = kBuckets;      // the best rank used (none: kBuckets)
  uint32_t last_ = 0;              // the worst rank used
  std::vector<uint32_t> buckets_;  // by item: kBuckets - 1 - its bucket
  std::vector<uint32_t> order_;
};

// Buffers a thread reuses from query to query: their allocations are large
// enough for malloc to consolidate its free lists on each of them.
struct SearchBuffers {
  Scratch scratch;
  std::vector<PartitionPlan> plan;
  std::vector<PartitionPlan> bounds;  // by partition, on demand
  std::vector<double> bounds_of;
  BucketOrder order;
  std::vector<ActorNum> neighbours;
};

// The calling thread's buffers (the scratch's chunks where its queries
// write, and the plans): every search of a thread shares them.
SearchBuffers& ThreadBuffers();

// One search (see the top of this file). The actor must be proposable and
// options.limit positive.
class PartnerSearch {
 public:
  PartnerSearch(const Query& query, const PartnerOptions& options,
                SearchBuffers& buffers);
  PartnerSearch(const PartnerSearch&) = delete;
  PartnerSearch& operator=(const PartnerSearch&) = delete;

  // The exact top k, best first, and the categories each may be proposed
  // in (CategoryFilter::Allowed).
  std::vector<Ranked> Run();
  const CategoryFilter& categories() const { return categories_; }

 private:
  // Stage 1: the partitions to walk, best bound first.
  void PlanPartitions();
  // The plan of any partition (for those met outside the walk), on demand.
  const PartitionPlan& BoundOf(uint32_t partition);
  bool IsWalked(uint32_t partition) const {
    return partition < walked_.size() && walked_[partition];
  }

  // Stage 2: candidates.
  // Marks the actors whose action areas cover the asker's home (taken up
  // last, from their postings) and makes candidates of those whose areas
  // overlap the scope.
  void MarkAreaActors();
  // The probes, those that make candidates first, and their postings.
  void PrepareProbes();
  // One partition: make and credit its candidates, then score them.
  void WalkPartition(const PartitionPlan& step);
  // The territory whose actors are the asker's neighbours: its EPT,
  // intercommunality or commune (rank and number, as in Impl::home), and
  // whether all its actors live in one partition; none when its home has
  // none of them.
  struct NearbyTerritory {
    int rank;
    uint32_t number;
    bool one_partition;
  };
  std::optional<NearbyTerritory> Nearby() const;
  // Calls visit(num, its themes) once for each actor of `nearby` acting on
  // a theme of the asker's (Impl::neighbours_by_theme).
  template <typename Visit>
  void ForEachNeighbourSharingATheme(const NearbyTerritory& nearby,
                                     Visit visit) const;
  // The actors of the asker's intercommunality (Nearby) sharing a
  // theme with it that the walk of its partition did not meet; once, in
  // that walk (`in_walk`), or after the walks when its partition was not
  // walked: then only those homed in other partitions may enter.
  void TakeUpNearbyActors(const PartitionPlan& step, bool in_walk);
  // TakeUpNearbyActors for a territory all homed in the asker's partition.
  void TakeUpNeighboursHere(const NearbyTerritory& nearby,
                            const PartitionPlan& step);
  // A neighbour homed here that no walk met, its fit at most `fit_bound`,
  // the rest of its score at most `bound`.
  void ConsiderNeighbour(ActorNum num, double fit_bound, double bound);
  // Credits every candidate of the partition's postings; with
  // `lifted_only`, only those whose similar success may lift them.
  void CreditPostings(const PartitionPlan& step, bool lifted_only);
  template <bool kLiftedOnly>
  void CreditList(const LocatedPostings& list, const Probe& probe,
                  const PartitionPlan& step, const Reach& reach);
  // Whether an entry is too far to reach the cut `reach` was made for
  // (area candidates never are: their areas may bring them closer).
  bool Far(const Located& e, const Reach& reach) const {
    if (!reach.active()) return false;
    const int beyond = me_position_.Beyond(e.where, reach);
    if (beyond == 0) return false;
    if (beyond == 1 && reach.lifts() && query_.MayLift(e.num)) return false;
    return !scratch_.areas.Has(e.num);
  }

  // Stage 3: scoring.
  // The candidates made by a partition's walk (from index `begin` to
  // `end`), in decreasing order of a bound from their credits and entry
  // proximity, until none can enter.
  void ScoreWalked(const PartitionPlan& step, size_t begin, size_t end);
  // The actors whose areas cover the asker's home, bounded from their
  // postings before anything of theirs is read.
  void TakeUpCoveringActors();
  // The candidates the scope's areas made, not yet scored.
  void TakeUpScopeAreaActors(size_t count);
  // Scores one candidate, if it may enter; `bound` bounds everything but
  // its mutual fit (see PartitionPlan), `complete` says whether its
  // credits are.
  void Consider(Candidate& c, double bound, bool complete);

  const Query& query_;
  const ActorIndex::Impl& impl_;
  const ActorRecord& me_;
  const PartnerOptions& options_;
  SearchBuffers& buffers_;
  Scratch& scratch_;
  CategoryFilter categories_;
  TopK top_;
  const MyPosition me_position_;
  const double w_p_;
  const uint32_t own_partition_;
  std::vector<bool> walked_;
  bool nearby_taken_up_ = false;
  std::vector<const AreaPostings*> covering_;
  std::vector<Probe> probes_;
  // Whether every probe makes candidates (CategoryFilter::Creates): then
  // an actor no walk met has no credit at all.
  bool all_probes_create_ = true;
  // Each probe's postings by partition, looked up once.
  std::vector<const std::vector<LocatedPostings>*> probe_lists_;
};

}  // namespace maillage::matcher::internal

#endif  // MAILLAGE_MATCHER_PARTNER_SEARCH_H_

#include "matcher/partners.h"

#include <algorithm>
#include <cmath>
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

// Per-thread scratch of a query: a generation stamp per actor number marks
// the candidates already seen, so that nothing is cleared between queries.
struct Candidate {
  ActorNum num;
  PairInputs inputs;
};
struct Scratch {
  std::vector<uint32_t> stamp;
  std::vector<uint32_t> where;
  std::vector<Candidate> candidates;
  uint32_t generation = 0;

  void Reset(size_t num_limit) {
    if (stamp.size() < num_limit) {
      stamp.resize(num_limit, 0);
      where.resize(num_limit, 0);
    }
    candidates.clear();
    if (++generation == 0) {
      std::fill(stamp.begin(), stamp.end(), 0);
      generation = 1;
    }
  }
  Candidate& Get(ActorNum num) {
    if (stamp[num] != generation) {
      stamp[num] = generation;
      where[num] = static_cast<uint32_t>(candidates.size());
      candidates.push_back(Candidate{num, {}});
    }
    return candidates[where[num]];
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
  }
  return "unknown";
}

absl::Status ValidateWeights(const Weights& weights) {
  const double all[] = {weights.complementarity, weights.shared_themes,
                        weights.proximity,       weights.fragility,
                        weights.cross_kind,      weights.capacity,
                        weights.common_partners};
  for (double w : all) {
    if (!std::isfinite(w) || w < 0) {
      return absl::InvalidArgumentError(
          "weights must be finite and non-negative");
    }
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

  const Query query(index, context, actor, internal::Normalize(options.weights));
  const ActorProfile& profile = impl.profiles[actor];
  thread_local Scratch scratch;
  scratch.Reset(impl.records.size());

  // Which partitions of the exchange postings to walk: those of the scope's
  // départements, or all. Candidates homed elsewhere (acting in the scope
  // through an action area) are credited directly from their profiles.
  std::vector<uint32_t> partitions;
  std::vector<bool> walked;
  if (options.scope) {
    partitions = impl.ScopePartitions(*options.scope);
  } else {
    Scope everywhere;
    partitions = impl.ScopePartitions(everywhere);
  }
  for (uint32_t p : partitions) {
    if (walked.size() <= p) walked.resize(p + 1, false);
    walked[p] = true;
  }

  for (const Probe& probe : MakeProbes(profile)) {
    auto it = impl.exchanges.find(probe.key);
    if (it == impl.exchanges.end()) continue;
    for (uint32_t p : partitions) {
      if (p >= it->second.size()) continue;
      for (ActorNum num : it->second[p]) {
        Candidate& c = scratch.Get(num);
        Credit(probe.to_actor ? c.inputs.to_actor : c.inputs.to_partner,
               probe);
      }
    }
  }
  // Actors of the same intercommunality (or EPT, or commune when it is very
  // large) sharing a theme, even with nothing to exchange yet.
  {
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
      for (ActorNum num : *nearby) {
        if (impl.records[num].acts_on & me.acts_on) scratch.Get(num);
      }
    }
  }
  // Actors acting in the scope through an action area.
  if (options.scope && impl.areas_actor_count > 0) {
    std::vector<const Postings*> lists;
    impl.ScopePostings(*options.scope, &lists, /*include_homes=*/false);
    for (const Postings* list : lists) {
      for (ActorNum num : *list) scratch.Get(num);
    }
  }

  // Score the candidates, the most complementary first so that the heap's
  // threshold rises early and the mutual fit (an upper bound of the score)
  // prunes the rest.
  std::vector<Candidate>& candidates = scratch.candidates;
  {
    constexpr int kBuckets = 64;
    std::vector<uint32_t> count(kBuckets + 1, 0);
    auto bucket = [](const Candidate& c) {
      return kBuckets - 1 -
             std::min<int>(kBuckets - 1, c.inputs.to_actor.tenths +
                                             c.inputs.to_partner.tenths);
    };
    for (const Candidate& c : candidates) ++count[bucket(c) + 1];
    for (int b = 0; b < kBuckets; ++b) count[b + 1] += count[b];
    std::vector<Candidate> ordered(candidates.size());
    for (const Candidate& c : candidates) ordered[count[bucket(c)]++] = c;
    candidates.swap(ordered);
  }

  const uint32_t kinds = options.kinds;
  const uint32_t accepted_by_actor =
      me.accepted_categories ? me.accepted_categories : kAllCategories;
  const uint32_t requested =
      options.categories ? options.categories & kAllCategories
                         : kAllCategories;
  auto better = [&](const Ranked& x, const Ranked& y) {
    if (x.score != y.score) return x.score > y.score;
    return impl.profiles[x.num].id < impl.profiles[y.num].id;
  };
  std::vector<Ranked> heap;  // worst on top
  heap.reserve(options.limit + 1);
  const double min_score = std::max(options.min_score, 0.0);

  for (Candidate& c : candidates) {
    const ActorNum num = c.num;
    const ActorRecord& rec = impl.records[num];
    if (num == actor || !rec.proposable()) continue;
    if (kinds && !(kinds >> static_cast<int>(rec.kind) & 1)) continue;
    if (options.themes && !(rec.acts_on & options.themes)) continue;
    if (options.scope && !impl.ActsIn(num, *options.scope)) continue;
    const uint32_t p = internal::PartitionOf(rec.home);
    if (p >= walked.size() || !walked[p]) {
      c.inputs = DirectInputs(index, actor, num);
    }
    const Query::Fit fit = query.ComputeFit(rec, c.inputs);
    if (fit.mutual <= 0 || fit.mutual < min_score) continue;
    if (heap.size() == options.limit && fit.mutual < heap.front().score) {
      continue;  // the score cannot exceed the mutual fit
    }
    const uint32_t accepted_by_partner =
        rec.accepted_categories ? rec.accepted_categories : kAllCategories;
    const uint32_t allowed = query.InferredCategories(num, c.inputs) &
                             accepted_by_actor & accepted_by_partner &
                             requested & ~query.ActiveCategories(num);
    if (allowed == 0) continue;
    Query::Score score = query.ComputeScore(num, c.inputs);
    if (score.total <= 0 || score.total < min_score) continue;
    Ranked ranked{score.total, num, c.inputs, score};
    if (heap.size() < options.limit) {
      heap.push_back(std::move(ranked));
      std::push_heap(heap.begin(), heap.end(), better);
    } else if (better(ranked, heap.front())) {
      std::pop_heap(heap.begin(), heap.end(), better);
      heap.back() = std::move(ranked);
      std::push_heap(heap.begin(), heap.end(), better);
    }
  }

  std::sort_heap(heap.begin(), heap.end(), better);
  result.reserve(heap.size());
  for (const Ranked& ranked : heap) {
    const ActorRecord& rec = impl.records[ranked.num];
    const uint32_t accepted_by_partner =
        rec.accepted_categories ? rec.accepted_categories : kAllCategories;
    const uint32_t allowed = query.InferredCategories(ranked.num,
                                                      ranked.inputs) &
                             accepted_by_actor & accepted_by_partner &
                             requested & ~query.ActiveCategories(ranked.num);
    result.push_back(internal::BuildSuggestion(query, ranked.num,
                                               ranked.inputs, ranked.detail,
                                               allowed));
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
      blockers.push_back(name + " ne souhaite pas être proposé ou est dissous.");
    } else if (rec->capacity == 0) {
      blockers.push_back(name + " n'a plus de capacité pour un partenariat.");
    }
  }
  const uint32_t inferred = query.InferredCategories(partner, inputs);
  const uint32_t accepted =
      inferred & (a.accepted_categories ? a.accepted_categories : kAllCategories) &
      (b.accepted_categories ? b.accepted_categories : kAllCategories);
  const uint32_t active = query.ActiveCategories(partner);
  uint32_t allowed = accepted & ~active;
  if (accepted == 0) {
    blockers.push_back(
        "Aucune des catégories de partenariat possibles n'est acceptée par "
        "les deux.");
  } else if (allowed == 0) {
    blockers.push_back(
        "Déjà partenaires actifs en " +
        internal::Uncapitalize(
            CategoryLabel(query.PrimaryCategory(partner, inputs, accepted))) +
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

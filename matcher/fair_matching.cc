#include "matcher/fair_matching.h"

#include <algorithm>
#include <cmath>

#include "absl/container/flat_hash_map.h"
#include "lemon/list_graph.h"
#include "lemon/network_simplex.h"

namespace maillage::matcher {
namespace {

// Scores are in [0, 1]; LEMON's network simplex wants integer costs.
constexpr double kCostScale = 1e6;

ExposureSpread Spread(const std::vector<std::vector<Suggestion>>& proposals,
                      const std::vector<ActorNum>& all_partners) {
  absl::flat_hash_map<ActorNum, int> exposure;
  for (ActorNum p : all_partners) exposure[p] = 0;
  ExposureSpread s;
  for (const auto& list : proposals) {
    for (const Suggestion& x : list) {
      ++exposure[x.partner];
      s.total_score += x.score;
    }
  }
  std::vector<double> counts;
  counts.reserve(exposure.size());
  for (const auto& [_, n] : exposure) {
    counts.push_back(n);
    s.max_exposure = std::max(s.max_exposure, n);
    if (n > 0) ++s.partners_used;
  }
  s.gini = Gini(std::move(counts));
  return s;
}

}  // namespace

double Gini(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  double sum = 0, weighted = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    sum += values[i];
    weighted += static_cast<double>(i + 1) * values[i];
  }
  if (sum <= 0) return 0;
  double n = static_cast<double>(values.size());
  return (2 * weighted) / (n * sum) - (n + 1) / n;
}

absl::Status ValidateFairMatchingOptions(const FairMatchingOptions& options) {
  if (options.per_actor == 0 || options.per_actor > 10) {
    return absl::InvalidArgumentError("per_actor must be within [1, 10]");
  }
  if (options.candidates < options.per_actor || options.candidates > 200) {
    return absl::InvalidArgumentError(
        "candidates must be within [per_actor, 200]");
  }
  if (!(options.exposure_penalty >= 0)) {
    return absl::InvalidArgumentError("exposure_penalty must be >= 0");
  }
  return absl::OkStatus();
}

namespace {

// Keeps what the assignment needs (partner, score, category) and frees the
// explanation: hundreds of thousands of candidates are held at once, and
// their factors, exchanges and sentence would take a kilobyte each.
void Slim(Suggestion& s) {
  std::vector<Factor>().swap(s.factors);
  std::vector<ExchangeMatch>().swap(s.exchanges);
  std::string().swap(s.sentence);
}

}  // namespace

absl::Status CollectCandidates(const ActorIndex& index,
                               const MatchContext& context,
                               const std::vector<ActorNum>& actors,
                               const FairMatchingOptions& options,
                               FairCandidates* out) {
  PartnerOptions partner_options;
  partner_options.limit = options.candidates;
  partner_options.kinds = options.partner_kinds;
  partner_options.min_score = options.min_score;
  partner_options.weights = options.weights;
  partner_options.factor_details = false;
  partner_options.admit = options.admit;
  partner_options.cooperations = options.cooperations;
  absl::flat_hash_map<ActorNum, uint16_t> known;
  for (const auto& [num, cap] : out->partner_capacity) known[num] = cap;
  for (ActorNum actor : actors) {
    if (options.cancellation != nullptr) {
      if (absl::Status wanted = options.cancellation->Check(); !wanted.ok()) {
        return wanted;
      }
    }
    const ActorProfile& p = index.Get(actor);
    out->actors.push_back(actor);
    out->actor_capacity.push_back(p.capacity);
    out->lists.emplace_back();
    if (!p.available || p.capacity == 0) continue;
    auto list = SuggestPartners(index, context, actor, partner_options);
    if (!list.ok()) {
      if (list.status().code() == absl::StatusCode::kFailedPrecondition) {
        continue;  // unavailable: no proposal
      }
      return list.status();
    }
    for (const Suggestion& s : *list) {
      if (known.emplace(s.partner, index.Get(s.partner).capacity).second) {
        out->partner_capacity.emplace_back(s.partner,
                                           index.Get(s.partner).capacity);
      }
    }
    for (Suggestion& s : *list) Slim(s);
    out->lists.back() = std::move(*list);
  }
  return absl::OkStatus();
}

absl::StatusOr<FairAssignment> SuggestForActors(
    const ActorIndex& index, const MatchContext& context,
    const std::vector<ActorNum>& actors, const FairMatchingOptions& options) {
  if (absl::Status valid = ValidateFairMatchingOptions(options); !valid.ok()) {
    return valid;
  }
  FairCandidates candidates;
  if (absl::Status collected =
          CollectCandidates(index, context, actors, options, &candidates);
      !collected.ok()) {
    return collected;
  }
  return Assign(candidates, options);
}

absl::StatusOr<FairAssignment> Assign(const FairCandidates& all,
                                      const FairMatchingOptions& options) {
  if (absl::Status valid = ValidateFairMatchingOptions(options); !valid.ok()) {
    return valid;
  }
  const auto& candidates = all.lists;
  absl::flat_hash_map<ActorNum, uint16_t> partner_capacity(
      all.partner_capacity.begin(), all.partner_capacity.end());

  // The flow network.
  lemon::ListDigraph graph;
  lemon::ListDigraph::Node source = graph.addNode();
  lemon::ListDigraph::Node sink = graph.addNode();
  lemon::ListDigraph::ArcMap<int64_t> capacity(graph), cost(graph);
  auto add_arc = [&](lemon::ListDigraph::Node from, lemon::ListDigraph::Node to,
                     int64_t cap, int64_t c) {
    auto arc = graph.addArc(from, to);
    capacity[arc] = cap;
    cost[arc] = c;
    return arc;
  };
  absl::flat_hash_map<ActorNum, lemon::ListDigraph::Node> partner_node;
  std::vector<ActorNum> all_partners;
  int64_t supply = 0;
  // (association index, candidate index) per assignment arc.
  std::vector<std::pair<size_t, size_t>> arc_owner;
  std::vector<lemon::ListDigraph::Arc> assignment_arcs;
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (candidates[i].empty()) continue;
    int64_t slots = static_cast<int64_t>(
        std::min<size_t>(options.per_actor, all.actor_capacity[i]));
    auto node = graph.addNode();
    add_arc(source, node, slots, 0);
    supply += slots;
    for (size_t c = 0; c < candidates[i].size(); ++c) {
      const Suggestion& s = candidates[i][c];
      auto [it, inserted] = partner_node.try_emplace(s.partner);
      if (inserted) {
        it->second = graph.addNode();
        all_partners.push_back(s.partner);
        int64_t cap = partner_capacity[s.partner];
        for (int64_t j = 0; j < cap; ++j) {
          add_arc(it->second, sink, 1,
                  std::llround(options.exposure_penalty * kCostScale *
                               static_cast<double>(j)));
        }
      }
      assignment_arcs.push_back(
          add_arc(node, it->second, 1, -std::llround(s.score * kCostScale)));
      arc_owner.emplace_back(i, c);
    }
  }
  add_arc(source, sink, supply, 0);

  lemon::NetworkSimplex<lemon::ListDigraph, int64_t, int64_t> solver(graph);
  solver.upperMap(capacity).costMap(cost).stSupply(source, sink, supply);
  if (solver.run() !=
      lemon::NetworkSimplex<lemon::ListDigraph, int64_t, int64_t>::OPTIMAL) {
    return absl::InternalError("the assignment problem has no optimal flow");
  }

  FairAssignment out;
  out.proposals.resize(candidates.size());
  for (size_t k = 0; k < assignment_arcs.size(); ++k) {
    if (solver.flow(assignment_arcs[k]) > 0) {
      auto [i, c] = arc_owner[k];
      out.proposals[i].push_back(candidates[i][c]);
    }
  }
  std::vector<std::vector<Suggestion>> independent(candidates.size());
  for (size_t i = 0; i < candidates.size(); ++i) {
    auto& list = out.proposals[i];
    std::sort(list.begin(), list.end(), [](const auto& x, const auto& y) {
      if (x.score != y.score) return x.score > y.score;
      return x.partner_id < y.partner_id;
    });
    if (list.empty()) ++out.actors_without_partner;
    size_t k = std::min(options.per_actor, candidates[i].size());
    independent[i].assign(candidates[i].begin(), candidates[i].begin() + k);
  }
  out.fair = Spread(out.proposals, all_partners);
  out.independent = Spread(independent, all_partners);
  return out;
}

}  // namespace maillage::matcher

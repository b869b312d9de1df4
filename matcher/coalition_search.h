#ifndef MAILLAGE_MATCHER_COALITION_SEARCH_H_
#define MAILLAGE_MATCHER_COALITION_SEARCH_H_

// The search of coalition.h over one pool of candidates: the starts, the
// greedy growth, the removal of members left with nothing to give, the kind
// repair and min_size. Internal to the matcher.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "matcher/coalition.h"
#include "matcher/coalition_team.h"

namespace maillage::matcher::internal {

// A team and why each member is there (parallel to team.members()).
struct Draft {
  Team team;
  std::vector<MemberBasis> basis;
  uint32_t missing_kinds = 0;
};

// The search of coalition.h over one pool: starts, greedy growth, removal
// of members left with nothing to give, kind repair, min_size.
class Search {
 public:
  Search(const CoalitionPool& pool, const CoalitionOptions& options,
         std::optional<size_t> anchor)
      : pool_(pool), options_(options), anchor_(anchor) {
    const Team empty(pool);
    alone_.reserve(pool.size());
    for (size_t i = 0; i < pool.size(); ++i) {
      alone_.push_back(empty.GainOf(i).total());
    }
  }

  // The best team leaving out the candidates `excluded` marks (by pool
  // position), in the reported order, searched from the anchor alone and
  // at most `seed_pairs` pairs of partners.
  Draft Best(std::vector<char> excluded, size_t seed_pairs) const;

 private:
  std::vector<std::vector<size_t>> Starts(const std::vector<char>& excluded,
                                          size_t seed_pairs) const;
  Team Grow(const std::vector<size_t>& start, std::vector<char> excluded) const;
  // The greedy steps: adds the best giving candidate until max_size or
  // none gains.
  void Extend(Team& team, GainTable& gains) const;
  // A member that gives nothing the others do not (never the anchor; with
  // `basis`, only members chosen for what they give): the one whose
  // removal loses the least, if any.
  std::optional<size_t> IdleMember(
      const Team& team, const std::vector<MemberBasis>* basis = nullptr) const;
  bool DropIdle(Draft& draft) const;
  Team TeamWithout(const Team& team, size_t position) const;
  void RepairKinds(Draft& draft, std::vector<char>& blocked) const;
  void PadToMinSize(Draft& draft, std::vector<char>& blocked) const;
  std::optional<size_t> BestOf(const Team& team,
                               const std::vector<char>& blocked,
                               bool giving_only, Kind kind) const;
  Draft Ordered(const Draft& draft) const;
  Team TeamOf(const std::vector<size_t>& members) const;

  const CoalitionPool& pool_;
  const CoalitionOptions& options_;
  const std::optional<size_t> anchor_;
  std::vector<double> alone_;  // each candidate's gain in an empty team
};

}  // namespace maillage::matcher::internal

#endif  // MAILLAGE_MATCHER_COALITION_SEARCH_H_

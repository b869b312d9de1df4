#ifndef MAILLAGE_TOOLS_LOADGEN_DIRECTORY_FILTERS_H_
#define MAILLAGE_TOOLS_LOADGEN_DIRECTORY_FILTERS_H_

#include <string>
#include <vector>

#include "maillage/v1/actor.pb.h"
#include "territory/geography.h"
#include "tools/loadgen/synthetic_actors.h"

namespace maillage::loadgen {

// A ListActors filter, named for reports ("kind=COMPANY",
// "territory=departement:94").
struct DirectoryFilter {
  std::string name;
  v1::ListActorsRequest request;  // filter fields only
};

// Filters over the actors of the workload: each kind, each theme, offered
// and needed resources, communes, départements and régions, and a few
// combinations.
std::vector<DirectoryFilter> StandardFilters(const WorkloadPlaces& places);

// What a ListActors filter means (actor.proto, matcher::ActorFilter),
// computed on the client from full actor records, without the server's
// in-memory index: kind equal; theme declared or on a need or offer; a need
// or offer of the resource; home commune inside the territory or an action
// territory inside it or containing it. Territories of the commune,
// département and région levels only (the ones the workload uses); another
// level never matches.
class FilterEvaluator {
 public:
  // `geography` must outlive the evaluator.
  explicit FilterEvaluator(const territory::Geography* geography)
      : geography_(geography) {}

  bool Matches(const v1::ListActorsRequest& filter,
               const v1::Actor& actor) const;

 private:
  bool ActsOnTheme(const v1::Actor& actor, const std::string& theme) const;
  bool ActsIn(const v1::Actor& actor, const v1::TerritoryRef& scope) const;
  // Whether territory `inner` lies inside territory `outer` (or is it).
  bool Contains(const v1::TerritoryRef& outer,
                const v1::TerritoryRef& inner) const;

  const territory::Geography* geography_;
};

}  // namespace maillage::loadgen

#endif  // MAILLAGE_TOOLS_LOADGEN_DIRECTORY_FILTERS_H_

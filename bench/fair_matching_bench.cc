// Territory-wide matching (matcher/fair_matching.h) on a synthetic région.
//   build/bench/fair_matching_bench [--associations=100000] [--per_actor=3]
#include <chrono>
#include <cstdio>
#include <random>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "matcher/fair_matching.h"
#include "matcher/synthetic.h"
#include "matcher/vocabulary.h"

ABSL_FLAG(int, associations, 100000, "Associations in the région.");
ABSL_FLAG(int, per_actor, 3, "Proposals per association.");
ABSL_FLAG(int, candidates, 30, "Candidates per association.");

namespace maillage::matcher {
namespace {

using synthetic::France;
using synthetic::FranceOptions;
using synthetic::MakeActor;

int Run() {
  auto vocabulary = Vocabulary::LoadFromDir(MAILLAGE_REFERENCE_DIR "/vocab");
  if (!vocabulary.ok()) return 1;
  FranceOptions region;
  region.regions = 1;
  region.departements = 12;
  region.epcis = 150;
  region.communes = 4500;
  France france(region);
  ActorIndex index;
  index.SetCommunePlaces(france.communes());
  MatchContext context(*vocabulary);
  std::mt19937_64 rng(11);
  std::vector<ActorNum> associations;
  const size_t want = static_cast<size_t>(absl::GetFlag(FLAGS_associations));
  auto start = std::chrono::steady_clock::now();
  for (uint64_t n = 0; associations.size() < want; ++n) {
    ActorProfile p = MakeActor(france, *vocabulary, n, rng);
    bool assoc = p.kind == Kind::kAssociation;
    ActorNum num = index.Upsert(std::move(p));
    if (assoc) associations.push_back(num);
  }
  double build =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  FairMatchingOptions options;
  options.per_actor = static_cast<size_t>(absl::GetFlag(FLAGS_per_actor));
  options.candidates = static_cast<size_t>(absl::GetFlag(FLAGS_candidates));
  start = std::chrono::steady_clock::now();
  auto result = SuggestForActors(index, context, associations, options);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  if (!result.ok()) {
    fprintf(stderr, "%s\n", result.status().ToString().c_str());
    return 1;
  }
  printf("région: %zu actors, %zu associations (built in %.1f s)\n",
         index.size(), associations.size(), build);
  printf("SuggestForActors: %.1f s (per_actor %zu, candidates %zu)\n", seconds,
         options.per_actor, options.candidates);
  printf("%-22s %8s %14s %14s %12s\n", "", "Gini", "max exposure",
         "partners used", "total score");
  for (auto [name, s] : {std::pair{"fair (min-cost flow)", result->fair},
                         std::pair{"independent top-k", result->independent}}) {
    printf("%-22s %8.3f %14d %14d %12.0f\n", name, s.gini, s.max_exposure,
           s.partners_used, s.total_score);
  }
  printf("associations without a proposal: %d\n",
         result->actors_without_partner);
  return 0;
}

}  // namespace
}  // namespace maillage::matcher

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return maillage::matcher::Run();
}

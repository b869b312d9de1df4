#ifndef MAILLAGE_TOOLS_LOADGEN_SYNTHETIC_ACTORS_H_
#define MAILLAGE_TOOLS_LOADGEN_SYNTHETIC_ACTORS_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "maillage/v1/actor.pb.h"
#include "territory/geography.h"

namespace maillage::loadgen {

// Where the load tools put their actors, taken from the real geography so
// that the server accepts them as they are (current commune codes: nothing
// is rewritten on write, so the client's model and the stored record agree
// byte for byte).
struct WorkloadPlaces {
  // Homes of the churned actors: communes of Paris, Hauts-de-Seine,
  // Seine-Saint-Denis and Val-de-Marne.
  std::vector<std::string> communes;
  std::vector<std::string> departements;  // those four
  std::string region;                     // Île-de-France, "11"
  // Homes of the actors whose suggestions move along their lifecycle, in
  // the Rhône, where no churned actor lives or acts: a suggestion's partner
  // is never deleted under it.
  std::vector<std::string> lifecycle_communes;
  std::string lifecycle_departement;  // "69"

  static WorkloadPlaces From(const territory::Geography& geography);
};

// The themes and resources the generated actors use (codes of the
// vocabulary in reference/vocab/).
const std::vector<std::string>& WorkloadThemes();
const std::vector<std::string>& WorkloadResources();

// Makes synthetic actors. Not thread-safe: one per thread.
class ActorFactory {
 public:
  ActorFactory(const WorkloadPlaces* places, uint64_t seed);

  // An actor of any kind with every field the workload ever sets present and
  // non-empty (kind, name, home, action territories, themes, needs, offers,
  // capacity, description, contacts, source), so that a merge import of it
  // leaves the same actor as a replace. `token` names the write: it is in
  // the description and in every contact, so no two writes look alike.
  v1::Actor Churned(const std::string& id, const std::string& token);

  // The fixed actors of the lifecycle workload: associations needing what
  // the companies offer, on shared themes. Same content on every call.
  v1::Actor LifecycleAssociation(int index) const;
  v1::Actor LifecycleCompany(int index) const;
  static std::string LifecycleAssociationId(int index);
  static std::string LifecycleCompanyId(int index);

  std::mt19937_64& rng() { return rng_; }
  // Uniform in [0, n).
  size_t Below(size_t n);
  // True with probability `p`.
  bool Chance(double p);

 private:
  void AddChurnedTerritories(v1::Actor* actor);
  void AddChurnedExchanges(v1::Actor* actor);

  const WorkloadPlaces* places_;
  std::mt19937_64 rng_;
};

}  // namespace maillage::loadgen

#endif  // MAILLAGE_TOOLS_LOADGEN_SYNTHETIC_ACTORS_H_

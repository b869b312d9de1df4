#ifndef MAILLAGE_CORE_ACCESS_SCOPE_H_
#define MAILLAGE_CORE_ACCESS_SCOPE_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "auth/principal.h"
#include "core/territory_registry.h"
#include "maillage/v1/actor.pb.h"
#include "matcher/actor_index.h"
#include "territory/geography.h"

namespace maillage::core {

// The territories a principal may see and write (issue #11, "territorial
// scopes"), turned into sets that answer per actor in a few word reads.
//
// The rules, where the issue leaves a choice:
//  - An actor is in scope when its home commune is one of the scope's
//    communes, or one of its action territories shares a commune with the
//    scope (a département-wide association is seen by the animator of one of
//    its communes, and an actor of the scope acting on the whole région is
//    seen there too). An action territory that no longer resolves (a custom
//    zone deleted since) counts for nothing.
//  - Reads of an actor outside (GetActor, BatchGetActors, SuggestPartners'
//    and ExplainMatch's subjects, GetSuggestion) answer NOT_FOUND exactly as
//    for a missing id. Lists, exports, matching answers, coalitions, panels,
//    diagnoses, metrics and watches leave such actors out; a suggestion, a
//    watch event or a partnership is shown only when every actor it names
//    is in scope.
//  - Writes: an actor is written (created, updated, deleted, imported) only
//    when the stored version and the new one are both in scope, else
//    PERMISSION_DENIED ("outside your territories"; an import refuses the
//    row and goes on). This tells a writer that an id exists outside its
//    territories, as ALREADY_EXISTS would anyway.
//  - Reads that name a territory (diagnosis, metrics, watch, coalitions,
//    panels, SuggestForTerritory) need the territory to MEET the scope
//    (share a commune: MeetsTerritory), else PERMISSION_DENIED; what they
//    count or propose is then restricted to the actors in scope.
//  - Writes of facts need the territory to be INSIDE the scope
//    (ContainsTerritory): a fact on a région speaks for communes the
//    writer does not answer for. Facts, territories and postal codes stay
//    readable by all (reference data).
//  - A scope entry that does not resolve (unknown code, custom zone
//    deleted) covers nothing; key creation is where it gets reported.
//    A principal with no territories and no all_territories sees nothing
//    (the default of a scope filter is "nothing", as on JeVeuxAider). The
//    role never widens a scope: an admin is unrestricted through
//    all_territories, as Principal::System() is.
//  - Custom zones in a scope are read when the scope is built; a change of
//    any custom zone (TerritoryRegistry::custom_generation) rebuilds the
//    cached scopes on their next use.
// The role rules on actor writes live with the directory
// (core/actor_directory.cc, CheckActorWriter): a partner writes only ids
// "ext:<partner>:…" (and gets one of those when it creates an actor
// without id), an animator only the contacts of an actor (UpdateActor with
// update_mask exactly "contacts"), a reader nothing.
//
// Immutable after Build: shared by any number of threads.
class AccessScope {
 public:
  // Every territory (admins, the server itself, principals with
  // all_territories).
  static std::shared_ptr<const AccessScope> All();
  // The scope of `territories` ("level:code", see auth::Principal). Cost:
  // linear in the communes they cover, plus one Resolve per custom zone of
  // the registry when an entry is a custom zone.
  static std::shared_ptr<const AccessScope> Build(
      const std::vector<std::string>& territories,
      const TerritoryRegistry& registry);

  bool all() const { return all_; }

  // Whether the dense commune number is in the scope.
  bool CoversCommune(uint32_t commune) const {
    return all_ || (commune != territory::kNone && Test(communes_, commune));
  }
  // Whether the standard territory `id` of `level` shares a commune with the
  // scope. O(1).
  bool Meets(territory::Level level, uint32_t id) const;
  // Whether one of the sorted dense communes is in the scope.
  bool MeetsCommunes(const std::vector<uint32_t>& communes) const;

  // An actor as the index holds it, or as stored (home commune code,
  // action territories as references). See the rules above.
  bool CoversProfile(const matcher::ActorProfile& actor) const;
  bool CoversRecord(const v1::Actor& actor) const;

  // Whether `t` shares a commune with the scope (reads), or lies wholly
  // inside it (writes).
  bool MeetsTerritory(const ResolvedTerritory& t) const;
  bool ContainsTerritory(const ResolvedTerritory& t) const;

  // The registry's custom-zone generation the scope was built against
  // (see ScopeCache).
  uint64_t custom_generation() const { return custom_generation_; }

 private:
  AccessScope() = default;
  static bool Test(const std::vector<uint64_t>& bits, uint32_t i) {
    return i / 64 < bits.size() && (bits[i / 64] >> (i % 64) & 1);
  }
  static void Set(std::vector<uint64_t>* bits, uint32_t i) {
    (*bits)[i / 64] |= uint64_t{1} << (i % 64);
  }
  bool MeetsRef(const v1::TerritoryRef& ref) const;

  bool all_ = false;
  uint64_t custom_generation_ = 0;
  const territory::Geography* geography_ = nullptr;
  // Bit per dense commune number.
  std::vector<uint64_t> communes_;
  // Bit per dense number of the EPCIs, EPTs, départements and régions that
  // hold a commune of the scope: an action area there meets the scope.
  std::vector<uint64_t> epcis_, epts_, departements_, regions_;
  // Codes of the custom zones sharing a commune with the scope, so that a
  // stored action territory "custom:<code>" is answered without reading
  // the zone's communes.
  absl::flat_hash_set<std::string> custom_zones_met_;
};

// The scopes of principals, built once per distinct territory list and
// kept (at most `capacity`, one dropped when full) so that a call pays a
// hash lookup, not a build.
//
// Thread-safe.
class ScopeCache {
 public:
  explicit ScopeCache(const TerritoryRegistry* registry, size_t capacity = 256);

  // The scope of `caller`: All() for all_territories, else the scope of its
  // territory list.
  std::shared_ptr<const AccessScope> For(const auth::Principal& caller) const;

 private:
  const TerritoryRegistry* registry_;
  const size_t capacity_;
  mutable std::mutex mu_;
  mutable absl::flat_hash_map<std::vector<std::string>,
                              std::shared_ptr<const AccessScope>>
      built_;  // guarded by mu_
};

// PERMISSION_DENIED: "<subject> is outside your territories".
absl::Status OutsideTerritories(std::string_view subject);

// OK when `t` meets the scope (a read on a territory), else
// OutsideTerritories naming it.
absl::Status CheckTerritoryRead(const AccessScope& scope,
                                const ResolvedTerritory& t);
// OK when `t` lies inside the scope (a write on a territory), else
// OutsideTerritories naming it.
absl::Status CheckTerritoryWrite(const AccessScope& scope,
                                 const ResolvedTerritory& t);

// The matching engine's view of a scope over `index` (matcher::Admission):
// empty for an unrestricted scope, so that it costs nothing. The scope and
// the index must outlive it; use it under the index's read lock.
matcher::Admission AdmitIn(const AccessScope& scope,
                           const matcher::ActorIndex& index);

}  // namespace maillage::core

#endif  // MAILLAGE_CORE_ACCESS_SCOPE_H_

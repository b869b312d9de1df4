#ifndef MAILLAGE_CORE_TERRITORY_REGISTRY_H_
#define MAILLAGE_CORE_TERRITORY_REGISTRY_H_

#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "maillage/v1/common.pb.h"
#include "maillage/v1/territory.pb.h"
#include "matcher/actor_index.h"
#include "territory/geography.h"

namespace maillage::core {

// A territory reference checked against the geography and the custom zones.
struct ResolvedTerritory {
  territory::Level level = territory::Level::kUnspecified;
  uint32_t id = territory::kNone;  // dense number; kNone for custom zones
  std::string code;                // canonical (current) code
  // The matcher's view of it: where it sits and, for custom zones, its
  // communes.
  matcher::Scope scope;
};

// Every territory Maillage knows: the official geography (immutable) and the
// custom zones defined by animators (kept in memory, persisted by the caller
// through the store).
//
// Thread-safe: custom zones are behind a reader/writer lock; the geography
// needs none.
class TerritoryRegistry {
 public:
  explicit TerritoryRegistry(const territory::Geography* geography);

  const territory::Geography& geography() const { return *geography_; }

  // Resolves a reference; nullopt when the level is unspecified/unknown or
  // no territory has that code at that level. Former commune codes resolve
  // to the current commune. A custom zone resolves only for the workspace
  // that owns it; an empty `workspace` resolves every workspace's (the
  // server's own uses: loading the actor index, describing a zone already
  // resolved).
  std::optional<ResolvedTerritory> Resolve(
      const v1::TerritoryRef& ref, std::string_view workspace = {}) const;
  std::optional<ResolvedTerritory> Resolve(
      territory::Level level, std::string_view code,
      std::string_view workspace = {}) const;

  // The current communes (dense numbers, sorted) of a resolved territory.
  std::vector<uint32_t> Communes(const ResolvedTerritory& t) const;

  // Custom zones, each owned by the workspace that created it. Codes are
  // one namespace across workspaces (so that an actor's "custom:<code>"
  // names one zone), but a zone is seen only by its workspace: Get and List
  // with a workspace leave out the others' (empty: any workspace).
  // Put replaces; communes must be dense numbers, sorted.
  void PutCustom(const v1::Territory& zone, std::vector<uint32_t> communes,
                 std::string_view workspace);
  void RemoveCustom(std::string_view code);
  std::optional<v1::Territory> GetCustom(std::string_view code,
                                         std::string_view workspace = {}) const;
  // Custom zones whose code is > after, in code order, at most limit.
  std::vector<v1::Territory> ListCustom(std::string_view after, size_t limit,
                                        std::string_view workspace = {}) const;

 private:
  struct CustomZone {
    v1::Territory record;
    std::vector<uint32_t> communes;
    std::string workspace;  // its owner

    bool SeenBy(std::string_view w) const {
      return w.empty() || w == workspace;
    }
  };
  const territory::Geography* geography_;
  mutable std::shared_mutex mu_;
  std::map<std::string, CustomZone, std::less<>> custom_;  // guarded by mu_
};

territory::Level ToLevel(v1::TerritoryLevel level);
v1::TerritoryLevel ToProtoLevel(territory::Level level);

}  // namespace maillage::core

#endif  // MAILLAGE_CORE_TERRITORY_REGISTRY_H_

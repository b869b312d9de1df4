#ifndef MAILLAGE_MATCHER_ACTOR_INDEX_H_
#define MAILLAGE_MATCHER_ACTOR_INDEX_H_

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "territory/level.h"

namespace maillage::matcher {

// Dense internal number of an actor inside an ActorIndex. Public ids
// ("siret:…", "rna:W…") exist only at the edges; a number is reused after the
// actor it named was removed.
using ActorNum = uint32_t;

// Values match maillage.v1.ActorKind.
enum class Kind : uint8_t {
  kUnspecified = 0,
  kAssociation = 1,
  kCompany = 2,
  kPublicBody = 3,
  kAcademic = 4,
  kMedia = 5,
};
inline constexpr int kKindCount = 6;

// Values match maillage.v1.PartnershipCategory. Bit (1 << category) in masks.
enum class Category : uint8_t {
  kUnspecified = 0,
  kMecenat = 1,
  kResponsiblePractices = 2,
  kEconomicCooperation = 3,
  kSocietalInnovation = 4,
};

// Bit t set = theme number t of the Vocabulary (at most 64 themes).
using ThemeSet = uint64_t;

// One need or offer: a resource number and a theme number from the
// Vocabulary. theme == kAnyTheme when the actor gave no theme for it.
struct Exchange {
  static constexpr uint8_t kAnyTheme = 0xFF;
  uint8_t resource = 0;
  uint8_t theme = kAnyTheme;
  bool operator==(const Exchange& o) const {
    return resource == o.resource && theme == o.theme;
  }
};

// A position, WGS84 degrees.
struct GeoPoint {
  double latitude = 0;
  double longitude = 0;
};

// A territory where an actor acts, by level with its ancestors (see
// territory::Place), or a custom zone given by its sorted communes.
struct ActionArea {
  territory::Level level = territory::Level::kUnspecified;
  territory::Place place;                 // for the standard levels
  std::vector<uint32_t> custom_communes;  // for kCustom, sorted
};

// Everything the engine needs to know about one actor, already resolved to
// dense numbers by the caller (the core converts the API record).
struct ActorProfile {
  std::string id;  // public id, unique
  Kind kind = Kind::kUnspecified;
  uint8_t subtype = 0;    // maillage.v1.ActorSubtype value, 0 = none
  uint8_t size_band = 0;  // maillage.v1.SizeBand value, 0 = unknown
  territory::Place home;  // home commune and its ancestors
  float latitude = NAN;   // WGS84 degrees, NaN when unknown
  float longitude = NAN;
  std::vector<ActionArea> action_areas;
  ThemeSet themes = 0;
  std::vector<Exchange> needs;
  std::vector<Exchange> offers;
  uint32_t accepted_categories = 0;  // bit (1 << Category); 0 = all accepted
  uint16_t capacity = 0;  // how many new partnerships it can still take
  bool available = true;  // false: opted out of matching, or dissolved
  std::string name;       // display name for explanations; empty: the id
};

// Where to look: a standard territory (level + its own Place, whose field at
// `level` is the territory's dense number and whose coarser fields are its
// ancestors), or a custom zone given by its sorted communes.
struct Scope {
  territory::Level level = territory::Level::kUnspecified;
  territory::Place place;
  std::vector<uint32_t> custom_communes;  // for kCustom, sorted
};

// Which actors an answer may name, beyond the engine's own rules: the core
// passes the caller's territorial scope. An empty function admits every
// actor. Called with live numbers, under the caller's read lock on the
// index; it must be cheap (it runs once per candidate actually scored) and
// must not write to the index.
using Admission = std::function<bool(ActorNum)>;

// Filters of ActorService.List. An unset field does not filter. The territory
// filter keeps actors whose home commune is inside the scope or one of whose
// action areas overlaps it (inside it, or containing it).
struct ActorFilter {
  std::optional<Kind> kind;
  std::optional<Scope> territory;
  // Acts on this theme: a declared theme, or the theme of a need or offer.
  std::optional<uint8_t> theme;
  std::optional<uint8_t> offered_resource;  // offers this resource, any theme
  std::optional<uint8_t> needed_resource;   // needs this resource, any theme
};

// In-memory indexes over every actor: by kind, home territory (every level),
// theme, offered resource, needed resource, and (resource, theme) postings for
// the matching engine.
//
// Not thread-safe: callers serialise writers against readers (the core holds a
// reader/writer lock). Memory target: at most 600 bytes per actor all included.
class ActorIndex {
 public:
  ActorIndex();
  ~ActorIndex();
  ActorIndex(const ActorIndex&) = delete;
  ActorIndex& operator=(const ActorIndex&) = delete;

  // Inserts or replaces the actor with profile.id. Returns its number.
  ActorNum Upsert(ActorProfile profile);
  // Removes the actor; returns false when it was not there.
  bool Remove(std::string_view id);
  // Fills an empty index: profiles[i] gets number i, with the same numbers,
  // postings and id map as Upserting the profiles in turn. `id_order` lists
  // the numbers by increasing id (a store's scan yields them so): the id map
  // is then built by appending, not by a B-tree search per actor (at 1M
  // actors whose numbers do not follow their ids, the searches were a third
  // of the start-up). When the index is not empty, or `id_order` is not the
  // numbers by strictly increasing id, the profiles are Upserted in turn
  // instead: the same result, slower.
  void BulkLoad(std::vector<ActorProfile> profiles,
                const std::vector<ActorNum>& id_order);

  // Number of an actor by public id, or nullopt.
  std::optional<ActorNum> Find(std::string_view id) const;
  // The profile of a live actor number. The reference is valid until the next
  // write to the index.
  const ActorProfile& Get(ActorNum num) const;
  size_t size() const;

  // Live actors of one kind, available for matching or not (opted out or
  // dissolved). O(1).
  struct KindCount {
    size_t available = 0;
    size_t unavailable = 0;
  };
  KindCount CountOfKind(Kind kind) const;

  // Public ids of the actors matching `filter` whose id is > `after` (byte
  // order), sorted ascending, at most `limit` of them. *more is set to whether
  // further matches exist after the last one returned. Cost is linear in the
  // size of the smallest posting list involved, not in the whole index.
  std::vector<std::string> List(const ActorFilter& filter,
                                std::string_view after, size_t limit,
                                bool* more) const;

  // True when `place` (a home commune's Place) lies inside `scope`.
  static bool Inside(const territory::Place& place, const Scope& scope);

  // The Place of every commune, by dense commune number. Optional: it places
  // custom zones (custom action areas, custom scopes) in the hierarchy.
  // Without it a custom zone overlaps only the communes it lists and the
  // custom zones sharing one of them. Re-indexes the action areas (linear in
  // the actors that have some); best called before the first Upsert.
  void SetCommunePlaces(std::vector<territory::Place> places);

  // True when the live actor `num` is inside `scope`, with the semantics of
  // the ActorFilter territory filter: home commune inside the scope, or an
  // action area overlapping it.
  bool ActsIn(ActorNum num, const Scope& scope) const;

  // Whether `num` names a live actor.
  bool IsLive(ActorNum num) const;
  // The home and whether it has action areas, for a live `num`, from the
  // compact record the engine reads anyway: cheaper than Get(num) (another
  // cache line or two) when that is all a caller needs.
  const territory::Place& HomeOf(ActorNum num) const;
  bool HasActionAreas(ActorNum num) const;
  // Every live number is < num_limit(); for callers' dense scratch arrays.
  ActorNum num_limit() const;
  // How many live actors act on `theme` (ActorFilter::theme semantics); the
  // document frequency behind the rarity (IDF) of themes.
  uint32_t ThemeActorCount(uint8_t theme) const;
  // Heap bytes held by the index (profiles, records, postings), estimated
  // from container capacities; allocator overhead not included.
  size_t ApproximateMemoryUsage() const;

  struct Impl;  // defined in matcher/actor_index_internal.h

 private:
  friend struct IndexAccess;
  std::unique_ptr<Impl> impl_;
};

}  // namespace maillage::matcher

#endif  // MAILLAGE_MATCHER_ACTOR_INDEX_H_

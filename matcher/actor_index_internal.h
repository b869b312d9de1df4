#ifndef MAILLAGE_MATCHER_ACTOR_INDEX_INTERNAL_H_
#define MAILLAGE_MATCHER_ACTOR_INDEX_INTERNAL_H_

// The inside of ActorIndex, shared by the index and the engine's translation
// units (partners, coalitions, panels). Not part of the matcher's interface:
// the core and the services include actor_index.h only.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "matcher/actor_index.h"
#include "matcher/stable_vector.h"
#include "territory/level.h"

namespace maillage::matcher {
namespace internal {

// The standard levels from the finest to the coarsest. An EPT lies inside the
// Métropole du Grand Paris, an EPCI; an EPCI usually lies inside one
// département (not always: the Place of each commune says which).
inline constexpr int kRankCount = 5;
inline constexpr territory::Level kLevelByRank[kRankCount] = {
    territory::Level::kCommune, territory::Level::kEpt, territory::Level::kEpci,
    territory::Level::kDepartement, territory::Level::kRegion};
// Rank of a standard level in kLevelByRank, -1 for kCustom/kUnspecified.
inline int LevelRank(territory::Level level) {
  switch (level) {
    case territory::Level::kCommune:
      return 0;
    case territory::Level::kEpt:
      return 1;
    case territory::Level::kEpci:
      return 2;
    case territory::Level::kDepartement:
      return 3;
    case territory::Level::kRegion:
      return 4;
    default:
      return -1;
  }
}

// A posting list: actor numbers, sorted ascending, no duplicates.
using Postings = std::vector<ActorNum>;
inline void PostingInsert(Postings& postings, ActorNum num) {
  // New actors get the largest number so far: append without a search.
  if (postings.empty() || postings.back() < num) {
    postings.push_back(num);
    return;
  }
  auto it = std::lower_bound(postings.begin(), postings.end(), num);
  if (it == postings.end() || *it != num) postings.insert(it, num);
}
inline void PostingErase(Postings& postings, ActorNum num) {
  auto it = std::lower_bound(postings.begin(), postings.end(), num);
  if (it != postings.end() && *it == num) postings.erase(it);
}

// An exchange posting entry: the actor and where its home is, so that the
// engine bounds an entry's proximity without reading the actor's record
// (which is a cache miss per candidate at a million actors).
struct Located {
  ActorNum num;
  // With coordinates: bit 31 set, the latitude in bits 16-30 (15 bits over
  // [-90, 90]) and the longitude in bits 0-15 (over [-180, 180]), steps of
  // 0.0055 degrees, under 0.6 km (the engine allows for it). Without: the
  // home commune's number + 1 (what the proximity then depends on), or
  // kNoPosition.
  uint32_t where;
};
inline constexpr uint32_t kNoPosition = 0;
inline bool HasPosition(uint32_t where) { return where & 0x80000000u; }
// The home commune of a `where` without coordinates, kNone if unknown.
inline uint32_t PackedCommune(uint32_t where) {
  return HasPosition(where) || where == kNoPosition ? territory::kNone
                                                    : where - 1;
}
inline uint32_t PackCommune(uint32_t commune) {
  return commune < 0x7FFFFFFFu ? commune + 1 : kNoPosition;
}
inline uint32_t PackPosition(float latitude, float longitude) {
  if (!(latitude >= -90 && latitude <= 90 && longitude >= -180 &&
        longitude <= 180)) {
    return kNoPosition;
  }
  const auto lat = static_cast<uint32_t>(
      std::lround((static_cast<double>(latitude) + 90) / 180 * 32767));
  const auto lon = static_cast<uint32_t>(
      std::lround((static_cast<double>(longitude) + 180) / 360 * 65535));
  return 0x80000000u | lat << 16 | lon;
}
inline float PackedLatitude(uint32_t where) {
  return static_cast<float>((where >> 16 & 0x7FFF) * (180.0 / 32767) - 90);
}
inline float PackedLongitude(uint32_t where) {
  return static_cast<float>((where & 0xFFFF) * (360.0 / 65535) - 180);
}
using LocatedPostings = std::vector<Located>;
// An entry of the action area postings the engine reads: where the actor
// lives too (its partition, see PartitionOf), and what bounds its fit (as in
// its ActorRecord), so that most are ruled out without a cache miss.
struct AreaEntry {
  ActorNum num;
  uint32_t where;  // as in Located
  uint32_t partition;
  uint32_t need_resources;
  uint32_t offer_resources;
  ThemeSet acts_on;
};
using AreaPostings = std::vector<AreaEntry>;

// Lists of entries sorted by actor number, one entry per actor.
template <typename Entry>
void PostingInsert(std::vector<Entry>& postings, const Entry& entry) {
  if (postings.empty() || postings.back().num < entry.num) {
    postings.push_back(entry);
    return;
  }
  auto it = std::lower_bound(
      postings.begin(), postings.end(), entry.num,
      [](const Entry& e, ActorNum num) { return e.num < num; });
  if (it != postings.end() && it->num == entry.num) {
    *it = entry;
  } else {
    postings.insert(it, entry);
  }
}
template <typename Entry>
void EntryErase(std::vector<Entry>& postings, ActorNum num) {
  auto it =
      std::lower_bound(postings.begin(), postings.end(), num,
                       [](const Entry& e, ActorNum n) { return e.num < n; });
  if (it != postings.end() && it->num == num) postings.erase(it);
}
inline void PostingErase(LocatedPostings& postings, ActorNum num) {
  EntryErase(postings, num);
}

// What the engine reads for every candidate, in one cache line.
struct ActorRecord {
  static constexpr uint8_t kLive = 1;
  static constexpr uint8_t kAvailable = 2;  // profile.available
  static constexpr uint8_t kHasAreas = 4;   // has action areas
  static constexpr uint8_t kHasCoords = 8;  // latitude/longitude known

  ThemeSet themes = 0;   // declared themes
  ThemeSet acts_on = 0;  // declared themes and themes of needs/offers
  territory::Place home;
  float latitude = 0;
  float longitude = 0;
  uint32_t need_resources = 0;   // bit r: needs resource r (any theme)
  uint32_t offer_resources = 0;  // bit r: offers resource r (any theme)
  uint16_t capacity = 0;
  Kind kind = Kind::kUnspecified;
  uint8_t subtype = 0;
  uint8_t flags = 0;
  uint8_t accepted_categories = 0;  // bit (1 << Category); 0 = all

  bool live() const { return flags & kLive; }
  // Proposable: live, available, with capacity left.
  bool proposable() const {
    return (flags & (kLive | kAvailable)) == (kLive | kAvailable) &&
           capacity > 0;
  }
  bool has_coords() const { return flags & kHasCoords; }
  bool has_areas() const { return flags & kHasAreas; }
};

// Keys of the (resource, theme) postings of needs and offers. An exchange
// with a theme is indexed "explicit" under that theme; one without a theme
// means "on any of the actor's themes" and is indexed "implied" under each
// declared theme, or under kNoTheme when the actor declared none.
enum class Side : uint8_t { kNeed = 0, kOffer = 1 };
inline constexpr uint8_t kNoTheme = Exchange::kAnyTheme;
inline uint32_t ExchangeKey(Side side, bool implied, uint8_t resource,
                            uint8_t theme) {
  return (static_cast<uint32_t>(side) << 17) |
         (static_cast<uint32_t>(implied) << 16) |
         (static_cast<uint32_t>(resource) << 8) | theme;
}

// The keys under which `profile` is indexed on one side, sorted, unique.
std::vector<uint32_t> ExchangeKeys(const ActorProfile& profile, Side side);

// Partition of the exchange postings: the home département + 1, 0 when the
// home has no département. Scoped queries read only the partitions of the
// scope's départements.
inline uint32_t PartitionOf(const territory::Place& home) {
  return home.departement == territory::kNone ? 0 : home.departement + 1;
}

// Key of the action area postings: level rank and dense number.
inline uint64_t AreaKey(int rank, uint32_t number) {
  return static_cast<uint64_t>(rank) << 32 | number;
}

// Comparator of the id-ordered set: numbers ordered by their public ids.
struct IdLess {
  using is_transparent = void;
  const StableVector<ActorProfile>* profiles = nullptr;
  bool operator()(ActorNum a, ActorNum b) const {
    return (*profiles)[a].id < (*profiles)[b].id;
  }
  bool operator()(ActorNum a, std::string_view b) const {
    return std::string_view((*profiles)[a].id) < b;
  }
  bool operator()(std::string_view a, ActorNum b) const {
    return a < std::string_view((*profiles)[b].id);
  }
};

}  // namespace internal

struct ActorIndex::Impl {
  Impl();

  // What the postings of an actor are computed from: its profile and its
  // record, or nothing (an actor not indexed).
  struct Indexed {
    const ActorProfile* profile = nullptr;
    const internal::ActorRecord* record = nullptr;
  };
  // Moves the postings of actor `num` from what `before` yields to what
  // `after` yields: an insertion when `before` is nothing, a removal when
  // `after` is. Postings both yield are left alone, so that a replacement
  // keeping an actor's home, themes and resources costs no erase and
  // re-insert (each a memmove of a home list of up to a région's actors).
  void IndexActor(ActorNum num, Indexed before, Indexed after);
  // IndexActor's parts, each for its postings: kind and home lists;
  // national theme and resource lists; exchange postings (all of them
  // when the actor `moved`, else only the keys that changed); action areas.
  void IndexKindAndHome(ActorNum num, const ActorProfile* was,
                        const ActorProfile* is);
  void IndexNational(ActorNum num, const internal::ActorRecord& was,
                     const internal::ActorRecord& is);
  // neighbours_by_theme: the keys whose home or themes changed.
  void IndexNeighbours(ActorNum num, const ActorProfile* was,
                       const internal::ActorRecord& was_record,
                       const ActorProfile* is,
                       const internal::ActorRecord& is_record);
  void IndexExchanges(ActorNum num, const ActorProfile* was,
                      const ActorProfile* is, uint32_t to_where, bool moved);
  void IndexActionAreas(ActorNum num, Indexed before, Indexed after,
                        bool moved);
  // Adds (add = true) or removes the action area postings of `num`.
  void IndexAreas(ActorNum num, const ActorProfile& profile,
                  const internal::ActorRecord& record, bool add);
  // Learns from a home: EPCI/EPT spans, partition boxes, régions of the
  // départements (never unlearned).
  void Learn(const ActorProfile& profile, const internal::ActorRecord& record);
  internal::ActorRecord MakeRecord(const ActorProfile& profile) const;
  // records[num] and what is kept beside it (acts_on, packed_where).
  void SetRecord(ActorNum num, const internal::ActorRecord& record);
  // Normalises the action areas of actors [from, to) and makes their
  // records (BulkLoad; no posting).
  void MakeRecords(ActorNum from, ActorNum to);

  // Whether an action area overlaps the scope (inside it or containing it).
  bool AreaOverlaps(const ActionArea& area, const Scope& scope) const;
  bool ActsIn(ActorNum num, const Scope& scope) const;
  // Place of a commune, from commune_places or learned from homes; nullptr
  // when unknown.
  const territory::Place* CommunePlace(uint32_t commune) const;

  // Appends to *out every posting list whose union is a superset of the
  // actors ActsIn(scope) (homes inside, areas overlapping). Lists may repeat
  // actors; callers dedupe. Without `include_homes`, only the lists of
  // actors whose action areas may overlap the scope.
  void ScopePostings(const Scope& scope,
                     std::vector<const internal::Postings*>* out,
                     bool include_homes = true) const;
  // The sorted, unique actors for which ActsIn(scope) holds.
  std::vector<ActorNum> ScopeMembers(const Scope& scope) const;

  // ActorIndex::List's parts (actor_index.cc). What a filter's candidates
  // come from: the national lists of its kind, theme and resources (the
  // smallest first) and its territory's lists, with the independence
  // estimate of the share of actors that match.
  struct ListSources;
  ListSources SourcesOf(const ActorFilter& filter) const;
  // Whether actor `num` passes every filter (checked on its record).
  bool Matches(ActorNum num, const ActorFilter& filter) const;
  // Walks the ids in order after `after` until `want` matches, or gives up
  // after `budget` steps (nullopt: the intersection takes over).
  std::optional<std::vector<ActorNum>> WalkIds(const ActorFilter& filter,
                                               bool filtered,
                                               std::string_view after,
                                               size_t want,
                                               size_t budget) const;
  // The `want` smallest ids after `after` among the matches of the smallest
  // source, in id order.
  std::vector<ActorNum> SmallestMatches(const ActorFilter& filter,
                                        const ListSources& sources,
                                        std::string_view after,
                                        size_t want) const;
  // Partitions of the exchange postings that hold every actor whose home is
  // inside `scope` (all of them when unknown). Sorted.
  std::vector<uint32_t> ScopePartitions(const Scope& scope) const;

  // By number; elements never move (stable_vector.h), so that adding actors
  // never copies the million there are under the write lock.
  internal::StableVector<ActorProfile> profiles;
  internal::StableVector<internal::ActorRecord> records;
  // records[num].acts_on and its position packed as in the postings
  // (Located::where), dense: the partner search scans the themes and
  // positions of every actor of the asker's commune (400,000 in Paris at
  // the scale of France). Set with the record (SetRecord).
  internal::StableVector<ThemeSet> acts_on;
  internal::StableVector<uint32_t> packed_where;
  std::vector<ActorNum> free_nums;  // numbers to reuse
  absl::btree_set<ActorNum, internal::IdLess> ids;
  size_t live = 0;
  ActorNum areas_actor_count = 0;  // live actors with action areas

  // National lists are B-trees: an update costs O(log n), not a memmove of
  // a list of hundreds of thousands.
  using NationalPostings = absl::btree_set<ActorNum>;
  NationalPostings by_kind[kKindCount];
  // Live actors of each kind not available for matching (opted out or
  // dissolved): what the server's metrics count apart.
  size_t unavailable_by_kind[kKindCount] = {};
  NationalPostings by_theme[64];
  NationalPostings by_offered[32];
  NationalPostings by_needed[32];
  // Home postings by level rank, then by the dense number at that level.
  std::vector<internal::Postings> home[internal::kRankCount];
  // The home lists of the levels whose actors are an asker's neighbours
  // (commune, EPT, EPCI: ranks below kNeighbourRanks), split by the themes
  // the actors act on (ActorRecord::acts_on): NeighbourKey(rank, number) ->
  // for each theme, the actors of that territory acting on it. The partner
  // search visits only the neighbours sharing a theme with the asker, not
  // every actor of its intercommunality; one lookup finds a territory's
  // lists, so that an actor joins its commune's and intercommunality's
  // lists for all its themes with two.
  static constexpr int kNeighbourRanks = 3;
  static uint64_t NeighbourKey(int rank, uint32_t number) {
    return static_cast<uint64_t>(rank) << 32 | number;
  }
  // One territory's lists: the themes present, and their lists in theme
  // order (theme t's at the number of present themes below t).
  class ThemeLists {
   public:
    ThemeSet themes() const { return themes_; }
    const internal::Postings* Find(int theme) const {
      return themes_ >> theme & 1 ? &lists_[IndexOf(theme)] : nullptr;
    }
    void Add(int theme, ActorNum num) {
      const size_t i = IndexOf(theme);
      if (!(themes_ >> theme & 1)) {
        lists_.emplace(lists_.begin() + static_cast<std::ptrdiff_t>(i));
        themes_ |= ThemeSet{1} << theme;
      }
      internal::PostingInsert(lists_[i], num);
    }
    // Drops theme's list once empty.
    void Remove(int theme, ActorNum num) {
      if (!(themes_ >> theme & 1)) return;
      const size_t i = IndexOf(theme);
      internal::PostingErase(lists_[i], num);
      if (!lists_[i].empty()) return;
      lists_.erase(lists_.begin() + static_cast<std::ptrdiff_t>(i));
      themes_ &= ~(ThemeSet{1} << theme);
    }
    size_t ApproximateMemoryUsage() const {
      size_t bytes = lists_.capacity() * sizeof(internal::Postings);
      for (const internal::Postings& p : lists_) {
        bytes += p.capacity() * sizeof(ActorNum);
      }
      return bytes;
    }

   private:
    size_t IndexOf(int theme) const {
      return static_cast<size_t>(
          __builtin_popcountll(themes_ & ((ThemeSet{1} << theme) - 1)));
    }
    ThemeSet themes_ = 0;
    std::vector<internal::Postings> lists_;
  };
  const ThemeLists* NeighboursOf(int rank, uint32_t number) const {
    auto it = neighbours_by_theme.find(NeighbourKey(rank, number));
    return it == neighbours_by_theme.end() ? nullptr : &it->second;
  }
  absl::flat_hash_map<uint64_t, ThemeLists> neighbours_by_theme;
  // ExchangeKey -> postings by partition (see PartitionOf), with positions.
  absl::flat_hash_map<uint32_t, std::vector<internal::LocatedPostings>>
      exchanges;
  // (level rank << 32 | number) -> actors with an action area exactly that
  // territory (custom zones: under each of their communes).
  absl::flat_hash_map<uint64_t, internal::Postings> area_exact;
  // The same lists as area_exact, with the actors' positions (for the
  // engine's bounds).
  absl::flat_hash_map<uint64_t, internal::AreaPostings> area_covering;
  // (level rank << 32 | number) -> actors with an action area strictly finer
  // than that territory and inside it.
  absl::flat_hash_map<uint64_t, internal::Postings> area_inside;

  // Bounding box of the coordinates of the actors homed in each partition;
  // grows with insertions and never shrinks, so it bounds distances from
  // below (the engine prunes far partitions with it).
  struct Box {
    float min_lat = 1e9f;
    float max_lat = -1e9f;
    float min_lon = 1e9f;
    float max_lon = -1e9f;
    bool empty() const { return min_lat > max_lat; }
  };
  std::vector<Box> partition_boxes;  // by partition

  // Learned from homes, for the EPCI and EPT: the département and région
  // all their homes share, kMixed once two differ (never reverts), kNone
  // while unknown. The engine's bounds need to know which intercommunalities
  // straddle départements.
  static constexpr uint32_t kMixed = 0xFFFFFFFEu;
  struct Span {
    uint32_t departement = territory::kNone;
    uint32_t region = territory::kNone;
  };
  std::vector<Span> epci_span;
  std::vector<Span> ept_span;
  // Whether the homes of an intercommunality's actors lie in more than one
  // département (or that is not known).
  bool EpciStraddles(uint32_t epci) const {
    return epci >= epci_span.size() || epci_span[epci].departement == kMixed;
  }

  std::vector<territory::Place> commune_places;  // optional, by commune
  // Learned from homes: the region of each département (kNone if unknown).
  std::vector<uint32_t> departement_region;
};

// The engine's access to the inside of an index.
struct IndexAccess {
  static const ActorIndex::Impl& Of(const ActorIndex& index) {
    return *index.impl_;
  }
};

}  // namespace maillage::matcher

#endif  // MAILLAGE_MATCHER_ACTOR_INDEX_INTERNAL_H_

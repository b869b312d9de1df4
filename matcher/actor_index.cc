#include "matcher/actor_index.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <queue>
#include <utility>

#include "base/in_parallel.h"
#include "matcher/actor_index_internal.h"
#include "matcher/bits.h"

namespace maillage::matcher {

using internal::ActorRecord;
using internal::kLevelByRank;
using internal::kRankCount;
using internal::LevelRank;
using internal::PostingErase;
using internal::PostingInsert;
using internal::Postings;
using internal::Side;
using territory::kNone;
using territory::Level;
using territory::Place;

namespace internal {

std::vector<uint32_t> ExchangeKeys(const ActorProfile& profile, Side side) {
  const std::vector<Exchange>& exchanges =
      side == Side::kNeed ? profile.needs : profile.offers;
  std::vector<uint32_t> keys;
  for (const Exchange& e : exchanges) {
    if (e.resource >= 32) continue;
    if (e.theme != Exchange::kAnyTheme) {
      if (e.theme < 64)
        keys.push_back(ExchangeKey(side, false, e.resource, e.theme));
    } else if (profile.themes == 0) {
      keys.push_back(ExchangeKey(side, true, e.resource, kNoTheme));
    } else {
      for (int t = 0; t < 64; ++t) {
        if (profile.themes >> t & 1) {
          keys.push_back(
              ExchangeKey(side, true, e.resource, static_cast<uint8_t>(t)));
        }
      }
    }
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

}  // namespace internal

namespace {

void MapInsert(absl::flat_hash_map<uint64_t, Postings>& map, uint64_t key,
               ActorNum num) {
  PostingInsert(map[key], num);
}

void MapErase(absl::flat_hash_map<uint64_t, Postings>& map, uint64_t key,
              ActorNum num) {
  auto it = map.find(key);
  if (it == map.end()) return;
  PostingErase(it->second, num);
  if (it->second.empty()) map.erase(it);
}

// The `where` of an actor's exchange and area entries (see Located).
uint32_t PackedWhere(const ActorRecord& record) {
  return record.has_coords()
             ? internal::PackPosition(record.latitude, record.longitude)
             : internal::PackCommune(record.home.commune);
}

bool SameAreas(const std::vector<ActionArea>& a,
               const std::vector<ActionArea>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const ActionArea& x, const ActionArea& y) {
                      return x.level == y.level && x.place == y.place &&
                             x.custom_communes == y.custom_communes;
                    });
}

// Custom zones' communes sorted and unique, as the postings expect.
void NormaliseAreas(ActorProfile& profile) {
  for (ActionArea& area : profile.action_areas) {
    std::sort(area.custom_communes.begin(), area.custom_communes.end());
    area.custom_communes.erase(
        std::unique(area.custom_communes.begin(), area.custom_communes.end()),
        area.custom_communes.end());
  }
}

// The record of an actor not indexed: no theme, no resource.
const ActorRecord kNoRecord;

// Whether `id_order` holds every number of `profiles` by strictly
// increasing id (a permutation, then: the ids are distinct).
bool IsIdOrder(const std::vector<ActorProfile>& profiles,
               const std::vector<ActorNum>& id_order) {
  if (id_order.size() != profiles.size()) return false;
  for (size_t i = 0; i < id_order.size(); ++i) {
    if (id_order[i] >= profiles.size()) return false;
    if (i > 0 && !(profiles[id_order[i - 1]].id < profiles[id_order[i]].id)) {
      return false;
    }
  }
  return true;
}

}  // namespace

ActorIndex::Impl::Impl() : ids(internal::IdLess{&profiles}) {}

ActorRecord ActorIndex::Impl::MakeRecord(const ActorProfile& profile) const {
  ActorRecord record;
  record.themes = profile.themes;
  record.acts_on = profile.themes;
  for (const Exchange& e : profile.needs) {
    if (e.theme < 64) record.acts_on |= ThemeSet{1} << e.theme;
    if (e.resource < 32) record.need_resources |= 1u << e.resource;
  }
  for (const Exchange& e : profile.offers) {
    if (e.theme < 64) record.acts_on |= ThemeSet{1} << e.theme;
    if (e.resource < 32) record.offer_resources |= 1u << e.resource;
  }
  record.home = profile.home;
  record.latitude = profile.latitude;
  record.longitude = profile.longitude;
  record.capacity = profile.capacity;
  record.kind = profile.kind;
  record.subtype = profile.subtype;
  record.flags = ActorRecord::kLive;
  if (profile.available) record.flags |= ActorRecord::kAvailable;
  if (!profile.action_areas.empty()) record.flags |= ActorRecord::kHasAreas;
  if (!std::isnan(profile.latitude) && !std::isnan(profile.longitude)) {
    record.flags |= ActorRecord::kHasCoords;
  }
  record.accepted_categories =
      static_cast<uint8_t>(profile.accepted_categories & 0x1E);
  return record;
}

void ActorIndex::Impl::IndexActor(ActorNum num, Indexed before, Indexed after) {
  const ActorProfile* was = before.profile;
  const ActorProfile* is = after.profile;
  const ActorRecord& was_record = was ? *before.record : kNoRecord;
  const ActorRecord& is_record = is ? *after.record : kNoRecord;
  IndexKindAndHome(num, was, is);
  IndexNational(num, was_record, is_record);
  IndexNeighbours(num, was, was_record, is, is_record);
  // The actor "moved" when it left its partition or its position within
  // it: then every posting carrying its position goes, not only those of
  // the keys that changed.
  const bool moved =
      !was || !is ||
      internal::PartitionOf(was->home) != internal::PartitionOf(is->home) ||
      PackedWhere(was_record) != PackedWhere(is_record);
  IndexExchanges(num, was, is, PackedWhere(is_record), moved);
  if (is) Learn(*is, is_record);
  IndexActionAreas(num, {was, &was_record}, {is, &is_record}, moved);
}

void ActorIndex::Impl::IndexKindAndHome(ActorNum num, const ActorProfile* was,
                                        const ActorProfile* is) {
  auto kind_of = [](const ActorProfile* profile) {
    return profile ? static_cast<size_t>(profile->kind) : SIZE_MAX;
  };
  if (was != nullptr && !was->available && kind_of(was) < kKindCount) {
    --unavailable_by_kind[kind_of(was)];
  }
  if (is != nullptr && !is->available && kind_of(is) < kKindCount) {
    ++unavailable_by_kind[kind_of(is)];
  }
  if (kind_of(was) != kind_of(is)) {
    if (kind_of(was) < kKindCount) by_kind[kind_of(was)].erase(num);
    if (kind_of(is) < kKindCount) {
      NationalPostings& set = by_kind[kind_of(is)];
      set.insert(set.end(), num);
    }
  }
  for (int rank = 0; rank < kRankCount; ++rank) {
    const Level level = kLevelByRank[rank];
    const uint32_t from = was ? was->home.At(level) : kNone;
    const uint32_t to = is ? is->home.At(level) : kNone;
    if (from == to) continue;
    if (from != kNone && from < home[rank].size()) {
      PostingErase(home[rank][from], num);
    }
    if (to != kNone) {
      if (home[rank].size() <= to) home[rank].resize(to + 1);
      PostingInsert(home[rank][to], num);
    }
  }
}

void ActorIndex::Impl::IndexNational(ActorNum num, const ActorRecord& was,
                                     const ActorRecord& is) {
  // Only the bits that changed.
  auto update = [&](NationalPostings* sets, uint64_t from, uint64_t to) {
    ForEachBit(from & ~to, [&](int bit) { sets[bit].erase(num); });
    // New actors get the largest number so far: the end is the place, and
    // the hint spares the descent from the root.
    ForEachBit(to & ~from,
               [&](int bit) { sets[bit].insert(sets[bit].end(), num); });
  };
  update(by_theme, was.acts_on, is.acts_on);
  update(by_offered, was.offer_resources, is.offer_resources);
  update(by_needed, was.need_resources, is.need_resources);
}

void ActorIndex::Impl::IndexNeighbours(ActorNum num, const ActorProfile* was,
                                       const ActorRecord& was_record,
                                       const ActorProfile* is,
                                       const ActorRecord& is_record) {
  for (int rank = 0; rank < kNeighbourRanks; ++rank) {
    const Level level = kLevelByRank[rank];
    const uint32_t from = was ? was->home.At(level) : kNone;
    const uint32_t to = is ? is->home.At(level) : kNone;
    const ThemeSet from_themes = from != kNone ? was_record.acts_on : 0;
    const ThemeSet to_themes = to != kNone ? is_record.acts_on : 0;
    // Left: every theme when the territory changed, else those dropped.
    const ThemeSet left = from == to ? from_themes & ~to_themes : from_themes;
    const ThemeSet joined = from == to ? to_themes & ~from_themes : to_themes;
    if (left != 0) {
      auto it = neighbours_by_theme.find(NeighbourKey(rank, from));
      if (it != neighbours_by_theme.end()) {
        ForEachBit(left, [&](int theme) { it->second.Remove(theme, num); });
        if (it->second.themes() == 0) neighbours_by_theme.erase(it);
      }
    }
    if (joined != 0) {
      ThemeLists& lists = neighbours_by_theme[NeighbourKey(rank, to)];
      ForEachBit(joined, [&](int theme) { lists.Add(theme, num); });
    }
  }
}

void ActorIndex::Impl::IndexExchanges(ActorNum num, const ActorProfile* was,
                                      const ActorProfile* is, uint32_t to_where,
                                      bool moved) {
  const uint32_t from_partition = was ? internal::PartitionOf(was->home) : 0;
  const uint32_t to_partition = is ? internal::PartitionOf(is->home) : 0;
  for (Side side : {Side::kNeed, Side::kOffer}) {
    std::vector<uint32_t> from_keys;
    if (was) from_keys = internal::ExchangeKeys(*was, side);
    std::vector<uint32_t> to_keys;
    if (is) to_keys = internal::ExchangeKeys(*is, side);
    for (uint32_t key : from_keys) {
      if (!moved && std::binary_search(to_keys.begin(), to_keys.end(), key)) {
        continue;
      }
      auto it = exchanges.find(key);
      if (it != exchanges.end() && from_partition < it->second.size()) {
        PostingErase(it->second[from_partition], num);
      }
    }
    for (uint32_t key : to_keys) {
      if (!moved &&
          std::binary_search(from_keys.begin(), from_keys.end(), key)) {
        continue;
      }
      std::vector<internal::LocatedPostings>& partitions = exchanges[key];
      if (partitions.size() <= to_partition) {
        partitions.resize(to_partition + 1);
      }
      PostingInsert(partitions[to_partition], internal::Located{num, to_where});
    }
  }
}

void ActorIndex::Impl::IndexActionAreas(ActorNum num, Indexed before,
                                        Indexed after, bool moved) {
  const ActorProfile* was = before.profile;
  const ActorProfile* is = after.profile;
  // Their entries carry the actor's position and what bounds its fit, so
  // they stay only when all of that is unchanged.
  const bool had_areas = was && !was->action_areas.empty();
  const bool has_areas = is && !is->action_areas.empty();
  if (had_areas && has_areas && !moved &&
      before.record->need_resources == after.record->need_resources &&
      before.record->offer_resources == after.record->offer_resources &&
      before.record->acts_on == after.record->acts_on &&
      SameAreas(was->action_areas, is->action_areas)) {
    return;
  }
  if (had_areas) {
    IndexAreas(num, *was, *before.record, /*add=*/false);
    --areas_actor_count;
  }
  if (has_areas) {
    IndexAreas(num, *is, *after.record, /*add=*/true);
    ++areas_actor_count;
  }
}

void ActorIndex::Impl::Learn(const ActorProfile& profile,
                             const ActorRecord& record) {
  auto learn = [](uint32_t& field, uint32_t value) {
    if (field == kNone) {
      field = value;
    } else if (field != value) {
      field = kMixed;
    }
  };
  for (auto [number, spans] : {std::pair{profile.home.epci, &epci_span},
                               std::pair{profile.home.ept, &ept_span}}) {
    if (number == kNone) continue;
    if (spans->size() <= number) spans->resize(number + 1);
    learn((*spans)[number].departement, profile.home.departement);
    learn((*spans)[number].region, profile.home.region);
  }
  const uint32_t partition = internal::PartitionOf(profile.home);
  if (record.has_coords()) {
    if (partition_boxes.size() <= partition) {
      partition_boxes.resize(partition + 1);
    }
    Box& box = partition_boxes[partition];
    box.min_lat = std::min(box.min_lat, record.latitude);
    box.max_lat = std::max(box.max_lat, record.latitude);
    box.min_lon = std::min(box.min_lon, record.longitude);
    box.max_lon = std::max(box.max_lon, record.longitude);
  }
  if (profile.home.departement != kNone && profile.home.region != kNone) {
    if (departement_region.size() <= profile.home.departement) {
      departement_region.resize(profile.home.departement + 1, kNone);
    }
    departement_region[profile.home.departement] = profile.home.region;
  }
}

void ActorIndex::Impl::IndexAreas(ActorNum num, const ActorProfile& profile,
                                  const ActorRecord& record, bool add) {
  const uint32_t where = PackedWhere(record);
  auto apply = [&](absl::flat_hash_map<uint64_t, Postings>& map, int rank,
                   uint32_t number) {
    if (number == kNone) return;
    const uint64_t key = internal::AreaKey(rank, number);
    add ? MapInsert(map, key, num) : MapErase(map, key, num);
    if (&map != &area_exact) return;
    if (add) {
      PostingInsert(
          area_covering[key],
          internal::AreaEntry{num, where, internal::PartitionOf(record.home),
                              record.need_resources, record.offer_resources,
                              record.acts_on});
    } else if (auto it = area_covering.find(key); it != area_covering.end()) {
      internal::EntryErase(it->second, num);
      if (it->second.empty()) area_covering.erase(it);
    }
  };
  // Indexes a territory of rank `rank` and its coarser ancestors in `place`.
  auto apply_place = [&](int rank, uint32_t number, const Place& place) {
    apply(area_exact, rank, number);
    for (int coarser = rank + 1; coarser < kRankCount; ++coarser) {
      apply(area_inside, coarser, place.At(kLevelByRank[coarser]));
    }
  };
  for (const ActionArea& area : profile.action_areas) {
    int rank = LevelRank(area.level);
    if (rank >= 0) {
      apply_place(rank, area.place.At(area.level), area.place);
    } else if (area.level == Level::kCustom) {
      for (uint32_t commune : area.custom_communes) {
        if (commune < commune_places.size()) {
          apply_place(0, commune, commune_places[commune]);
        } else {
          apply(area_exact, 0, commune);
        }
      }
    }
  }
}

const Place* ActorIndex::Impl::CommunePlace(uint32_t commune) const {
  if (commune < commune_places.size()) return &commune_places[commune];
  if (commune < home[0].size() && !home[0][commune].empty()) {
    return &records[home[0][commune].front()].home;
  }
  return nullptr;
}

bool ActorIndex::Impl::AreaOverlaps(const ActionArea& area,
                                    const Scope& scope) const {
  // Custom zones are placed with commune_places only (not with places learned
  // from homes), so that this predicate agrees with the area postings.
  auto place_of = [&](uint32_t commune) -> const Place* {
    return commune < commune_places.size() ? &commune_places[commune] : nullptr;
  };
  const int area_rank = LevelRank(area.level);
  const int scope_rank = LevelRank(scope.level);
  if (area_rank >= 0) {
    const uint32_t area_number = area.place.At(area.level);
    if (area_number == kNone) return false;
    if (scope_rank >= 0) {
      const uint32_t scope_number = scope.place.At(scope.level);
      if (scope_number == kNone) return false;
      if (area_rank <= scope_rank) {
        return area.place.At(scope.level) == scope_number;
      }
      return scope.place.At(area.level) == area_number;
    }
    if (scope.level != Level::kCustom) return false;
    for (uint32_t commune : scope.custom_communes) {
      if (area_rank == 0) {
        if (commune == area_number) return true;
      } else if (const Place* place = place_of(commune);
                 place && place->At(area.level) == area_number) {
        return true;
      }
    }
    return false;
  }
  if (area.level != Level::kCustom) return false;
  if (scope_rank >= 0) {
    const uint32_t scope_number = scope.place.At(scope.level);
    if (scope_number == kNone) return false;
    for (uint32_t commune : area.custom_communes) {
      if (scope_rank == 0) {
        if (commune == scope_number) return true;
      } else if (const Place* place = place_of(commune);
                 place && place->At(scope.level) == scope_number) {
        return true;
      }
    }
    return false;
  }
  if (scope.level != Level::kCustom) return false;
  auto a = area.custom_communes.begin();
  auto s = scope.custom_communes.begin();
  while (a != area.custom_communes.end() && s != scope.custom_communes.end()) {
    if (*a == *s) return true;
    *a < *s ? ++a : ++s;
  }
  return false;
}

bool ActorIndex::Impl::ActsIn(ActorNum num, const Scope& scope) const {
  if (ActorIndex::Inside(records[num].home, scope)) return true;
  if (!records[num].has_areas()) return false;
  for (const ActionArea& area : profiles[num].action_areas) {
    if (AreaOverlaps(area, scope)) return true;
  }
  return false;
}

void ActorIndex::Impl::ScopePostings(const Scope& scope,
                                     std::vector<const Postings*>* out,
                                     bool include_homes) const {
  auto add_home = [&](int rank, uint32_t number) {
    if (include_homes && number != kNone && number < home[rank].size() &&
        !home[rank][number].empty()) {
      out->push_back(&home[rank][number]);
    }
  };
  auto add_area = [&](const absl::flat_hash_map<uint64_t, Postings>& map,
                      int rank, uint32_t number) {
    if (number == kNone) return;
    auto it = map.find(internal::AreaKey(rank, number));
    if (it != map.end()) out->push_back(&it->second);
  };
  const int rank = LevelRank(scope.level);
  if (rank >= 0) {
    const uint32_t number = scope.place.At(scope.level);
    if (number == kNone) return;
    add_home(rank, number);
    if (areas_actor_count == 0) return;
    add_area(area_exact, rank, number);
    add_area(area_inside, rank, number);
    for (int coarser = rank + 1; coarser < kRankCount; ++coarser) {
      add_area(area_exact, coarser, scope.place.At(kLevelByRank[coarser]));
    }
    return;
  }
  if (scope.level != Level::kCustom) return;
  for (uint32_t commune : scope.custom_communes) {
    add_home(0, commune);
    if (areas_actor_count == 0) continue;
    add_area(area_exact, 0, commune);
    if (commune < commune_places.size()) {
      const Place& place = commune_places[commune];
      for (int coarser = 1; coarser < kRankCount; ++coarser) {
        add_area(area_exact, coarser, place.At(kLevelByRank[coarser]));
      }
    }
  }
}

std::vector<ActorNum> ActorIndex::Impl::ScopeMembers(const Scope& scope) const {
  std::vector<const Postings*> lists;
  ScopePostings(scope, &lists);
  std::vector<ActorNum> members;
  if (areas_actor_count == 0 && lists.size() == 1 &&
      LevelRank(scope.level) >= 0) {
    members = *lists[0];  // the home postings alone: exact already
    return members;
  }
  size_t total = 0;
  for (const Postings* list : lists) total += list->size();
  members.reserve(total);
  for (const Postings* list : lists) {
    members.insert(members.end(), list->begin(), list->end());
  }
  std::sort(members.begin(), members.end());
  members.erase(std::unique(members.begin(), members.end()), members.end());
  members.erase(
      std::remove_if(members.begin(), members.end(),
                     [&](ActorNum num) { return !ActsIn(num, scope); }),
      members.end());
  return members;
}

std::vector<uint32_t> ActorIndex::Impl::ScopePartitions(
    const Scope& scope) const {
  std::vector<uint32_t> partitions;
  auto from_homes = [&](const Postings& postings) {
    for (ActorNum num : postings) {
      partitions.push_back(internal::PartitionOf(records[num].home));
    }
  };
  const int rank = LevelRank(scope.level);
  if (rank >= 0) {
    const uint32_t number = scope.place.At(scope.level);
    if (number == kNone) return partitions;
    if (scope.level == Level::kDepartement) {
      partitions.push_back(number + 1);
    } else if (scope.level == Level::kRegion) {
      for (uint32_t d = 0; d < departement_region.size(); ++d) {
        if (departement_region[d] == number) partitions.push_back(d + 1);
      }
    } else if (number < home[rank].size()) {
      // Communes, EPT and EPCI: the départements of the homes inside (an
      // EPCI may straddle two départements).
      from_homes(home[rank][number]);
    }
  } else if (scope.level == Level::kCustom) {
    for (uint32_t commune : scope.custom_communes) {
      if (commune < commune_places.size()) {
        partitions.push_back(internal::PartitionOf(commune_places[commune]));
      } else if (commune < home[0].size() && !home[0][commune].empty()) {
        partitions.push_back(
            internal::PartitionOf(records[home[0][commune].front()].home));
      }
    }
  } else {
    // No usable scope: every partition.
    uint32_t count = static_cast<uint32_t>(departement_region.size()) + 1;
    for (const auto& [key, lists] : exchanges) {
      count = std::max(count, static_cast<uint32_t>(lists.size()));
    }
    for (uint32_t p = 0; p < count; ++p) partitions.push_back(p);
    return partitions;
  }
  std::sort(partitions.begin(), partitions.end());
  partitions.erase(std::unique(partitions.begin(), partitions.end()),
                   partitions.end());
  return partitions;
}

ActorIndex::ActorIndex() : impl_(std::make_unique<Impl>()) {}
ActorIndex::~ActorIndex() = default;

ActorNum ActorIndex::Upsert(ActorProfile profile) {
  Impl& impl = *impl_;
  NormaliseAreas(profile);
  // One search serves both cases: it finds the actor, or where its number
  // goes in the id order (the hint of the insertion below).
  auto existing = impl.ids.lower_bound(std::string_view(profile.id));
  if (existing != impl.ids.end() && impl.profiles[*existing].id == profile.id) {
    const ActorNum num = *existing;
    const ActorProfile before = std::move(impl.profiles[num]);
    const ActorRecord before_record = impl.records[num];
    impl.profiles[num] = std::move(profile);
    impl.SetRecord(num, impl.MakeRecord(impl.profiles[num]));
    impl.IndexActor(num, {&before, &before_record},
                    {&impl.profiles[num], &impl.records[num]});
    return num;
  }
  ActorNum num;
  if (!impl.free_nums.empty()) {
    num = impl.free_nums.back();
    impl.free_nums.pop_back();
    impl.profiles[num] = std::move(profile);
  } else {
    num = static_cast<ActorNum>(impl.profiles.size());
    impl.profiles.push_back(std::move(profile));
    impl.records.emplace_back();
    impl.acts_on.emplace_back();
    impl.packed_where.emplace_back();
  }
  impl.SetRecord(num, impl.MakeRecord(impl.profiles[num]));
  impl.ids.insert(existing, num);
  impl.IndexActor(num, {}, {&impl.profiles[num], &impl.records[num]});
  ++impl.live;
  return num;
}

void ActorIndex::BulkLoad(std::vector<ActorProfile> profiles,
                          const std::vector<ActorNum>& id_order) {
  Impl& impl = *impl_;
  if (!impl.profiles.empty() || !IsIdOrder(profiles, id_order)) {
    for (ActorProfile& profile : profiles) Upsert(std::move(profile));
    return;
  }
  const auto n = static_cast<ActorNum>(profiles.size());
  impl.profiles.Assign(std::move(profiles));
  impl.records.resize(n);
  impl.acts_on.resize(n);
  impl.packed_where.resize(n);
  // On two threads (start-up is the index rebuild, and a server has more
  // than one core): first the records, half of the actors each; then the
  // postings, split by the structures they fill, which no part shares
  // (IndexActor's parts, in another order: none reads what another writes).
  base::InParallel([&] { impl.MakeRecords(0, n / 2); },
                   [&] { impl.MakeRecords(n / 2, n); });
  base::InParallel(
      [&] {
        for (ActorNum num = 0; num < n; ++num) {
          const ActorProfile& profile = impl.profiles[num];
          const ActorRecord& record = impl.records[num];
          impl.IndexExchanges(num, nullptr, &profile, PackedWhere(record),
                              /*moved=*/true);
          impl.IndexActionAreas(num, {}, {&profile, &record}, /*moved=*/true);
        }
      },
      [&] {
        for (ActorNum num = 0; num < n; ++num) {
          const ActorProfile& profile = impl.profiles[num];
          const ActorRecord& record = impl.records[num];
          impl.IndexKindAndHome(num, nullptr, &profile);
          impl.IndexNational(num, kNoRecord, record);
          impl.IndexNeighbours(num, nullptr, kNoRecord, &profile, record);
          impl.Learn(profile, record);
        }
        // Every number is greater than the last in id order: the end is the
        // place.
        for (ActorNum num : id_order) impl.ids.insert(impl.ids.end(), num);
      });
  impl.live = n;
}

void ActorIndex::Impl::SetRecord(ActorNum num, const ActorRecord& record) {
  records[num] = record;
  acts_on[num] = record.acts_on;
  packed_where[num] = PackedWhere(record);
}

void ActorIndex::Impl::MakeRecords(ActorNum from, ActorNum to) {
  for (ActorNum num = from; num < to; ++num) {
    NormaliseAreas(profiles[num]);
    SetRecord(num, MakeRecord(profiles[num]));
  }
}

bool ActorIndex::Remove(std::string_view id) {
  Impl& impl = *impl_;
  auto it = impl.ids.find(id);
  if (it == impl.ids.end()) return false;
  const ActorNum num = *it;
  impl.IndexActor(num, {&impl.profiles[num], &impl.records[num]}, {});
  impl.ids.erase(it);
  impl.profiles[num] = ActorProfile();
  impl.SetRecord(num, ActorRecord());
  impl.free_nums.push_back(num);
  --impl.live;
  return true;
}

std::optional<ActorNum> ActorIndex::Find(std::string_view id) const {
  auto it = impl_->ids.find(id);
  if (it == impl_->ids.end()) return std::nullopt;
  return *it;
}

const ActorProfile& ActorIndex::Get(ActorNum num) const {
  if (!IsLive(num)) {
    std::fprintf(stderr, "ActorIndex::Get: %u is not a live actor number\n",
                 num);
    std::abort();
  }
  return impl_->profiles[num];
}

size_t ActorIndex::size() const { return impl_->live; }

ActorIndex::KindCount ActorIndex::CountOfKind(Kind kind) const {
  const size_t k = static_cast<size_t>(kind);
  if (k >= kKindCount) return {};
  const size_t unavailable = impl_->unavailable_by_kind[k];
  return {impl_->by_kind[k].size() - unavailable, unavailable};
}

bool ActorIndex::IsLive(ActorNum num) const {
  return num < impl_->records.size() && impl_->records[num].live();
}

const territory::Place& ActorIndex::HomeOf(ActorNum num) const {
  return impl_->records[num].home;
}

bool ActorIndex::HasActionAreas(ActorNum num) const {
  return impl_->records[num].has_areas();
}

ActorNum ActorIndex::num_limit() const {
  return static_cast<ActorNum>(impl_->records.size());
}

uint32_t ActorIndex::ThemeActorCount(uint8_t theme) const {
  return theme < 64 ? static_cast<uint32_t>(impl_->by_theme[theme].size()) : 0;
}

bool ActorIndex::ActsIn(ActorNum num, const Scope& scope) const {
  return IsLive(num) && impl_->ActsIn(num, scope);
}

bool ActorIndex::Inside(const Place& place, const Scope& scope) {
  if (scope.level == Level::kCustom) {
    return place.commune != kNone &&
           std::binary_search(scope.custom_communes.begin(),
                              scope.custom_communes.end(), place.commune);
  }
  const uint32_t number = scope.place.At(scope.level);
  return number != kNone && place.At(scope.level) == number;
}

void ActorIndex::SetCommunePlaces(std::vector<Place> places) {
  Impl& impl = *impl_;
  std::vector<ActorNum> with_areas;
  for (ActorNum num = 0; num < impl.records.size(); ++num) {
    if (impl.records[num].live() && impl.records[num].has_areas()) {
      with_areas.push_back(num);
    }
  }
  for (ActorNum num : with_areas) {
    impl.IndexAreas(num, impl.profiles[num], impl.records[num], /*add=*/false);
  }
  impl.commune_places = std::move(places);
  for (ActorNum num : with_areas) {
    impl.IndexAreas(num, impl.profiles[num], impl.records[num], /*add=*/true);
  }
}

struct ActorIndex::Impl::ListSources {
  std::vector<const NationalPostings*> sets;  // smallest first
  std::vector<const internal::Postings*> territory_lists;
  size_t territory_size = 0;  // the lists' total, repeats included
  bool filtered = false;      // any filter at all
  size_t driver_size = 0;     // the smallest source's size
  double selectivity = 1.0;   // estimated share of actors that match
};

ActorIndex::Impl::ListSources ActorIndex::Impl::SourcesOf(
    const ActorFilter& filter) const {
  static const NationalPostings kNothing;
  ListSources out;
  if (filter.kind) {
    const auto k = static_cast<size_t>(*filter.kind);
    out.sets.push_back(k < kKindCount ? &by_kind[k] : &kNothing);
  }
  if (filter.theme) {
    out.sets.push_back(*filter.theme < 64 ? &by_theme[*filter.theme]
                                          : &kNothing);
  }
  if (filter.offered_resource) {
    out.sets.push_back(*filter.offered_resource < 32
                           ? &by_offered[*filter.offered_resource]
                           : &kNothing);
  }
  if (filter.needed_resource) {
    out.sets.push_back(*filter.needed_resource < 32
                           ? &by_needed[*filter.needed_resource]
                           : &kNothing);
  }
  std::sort(out.sets.begin(), out.sets.end(),
            [](const NationalPostings* a, const NationalPostings* b) {
              return a->size() < b->size();
            });
  if (filter.territory) {
    ScopePostings(*filter.territory, &out.territory_lists);
    for (const internal::Postings* list : out.territory_lists) {
      out.territory_size += list->size();
    }
  }
  out.filtered = !out.sets.empty() || filter.territory.has_value();
  out.driver_size = live;
  if (!out.sets.empty()) out.driver_size = out.sets[0]->size();
  if (filter.territory) {
    out.driver_size = std::min(out.driver_size, out.territory_size);
  }
  const double n = static_cast<double>(std::max<size_t>(live, 1));
  for (const auto* set : out.sets) out.selectivity *= set->size() / n;
  if (filter.territory) {
    out.selectivity *= std::min(1.0, out.territory_size / n);
  }
  return out;
}

bool ActorIndex::Impl::Matches(ActorNum num, const ActorFilter& filter) const {
  const internal::ActorRecord& record = records[num];
  if (filter.kind && record.kind != *filter.kind) return false;
  if (filter.theme &&
      (*filter.theme >= 64 || !(record.acts_on >> *filter.theme & 1))) {
    return false;
  }
  if (filter.offered_resource &&
      (*filter.offered_resource >= 32 ||
       !(record.offer_resources >> *filter.offered_resource & 1))) {
    return false;
  }
  if (filter.needed_resource &&
      (*filter.needed_resource >= 32 ||
       !(record.need_resources >> *filter.needed_resource & 1))) {
    return false;
  }
  return !filter.territory || ActsIn(num, *filter.territory);
}

std::optional<std::vector<ActorNum>> ActorIndex::Impl::WalkIds(
    const ActorFilter& filter, bool filtered, std::string_view after,
    size_t want, size_t budget) const {
  std::vector<ActorNum> found;
  for (auto it = ids.upper_bound(after); it != ids.end(); ++it) {
    if (budget-- == 0) return std::nullopt;
    if (!filtered || Matches(*it, filter)) {
      found.push_back(*it);
      if (found.size() == want) break;
    }
  }
  return found;
}

std::vector<ActorNum> ActorIndex::Impl::SmallestMatches(
    const ActorFilter& filter, const ListSources& sources,
    std::string_view after, size_t want) const {
  // The smallest source, as sorted numbers; each is checked against the
  // filters on its record (cheaper than membership in the other sources'
  // B-trees), then against `after`.
  std::vector<ActorNum> nums;
  if (filter.territory && (sources.sets.empty() ||
                           sources.territory_size <= sources.sets[0]->size())) {
    nums.reserve(sources.territory_size);
    for (const internal::Postings* list : sources.territory_lists) {
      nums.insert(nums.end(), list->begin(), list->end());
    }
    std::sort(nums.begin(), nums.end());
    nums.erase(std::unique(nums.begin(), nums.end()), nums.end());
  } else {
    nums.assign(sources.sets[0]->begin(), sources.sets[0]->end());
  }

  // Keep the `want` smallest ids above `after` among the matches.
  const internal::IdLess less{&profiles};
  std::priority_queue<ActorNum, std::vector<ActorNum>, internal::IdLess> heap(
      less);
  for (size_t i = 0; i < nums.size(); ++i) {
    if (i + 16 < nums.size()) __builtin_prefetch(&records[nums[i + 16]]);
    const ActorNum num = nums[i];
    if (!Matches(num, filter) ||
        !(after < std::string_view(profiles[num].id))) {
      continue;
    }
    if (heap.size() < want) {
      heap.push(num);
    } else if (less(num, heap.top())) {
      heap.pop();
      heap.push(num);
    }
  }
  std::vector<ActorNum> found;
  found.reserve(heap.size());
  while (!heap.empty()) {
    found.push_back(heap.top());
    heap.pop();
  }
  std::reverse(found.begin(), found.end());
  return found;
}

std::vector<std::string> ActorIndex::List(const ActorFilter& filter,
                                          std::string_view after, size_t limit,
                                          bool* more) const {
  const Impl& impl = *impl_;
  const Impl::ListSources sources = impl.SourcesOf(filter);
  const size_t want = limit + 1;  // one more tells whether more exist

  // Walking the ids in order from `after` costs about want / selectivity
  // steps; intersecting the sources costs about the smallest one. Walk when
  // that is clearly cheaper, with a budget after which the sources take over
  // (the independence estimate can be wrong).
  std::optional<std::vector<ActorNum>> found;
  const double walk_steps = want / std::max(sources.selectivity, 1e-12);
  if (!sources.filtered ||
      walk_steps * 3 < static_cast<double>(sources.driver_size)) {
    found = impl.WalkIds(
        filter, sources.filtered, after, want,
        sources.filtered ? sources.driver_size / 2 + 64 : SIZE_MAX);
  }
  if (!found.has_value()) {
    found = impl.SmallestMatches(filter, sources, after, want);
  }
  if (more) *more = found->size() > limit;
  if (found->size() > limit) found->resize(limit);
  std::vector<std::string> result;
  result.reserve(found->size());
  for (ActorNum num : *found) result.push_back(impl.profiles[num].id);
  return result;
}

size_t ActorIndex::ApproximateMemoryUsage() const {
  const Impl& impl = *impl_;
  auto heap_string = [](const std::string& s) {
    return s.capacity() > 15 ? s.capacity() + 1 : 0;
  };
  auto postings = [](const Postings& p) {
    return p.capacity() * sizeof(ActorNum);
  };
  size_t bytes = impl.profiles.capacity() * sizeof(ActorProfile) +
                 impl.records.capacity() * sizeof(ActorRecord) +
                 impl.acts_on.capacity() * sizeof(ThemeSet) +
                 impl.packed_where.capacity() * sizeof(uint32_t) +
                 impl.free_nums.capacity() * sizeof(ActorNum);
  for (size_t num = 0; num < impl.profiles.size(); ++num) {
    const ActorProfile& p = impl.profiles[num];
    bytes += heap_string(p.id) + heap_string(p.name) +
             p.needs.capacity() * sizeof(Exchange) +
             p.offers.capacity() * sizeof(Exchange) +
             p.action_areas.capacity() * sizeof(ActionArea);
    for (const ActionArea& area : p.action_areas) {
      bytes += area.custom_communes.capacity() * sizeof(uint32_t);
    }
  }
  // B-tree nodes hold about 60 four-byte keys at ~70% occupancy.
  bytes += impl.ids.size() * 6;
  for (const auto& set : impl.by_kind) bytes += set.size() * 6;
  for (const auto& set : impl.by_theme) bytes += set.size() * 6;
  for (const auto& set : impl.by_offered) bytes += set.size() * 6;
  for (const auto& set : impl.by_needed) bytes += set.size() * 6;
  for (const auto& level : impl.home) {
    bytes += level.capacity() * sizeof(Postings);
    for (const Postings& p : level) bytes += postings(p);
  }
  bytes += impl.neighbours_by_theme.capacity() *
           (sizeof(uint64_t) + sizeof(Impl::ThemeLists) + 1);
  for (const auto& [key, territory] : impl.neighbours_by_theme) {
    bytes += territory.ApproximateMemoryUsage();
  }
  bytes +=
      impl.exchanges.capacity() *
      (sizeof(uint32_t) + sizeof(std::vector<internal::LocatedPostings>) + 1);
  for (const auto& [key, partitions] : impl.exchanges) {
    bytes += partitions.capacity() * sizeof(internal::LocatedPostings);
    for (const internal::LocatedPostings& p : partitions) {
      bytes += p.capacity() * sizeof(internal::Located);
    }
  }
  bytes += impl.area_covering.capacity() *
           (sizeof(uint64_t) + sizeof(internal::AreaPostings) + 1);
  for (const auto& [key, p] : impl.area_covering) {
    bytes += p.capacity() * sizeof(internal::AreaEntry);
  }
  for (const auto* map : {&impl.area_exact, &impl.area_inside}) {
    bytes += map->capacity() * (sizeof(uint64_t) + sizeof(Postings) + 1);
    for (const auto& [key, p] : *map) bytes += postings(p);
  }
  bytes += impl.commune_places.capacity() * sizeof(Place) +
           impl.departement_region.capacity() * sizeof(uint32_t);
  return bytes;
}

}  // namespace maillage::matcher

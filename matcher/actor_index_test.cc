#include "matcher/actor_index.h"

#include <algorithm>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "matcher/actor_index_internal.h"
#include "matcher/test_util.h"

namespace maillage::matcher {
namespace {

using ::maillage::matcher::testing::Geography;
using ::maillage::matcher::testing::ProfileBuilder;
using ::maillage::matcher::testing::ResourceNum;
using ::maillage::matcher::testing::ThemeNum;
using territory::Level;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// 2 régions x 2 départements x 2 EPCI x 4 communes = 32 communes.
Geography SmallGeography() { return Geography::Make(2, 2, 2, 4); }

std::vector<std::string> ListAll(const ActorIndex& index,
                                 const ActorFilter& filter) {
  bool more = false;
  return index.List(filter, "", 1000, &more);
}

class ActorIndexTest : public ::testing::Test {
 protected:
  ActorIndexTest() : geo_(SmallGeography()) {
    index_.SetCommunePlaces(geo_.communes);
  }
  Geography geo_;
  ActorIndex index_;
};

TEST_F(ActorIndexTest, UpsertFindGetRemove) {
  EXPECT_EQ(index_.size(), 0u);
  ActorNum a = index_.Upsert(
      ProfileBuilder("rna:W1", Kind::kAssociation, geo_.Commune(0))
          .Themes({"youth"}));
  ActorNum b =
      index_.Upsert(ProfileBuilder("siret:2", Kind::kCompany, geo_.Commune(5)));
  EXPECT_NE(a, b);
  EXPECT_EQ(index_.size(), 2u);
  EXPECT_EQ(index_.Find("rna:W1"), a);
  EXPECT_EQ(index_.Find("nope"), std::nullopt);
  EXPECT_EQ(index_.Get(a).id, "rna:W1");
  EXPECT_TRUE(index_.IsLive(a));

  // Replacing keeps the number and re-indexes.
  ActorNum again = index_.Upsert(
      ProfileBuilder("rna:W1", Kind::kAssociation, geo_.Commune(9))
          .Themes({"sport"}));
  EXPECT_EQ(again, a);
  EXPECT_EQ(index_.size(), 2u);
  ActorFilter youth;
  youth.theme = ThemeNum("youth");
  EXPECT_THAT(ListAll(index_, youth), IsEmpty());
  ActorFilter sport;
  sport.theme = ThemeNum("sport");
  EXPECT_THAT(ListAll(index_, sport), ElementsAre("rna:W1"));
  ActorFilter in_commune0;
  in_commune0.territory = geo_.ScopeOf(Level::kCommune, 0);
  EXPECT_THAT(ListAll(index_, in_commune0), IsEmpty());

  EXPECT_TRUE(index_.Remove("rna:W1"));
  EXPECT_FALSE(index_.Remove("rna:W1"));
  EXPECT_FALSE(index_.IsLive(a));
  EXPECT_EQ(index_.size(), 1u);
  EXPECT_THAT(ListAll(index_, sport), IsEmpty());
  EXPECT_THAT(ListAll(index_, {}), ElementsAre("siret:2"));

  // Numbers are reused.
  ActorNum c = index_.Upsert(
      ProfileBuilder("rna:W3", Kind::kAssociation, geo_.Commune(1)));
  EXPECT_EQ(c, a);
  EXPECT_EQ(index_.Find("rna:W3"), a);
  EXPECT_LT(c, index_.num_limit());
}

TEST_F(ActorIndexTest, CountsEachKindByAvailability) {
  index_.Upsert(ProfileBuilder("rna:W1", Kind::kAssociation, geo_.Commune(0)));
  index_.Upsert(ProfileBuilder("rna:W2", Kind::kAssociation, geo_.Commune(1))
                    .Unavailable());
  index_.Upsert(ProfileBuilder("siret:3", Kind::kCompany, geo_.Commune(2)));
  auto counts = [&](Kind kind) {
    ActorIndex::KindCount c = index_.CountOfKind(kind);
    return std::make_pair(c.available, c.unavailable);
  };
  EXPECT_EQ(counts(Kind::kAssociation), std::make_pair(size_t{1}, size_t{1}));
  EXPECT_EQ(counts(Kind::kCompany), std::make_pair(size_t{1}, size_t{0}));
  EXPECT_EQ(counts(Kind::kMedia), std::make_pair(size_t{0}, size_t{0}));

  // An actor that becomes available, one that changes kind, one removed.
  index_.Upsert(ProfileBuilder("rna:W2", Kind::kAssociation, geo_.Commune(1)));
  index_.Upsert(
      ProfileBuilder("siret:3", Kind::kMedia, geo_.Commune(2)).Unavailable());
  EXPECT_TRUE(index_.Remove("rna:W1"));
  EXPECT_EQ(counts(Kind::kAssociation), std::make_pair(size_t{1}, size_t{0}));
  EXPECT_EQ(counts(Kind::kCompany), std::make_pair(size_t{0}, size_t{0}));
  EXPECT_EQ(counts(Kind::kMedia), std::make_pair(size_t{0}, size_t{1}));
  EXPECT_TRUE(index_.Remove("siret:3"));
  EXPECT_EQ(counts(Kind::kMedia), std::make_pair(size_t{0}, size_t{0}));
}

TEST_F(ActorIndexTest, ListFiltersByEachField) {
  index_.Upsert(ProfileBuilder("a", Kind::kAssociation, geo_.Commune(0))
                    .Themes({"digital_inclusion"})
                    .Need("skills", "digital_inclusion"));
  index_.Upsert(ProfileBuilder("b", Kind::kCompany, geo_.Commune(1))
                    .Offer("skills", "digital_inclusion")
                    .Offer("funding"));
  index_.Upsert(ProfileBuilder("c", Kind::kCompany, geo_.Commune(4))
                    .Themes({"sport"})
                    .Need("visibility"));
  index_.Upsert(ProfileBuilder("d", Kind::kPublicBody, geo_.Commune(20))
                    .Themes({"sport", "youth"}));

  ActorFilter f;
  f.kind = Kind::kCompany;
  EXPECT_THAT(ListAll(index_, f), ElementsAre("b", "c"));

  f = {};
  f.theme = ThemeNum("digital_inclusion");  // declared or through an offer
  EXPECT_THAT(ListAll(index_, f), ElementsAre("a", "b"));

  f = {};
  f.offered_resource = ResourceNum("skills");
  EXPECT_THAT(ListAll(index_, f), ElementsAre("b"));
  f.offered_resource = ResourceNum("funding");
  EXPECT_THAT(ListAll(index_, f), ElementsAre("b"));

  f = {};
  f.needed_resource = ResourceNum("visibility");
  EXPECT_THAT(ListAll(index_, f), ElementsAre("c"));

  f = {};
  f.territory = geo_.ScopeOf(Level::kEpci, 0);  // communes 0-3
  EXPECT_THAT(ListAll(index_, f), ElementsAre("a", "b"));
  f.territory = geo_.ScopeOf(Level::kEpt, 0);  // communes 0-1
  EXPECT_THAT(ListAll(index_, f), ElementsAre("a", "b"));
  f.territory = geo_.ScopeOf(Level::kEpt, 1);
  EXPECT_THAT(ListAll(index_, f), IsEmpty());
  f.territory = geo_.ScopeOf(Level::kDepartement, 0);  // communes 0-7
  EXPECT_THAT(ListAll(index_, f), ElementsAre("a", "b", "c"));
  f.territory = geo_.ScopeOf(Level::kRegion, 1);  // communes 16-31
  EXPECT_THAT(ListAll(index_, f), ElementsAre("d"));
  f.territory = geo_.CustomScope({4, 20, 30});
  EXPECT_THAT(ListAll(index_, f), ElementsAre("c", "d"));

  f = {};
  f.kind = Kind::kCompany;
  f.territory = geo_.ScopeOf(Level::kDepartement, 0);
  f.theme = ThemeNum("sport");
  EXPECT_THAT(ListAll(index_, f), ElementsAre("c"));
}

TEST_F(ActorIndexTest, ActionAreasCountForTerritoryFilter) {
  // Home in région 1, acts on département 0 (région 0).
  index_.Upsert(
      ProfileBuilder("dep-actor", Kind::kAssociation, geo_.Commune(20))
          .ActsOn(Level::kDepartement, geo_.Territory(Level::kDepartement, 0)));
  // Acts on a custom zone {2, 9}.
  index_.Upsert(ProfileBuilder("zone-actor", Kind::kCompany, geo_.Commune(30))
                    .ActsOnCustom({2, 9}));
  // Acts on commune 5 only.
  index_.Upsert(ProfileBuilder("commune-actor", Kind::kMedia, geo_.Commune(31))
                    .ActsOn(Level::kCommune, geo_.Commune(5)));

  ActorFilter f;
  // Inside the area: the EPCI 0 lies in département 0.
  f.territory = geo_.ScopeOf(Level::kEpci, 0);
  EXPECT_THAT(ListAll(index_, f), ElementsAre("dep-actor", "zone-actor"));
  // The area inside the scope: commune 5 in EPCI 1.
  f.territory = geo_.ScopeOf(Level::kEpci, 1);
  EXPECT_THAT(ListAll(index_, f), ElementsAre("commune-actor", "dep-actor"));
  // Région 0 contains département 0, commune 5 and communes 2 and 9.
  f.territory = geo_.ScopeOf(Level::kRegion, 0);
  EXPECT_THAT(ListAll(index_, f),
              ElementsAre("commune-actor", "dep-actor", "zone-actor"));
  // A custom scope overlapping the custom area and département 0.
  f.territory = geo_.CustomScope({9});
  EXPECT_THAT(ListAll(index_, f), ElementsAre("zone-actor"));
  f.territory = geo_.CustomScope({3});
  EXPECT_THAT(ListAll(index_, f), ElementsAre("dep-actor"));
  // Homes still count.
  f.territory = geo_.ScopeOf(Level::kDepartement, 3);  // communes 24-31
  EXPECT_THAT(ListAll(index_, f), ElementsAre("commune-actor", "zone-actor"));

  const ActorNum dep = *index_.Find("dep-actor");
  EXPECT_TRUE(index_.ActsIn(dep, geo_.ScopeOf(Level::kCommune, 7)));
  EXPECT_FALSE(index_.ActsIn(dep, geo_.ScopeOf(Level::kCommune, 8)));
  EXPECT_TRUE(index_.ActsIn(dep, geo_.ScopeOf(Level::kCommune, 20)));

  // Removing an actor removes its area postings.
  EXPECT_TRUE(index_.Remove("zone-actor"));
  f.territory = geo_.CustomScope({9});
  EXPECT_THAT(ListAll(index_, f), IsEmpty());
}

TEST_F(ActorIndexTest, PaginationIsOrderedById) {
  for (int i = 0; i < 57; ++i) {
    index_.Upsert(ProfileBuilder("id" + std::to_string(1000 + i * 7 % 57),
                                 i % 2 ? Kind::kCompany : Kind::kAssociation,
                                 geo_.Commune(i % 32)));
  }
  std::vector<std::string> all = ListAll(index_, {});
  ASSERT_EQ(all.size(), 57u);
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));

  std::vector<std::string> paged;
  std::string after;
  bool more = true;
  int pages = 0;
  while (more) {
    std::vector<std::string> page = index_.List({}, after, 10, &more);
    ASSERT_LE(page.size(), 10u);
    if (more) {
      ASSERT_EQ(page.size(), 10u);
    }
    paged.insert(paged.end(), page.begin(), page.end());
    if (!page.empty()) after = page.back();
    ++pages;
  }
  EXPECT_EQ(pages, 6);
  EXPECT_EQ(paged, all);

  // Exactly one page: no more.
  std::vector<std::string> page = index_.List({}, "", 57, &more);
  EXPECT_EQ(page.size(), 57u);
  EXPECT_FALSE(more);
  page = index_.List({}, all.back(), 5, &more);
  EXPECT_THAT(page, IsEmpty());
  EXPECT_FALSE(more);
  // limit 0 only tells whether something matches.
  page = index_.List({}, "", 0, &more);
  EXPECT_THAT(page, IsEmpty());
  EXPECT_TRUE(more);
}

// The territory predicate written independently, with commune sets.
std::set<uint32_t> CommuneSet(const Geography& geo, const ActionArea& area) {
  if (area.level == Level::kCustom) {
    return {area.custom_communes.begin(), area.custom_communes.end()};
  }
  std::vector<uint32_t> communes =
      geo.CommunesOf(area.level, area.place.At(area.level));
  return {communes.begin(), communes.end()};
}

bool ReferenceMatch(const Geography& geo, const ActorProfile& p,
                    const ActorFilter& f) {
  if (f.kind && p.kind != *f.kind) return false;
  if (f.theme) {
    bool acts = p.themes >> *f.theme & 1;
    for (const Exchange& e : p.needs) acts |= e.theme == *f.theme;
    for (const Exchange& e : p.offers) acts |= e.theme == *f.theme;
    if (!acts) return false;
  }
  if (f.offered_resource &&
      std::none_of(p.offers.begin(), p.offers.end(), [&](const Exchange& e) {
        return e.resource == *f.offered_resource;
      })) {
    return false;
  }
  if (f.needed_resource &&
      std::none_of(p.needs.begin(), p.needs.end(), [&](const Exchange& e) {
        return e.resource == *f.needed_resource;
      })) {
    return false;
  }
  if (f.territory) {
    ActionArea scope_area;
    scope_area.level = f.territory->level;
    scope_area.place = f.territory->place;
    scope_area.custom_communes = f.territory->custom_communes;
    std::set<uint32_t> scope = CommuneSet(geo, scope_area);
    bool in = scope.count(p.home.commune) > 0;
    for (const ActionArea& area : p.action_areas) {
      for (uint32_t c : CommuneSet(geo, area)) in |= scope.count(c) > 0;
    }
    if (!in) return false;
  }
  return true;
}

TEST(ActorIndexPropertyTest, ListAgreesWithABruteForceReference) {
  const Geography geo = Geography::Make(3, 3, 3, 5);
  for (uint32_t seed : {1u, 2u, 3u}) {
    std::mt19937 rng(seed);
    ActorIndex index;
    index.SetCommunePlaces(geo.communes);
    std::vector<ActorProfile> live;
    // Inserts, replacements and removals.
    for (int i = 0; i < 1500; ++i) {
      std::string id = "actor:" + std::to_string(rng() % 1200);
      if (rng() % 10 == 0) {
        index.Remove(id);
      } else {
        index.Upsert(testing::RandomProfile(rng, geo, id));
      }
    }
    for (ActorNum num = 0; num < index.num_limit(); ++num) {
      if (index.IsLive(num)) live.push_back(index.Get(num));
    }
    ASSERT_EQ(live.size(), index.size());
    std::sort(live.begin(), live.end(),
              [](const ActorProfile& a, const ActorProfile& b) {
                return a.id < b.id;
              });

    for (int q = 0; q < 300; ++q) {
      ActorFilter f;
      if (rng() % 3 == 0) f.kind = static_cast<Kind>(1 + rng() % 5);
      if (rng() % 3 == 0) f.theme = rng() % 8;
      if (rng() % 4 == 0) f.offered_resource = rng() % 14;
      if (rng() % 4 == 0) f.needed_resource = rng() % 14;
      if (rng() % 2 == 0) {
        switch (rng() % 6) {
          case 0:
            f.territory = geo.ScopeOf(Level::kCommune, rng() % 135);
            break;
          case 1:
            f.territory = geo.ScopeOf(Level::kEpci, rng() % 27);
            break;
          case 2:
            f.territory = geo.ScopeOf(Level::kDepartement, rng() % 9);
            break;
          case 3:
            f.territory = geo.ScopeOf(Level::kRegion, rng() % 3);
            break;
          case 4:
            f.territory = geo.ScopeOf(Level::kEpt, rng() % 2);
            break;
          default:
            f.territory = geo.CustomScope({static_cast<uint32_t>(rng() % 135),
                                           static_cast<uint32_t>(rng() % 135)});
        }
      }
      std::vector<std::string> expected;
      for (const ActorProfile& p : live) {
        if (ReferenceMatch(geo, p, f)) expected.push_back(p.id);
      }
      // Page through with a random page size.
      const size_t page_size = 1 + rng() % 40;
      std::vector<std::string> got;
      std::string after;
      bool more = true;
      while (more) {
        std::vector<std::string> page = index.List(f, after, page_size, &more);
        ASSERT_TRUE(page.size() == page_size || !more);
        got.insert(got.end(), page.begin(), page.end());
        if (page.empty()) break;
        after = page.back();
      }
      ASSERT_EQ(got, expected) << "seed " << seed << " query " << q;
    }
  }
}

// Every posting list of `index`, as text, with its actor numbers mapped by
// `rename` (empty lists left out: some stay behind once emptied).
std::vector<std::string> PostingDump(const ActorIndex& index,
                                     const std::vector<ActorNum>& rename) {
  const ActorIndex::Impl& impl = IndexAccess::Of(index);
  std::vector<std::string> dump;
  auto add = [&](const std::string& name, const auto& nums) {
    if (nums.empty()) return;
    std::string line = name + ":";
    for (ActorNum num : nums) line += " " + std::to_string(rename[num]);
    dump.push_back(line);
  };
  auto add_entries = [&](const std::string& name, const auto& entries,
                         auto fields) {
    if (entries.empty()) return;
    std::string line = name + ":";
    for (const auto& e : entries) {
      line += " " + std::to_string(rename[e.num]) + fields(e);
    }
    dump.push_back(line);
  };
  for (int k = 0; k < kKindCount; ++k) {
    add("kind " + std::to_string(k), impl.by_kind[k]);
  }
  for (int b = 0; b < 64; ++b)
    add("theme " + std::to_string(b), impl.by_theme[b]);
  for (int b = 0; b < 32; ++b) {
    add("offered " + std::to_string(b), impl.by_offered[b]);
    add("needed " + std::to_string(b), impl.by_needed[b]);
  }
  for (int rank = 0; rank < internal::kRankCount; ++rank) {
    for (size_t n = 0; n < impl.home[rank].size(); ++n) {
      add("home " + std::to_string(rank) + "/" + std::to_string(n),
          impl.home[rank][n]);
    }
  }
  for (const auto& [key, territory] : impl.neighbours_by_theme) {
    for (int theme = 0; theme < 64; ++theme) {
      if (const internal::Postings* list = territory.Find(theme)) {
        add("neighbours " + std::to_string(key) + "/" + std::to_string(theme),
            *list);
      }
    }
  }
  for (const auto& [key, partitions] : impl.exchanges) {
    for (size_t p = 0; p < partitions.size(); ++p) {
      add_entries("exchange " + std::to_string(key) + "/" + std::to_string(p),
                  partitions[p], [](const internal::Located& e) {
                    return "@" + std::to_string(e.where);
                  });
    }
  }
  for (const auto& [key, list] : impl.area_exact) {
    add("exact " + std::to_string(key), list);
  }
  for (const auto& [key, list] : impl.area_inside) {
    add("inside " + std::to_string(key), list);
  }
  for (const auto& [key, list] : impl.area_covering) {
    add_entries("covering " + std::to_string(key), list,
                [](const internal::AreaEntry& e) {
                  return "@" + std::to_string(e.where) + "/" +
                         std::to_string(e.partition) + "/" +
                         std::to_string(e.need_resources) + "/" +
                         std::to_string(e.offer_resources) + "/" +
                         std::to_string(e.acts_on);
                });
  }
  dump.push_back("with areas: " + std::to_string(impl.areas_actor_count));
  std::sort(dump.begin(), dump.end());
  return dump;
}

TEST(ActorIndexPropertyTest, ReplacementsLeaveThePostingsOfAFreshIndex) {
  // Replacements changing one aspect at a time (the others keep their
  // postings), removals and inserts; then the postings must be those of an
  // index built afresh from the live profiles.
  const Geography geo = Geography::Make(3, 3, 3, 5);
  for (uint32_t seed : {1u, 2u, 3u}) {
    std::mt19937 rng(seed);
    ActorIndex index;
    index.SetCommunePlaces(geo.communes);
    for (int i = 0; i < 3000; ++i) {
      std::string id = "actor:" + std::to_string(rng() % 300);
      std::optional<ActorNum> num = index.Find(id);
      if (num && rng() % 10 == 0) {
        index.Remove(id);
        continue;
      }
      ActorProfile other = testing::RandomProfile(rng, geo, id);
      if (!num) {
        index.Upsert(std::move(other));
        continue;
      }
      ActorProfile p = index.Get(*num);
      switch (rng() % 9) {
        case 0:
          p.kind = other.kind;
          break;
        case 1:
          p.home = other.home;
          break;
        case 2:
          p.latitude = other.latitude;
          p.longitude = other.longitude;
          break;
        case 3:
          p.themes = other.themes;
          break;
        case 4:
          p.needs = other.needs;
          break;
        case 5:
          p.offers = other.offers;
          break;
        case 6:
          p.action_areas = other.action_areas;
          break;
        case 7:
          p.capacity = other.capacity;  // no posting changes
          break;
        default:
          p = std::move(other);
      }
      index.Upsert(std::move(p));
    }
    // The fresh index numbers the live actors in the same order, densely.
    ActorIndex fresh;
    fresh.SetCommunePlaces(geo.communes);
    std::vector<ActorNum> same(index.num_limit());
    std::vector<ActorNum> original;
    for (ActorNum num = 0; num < index.num_limit(); ++num) {
      same[num] = num;
      if (!index.IsLive(num)) continue;
      ASSERT_EQ(fresh.Upsert(index.Get(num)), original.size());
      original.push_back(num);
    }
    EXPECT_EQ(PostingDump(index, same), PostingDump(fresh, original))
        << "seed " << seed;
  }
}

// Upserts `profiles` in turn into an index of `geo`, as BulkLoad must
// behave.
void UpsertInTurn(const Geography& geo, std::vector<ActorProfile> profiles,
                  ActorIndex* index) {
  index->SetCommunePlaces(geo.communes);
  for (ActorProfile& p : profiles) index->Upsert(std::move(p));
}

// What readers of the two indexes see, number by number: ids, homes,
// Find, postings, List, counts.
void ExpectSameIndex(const ActorIndex& bulk, const ActorIndex& upserted) {
  ASSERT_EQ(bulk.size(), upserted.size());
  ASSERT_EQ(bulk.num_limit(), upserted.num_limit());
  std::vector<ActorNum> same(bulk.num_limit());
  for (ActorNum num = 0; num < bulk.num_limit(); ++num) {
    same[num] = num;
    ASSERT_EQ(bulk.IsLive(num), upserted.IsLive(num));
    if (!bulk.IsLive(num)) continue;
    const ActorProfile& p = bulk.Get(num);
    EXPECT_EQ(p.id, upserted.Get(num).id);
    EXPECT_EQ(bulk.Find(p.id), std::optional<ActorNum>(num));
    EXPECT_TRUE(bulk.HomeOf(num) == upserted.HomeOf(num));
    EXPECT_EQ(bulk.HasActionAreas(num), upserted.HasActionAreas(num));
  }
  EXPECT_EQ(PostingDump(bulk, same), PostingDump(upserted, same));
  EXPECT_EQ(ListAll(bulk, {}), ListAll(upserted, {}));
  for (int k = 0; k < kKindCount; ++k) {
    const auto kind = static_cast<Kind>(k);
    EXPECT_EQ(bulk.CountOfKind(kind).available,
              upserted.CountOfKind(kind).available);
    EXPECT_EQ(bulk.CountOfKind(kind).unavailable,
              upserted.CountOfKind(kind).unavailable);
  }
}

TEST(ActorIndexPropertyTest, BulkLoadEqualsUpsertsInTurn) {
  // Profiles numbered in an order unrelated to their ids (as LoadIndex
  // numbers them by place), with the id order given, wrong, or not a
  // permutation: always the index the Upserts in turn give.
  const Geography geo = Geography::Make(3, 3, 3, 5);
  for (uint32_t seed : {1u, 2u, 3u}) {
    std::mt19937 rng(seed);
    std::vector<ActorProfile> profiles;
    for (int i = 0; i < 2000; ++i) {
      profiles.push_back(testing::RandomProfile(
          rng, geo, "actor:" + std::to_string(i * 7919 % 2000)));
    }
    std::vector<ActorNum> id_order(profiles.size());
    for (ActorNum num = 0; num < id_order.size(); ++num) id_order[num] = num;
    std::sort(id_order.begin(), id_order.end(), [&](ActorNum a, ActorNum b) {
      return profiles[a].id < profiles[b].id;
    });
    ActorIndex upserted;
    UpsertInTurn(geo, profiles, &upserted);

    ActorIndex bulk;
    bulk.SetCommunePlaces(geo.communes);
    bulk.BulkLoad(profiles, id_order);
    ExpectSameIndex(bulk, upserted);

    std::vector<ActorNum> wrong = id_order;
    std::swap(wrong[10], wrong[11]);
    ActorIndex from_wrong;
    from_wrong.SetCommunePlaces(geo.communes);
    from_wrong.BulkLoad(profiles, wrong);
    ExpectSameIndex(from_wrong, upserted);

    ActorIndex from_short;
    from_short.SetCommunePlaces(geo.communes);
    from_short.BulkLoad(profiles, {id_order.begin(), id_order.end() - 1});
    ExpectSameIndex(from_short, upserted);
  }
}

TEST(ActorIndexPropertyTest, BulkLoadWithRepeatedIdsOrIntoAFullIndexUpserts) {
  const Geography geo = Geography::Make(2, 2, 2, 4);
  std::mt19937 rng(7);
  std::vector<ActorProfile> profiles;
  for (int i = 0; i < 300; ++i) {
    profiles.push_back(
        testing::RandomProfile(rng, geo, "a" + std::to_string(i % 250)));
  }
  std::vector<ActorNum> order(profiles.size());
  for (ActorNum num = 0; num < order.size(); ++num) order[num] = num;
  ActorIndex upserted;
  UpsertInTurn(geo, profiles, &upserted);
  ActorIndex bulk;
  bulk.SetCommunePlaces(geo.communes);
  bulk.BulkLoad(profiles, order);  // ids repeat: not an id order
  ExpectSameIndex(bulk, upserted);

  // Into an index that already holds actors: Upserts after them.
  ActorIndex twice;
  UpsertInTurn(geo, profiles, &twice);
  twice.BulkLoad(profiles, order);
  for (const ActorProfile& p : profiles) upserted.Upsert(p);
  ExpectSameIndex(twice, upserted);
}

TEST(ActorIndexPropertyTest, WalkAndDriverStrategiesAgree) {
  // Many actors and a non-selective filter (walk in id order) next to a
  // selective one (posting list driver); both paginate the same way.
  const Geography geo = Geography::Make(2, 2, 2, 4);
  ActorIndex index;
  for (int i = 0; i < 5000; ++i) {
    ActorProfile p = ProfileBuilder("x" + std::to_string(i * 7919 % 5000),
                                    i % 10 ? Kind::kAssociation : Kind::kMedia,
                                    geo.Commune(i % 32));
    index.Upsert(std::move(p));
  }
  for (Kind kind : {Kind::kAssociation, Kind::kMedia}) {
    ActorFilter f;
    f.kind = kind;
    bool more = false;
    std::vector<std::string> all = index.List(f, "", 10000, &more);
    EXPECT_FALSE(more);
    EXPECT_EQ(all.size(), kind == Kind::kMedia ? 500u : 4500u);
    std::string after = all[all.size() / 2];
    std::vector<std::string> page = index.List(f, after, 20, &more);
    ASSERT_EQ(page.size(), 20u);
    EXPECT_TRUE(more);
    EXPECT_EQ(page.front(), all[all.size() / 2 + 1]);
  }
}

TEST(ActorIndexTest2, MemoryEstimateGrowsWithActors) {
  const Geography geo = Geography::Make(1, 1, 1, 4);
  ActorIndex index;
  const size_t empty = index.ApproximateMemoryUsage();
  std::mt19937 rng(7);
  for (int i = 0; i < 100; ++i) {
    index.Upsert(testing::RandomProfile(rng, geo, "a" + std::to_string(i)));
  }
  EXPECT_GT(index.ApproximateMemoryUsage(), empty + 100 * sizeof(ActorProfile));
}

// The positions the exchange postings carry: within one packing step of the
// coordinates, and told apart from a home commune.
TEST(PackedPositionTest, RoundTripsWithinAStep) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> lat(-90, 90);
  std::uniform_real_distribution<float> lon(-180, 180);
  for (int i = 0; i < 10000; ++i) {
    const float la = lat(rng);
    const float lo = lon(rng);
    const uint32_t where = internal::PackPosition(la, lo);
    ASSERT_TRUE(internal::HasPosition(where));
    EXPECT_NEAR(internal::PackedLatitude(where), la, 0.0028);
    EXPECT_NEAR(internal::PackedLongitude(where), lo, 0.0028);
    EXPECT_EQ(internal::PackedCommune(where), territory::kNone);
  }
  EXPECT_NEAR(
      internal::PackedLatitude(internal::PackPosition(48.8566f, 2.3522f)),
      48.8566, 0.003);
  EXPECT_EQ(internal::PackPosition(91, 0), internal::kNoPosition);
  EXPECT_EQ(internal::PackPosition(0, -181), internal::kNoPosition);
}

TEST(PackedPositionTest, CarriesTheCommuneWithoutCoordinates) {
  for (uint32_t commune : {0u, 1u, 34968u}) {
    const uint32_t where = internal::PackCommune(commune);
    EXPECT_FALSE(internal::HasPosition(where));
    EXPECT_NE(where, internal::kNoPosition);
    EXPECT_EQ(internal::PackedCommune(where), commune);
  }
  EXPECT_EQ(internal::PackCommune(territory::kNone), internal::kNoPosition);
  EXPECT_EQ(internal::PackedCommune(internal::kNoPosition), territory::kNone);
}

}  // namespace
}  // namespace maillage::matcher

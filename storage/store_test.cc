#include "storage/store.h"

#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "maillage/v1/actor.pb.h"
#include "rocksdb/cache.h"
#include "storage/keys.h"
#include "tests/support/temp_dir.h"

namespace maillage::storage {
namespace {

std::unique_ptr<Store> MustOpen(const std::string& path) {
  Store::Options options;
  options.path = path;
  auto store = Store::Open(options);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? std::move(*store) : nullptr;
}

TEST(StoreTest, CreatesFolderAndRecordsSchemaVersion) {
  testing::TempDir dir;
  auto store = MustOpen(dir.Sub("nested/db"));
  ASSERT_NE(store, nullptr);
  auto version = store->Get(Family::kMeta, keys::kSchemaVersion);
  ASSERT_TRUE(version.ok());
  ASSERT_TRUE(version->has_value());
  EXPECT_EQ(**version, std::to_string(kSchemaVersion));
}

TEST(StoreTest, PutGetDeleteAcrossFamilies) {
  testing::TempDir dir;
  auto store = MustOpen(dir.path());
  v1::Actor actor;
  actor.set_id("siret:1");
  actor.set_name("Atelier");
  WriteBatch batch;
  batch.PutMessage(Family::kActors, "siret:1", actor);
  batch.Put(Family::kContacts, "siret:1", "c");
  ASSERT_TRUE(store->Write(batch).ok());

  v1::Actor read;
  auto found = store->GetMessage(Family::kActors, "siret:1", &read);
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(*found);
  EXPECT_EQ(read.name(), "Atelier");
  // Families are separate key spaces.
  auto absent = store->Get(Family::kTerritories, "siret:1");
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());

  WriteBatch del;
  del.Delete(Family::kActors, "siret:1");
  ASSERT_TRUE(store->Write(del).ok());
  found = store->GetMessage(Family::kActors, "siret:1", &read);
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(*found);
}

TEST(StoreTest, UnparsableRecordIsDataLoss) {
  testing::TempDir dir;
  auto store = MustOpen(dir.path());
  WriteBatch batch;
  batch.Put(Family::kActors, "x", "\xff\xff\xff");
  ASSERT_TRUE(store->Write(batch).ok());
  v1::Actor read;
  auto found = store->GetMessage(Family::kActors, "x", &read);
  EXPECT_EQ(found.status().code(), absl::StatusCode::kDataLoss);
}

TEST(StoreTest, ScanIsOrderedAndBounded) {
  testing::TempDir dir;
  auto store = MustOpen(dir.path());
  WriteBatch batch;
  for (const char* k : {"b", "a", "d", "c", "e"}) {
    batch.Put(Family::kActors, k, k);
  }
  ASSERT_TRUE(store->Write(batch).ok());
  std::vector<std::string> seen;
  ASSERT_TRUE(store
                  ->Scan(Family::kActors, "b", "e",
                         [&](std::string_view k, std::string_view) {
                           seen.emplace_back(k);
                           return true;
                         })
                  .ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"b", "c", "d"}));
  seen.clear();
  ASSERT_TRUE(store
                  ->Scan(Family::kActors, "", "",
                         [&](std::string_view k, std::string_view) {
                           seen.emplace_back(k);
                           return seen.size() < 2;
                         })
                  .ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b"}));
}

TEST(StoreTest, MultiGetKeepsOrderAndMarksAbsent) {
  testing::TempDir dir;
  auto store = MustOpen(dir.path());
  WriteBatch batch;
  batch.Put(Family::kActors, "a", "1");
  batch.Put(Family::kActors, "c", "3");
  ASSERT_TRUE(store->Write(batch).ok());
  auto values =
      store->MultiGet(Family::kActors, std::vector<std::string>{"c", "b", "a"});
  ASSERT_TRUE(values.ok());
  ASSERT_EQ(values->size(), 3u);
  EXPECT_EQ((*values)[0].value_or(""), "3");
  EXPECT_FALSE((*values)[1].has_value());
  EXPECT_EQ((*values)[2].value_or(""), "1");
}

TEST(StoreTest, DataSurvivesReopen) {
  testing::TempDir dir;
  {
    auto store = MustOpen(dir.path());
    WriteBatch batch;
    batch.Put(Family::kActors, "kept", "yes");
    ASSERT_TRUE(store->Write(batch).ok());
  }
  auto store = MustOpen(dir.path());
  auto value = store->Get(Family::kActors, "kept");
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(value->value_or(""), "yes");
}

// The folder's file names, for a failure message.
std::string FolderListing(const std::string& path) {
  std::string files;
  for (const auto& e : std::filesystem::directory_iterator(path)) {
    files += e.path().filename().string() + " ";
  }
  return files;
}

// Writes 100 actors keys.
void PutActors(Store& store, const std::string& value) {
  WriteBatch batch;
  for (int i = 0; i < 100; ++i) {
    batch.Put(Family::kActors, "a" + std::to_string(i), value);
  }
  ASSERT_TRUE(store.Write(batch).ok());
}

// Deletes one actor and erases physically; the erasure must find no file
// it waits for (a log left by an earlier run of the store included).
void EraseOne(Store& store, const std::string& path) {
  WriteBatch erase;
  erase.Delete(Family::kActors, "a1");
  ASSERT_TRUE(store.Write(erase).ok());
  absl::Time start = absl::Now();
  absl::Status erased =
      store.ErasePhysically({Family::kActors}, absl::Seconds(5));
  EXPECT_TRUE(erased.ok()) << erased << "; folder: " << FolderListing(path);
  EXPECT_LT(absl::Now() - start, absl::Seconds(4));
}

// Erasures in a store reopened after closes in various states: the logs
// left by an earlier run must not be taken for files holding erased values.
TEST(StoreTest, ErasureAfterAReopenWithUnflushedWrites) {
  testing::TempDir dir;
  {
    auto store = MustOpen(dir.path());
    PutActors(*store, "before");
  }
  auto store = MustOpen(dir.path());
  ASSERT_NE(store, nullptr);
  EraseOne(*store, dir.path());
}

TEST(StoreTest, ErasureAfterAReopenOfAFlushedStore) {
  testing::TempDir dir;
  {
    auto store = MustOpen(dir.path());
    PutActors(*store, "before");
    EraseOne(*store, dir.path());  // flushes: the log left is empty
  }
  auto store = MustOpen(dir.path());
  ASSERT_NE(store, nullptr);
  EraseOne(*store, dir.path());
}

TEST(StoreTest, ErasureAfterTwoReopens) {
  testing::TempDir dir;
  {
    auto store = MustOpen(dir.path());
    PutActors(*store, "before");
  }
  { auto store = MustOpen(dir.path()); }  // opened, nothing written
  auto store = MustOpen(dir.path());
  ASSERT_NE(store, nullptr);
  PutActors(*store, "after");
  EraseOne(*store, dir.path());
}

TEST(StoreTest, ErasureAfterAReopenWithNothingWritten) {
  testing::TempDir dir;
  { auto store = MustOpen(dir.path()); }
  auto store = MustOpen(dir.path());
  ASSERT_NE(store, nullptr);
  EraseOne(*store, dir.path());
}

TEST(StoreTest, RefusesNewerSchemaWithClearMessage) {
  testing::TempDir dir;
  {
    auto store = MustOpen(dir.path());
    WriteBatch batch;
    batch.Put(Family::kMeta, keys::kSchemaVersion,
              std::to_string(kSchemaVersion + 1));
    ASSERT_TRUE(store->Write(batch).ok());
  }
  Store::Options options;
  options.path = dir.path();
  auto store = Store::Open(options);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("newer"), std::string::npos)
      << store.status();
}

TEST(StoreTest, SecondOpenOfSameFolderFailsClearly) {
  testing::TempDir dir;
  auto first = MustOpen(dir.path());
  Store::Options options;
  options.path = dir.path();
  auto second = Store::Open(options);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("lock"), std::string::npos)
      << second.status();
}

// The disk as the store's guard sees it: the test sets the free space.
TEST(StoreTest, FullDiskRefusesWritesKeepsReadsAndComesBack) {
  testing::TempDir dir;
  auto available = std::make_shared<std::atomic<uint64_t>>(uint64_t{1} << 40);
  Store::Options options;
  options.path = dir.path();
  options.min_free_disk_bytes = uint64_t{64} << 20;
  options.disk_probe = [available](const std::string&) {
    return absl::StatusOr<uint64_t>(available->load());
  };
  auto opened = Store::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.status();
  Store& store = **opened;
  WriteBatch first;
  first.Put(Family::kActors, "a", "1");
  ASSERT_TRUE(store.Write(first).ok());
  EXPECT_EQ(store.CheckWrites(), Store::WriteState::kWritable);

  // Room for 100 bytes above the reserve: small writes would still be
  // accepted, the next batch does not fit.
  available->store((uint64_t{64} << 20) + 100);
  EXPECT_EQ(store.CheckWrites(), Store::WriteState::kWritable);
  WriteBatch second;
  second.Put(Family::kActors, "b", std::string(1000, 'x'));
  absl::Status refused = store.Write(second);
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(store.CheckWrites(), Store::WriteState::kDiskFull);
  EXPECT_EQ(refused.message(),
            "the server's disk is full: writes are refused until space is "
            "freed; reads still work");
  EXPECT_TRUE(refused.GetPayload("type.googleapis.com/google.rpc.RetryInfo")
                  .has_value());
  auto read = store.Get(Family::kActors, "a");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->value_or(""), "1");
  auto absent = store.Get(Family::kActors, "b");
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());

  available->store(uint64_t{1} << 40);
  EXPECT_EQ(store.CheckWrites(), Store::WriteState::kWritable);
  EXPECT_TRUE(store.Write(second).ok());
}

TEST(StoreTest, OpenOnAFullDiskFailsOnlyWhenItMustWrite) {
  testing::TempDir dir;
  Store::Options options;
  options.path = dir.path();
  options.min_free_disk_bytes = uint64_t{64} << 20;
  options.disk_probe = [](const std::string&) {
    return absl::StatusOr<uint64_t>(uint64_t{1} << 20);
  };
  // A new store records its schema version: refused.
  auto fresh = Store::Open(options);
  ASSERT_FALSE(fresh.ok());
  EXPECT_EQ(fresh.status().code(), absl::StatusCode::kResourceExhausted);
  // An existing store opens, for reads.
  options.disk_probe = nullptr;
  options.min_free_disk_bytes = 0;
  ASSERT_TRUE(Store::Open(options).ok());
  options.min_free_disk_bytes = uint64_t{64} << 20;
  options.disk_probe = [](const std::string&) {
    return absl::StatusOr<uint64_t>(uint64_t{1} << 20);
  };
  auto existing = Store::Open(options);
  ASSERT_TRUE(existing.ok()) << existing.status();
  EXPECT_EQ((*existing)->CheckWrites(), Store::WriteState::kDiskFull);
  auto version = (*existing)->Get(Family::kMeta, keys::kSchemaVersion);
  ASSERT_TRUE(version.ok());
  EXPECT_TRUE(version->has_value());
}

// A store at `path` whose background writes may be limited to `limit`.
absl::StatusOr<std::unique_ptr<Store>> OpenWithWriteLimit(
    const std::string& path, uint64_t limit) {
  Store::Options options;
  options.path = path;
  options.background_write_bytes_per_second = limit;
  return Store::Open(options);
}

TEST(StoreTest, BackgroundWritesAreLimitedOnlyWhenAskedAndConfigured) {
  testing::TempDir dir;
  auto store = OpenWithWriteLimit(dir.path(), uint64_t{16} << 20);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->BackgroundWriteRate(), 0u);  // off at open
  (*store)->LimitBackgroundWrites(true);
  EXPECT_EQ((*store)->BackgroundWriteRate(), uint64_t{16} << 20);
  (*store)->LimitBackgroundWrites(true);  // again: no change
  EXPECT_EQ((*store)->BackgroundWriteRate(), uint64_t{16} << 20);
  // Flushes and compactions still run under the limit.
  WriteBatch batch;
  batch.Put(Family::kMeta, "k", std::string(1 << 20, 'x'));
  ASSERT_TRUE((*store)->Write(batch).ok());
  ASSERT_TRUE((*store)->ErasePhysically({Family::kMeta}).ok());
  EXPECT_FALSE((*store)->CompactionsFallingBehind());
  (*store)->LimitBackgroundWrites(false);
  EXPECT_EQ((*store)->BackgroundWriteRate(), 0u);

  // Without a configured rate there is nothing to limit.
  testing::TempDir other;
  auto unlimited = MustOpen(other.path());
  unlimited->LimitBackgroundWrites(true);
  EXPECT_EQ(unlimited->BackgroundWriteRate(), 0u);
  EXPECT_FALSE(unlimited->CompactionsFallingBehind());
}

// Bytes that do not compress: a table file holds about as many.
std::string Incompressible(size_t bytes, uint64_t seed) {
  std::string out(bytes, '\0');
  for (char& c : out) {
    seed = seed * 6364136223846793005u + 1442695040888963407u;
    c = static_cast<char>(seed >> 56);
  }
  return out;
}

// The limit holds from the moment it is switched on, whatever went through
// while it was off (a rate limiter whose rate had been high carried its
// unused quota over and let the next hundreds of MB through at once). Not a
// speed figure: a lower bound the limit itself sets, at 1 MiB/s for 2 MiB
// flushed then compacted.
TEST(StoreTest, AFlushUnderTheLimitCannotGoFasterThanTheLimit) {
  testing::TempDir dir;
  auto store = OpenWithWriteLimit(dir.path(), uint64_t{1} << 20);
  ASSERT_TRUE(store.ok()) << store.status();
  // Unlimited first: 2 MiB flushed and compacted.
  WriteBatch before;
  before.Put(Family::kMeta, "before", Incompressible(2 << 20, 1));
  ASSERT_TRUE((*store)->Write(before).ok());
  ASSERT_TRUE((*store)->ErasePhysically({Family::kMeta}).ok());

  (*store)->LimitBackgroundWrites(true);
  WriteBatch after;
  after.Put(Family::kMeta, "after", Incompressible(2 << 20, 2));
  ASSERT_TRUE((*store)->Write(after).ok());
  const absl::Time start = absl::Now();
  ASSERT_TRUE(
      (*store)->ErasePhysically({Family::kMeta}, absl::Seconds(60)).ok());
  // The flush writes 2 MiB and the compaction 4 MiB, less what RocksDB may
  // carry over from one 100-ms period (0.1 MiB): well over 3 s at 1 MiB/s.
  EXPECT_GE(absl::Now() - start, absl::Seconds(3));
}

// Writes `count` records of 4 KiB that do not compress (one per block).
void PutRecords(Store& store, Family family, uint64_t count) {
  WriteBatch batch;
  for (uint64_t i = 0; i < count; ++i) {
    batch.Put(family, absl::StrCat("record-", i), Incompressible(4096, i));
  }
  ASSERT_TRUE(store.Write(batch).ok());
}

// Reads the records PutRecords wrote; returns the block cache's misses.
uint64_t MissesReading(Store& store, Family family, uint64_t count) {
  const uint64_t misses = store.Figures().block_cache_misses;
  for (uint64_t i = 0; i < count; ++i) {
    auto value = store.Get(family, absl::StrCat("record-", i));
    EXPECT_TRUE(value.ok() && value->has_value());
    if (value.ok() && value->has_value()) {
      EXPECT_EQ(**value, Incompressible(4096, i));
    }
  }
  return store.Figures().block_cache_misses - misses;
}

// What a flush of a family serving writes all the time (suggestions, their
// index, events) writes enters the block cache at once: reading it back
// right after misses nothing. An import's flushes (actors) leave the cache
// to what is read: one miss per record read.
TEST(StoreTest, FlushesWarmTheCacheOnlyForTheFamiliesServingWrites) {
  testing::TempDir dir;
  auto store = MustOpen(dir.path());
  constexpr uint64_t kRecords = 512;
  PutRecords(*store, Family::kEvents, kRecords);
  PutRecords(*store, Family::kActors, kRecords);
  // No family named: every memtable flushed, nothing compacted.
  ASSERT_TRUE(store->ErasePhysically({}).ok());

  EXPECT_LT(MissesReading(*store, Family::kEvents, kRecords), kRecords / 16);
  EXPECT_GE(MissesReading(*store, Family::kActors, kRecords), kRecords);
}

// Writes `megabytes` MiB of PutRecords' records in batches of 4 MiB (a
// memtable is switched between writes, not within one).
void PutMegabytes(Store& store, Family family, int megabytes) {
  for (int batch = 0; batch < megabytes / 4; ++batch) {
    WriteBatch write;
    for (uint64_t i = 0; i < 1024; ++i) {
      write.Put(family, absl::StrCat("record-", batch, "-", i),
                Incompressible(4096, i));
    }
    ASSERT_TRUE(store.Write(write).ok());
  }
}

// `suggestions` and `events` flush memtables of 16 MiB (the server's RSS
// followed RocksDB's default 64 MiB up and down under dashboards' load);
// the other families keep the default.
TEST(StoreTest, TheFamiliesServingWritesFlushSmallMemtables) {
  for (Family family : {Family::kEvents, Family::kSuggestions}) {
    testing::TempDir dir;
    auto store = MustOpen(dir.path());
    PutMegabytes(*store, family, 24);
    // Flushes run in the background: wait for the first, a bounded while.
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    while (store->Figures().flushes == 0 && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    EXPECT_GE(store->Figures().flushes, 1u) << FamilyName(family);
  }
  testing::TempDir dir;
  auto store = MustOpen(dir.path());
  PutMegabytes(*store, Family::kActors, 24);
  // A memtable switches only when full: 24 MiB stay in the one of 64.
  EXPECT_GE(store->Figures().memtable_bytes, uint64_t{24} << 20);
}

TEST(StoreTest, MemoryChargedToTheCacheShowsInItsUsageUntilReleased) {
  testing::TempDir dir;
  auto store = MustOpen(dir.path());
  const uint64_t before = store->Figures().block_cache_usage_bytes;
  auto charge = store->ChargeMemory();
  EXPECT_EQ(charge->charged_bytes(), 0u);
  charge->Set(size_t{5} << 20);
  EXPECT_EQ(charge->charged_bytes(), size_t{5} << 20);
  EXPECT_GE(store->Figures().block_cache_usage_bytes, before + (5u << 20));
  // Whole MiB: a few bytes more charge one more MiB.
  charge->Set((size_t{5} << 20) + 1);
  EXPECT_EQ(charge->charged_bytes(), size_t{6} << 20);
  EXPECT_GE(store->Figures().block_cache_usage_bytes, before + (6u << 20));
  EXPECT_LT(store->Figures().block_cache_usage_bytes, before + (7u << 20));
  // The cache holds more than its capacity rather than refuse a charge.
  const uint64_t capacity = store->Figures().block_cache_capacity_bytes;
  charge->Set(capacity + (size_t{1} << 20));
  EXPECT_GT(store->Figures().block_cache_usage_bytes, capacity);
  charge.reset();
  EXPECT_LT(store->Figures().block_cache_usage_bytes, before + (1u << 20));
}

// The cache is sharded and each shard evicts only within its own share of
// the capacity: a charge of half the capacity must push out about half of
// the cached blocks, not one shard's worth.
TEST(StoreTest, MemoryChargeEvictsBlocksFromEveryShard) {
  constexpr size_t kCapacity = size_t{64} << 20;  // 64 shards of 1 MiB
  std::shared_ptr<rocksdb::Cache> cache = rocksdb::NewLRUCache(kCapacity);
  constexpr size_t kBlock = 4096;
  for (uint64_t i = 0; i < 2 * kCapacity / kBlock; ++i) {
    char key[sizeof(i)];
    std::memcpy(key, &i, sizeof(i));
    ASSERT_TRUE(cache
                    ->Insert(rocksdb::Slice(key, sizeof(key)), nullptr, kBlock,
                             [](const rocksdb::Slice&, void*) {})
                    .ok());
  }
  auto blocks = [&] { return cache->GetUsage() - cache->GetPinnedUsage(); };
  ASSERT_GT(blocks(), kCapacity * 9 / 10);

  MemoryCharge charge(cache);
  charge.Set(kCapacity / 2);
  EXPECT_EQ(charge.charged_bytes(), kCapacity / 2);
  // The cache also counts each entry's own metadata.
  EXPECT_GE(cache->GetPinnedUsage(), kCapacity / 2);
  EXPECT_LT(cache->GetPinnedUsage(), kCapacity / 2 + (size_t{1} << 20));
  // Spread over the shards by their keys' hashes, the entries leave some
  // shards fuller than others: a little more than half stays cached.
  EXPECT_LT(blocks(), kCapacity * 6 / 10) << blocks();

  charge.Set(0);
  EXPECT_EQ(cache->GetPinnedUsage(), 0u);
}

}  // namespace
}  // namespace maillage::storage

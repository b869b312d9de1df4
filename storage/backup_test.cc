#include "storage/backup.h"

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace maillage::storage {
namespace {

std::unique_ptr<Store> MustOpen(const std::string& path) {
  Store::Options options;
  options.path = path;
  options.min_free_disk_bytes = 0;
  auto store = Store::Open(options);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? std::move(*store) : nullptr;
}

// Writes keys "k<first>" … "k<first + count - 1>" of the actors family, in
// one batch.
void PutKeys(Store& store, int first, int count, const std::string& value) {
  WriteBatch batch;
  for (int i = first; i < first + count; ++i) {
    batch.Put(Family::kActors, absl::StrCat("k", i), value);
  }
  ASSERT_TRUE(store.Write(batch).ok());
}

// Every key of the actors family with its value.
std::vector<std::pair<std::string, std::string>> Actors(const Store& store) {
  std::vector<std::pair<std::string, std::string>> out;
  EXPECT_TRUE(store
                  .Scan(Family::kActors, "", "",
                        [&](std::string_view k, std::string_view v) {
                          out.emplace_back(std::string(k), std::string(v));
                          return true;
                        })
                  .ok());
  return out;
}

uint64_t FolderBytes(const std::string& dir) {
  uint64_t total = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) total += e.file_size();
  }
  return total;
}

TEST(BackupTest, RestoresExactlyTheWritesBeforeTheBackup) {
  testing::TempDir dir;
  auto store = MustOpen(dir.Sub("db"));
  PutKeys(*store, 0, 100, "before");
  auto folder = BackupFolder::Open(dir.Sub("backups"));
  ASSERT_TRUE(folder.ok()) << folder.status();
  auto backup = (*folder)->Create(*store, dir.Sub("db/backup-checkpoint"));
  ASSERT_TRUE(backup.ok()) << backup.status();
  EXPECT_EQ(backup->id, 1u);
  EXPECT_EQ(backup->sequence, store->LastSequence());
  EXPECT_EQ(backup->schema_version, kSchemaVersion);
  EXPECT_GT(backup->size_bytes, 0u);
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("db/backup-checkpoint")));
  PutKeys(*store, 100, 50, "after");

  auto restored = RestoreBackup(dir.Sub("backups"), 0, dir.Sub("restored"));
  ASSERT_TRUE(restored.ok()) << restored.status();
  EXPECT_EQ(restored->id, 1u);
  auto copy = MustOpen(dir.Sub("restored"));
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(copy->LastSequence(), backup->sequence);
  auto actors = Actors(*copy);
  ASSERT_EQ(actors.size(), 100u);
  for (const auto& [key, value] : actors) EXPECT_EQ(value, "before") << key;
}

// Batches written while the backup is made are in it whole or not at all,
// and those in it are exactly the first ones: the backup is the store as of
// one instant, its sequence number.
TEST(BackupTest, WritesDuringTheBackupAreWhollyInOrOut) {
  testing::TempDir dir;
  auto store = MustOpen(dir.Sub("db"));
  PutKeys(*store, 0, 20000, std::string(100, 'x'));  // something to copy
  auto folder = BackupFolder::Open(dir.Sub("backups"));
  ASSERT_TRUE(folder.ok());
  std::atomic<bool> stop{false};
  std::atomic<int> batches{0};
  std::thread writer([&] {
    for (int b = 0; !stop.load(); ++b) {
      WriteBatch batch;  // batch b: 10 keys "b<b>-<i>", value b
      for (int i = 0; i < 10; ++i) {
        batch.Put(Family::kFacts, absl::StrCat("b", b, "-", i),
                  absl::StrCat(b));
      }
      ASSERT_TRUE(store->Write(batch, /*sync=*/false).ok());
      batches.store(b + 1);
    }
  });
  while (batches.load() < 50) std::this_thread::yield();
  int acknowledged_before = batches.load();
  auto backup = (*folder)->Create(*store, dir.Sub("db/backup-checkpoint"));
  int started_after = batches.load() + 1;
  stop = true;
  writer.join();
  ASSERT_TRUE(backup.ok()) << backup.status();

  ASSERT_TRUE(
      RestoreBackup(dir.Sub("backups"), backup->id, dir.Sub("copy")).ok());
  auto copy = MustOpen(dir.Sub("copy"));
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(copy->LastSequence(), backup->sequence);
  std::map<int, int> keys_per_batch;
  ASSERT_TRUE(copy->Scan(Family::kFacts, "", "",
                         [&](std::string_view, std::string_view v) {
                           ++keys_per_batch[std::stoi(std::string(v))];
                           return true;
                         })
                  .ok());
  int in_backup = static_cast<int>(keys_per_batch.size());
  EXPECT_GE(in_backup, acknowledged_before);
  EXPECT_LE(in_backup, started_after);
  for (int b = 0; b < in_backup; ++b) EXPECT_EQ(keys_per_batch[b], 10) << b;
  EXPECT_EQ(Actors(*copy).size(), 20000u);
}

TEST(BackupTest, SecondBackupCopiesOnlyNewFiles) {
  testing::TempDir dir;
  auto store = MustOpen(dir.Sub("db"));
  PutKeys(*store, 0, 50000, std::string(200, 'y'));
  auto folder = BackupFolder::Open(dir.Sub("backups"));
  ASSERT_TRUE(folder.ok());
  auto first = (*folder)->Create(*store, dir.Sub("db/backup-checkpoint"));
  ASSERT_TRUE(first.ok()) << first.status();
  PutKeys(*store, 50000, 10, "z");
  auto second = (*folder)->Create(*store, dir.Sub("db/backup-checkpoint"));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->id, 2u);
  EXPECT_GT(second->sequence, first->sequence);
  // Each backup counts the shared table files; the folder holds them once.
  EXPECT_LT(FolderBytes(dir.Sub("backups")),
            first->size_bytes + second->size_bytes / 10);
}

// A backup must leave RocksDB deleting obsolete files again: erasures wait
// for the files holding erased values to go (Store::ErasePhysically).
TEST(BackupTest, ObsoleteFilesAreStillDeletedAfterABackup) {
  testing::TempDir dir;
  auto store = MustOpen(dir.Sub("db"));
  PutKeys(*store, 0, 1000, "v");
  auto folder = BackupFolder::Open(dir.Sub("backups"));
  ASSERT_TRUE(folder.ok());
  ASSERT_TRUE((*folder)->Create(*store, dir.Sub("db/backup-checkpoint")).ok());
  PutKeys(*store, 0, 1000, "w");
  absl::Status erased =
      store->ErasePhysically({Family::kActors}, absl::Seconds(5));
  EXPECT_TRUE(erased.ok()) << erased;
}

// A store restored from a backup opens on the log the checkpoint copied
// (empty: the checkpoint flushed first); an erasure in it must not wait on
// that log (Store::ErasePhysically).
TEST(BackupTest, ErasureInARestoredStoreDoesNotWait) {
  testing::TempDir dir;
  {
    auto store = MustOpen(dir.Sub("db"));
    PutKeys(*store, 0, 1000, "v");
    auto folder = BackupFolder::Open(dir.Sub("backups"));
    ASSERT_TRUE(folder.ok());
    ASSERT_TRUE(
        (*folder)->Create(*store, dir.Sub("db/backup-checkpoint")).ok());
  }
  ASSERT_TRUE(RestoreBackup(dir.Sub("backups"), 0, dir.Sub("r")).ok());
  for (int reopen = 0; reopen < 2; ++reopen) {
    auto copy = MustOpen(dir.Sub("r"));
    ASSERT_NE(copy, nullptr);
    PutKeys(*copy, 0, 10, "w");
    absl::Status erased =
        copy->ErasePhysically({Family::kActors}, absl::Seconds(5));
    EXPECT_TRUE(erased.ok()) << "open " << reopen << ": " << erased;
  }
}

TEST(BackupTest, VerifyDetectsACorruptedFile) {
  testing::TempDir dir;
  auto store = MustOpen(dir.Sub("db"));
  PutKeys(*store, 0, 1000, "v");
  auto folder = BackupFolder::Open(dir.Sub("backups"));
  ASSERT_TRUE(folder.ok());
  auto backup = (*folder)->Create(*store, dir.Sub("db/backup-checkpoint"));
  ASSERT_TRUE(backup.ok());
  EXPECT_TRUE((*folder)->Verify(backup->id).ok());
  EXPECT_EQ((*folder)->Verify(99).status().code(), absl::StatusCode::kNotFound);

  std::string table;
  for (const auto& e : std::filesystem::directory_iterator(
           dir.Sub("backups/shared_checksum"))) {
    table = e.path().string();
  }
  ASSERT_FALSE(table.empty());
  {
    // One byte changed in the middle, the size kept.
    std::fstream f(table, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(std::filesystem::file_size(table) / 2);
    char c = 0;
    f.get(c);
    f.seekp(std::filesystem::file_size(table) / 2);
    f.put(static_cast<char>(c ^ 0x5a));
  }
  auto verified = (*folder)->Verify(backup->id);
  EXPECT_EQ(verified.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(verified.status().message().find("shared_checksum"),
            std::string::npos)
      << verified.status();
  // A restore checks the same checksums and leaves nothing behind.
  auto restored = RestoreBackup(dir.Sub("backups"), backup->id, dir.Sub("r"));
  EXPECT_FALSE(restored.ok());
  for (const auto& e : std::filesystem::directory_iterator(dir.Sub("r"))) {
    ADD_FAILURE() << "left by the failed restore: " << e.path();
  }
}

TEST(BackupTest, RestoreRefusesANonEmptyFolder) {
  testing::TempDir dir;
  auto store = MustOpen(dir.Sub("db"));
  auto folder = BackupFolder::Open(dir.Sub("backups"));
  ASSERT_TRUE(folder.ok());
  ASSERT_TRUE((*folder)->Create(*store, dir.Sub("db/backup-checkpoint")).ok());
  std::filesystem::create_directories(dir.Sub("target"));
  std::ofstream(dir.Sub("target/notes.txt")) << "mine";
  auto restored = RestoreBackup(dir.Sub("backups"), 0, dir.Sub("target"));
  EXPECT_EQ(restored.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(restored.status().message().find("notes.txt"), std::string::npos)
      << restored.status();
  std::ifstream kept(dir.Sub("target/notes.txt"));
  std::string content;
  kept >> content;
  EXPECT_EQ(content, "mine");
  // The running store's own folder is not empty either.
  EXPECT_FALSE(RestoreBackup(dir.Sub("backups"), 0, dir.Sub("db")).ok());
  EXPECT_EQ(
      RestoreBackup(dir.Sub("backups"), 7, dir.Sub("new")).status().code(),
      absl::StatusCode::kNotFound);
}

TEST(BackupTest, PurgeKeepsTheNewestByCountAndAge) {
  testing::TempDir dir;
  auto store = MustOpen(dir.Sub("db"));
  auto folder = BackupFolder::Open(dir.Sub("backups"));
  ASSERT_TRUE(folder.ok());
  for (int i = 0; i < 4; ++i) {
    PutKeys(*store, i, 1, "v");
    ASSERT_TRUE(
        (*folder)->Create(*store, dir.Sub("db/backup-checkpoint")).ok());
  }
  BackupFolder::Retention keep_two{/*keep_last=*/2, absl::ZeroDuration()};
  auto deleted = (*folder)->Purge(keep_two, absl::Now());
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, (std::vector<uint32_t>{1, 2}));
  // A year later, an age limit of a day leaves only the newest.
  BackupFolder::Retention one_day{/*keep_last=*/0, absl::Hours(24)};
  deleted = (*folder)->Purge(one_day, absl::Now() + absl::Hours(24 * 365));
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, (std::vector<uint32_t>{3}));
  auto left = (*folder)->List();
  ASSERT_TRUE(left.ok());
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ(left->front().id, 4u);
  EXPECT_EQ((*folder)->Delete(3).code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE((*folder)->Delete(4).ok());
}

}  // namespace
}  // namespace maillage::storage

#ifndef MAILLAGE_STORAGE_BACKUP_H_
#define MAILLAGE_STORAGE_BACKUP_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "storage/store.h"

namespace rocksdb {
class BackupEngine;
}  // namespace rocksdb

namespace maillage::storage {

// One backup of a store, as the folder describes it.
struct BackupDescription {
  uint32_t id = 0;  // 1, 2, …, in creation order
  absl::Time create_time;
  // The store's sequence number at the backup: the backup holds exactly
  // the writes the store had acknowledged up to it (Store::LastSequence),
  // and a store restored from it starts at this number.
  uint64_t sequence = 0;
  int schema_version = 0;
  // Bytes and files of the backup, counting the table files it shares with
  // other backups (RocksDB's figures).
  uint64_t size_bytes = 0;
  uint32_t file_count = 0;
  // How long Create took (set by Create only).
  absl::Duration duration;
};

// The backups of one store in one folder, kept by RocksDB's BackupEngine:
// each backup is a consistent, point-in-time copy of the whole database,
// and backups share their table files (a new backup copies only the table
// files written since the previous one: incremental). Every file carries a
// checksum, which Verify reads back.
//
// Thread-safe; operations are serialised (a List waits for a Create).
// One BackupFolder per folder at a time: two servers must not share a
// backup folder.
class BackupFolder {
 public:
  struct Retention {
    // The newest `keep_last` backups are kept; older ones are deleted by
    // Purge. 0: no limit by count.
    int keep_last = 7;
    // Backups older than this are deleted by Purge. Zero: no limit by age.
    absl::Duration max_age = absl::Hours(24 * 30);
  };

  // Opens (creating it when missing) the backup folder `dir`.
  static absl::StatusOr<std::unique_ptr<BackupFolder>> Open(
      const std::string& dir);
  ~BackupFolder();
  BackupFolder(const BackupFolder&) = delete;
  BackupFolder& operator=(const BackupFolder&) = delete;

  // Backs `store` up while it keeps serving: a checkpoint of the store
  // (Store::CreateCheckpoint, which holds writes for milliseconds) is copied
  // into the folder, then dropped. Only the files the folder does not hold
  // yet are copied. `scratch` is an empty-or-missing folder name on the
  // store's filesystem for the checkpoint (hard links there cost no space).
  absl::StatusOr<BackupDescription> Create(Store& store,
                                           const std::string& scratch);

  // Every readable backup, oldest first.
  absl::StatusOr<std::vector<BackupDescription>> List() const;

  // Reads every file of backup `id` and checks its size and checksum.
  // NOT_FOUND for an unknown id; DATA_LOSS naming the file that differs.
  absl::StatusOr<BackupDescription> Verify(uint32_t id) const;

  // Deletes backup `id` (and the files no other backup shares). NOT_FOUND
  // for an unknown id.
  absl::Status Delete(uint32_t id);

  // Deletes the backups `retention` does not keep, as of `now`, the newest
  // backup excepted (whatever its age). Returns the ids deleted.
  absl::StatusOr<std::vector<uint32_t>> Purge(const Retention& retention,
                                              absl::Time now);

  const std::string& dir() const { return dir_; }

 private:
  BackupFolder(std::string dir, rocksdb::BackupEngine* engine);
  absl::StatusOr<BackupDescription> DescribeLocked(uint32_t id) const;

  const std::string dir_;
  mutable std::mutex mu_;  // serialises every operation on the engine
  const std::unique_ptr<rocksdb::BackupEngine> engine_;
};

// Restores backup `id` (0: the newest) of the backup folder `backup_dir`
// into `data_dir`, which must be missing or empty (FAILED_PRECONDITION
// otherwise, naming an entry found there: a restore never overwrites a
// store). Checksums are checked as files are copied; on any failure the
// folder is left empty again. Returns the backup restored.
absl::StatusOr<BackupDescription> RestoreBackup(const std::string& backup_dir,
                                                uint32_t id,
                                                const std::string& data_dir);

}  // namespace maillage::storage

#endif  // MAILLAGE_STORAGE_BACKUP_H_

#ifndef MAILLAGE_CORE_BACKUPS_H_
#define MAILLAGE_CORE_BACKUPS_H_

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/empty.pb.h"
#include "maillage/v1/admin.pb.h"
#include "maillage/v1/privacy.pb.h"
#include "storage/backup.h"
#include "storage/store.h"

namespace maillage::core {

// The store's backups (AdminService's backup methods, --backup_dir): online,
// consistent, incremental copies of the store in a folder of their own
// (storage::BackupFolder), their retention, and the restore that
// `maillage_server --restore_from` runs before the store opens.
//
// A backup still holds what was erased after it. So that a restore does not
// bring erased people back, every erasure (core/privacy.h) is recorded in
// the backup folder's erasure journal (its subject's identifiers and the
// time, file mode 0600), and a restore re-applies the erasures recorded
// after its backup was made (Maillage::Options::erasures_to_reapply). An
// entry is kept while some backup older than it exists, no longer: the
// journal holds what backups hold, and goes with them (docs/PRIVACY.md).
//
// The API key digest secret (auth::LoadOrCreateDigestSecret) is not in the
// RocksDB store but is needed to use it: the first backup copies it into
// the backup folder (mode 0600), and a restore puts it back when the target
// has none. Anyone who can read the backup folder can read everything the
// store holds: protect it as the data folder.
//
// Thread-safe. Backups are off (every method FAILED_PRECONDITION) when
// Options::dir is empty.
class Backups {
 public:
  struct Options {
    // The backup folder; empty: backups are off. Must not be inside the
    // data folder.
    std::string dir;
    storage::BackupFolder::Retention retention;
    // A backup every `interval`, from the first one `interval` after start;
    // zero: only on CreateBackup.
    absl::Duration interval = absl::ZeroDuration();
    // The store's folder (the checkpoint of each backup is made in it, so
    // that its table files are hard links) and the digest secret's file.
    std::string data_dir;
    std::string secret_file;
  };

  // Opens the backup folder (nothing when options.dir is empty) and starts
  // the periodic backups when options.interval is set. `store` is not
  // owned and must outlive this object.
  static absl::StatusOr<std::unique_ptr<Backups>> Open(storage::Store* store,
                                                       Options options);
  // Stops the periodic backups (waits for one in progress).
  ~Backups();
  Backups(const Backups&) = delete;
  Backups& operator=(const Backups&) = delete;

  absl::StatusOr<v1::CreateBackupResponse> Create(
      const v1::CreateBackupRequest& request);
  absl::StatusOr<v1::ListBackupsResponse> List(
      const v1::ListBackupsRequest& request) const;
  absl::StatusOr<v1::Backup> Verify(const v1::VerifyBackupRequest& request);
  absl::Status Delete(const v1::DeleteBackupRequest& request);
  absl::StatusOr<v1::PurgeBackupsResponse> Purge(
      const v1::PurgeBackupsRequest& request);

  // Appends an erasure's subject to the erasure journal, durably; nothing
  // when backups are off.
  absl::Status RecordErasure(const v1::DataSubject& subject);

  // What a restore gives back.
  struct Restored {
    v1::Backup backup;
    // The erasures of the journal that may postdate the backup, oldest
    // first: to be made again before the store serves.
    std::vector<v1::DataSubject> erasures;
  };

  // Restores backup `id` (0: the newest) of `backup_dir` into the empty or
  // missing `data_dir` (storage::RestoreBackup), then the digest secret
  // into `secret_file` when it does not exist, and reads the erasures to
  // make again. For main(), before the store opens.
  static absl::StatusOr<Restored> Restore(const std::string& backup_dir,
                                          uint32_t id,
                                          const std::string& data_dir,
                                          const std::string& secret_file);

 private:
  Backups(storage::Store* store, Options options,
          std::unique_ptr<storage::BackupFolder> folder);
  absl::Status CheckEnabled() const;
  // Copies the digest secret into the backup folder once.
  absl::Status SaveSecret();
  // Drops the journal's entries older than every backup (by more than
  // kJournalMargin).
  absl::Status PruneJournal();
  void PeriodicLoop();

  storage::Store* const store_;
  const Options options_;
  const std::unique_ptr<storage::BackupFolder> folder_;

  std::mutex journal_mu_;  // appends and pruning of the erasure journal

  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  std::thread periodic_;
};

// The API's description of a backup.
v1::Backup ToProto(const storage::BackupDescription& backup);

}  // namespace maillage::core

#endif  // MAILLAGE_CORE_BACKUPS_H_

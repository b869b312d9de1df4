#ifndef MAILLAGE_STORAGE_DISK_SPACE_H_
#define MAILLAGE_STORAGE_DISK_SPACE_H_

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace maillage::storage {

// Bytes of the filesystem holding `path` that the server may still use
// (statvfs: blocks available to unprivileged users, so a root server keeps
// the filesystem's own root reserve too).
absl::StatusOr<uint64_t> AvailableDiskBytes(const std::string& path);

// Keeps a reserve of free space on the filesystem of the store, so that
// RocksDB never meets a full disk: a write is admitted only when the space
// left after it stays at or above the reserve. The reserve is what RocksDB's
// background work (flushing the memtables, compacting) needs after the last
// admitted write; see Store::Options::min_free_disk_bytes.
//
// Reading the free space costs a system call, so the guard keeps its last
// reading and subtracts what it admitted since. It reads again when the
// reading is older than `refresh_interval` or `refresh_bytes` were admitted
// since, and always before it starts refusing, so that a refusal rests on a
// fresh reading. Once refusing, it admits again when a reading shows the
// reserve plus `resume_margin_bytes` free, so that a disk hovering at the
// reserve does not flip between the two states at every write.
//
// When the free space cannot be read the guard admits: it never stops
// writes because of its own failure (RocksDB's errors still do).
//
// Thread-safe.
class DiskSpaceGuard {
 public:
  // Reads the available bytes of the filesystem holding a path.
  using Probe = std::function<absl::StatusOr<uint64_t>(const std::string&)>;

  struct Options {
    // A folder on the filesystem to watch (the store's folder).
    std::string path;
    // Free bytes that admitted writes never eat into.
    uint64_t reserve_bytes = 0;
    // See the class comment.
    uint64_t resume_margin_bytes = uint64_t{4} << 20;
    absl::Duration refresh_interval = absl::Milliseconds(100);
    uint64_t refresh_bytes = uint64_t{4} << 20;
  };

  explicit DiskSpaceGuard(Options options, Probe probe = AvailableDiskBytes);
  DiskSpaceGuard(const DiskSpaceGuard&) = delete;
  DiskSpaceGuard& operator=(const DiskSpaceGuard&) = delete;

  // Whether `bytes` more may be written. When they may, they count as used
  // until the next reading.
  bool Admit(uint64_t bytes);

  // Reads the free space now and returns whether writes are admitted.
  bool Refresh();

  // Whether the guard refuses writes, as of its last decision (no reading).
  bool refusing() const;

  const Options& options() const { return options_; }

 private:
  // Takes a reading; on failure keeps the last one and admits (see above).
  void ReadLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Whether `bytes` more fit above the reserve (and the margin, when
  // refusing) according to the current estimate.
  bool FitsLocked(uint64_t bytes) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Options options_;
  const Probe probe_;

  mutable std::mutex mu_;
  bool have_reading_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t available_ ABSL_GUARDED_BY(mu_) = 0;  // at the last reading
  absl::Time read_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  uint64_t admitted_since_ ABSL_GUARDED_BY(mu_) = 0;  // since the reading
  bool refusing_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace maillage::storage

#endif  // MAILLAGE_STORAGE_DISK_SPACE_H_

#ifndef MAILLAGE_STORAGE_STORE_H_
#define MAILLAGE_STORAGE_STORE_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/message_lite.h"
#include "storage/disk_space.h"

namespace rocksdb {
class Cache;
class Status;
class WriteBatch;
}  // namespace rocksdb

namespace maillage::storage {

// Column families, named in this one place. The key layout of each is in
// keys.h.
enum class Family : int {
  kMeta = 0,  // RocksDB's "default" family: schema version
  kActors,
  kContacts,  // personal data: one range per actor, erasable on its own
  kRequests,  // request_id -> first answer, for idempotent retries
  kTerritories,
  kFacts,
  kFactsByTerritory,
  kSuggestions,
  kSuggestionsByActor,
  kPartnerships,
  kPartnershipsByActor,
  kEvents,   // ordered log of suggestion/partnership changes, for watchers
  kApiKeys,  // API keys: their descriptions and the digests of their secrets
  kAudit,    // the audit trail (core/audit_log.h), in time order
  kCount,
};
std::string_view FamilyName(Family family);

// The schema this build writes and understands. Bumped whenever the stored
// layout changes incompatibly; Open refuses a store written by a newer build
// and migrates an older one. 2: workspaces (storage/migration.h). 3:
// suggestion records may carry merge operands (storage/suggestion_merge.h),
// which a build of schema 2 cannot read; nothing is rewritten from 2 to 3.
inline constexpr int kSchemaVersion = 3;

// What the store reports of RocksDB for the server's metrics: properties and
// counters RocksDB keeps anyway, read when asked (Store::Figures). Counts
// are since the store was opened.
struct StoreFigures {
  // Estimated bytes of live data (what a full compaction would keep), by
  // family (indexed by Family).
  std::array<uint64_t, static_cast<size_t>(Family::kCount)> live_data_bytes{};
  uint64_t sst_files_bytes = 0;  // every table file, obsolete ones included
  // Bytes compactions have to rewrite to bring every level within its
  // target: what makes RocksDB slow writes down when it grows.
  uint64_t pending_compaction_bytes = 0;
  uint64_t memtable_bytes = 0;  // active and immutable memtables
  // Memory of the open table files' readers outside the block cache (index
  // and filter blocks live in the cache, so mostly the readers themselves).
  uint64_t table_readers_bytes = 0;
  uint64_t block_cache_usage_bytes = 0;
  uint64_t block_cache_capacity_bytes = 0;
  uint64_t block_cache_hits = 0;
  uint64_t block_cache_misses = 0;
  // Times some family's writes went from normal to delayed or stopped
  // (too many level-0 files, memtables or pending compaction bytes), and
  // the time writers spent held back.
  uint64_t write_stalls = 0;
  uint64_t write_stall_micros = 0;
  bool writes_stopped = false;  // now
  // What flushes and compactions are limited to now, bytes a second; 0
  // while unlimited (Store::LimitBackgroundWrites).
  uint64_t background_write_rate = 0;
  uint64_t wal_syncs = 0;  // fsyncs of the write-ahead log
  uint64_t wal_bytes = 0;  // bytes written to the write-ahead log
  uint64_t flushes = 0;
  uint64_t compactions = 0;
  uint64_t compaction_bytes_read = 0;
  uint64_t compaction_bytes_written = 0;
};

// A set of writes applied atomically by Store::Write.
class WriteBatch {
 public:
  WriteBatch();
  ~WriteBatch();
  WriteBatch(const WriteBatch&) = delete;
  WriteBatch& operator=(const WriteBatch&) = delete;

  void Put(Family family, std::string_view key, std::string_view value);
  // Serializes `message` straight into the batch.
  void PutMessage(Family family, std::string_view key,
                  const google::protobuf::MessageLite& message);
  void Delete(Family family, std::string_view key);
  // Adds a merge operand to the record at `key`, for the families that
  // have a merge operator: only Family::kSuggestions, whose operands are
  // SuggestionShown messages over an existing record
  // (storage/suggestion_merge.h).
  void Merge(Family family, std::string_view key, std::string_view operand);
  // Deletes every key in [begin, end) of `family` (one range tombstone,
  // whatever the number of keys).
  void DeleteRange(Family family, std::string_view begin, std::string_view end);
  // Makes room for `ops` more writes of about `bytes` (keys and values) in
  // all, so that a large batch is not copied as it grows.
  void Reserve(int ops, size_t bytes);
  int Count() const;
  size_t ByteSize() const;

 private:
  friend class Store;
  enum class OpType : char { kPut, kDelete, kDeleteRange, kMerge };
  static constexpr size_t kOpHeaderBytes = 2 + 2 * sizeof(uint32_t);
  // Appends the header and key of an operation; its value, if any, follows.
  void AppendOp(Family family, OpType type, std::string_view key,
                size_t value_size);

  // The operations one after the other in one buffer, so that a batch of
  // thousands of records costs a few allocations rather than two per
  // record: each is the family and type (a byte each), the key size and the
  // value size (4 bytes each, native order), the key, then the value (none
  // for a delete; the end of the range for a range delete).
  std::string rep_;
  int count_ = 0;
  size_t bytes_ = 0;  // keys and values
};

// Owns the RocksDB database of one Maillage server.
//
// Thread-safe: every method may be called concurrently (RocksDB serialises
// writes and groups concurrent commits). Not copyable.
//
// Durability of an acknowledged write (Write returned OK):
//  - Options::sync_writes = true (the default): the write-ahead log was
//    fsync'ed before Write returned, so the write survives a process crash
//    and a machine crash or power loss.
//  - sync_writes = false: the write is in the WAL in the operating system's
//    page cache; it survives a crash of the process (kill -9) but the last
//    writes may be lost if the machine itself crashes.
//
// A full disk never stops the process: writes are refused with
// RESOURCE_EXHAUSTED (DiskFullError) while reads go on, and come back by
// themselves once space is freed (see Options::min_free_disk_bytes and
// CheckWrites). Errors returned by the methods name no file: RocksDB's own
// message, which does, goes to the server log (stderr).
// Memory the server holds outside RocksDB for a while (a weight-learning
// round's examples), charged to the store's cache as the memtables are
// (Store::ChargeMemory): while it is charged, cached blocks give up as much
// room, so that the process's resident memory stays near the cache's
// capacity instead of rising by the charge. Releases the charge when
// destroyed. Not thread-safe: one owner.
//
// The charge is held as pinned value-less entries of kEntryBytes, each with
// a key of its own, as RocksDB's WriteBufferManager charges the memtables:
// the cache is split into shards that each evict only within their own
// share of the capacity, so one entry of the whole charge would empty one
// shard and leave every other shard's blocks where they were.
class MemoryCharge {
 public:
  static constexpr size_t kEntryBytes = size_t{256} << 10;

  explicit MemoryCharge(std::shared_ptr<rocksdb::Cache> cache);
  ~MemoryCharge();
  MemoryCharge(const MemoryCharge&) = delete;
  MemoryCharge& operator=(const MemoryCharge&) = delete;

  // Charges `bytes` from now on, in place of what was charged before
  // (rounded up to whole MiB, so that small changes cost nothing).
  void Set(size_t bytes);
  size_t charged_bytes() const { return entries_.size() * kEntryBytes; }

 private:
  std::shared_ptr<rocksdb::Cache> cache_;
  std::vector<void*> entries_;  // the pinned rocksdb::Cache::Handles
};

class Store {
 public:
  struct Options {
    // Folder of the database; created (with parents) when missing if
    // create_if_missing is set.
    std::string path;
    bool create_if_missing = true;
    bool sync_writes = true;
    // RocksDB's memory, in one LRU cache shared by every family, of
    // block_cache_bytes + memtable_bytes: the blocks read (data, index and
    // filters) and the memtables, whose memory is charged to the cache (a
    // WriteBufferManager). memtable_bytes is the room expected for them;
    // their size is bounded by each family's write buffer and by the WAL
    // cap (min_free_disk_bytes). Once the store has been read for a while
    // the cache is full, so RocksDB's share of the resident memory stays at
    // its capacity while memtables fill and flush: what they do not use
    // holds blocks.
    size_t block_cache_bytes = size_t{256} << 20;
    size_t memtable_bytes = size_t{128} << 20;
    // Free space kept on the store's filesystem: a write that would leave
    // less is refused (DiskFullError), so that RocksDB always has room to
    // flush its memtables and to compact. It also caps RocksDB's write-ahead
    // log at half of it (at most 256 MiB), so that one flush always fits.
    // The default covers RocksDB's default write buffers and a compaction
    // of its first levels.
    uint64_t min_free_disk_bytes = uint64_t{512} << 20;
    // What RocksDB's flushes and compactions may write a second while the
    // limit is on (LimitBackgroundWrites; RocksDB's GenericRateLimiter,
    // flushes first): a compaction paced so spreads its CPU over more
    // seconds at a lower intensity. 0: never limited. The limit starts off.
    uint64_t background_write_bytes_per_second = 0;
    // How the free space is read; statvfs on `path` when empty. Tests give
    // their own to simulate a full disk.
    DiskSpaceGuard::Probe disk_probe;
  };

  // Whether writes are accepted, for the health service.
  enum class WriteState {
    kWritable,
    // Refused for lack of disk space; they come back when space is freed.
    kDiskFull,
    // RocksDB stopped writing after another error (see the server log);
    // the store reopens the database at the next CheckWrites.
    kStopped,
  };

  // Opens (or creates) the store. Fails with FailedPrecondition when the
  // store was written by a newer schema version, with the two versions in the
  // message. A store of an older version is migrated first (resumably: an
  // interrupted migration goes on at the next Open), and the number of
  // records moved is logged. When there is no room to replay the write-ahead
  // log, the store opens for reads only and refuses writes until there is.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const Options& options);

  // Flushes nothing that is not already durable; closes the database cleanly.
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // The value at `key`, or nullopt when absent.
  absl::StatusOr<std::optional<std::string>> Get(Family family,
                                                 std::string_view key) const;
  // Parses the value at `key` into `message`. Returns false when absent;
  // DataLoss when the stored bytes do not parse.
  absl::StatusOr<bool> GetMessage(Family family, std::string_view key,
                                  google::protobuf::MessageLite* message) const;
  // Values of several keys of one family, nullopt for absent ones, in order.
  absl::StatusOr<std::vector<std::optional<std::string>>> MultiGet(
      Family family, const std::vector<std::string>& keys) const;
  absl::StatusOr<std::vector<std::optional<std::string>>> MultiGet(
      Family family, const std::vector<std::string_view>& keys) const;

  // Calls `visit(key, value)` for every key in [start, end) in byte order
  // (end empty: to the end of the family) until it returns false. Reads a
  // consistent snapshot. `visit` must not call Write (the scan holds the
  // database open, and a write may need to reopen it).
  absl::Status Scan(
      Family family, std::string_view start, std::string_view end,
      const std::function<bool(std::string_view key, std::string_view value)>&
          visit) const;

  // The last key of a family in byte order, or nullopt when it is empty.
  absl::StatusOr<std::optional<std::string>> LastKey(Family family) const;

  // Applies `batch` atomically, durable as the class comment says. `sync`
  // false overrides the store's policy for records that can be lost in a
  // machine crash without harm (e.g. the log of served suggestions).
  // Fails with DiskFullError, and writes nothing, when the disk is full.
  absl::Status Write(const WriteBatch& batch, bool sync = true);

  // Reads the free space now and, when RocksDB stopped after an error and
  // there is room again, reopens the database (at most once a second; reads
  // wait meanwhile). Returns whether writes are accepted. Cheap when nothing
  // is wrong; meant to be polled.
  WriteState CheckWrites();

  // Makes deletions and overwrites so far physical (personal data erasure):
  // flushes every family's memtable (so that the write-ahead log files
  // holding the old values are no longer needed and are deleted), then
  // rewrites every table file of `families` down to the last level, which
  // drops the deleted and overwritten values, and waits (at most `wait`)
  // until the files that held them are gone from the folder. Writes go on
  // meanwhile. FAILED_PRECONDITION when an obsolete file is still held
  // after `wait` (a long scan pins it; it goes when the scan ends);
  // RESOURCE_EXHAUSTED when the disk is full.
  absl::Status ErasePhysically(const std::vector<Family>& families,
                               absl::Duration wait = absl::Seconds(10));

  // Makes a point-in-time copy of the database in `dir`, which must not
  // exist (its parent must): table files are hard links when `dir` is on
  // the store's filesystem, copies otherwise; the live write-ahead log is
  // copied. The memtables are flushed first while writes go on, so that
  // the log is short; then writes wait while the copy is made
  // (milliseconds). Returns the sequence number of the copy's last write:
  // it holds every write acknowledged before the copy began, and none
  // after. The copy opens as a store of its own (BackupFolder backs it up).
  absl::StatusOr<uint64_t> CreateCheckpoint(const std::string& dir);

  // The sequence number of the last write applied (RocksDB's; it also
  // counts the store's own bookkeeping writes). 0 when the database is
  // closed after an error.
  uint64_t LastSequence() const;

  // A charge of memory held outside RocksDB to the store's cache (see
  // MemoryCharge), starting at 0 bytes. It may outlive the store.
  std::unique_ptr<MemoryCharge> ChargeMemory() const;

  // Turns the limit on RocksDB's flushes and compactions
  // (Options::background_write_bytes_per_second) on or off; nothing when
  // that option is 0. Thread-safe; cheap when nothing changes.
  void LimitBackgroundWrites(bool limited);
  // What flushes and compactions are held to now, bytes a second; 0 when
  // they are not limited.
  uint64_t BackgroundWriteRate() const;
  // Whether compactions are falling behind the writes, so that a limit on
  // them would soon make RocksDB slow writes down: some family's level 0
  // holds at least halfway from the file count that starts a compaction to
  // the one at which RocksDB slows writes, or RocksDB delays or stops writes
  // now. A few property reads; meant to be polled.
  bool CompactionsFallingBehind() const;

  // Approximate number of keys in a family (RocksDB's estimate).
  uint64_t EstimateKeys(Family family) const;
  // RocksDB's figures now (zeros while the database cannot be opened).
  // Cheap: a few property reads; meant for each metrics scrape.
  StoreFigures Figures() const;

  // "rocksdb at /path (schema 1, sync writes)" for the start-up log.
  std::string Describe() const;
  const Options& options() const { return options_; }

 private:
  struct Setup;
  class Database;
  class ErrorListener;
  class ActivityListener;

  Store(Options options, std::unique_ptr<Setup> setup,
        std::unique_ptr<Database> database,
        std::unique_ptr<DiskSpaceGuard> guard,
        std::shared_ptr<ErrorListener> errors);
  // Records the schema version in a new store; refuses a newer one;
  // migrates an older one.
  absl::Status CheckSchemaVersion();
  // Brings a store of schema `from` to kSchemaVersion, then records it.
  absl::Status Migrate(int from);
  // The open database, or Unavailable when the last reopen failed. Needs
  // db_mu_, shared, for as long as the result is used.
  absl::StatusOr<const Database*> CurrentLocked() const;
  // OK when a write of `bytes` may go to RocksDB: the guard admits it and
  // RocksDB is not stopped (or could be recovered).
  absl::Status AdmitWrite(uint64_t bytes);
  static rocksdb::Status ConvertBatch(const WriteBatch& batch,
                                      const Database& database,
                                      rocksdb::WriteBatch* out);
  // When RocksDB stopped after an error and the disk has room, reopens the
  // database; at most one attempt a second, one thread at a time. Returns
  // whether RocksDB accepts writes.
  bool RecoverIfStopped();
  // Closes the database and opens it again; when it cannot be opened for
  // writing, opens it read-only (so that reads go on) and returns why.
  rocksdb::Status Reopen();
  // The error for a write while RocksDB is stopped.
  absl::Status StoppedError() const;

  const Options options_;
  const std::unique_ptr<Setup> setup_;
  const std::unique_ptr<DiskSpaceGuard> guard_;
  const std::shared_ptr<ErrorListener> errors_;  // also held by RocksDB

  // Shared by every write while it is applied, exclusive while a
  // checkpoint is made (CreateCheckpoint): taken before db_mu_.
  mutable std::shared_mutex write_gate_;

  // Shared by every use of the database, exclusive to replace it.
  mutable std::shared_mutex db_mu_;
  std::unique_ptr<Database> database_ ABSL_GUARDED_BY(db_mu_);

  std::mutex recover_mu_;  // one recovery attempt at a time
  absl::Time last_recovery_ ABSL_GUARDED_BY(recover_mu_) = absl::InfinitePast();
  uint64_t logged_stop_ ABSL_GUARDED_BY(recover_mu_) = 0;  // last one logged
};

// RESOURCE_EXHAUSTED "the server's disk is full: …", with a
// google.rpc.RetryInfo detail: what every write refused for lack of space
// returns.
absl::Status DiskFullError();

}  // namespace maillage::storage

#endif  // MAILLAGE_STORAGE_STORE_H_

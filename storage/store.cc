#include "storage/store.h"

#include <algorithm>
#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <set>
#include <thread>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "google/rpc/error_details.pb.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/env.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/listener.h"
#include "rocksdb/metadata.h"
#include "rocksdb/rate_limiter.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/sst_file_manager.h"
#include "rocksdb/statistics.h"
#include "rocksdb/table.h"
#include "rocksdb/transaction_log.h"
#include "rocksdb/utilities/checkpoint.h"
#include "rocksdb/write_batch.h"
#include "rocksdb/write_buffer_manager.h"
#include "storage/keys.h"
#include "storage/migration.h"
#include "storage/suggestion_merge.h"

namespace maillage::storage {
namespace {

constexpr int kFamilyCount = static_cast<int>(Family::kCount);
constexpr char kDiskFullMessage[] =
    "the server's disk is full: writes are refused until space is freed; "
    "reads still work";
// What a refused client is told to wait before retrying.
constexpr int kDiskFullRetrySeconds = 10;
// RocksDB's own cap on its write-ahead log, which the reserve may lower.
constexpr uint64_t kMaxWalBytes = uint64_t{256} << 20;
// Least time between two attempts to reopen RocksDB after an error: a
// reopen replays and flushes the write-ahead log while reads wait.
constexpr absl::Duration kRecoveryInterval = absl::Seconds(1);

// An error met while opening: the operator reads it at start-up, so it
// names the folder.
absl::Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return absl::OkStatus();
  std::string message = absl::StrCat(AsAbsl(what), ": ", s.ToString());
  if (s.IsNotFound()) return absl::NotFoundError(message);
  if (s.IsCorruption()) return absl::DataLossError(message);
  if (s.IsInvalidArgument()) return absl::InvalidArgumentError(message);
  if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
    return absl::FailedPreconditionError(
        absl::StrCat(message, " (is another server using this folder?)"));
  }
  return absl::UnavailableError(message);
}

void LogRocksError(std::string_view what, const rocksdb::Status& s) {
  base::Log(base::LogLevel::kError, "storage.error")
      .Add("operation", what)
      .Add("error", s.ToString());
}

// An error met while serving: it reaches clients, so it names no file;
// RocksDB's message, which does, goes to the server log.
absl::Status StorageError(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return absl::OkStatus();
  LogRocksError(what, s);
  std::string message =
      absl::StrCat("storage ", AsAbsl(what), " failed (",
                   s.IsCorruption() ? "corruption" : "I/O error",
                   "); details in the server log");
  if (s.IsCorruption()) return absl::DataLossError(message);
  return absl::UnavailableError(message);
}

// RocksDB's diagnostics, warnings and errors only, in the server's log
// (event "rocksdb", level warning).
//
// It replaces RocksDB's LOG file in the data folder on purpose: RocksDB 7.8
// (Debian 12, built with assertions) aborts the process when it writes again
// to its LOG file after a failed write, which a full disk causes; the
// upstream fix came in 8.3. The server's stderr is not on the data disk.
class StderrLogger : public rocksdb::Logger {
 public:
  StderrLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    char line[1024];
    int n = std::vsnprintf(line, sizeof(line), format, ap);
    if (n < 0) return;
    size_t size = std::min(static_cast<size_t>(n), sizeof(line) - 1);
    while (size > 0 && line[size - 1] == '\n') --size;
    base::Log(base::LogLevel::kWarning, "rocksdb")
        .Add("message", std::string_view(line, size));
  }
};

// "memtable_full", "wal_full", … for the flush log.
std::string_view FlushReasonName(rocksdb::FlushReason reason) {
  using R = rocksdb::FlushReason;
  switch (reason) {
    case R::kWriteBufferFull:
      return "memtable_full";
    case R::kWriteBufferManager:
      return "memory_budget";
    case R::kWalFull:
      return "wal_full";
    case R::kManualFlush:
    case R::kManualCompaction:
      return "manual";
    case R::kShutDown:
      return "shutdown";
    case R::kGetLiveFiles:
      return "backup";
    case R::kErrorRecovery:
    case R::kErrorRecoveryRetryFlush:
      return "error_recovery";
    default:
      return "other";
  }
}

// "level_l0_files", "manual", … for the compaction log.
std::string_view CompactionReasonName(rocksdb::CompactionReason reason) {
  using R = rocksdb::CompactionReason;
  switch (reason) {
    case R::kLevelL0FilesNum:
      return "level0_files";
    case R::kLevelMaxLevelSize:
      return "level_size";
    case R::kManualCompaction:
      return "manual";
    case R::kFilesMarkedForCompaction:
      return "files_marked";
    case R::kBottommostFiles:
      return "bottommost_files";
    case R::kTtl:
      return "ttl";
    case R::kFlush:
      return "flush";
    case R::kPeriodicCompaction:
      return "periodic";
    default:
      return "other";
  }
}

std::string_view StallConditionName(rocksdb::WriteStallCondition condition) {
  switch (condition) {
    case rocksdb::WriteStallCondition::kNormal:
      return "normal";
    case rocksdb::WriteStallCondition::kDelayed:
      return "delayed";
    case rocksdb::WriteStallCondition::kStopped:
      return "stopped";
  }
  return "normal";
}

// Bytes a batch adds to the write-ahead log (its records and their framing),
// for the disk space guard.
uint64_t WalBytes(const WriteBatch& batch) {
  return batch.ByteSize() + 8 * static_cast<uint64_t>(batch.Count()) + 32;
}

// warm_cache_on_flush: see WarmsTheCacheOnFlush.
rocksdb::ColumnFamilyOptions FamilyOptions(
    const std::shared_ptr<rocksdb::Cache>& cache, bool point_lookups,
    bool warm_cache_on_flush) {
  rocksdb::ColumnFamilyOptions cf;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  if (point_lookups) {
    // Gets by id dominate actors/contacts/requests: a bloom filter saves a
    // block read per level for absent keys (imports probe many new ids).
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10, false));
  }
  table.cache_index_and_filter_blocks = true;
  if (point_lookups) {
    // Imports probe many ids that do not exist yet: a memtable bloom filter
    // answers those without walking the skiplist.
    cf.memtable_whole_key_filtering = true;
    cf.memtable_prefix_bloom_size_ratio = 0.05;
  }
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  if (warm_cache_on_flush) {
    table.prepopulate_block_cache =
        rocksdb::BlockBasedTableOptions::PrepopulateBlockCache::kFlushOnly;
  }
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf.compression = rocksdb::kLZ4Compression;
  cf.bottommost_compression = rocksdb::kZSTD;
  return cf;
}

// ZSTD at the bottommost level saves disk for what is written once and
// kept; two kinds of family are better off with LZ4 at every level (the
// 80% soak, RELIABILITY.md "Soak", 30 minutes of compactions: 9.0 GB
// written for `suggestions` in 337 s, 2.5 GB for `events` in 143 s):
// - `events` and `audit`, logs whose keys only grow (a sequence, a time):
//   a flushed file never overlaps what is below it, so RocksDB can move it
//   down the levels without rewriting it, but only when the levels share a
//   compression. With ZSTD below, each move to the bottommost level
//   recompressed the file (107 MB of events about once a minute, 6-7 s of
//   a core each).
// - `suggestions` and its index, rewritten all the time (every served
//   suggestion folds into its record at each compaction): their L1 -> L2
//   compactions recompressed 180 MB with ZSTD in 13-16 s each.
void CompressWithLz4Only(rocksdb::ColumnFamilyOptions* cf) {
  cf->bottommost_compression = rocksdb::kDisableCompressionOption;
}

// A dashboard asks for the same suggestions again and again: each call adds
// one SuggestionShown operand per suggestion (storage/suggestion_merge.h),
// and a read folds every operand still above the record. Their number is
// bounded by the writer (core/lifecycle.h, kMaxOperandsPerRecord), not by
// RocksDB's max_successive_merges, which would count the operands in the
// memtable at every write (7% of the server's CPU in the profile of
// dashboards' repeated calls). Flushes and compactions combine them.
//
// Each operand of a record lands in the memtable's skiplist right before
// the record's previous operand. Inserting with a hint per key (the whole
// key is the hint's prefix) starts the search from where that key was
// last inserted instead of from the top of a 16 MiB skiplist, whose
// comparisons were 40% of a recorded call's write (perf of
// store_suggest_bench --recorded, 8 December: recorded calls 9-12% cheaper
// in process). It changes where an insert starts looking, not what is
// stored or read. RocksDB keeps one hint (about 250 bytes of the memtable)
// per key it holds, and ignores hints on writes grouped concurrently.
void ConfigureSuggestionMerges(rocksdb::ColumnFamilyOptions* cf) {
  cf->merge_operator = NewSuggestionMergeOperator();
  cf->max_successive_merges = 0;
  cf->memtable_insert_with_hint_prefix_extractor.reset(
      rocksdb::NewNoopTransform());
}

// The families that every recorded SuggestPartners call writes
// (`suggestions`, `events`) fill their memtables all the time under a
// dashboards' load. At RocksDB's default of 64 MiB each filled every 16-40
// s, and each flush gave its 64 MiB back at once: the two moved the
// server's resident memory by ~110 MiB, +-10% (RELIABILITY.md, "Soak"). At
// 16 MiB the swing halves (side-by-side trials: malloc's in-use range 95 ->
// 49 MiB, the same server CPU and p99). Up to 4 memtables, one being filled
// and three waiting for the flush thread, so that a flush slower than the
// few seconds a memtable takes to fill does not stop writes.
constexpr size_t kServingWritesMemtableBytes = size_t{16} << 20;

// `events` is among them as a log whose keys only grow: its flushed files
// move down the levels without being rewritten, so smaller memtables cost it
// more files but no more compaction.
bool UsesSmallMemtables(Family family) {
  return family == Family::kSuggestions || family == Family::kEvents;
}

void UseSmallMemtables(rocksdb::ColumnFamilyOptions* cf) {
  cf->write_buffer_size = kServingWritesMemtableBytes;
  cf->max_write_buffer_number = 4;
}

// `suggestions` is small (a few hundred MB) and rewritten all the time:
// records of the served suggestions whose score or explanation changed, and
// the operands of those shown again. Each L0 -> L1 compaction rewrites the
// whole of L1 (every flush spreads over every key), so how many bytes of
// flushes it takes at once sets how often L1 is rewritten: 8 memtables of
// 64 MiB instead of 4 halved that (the 80% soak, RELIABILITY.md "Soak": 45
// compactions wrote 9.0 GB in 30 minutes). The memtables are a quarter of
// that size now (UseSmallMemtables), so the trigger is four times as many
// files, the same bytes per compaction (measured: the same compactions,
// 310 MB in 21 s per 15 minutes of the trial, against 318 MB in 21 s).
// Reads see up to 32 more files, each behind a bloom filter kept in the
// cache (pin_l0_filter_and_index_blocks_in_cache); the write slowdown and
// stop move up with the trigger.
void CompactSuggestionsLessOften(rocksdb::ColumnFamilyOptions* cf) {
  constexpr int kTrigger =
      static_cast<int>(8 * (size_t{64} << 20) / kServingWritesMemtableBytes);
  cf->level0_file_num_compaction_trigger = kTrigger;
  cf->level0_slowdown_writes_trigger = 2 * kTrigger;
  cf->level0_stop_writes_trigger = 3 * kTrigger;
}

// RocksDB's GenericRateLimiter, applied only while switched on (the
// store's background write limit, Store::LimitBackgroundWrites).
//
// Why not one GenericRateLimiter whose rate is set high and low: the quota
// it grants and nobody uses carries over, up to a refill period's worth (100
// ms) of the rate in force, so after a switch from a high rate to 16 MiB/s
// the leftover let hundreds of MB through at full speed (the soak of
// 7 December 09:50: 300 MB compactions in 6 s, as unlimited). The limiter
// here always runs at the configured rate and is bypassed while off, so
// what it carries over is at most a period of that rate.
class SwitchedRateLimiter : public rocksdb::RateLimiter {
 public:
  explicit SwitchedRateLimiter(int64_t bytes_per_second)
      : limiter_(rocksdb::NewGenericRateLimiter(bytes_per_second)) {}

  void Switch(bool on) { on_.store(on, std::memory_order_relaxed); }
  bool on() const { return on_.load(std::memory_order_relaxed); }

  using rocksdb::RateLimiter::Request;
  // RocksDB asks here for every chunk a flush or compaction writes (the
  // base class filters out reads: writes only).
  void Request(int64_t bytes, rocksdb::Env::IOPriority priority,
               rocksdb::Statistics* stats) override {
    if (on()) limiter_->Request(bytes, priority, stats);
  }
  void SetBytesPerSecond(int64_t bytes_per_second) override {
    limiter_->SetBytesPerSecond(bytes_per_second);
  }
  // Writers cut their writes into chunks of this size at most.
  int64_t GetSingleBurstBytes() const override {
    return on() ? limiter_->GetSingleBurstBytes() : kUnlimitedBurstBytes;
  }
  int64_t GetTotalBytesThrough(
      rocksdb::Env::IOPriority priority) const override {
    return limiter_->GetTotalBytesThrough(priority);
  }
  int64_t GetTotalRequests(rocksdb::Env::IOPriority priority) const override {
    return limiter_->GetTotalRequests(priority);
  }
  // The configured rate, on or off.
  int64_t GetBytesPerSecond() const override {
    return limiter_->GetBytesPerSecond();
  }

 private:
  static constexpr int64_t kUnlimitedBurstBytes = int64_t{1} << 30;
  const std::unique_ptr<rocksdb::RateLimiter> limiter_;
  std::atomic<bool> on_{false};
};

// RocksDB's options for the store; `listeners` learn of its background
// errors, flushes, compactions and stalls; `statistics` counts what the
// metrics report (tickers only: no histogram nor timer on the write path).
rocksdb::DBOptions DatabaseOptions(
    const Store::Options& options, const std::shared_ptr<rocksdb::Cache>& cache,
    std::vector<std::shared_ptr<rocksdb::EventListener>> listeners,
    std::shared_ptr<rocksdb::Statistics> statistics) {
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = options.create_if_missing;
  db_options.create_missing_column_families = true;
  db_options.IncreaseParallelism(2);
  db_options.max_background_jobs = 2;
  // Compactions run at the lowest priority (nice 19): a large one (100 MB
  // rewritten with ZSTD in 4 s) took a whole core from the requests and
  // halved the server's throughput for those seconds in the soak. They
  // catch up in the time requests leave; if they fall far behind, RocksDB
  // slows writes (level0_slowdown_writes_trigger). Flushes (the HIGH pool)
  // keep their priority. Process-wide: RocksDB's default Env is shared.
  db_options.env->LowerThreadPoolCPUPriority(rocksdb::Env::Priority::LOW,
                                             rocksdb::CpuPriority::kLow);
  // Table files are synced a MiB at a time as they are written (RocksDB's
  // sync_file_range), rather than all at once when a flush or compaction
  // closes them: the durable writes' WAL fdatasync then does not wait behind
  // hundreds of MB of a compaction's dirty pages in the filesystem's
  // journal (on this machine's ext4, worst fdatasync beside a 300 MB file
  // written and synced: 82-86 ms at once, 45-47 ms a MiB at a time).
  db_options.bytes_per_sync = uint64_t{1} << 20;
  // Bounded WAL so that start-up replay stays short after a crash, and so
  // that flushing it always fits in the disk reserve.
  db_options.max_total_wal_size = std::clamp(options.min_free_disk_bytes / 2,
                                             uint64_t{1} << 20, kMaxWalBytes);
  // The memtables' memory is charged to the block cache (see
  // Options::memtable_bytes), so that RocksDB's memory stays at the cache's
  // capacity whatever the write load: what the memtables take, blocks give
  // up. Charged only, not capped (a buffer size of 0): a cap makes RocksDB
  // flush the family whose memtable is the oldest, mostly small ones, one
  // after the other (253 flushes in 11 minutes of the soak), for no gain
  // in latency or memory measured (RELIABILITY.md, "Soak").
  db_options.write_buffer_manager =
      std::make_shared<rocksdb::WriteBufferManager>(/*_buffer_size=*/0, cache);
  db_options.info_log = std::make_shared<StderrLogger>();
  // The store recovers from errors itself (see Store::ErrorListener).
  db_options.listeners = std::move(listeners);
  statistics->set_stats_level(rocksdb::StatsLevel::kExceptHistogramOrTimers);
  db_options.statistics = std::move(statistics);
  db_options.max_bgerror_resume_count = 0;
  if (options.background_write_bytes_per_second > 0) {
    // Off at open; Store::LimitBackgroundWrites switches it. The only
    // limiter the store ever gives RocksDB (Store casts back to it).
    db_options.rate_limiter = std::make_shared<SwitchedRateLimiter>(
        static_cast<int64_t>(options.background_write_bytes_per_second));
  }
  // Once RocksDB has met a full disk, it starts a compaction only when the
  // compaction leaves the reserve free (the guard keeps it from meeting one
  // in the first place; this is for space taken by someone else).
  db_options.sst_file_manager.reset(
      rocksdb::NewSstFileManager(rocksdb::Env::Default(), db_options.info_log));
  db_options.sst_file_manager->SetCompactionBufferSize(
      options.min_free_disk_bytes);
  return db_options;
}

// The families whose flushes put the blocks they write into the cache:
// those that serving writes all the time (each recorded SuggestPartners
// call: its suggestions, their index, their events), whose 64-MiB
// memtables fill and flush every 20-40 s under a dashboards' load. What was
// just written there is what is read next (a suggestion's next round, a
// watcher's events), and the memory the flushed memtable gives back
// (charged to the same cache) is taken at once by its own data, instead of
// staying free until reads refill the cache: without it, each flush took
// RocksDB's share of the resident memory down by the memtables' size, a
// sawtooth of +-10% of the server's RSS (RELIABILITY.md, "Soak"). Not the
// families imports write in bulk (actors, contacts): an import's flushes
// would push the blocks queries read out of the cache.
bool WarmsTheCacheOnFlush(Family family) {
  return family == Family::kSuggestions ||
         family == Family::kSuggestionsByActor || family == Family::kEvents;
}

std::vector<rocksdb::ColumnFamilyDescriptor> Families(
    const std::shared_ptr<rocksdb::Cache>& cache) {
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (int i = 0; i < kFamilyCount; ++i) {
    Family family = static_cast<Family>(i);
    bool point = family == Family::kActors || family == Family::kContacts ||
                 family == Family::kRequests || family == Family::kFacts ||
                 family == Family::kSuggestions ||
                 family == Family::kPartnerships;
    families.emplace_back(
        std::string(FamilyName(family)),
        FamilyOptions(cache, point, WarmsTheCacheOnFlush(family)));
    if (family == Family::kSuggestions) {
      ConfigureSuggestionMerges(&families.back().options);
      CompactSuggestionsLessOften(&families.back().options);
    }
    if (UsesSmallMemtables(family)) {
      UseSmallMemtables(&families.back().options);
    }
    if (family == Family::kEvents || family == Family::kAudit ||
        family == Family::kSuggestions ||
        family == Family::kSuggestionsByActor) {
      CompressWithLz4Only(&families.back().options);
    }
  }
  return families;
}

std::unique_ptr<DiskSpaceGuard> NewGuard(const Store::Options& options) {
  DiskSpaceGuard::Options guard;
  guard.path = options.path;
  guard.reserve_bytes = options.min_free_disk_bytes;
  if (options.disk_probe) {
    return std::make_unique<DiskSpaceGuard>(guard, options.disk_probe);
  }
  return std::make_unique<DiskSpaceGuard>(guard);
}

}  // namespace

// Flushes, compactions and write stalls, as RocksDB reports them through
// its event listener: logged, and counted for StoreFigures. Thread-safe:
// RocksDB calls it from its own threads.
class Store::ActivityListener : public rocksdb::EventListener {
 public:
  struct Counts {
    std::atomic<uint64_t> flushes{0};
    std::atomic<uint64_t> compactions{0};
    std::atomic<uint64_t> compaction_bytes_read{0};
    std::atomic<uint64_t> compaction_bytes_written{0};
    std::atomic<uint64_t> write_stalls{0};
  };

  const Counts& counts() const { return counts_; }

  void OnFlushCompleted(rocksdb::DB*,
                        const rocksdb::FlushJobInfo& info) override {
    counts_.flushes.fetch_add(1, std::memory_order_relaxed);
    base::Log(base::LogLevel::kInfo, "storage.flush")
        .Add("family", info.cf_name)
        .Add("reason", FlushReasonName(info.flush_reason))
        .Add("bytes", info.table_properties.data_size +
                          info.table_properties.index_size +
                          info.table_properties.filter_size);
  }

  void OnCompactionCompleted(rocksdb::DB*,
                             const rocksdb::CompactionJobInfo& info) override {
    counts_.compactions.fetch_add(1, std::memory_order_relaxed);
    counts_.compaction_bytes_read.fetch_add(info.stats.total_input_bytes,
                                            std::memory_order_relaxed);
    counts_.compaction_bytes_written.fetch_add(info.stats.total_output_bytes,
                                               std::memory_order_relaxed);
    base::Log(
        info.status.ok() ? base::LogLevel::kInfo : base::LogLevel::kWarning,
        "storage.compaction")
        .Add("family", info.cf_name)
        .Add("reason", CompactionReasonName(info.compaction_reason))
        .Add("input_level", info.base_input_level)
        .Add("output_level", info.output_level)
        .Add("input_files", info.input_files.size())
        .Add("output_files", info.output_files.size())
        .Add("bytes_read", info.stats.total_input_bytes)
        .Add("bytes_written", info.stats.total_output_bytes)
        .Add("seconds", static_cast<double>(info.stats.elapsed_micros) / 1e6)
        .Add("status", info.status.ok() ? "OK" : info.status.ToString());
  }

  void OnStallConditionsChanged(const rocksdb::WriteStallInfo& info) override {
    using C = rocksdb::WriteStallCondition;
    const bool stalls = info.condition.cur != C::kNormal;
    if (stalls && info.condition.prev == C::kNormal) {
      counts_.write_stalls.fetch_add(1, std::memory_order_relaxed);
    }
    base::Log(stalls ? base::LogLevel::kWarning : base::LogLevel::kInfo,
              "storage.write_stall")
        .Add("family", info.cf_name)
        .Add("condition", StallConditionName(info.condition.cur))
        .Add("previous", StallConditionName(info.condition.prev));
  }

 private:
  Counts counts_;
};

// How the database is opened; kept to reopen it after an error (the
// listeners and statistics carry on across reopens).
struct Store::Setup {
  std::string path;
  std::shared_ptr<rocksdb::Cache> cache;  // blocks, memtables, charges
  rocksdb::DBOptions db_options;
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  std::shared_ptr<ActivityListener> activity;
  std::shared_ptr<rocksdb::Statistics> statistics;
};

// An open RocksDB database and its column families, closed when destroyed.
class Store::Database {
 public:
  // Opens the database `setup` describes. Read-only, it replays the
  // write-ahead log in memory and writes nothing to the disk.
  static rocksdb::Status Open(const Setup& setup, bool read_only,
                              std::unique_ptr<Database>* out) {
    rocksdb::DB* db = nullptr;
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::Status s =
        read_only ? rocksdb::DB::OpenForReadOnly(setup.db_options, setup.path,
                                                 setup.families, &handles, &db)
                  : rocksdb::DB::Open(setup.db_options, setup.path,
                                      setup.families, &handles, &db);
    if (s.ok()) out->reset(new Database(db, std::move(handles), read_only));
    return s;
  }

  ~Database() {
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
    // Close() waits for background work; the WAL already holds every
    // acknowledged write, so nothing is flushed here on purpose.
    db_->Close().PermitUncheckedError();
    delete db_;
  }

  rocksdb::DB* db() const { return db_; }
  rocksdb::ColumnFamilyHandle* handle(Family family) const {
    return handles_[static_cast<int>(family)];
  }
  bool read_only() const { return read_only_; }

 private:
  Database(rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*> handles,
           bool read_only)
      : db_(db), handles_(std::move(handles)), read_only_(read_only) {}

  rocksdb::DB* const db_;
  const std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  const bool read_only_;
};

// What RocksDB reports through its event listener: whether it stopped
// writing after a background error (a flush or a log write that met a full
// disk, an I/O error), and whether for lack of space. Thread-safe: RocksDB
// calls it from its own threads.
//
// RocksDB's own recovery is turned off: in 7.8, DB::Resume() keeps using a
// write-ahead log file whose write failed when every memtable is empty, and
// the next write then aborts the process (the same assertion as the LOG
// file's; fixed upstream in 9.x). The store recovers the way a restart
// does, by reopening the database (Store::RecoverIfStopped).
class Store::ErrorListener : public rocksdb::EventListener {
 public:
  struct State {
    bool stopped = false;
    bool no_space = false;
    // Counts stops, so that a recovery clears only the stop it saw.
    uint64_t stops = 0;
  };

  State state() const {
    std::lock_guard lock(mu_);
    return state_;
  }

  void Stopped(bool no_space) {
    std::lock_guard lock(mu_);
    state_.stopped = true;
    state_.no_space = no_space;
    ++state_.stops;
  }

  // Clears the stop numbered `stops` (not a later one).
  void Recovered(uint64_t stops) {
    std::lock_guard lock(mu_);
    if (state_.stops == stops) state_.stopped = false;
  }

  // Soft errors (a compaction that met a full disk) do not stop writes;
  // RocksDB then starts a compaction only when it leaves the reserve free.
  void OnBackgroundError(rocksdb::BackgroundErrorReason reason,
                         rocksdb::Status* error) override {
    LogRocksError("background error", *error);
    if (error->severity() >= rocksdb::Status::Severity::kHardError) {
      Stopped(error->IsNoSpace());
    }
  }

  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason reason,
                            rocksdb::Status error,
                            bool* auto_recovery) override {
    *auto_recovery = false;
  }

 private:
  mutable std::mutex mu_;
  State state_ ABSL_GUARDED_BY(mu_);
};

std::string_view FamilyName(Family family) {
  switch (family) {
    case Family::kMeta:
      return rocksdb::kDefaultColumnFamilyName;
    case Family::kActors:
      return "actors";
    case Family::kContacts:
      return "contacts";
    case Family::kRequests:
      return "requests";
    case Family::kTerritories:
      return "territories";
    case Family::kFacts:
      return "facts";
    case Family::kFactsByTerritory:
      return "facts_by_territory";
    case Family::kSuggestions:
      return "suggestions";
    case Family::kSuggestionsByActor:
      return "suggestions_by_actor";
    case Family::kPartnerships:
      return "partnerships";
    case Family::kPartnershipsByActor:
      return "partnerships_by_actor";
    case Family::kEvents:
      return "events";
    case Family::kApiKeys:
      return "api_keys";
    case Family::kAudit:
      return "audit";
    case Family::kCount:
      break;
  }
  return "?";
}

WriteBatch::WriteBatch() = default;
WriteBatch::~WriteBatch() = default;

void WriteBatch::AppendOp(Family family, OpType type, std::string_view key,
                          size_t value_size) {
  char header[kOpHeaderBytes];
  header[0] = static_cast<char>(family);
  header[1] = static_cast<char>(type);
  uint32_t sizes[2] = {static_cast<uint32_t>(key.size()),
                       static_cast<uint32_t>(value_size)};
  std::memcpy(header + 2, sizes, sizeof(sizes));
  rep_.append(header, sizeof(header));
  rep_.append(key.data(), key.size());
  ++count_;
  bytes_ += key.size() + value_size;
}

void WriteBatch::Put(Family family, std::string_view key,
                     std::string_view value) {
  AppendOp(family, OpType::kPut, key, value.size());
  rep_.append(value.data(), value.size());
}

void WriteBatch::PutMessage(Family family, std::string_view key,
                            const google::protobuf::MessageLite& message) {
  size_t size = message.ByteSizeLong();
  AppendOp(family, OpType::kPut, key, size);
  size_t at = rep_.size();
  rep_.resize(at + size);
  message.SerializeWithCachedSizesToArray(
      reinterpret_cast<uint8_t*>(rep_.data() + at));
}

void WriteBatch::Delete(Family family, std::string_view key) {
  AppendOp(family, OpType::kDelete, key, 0);
}

void WriteBatch::Merge(Family family, std::string_view key,
                       std::string_view operand) {
  AppendOp(family, OpType::kMerge, key, operand.size());
  rep_.append(operand.data(), operand.size());
}

void WriteBatch::DeleteRange(Family family, std::string_view begin,
                             std::string_view end) {
  AppendOp(family, OpType::kDeleteRange, begin, end.size());
  rep_.append(end.data(), end.size());
}

void WriteBatch::Reserve(int ops, size_t bytes) {
  rep_.reserve(rep_.size() + ops * kOpHeaderBytes + bytes);
}

int WriteBatch::Count() const { return count_; }
size_t WriteBatch::ByteSize() const { return bytes_; }

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const Options& options) {
  if (options.path.empty()) {
    return absl::InvalidArgumentError("store path is empty");
  }
  std::error_code ec;
  if (options.create_if_missing) {
    std::filesystem::create_directories(options.path, ec);
    if (ec) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot create data folder ", options.path, ": ", ec.message()));
    }
  }

  auto errors = std::make_shared<ErrorListener>();
  auto activity = std::make_shared<ActivityListener>();
  auto statistics = rocksdb::CreateDBStatistics();
  auto cache =
      rocksdb::NewLRUCache(options.block_cache_bytes + options.memtable_bytes);
  auto setup = std::make_unique<Setup>(
      Setup{options.path, cache,
            DatabaseOptions(options, cache, {errors, activity}, statistics),
            Families(cache), activity, statistics});
  std::unique_ptr<Database> database;
  rocksdb::Status s = Database::Open(*setup, /*read_only=*/false, &database);
  if (s.IsNoSpace()) {
    // No room to replay the write-ahead log: serve reads, and refuse writes
    // until there is room (RecoverIfStopped reopens for writing).
    LogRocksError("open", s);
    errors->Stopped(/*no_space=*/true);
    s = Database::Open(*setup, /*read_only=*/true, &database);
  }
  if (!s.ok()) {
    // A store from a newer build may hold families this build does not know.
    if (s.IsInvalidArgument() &&
        s.ToString().find("column famil") != std::string::npos) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot open store at ", options.path, ": ",
                       s.ToString(), " (written by a newer Maillage?)"));
    }
    return FromRocks(s, absl::StrCat("cannot open store at ", options.path));
  }
  std::unique_ptr<Store> store(new Store(options, std::move(setup),
                                         std::move(database), NewGuard(options),
                                         std::move(errors)));
  RETURN_IF_ERROR(store->CheckSchemaVersion());
  return store;
}

Store::Store(Options options, std::unique_ptr<Setup> setup,
             std::unique_ptr<Database> database,
             std::unique_ptr<DiskSpaceGuard> guard,
             std::shared_ptr<ErrorListener> errors)
    : options_(std::move(options)),
      setup_(std::move(setup)),
      guard_(std::move(guard)),
      errors_(std::move(errors)),
      database_(std::move(database)) {}

Store::~Store() = default;

absl::Status Store::CheckSchemaVersion() {
  ASSIGN_OR_RETURN(std::optional<std::string> version,
                   Get(Family::kMeta, keys::kSchemaVersion));
  if (!version.has_value()) {
    WriteBatch batch;
    batch.Put(Family::kMeta, keys::kSchemaVersion,
              absl::StrCat(kSchemaVersion));
    return Write(batch);
  }
  int stored = 0;
  if (!absl::SimpleAtoi(*version, &stored)) {
    return absl::DataLossError(absl::StrCat("store at ", options_.path,
                                            " has an unreadable schema "
                                            "version: '",
                                            *version, "'"));
  }
  if (stored > kSchemaVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat("store at ", options_.path, " has schema version ", stored,
                     ", newer than the version ", kSchemaVersion,
                     " this server understands; run a newer Maillage on it"));
  }
  if (stored < kSchemaVersion) return Migrate(stored);
  return absl::OkStatus();
}

absl::Status Store::Migrate(int from) {
  if (from < 1 || from > 2) {
    return absl::FailedPreconditionError(
        absl::StrCat("store at ", options_.path, " has schema version ", from,
                     ", which this server cannot migrate"));
  }
  absl::Time start = absl::Now();
  // From 2 to 3 only the version changes (see kSchemaVersion).
  absl::StatusOr<int64_t> moved =
      from == 1 ? MigrateToWorkspaces(this) : absl::StatusOr<int64_t>(0);
  if (!moved.ok()) {
    return absl::Status(
        moved.status().code(),
        absl::StrCat(
            "migrating store at ", options_.path, " to schema ", kSchemaVersion,
            " (it resumes at the next start): ", moved.status().message()));
  }
  WriteBatch batch;
  batch.Put(Family::kMeta, keys::kSchemaVersion, absl::StrCat(kSchemaVersion));
  RETURN_IF_ERROR(Write(batch));
  base::Log(base::LogLevel::kInfo, "storage.migrated")
      .Add("from_schema", from)
      .Add("to_schema", kSchemaVersion)
      .Add("records_moved", *moved)
      .Add("workspace", keys::kDefaultWorkspace)
      .Add("seconds", absl::ToDoubleSeconds(absl::Now() - start));
  return absl::OkStatus();
}

absl::StatusOr<const Store::Database*> Store::CurrentLocked() const {
  if (database_ == nullptr) {
    return absl::UnavailableError(
        "the store cannot be opened after a storage error (details in the "
        "server log); it is retried every second");
  }
  return database_.get();
}

absl::StatusOr<std::optional<std::string>> Store::Get(
    Family family, std::string_view key) const {
  std::shared_lock lock(db_mu_);
  ASSIGN_OR_RETURN(const Database* database, CurrentLocked());
  std::string value;
  rocksdb::Status s =
      database->db()->Get(rocksdb::ReadOptions(), database->handle(family),
                          rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return StorageError(s, "get");
  return std::optional<std::string>(std::move(value));
}

absl::StatusOr<bool> Store::GetMessage(
    Family family, std::string_view key,
    google::protobuf::MessageLite* message) const {
  std::shared_lock lock(db_mu_);
  ASSIGN_OR_RETURN(const Database* database, CurrentLocked());
  rocksdb::PinnableSlice value;
  rocksdb::Status s =
      database->db()->Get(rocksdb::ReadOptions(), database->handle(family),
                          rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return false;
  if (!s.ok()) return StorageError(s, "get");
  if (!message->ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return absl::DataLossError(absl::StrCat("unparsable record in ",
                                            AsAbsl(FamilyName(family)),
                                            " at key '", AsAbsl(key), "'"));
  }
  return true;
}

absl::StatusOr<std::vector<std::optional<std::string>>> Store::MultiGet(
    Family family, const std::vector<std::string>& keys) const {
  return MultiGet(family,
                  std::vector<std::string_view>(keys.begin(), keys.end()));
}

absl::StatusOr<std::vector<std::optional<std::string>>> Store::MultiGet(
    Family family, const std::vector<std::string_view>& keys) const {
  std::vector<rocksdb::Slice> slices;
  slices.reserve(keys.size());
  for (std::string_view k : keys) slices.emplace_back(k.data(), k.size());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  {
    std::shared_lock lock(db_mu_);
    ASSIGN_OR_RETURN(const Database* database, CurrentLocked());
    database->db()->MultiGet(rocksdb::ReadOptions(), database->handle(family),
                             slices.size(), slices.data(), values.data(),
                             statuses.data());
  }
  std::vector<std::optional<std::string>> out(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;
    if (!statuses[i].ok()) return StorageError(statuses[i], "multiget");
    out[i] = values[i].ToString();
  }
  return out;
}

absl::Status Store::Scan(
    Family family, std::string_view start, std::string_view end,
    const std::function<bool(std::string_view, std::string_view)>& visit)
    const {
  rocksdb::ReadOptions read;
  // Scans read long runs of blocks (start-up, exports): read ahead, and do
  // not evict the point lookups' working set from the block cache.
  read.readahead_size = size_t{2} << 20;
  read.fill_cache = false;
  rocksdb::Slice upper(end.data(), end.size());
  if (!end.empty()) read.iterate_upper_bound = &upper;
  std::shared_lock lock(db_mu_);
  ASSIGN_OR_RETURN(const Database* database, CurrentLocked());
  std::unique_ptr<rocksdb::Iterator> it(
      database->db()->NewIterator(read, database->handle(family)));
  for (it->Seek(rocksdb::Slice(start.data(), start.size())); it->Valid();
       it->Next()) {
    rocksdb::Slice k = it->key();
    rocksdb::Slice v = it->value();
    if (!visit(std::string_view(k.data(), k.size()),
               std::string_view(v.data(), v.size()))) {
      break;
    }
  }
  return StorageError(it->status(), "scan");
}

absl::StatusOr<std::optional<std::string>> Store::LastKey(Family family) const {
  std::shared_lock lock(db_mu_);
  ASSIGN_OR_RETURN(const Database* database, CurrentLocked());
  std::unique_ptr<rocksdb::Iterator> it(database->db()->NewIterator(
      rocksdb::ReadOptions(), database->handle(family)));
  it->SeekToLast();
  if (!it->status().ok()) return StorageError(it->status(), "seek");
  if (!it->Valid()) return std::optional<std::string>();
  return std::optional<std::string>(it->key().ToString());
}

rocksdb::Status Store::ConvertBatch(const WriteBatch& batch,
                                    const Database& database,
                                    rocksdb::WriteBatch* out) {
  const char* p = batch.rep_.data();
  const char* end = p + batch.rep_.size();
  while (p < end) {
    Family family = static_cast<Family>(p[0]);
    auto type = static_cast<WriteBatch::OpType>(p[1]);
    uint32_t sizes[2];
    std::memcpy(sizes, p + 2, sizeof(sizes));
    p += WriteBatch::kOpHeaderBytes;
    rocksdb::Slice key(p, sizes[0]);
    rocksdb::Slice value(p + sizes[0], sizes[1]);
    p += sizes[0] + sizes[1];
    rocksdb::ColumnFamilyHandle* h = database.handle(family);
    rocksdb::Status s;
    switch (type) {
      case WriteBatch::OpType::kPut:
        s = out->Put(h, key, value);
        break;
      case WriteBatch::OpType::kDelete:
        s = out->Delete(h, key);
        break;
      case WriteBatch::OpType::kDeleteRange:
        s = out->DeleteRange(h, key, value);
        break;
      case WriteBatch::OpType::kMerge:
        s = out->Merge(h, key, value);
        break;
    }
    if (!s.ok()) return s;
  }
  return rocksdb::Status::OK();
}

absl::Status Store::Write(const WriteBatch& batch, bool sync) {
  RETURN_IF_ERROR(AdmitWrite(WalBytes(batch)));
  std::shared_lock gate(write_gate_);
  std::shared_lock lock(db_mu_);
  ASSIGN_OR_RETURN(const Database* database, CurrentLocked());
  if (database->read_only()) return StoppedError();
  rocksdb::WriteBatch wb(batch.ByteSize() + 24 + 16 * batch.Count());
  rocksdb::Status s = ConvertBatch(batch, *database, &wb);
  if (!s.ok()) return StorageError(s, "batch");
  rocksdb::WriteOptions write;
  write.sync = options_.sync_writes && sync;
  s = database->db()->Write(write, &wb);
  if (s.ok()) return absl::OkStatus();
  // A failed log write stops RocksDB until the store recovers it.
  if (s.IsIOError()) errors_->Stopped(s.IsNoSpace());
  if (s.IsNoSpace()) {
    LogRocksError("write", s);
    return DiskFullError();
  }
  return StorageError(s, "write");
}

Store::WriteState Store::CheckWrites() {
  if (!guard_->Refresh()) return WriteState::kDiskFull;
  if (RecoverIfStopped()) return WriteState::kWritable;
  return errors_->state().no_space ? WriteState::kDiskFull
                                   : WriteState::kStopped;
}

absl::Status Store::AdmitWrite(uint64_t bytes) {
  if (!guard_->Admit(bytes)) return DiskFullError();
  if (!RecoverIfStopped()) return StoppedError();
  return absl::OkStatus();
}

bool Store::RecoverIfStopped() {
  ErrorListener::State state = errors_->state();
  if (!state.stopped) return true;
  std::unique_lock lock(recover_mu_, std::try_to_lock);
  if (!lock.owns_lock()) return false;  // another thread is at it
  absl::Time now = absl::Now();
  if (now - last_recovery_ < kRecoveryInterval) return false;
  last_recovery_ = now;
  if (!guard_->Refresh()) return false;  // no room to replay the log yet
  rocksdb::Status s = Reopen();
  if (!s.ok()) {
    if (logged_stop_ != state.stops) LogRocksError("reopen", s);
    logged_stop_ = state.stops;  // once per stop: this is retried every second
    return false;
  }
  errors_->Recovered(state.stops);
  base::Log(base::LogLevel::kInfo, "storage.reopened")
      .Add("message", "database reopened for writing");
  return !errors_->state().stopped;
}

rocksdb::Status Store::Reopen() {
  std::unique_lock lock(db_mu_);
  database_.reset();  // one read-write instance per folder at a time
  rocksdb::Status s = Database::Open(*setup_, /*read_only=*/false, &database_);
  if (s.ok()) return s;
  rocksdb::Status read_only =
      Database::Open(*setup_, /*read_only=*/true, &database_);
  if (!read_only.ok()) LogRocksError("reopen for reads", read_only);
  return s;
}

absl::Status Store::StoppedError() const {
  if (errors_->state().no_space) return DiskFullError();
  return absl::UnavailableError(
      "the store stopped writing after a storage error (details in the "
      "server log): writes are refused until it is cleared; reads still "
      "work");
}

namespace {

// Table and log files in `folder` that RocksDB no longer lists as live:
// deleted data they may hold is still on the disk.
std::vector<std::string> ObsoleteFiles(rocksdb::DB* db,
                                       const std::string& folder) {
  std::set<std::string> live;
  std::vector<rocksdb::LiveFileMetaData> tables;
  db->GetLiveFilesMetaData(&tables);
  for (const auto& t : tables) {
    live.insert(std::filesystem::path(t.name).filename().string());
  }
  // The log being written to (GetSortedWalFiles can fail while files are
  // being deleted).
  std::unique_ptr<rocksdb::LogFile> current;
  if (db->GetCurrentWalFile(&current).ok() && current != nullptr) {
    live.insert(std::filesystem::path(current->PathName()).filename().string());
  }
  rocksdb::VectorLogPtr logs;
  if (db->GetSortedWalFiles(logs).ok()) {
    for (const auto& log : logs) {
      if (log->Type() == rocksdb::kAliveLogFile) {
        live.insert(std::filesystem::path(log->PathName()).filename().string());
      }
    }
  }
  std::vector<std::string> obsolete;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    std::string name = entry.path().filename().string();
    bool table = absl::EndsWith(name, ".sst");
    bool log = absl::EndsWith(name, ".log") && name != "LOG";
    if ((table || log) && live.count(name) == 0) obsolete.push_back(name);
  }
  return obsolete;
}

}  // namespace

absl::Status Store::ErasePhysically(const std::vector<Family>& families,
                                    absl::Duration wait) {
  if (!guard_->Refresh()) return DiskFullError();
  std::shared_lock lock(db_mu_);
  ASSIGN_OR_RETURN(const Database* database, CurrentLocked());
  if (database->read_only()) return StoppedError();
  rocksdb::DB* db = database->db();
  std::vector<rocksdb::ColumnFamilyHandle*> all;
  for (int f = 0; f < kFamilyCount; ++f) {
    all.push_back(database->handle(static_cast<Family>(f)));
  }
  // Every family: a log file is deleted only once no family needs it.
  rocksdb::FlushOptions flush;
  flush.wait = true;
  flush.allow_write_stall = true;
  rocksdb::Status s = db->Flush(flush, all);
  if (!s.ok()) return StorageError(s, "flush");
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction =
      rocksdb::BottommostLevelCompaction::kForce;
  compact.exclusive_manual_compaction = false;
  for (Family family : families) {
    s = db->CompactRange(compact, database->handle(family), nullptr, nullptr);
    if (!s.ok()) return StorageError(s, "compaction");
  }
  absl::Time deadline = absl::Now() + wait;
  for (;;) {
    std::vector<std::string> left = ObsoleteFiles(db, options_.path);
    if (left.empty()) return absl::OkStatus();
    if (absl::Now() >= deadline) {
      base::Log(base::LogLevel::kWarning, "storage.erasure_files_held")
          .Add("files", left.size())
          .Add("first", left.front());
      return absl::FailedPreconditionError(
          "the erased values are still in files a running read holds; "
          "retry in a moment");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

absl::StatusOr<uint64_t> Store::CreateCheckpoint(const std::string& dir) {
  if (!guard_->Refresh()) return DiskFullError();
  {
    std::shared_lock lock(db_mu_);
    ASSIGN_OR_RETURN(const Database* database, CurrentLocked());
    if (!database->read_only()) {
      // Every family, so that no old log file stays live for one of them.
      std::vector<rocksdb::ColumnFamilyHandle*> all;
      for (int f = 0; f < kFamilyCount; ++f) {
        all.push_back(database->handle(static_cast<Family>(f)));
      }
      rocksdb::FlushOptions flush;
      flush.allow_write_stall = true;
      rocksdb::Status s = database->db()->Flush(flush, all);
      if (!s.ok()) return StorageError(s, "flush");
    }
  }
  std::unique_lock gate(write_gate_);
  std::shared_lock lock(db_mu_);
  ASSIGN_OR_RETURN(const Database* database, CurrentLocked());
  rocksdb::Checkpoint* raw = nullptr;
  rocksdb::Status s = rocksdb::Checkpoint::Create(database->db(), &raw);
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  if (s.ok()) {
    // No flush here (writes wait): the log written since the flush above
    // is copied instead.
    s = checkpoint->CreateCheckpoint(dir, std::numeric_limits<uint64_t>::max(),
                                     nullptr);
  }
  if (!s.ok()) return StorageError(s, "checkpoint");
  return database->db()->GetLatestSequenceNumber();
}

uint64_t Store::LastSequence() const {
  std::shared_lock lock(db_mu_);
  if (database_ == nullptr) return 0;
  return database_->db()->GetLatestSequenceNumber();
}

void Store::LimitBackgroundWrites(bool limited) {
  auto* limiter =
      static_cast<SwitchedRateLimiter*>(setup_->db_options.rate_limiter.get());
  if (limiter != nullptr) limiter->Switch(limited);
}

uint64_t Store::BackgroundWriteRate() const {
  const auto* limiter = static_cast<const SwitchedRateLimiter*>(
      setup_->db_options.rate_limiter.get());
  if (limiter == nullptr || !limiter->on()) return 0;
  return static_cast<uint64_t>(limiter->GetBytesPerSecond());
}

bool Store::CompactionsFallingBehind() const {
  std::shared_lock lock(db_mu_);
  if (database_ == nullptr) return false;
  rocksdb::DB* db = database_->db();
  uint64_t stopped = 0;
  uint64_t delayed_rate = 0;
  db->GetIntProperty(rocksdb::DB::Properties::kIsWriteStopped, &stopped);
  db->GetIntProperty(rocksdb::DB::Properties::kActualDelayedWriteRate,
                     &delayed_rate);
  if (stopped != 0 || delayed_rate != 0) return true;
  const std::string level0_files =
      rocksdb::DB::Properties::kNumFilesAtLevelPrefix + "0";
  for (int i = 0; i < kFamilyCount; ++i) {
    const rocksdb::ColumnFamilyOptions& family = setup_->families[i].options;
    const int start = family.level0_file_num_compaction_trigger;
    const int slowdown = family.level0_slowdown_writes_trigger;
    std::string count;
    int files = 0;
    if (db->GetProperty(database_->handle(static_cast<Family>(i)), level0_files,
                        &count) &&
        absl::SimpleAtoi(count, &files) &&
        files >= start + (slowdown - start) / 2) {
      return true;
    }
  }
  return false;
}

MemoryCharge::MemoryCharge(std::shared_ptr<rocksdb::Cache> cache)
    : cache_(std::move(cache)) {}

MemoryCharge::~MemoryCharge() { Set(0); }

void MemoryCharge::Set(size_t bytes) {
  constexpr size_t kUnit = size_t{1} << 20;
  static_assert(kUnit % kEntryBytes == 0);
  const size_t wanted = (bytes + kUnit - 1) / kUnit * (kUnit / kEntryBytes);
  // Each entry is held, so it cannot be evicted: its shard evicts blocks to
  // stay within its capacity. A cache without a strict capacity never
  // refuses an entry; if one did, that part is simply not charged.
  while (entries_.size() < wanted) {
    char key[sizeof(uint64_t)];
    const uint64_t id = cache_->NewId();
    std::memcpy(key, &id, sizeof(id));
    rocksdb::Cache::Handle* entry = nullptr;
    rocksdb::Status s = cache_->Insert(
        rocksdb::Slice(key, sizeof(key)), /*value=*/nullptr, kEntryBytes,
        [](const rocksdb::Slice&, void*) {}, &entry);
    if (!s.ok() || entry == nullptr) break;
    entries_.push_back(entry);
  }
  while (entries_.size() > wanted) {
    cache_->Release(static_cast<rocksdb::Cache::Handle*>(entries_.back()),
                    /*erase_if_last_ref=*/true);
    entries_.pop_back();
  }
}

std::unique_ptr<MemoryCharge> Store::ChargeMemory() const {
  return std::make_unique<MemoryCharge>(setup_->cache);
}

uint64_t Store::EstimateKeys(Family family) const {
  std::shared_lock lock(db_mu_);
  uint64_t n = 0;
  if (database_ != nullptr) {
    database_->db()->GetIntProperty(database_->handle(family),
                                    "rocksdb.estimate-num-keys", &n);
  }
  return n;
}

StoreFigures Store::Figures() const {
  StoreFigures figures;
  const ActivityListener::Counts& counts = setup_->activity->counts();
  figures.flushes = counts.flushes.load(std::memory_order_relaxed);
  figures.compactions = counts.compactions.load(std::memory_order_relaxed);
  figures.compaction_bytes_read =
      counts.compaction_bytes_read.load(std::memory_order_relaxed);
  figures.compaction_bytes_written =
      counts.compaction_bytes_written.load(std::memory_order_relaxed);
  figures.write_stalls = counts.write_stalls.load(std::memory_order_relaxed);
  const rocksdb::Statistics& statistics = *setup_->statistics;
  figures.block_cache_hits =
      statistics.getTickerCount(rocksdb::BLOCK_CACHE_HIT);
  figures.block_cache_misses =
      statistics.getTickerCount(rocksdb::BLOCK_CACHE_MISS);
  figures.write_stall_micros = statistics.getTickerCount(rocksdb::STALL_MICROS);
  figures.background_write_rate = BackgroundWriteRate();
  figures.wal_syncs = statistics.getTickerCount(rocksdb::WAL_FILE_SYNCED);
  figures.wal_bytes = statistics.getTickerCount(rocksdb::WAL_FILE_BYTES);

  std::shared_lock lock(db_mu_);
  if (database_ == nullptr) return figures;
  rocksdb::DB* db = database_->db();
  for (int i = 0; i < kFamilyCount; ++i) {
    db->GetIntProperty(database_->handle(static_cast<Family>(i)),
                       rocksdb::DB::Properties::kEstimateLiveDataSize,
                       &figures.live_data_bytes[i]);
  }
  db->GetAggregatedIntProperty(rocksdb::DB::Properties::kTotalSstFilesSize,
                               &figures.sst_files_bytes);
  db->GetAggregatedIntProperty(
      rocksdb::DB::Properties::kEstimatePendingCompactionBytes,
      &figures.pending_compaction_bytes);
  db->GetAggregatedIntProperty(rocksdb::DB::Properties::kCurSizeAllMemTables,
                               &figures.memtable_bytes);
  db->GetAggregatedIntProperty(
      rocksdb::DB::Properties::kEstimateTableReadersMem,
      &figures.table_readers_bytes);
  // One cache shared by every family: read it once.
  db->GetIntProperty(rocksdb::DB::Properties::kBlockCacheUsage,
                     &figures.block_cache_usage_bytes);
  db->GetIntProperty(rocksdb::DB::Properties::kBlockCacheCapacity,
                     &figures.block_cache_capacity_bytes);
  uint64_t stopped = 0;
  db->GetIntProperty(rocksdb::DB::Properties::kIsWriteStopped, &stopped);
  figures.writes_stopped = stopped != 0;
  return figures;
}

std::string Store::Describe() const {
  return absl::StrCat(
      "rocksdb at ", options_.path, " (schema ", kSchemaVersion,
      options_.sync_writes ? ", synced writes)" : ", unsynced writes)");
}

absl::Status DiskFullError() {
  google::rpc::RetryInfo retry;
  retry.mutable_retry_delay()->set_seconds(kDiskFullRetrySeconds);
  absl::Status status = absl::ResourceExhaustedError(kDiskFullMessage);
  status.SetPayload("type.googleapis.com/google.rpc.RetryInfo",
                    absl::Cord(retry.SerializeAsString()));
  return status;
}

}  // namespace maillage::storage

#ifndef MAILLAGE_CORE_AUDIT_LOG_H_
#define MAILLAGE_CORE_AUDIT_LOG_H_

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "maillage/v1/audit.pb.h"
#include "storage/store.h"

namespace maillage::core {

// The audit trail (column family "audit", keyed by time then sequence, see
// storage/keys.h): who did what, to which records, when, with what outcome.
// Append-only: nothing but the retention purge (Purge, which the retention
// sweeper of core/retention.h runs at start and periodically) deletes an
// entry.
//
// Recording never blocks a call on the disk and never fails it: Record puts
// the entry in a bounded in-memory queue that a background thread writes in
// batches (every Options::flush_interval, or sooner once flush_batch entries
// wait). When the queue is full the entry is dropped and counted, and the
// next batch written records one entry saying how many were dropped, so a
// flood of calls (denied ones, say) costs bounded memory and leaves a trace.
//
// Durability: a batch holding an entry recorded with `sync` (writes, key
// operations) is written with an fsync'ed log (when the store syncs at all);
// other batches (reads, denials) are not, so a machine crash may lose their
// last fraction of a second. Either way an entry is written up to
// flush_interval after its call was answered: a crash of the process in that
// window loses it (the trail is not transactional with the write it
// describes).
//
// Thread-safe. The destructor writes every queued entry, then stops the
// thread; destroy the log before the store.
class AuditLog {
 public:
  struct Options {
    // Entries older than this are deleted by Purge. Zero or less: kept
    // forever.
    absl::Duration retention = absl::Hours(24 * 365);
    // Entries waiting to be written beyond which new ones are dropped.
    size_t max_queued = 10000;
    absl::Duration flush_interval = absl::Milliseconds(100);
    size_t flush_batch = 1000;
  };

  // Reads where the sequence of keys stands and starts the writing thread.
  static absl::StatusOr<std::unique_ptr<AuditLog>> Open(storage::Store* store,
                                                        Options options);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Queues `entry` for writing; its time is now when unset. `sync`: the
  // entry describes a write or a key operation (see the class comment).
  // Never blocks on I/O, never fails.
  void Record(v1::AuditEntry entry, bool sync = false);

  // Waits until every entry recorded before the call is written (or
  // dropped, when the store refuses the write). For tests and tools.
  void Flush();

  // Deletes the oldest entries, those older than `now` - retention, at most
  // `batch` of them (one range delete). Returns how many; *done is set when
  // no older entry is left. RESOURCE_EXHAUSTED when the disk is full
  // (nothing deleted).
  absl::StatusOr<int64_t> Purge(absl::Time now, size_t batch, bool* done);

  // The entries matching the request's filters, oldest first, every entry
  // recorded before the call included (it waits for the queue to be
  // written). Each call examines at most kExaminedMax entries, so a page may
  // be short (even empty) with a next_page_token. INVALID_ARGUMENT naming
  // each bad field.
  absl::StatusOr<v1::ListAuditEntriesResponse> List(
      const v1::ListAuditEntriesRequest& request);

  // Entries dropped since the log was opened (queue full or store refusing
  // the write).
  uint64_t dropped() const;

  static constexpr size_t kExaminedMax = 50000;
  // Target ids listed in one entry (AuditEntry.target_count counts them
  // all).
  static constexpr int kTargetsMax = 20;

 private:
  struct Pending {
    v1::AuditEntry entry;
    bool sync = false;
  };

  AuditLog(storage::Store* store, Options options, uint64_t next_sequence);
  // The writing thread: batches and the dropped-entries note.
  void Run();
  // Writes `batch` (plus a note when `dropped` > 0); on failure the entries
  // are counted as dropped.
  void WriteBatch(std::vector<Pending> batch, uint64_t dropped);

  storage::Store* const store_;
  const Options options_;
  uint64_t next_sequence_;  // only the writing thread touches it

  mutable std::mutex mu_;
  std::condition_variable wake_;     // the writing thread
  std::condition_variable written_;  // Flush
  std::vector<Pending> queue_ ABSL_GUARDED_BY(mu_);
  uint64_t recorded_ ABSL_GUARDED_BY(mu_) = 0;  // entries queued, ever
  uint64_t done_ ABSL_GUARDED_BY(mu_) = 0;      // of those, written or lost
  uint64_t dropped_unnoted_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t dropped_total_ ABSL_GUARDED_BY(mu_) = 0;
  bool flush_requested_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

// Sets entry->target_ids (at most AuditLog::kTargetsMax, without repeats)
// and entry->target_count from the ids `request` names: its string fields
// called id, ids, actor_id, partner_id, suggestion_id, partnership_id,
// fragility_id or participants, and those of its message fields one level
// down (UpdateActorRequest.actor.id, ImportPartnershipsRequest's
// partnerships[].id, ...). Also entry->request_id from its request_id
// field. Values longer than any valid id are kept quoted and cut (Quote).
void SetAuditTargets(const google::protobuf::Message& request,
                     v1::AuditEntry* entry);

// Whether `request` asks for contact persons: its `view` field is
// ACTOR_VIEW_FULL (GetActor, BatchGetActors, ListActors, ExportActors).
bool RequestsContacts(const google::protobuf::Message& request);

}  // namespace maillage::core

#endif  // MAILLAGE_CORE_AUDIT_LOG_H_

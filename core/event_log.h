#ifndef MAILLAGE_CORE_EVENT_LOG_H_
#define MAILLAGE_CORE_EVENT_LOG_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "maillage/storage/records.pb.h"
#include "maillage/v1/lifecycle.pb.h"
#include "storage/store.h"

namespace maillage::core {

// The ordered log of suggestion and partnership changes that dashboards
// watch (column family "events", key = sequence number).
//
// Events are written in the same WriteBatch as the change they describe.
// Sequence numbers are assigned in order under a mutex, but the batches are
// written outside it, so that concurrent commits share RocksDB's group
// commit (one WAL sync for many): serialised, every durable write paid its
// own sync, and one slow sync held up every write behind it. The log shows
// event n (last_sequence, Read) only once every event up to n is written:
// a watcher resuming after token n misses nothing and sees nothing twice.
// The numbers of a commit that failed are skipped (never written, never
// shown), as are those of a commit lost in a crash before it returned.
//
// Retention (core/retention.h) deletes the oldest events (Purge). The last
// sequence it deleted is kept in the store, so sequences keep growing after
// every event was deleted and a restart, and a reader resuming from before
// it is told that events are missing (OUT_OF_RANGE) rather than silently
// skipping them.
//
// Thread-safe.
class EventLog {
 public:
  explicit EventLog(storage::Store* store) : store_(store) {}

  // Reads the last sequence number and how far retention purged. Call once
  // before use.
  absl::Status Open();

  // An event to append: the payload, the workspace whose record changed
  // (only its watchers see it) and the home communes of the actors it
  // concerns (for territory filters).
  struct Pending {
    v1::WatchEvent event;
    std::string workspace;
    std::vector<std::string> communes;
  };

  // Adds the events to `batch`, writes it, then wakes the subscribers.
  // `sync` as in Store::Write.
  absl::Status Commit(storage::WriteBatch* batch, std::vector<Pending> events,
                      bool sync = true);

  // Events of `workspace` with a sequence > after, in order, at most
  // `limit`; `keep` chooses which of them to return (all are scanned; other
  // workspaces' events are never handed to it). *last is set to the last
  // sequence scanned (so a caller can resume after filtered-out events).
  // OUT_OF_RANGE when retention deleted events after `after` (after <
  // purged_through()): the caller missed them and must start again from the
  // current state.
  absl::StatusOr<std::vector<v1::WatchEvent>> Read(
      uint64_t after, size_t limit, std::string_view workspace,
      const std::function<bool(const storage::EventRecord&)>& keep,
      uint64_t* last) const;

  uint64_t last_sequence() const;

  // The last sequence deleted by retention (0: none); the oldest event kept
  // has a larger one.
  uint64_t purged_through() const;

  // Deletes the oldest events whose time is before `cutoff`, at most `batch`
  // of them (one range delete and the new purged_through, in one write),
  // from the first key on: an event written back below purged_through goes
  // too.
  // Returns how many were deleted; *done is set when no older event is left.
  // RESOURCE_EXHAUSTED when the disk is full (nothing deleted).
  absl::StatusOr<int64_t> Purge(absl::Time cutoff, size_t batch, bool* done);

  // `notify` is called (on the committing thread; keep it short) after
  // each commit. Returns a handle for Unsubscribe.
  int Subscribe(std::function<void()> notify);
  void Unsubscribe(int handle);

  static std::string Token(uint64_t sequence);
  // The sequence of a token; InvalidArgument when malformed.
  static absl::StatusOr<uint64_t> ParseToken(std::string_view token);

 private:
  // Marks the numbers first..last as written (or skipped) and moves last_
  // over every number written without a gap.
  void Settle(uint64_t first, uint64_t last);

  storage::Store* store_;
  mutable std::mutex mu_;
  uint64_t last_ = 0;      // guarded by mu_: shown up to here
  uint64_t assigned_ = 0;  // guarded by mu_: the last number handed out
  // Commits that returned while an earlier one was still writing: first
  // number -> last number. Guarded by mu_.
  std::map<uint64_t, uint64_t> settled_ahead_;
  // Raised before the events are deleted (and lowered back if the delete
  // fails), so that a Read that may have missed them sees it afterwards.
  std::atomic<uint64_t> purged_through_{0};
  std::mutex subscribers_mu_;
  int next_handle_ = 0;                               // guarded
  std::map<int, std::function<void()>> subscribers_;  // guarded
};

}  // namespace maillage::core

#endif  // MAILLAGE_CORE_EVENT_LOG_H_

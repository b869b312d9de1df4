#ifndef MAILLAGE_CORE_RETENTION_H_
#define MAILLAGE_CORE_RETENTION_H_

#include <array>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/audit_log.h"
#include "core/event_log.h"
#include "core/lifecycle.h"
#include "storage/store.h"

namespace maillage::core {

// What retention purges; each is one value of the label `record` of the
// metric maillage_retention_purged_total (services/ makes the metrics).
enum class RetentionRecord : int {
  kSuggestion = 0,           // untouched suggestions, deleted
  kLifecyclePersonalFields,  // closed suggestions, pseudonymised
  kEvent,                    // watch events, deleted
  kRequest,                  // retry answers (request ids), deleted
  kAuditEntry,               // audit entries, deleted
  kCount,
};
inline constexpr size_t kRetentionRecordCount =
    static_cast<size_t>(RetentionRecord::kCount);

// "suggestion", "lifecycle_personal_fields", "event", "request",
// "audit_entry".
std::string_view RetentionRecordName(RetentionRecord record);

// How many records of each kind a sweep purged, indexed by RetentionRecord.
struct RetentionCounts {
  std::array<int64_t, kRetentionRecordCount> of{};
  int64_t& operator[](RetentionRecord r) { return of[static_cast<size_t>(r)]; }
  int64_t operator[](RetentionRecord r) const {
    return of[static_cast<size_t>(r)];
  }
};

// Where retention says what it did. The core knows no metrics library:
// services/ adapts this to Prometheus. Called on the thread that sweeps;
// keep it short.
class RetentionReporter {
 public:
  virtual ~RetentionReporter() = default;
  // `count` (> 0) records of `record` were purged: called after each batch
  // is written, so a long sweep shows its progress.
  virtual void Purged(RetentionRecord record, int64_t count) = 0;
  // A sweep ended at `end` after `duration`. `status` is OK when it went
  // through every kind of record, otherwise why it stopped
  // (RESOURCE_EXHAUSTED on a full disk, CANCELLED at shutdown).
  virtual void SweepEnded(absl::Time end, absl::Duration duration,
                          const absl::Status& status) = 0;
};

// The retention of personal data and logs (docs/PRIVACY.md, "Retention"): a
// background task that, at start and then every Options::interval, deletes
// or pseudonymises what its period no longer covers:
//  - untouched suggestions (Lifecycle::Untouched) last shown before
//    untouched_suggestions ago: deleted;
//  - closed suggestions (Lifecycle::Closed) not updated for
//    closed_personal_fields: pseudonymised (principal ids replaced by
//    auth::Pseudonym keyed by the server's secret, names and notes cleared,
//    reasons replaced by a marker; what the engine uses stays);
//  - watch events older than `events`: deleted (EventLog::Purge; a watcher
//    resuming from before them gets OUT_OF_RANGE);
//  - retry answers older than RequestLog::kRetention: deleted;
//  - audit entries older than AuditLog::Options::retention: deleted.
// A period of zero or less keeps that kind forever.
//
// Work goes in steps of at most Options::batch records (one scan, one write
// of at most that many records, locks held only in between), so requests
// are never held up long; Stop ends a sweep between two steps. A full disk
// (RESOURCE_EXHAUSTED) ends the sweep; the next one comes after
// Options::retry_delay, and it is logged once until a sweep goes through.
//
// Thread-safe. Destroy it (or Stop it) before the parts it works on.
class Retention {
 public:
  struct Options {
    // Zero or less: kept forever.
    absl::Duration untouched_suggestions = absl::Hours(24 * 180);
    absl::Duration closed_personal_fields = absl::Hours(24 * 730);
    absl::Duration events = absl::Hours(24 * 90);
    // A sweep at Start, then one every interval. Zero or less: Start runs
    // no thread (Sweep may still be called).
    absl::Duration interval = absl::Hours(1);
    // The next sweep after one stopped by a full disk (at most interval).
    absl::Duration retry_delay = absl::Minutes(1);
    // Records examined per step.
    size_t batch = 500;
  };

  // What retention works on; not owned, all must outlive it.
  struct Parts {
    storage::Store* store = nullptr;
    Lifecycle* lifecycle = nullptr;
    EventLog* events = nullptr;
    AuditLog* audit = nullptr;
  };

  // `pseudonym_secret` keys the pseudonyms (auth::Pseudonym); `reporter`
  // may be null, and must otherwise outlive this object.
  Retention(Parts parts, Options options, std::string pseudonym_secret,
            RetentionReporter* reporter);
  ~Retention();
  Retention(const Retention&) = delete;
  Retention& operator=(const Retention&) = delete;

  // Starts the background thread (a sweep at once, then every interval),
  // unless the interval is zero or less or it runs already.
  void Start();
  // Stops the thread, ending a sweep under way after its current step.
  // Idempotent; Sweep answers CANCELLED afterwards.
  void Stop();

  // One sweep as of `now`: every kind of record, step by step, each step
  // reported. Stops at the first error (and returns it), or with CANCELLED
  // once Stop was called. One sweep at a time.
  absl::StatusOr<RetentionCounts> Sweep(absl::Time now);

  const Options& options() const { return options_; }

 private:
  // Calls `step` until it says done, reporting what each purged into
  // `counts` and to the reporter; CANCELLED once stopping.
  absl::Status Drain(
      RetentionRecord record,
      const std::function<absl::StatusOr<int64_t>(bool* done)>& step,
      RetentionCounts* counts);
  // Sweep's work: Drain of each kind of record whose period is not zero.
  absl::Status SweepEach(absl::Time now, RetentionCounts* counts);
  // The background thread: sweeps, logs, waits.
  void Run();
  bool stopping() const;

  const Parts parts_;
  const Options options_;
  const std::string pseudonym_secret_;
  RetentionReporter* const reporter_;

  std::mutex sweep_mu_;  // one sweep at a time

  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // started and joined by the owner's thread only
};

}  // namespace maillage::core

#endif  // MAILLAGE_CORE_RETENTION_H_

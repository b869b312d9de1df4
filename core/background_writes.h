#ifndef MAILLAGE_CORE_BACKGROUND_WRITES_H_
#define MAILLAGE_CORE_BACKGROUND_WRITES_H_

#include <memory>

#include "absl/time/time.h"
#include "base/periodic_thread.h"
#include "core/import_pacer.h"
#include "storage/store.h"

namespace maillage::core {

// Limits RocksDB's flushes and compactions (Store::LimitBackgroundWrites)
// while the limit helps the people using the server and harms nobody:
//
//   limited = interactive calls are being served
//             and no import ran within `import_quiet_after`
//             and compactions keep up (!Store::CompactionsFallingBehind).
//
// Why: on a 2-core node, a compaction at full speed takes a core for
// seconds, and half of the soak's slow calls fell in the seconds one ran;
// limited to 16 MiB/s, those seconds had 1.3 calls over 50 ms a second
// instead of 35 (RELIABILITY.md, "Soak"). But a bulk import needs its
// compactions at full speed (limited, a multi-million-row import fills
// level 0 and RocksDB stalls its writes), and so does a store whose
// compactions fell behind for any other reason; and an idle node has no
// one to protect. So the limit follows what the server is doing.
//
// A thread decides every `interval`; Update decides now (for tests).
class BackgroundWriteGovernor {
 public:
  struct Options {
    absl::Duration interval = absl::Milliseconds(250);
    // An import counts as running until this long after its last batch:
    // its flushes and compactions go on after the rows stop.
    absl::Duration import_quiet_after = absl::Seconds(30);
    // Whether to start the thread (tests call Update themselves).
    bool start_thread = true;
  };

  // `store` and `activity` must outlive the governor. Nothing is limited
  // before the first decision.
  BackgroundWriteGovernor(storage::Store* store, const ImportPacer* activity,
                          Options options);
  BackgroundWriteGovernor(storage::Store* store, const ImportPacer* activity)
      : BackgroundWriteGovernor(store, activity, Options()) {}
  // Stops the thread and lifts the limit.
  ~BackgroundWriteGovernor();
  BackgroundWriteGovernor(const BackgroundWriteGovernor&) = delete;
  BackgroundWriteGovernor& operator=(const BackgroundWriteGovernor&) = delete;

  // Decides and applies; returns whether background writes are limited now.
  bool Update();

 private:
  storage::Store* const store_;
  const ImportPacer* const activity_;
  const Options options_;
  std::unique_ptr<base::PeriodicThread> thread_;  // when start_thread
};

}  // namespace maillage::core

#endif  // MAILLAGE_CORE_BACKGROUND_WRITES_H_

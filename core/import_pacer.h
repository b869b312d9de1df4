#ifndef MAILLAGE_CORE_IMPORT_PACER_H_
#define MAILLAGE_CORE_IMPORT_PACER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>

#include "absl/time/time.h"

namespace maillage::core {

// Imports give way to the people using the server: while interactive calls
// (a dashboard's queries, a partner platform's reads and writes) are being
// served, imports go at most `busy_rows_per_second` rows a second; once no
// interactive call has started for `quiet_after`, they go as fast as the
// machine allows again.
//
// Why: on a small node, an import's CPU (decoding, validating, writing,
// RocksDB's flushes and compactions, and the importing client itself when it
// runs beside the server) takes the cores the queries need, and lower
// priorities alone did not keep queries within their latency target
// (BENCHMARKS.md, "Mixed load"). Pacing the import pauses all of that work
// at its source: the import stream is read only as fast as its batches are
// let through, so gRPC's flow control holds the client back as well.
//
// Thread-safe. NoteInteractiveCall is cheap (one atomic store) and is called
// for every interactive call; Pace is called by the thread preparing an
// import's batches, once per batch, and sleeps for what the batch owes. What
// the pacer sees (interactive calls served, an import running) also decides
// whether RocksDB's background writes are limited (BackgroundWriteGovernor).
class ImportPacer {
 public:
  struct Options {
    // Rows a second while busy; 0 turns pacing off. At 50,000, a 1M-row
    // import beside 8 querying clients took 20 s instead of 8-10 s, and the
    // queries' p99 during it was 9.4-13.0 ms (median 10.8) against
    // 11.0-18.2 ms (median 13.2) unpaced, their p99 after it being
    // 8.6-11.9 ms (BENCHMARKS.md, "Imports paced while queries run").
    double busy_rows_per_second = 50000;
    // Busy until this long after the last interactive call began.
    absl::Duration quiet_after = absl::Milliseconds(250);
    // How far ahead of the rate an import may get (in rows) before it
    // waits: one batch goes through at once, the wait comes after it.
    double burst_rows = 2000;
  };
  // `now` (for tests): the clock, monotonic; the steady clock by default.
  explicit ImportPacer(Options options,
                       std::function<absl::Time()> now = nullptr);

  bool enabled() const { return options_.busy_rows_per_second > 0; }

  // An interactive call began.
  void NoteInteractiveCall();

  // Whether an interactive call began within the last `quiet_after`
  // (whether or not imports are paced).
  bool ServingInteractiveCalls() const;
  // Whether an import batch went through (Charge or Pace) within the last
  // `within`.
  bool Importing(absl::Duration within) const;

  // How long the batch of `rows` that is about to go must wait, and counts
  // it as gone: zero while the server is quiet (and the import's debt is
  // forgiven), else what the rows owe at the busy rate beyond the burst.
  absl::Duration Charge(int64_t rows);

  // Charge, then sleep for it (at most `max_wait` at a time, so that a
  // stopping server is not held: the rest is owed by the next batch).
  // Returns how long it slept (the server counts it in its metrics).
  absl::Duration Pace(int64_t rows, absl::Duration max_wait = absl::Seconds(1));

 private:
  absl::Time Now() const;

  const Options options_;
  const std::function<absl::Time()> now_;
  // Whether `last_ns` (nanoseconds of Now(), or the lowest int64 for never)
  // is within `within` of `now`.
  static bool Within(int64_t last_ns, absl::Time now, absl::Duration within);

  // When the last interactive call began, in nanoseconds of Now().
  std::atomic<int64_t> last_interactive_ns_;
  // When the last import batch was charged, in nanoseconds of Now().
  std::atomic<int64_t> last_import_ns_;
  std::mutex mu_;
  // The time until which the rows let through are paid for at the busy
  // rate; the import may run ahead of it by burst_rows.
  absl::Time paid_until_ = absl::InfinitePast();
};

}  // namespace maillage::core

#endif  // MAILLAGE_CORE_IMPORT_PACER_H_

#include "core/import_pacer.h"

#include "gtest/gtest.h"

namespace maillage::core {
namespace {

// A pacer on a clock the test moves.
struct PacedImport {
  explicit PacedImport(double rows_per_second)
      : pacer(OptionsFor(rows_per_second), [this] { return now; }) {}
  static ImportPacer::Options OptionsFor(double rows_per_second) {
    ImportPacer::Options options;
    options.busy_rows_per_second = rows_per_second;
    options.quiet_after = absl::Milliseconds(250);
    options.burst_rows = 1000;
    return options;
  }
  absl::Time now = absl::FromUnixSeconds(1000);
  ImportPacer pacer;
};

TEST(ImportPacerTest, AnImportAloneIsNeverPaced) {
  PacedImport p(1000);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(p.pacer.Charge(2000), absl::ZeroDuration());
  }
}

TEST(ImportPacerTest, WhileCallsAreServedBatchesGoAtTheBusyRate) {
  PacedImport p(1000);  // rows a second; a burst of 1,000 rows
  p.pacer.NoteInteractiveCall();
  // The first batch goes at once (within the burst), the next ones owe what
  // the rows before them take at 1,000 a second.
  EXPECT_EQ(p.pacer.Charge(1000), absl::ZeroDuration());
  EXPECT_EQ(p.pacer.Charge(500), absl::Milliseconds(500));
  EXPECT_EQ(p.pacer.Charge(500), absl::Seconds(1));
  // Having waited, a batch of the burst's size owes one second more.
  p.now += absl::Seconds(1);
  p.pacer.NoteInteractiveCall();
  EXPECT_EQ(p.pacer.Charge(1000), absl::Seconds(1));
}

TEST(ImportPacerTest, QuietAgainTheImportGoesAtFullSpeedAndOwesNothing) {
  PacedImport p(1000);
  p.pacer.NoteInteractiveCall();
  p.pacer.Charge(1000);
  EXPECT_GT(p.pacer.Charge(5000), absl::ZeroDuration());
  // No interactive call for longer than quiet_after: the debt is forgiven.
  p.now += absl::Milliseconds(251);
  EXPECT_EQ(p.pacer.Charge(5000), absl::ZeroDuration());
  // Busy again: paced from now on, not from the old debt.
  p.pacer.NoteInteractiveCall();
  EXPECT_EQ(p.pacer.Charge(1000), absl::ZeroDuration());
  EXPECT_EQ(p.pacer.Charge(1000), absl::Seconds(1));
}

TEST(ImportPacerTest, ZeroRateTurnsPacingOff) {
  PacedImport p(0);
  EXPECT_FALSE(p.pacer.enabled());
  p.pacer.NoteInteractiveCall();
  EXPECT_EQ(p.pacer.Charge(1000000), absl::ZeroDuration());
}

TEST(ImportPacerTest, PaceSleepsAtMostItsBound) {
  ImportPacer::Options options = PacedImport::OptionsFor(1000);
  ImportPacer pacer(options);  // the real clock
  pacer.NoteInteractiveCall();
  EXPECT_EQ(pacer.Pace(1000), absl::ZeroDuration());  // within the burst
  pacer.NoteInteractiveCall();
  // Owes a second; sleeps 20 ms of it, the rest owed by the next batch.
  EXPECT_EQ(pacer.Pace(1000, /*max_wait=*/absl::Milliseconds(20)),
            absl::Milliseconds(20));
  pacer.NoteInteractiveCall();
  EXPECT_EQ(pacer.Pace(1, /*max_wait=*/absl::Milliseconds(20)),
            absl::Milliseconds(20));
}

}  // namespace
}  // namespace maillage::core

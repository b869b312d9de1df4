#include "core/background_writes.h"

#include <memory>

#include "gtest/gtest.h"
#include "storage/store.h"
#include "tests/support/temp_dir.h"

namespace maillage::core {
namespace {

constexpr uint64_t kLimit = uint64_t{16} << 20;

// A real store with a background write limit, and a pacer on a clock the
// test moves.
class BackgroundWriteGovernorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::Store::Options options;
    options.path = dir_.path();
    options.background_write_bytes_per_second = kLimit;
    auto store = storage::Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  ImportPacer::Options PacerOptions() {
    ImportPacer::Options options;
    options.quiet_after = absl::Milliseconds(250);
    return options;
  }

  BackgroundWriteGovernor::Options GovernorOptions() {
    BackgroundWriteGovernor::Options options;
    options.import_quiet_after = absl::Seconds(30);
    options.start_thread = false;
    return options;
  }

  maillage::testing::TempDir dir_;
  std::unique_ptr<storage::Store> store_;
  absl::Time now_ = absl::FromUnixSeconds(1000);
  ImportPacer pacer_{PacerOptions(), [this] { return now_; }};
};

TEST_F(BackgroundWriteGovernorTest, LimitedOnlyWhileCallsAreServed) {
  BackgroundWriteGovernor governor(store_.get(), &pacer_, GovernorOptions());
  EXPECT_FALSE(governor.Update());  // nobody to protect
  EXPECT_EQ(store_->BackgroundWriteRate(), 0u);

  pacer_.NoteInteractiveCall();
  EXPECT_TRUE(governor.Update());
  EXPECT_EQ(store_->BackgroundWriteRate(), kLimit);

  now_ += absl::Milliseconds(251);  // the last call is past quiet_after
  EXPECT_FALSE(governor.Update());
  EXPECT_EQ(store_->BackgroundWriteRate(), 0u);
}

TEST_F(BackgroundWriteGovernorTest, AnImportLiftsTheLimitUntilItsWorkSettles) {
  BackgroundWriteGovernor governor(store_.get(), &pacer_, GovernorOptions());
  pacer_.NoteInteractiveCall();
  pacer_.Charge(1000);  // an import batch
  EXPECT_FALSE(governor.Update());
  EXPECT_EQ(store_->BackgroundWriteRate(), 0u);

  // Its flushes and compactions go on after its last batch.
  now_ += absl::Seconds(29);
  pacer_.NoteInteractiveCall();
  EXPECT_FALSE(governor.Update());

  now_ += absl::Seconds(2);
  pacer_.NoteInteractiveCall();
  EXPECT_TRUE(governor.Update());
  EXPECT_EQ(store_->BackgroundWriteRate(), kLimit);
}

TEST_F(BackgroundWriteGovernorTest, ImportsCountEvenWhenNotPaced) {
  ImportPacer::Options unpaced = PacerOptions();
  unpaced.busy_rows_per_second = 0;
  ImportPacer pacer(unpaced, [this] { return now_; });
  BackgroundWriteGovernor governor(store_.get(), &pacer, GovernorOptions());
  pacer.NoteInteractiveCall();
  EXPECT_TRUE(governor.Update());
  EXPECT_EQ(pacer.Pace(500), absl::ZeroDuration());
  EXPECT_FALSE(governor.Update());
}

TEST_F(BackgroundWriteGovernorTest, TheLimitIsLiftedWhenTheGovernorStops) {
  {
    BackgroundWriteGovernor governor(store_.get(), &pacer_, GovernorOptions());
    pacer_.NoteInteractiveCall();
    EXPECT_TRUE(governor.Update());
  }
  EXPECT_EQ(store_->BackgroundWriteRate(), 0u);
}

TEST_F(BackgroundWriteGovernorTest, ItsThreadDecidesByItself) {
  BackgroundWriteGovernor::Options options = GovernorOptions();
  options.start_thread = true;
  options.interval = absl::Milliseconds(1);
  pacer_.NoteInteractiveCall();
  BackgroundWriteGovernor governor(store_.get(), &pacer_, options);
  while (store_->BackgroundWriteRate() == 0)
    absl::SleepFor(absl::Milliseconds(1));
  EXPECT_EQ(store_->BackgroundWriteRate(), kLimit);
}

}  // namespace
}  // namespace maillage::core

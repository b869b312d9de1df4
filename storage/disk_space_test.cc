#include "storage/disk_space.h"

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace maillage::storage {
namespace {

constexpr uint64_t kMiB = uint64_t{1} << 20;

// A disk whose free space the test sets, counting how often it is read.
struct FakeDisk {
  uint64_t available = 0;
  bool readable = true;
  int reads = 0;

  DiskSpaceGuard::Probe Probe() {
    return [this](const std::string&) -> absl::StatusOr<uint64_t> {
      ++reads;
      if (!readable) return absl::UnavailableError("statvfs failed");
      return available;
    };
  }
};

// A guard that reads only when it must (no time- or volume-based refresh),
// so that the tests see every decision the estimate makes.
DiskSpaceGuard::Options Lazy(uint64_t reserve, uint64_t margin = 0) {
  DiskSpaceGuard::Options options;
  options.path = "/data";
  options.reserve_bytes = reserve;
  options.resume_margin_bytes = margin;
  options.refresh_interval = absl::InfiniteDuration();
  options.refresh_bytes = UINT64_MAX;
  return options;
}

TEST(DiskSpaceGuardTest, AdmitsWhileTheReserveStaysFree) {
  FakeDisk disk{100 * kMiB};
  DiskSpaceGuard guard(Lazy(40 * kMiB), disk.Probe());
  EXPECT_TRUE(guard.Admit(30 * kMiB));
  EXPECT_TRUE(guard.Admit(30 * kMiB));  // exactly the reserve left
  EXPECT_FALSE(guard.refusing());
}

TEST(DiskSpaceGuardTest, CountsAdmittedBytesBetweenReadings) {
  FakeDisk disk{100 * kMiB};
  DiskSpaceGuard guard(Lazy(40 * kMiB), disk.Probe());
  ASSERT_TRUE(guard.Admit(50 * kMiB));
  EXPECT_EQ(disk.reads, 1);
  // The disk did not change, but 50 MiB were admitted: 20 more would eat
  // into the reserve. The guard reads again before refusing.
  disk.available = 50 * kMiB;
  EXPECT_FALSE(guard.Admit(20 * kMiB));
  EXPECT_EQ(disk.reads, 2);
  EXPECT_TRUE(guard.refusing());
}

TEST(DiskSpaceGuardTest, ReadsAgainBeforeRefusingOnAnEstimate) {
  FakeDisk disk{100 * kMiB};
  DiskSpaceGuard guard(Lazy(40 * kMiB), disk.Probe());
  ASSERT_TRUE(guard.Admit(50 * kMiB));
  // Meanwhile RocksDB flushed and deleted its log: the space came back.
  disk.available = 100 * kMiB;
  EXPECT_TRUE(guard.Admit(20 * kMiB));
  EXPECT_EQ(disk.reads, 2);
}

TEST(DiskSpaceGuardTest, RefusesUntilTheReservePlusTheMarginIsFree) {
  FakeDisk disk{45 * kMiB};
  DiskSpaceGuard guard(Lazy(40 * kMiB, 8 * kMiB), disk.Probe());
  ASSERT_FALSE(guard.Admit(10 * kMiB));
  // Room for a small write again, but not for the margin: still refusing,
  // so a disk at the reserve does not flip at every write.
  disk.available = 46 * kMiB;
  EXPECT_FALSE(guard.Refresh());
  EXPECT_FALSE(guard.Admit(1));
  disk.available = 48 * kMiB;
  EXPECT_TRUE(guard.Refresh());
  EXPECT_FALSE(guard.refusing());
  EXPECT_TRUE(guard.Admit(1 * kMiB));
}

TEST(DiskSpaceGuardTest, RefreshReadsEveryTime) {
  FakeDisk disk{30 * kMiB};
  DiskSpaceGuard guard(Lazy(40 * kMiB), disk.Probe());
  EXPECT_FALSE(guard.Refresh());
  EXPECT_FALSE(guard.Refresh());
  EXPECT_EQ(disk.reads, 2);
  disk.available = 60 * kMiB;
  EXPECT_TRUE(guard.Refresh());
}

TEST(DiskSpaceGuardTest, ReadsAfterRefreshBytesWereAdmitted) {
  FakeDisk disk{1000 * kMiB};
  DiskSpaceGuard::Options options = Lazy(0);
  options.refresh_bytes = 10 * kMiB;
  DiskSpaceGuard guard(options, disk.Probe());
  ASSERT_TRUE(guard.Admit(6 * kMiB));
  ASSERT_TRUE(guard.Admit(6 * kMiB));
  EXPECT_EQ(disk.reads, 1);
  ASSERT_TRUE(guard.Admit(1));  // 12 MiB admitted since the reading
  EXPECT_EQ(disk.reads, 2);
}

TEST(DiskSpaceGuardTest, AdmitsWhenTheFreeSpaceCannotBeRead) {
  FakeDisk disk;
  disk.readable = false;
  DiskSpaceGuard guard(Lazy(40 * kMiB), disk.Probe());
  EXPECT_TRUE(guard.Admit(10 * kMiB));
  EXPECT_TRUE(guard.Refresh());
}

TEST(DiskSpaceGuardTest, ReadsTheRealFilesystem) {
  testing::TempDir dir;
  absl::StatusOr<uint64_t> available = AvailableDiskBytes(dir.path());
  ASSERT_TRUE(available.ok()) << available.status();
  EXPECT_GT(*available, 0u);
  EXPECT_FALSE(AvailableDiskBytes(dir.Sub("missing")).ok());
}

}  // namespace
}  // namespace maillage::storage

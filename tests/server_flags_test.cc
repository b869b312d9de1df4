// The server binary refuses flag values it cannot honour, at start, with a
// message naming the flag, rather than running with another meaning.
#include <initializer_list>
#include <string>

#include "gtest/gtest.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

namespace maillage {
namespace {

// Starts the server with --`flag`=each of `values` and expects it to refuse
// every one at start with a message containing `message`.
void ExpectRefused(const std::string& flag,
                   std::initializer_list<std::string> values,
                   const std::string& message) {
  for (const std::string& value : values) {
    testing::TempDir dir;
    testing::ServerProcess server(
        MAILLAGE_SERVER_BINARY,
        {"--listen=127.0.0.1:0", "--data_dir=" + dir.Sub("store"),
         "--" + flag + "=" + value});
    EXPECT_FALSE(server.Start()) << flag << "=" << value;
    EXPECT_NE(server.error().find(message), std::string::npos)
        << flag << "=" << value << ": " << server.error();
  }
}

// Starts the server with `flag` (and unsynced writes) and expects it up.
void ExpectStarts(const std::string& flag) {
  testing::TempDir dir;
  testing::ServerProcess server(
      MAILLAGE_SERVER_BINARY,
      {"--listen=127.0.0.1:0", "--data_dir=" + dir.Sub("store"),
       "--sync_writes=false", flag});
  ASSERT_TRUE(server.Start()) << flag << ": " << server.error();
}

TEST(ServerFlagsTest, RefusesALearnerShareOutsideZeroToOne) {
  ExpectRefused("weights_background_share", {"0", "-0.5", "1.5", "nan"},
                "--weights_background_share must be in");
}

TEST(ServerFlagsTest, RefusesANegativeRelearningGrowth) {
  ExpectRefused("weights_relearn_min_growth", {"-0.1", "nan", "inf"},
                "--weights_relearn_min_growth must be 0 or more");
}

TEST(ServerFlagsTest, RefusesABackgroundWriteRateOutOfRange) {
  // Far larger values than 1 TiB/s would wrap around when turned into bytes.
  // The limit must also stay under the rate that stands for unlimited.
  ExpectRefused("background_write_mb_per_second_when_busy", {"-1", "1048576"},
                "--background_write_mb_per_second_when_busy must be >= 0");
}

TEST(ServerFlagsTest, StartsWithBackgroundWritesNeverLimited) {
  ExpectStarts("--background_write_mb_per_second_when_busy=0");
}

TEST(ServerFlagsTest, StartsWithALearnerShareInRange) {
  ExpectStarts("--weights_background_share=1");
}

}  // namespace
}  // namespace maillage

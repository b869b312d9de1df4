// The server binary refuses flag values it cannot honour, at start, with a
// message naming the flag, rather than running with another meaning.
#include <string>

#include "gtest/gtest.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

namespace maillage {
namespace {

TEST(ServerFlagsTest, RefusesALearnerShareOutsideZeroToOne) {
  for (const std::string share : {"0", "-0.5", "1.5", "nan"}) {
    testing::TempDir dir;
    testing::ServerProcess server(
        MAILLAGE_SERVER_BINARY,
        {"--listen=127.0.0.1:0", "--data_dir=" + dir.Sub("store"),
         "--weights_background_share=" + share});
    EXPECT_FALSE(server.Start()) << share;
    EXPECT_NE(server.error().find("--weights_background_share must be in"),
              std::string::npos)
        << share << ": " << server.error();
  }
}

TEST(ServerFlagsTest, RefusesANegativeRelearningGrowth) {
  for (const std::string growth : {"-0.1", "nan", "inf"}) {
    testing::TempDir dir;
    testing::ServerProcess server(
        MAILLAGE_SERVER_BINARY,
        {"--listen=127.0.0.1:0", "--data_dir=" + dir.Sub("store"),
         "--weights_relearn_min_growth=" + growth});
    EXPECT_FALSE(server.Start()) << growth;
    EXPECT_NE(
        server.error().find("--weights_relearn_min_growth must be 0 or more"),
        std::string::npos)
        << growth << ": " << server.error();
  }
}

TEST(ServerFlagsTest, RefusesABackgroundWriteRateOutOfRange) {
  // 1048577 MiB/s would overflow nothing yet, but no disk writes it; far
  // larger values would wrap around when turned into bytes.
  for (const std::string rate : {"-1", "1048577"}) {
    testing::TempDir dir;
    testing::ServerProcess server(
        MAILLAGE_SERVER_BINARY,
        {"--listen=127.0.0.1:0", "--data_dir=" + dir.Sub("store"),
         "--background_write_mb_per_second=" + rate});
    EXPECT_FALSE(server.Start()) << rate;
    EXPECT_NE(
        server.error().find("--background_write_mb_per_second must be >= 0"),
        std::string::npos)
        << rate << ": " << server.error();
  }
}

TEST(ServerFlagsTest, StartsWithABackgroundWriteRate) {
  testing::TempDir dir;
  testing::ServerProcess server(
      MAILLAGE_SERVER_BINARY,
      {"--listen=127.0.0.1:0", "--data_dir=" + dir.Sub("store"),
       "--sync_writes=false", "--background_write_mb_per_second=16"});
  ASSERT_TRUE(server.Start()) << server.error();
}

TEST(ServerFlagsTest, StartsWithALearnerShareInRange) {
  testing::TempDir dir;
  testing::ServerProcess server(
      MAILLAGE_SERVER_BINARY,
      {"--listen=127.0.0.1:0", "--data_dir=" + dir.Sub("store"),
       "--sync_writes=false", "--weights_background_share=1"});
  ASSERT_TRUE(server.Start()) << server.error();
}

}  // namespace
}  // namespace maillage

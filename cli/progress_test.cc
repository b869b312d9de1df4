#include "cli/progress.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace maillage::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ProgressTextTest, RowsRateShareAndEta) {
  EXPECT_EQ(ProgressText(1234567, 10, 250, 1000),
            "1,234,567 rows  123,456 rows/s  25 %  ETA 30 s");
  EXPECT_EQ(ProgressText(10, 0.1, 0, 0), "10 rows");
  // Unknown size: no share, no ETA.
  EXPECT_EQ(ProgressText(500, 2, 100, 0), "500 rows  250 rows/s");
  EXPECT_THAT(ProgressText(1, 3600, 1, 100), HasSubstr("ETA 99:00:00"));
}

TEST(ProgressLineTest, DrawsAtMostFourTimesASecondAndClears) {
  std::ostringstream out;
  ProgressLine line(out, 0, nullptr);
  line.Update(1);  // less than 250 ms after the start: nothing
  EXPECT_EQ(out.str(), "");
  line.Clear();
  EXPECT_EQ(out.str(), "");
}

TEST(FindFileOffsetTest, FollowsTheDescriptorOfAnOpenFile) {
  std::string path = ::testing::TempDir() + "/progress_test.txt";
  std::ofstream(path) << std::string(1000, 'x');
  FILE* file = std::fopen(path.c_str(), "rb");
  ASSERT_NE(file, nullptr);
  std::setvbuf(file, nullptr, _IONBF, 0);
  FileOffset offset = FindFileOffset(path);
  ASSERT_NE(offset, nullptr);
  EXPECT_EQ(offset(), 0);
  char buffer[300];
  ASSERT_EQ(std::fread(buffer, 1, sizeof buffer, file), sizeof buffer);
  EXPECT_EQ(offset(), 300);
  std::fclose(file);
  EXPECT_EQ(FindFileOffset(path + ".missing"), nullptr);
}

}  // namespace
}  // namespace maillage::cli

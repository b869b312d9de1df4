#include "ops/process_metrics.h"

#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ops/malloc_testing.h"

namespace maillage::ops {
namespace {

TEST(ProcessStatTest, ParsesTheFieldsAfterTheCommandName) {
  // A command name with a space and a parenthesis; fields 14, 15 (utime,
  // stime), 20 (threads), 22 (start time), 23 (vsize), 24 (rss).
  const std::string stat =
      "4242 (maillage (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 "
      "250 50 0 0 20 0 17 0 12345 104857600 2560 18446744073709551615";
  internal::ProcessStat parsed;
  ASSERT_TRUE(internal::ParseProcessStat(stat, 100, &parsed));
  EXPECT_DOUBLE_EQ(parsed.cpu_seconds, 3.0);
  EXPECT_DOUBLE_EQ(parsed.threads, 17);
  EXPECT_DOUBLE_EQ(parsed.start_after_boot_s, 123.45);
  EXPECT_DOUBLE_EQ(parsed.virtual_bytes, 104857600);
  EXPECT_DOUBLE_EQ(parsed.resident_pages, 2560);
  EXPECT_FALSE(internal::ParseProcessStat("4242 (short) S 1 2", 100, &parsed));
  EXPECT_FALSE(internal::ParseProcessStat("no parenthesis", 100, &parsed));
}

TEST(ProcessFamiliesTest, ReadsThisProcess) {
  std::map<std::string, double> values;
  for (const auto& family : ProcessFamilies()) {
    ASSERT_EQ(family.metric.size(), 1u) << family.name;
    const auto& sample = family.metric[0];
    values[family.name] = family.type == prometheus::MetricType::Counter
                              ? sample.counter.value
                              : sample.gauge.value;
  }
  EXPECT_GT(values.at("process_resident_memory_bytes"), 1 << 20);
  EXPECT_GE(values.at("process_virtual_memory_bytes"),
            values.at("process_resident_memory_bytes"));
  EXPECT_GE(values.at("process_threads"), 1);
  EXPECT_GE(values.at("process_open_fds"), 3);  // stdin, stdout, stderr
  EXPECT_GT(values.at("process_max_fds"), values.at("process_open_fds"));
  EXPECT_GT(values.at("process_start_time_seconds"), 1.6e9);
  EXPECT_GE(values.at("process_cpu_seconds_total"), 0);
  if (GlibcMallocInUse()) {
    EXPECT_GT(values.at("process_malloc_in_use_bytes"), 0);
    EXPECT_GE(values.at("process_malloc_free_bytes"), 0);
  } else {
    EXPECT_FALSE(values.count("process_malloc_in_use_bytes"));
  }
}

TEST(ProcessFamiliesTest, MallocInUseFollowsAnAllocation) {
  if (!GlibcMallocInUse()) GTEST_SKIP() << "malloc is a sanitizer's";
  auto in_use = [] {
    for (const auto& family : ProcessFamilies()) {
      if (family.name == "process_malloc_in_use_bytes") {
        return family.metric[0].gauge.value;
      }
    }
    return -1.0;
  };
  double before = in_use();
  std::vector<char> block(64 << 20, 'x');
  double during = in_use();
  EXPECT_GE(during - before, 60 << 20) << block[12345];
}

}  // namespace
}  // namespace maillage::ops

// The server binary's malloc, through its /metrics: it runs on the allocator
// the build linked (jemalloc unless sanitized, see CMakeLists.txt), says so
// (process_allocator_info), and reports that allocator's own figures.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ops/metrics_testing.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

namespace maillage {
namespace {

using ops::testing::SampleKey;

TEST(ServerMemoryTest, RunsOnTheAllocatorItWasBuiltWithAndReportsIt) {
  testing::TempDir dir;
  testing::ServerProcess server(
      MAILLAGE_SERVER_BINARY,
      {"--listen=127.0.0.1:0", "--data_dir=" + dir.Sub("store"),
       "--sync_writes=false", "--metrics_address=127.0.0.1:0"});
  ASSERT_TRUE(server.Start()) << server.error();
  EXPECT_NE(server.output().find("\"allocator\":\"" +
                                 std::string(MAILLAGE_SERVER_ALLOCATOR) + "\""),
            std::string::npos)
      << server.output();
  const int port = server.metrics_port();
  ASSERT_GT(port, 0) << server.output();
  auto body = ops::testing::HttpGet("127.0.0.1", port, "/metrics");
  ASSERT_TRUE(body.ok()) << body.status();
  auto scrape = ops::testing::ParseScrape(*body);
  ASSERT_TRUE(scrape.ok()) << scrape.status();
  const auto& samples = scrape->samples;

  EXPECT_EQ(
      samples.count(SampleKey("process_allocator_info",
                              {{"allocator", MAILLAGE_SERVER_ALLOCATOR}})),
      1u)
      << *body;
  if (std::string(MAILLAGE_SERVER_ALLOCATOR) == "sanitizer") {
    EXPECT_EQ(samples.count("process_malloc_in_use_bytes"), 0u);
    return;
  }
  ASSERT_EQ(samples.count("process_malloc_in_use_bytes"), 1u) << *body;
  const double in_use = samples.at("process_malloc_in_use_bytes");
  const double kept_free = samples.at("process_malloc_free_bytes");
  const double resident = samples.at("process_resident_memory_bytes");
  // The store's caches, the geography and the index are allocated by then.
  EXPECT_GT(in_use, 1 << 20);
  EXPECT_GE(kept_free, 0);
  if (std::string(MAILLAGE_SERVER_ALLOCATOR) == "jemalloc") {
    // jemalloc's resident pages (in use + kept free) are part of the
    // process's; glibc counts free chunks whose pages it gave back.
    EXPECT_LE(in_use + kept_free, resident);
  }
}

}  // namespace
}  // namespace maillage

#include "ops/metrics.h"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ops/collector.h"
#include "ops/metrics_testing.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace maillage::ops {
namespace {

using ::testing::HasSubstr;
using testing::HttpGet;
using testing::ParseScrape;
using testing::SampleKey;

TEST(MetricsTest, ServesTheRegistryOverHttp) {
  Metrics metrics;
  auto& things = prometheus::BuildCounter()
                     .Name("maillage_test_things_total")
                     .Help("Things done, by kind.")
                     .Register(metrics.registry());
  things.Add({{"kind", "small"}}).Increment(3);
  ASSERT_TRUE(metrics.Serve("127.0.0.1:0").ok());
  ASSERT_GT(metrics.port(), 0);

  auto body = HttpGet("127.0.0.1", metrics.port(), "/metrics");
  ASSERT_TRUE(body.ok()) << body.status();
  auto scrape = ParseScrape(*body);
  ASSERT_TRUE(scrape.ok()) << scrape.status();
  const std::string small =
      SampleKey("maillage_test_things_total", {{"kind", "small"}});
  EXPECT_EQ(scrape->samples.at(small), 3);
  EXPECT_EQ(scrape->types.at("maillage_test_things_total"), "counter");

  // Registered and updated while serving: the next scrape shows it.
  things.Add({{"kind", "large"}}).Increment();
  things.Add({{"kind", "small"}}).Increment();
  body = HttpGet("127.0.0.1", metrics.port(), "/metrics");
  ASSERT_TRUE(body.ok()) << body.status();
  scrape = ParseScrape(*body);
  ASSERT_TRUE(scrape.ok()) << scrape.status();
  EXPECT_EQ(scrape->samples.at(small), 4);
  EXPECT_EQ(scrape->samples.at(
                SampleKey("maillage_test_things_total", {{"kind", "large"}})),
            1);
  EXPECT_THAT(metrics.Scrape(), HasSubstr("maillage_test_things_total"));
}

TEST(MetricsTest, AnAddressInUseIsAnError) {
  Metrics first;
  ASSERT_TRUE(first.Serve("127.0.0.1:0").ok());
  Metrics second;
  absl::Status taken =
      second.Serve("127.0.0.1:" + std::to_string(first.port()));
  EXPECT_EQ(taken.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(taken.message()), HasSubstr("cannot serve metrics"));
  EXPECT_EQ(second.port(), 0);
  EXPECT_EQ(first.Serve("127.0.0.1:0").code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(MetricsTest, CollectorsAreReadAtEachScrapeUntilDetached) {
  Metrics metrics;
  double bytes = 10;
  auto collector = std::make_shared<ScrapeCollector>([&bytes] {
    std::vector<prometheus::MetricFamily> families;
    families.push_back(GaugeFamily("maillage_test_bytes", "Bytes."));
    AddSample(families.back(), bytes, {{"part", "a"}});
    families.push_back(CounterFamily("maillage_test_reads_total", "Reads."));
    AddSample(families.back(), 7);
    return families;
  });
  ASSERT_TRUE(metrics.Serve("127.0.0.1:0").ok());
  metrics.AddCollector(collector);  // after Serve: served too
  const std::string part_a = SampleKey("maillage_test_bytes", {{"part", "a"}});

  auto body = HttpGet("127.0.0.1", metrics.port(), "/metrics");
  ASSERT_TRUE(body.ok()) << body.status();
  auto scrape = ParseScrape(*body);
  ASSERT_TRUE(scrape.ok()) << scrape.status();
  EXPECT_EQ(scrape->samples.at(part_a), 10);
  EXPECT_EQ(scrape->samples.at("maillage_test_reads_total"), 7);
  EXPECT_EQ(scrape->types.at("maillage_test_bytes"), "gauge");
  EXPECT_EQ(scrape->types.at("maillage_test_reads_total"), "counter");

  bytes = 12;
  scrape = ParseScrape(metrics.Scrape());
  ASSERT_TRUE(scrape.ok()) << scrape.status();
  EXPECT_EQ(scrape->samples.at(part_a), 12);

  collector->Detach();
  scrape = ParseScrape(metrics.Scrape());
  ASSERT_TRUE(scrape.ok()) << scrape.status();
  EXPECT_EQ(scrape->samples.count(part_a), 0u);
}

TEST(MetricsTest, NotServedUntilAsked) {
  Metrics metrics;
  EXPECT_EQ(metrics.port(), 0);
  EXPECT_EQ(metrics.Scrape(), "");
}

TEST(ScrapeTest, ParsesLabelsSpecialValuesAndHistograms) {
  auto scrape = ParseScrape(
      "# HELP a_total A.\n"
      "# TYPE a_total counter\n"
      "a_total{x=\"1\",b=\"q\\\"uote\"} 2\n"
      "\n"
      "# TYPE g gauge\n"
      "g NaN\n"
      "h_bucket{le=\"+Inf\"} 5 1700000000000\n"
      "h_sum -Inf\n");
  ASSERT_TRUE(scrape.ok()) << scrape.status();
  EXPECT_EQ(scrape->samples.at("a_total{b=\"q\\\"uote\",x=\"1\"}"), 2);
  EXPECT_TRUE(std::isnan(scrape->samples.at("g")));
  EXPECT_EQ(scrape->samples.at(SampleKey("h_bucket", {{"le", "+Inf"}})), 5);
  EXPECT_TRUE(std::isinf(scrape->samples.at("h_sum")));
  EXPECT_EQ(scrape->types.at("g"), "gauge");
}

TEST(ScrapeTest, RefusesWhatIsNotASample) {
  for (const char* bad : {"a_total", "a_total{x=\"1\" 2", "a_total{x=1} 2",
                          "a_total two", "{x=\"1\"} 2", "a 1 2 3"}) {
    EXPECT_EQ(ParseScrape(bad).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

}  // namespace
}  // namespace maillage::ops

#include "services/request_observer.h"

#include <string>
#include <vector>

#include "base/log.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ops/metrics.h"
#include "ops/metrics_testing.h"

namespace maillage::services {
namespace {

using ops::testing::ParseScrape;
using ops::testing::SampleKey;
using ::testing::HasSubstr;
using ::testing::Not;

class RequestObserverTest : public ::testing::Test {
 protected:
  RequestObserverTest() {
    base::SetLogOptions(
        {base::LogLevel::kInfo, base::LogFormat::kJson,
         [this](std::string_view line) { lines_.emplace_back(line); }});
  }
  ~RequestObserverTest() override { base::SetLogOptions({}); }

  double Sample(const std::string& key) {
    auto scrape = ParseScrape(metrics_.Scrape());
    EXPECT_TRUE(scrape.ok()) << scrape.status();
    auto it = scrape->samples.find(key);
    return it == scrape->samples.end() ? -1 : it->second;
  }

  ops::Metrics metrics_;
  std::vector<std::string> lines_;
};

TEST_F(RequestObserverTest, CountsTimesAndLogsEachCallOnce) {
  RequestObserver observer(metrics_.registry(), {});
  auto call = observer.Begin("GetActor", Transport::kHttp, "");
  EXPECT_EQ(call->request_id().size(), 16u);
  EXPECT_EQ(
      Sample(SampleKey("maillage_requests_in_flight", {{"transport", "http"}})),
      1);
  call->SetRequestBytes(12);
  call->SetCaller("pseudonym:abc", "reader", "lab");
  call->End(absl::StatusCode::kNotFound, 0);
  call->End(absl::StatusCode::kOk, 10);  // a second end is ignored
  call.reset();                          // and so is the destructor's

  EXPECT_EQ(
      Sample(SampleKey("maillage_requests_total", {{"code", "NOT_FOUND"},
                                                   {"method", "GetActor"},
                                                   {"transport", "http"}})),
      1);
  EXPECT_EQ(
      Sample(SampleKey(
          "maillage_requests_total",
          {{"code", "OK"}, {"method", "GetActor"}, {"transport", "http"}})),
      -1);
  EXPECT_EQ(Sample(SampleKey("maillage_request_duration_seconds_count",
                             {{"method", "GetActor"}, {"transport", "http"}})),
            1);
  EXPECT_EQ(
      Sample(SampleKey("maillage_requests_in_flight", {{"transport", "http"}})),
      0);
  ASSERT_EQ(lines_.size(), 1u);
  for (const char* part :
       {"\"event\":\"request\"", "\"method\":\"GetActor\"",
        "\"transport\":\"http\"", "\"status\":\"NOT_FOUND\"",
        "\"principal\":\"pseudonym:abc\"", "\"role\":\"reader\"",
        "\"workspace\":\"lab\"", "\"request_bytes\":12", "\"response_bytes\":0",
        "\"latency_ms\":"}) {
    EXPECT_THAT(lines_[0], HasSubstr(part));
  }
}

TEST_F(RequestObserverTest, AnUnendedCallEndsUnknownAtAnErrorLevel) {
  RequestObserver observer(metrics_.registry(), {});
  observer.Begin("ImportActors", Transport::kGrpc, "not a traceparent");
  EXPECT_EQ(
      Sample(SampleKey("maillage_requests_total", {{"code", "UNKNOWN"},
                                                   {"method", "ImportActors"},
                                                   {"transport", "grpc"}})),
      1);
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_THAT(lines_[0], HasSubstr("\"level\":\"error\""));
  EXPECT_THAT(lines_[0], HasSubstr("\"traceparent_invalid\":true"));
  EXPECT_THAT(lines_[0], Not(HasSubstr("principal")));
  EXPECT_THAT(lines_[0], Not(HasSubstr("response_bytes")));
}

TEST_F(RequestObserverTest, LogLinesCanBeTurnedOffAndMetricsStay) {
  RequestObserver observer(metrics_.registry(), {/*log_requests=*/false});
  observer
      .Begin("GetActor", Transport::kGrpc,
             "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
      ->End(absl::StatusCode::kOk, 5);
  EXPECT_TRUE(lines_.empty());
  EXPECT_EQ(
      Sample(SampleKey(
          "maillage_requests_total",
          {{"code", "OK"}, {"method", "GetActor"}, {"transport", "grpc"}})),
      1);
}

TEST_F(RequestObserverTest, RemembersPseudonyms) {
  RequestObserver observer(metrics_.registry(), {});
  int made = 0;
  auto make = [&made](const std::string& id) {
    ++made;
    return "pseudonym:" + id.substr(4);
  };
  EXPECT_EQ(observer.Pseudonym("key:a", make), "pseudonym:a");
  EXPECT_EQ(observer.Pseudonym("key:a", make), "pseudonym:a");
  EXPECT_EQ(observer.Pseudonym("key:b", make), "pseudonym:b");
  EXPECT_EQ(made, 2);
}

}  // namespace
}  // namespace maillage::services

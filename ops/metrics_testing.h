#ifndef MAILLAGE_OPS_METRICS_TESTING_H_
#define MAILLAGE_OPS_METRICS_TESTING_H_

#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

// For tests: fetch a metrics endpoint over real HTTP and parse what it says,
// rather than grep it.
namespace maillage::ops::testing {

// The body of GET http://<host>:<port><path> (HTTP/1.1, one request per
// connection, over a plain socket; a chunked body is decoded).
// UNAVAILABLE when the connection fails, FAILED_PRECONDITION naming the
// status line unless the answer is 200.
absl::StatusOr<std::string> HttpGet(const std::string& host, int port,
                                    const std::string& path);

// A scrape in Prometheus' text exposition format (version 0.0.4), parsed.
struct Scrape {
  // Every sample by SampleKey(name, labels); NaN and ±Inf included.
  std::map<std::string, double> samples;
  // The "# TYPE" of each family: counter, gauge, histogram, summary, untyped.
  std::map<std::string, std::string> types;
};

// INVALID_ARGUMENT naming the first line that is not a comment, a blank line
// or a well-formed sample.
absl::StatusOr<Scrape> ParseScrape(std::string_view text);

// "name" when there is no label, else "name{a=\"x\",b=\"y\"}" with the labels
// in name order and their values as written in the text (escapes kept).
std::string SampleKey(std::string_view name,
                      const std::map<std::string, std::string>& labels = {});

}  // namespace maillage::ops::testing

#endif  // MAILLAGE_OPS_METRICS_TESTING_H_

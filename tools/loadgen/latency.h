#ifndef MAILLAGE_TOOLS_LOADGEN_LATENCY_H_
#define MAILLAGE_TOOLS_LOADGEN_LATENCY_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/support/status.h"

namespace maillage::loadgen {

// What completed during one reporting interval.
struct IntervalSamples {
  // Latency in milliseconds of every completed call, by method.
  std::map<std::string, std::vector<double>> latencies_ms;
  // Failed calls by status code name ("UNAVAILABLE").
  std::map<std::string, int64_t> errors;
  // Refusals the API documents for the state the load drove the store into
  // (e.g. SuggestPartners for an actor with no capacity left), by method.
  std::map<std::string, int64_t> refusals;
  int64_t completed = 0;  // successes and failures
};

// The q-quantile (0 <= q <= 1) of `values` by the nearest-rank method;
// sorts `values`. 0 when empty.
double Quantile(std::vector<double>* values, double q);

// Collects completed calls from any thread; a reporter takes them interval
// by interval. Thread-safe.
class LatencyRecorder {
 public:
  // `expected`: a failure that is a documented refusal, not an error.
  void Record(const std::string& method, absl::Duration latency,
              const grpc::Status& status, bool expected = false);
  // "Method: CODE: message" of the first few failures, to say what failed.
  std::vector<std::string> FirstErrors();
  // Everything recorded since the previous call.
  IntervalSamples Take();

 private:
  std::mutex mu_;
  IntervalSamples current_;                // guarded by mu_
  std::vector<std::string> first_errors_;  // guarded by mu_
};

// "UNAVAILABLE" for grpc::StatusCode::UNAVAILABLE.
std::string CodeName(grpc::StatusCode code);

}  // namespace maillage::loadgen

#endif  // MAILLAGE_TOOLS_LOADGEN_LATENCY_H_

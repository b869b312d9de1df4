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
  int64_t completed = 0;  // successes and failures
};

// The q-quantile (0 <= q <= 1) of `values` by the nearest-rank method;
// sorts `values`. 0 when empty.
double Quantile(std::vector<double>* values, double q);

// Collects completed calls from any thread; a reporter takes them interval
// by interval. Thread-safe.
class LatencyRecorder {
 public:
  void Record(const std::string& method, absl::Duration latency,
              grpc::StatusCode code);
  // Everything recorded since the previous call.
  IntervalSamples Take();

 private:
  std::mutex mu_;
  IntervalSamples current_;  // guarded by mu_
};

// "UNAVAILABLE" for grpc::StatusCode::UNAVAILABLE.
std::string CodeName(grpc::StatusCode code);

}  // namespace maillage::loadgen

#endif  // MAILLAGE_TOOLS_LOADGEN_LATENCY_H_

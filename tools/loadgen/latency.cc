#include "tools/loadgen/latency.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/status/status.h"

namespace maillage::loadgen {

double Quantile(std::vector<double>* values, double q) {
  if (values->empty()) return 0;
  std::sort(values->begin(), values->end());
  size_t rank =
      static_cast<size_t>(std::ceil(q * static_cast<double>(values->size())));
  return (*values)[std::clamp<size_t>(rank, 1, values->size()) - 1];
}

void LatencyRecorder::Record(const std::string& method, absl::Duration latency,
                             const grpc::Status& status, bool expected) {
  constexpr size_t kKeptErrors = 10;
  std::lock_guard lock(mu_);
  ++current_.completed;
  if (!status.ok() && expected) {
    ++current_.refusals[method];
    return;
  }
  if (!status.ok()) {
    std::string code = CodeName(status.error_code());
    ++current_.errors[code];
    if (first_errors_.size() < kKeptErrors) {
      first_errors_.push_back(method + ": " + code + ": " +
                              status.error_message());
    }
    return;
  }
  current_.latencies_ms[method].push_back(absl::ToDoubleMilliseconds(latency));
}

std::vector<std::string> LatencyRecorder::FirstErrors() {
  std::lock_guard lock(mu_);
  return first_errors_;
}

IntervalSamples LatencyRecorder::Take() {
  std::lock_guard lock(mu_);
  return std::exchange(current_, IntervalSamples());
}

std::string CodeName(grpc::StatusCode code) {
  // gRPC's codes are google.rpc.Code's, as absl's are.
  std::string name =
      absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  return name.empty() ? "CODE_" + std::to_string(static_cast<int>(code)) : name;
}

}  // namespace maillage::loadgen

#ifndef MAILLAGE_SERVICES_REQUEST_OBSERVER_H_
#define MAILLAGE_SERVICES_REQUEST_OBSERVER_H_

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "absl/status/status.h"
#include "base/trace_context.h"

namespace prometheus {
class Counter;
template <typename T>
class Family;
class Gauge;
class Histogram;
class Registry;
}  // namespace prometheus

namespace maillage::services {

// How a call reached the server: over gRPC, or through the HTTP/JSON face
// (services/http/), which makes it over the in-process channel.
enum class Transport { kGrpc = 0, kHttp = 1 };
inline constexpr int kTransportCount = 2;
// "grpc", "http".
std::string_view TransportName(Transport transport);

class RequestObserver;

// What is known of one call to the metrics and the request log, from its
// arrival to its end. Filled by the request handler as the call goes; End
// (or the destructor, with UNKNOWN) counts it and writes its log line, once.
// Used by one thread at a time.
class ObservedCall {
 public:
  ~ObservedCall();
  ObservedCall(const ObservedCall&) = delete;
  ObservedCall& operator=(const ObservedCall&) = delete;

  // The server-made id of the call, 16 hex digits: in its log line, and
  // answered by the HTTP face as its X-Request-Id header.
  std::string_view request_id() const {
    return std::string_view(request_id_, sizeof request_id_);
  }

  void SetRequestBytes(size_t bytes) { request_bytes_ = bytes; }
  // Who calls, as the log says it: `pseudonym` stands for the principal's
  // id (auth/pseudonym.h), never the id itself.
  void SetCaller(std::string pseudonym, std::string_view role,
                 std::string_view workspace);
  // Counts the call with `code`, records its latency, and logs it (with the
  // response's size when known: unary calls). Later calls do nothing.
  void End(absl::StatusCode code,
           std::optional<size_t> response_bytes = std::nullopt);

 private:
  friend class RequestObserver;
  struct MethodSeries;
  ObservedCall(RequestObserver* observer, MethodSeries* series,
               std::string_view method, Transport transport,
               std::string_view traceparent);
  // The call's log line.
  void Log(absl::StatusCode code, double seconds,
           std::optional<size_t> response_bytes) const;

  RequestObserver* const observer_;
  MethodSeries* const series_;
  const std::string_view method_;  // a literal of the services
  const Transport transport_;
  const std::chrono::steady_clock::time_point start_;
  char request_id_[16];  // hex digits, not terminated
  std::optional<base::TraceParent> trace_;
  bool trace_invalid_ = false;  // a traceparent was sent and refused
  std::optional<size_t> request_bytes_;
  std::string principal_;  // a pseudonym
  std::string role_;
  std::string workspace_;
  bool ended_ = false;
};

// The per-request metrics and log lines of the server (docs/OBSERVABILITY.md):
//   maillage_requests_total{method, code, transport} counter: calls ended,
//     by gRPC status code name ("OK", "NOT_FOUND", …);
//   maillage_request_duration_seconds{method, transport} histogram: from the
//     call's arrival at the request handler to its end (for HTTP, JSON
//     decoding and encoding are outside it);
//   maillage_requests_in_flight{transport} gauge: calls begun, not ended.
// and one "request" log line per call at level info (error for INTERNAL,
// UNKNOWN and DATA_LOSS). Method names come from the services (a closed
// set), never from the client. Thread-safe.
class RequestObserver {
 public:
  struct Options {
    // Write a log line per call (the metrics are kept either way).
    bool log_requests = true;
  };

  // Registers the families in `registry`, which must outlive this object.
  RequestObserver(prometheus::Registry& registry, Options options);
  ~RequestObserver();
  RequestObserver(const RequestObserver&) = delete;
  RequestObserver& operator=(const RequestObserver&) = delete;

  // A call of `method` (a string literal: kept by reference) arriving on
  // `transport`, with the value of its traceparent metadata ("" if none).
  std::unique_ptr<ObservedCall> Begin(std::string_view method,
                                      Transport transport,
                                      std::string_view traceparent);

  // The pseudonym of `principal_id`, made by `make` when not remembered
  // (a few thousand principals are remembered: an HMAC per call saved).
  template <typename Make>
  std::string Pseudonym(const std::string& principal_id, const Make& make);

 private:
  friend class ObservedCall;
  using MethodSeries = ObservedCall::MethodSeries;
  MethodSeries* SeriesOf(std::string_view method);
  prometheus::Counter& CallCounter(MethodSeries& series, Transport transport,
                                   absl::StatusCode code);

  const Options options_;
  prometheus::Family<prometheus::Counter>* calls_ = nullptr;
  prometheus::Family<prometheus::Histogram>* durations_ = nullptr;
  std::array<prometheus::Gauge*, kTransportCount> in_flight_{};

  std::shared_mutex series_mu_;
  std::unordered_map<std::string_view, std::unique_ptr<MethodSeries>>
      series_;  // guarded by series_mu_

  std::mutex pseudonyms_mu_;
  std::unordered_map<std::string, std::string>
      pseudonyms_;  // guarded by pseudonyms_mu_
};

template <typename Make>
std::string RequestObserver::Pseudonym(const std::string& principal_id,
                                       const Make& make) {
  constexpr size_t kRemembered = 4096;
  {
    std::lock_guard lock(pseudonyms_mu_);
    auto it = pseudonyms_.find(principal_id);
    if (it != pseudonyms_.end()) return it->second;
  }
  std::string pseudonym = make(principal_id);
  std::lock_guard lock(pseudonyms_mu_);
  if (pseudonyms_.size() >= kRemembered) pseudonyms_.clear();
  pseudonyms_.emplace(principal_id, pseudonym);
  return pseudonym;
}

}  // namespace maillage::services

#endif  // MAILLAGE_SERVICES_REQUEST_OBSERVER_H_

#include "services/request_observer.h"

#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/log.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace maillage::services {
namespace {

constexpr int kCodeCount = 17;  // OK (0) … UNAUTHENTICATED (16)

// Latency buckets, seconds: sub-millisecond reads to minutes-long imports
// (a watch stream's whole life lands in +Inf).
const prometheus::Histogram::BucketBoundaries& DurationBuckets() {
  static const auto* const buckets =
      new prometheus::Histogram::BucketBoundaries{
          0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
          0.5,    1,     2.5,    5,     10,   30,    60,   300};
  return *buckets;
}

// 64 random bits as 16 hex digits into `id`: unique enough to find one
// call's line among a day's, and cheap (no lock, no system call after the
// thread's first).
void NewRequestId(char (&id)[16]) {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  uint64_t bits = generator();
  constexpr char kHex[] = "0123456789abcdef";
  for (int i = 15; i >= 0; --i, bits >>= 4) id[i] = kHex[bits & 0xf];
}

bool IsServerError(absl::StatusCode code) {
  return code == absl::StatusCode::kInternal ||
         code == absl::StatusCode::kUnknown ||
         code == absl::StatusCode::kDataLoss;
}

}  // namespace

// The series of one method, made when it is first called; its counters by
// status code are made at their first use.
struct ObservedCall::MethodSeries {
  std::string method;
  std::array<prometheus::Histogram*, kTransportCount> duration{};
  std::array<std::array<std::atomic<prometheus::Counter*>, kCodeCount>,
             kTransportCount>
      calls{};
};

std::string_view TransportName(Transport transport) {
  return transport == Transport::kHttp ? "http" : "grpc";
}

ObservedCall::ObservedCall(RequestObserver* observer, MethodSeries* series,
                           std::string_view method, Transport transport,
                           std::string_view traceparent)
    : observer_(observer),
      series_(series),
      method_(method),
      transport_(transport),
      start_(std::chrono::steady_clock::now()) {
  NewRequestId(request_id_);
  if (!traceparent.empty()) {
    trace_ = base::ParseTraceParent(traceparent);
    trace_invalid_ = !trace_.has_value();
  }
}

ObservedCall::~ObservedCall() { End(absl::StatusCode::kUnknown); }

void ObservedCall::SetCaller(std::string pseudonym, std::string_view role,
                             std::string_view workspace) {
  principal_ = std::move(pseudonym);
  role_ = std::string(role);
  workspace_ = std::string(workspace);
}

void ObservedCall::End(absl::StatusCode code,
                       std::optional<size_t> response_bytes) {
  if (ended_) return;
  ended_ = true;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_)
          .count();
  const int t = static_cast<int>(transport_);
  series_->duration[t]->Observe(seconds);
  observer_->CallCounter(*series_, transport_, code).Increment();
  observer_->in_flight_[t]->Decrement();
  if (observer_->options_.log_requests) Log(code, seconds, response_bytes);
}

void ObservedCall::Log(absl::StatusCode code, double seconds,
                       std::optional<size_t> response_bytes) const {
  const base::LogLevel level =
      IsServerError(code) ? base::LogLevel::kError : base::LogLevel::kInfo;
  if (!base::LogEnabled(level)) return;
  base::Log line(level, "request");
  line.Add("request_id", request_id())
      .Add("method", method_)
      .Add("transport", TransportName(transport_))
      .Add("status", absl::StatusCodeToString(code))
      .Add("latency_ms", seconds * 1e3);
  if (!principal_.empty()) {
    line.Add("principal", principal_)
        .Add("role", role_)
        .Add("workspace", workspace_);
  }
  if (request_bytes_.has_value()) line.Add("request_bytes", *request_bytes_);
  if (response_bytes.has_value()) line.Add("response_bytes", *response_bytes);
  if (trace_.has_value()) {
    line.Add("trace_id", trace_->trace_id).Add("parent_id", trace_->parent_id);
  } else if (trace_invalid_) {
    line.Add("traceparent_invalid", true);
  }
}

RequestObserver::RequestObserver(prometheus::Registry& registry,
                                 Options options)
    : options_(options) {
  calls_ = &prometheus::BuildCounter()
                .Name("maillage_requests_total")
                .Help(
                    "Calls ended, by method, gRPC status code and transport "
                    "(grpc, or http for the HTTP/JSON face).")
                .Register(registry);
  durations_ = &prometheus::BuildHistogram()
                    .Name("maillage_request_duration_seconds")
                    .Help(
                        "How long calls take in the server, from their "
                        "admission check to their answer, by method and "
                        "transport.")
                    .Register(registry);
  auto& in_flight = prometheus::BuildGauge()
                        .Name("maillage_requests_in_flight")
                        .Help("Calls begun and not yet ended, by transport.")
                        .Register(registry);
  for (Transport t : {Transport::kGrpc, Transport::kHttp}) {
    in_flight_[static_cast<int>(t)] =
        &in_flight.Add({{"transport", std::string(TransportName(t))}});
  }
}

RequestObserver::~RequestObserver() = default;

std::unique_ptr<ObservedCall> RequestObserver::Begin(
    std::string_view method, Transport transport,
    std::string_view traceparent) {
  MethodSeries* series = SeriesOf(method);
  in_flight_[static_cast<int>(transport)]->Increment();
  return std::unique_ptr<ObservedCall>(
      new ObservedCall(this, series, series->method, transport, traceparent));
}

ObservedCall::MethodSeries* RequestObserver::SeriesOf(std::string_view method) {
  {
    std::shared_lock lock(series_mu_);
    auto it = series_.find(method);
    if (it != series_.end()) return it->second.get();
  }
  std::unique_lock lock(series_mu_);
  auto it = series_.find(method);
  if (it != series_.end()) return it->second.get();
  auto series = std::make_unique<MethodSeries>();
  series->method = std::string(method);
  for (Transport t : {Transport::kGrpc, Transport::kHttp}) {
    series->duration[static_cast<int>(t)] =
        &durations_->Add({{"method", series->method},
                          {"transport", std::string(TransportName(t))}},
                         DurationBuckets());
  }
  MethodSeries* raw = series.get();
  series_.emplace(raw->method, std::move(series));
  return raw;
}

prometheus::Counter& RequestObserver::CallCounter(MethodSeries& series,
                                                  Transport transport,
                                                  absl::StatusCode code) {
  int c = static_cast<int>(code);
  if (c < 0 || c >= kCodeCount)
    c = static_cast<int>(absl::StatusCode::kUnknown);
  std::atomic<prometheus::Counter*>& slot =
      series.calls[static_cast<int>(transport)][c];
  prometheus::Counter* counter = slot.load(std::memory_order_acquire);
  if (counter == nullptr) {
    // Family::Add returns the same counter for the same labels: two threads
    // racing here store the same pointer.
    counter = &calls_->Add(
        {{"method", series.method},
         {"code", absl::StatusCodeToString(static_cast<absl::StatusCode>(c))},
         {"transport", std::string(TransportName(transport))}});
    slot.store(counter, std::memory_order_release);
  }
  return *counter;
}

}  // namespace maillage::services

// The CPU one observed call costs the server (BENCHMARKS.md, "Observability
// overhead"): RequestObserver::Begin, the caller's pseudonym (remembered),
// End (counter, histogram, in-flight gauge) and, unless turned off, the
// request's JSON log line, formatted and written to stderr in batches by the
// log's thread. Process CPU time is measured, so the writer thread counts.
// Run with stderr sent somewhere real (a file: what journald costs is not
// measured here), e.g. observability_bench 2>/tmp/lines.
#include <memory>
#include <string>

#include "benchmark/benchmark.h"
#include "ops/metrics.h"
#include "services/request_observer.h"

namespace maillage::services {
namespace {

void ObserveCalls(benchmark::State& state, bool log_requests) {
  static ops::Metrics* const metrics = new ops::Metrics();
  static RequestObserver* const with_lines =
      new RequestObserver(metrics->registry(), {/*log_requests=*/true});
  static RequestObserver* const without_lines =
      new RequestObserver(metrics->registry(), {/*log_requests=*/false});
  RequestObserver& observer = log_requests ? *with_lines : *without_lines;
  const std::string principal = "key:0123456789abcdef";
  for (auto _ : state) {
    std::unique_ptr<ObservedCall> call = observer.Begin(
        "GetActor", Transport::kGrpc,
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    call->SetRequestBytes(15);
    call->SetCaller(
        observer.Pseudonym(principal,
                           [](const std::string&) {
                             return std::string(
                                 "pseudonym:"
                                 "42e3f006ac977762ac888e8326924090");
                           }),
        "admin", "default");
    call->End(absl::StatusCode::kOk, 302);
  }
}

void BM_ObservedCall(benchmark::State& state) { ObserveCalls(state, true); }
void BM_ObservedCallMetricsOnly(benchmark::State& state) {
  ObserveCalls(state, false);
}

BENCHMARK(BM_ObservedCall)->MeasureProcessCPUTime()->Threads(1)->Threads(2);
BENCHMARK(BM_ObservedCallMetricsOnly)
    ->MeasureProcessCPUTime()
    ->Threads(1)
    ->Threads(2);

}  // namespace
}  // namespace maillage::services

BENCHMARK_MAIN();

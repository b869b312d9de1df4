#include "tools/loadgen/soak.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <thread>
#include <tuple>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "tools/loadgen/channel.h"
#include "tools/loadgen/latency.h"
#include "tools/loadgen/mixed_load.h"
#include "tools/loadgen/synthetic_actors.h"

namespace maillage::loadgen {
namespace {

// Resident set of process `pid` in MiB (VmRSS), or -1.
double ServerRssMib(int pid) {
  if (pid <= 0) return -1;
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) != 0) continue;
    std::istringstream fields(line.substr(6));
    double kib = 0;
    fields >> kib;
    return kib / 1024;
  }
  return -1;
}

// Bytes of the files in `dir` in MiB: all of them, and the write-ahead logs
// (*.log, what the memtables hold unflushed). -1 when `dir` is empty.
std::pair<double, double> StoreMib(const std::string& dir) {
  if (dir.empty()) return {-1, -1};
  std::error_code ec;
  double all = 0, wal = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file(ec)) continue;
    double size = static_cast<double>(entry.file_size(ec)) / (1 << 20);
    if (ec) continue;  // a file compacted away meanwhile
    all += size;
    if (entry.path().extension() == ".log") wal += size;
  }
  return {all, wal};
}

// One interval's figures, as the CSV has them.
struct IntervalFigures {
  double elapsed_s = 0, target_rps = 0, achieved_rps = 0, rss_mib = -1;
  double store_mib = -1, wal_mib = -1;
  int64_t completed = 0, errors = 0, refusals = 0, not_sent = 0, in_flight = 0;
  double p50_ms = 0, p99_ms = 0;
  std::map<std::string, std::vector<double>> per_method;  // kept for totals
  std::map<std::string, int64_t> errors_by_code;
};

std::string CsvHeader() {
  std::string header =
      "elapsed_s,target_rps,achieved_rps,completed,errors,refusals,not_sent,"
      "in_flight,rss_mib,p50_ms,p99_ms,store_mib,wal_mib";
  for (const std::string& m : MixedMethods()) {
    absl::StrAppend(&header, ",", m, "_count,", m, "_p50_ms,", m, "_p99_ms");
  }
  return header + ",errors_by_code\n";
}

std::string ErrorsText(const std::map<std::string, int64_t>& errors) {
  return absl::StrJoin(errors, ";", absl::PairFormatter("="));
}

std::string CsvLine(IntervalFigures& f) {
  std::string line =
      absl::StrFormat("%.1f,%.1f,%.1f,%d,%d,%d,%d,%d,%.1f,%.2f,%.2f,%.1f,%.1f",
                      f.elapsed_s, f.target_rps, f.achieved_rps, f.completed,
                      f.errors, f.refusals, f.not_sent, f.in_flight, f.rss_mib,
                      f.p50_ms, f.p99_ms, f.store_mib, f.wal_mib);
  for (const std::string& m : MixedMethods()) {
    std::vector<double>& v = f.per_method[m];
    absl::StrAppendFormat(&line, ",%d,%.2f,%.2f", v.size(), Quantile(&v, 0.5),
                          Quantile(&v, 0.99));
  }
  return absl::StrCat(line, ",", ErrorsText(f.errors_by_code), "\n");
}

IntervalFigures Figures(IntervalSamples samples, absl::Duration length) {
  IntervalFigures f;
  f.completed = samples.completed;
  f.achieved_rps =
      static_cast<double>(samples.completed) / absl::ToDoubleSeconds(length);
  std::vector<double> all;
  for (auto& [method, v] : samples.latencies_ms) {
    all.insert(all.end(), v.begin(), v.end());
  }
  f.p50_ms = Quantile(&all, 0.5);
  f.p99_ms = Quantile(&all, 0.99);
  for (const auto& [code, n] : samples.errors) f.errors += n;
  for (const auto& [method, n] : samples.refusals) f.refusals += n;
  f.errors_by_code = std::move(samples.errors);
  f.per_method = std::move(samples.latencies_ms);
  return f;
}

// Takes the recorder's samples every `period`, writes the CSV and keeps the
// run's totals.
class SoakReporter {
 public:
  SoakReporter(const SoakOptions& options, LatencyRecorder* recorder,
               std::ofstream* csv)
      : options_(options), recorder_(recorder), csv_(csv) {}

  void Report(absl::Time now, int64_t not_sent, int64_t in_flight) {
    IntervalFigures f = Figures(recorder_->Take(), now - last_);
    last_ = now;
    f.elapsed_s = absl::ToDoubleSeconds(now - start_);
    f.target_rps = options_.rate;
    f.rss_mib = ServerRssMib(options_.server_pid);
    std::tie(f.store_mib, f.wal_mib) = StoreMib(options_.server_data_dir);
    f.not_sent = not_sent - not_sent_before_;
    not_sent_before_ = not_sent;
    f.in_flight = in_flight;
    for (auto& [method, v] : f.per_method) {
      totals_[method].insert(totals_[method].end(), v.begin(), v.end());
    }
    for (const auto& [code, n] : f.errors_by_code) errors_[code] += n;
    refusals_ += f.refusals;
    completed_ += f.completed;
    std::string line = CsvLine(f);
    *csv_ << line << std::flush;
    std::printf(
        "soak %6.0fs: %7.1f/s (target %.0f), p50 %.1f ms, p99 %.1f ms, "
        "errors %lld%s%s, server RSS %.1f MiB, store %.1f MiB (WAL %.1f)\n",
        f.elapsed_s, f.achieved_rps, f.target_rps, f.p50_ms, f.p99_ms,
        static_cast<long long>(f.errors), f.errors_by_code.empty() ? "" : " ",
        ErrorsText(f.errors_by_code).c_str(), f.rss_mib, f.store_mib,
        f.wal_mib);
    std::fflush(stdout);
  }

  // Prints the whole run's figures; returns whether every call succeeded.
  bool Summary(int64_t not_sent) {
    std::vector<double> all;
    for (auto& [method, v] : totals_) {
      std::printf("soak total %-16s %8zu calls, p50 %7.2f ms, p99 %7.2f ms\n",
                  method.c_str(), v.size(), Quantile(&v, 0.5),
                  Quantile(&v, 0.99));
      all.insert(all.end(), v.begin(), v.end());
    }
    std::printf(
        "soak total: %lld calls, p50 %.2f ms, p99 %.2f ms, errors {%s}, "
        "documented refusals %lld, not sent (client backlog) %lld\n",
        static_cast<long long>(completed_), Quantile(&all, 0.5),
        Quantile(&all, 0.99), ErrorsText(errors_).c_str(),
        static_cast<long long>(refusals_), static_cast<long long>(not_sent));
    for (const std::string& e : recorder_->FirstErrors()) {
      std::printf("soak error: %s\n", e.c_str());
    }
    return errors_.empty() && not_sent == 0;
  }

  void Start(absl::Time start) { start_ = last_ = start; }

 private:
  const SoakOptions& options_;
  LatencyRecorder* recorder_;
  std::ofstream* csv_;
  absl::Time start_, last_;
  int64_t not_sent_before_ = 0, completed_ = 0, refusals_ = 0;
  std::map<std::string, std::vector<double>> totals_;
  std::map<std::string, int64_t> errors_;
};

// What both loads need: the geography's places and the store's actors.
struct LoadSetup {
  std::unique_ptr<territory::Geography> geography;
  WorkloadPlaces places;
  std::vector<std::shared_ptr<grpc::Channel>> channels;  // one connection each
  ActorPool pool;
};

absl::StatusOr<LoadSetup> SetUp(const std::string& target,
                                const std::string& reference_dir,
                                int connections) {
  LoadSetup setup;
  auto geography = territory::Geography::Load(reference_dir + "/geo");
  if (!geography.ok()) return geography.status();
  setup.geography = *std::move(geography);
  setup.places = WorkloadPlaces::From(*setup.geography);
  for (int i = 0; i < std::max(connections, 1); ++i) {
    setup.channels.push_back(Connect(target, /*own_connection=*/true));
  }
  auto stub = v1::ActorService::NewStub(setup.channels.front());
  auto pool = LoadActorPool(*stub);
  if (!pool.ok()) return pool.status();
  setup.pool = *std::move(pool);
  return setup;
}

}  // namespace

int RunSoak(const SoakOptions& options) {
  auto setup =
      SetUp(options.target, options.reference_dir, options.connections);
  std::ofstream csv(options.csv);
  if (!setup.ok() || !csv) {
    std::fprintf(stderr, "loadgen soak: %s\n",
                 setup.ok() ? ("cannot write " + options.csv).c_str()
                            : setup.status().ToString().c_str());
    return 2;
  }
  csv << CsvHeader();
  LatencyRecorder recorder;
  MixedLoad load(setup->channels, setup->pool, &setup->places, &recorder,
                 options.seed);
  SoakReporter reporter(options, &recorder, &csv);
  const absl::Time start = absl::Now();
  const absl::Time end = start + absl::Seconds(options.seconds);
  const absl::Duration period = absl::Seconds(options.report_seconds);
  reporter.Start(start);
  absl::Time next_report = start + period;
  int64_t not_sent = 0;
  for (int64_t i = 0;; ++i) {
    absl::Time due =
        start + absl::Seconds(static_cast<double>(i) / options.rate);
    if (due >= end) break;
    if (next_report <= due) {
      absl::SleepFor(next_report - absl::Now());
      reporter.Report(next_report, not_sent, load.in_flight());
      next_report += period;
    }
    absl::SleepFor(due - absl::Now());  // no-op when late
    if (load.in_flight() >= options.max_in_flight) {
      ++not_sent;
      continue;
    }
    load.Send(due, nullptr);
  }
  load.Drain(absl::Seconds(30));
  reporter.Report(absl::Now(), not_sent, load.in_flight());
  return reporter.Summary(not_sent) ? 0 : 1;
}

int RunPeak(const PeakOptions& options) {
  auto setup =
      SetUp(options.target, options.reference_dir, options.connections);
  if (!setup.ok()) {
    std::fprintf(stderr, "loadgen peak: %s\n",
                 setup.status().ToString().c_str());
    return 2;
  }
  double best_rate = 0;
  int best_clients = 0;
  for (int clients : options.clients) {
    LatencyRecorder recorder;
    MixedLoad load(setup->channels, setup->pool, &setup->places, &recorder,
                   options.seed + static_cast<uint64_t>(clients));
    std::atomic<bool> running{true};
    // Each completion sends the next call while the step runs.
    std::function<void()> next = [&] {
      if (running.load()) load.Send(absl::Now(), next);
    };
    const absl::Time start = absl::Now();
    for (int c = 0; c < clients; ++c) load.Send(absl::Now(), next);
    absl::SleepFor(absl::Seconds(options.step_seconds));
    running = false;
    IntervalFigures f = Figures(recorder.Take(), absl::Now() - start);
    load.Drain(absl::Seconds(30));
    for (const std::string& e : recorder.FirstErrors()) {
      std::printf("peak error: %s\n", e.c_str());
    }
    std::printf(
        "peak step: %3d clients, %8.1f calls/s, p50 %.2f ms, p99 "
        "%.2f ms, errors %lld%s%s\n",
        clients, f.achieved_rps, f.p50_ms, f.p99_ms,
        static_cast<long long>(f.errors), f.errors == 0 ? "" : " ",
        ErrorsText(f.errors_by_code).c_str());
    std::fflush(stdout);
    if (f.errors == 0 && f.achieved_rps > best_rate) {
      best_rate = f.achieved_rps;
      best_clients = clients;
    }
  }
  std::printf("peak_rps=%.1f clients=%d\n", best_rate, best_clients);
  return 0;
}

int RunPopulate(const std::string& reference_dir, const std::string& path,
                int count, uint64_t seed) {
  auto geography = territory::Geography::Load(reference_dir + "/geo");
  std::ofstream out(path);
  if (!geography.ok() || !out) {
    std::fprintf(stderr,
                 "loadgen populate: cannot load geography or write %s\n",
                 path.c_str());
    return 2;
  }
  WorkloadPlaces places = WorkloadPlaces::From(**geography);
  ActorFactory factory(&places, seed);
  for (int n = 0; n < count; ++n) {
    std::string json;
    auto status = google::protobuf::util::MessageToJsonString(
        factory.Churned(absl::StrCat("ext:loadgen:s", n), "initial"), &json);
    if (!status.ok()) {
      std::fprintf(stderr, "loadgen populate: %s\n", status.ToString().c_str());
      return 2;
    }
    out << json << '\n';
  }
  return out ? 0 : 2;
}

}  // namespace maillage::loadgen

// RunSoakReport (soak.h): the criteria of issue 18 applied to a soak CSV.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "tools/loadgen/latency.h"
#include "tools/loadgen/soak.h"

namespace maillage::loadgen {
namespace {

// The numeric columns of a soak CSV, by name; one value per row.
using Columns = std::map<std::string, std::vector<double>>;

bool ReadCsv(const std::string& path, Columns* columns) {
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line)) return false;
  std::vector<std::string> names = absl::StrSplit(line, ',');
  while (std::getline(in, line)) {
    std::vector<std::string> cells = absl::StrSplit(line, ',');
    for (size_t i = 0; i < names.size() && i < cells.size(); ++i) {
      double v = 0;
      if (absl::SimpleAtod(cells[i], &v)) (*columns)[names[i]].push_back(v);
    }
  }
  return columns->count("elapsed_s") > 0 && !(*columns)["elapsed_s"].empty();
}

double Median(std::vector<double> v) { return Quantile(&v, 0.5); }

// Least-squares slope of y over x.
double Slope(const std::vector<double>& x, const std::vector<double>& y) {
  double n = static_cast<double>(x.size()), sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sx += x[i];
    sy += y[i];
    sxx += x[i] * x[i];
    sxy += x[i] * y[i];
  }
  double d = n * sxx - sx * sx;
  return d == 0 ? 0 : (n * sxy - sx * sy) / d;
}

class Judge {
 public:
  explicit Judge(double warmup) : warmup_(warmup) {}

  void Row(const std::string& criterion, const std::string& measured,
           const std::string& limit, bool pass) {
    std::printf("| %s | %s | %s | %s |\n", criterion.c_str(), measured.c_str(),
                limit.c_str(), pass ? "pass" : "**FAIL**");
    all_pass_ = all_pass_ && pass;
  }
  bool all_pass() const { return all_pass_; }

  // The rows after the warm-up, without the last (the drain, partial).
  std::vector<double> Steady(const Columns& c, const std::string& name) const {
    const auto& t = c.at("elapsed_s");
    const auto& v = c.at(name);
    std::vector<double> out;
    for (size_t i = 0; i + 1 < t.size() && i < v.size(); ++i) {
      if (t[i] > warmup_) out.push_back(v[i]);
    }
    return out;
  }

 private:
  double warmup_;
  bool all_pass_ = true;
};

void JudgeRss(const Columns& c, Judge* judge) {
  std::vector<double> rss = judge->Steady(c, "rss_mib");
  std::vector<double> t = judge->Steady(c, "elapsed_s");
  if (rss.empty() || rss.front() < 0) {
    judge->Row("Server RSS flat", "not sampled", "±5% of median", false);
    return;
  }
  double median = Median(rss);
  double worst = 0;
  for (double v : rss) worst = std::max(worst, std::abs(v - median) / median);
  double per_hour = Slope(t, rss) * 3600;
  judge->Row("Server RSS after warm-up",
             absl::StrFormat("median %.1f MiB, min %.1f, max %.1f, widest "
                             "%.1f%% off, trend %+.1f MiB/h",
                             median, *std::min_element(rss.begin(), rss.end()),
                             *std::max_element(rss.begin(), rss.end()),
                             100 * worst, per_hour),
             "every sample within ±5% of the median", worst <= 0.05);
}

void JudgeP99(const Columns& c, Judge* judge) {
  std::vector<double> p99 = judge->Steady(c, "p99_ms");
  if (p99.size() < 3) {
    judge->Row("p99 stable", "too few intervals", "3 or more", false);
    return;
  }
  size_t third = p99.size() / 3;
  double first = Median({p99.begin(), p99.begin() + third});
  double last = Median({p99.end() - third, p99.end()});
  double median = Median(p99);
  size_t spikes = static_cast<size_t>(std::count_if(
      p99.begin(), p99.end(), [&](double v) { return v > 3 * median; }));
  double drift = first > 0 ? (last - first) / first : 0;
  judge->Row("p99 drift (10-s p99s, last third vs first third)",
             absl::StrFormat("%.2f ms -> %.2f ms (%+.0f%%), overall median "
                             "%.2f ms, max %.2f ms",
                             first, last, 100 * drift, median,
                             *std::max_element(p99.begin(), p99.end())),
             "within ±25%", std::abs(drift) <= 0.25);
  judge->Row(
      "p99 spikes (intervals above 3× the median)",
      absl::StrFormat("%zu of %zu", spikes, p99.size()), "at most 1%",
      static_cast<double>(spikes) <= 0.01 * static_cast<double>(p99.size()));
}

void JudgeErrorsAndRate(const Columns& c, Judge* judge) {
  double errors = 0, not_sent = 0, refusals = 0;
  for (double v : c.at("errors")) errors += v;
  for (double v : c.at("not_sent")) not_sent += v;
  for (double v : c.at("refusals")) refusals += v;
  judge->Row("Unexpected errors",
             absl::StrFormat("%.0f failed calls, %.0f not sent (client "
                             "backlog); apart: %.0f documented refusals",
                             errors, not_sent, refusals),
             "0", errors == 0 && not_sent == 0);
  std::vector<double> achieved = judge->Steady(c, "achieved_rps");
  std::vector<double> target = judge->Steady(c, "target_rps");
  if (achieved.empty()) return;
  double mean = 0;
  for (double v : achieved) mean += v;
  mean /= static_cast<double>(achieved.size());
  judge->Row("Rate achieved",
             absl::StrFormat("%.1f/s of %.1f/s", mean, target.front()),
             "within 2%", mean >= 0.98 * target.front());
}

}  // namespace

int RunSoakReport(const std::string& csv, double warmup_seconds) {
  Columns columns;
  if (!ReadCsv(csv, &columns)) {
    std::fprintf(stderr, "loadgen soak-report: cannot read %s\n", csv.c_str());
    return 2;
  }
  Judge judge(warmup_seconds);
  std::printf(
      "| Criterion | Measured | Limit | Verdict |\n|---|---|---|---|\n");
  JudgeRss(columns, &judge);
  JudgeP99(columns, &judge);
  JudgeErrorsAndRate(columns, &judge);
  std::printf("\nsoak verdict: %s\n", judge.all_pass() ? "PASS" : "FAIL");
  return judge.all_pass() ? 0 : 1;
}

}  // namespace maillage::loadgen

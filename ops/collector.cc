#include "ops/collector.h"

namespace maillage::ops {

std::vector<prometheus::MetricFamily> ScrapeCollector::Collect() const {
  std::lock_guard lock(mu_);
  if (!collect_) return {};
  return collect_();
}

void ScrapeCollector::Detach() {
  std::lock_guard lock(mu_);
  collect_ = nullptr;
}

prometheus::MetricFamily GaugeFamily(std::string name, std::string help) {
  prometheus::MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = prometheus::MetricType::Gauge;
  return family;
}

prometheus::MetricFamily CounterFamily(std::string name, std::string help) {
  prometheus::MetricFamily family =
      GaugeFamily(std::move(name), std::move(help));
  family.type = prometheus::MetricType::Counter;
  return family;
}

void AddSample(prometheus::MetricFamily& family, double value,
               std::vector<std::pair<std::string, std::string>> labels) {
  prometheus::ClientMetric sample;
  for (auto& [name, label_value] : labels) {
    sample.label.push_back({std::move(name), std::move(label_value)});
  }
  if (family.type == prometheus::MetricType::Counter) {
    sample.counter.value = value;
  } else {
    sample.gauge.value = value;
  }
  family.metric.push_back(std::move(sample));
}

}  // namespace maillage::ops

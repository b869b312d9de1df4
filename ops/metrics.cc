#include "ops/metrics.h"

#include <exception>
#include <iterator>
#include <mutex>
#include <vector>

#include "absl/strings/str_cat.h"
#include "prometheus/collectable.h"
#include "prometheus/exposer.h"
#include "prometheus/metric_family.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace maillage::ops {

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {}

Metrics::~Metrics() = default;

absl::Status Metrics::Serve(const std::string& address) {
  if (exposer_ != nullptr) {
    return absl::FailedPreconditionError("the metrics endpoint is served");
  }
  std::unique_ptr<prometheus::Exposer> exposer;
  try {
    // civetweb throws when it cannot bind (address in use, bad address).
    exposer = std::make_unique<prometheus::Exposer>(address, /*threads=*/2);
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", address, ": ", e.what()));
  }
  std::vector<int> ports = exposer->GetListeningPorts();
  if (ports.empty()) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", address));
  }
  exposer->RegisterCollectable(registry_, "/metrics");
  std::lock_guard lock(collectors_mu_);
  for (const auto& collector : collectors_) {
    exposer->RegisterCollectable(collector, "/metrics");
  }
  port_ = ports.front();
  exposer_ = std::move(exposer);
  return absl::OkStatus();
}

void Metrics::AddCollector(std::shared_ptr<prometheus::Collectable> collector) {
  std::lock_guard lock(collectors_mu_);
  if (exposer_ != nullptr) exposer_->RegisterCollectable(collector, "/metrics");
  collectors_.push_back(std::move(collector));
}

std::string Metrics::Scrape() const {
  std::vector<prometheus::MetricFamily> families = registry_->Collect();
  std::vector<std::shared_ptr<prometheus::Collectable>> collectors;
  {
    std::lock_guard lock(collectors_mu_);
    collectors = collectors_;
  }
  for (const auto& collector : collectors) {
    std::vector<prometheus::MetricFamily> more = collector->Collect();
    families.insert(families.end(), std::make_move_iterator(more.begin()),
                    std::make_move_iterator(more.end()));
  }
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace maillage::ops

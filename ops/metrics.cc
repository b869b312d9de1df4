#include "ops/metrics.h"

#include <exception>
#include <vector>

#include "absl/strings/str_cat.h"
#include "prometheus/exposer.h"
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
  port_ = ports.front();
  exposer_ = std::move(exposer);
  return absl::OkStatus();
}

std::string Metrics::Scrape() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace maillage::ops

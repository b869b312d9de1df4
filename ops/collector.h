#ifndef MAILLAGE_OPS_COLLECTOR_H_
#define MAILLAGE_OPS_COLLECTOR_H_

#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace maillage::ops {

// Figures read when Prometheus scrapes rather than kept up to date: what
// RocksDB, the actor index and /proc already know. `collect` builds the
// families (see Family and AddSample) on the scraping thread.
//
// Detach() lets the owner of what `collect` reads go away safely: it waits
// for a collection under way, and later scrapes get nothing from it (the
// server detaches the store's figures before closing the store).
// Thread-safe.
class ScrapeCollector : public prometheus::Collectable {
 public:
  using Figures = std::function<std::vector<prometheus::MetricFamily>()>;
  explicit ScrapeCollector(Figures collect) : collect_(std::move(collect)) {}

  std::vector<prometheus::MetricFamily> Collect() const override;
  void Detach();

 private:
  mutable std::mutex mu_;
  Figures collect_;  // guarded by mu_; empty once detached
};

// A family without samples yet: a gauge or a counter (names follow
// ops/metrics.h's conventions).
prometheus::MetricFamily GaugeFamily(std::string name, std::string help);
prometheus::MetricFamily CounterFamily(std::string name, std::string help);

// Adds a sample of `value` with `labels` to `family` (its type says which
// field of the sample holds it).
void AddSample(prometheus::MetricFamily& family, double value,
               std::vector<std::pair<std::string, std::string>> labels = {});

}  // namespace maillage::ops

#endif  // MAILLAGE_OPS_COLLECTOR_H_

#ifndef MAILLAGE_OPS_METRICS_H_
#define MAILLAGE_OPS_METRICS_H_

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace prometheus {
class Collectable;
class Exposer;
class Registry;
}  // namespace prometheus

namespace maillage::ops {

// The server's metrics: one Prometheus registry (Debian's prometheus-cpp)
// that every part of the server registers its metric families in, and the
// HTTP endpoint that serves them to Prometheus. The server owns one; core/
// and storage/ know nothing of it: they report through plain interfaces
// (core::RetentionReporter, …) that services/ adapts to families here.
//
// Conventions, for every family added: names are maillage_<subsystem>_<what>
// in snake case with the base unit last (_seconds, _bytes), counters end in
// _total, points in time are _timestamp_seconds (Unix time); label values
// come from small closed sets (a record kind, a method, a status code),
// never from ids or free text, so that the number of series stays bounded.
//
// Thread-safe: families and metrics may be added and updated from any
// thread while the endpoint serves.
class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Where families are registered (prometheus::BuildCounter() … .Register).
  prometheus::Registry& registry() { return *registry_; }

  // Adds figures collected at each scrape (ops/collector.h), served after
  // the registry's. Kept as long as this object.
  void AddCollector(std::shared_ptr<prometheus::Collectable> collector);

  // Serves GET /metrics, in Prometheus' text exposition format, on `address`
  // (host:port; port 0 picks a free one), on threads of its own, with no
  // authentication: bind it to loopback or a private network. Once per
  // object. UNAVAILABLE when the address cannot be bound.
  absl::Status Serve(const std::string& address);
  // The port Serve bound; 0 when not serving.
  int port() const { return port_; }

  // What a scrape returns now, in the text exposition format (without the
  // endpoint's own figures): what the HTTP face serves at /metrics, and
  // what tests and tools read.
  std::string Scrape() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  mutable std::mutex collectors_mu_;
  std::vector<std::shared_ptr<prometheus::Collectable>>
      collectors_;  // guarded by collectors_mu_
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;
};

}  // namespace maillage::ops

#endif  // MAILLAGE_OPS_METRICS_H_

#ifndef MAILLAGE_SERVICES_WRITE_HEALTH_H_
#define MAILLAGE_SERVICES_WRITE_HEALTH_H_

#include <memory>

#include "absl/time/time.h"
#include "base/periodic_thread.h"
#include "grpcpp/health_check_service_interface.h"
#include "storage/store.h"

namespace maillage::services {

// The health service name that tells whether the server accepts writes.
inline constexpr char kWritesServiceName[] = "maillage.v1.Writes";

// Publishes whether the store accepts writes under kWritesServiceName of the
// standard health service: SERVING while it does, NOT_SERVING while writes
// are refused (a full disk, or RocksDB stopped after a storage error). The
// overall status ("") and the per-service ones are left alone: reads go on,
// so a load balancer keeps sending them and routes writes elsewhere.
//
// A thread polls Store::CheckWrites, which is also what brings writes back
// by itself once space is freed, even when no client writes meanwhile.
// Changes of state are logged on stderr.
class WriteHealthReporter {
 public:
  // Sets the status once, then every `interval` until destroyed. `store`
  // and `health` must outlive the reporter.
  WriteHealthReporter(storage::Store* store,
                      grpc::HealthCheckServiceInterface* health,
                      absl::Duration interval = absl::Milliseconds(200));
  // Stops polling; the status stays as last set.
  ~WriteHealthReporter();
  WriteHealthReporter(const WriteHealthReporter&) = delete;
  WriteHealthReporter& operator=(const WriteHealthReporter&) = delete;

 private:
  // Reads the store's state and publishes it when it changed.
  void Update();

  storage::Store* const store_;
  grpc::HealthCheckServiceInterface* const health_;
  const absl::Duration interval_;
  bool published_ = false;  // only used by Update, on one thread at a time
  storage::Store::WriteState state_ = storage::Store::WriteState::kWritable;

  std::unique_ptr<base::PeriodicThread> poller_;  // last: stopped first
};

}  // namespace maillage::services

#endif  // MAILLAGE_SERVICES_WRITE_HEALTH_H_

#ifndef MAILLAGE_SERVICES_SERVER_H_
#define MAILLAGE_SERVICES_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/maillage.h"
#include "grpcpp/grpcpp.h"
#include "services/request_handler.h"
#include "services/worker_pool.h"
#include "services/write_health.h"

namespace maillage::services {

// The Maillage gRPC server: the v1 services, the standard health service and
// server reflection, over one core::Maillage. main() and the integration
// tests both use it.
class Server {
 public:
  struct Options {
    // host:port; port 0 picks a free port (see port()).
    std::string listen_address = "127.0.0.1:50051";
    core::Maillage::Options core;
    // Largest request or response, bytes.
    int max_message_bytes = 64 << 20;
    // Threads running request work (store I/O and matching); gRPC's own
    // threads only hand work over.
    int worker_threads = 16;
    // Admission: request size, load shedding (request_handler.h).
    RequestHandler::Options requests;
    // Load the synthetic demo territory (core/demo.h) when the store holds
    // no actor.
    bool demo = false;
  };

  // Starts listening (health NOT_SERVING), opens the core, then reports
  // SERVING and returns. On error nothing keeps running.
  static absl::StatusOr<std::unique_ptr<Server>> BuildAndStart(
      const Options& options);

  // Shuts down if still running.
  ~Server();

  // The port actually bound.
  int port() const { return port_; }
  core::Maillage& core() { return *core_; }

  // Stops accepting calls, lets in-flight calls finish for up to `grace`,
  // then cancels them: long computations notice within milliseconds
  // (base::Cancellation) and queued calls finish CANCELLED without running.
  // Then drains the workers and closes the store cleanly. Idempotent.
  void Shutdown(absl::Duration grace = absl::Seconds(10));

 private:
  Server() = default;
  // Publishes whether writes are accepted (see WriteHealthReporter).
  void StartWriteHealth();

  std::unique_ptr<WorkerPool> pool_;
  std::unique_ptr<RequestHandler> handler_;
  std::vector<std::unique_ptr<grpc::Service>> services_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<core::Maillage> core_;
  std::unique_ptr<WriteHealthReporter> write_health_;
  int port_ = 0;
  bool stopped_ = false;
};

}  // namespace maillage::services

#endif  // MAILLAGE_SERVICES_SERVER_H_

#ifndef MAILLAGE_SERVICES_SERVER_H_
#define MAILLAGE_SERVICES_SERVER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/maillage.h"
#include "grpcpp/grpcpp.h"
#include "services/authentication.h"
#include "services/request_handler.h"
#include "services/worker_pool.h"
#include "services/write_health.h"

namespace maillage::services {

// The Maillage gRPC server: the v1 services, the standard health service and
// server reflection, over one core::Maillage. main() and the integration
// tests both use it.
class Server {
 public:
  // Bounds on what one client can make the transport hold, against abusive
  // or broken HTTP/2 clients. docs/SECURITY.md says what each limit
  // protects against, what was measured, and what gRPC 1.51 leaves exposed.
  // A zero lifts that limit (gRPC's own default then applies): meant for
  // measuring an attack without it, not for production.
  struct Limits {
    // Streams one connection may have open at once, advertised in the HTTP/2
    // SETTINGS. gRPC 1.51 closes a connection that opens one more. Reset
    // streams leave at once, so this does not stop a rapid reset.
    int max_concurrent_streams = 100;
    // Memory the transport may take (incoming messages, frames), bytes, as a
    // grpc::ResourceQuota. Past it gRPC cancels streams (the caller sees
    // RESOURCE_EXHAUSTED). Decoded messages, calls' own state (what a rapid
    // reset piles up) and the store are outside it.
    int64_t memory_quota_bytes = int64_t{512} << 20;
    // Threads gRPC may start for the synchronous API (the same ResourceQuota).
    // Our services use the callback API; this bounds the health and
    // reflection services' threads.
    int max_threads = 64;
    // Largest header block of a call once decoded, bytes
    // (SETTINGS_MAX_HEADER_LIST_SIZE); a larger one resets the stream and
    // closes the connection, but gRPC 1.51 checks a header only once it has
    // it whole.
    int max_metadata_bytes = 8 << 10;
    // Largest request message, bytes: what an ImportActors batch needs (the
    // CLI sends 2,000 actors, 0.5–2 MB, and cuts batches at 8 MiB). Other
    // methods refuse more than kRequestBytesMax (services/method_limits.h).
    int max_receive_message_bytes = 16 << 20;
    // Largest response message, bytes (a page of 1,000 full actors).
    int max_send_message_bytes = 64 << 20;
    // The server pings a connection that sent nothing for keepalive_time and
    // closes it when the ack does not come within keepalive_timeout: dead
    // peers (unplugged, crashed host) do not keep their streams forever.
    absl::Duration keepalive_time = absl::Minutes(1);
    absl::Duration keepalive_timeout = absl::Seconds(20);
    // Client pings closer together than this, with no data in between, are
    // strikes; after max_ping_strikes the connection gets GOAWAY
    // (ENHANCE_YOUR_CALM, "too_many_pings"): no ping flood.
    absl::Duration min_ping_interval = absl::Seconds(10);
    int max_ping_strikes = 2;
    // A connection with no call for this long gets GOAWAY and is closed.
    absl::Duration max_connection_idle = absl::Minutes(5);
    // Any connection gets GOAWAY after max_connection_age (gRPC adds up to
    // ±10% jitter), then max_connection_age_grace for its calls to finish,
    // after which it is closed: the bound on a stream that never ends.
    // Long calls (WatchSuggestions, a long import) resume on a new
    // connection.
    absl::Duration max_connection_age = absl::Minutes(30);
    absl::Duration max_connection_age_grace = absl::Minutes(5);
    // A connection must complete the HTTP/2 preface and SETTINGS within
    // this long, or it is closed.
    absl::Duration handshake_timeout = absl::Seconds(10);
  };

  struct Options {
    // host:port; port 0 picks a free port (see port()).
    std::string listen_address = "127.0.0.1:50051";
    core::Maillage::Options core;
    Limits limits;
    // Threads running request work (store I/O and matching); gRPC's own
    // threads only hand work over.
    int worker_threads = 16;
    // Admission: request size, load shedding (request_handler.h).
    RequestHandler::Options requests;
    // Load the synthetic demo territory (core/demo.h) when the store holds
    // no actor.
    bool demo = false;
    // Where the admin key created at the first start is written for the CLI
    // on this machine (auth/credentials_file.h), when the store has no
    // active admin key. Empty: no key is created (then only keys made with
    // another admin key, or bearer tokens, get in).
    std::string admin_credentials_file;
    // Optional authenticators of bearer JWTs (OpenID Connect) and of client
    // certificates; not owned, must outlive the server.
    const auth::Authenticator* jwt = nullptr;
    const auth::Authenticator* certificates = nullptr;
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

  grpc::ResourceQuota quota_{"maillage-transport"};
  std::unique_ptr<WorkerPool> pool_;
  std::unique_ptr<RequestHandler> handler_;
  std::vector<std::unique_ptr<grpc::Service>> services_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<core::Maillage> core_;
  std::unique_ptr<CallAuthenticator> authenticator_;
  std::unique_ptr<WriteHealthReporter> write_health_;
  int port_ = 0;
  bool stopped_ = false;
};

}  // namespace maillage::services

#endif  // MAILLAGE_SERVICES_SERVER_H_

#ifndef MAILLAGE_SERVICES_SERVER_H_
#define MAILLAGE_SERVICES_SERVER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "auth/authenticator.h"
#include "auth/cert_principals.h"
#include "core/background_writes.h"
#include "core/maillage.h"
#include "grpcpp/grpcpp.h"
#include "importer/mappings.h"
#include "ops/collector.h"
#include "ops/metrics.h"
#include "ops/stall_watch.h"
#include "services/authentication.h"
#include "services/http/dispatcher.h"
#include "services/http/grpc_bridge.h"
#include "services/http/http_server.h"
#include "services/http/routes.h"
#include "services/http/static_files.h"
#include "services/http/web_sign_in.h"
#include "services/reflection_service.h"
#include "services/request_handler.h"
#include "services/retention_metrics.h"
#include "services/server_metrics.h"
#include "services/tls.h"
#include "services/worker_pool.h"
#include "services/write_health.h"

namespace maillage::services {

// The Maillage gRPC server: the v1 services, the standard health service and
// server reflection (behind authentication, like the rest), over one
// core::Maillage. main() and the integration tests both use it.
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
    // Our services, reflection included, use the callback API; this bounds
    // the health service's threads.
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
    // Transport security (services/tls.h): TLS when tls.cert_file is set,
    // client certificates when tls.client_ca_file is.
    TlsOptions tls;
    // Without TLS, a listen_address that is not loopback is refused unless
    // this is set (a TLS proxy or a private network protects the port); a
    // warning is logged then.
    bool insecure = false;
    // Mapping file of client-certificate identities to principals
    // (auth/cert_principals.h); needs tls.client_ca_file. Empty: client
    // certificates authenticate nobody.
    std::string client_cert_principals;
    core::Maillage::Options core;
    Limits limits;
    // Threads running request work (store reads and matching) but the
    // calls that write_worker_threads run; gRPC's own threads only hand
    // work over.
    int worker_threads = 16;
    // Threads running the calls that write (RequestHandler::SetWritePool):
    // a disk slow to sync holds these, not the ones serving reads. 0: the
    // calls that write share the worker threads.
    int write_worker_threads = 16;
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
    // Optional authenticator of bearer JWTs (OpenID Connect); not owned,
    // must outlive the server. (Client certificates: client_cert_principals
    // above, loaded and owned by the server.)
    const auth::Authenticator* jwt = nullptr;
    // The HTTP/JSON face (services/http/): off while http.listen_address
    // is empty. Its calls go through this server's services in-process.
    http::HttpOptions http;
    // The dashboard's files (web/, built into build/web/dist), served by the
    // HTTP face at /. Empty, or a folder that does not exist: no dashboard
    // (the API is served all the same; a missing folder is logged).
    std::string web_dir;
    // The dashboard's OpenID Connect sign-in (services/http/web_sign_in.h);
    // needs `jwt`, which verifies the ID tokens. Unset: API keys and bearer
    // tokens only.
    std::optional<http::WebSignIn::Options> web_sign_in;
    // host:port of the Prometheus endpoint (GET /metrics, plain HTTP, no
    // authentication; port 0 picks a free one, see metrics_port()). Empty:
    // not served (the metrics are still kept, see metrics()).
    std::string metrics_address;
    // Who may read GET /metrics on the HTTP face's port (which may face the
    // Internet, unlike metrics_address): kAdmin, a caller whose bearer
    // credential (API key or token) is an admin's (Prometheus sends one with
    // its scrape config's `authorization` block); kOpen, anyone who reaches
    // the port (a private network); kOff, nobody (404).
    enum class HttpMetricsAccess { kAdmin, kOpen, kOff };
    HttpMetricsAccess http_metrics = HttpMetricsAccess::kAdmin;
    // Per-request metrics and log lines (services/request_observer.h). Off
    // only to measure what they cost.
    bool observe_requests = true;
    // With observe_requests: one log line per call (the metrics are kept
    // either way).
    bool log_requests = true;
    // A wake of the stall watch's thread (ops/stall_watch.h) later than this
    // is logged ("process.stall") and counted; zero: not watched.
    absl::Duration stall_threshold = absl::Milliseconds(250);
    // When RocksDB's background writes are limited (the limit itself is
    // core.background_write_bytes_per_second; none when it is 0).
    core::BackgroundWriteGovernor::Options background_writes;
  };

  // Starts listening (health NOT_SERVING), opens the core, then reports
  // SERVING and returns. On error nothing keeps running.
  static absl::StatusOr<std::unique_ptr<Server>> BuildAndStart(
      const Options& options);

  // Shuts down if still running.
  ~Server();

  // The port actually bound.
  int port() const { return port_; }
  // The HTTP face's port; 0 when it is off.
  int http_port() const { return http_ != nullptr ? http_->port() : 0; }
  core::Maillage& core() { return *core_; }
  // Whether the HTTP face serves the dashboard's files (Options::web_dir).
  bool serves_dashboard() const { return web_files_ != nullptr; }
  // The server's metrics registry (ops/metrics.h), and the port of its
  // endpoint (0 when Options::metrics_address is empty).
  ops::Metrics& metrics() { return *metrics_; }
  int metrics_port() const { return metrics_->port(); }

  // Stops accepting calls, lets in-flight calls finish for up to `grace`,
  // then cancels them: long computations notice within milliseconds
  // (base::Cancellation) and queued calls finish CANCELLED without running.
  // Then drains the workers and closes the store cleanly. Idempotent.
  void Shutdown(absl::Duration grace = absl::Seconds(10));

 private:
  Server() = default;
  // Loads the client-certificate mapping of options.client_cert_principals,
  // when set, into cert_principals_.
  absl::Status LoadCertificatePrincipals(const Options& options);
  // Server reflection (v1 and v1alpha) behind the request handler, over the
  // API's files only.
  void AddReflection();
  // Publishes whether writes are accepted (see WriteHealthReporter).
  void StartWriteHealth();
  // Starts background_writes_ when the store has a limit to apply.
  void StartBackgroundWriteGovernor(
      const core::BackgroundWriteGovernor::Options& options);
  // The HTTP face, when options.http.listen_address is set: routes from the
  // services' google.api.http rules, calls over the in-process channel.
  absl::Status StartHttp(const Options& options);
  // The dashboard's files and sign-in, for the HTTP face's dispatcher.
  absl::Status StartDashboard(const Options& options,
                              http::Dispatcher::Environment* env);
  // Stops the HTTP face once the gRPC server is shut down and the calls it
  // made are over.
  void StopHttp();
  // The metrics registry and what reports to it before the core is open:
  // retention, requests, activity, start-up phases, the process's figures;
  // serves them on options.metrics_address when set.
  absl::Status StartMetrics(const Options& options);
  // Reports the open core's figures (actors, index, RocksDB) at each scrape.
  void CollectCoreFigures();
  // Reports the worker pools' figures at each scrape (PoolFamilies).
  void CollectPoolFigures();
  // GET /metrics on the HTTP face: the scrape, for a caller `access` admits.
  absl::StatusOr<std::string> HttpScrape(Options::HttpMetricsAccess access,
                                         const std::string& authorization);

  grpc::ResourceQuota quota_{"maillage-transport"};
  // Before core_: the core reports to them until it is closed.
  std::unique_ptr<ops::Metrics> metrics_;
  std::unique_ptr<RetentionMetrics> retention_metrics_;
  std::unique_ptr<RequestObserver> request_observer_;  // null: not observed
  std::unique_ptr<ActivityMetrics> activity_metrics_;
  std::unique_ptr<StartupMetrics> startup_metrics_;
  // Read by a collector of metrics_, which it outlives.
  std::shared_ptr<ops::StallWatch> stall_watch_;
  // Reads core_: detached before core_ closes.
  std::shared_ptr<ops::ScrapeCollector> core_figures_;
  // Reads the pools: detached before they are destroyed.
  std::shared_ptr<ops::ScrapeCollector> pool_figures_;
  std::unique_ptr<WorkerPool> pool_;
  // The calls that write (Options::write_worker_threads).
  std::unique_ptr<WorkerPool> write_pool_;
  // One thread, at Options::core.import_nice, preparing every import's
  // batches (RequestHandler::SetImportPool).
  std::unique_ptr<WorkerPool> import_pool_;
  std::unique_ptr<auth::CertificatePrincipals> cert_principals_;
  std::unique_ptr<RequestHandler> handler_;
  std::unique_ptr<ReflectionCatalog> reflection_;
  std::vector<std::unique_ptr<grpc::Service>> services_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<core::Maillage> core_;
  std::unique_ptr<CallAuthenticator> authenticator_;
  std::unique_ptr<WriteHealthReporter> write_health_;
  // Limits RocksDB's background writes while calls are served (none when
  // --background_write_mb_per_second_when_busy is 0).
  std::unique_ptr<core::BackgroundWriteGovernor> background_writes_;
  std::unique_ptr<http::RouteTable> http_routes_;
  std::unique_ptr<http::GrpcBridge> http_bridge_;
  std::unique_ptr<http::Dispatcher> http_dispatcher_;
  std::unique_ptr<http::HttpServer> http_;
  std::unique_ptr<importer::Mappings> import_mappings_;  // HTTP uploads
  std::unique_ptr<http::StaticFiles> web_files_;         // the dashboard
  std::unique_ptr<http::WebSignIn> web_sign_in_;
  std::atomic<bool> ready_{false};  // /readyz
  int port_ = 0;
  bool stopped_ = false;
};

}  // namespace maillage::services

#endif  // MAILLAGE_SERVICES_SERVER_H_

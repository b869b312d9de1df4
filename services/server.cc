#include "services/server.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "auth/credentials_file.h"
#include "base/log.h"
#include "base/strings.h"
#include "core/demo.h"
#include "grpcpp/health_check_service_interface.h"
#include "ops/process_metrics.h"
#include "prometheus/registry.h"
#include "services/actor_service.h"
#include "services/admin_service.h"
#include "services/audit_service.h"
#include "services/grpc_ordering.h"
#include "services/http/api_services.h"
#include "services/http/token_endpoint.h"
#include "services/lifecycle_service.h"
#include "services/match_service.h"
#include "services/privacy_service.h"
#include "services/reflection_service.h"
#include "services/territory_service.h"
#include "services/write_health.h"
#include "tools/openapi/document.h"

namespace maillage::services {
namespace {

// Names reported by the health service besides the overall "" entry.
const char* const kServiceNames[] = {
    "maillage.v1.ActorService",
    "maillage.v1.TerritoryService",
    "maillage.v1.MatchService",
    "maillage.v1.LifecycleService",
};

// While serving, kWritesServiceName follows the store (WriteHealthReporter);
// it is NOT_SERVING whenever the rest is.
void SetHealth(grpc::Server* server, bool serving) {
  auto* health = server->GetHealthCheckService();
  if (health == nullptr) return;
  health->SetServingStatus(serving);
  for (const char* name : kServiceNames) {
    health->SetServingStatus(name, serving);
  }
  if (!serving) health->SetServingStatus(kWritesServiceName, false);
}

// `d` in whole milliseconds for a channel argument; at least 1 so that a
// tiny positive duration does not turn into "off".
int Milliseconds(absl::Duration d) {
  int64_t ms = absl::ToInt64Milliseconds(d);
  if (ms < 1) return 1;
  return ms > INT32_MAX ? INT32_MAX : static_cast<int>(ms);
}

// Sets the channel argument `name` to `d` when `d` is positive; a zero leaves
// gRPC's default.
void SetDuration(grpc::ServerBuilder* builder, const char* name,
                 absl::Duration d) {
  if (d > absl::ZeroDuration()) {
    builder->AddChannelArgument(name, Milliseconds(d));
  }
}

// Sets the integer channel argument `name` to `value` when positive.
void SetPositive(grpc::ServerBuilder* builder, const char* name, int value) {
  if (value > 0) builder->AddChannelArgument(name, value);
}

// The transport limits of `limits` on `builder`; `quota` must outlive the
// server. See Server::Options::Limits for each one's contract.
void ApplyLimits(const Server::Limits& limits, grpc::ResourceQuota* quota,
                 grpc::ServerBuilder* builder) {
  if (limits.memory_quota_bytes > 0) {
    quota->Resize(static_cast<size_t>(limits.memory_quota_bytes));
  }
  if (limits.max_threads > 0) quota->SetMaxThreads(limits.max_threads);
  builder->SetResourceQuota(*quota);
  SetPositive(builder, GRPC_ARG_MAX_CONCURRENT_STREAMS,
              limits.max_concurrent_streams);
  SetPositive(builder, GRPC_ARG_MAX_METADATA_SIZE, limits.max_metadata_bytes);
  if (limits.max_receive_message_bytes > 0) {
    builder->SetMaxReceiveMessageSize(limits.max_receive_message_bytes);
  }
  if (limits.max_send_message_bytes > 0) {
    builder->SetMaxSendMessageSize(limits.max_send_message_bytes);
  }
  SetDuration(builder, GRPC_ARG_KEEPALIVE_TIME_MS, limits.keepalive_time);
  SetDuration(builder, GRPC_ARG_KEEPALIVE_TIMEOUT_MS, limits.keepalive_timeout);
  if (limits.keepalive_time > absl::ZeroDuration()) {
    // Keep pinging a connection whose calls send nothing (a watch), and
    // accept well-spaced client pings on a connection with no call.
    builder->AddChannelArgument(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
    builder->AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  }
  SetDuration(builder, GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
              limits.min_ping_interval);
  SetPositive(builder, GRPC_ARG_HTTP2_MAX_PING_STRIKES,
              limits.max_ping_strikes);
  SetDuration(builder, GRPC_ARG_MAX_CONNECTION_IDLE_MS,
              limits.max_connection_idle);
  SetDuration(builder, GRPC_ARG_MAX_CONNECTION_AGE_MS,
              limits.max_connection_age);
  SetDuration(builder, GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
              limits.max_connection_age_grace);
  SetDuration(builder, GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS,
              limits.handshake_timeout);
}

// TLS credentials when options.tls is enabled; plaintext otherwise, where the
// loopback rule allows it (services/tls.h).
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ListenerCredentials(
    const Server::Options& options) {
  if (options.tls.enabled()) return TlsServerCredentials(options.tls);
  if (!options.tls.key_file.empty() || !options.tls.client_ca_file.empty() ||
      options.tls.require_client_certificate) {
    return absl::InvalidArgumentError(
        "--tls_key, --tls_client_ca and --tls_require_client_cert need "
        "--tls_cert (the server's certificate)");
  }
  if (absl::Status s = CheckPlaintextAllowed(options.listen_address,
                                             options.tls, options.insecure);
      !s.ok()) {
    return s;
  }
  return grpc::InsecureServerCredentials();
}

// How a client on this machine reaches a server listening on `listen` (the
// address of its line in the credentials file): a wildcard or "localhost"
// host is 127.0.0.1; the port is the one bound.
std::string LocalAddress(const std::string& listen, int port) {
  std::string host = listen.substr(0, listen.rfind(':'));
  if (host.empty() || host == "0.0.0.0" || host == "[::]" || host == "::" ||
      host == "localhost") {
    host = "127.0.0.1";
  }
  return absl::StrCat(host, ":", port);
}

// When the store has no active admin key (a new store, or every admin key
// revoked or expired), creates one and writes it to `file` for the CLI on
// this machine: the first run needs no manual step.
absl::Status BootstrapAdminKey(core::KeyRing& keys, core::AuditLog& audit,
                               const std::string& file,
                               const std::string& address) {
  if (keys.HasActiveAdminKey(absl::Now())) return absl::OkStatus();
  v1::CreateApiKeyRequest request;
  request.set_label("local admin (created at first start)");
  request.set_role("admin");
  request.set_all_territories(true);
  const auth::Principal system = auth::Principal::System();
  auto created = keys.Create(request, system);
  if (!created.ok()) return created.status();
  // A key operation like any other, though no call made it.
  v1::AuditEntry entry;
  entry.set_principal_id(system.id);
  entry.set_role(std::string(auth::RoleName(system.role)));
  entry.set_workspace(system.workspace);
  entry.set_method("CreateApiKey");
  entry.add_target_ids(created->key().id());
  entry.set_target_count(1);
  entry.set_outcome("OK");
  entry.set_note("the local admin key, created at start");
  audit.Record(std::move(entry), /*sync=*/true);
  if (absl::Status s = auth::StoreKey(file, address, created->secret());
      !s.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the store has no admin key, and the new one cannot be written: ",
        s.message(), " (set --admin_credentials_file)"));
  }
  base::Log(base::LogLevel::kInfo, "startup.admin_key_created")
      .Add("key_id", created->key().id())
      .Add("address", address)
      .Add("file", file)
      .Add("message",
           "no admin API key in the store: created one and wrote it to the "
           "file (owner-only); the maillage CLI on this machine uses it");
  return absl::OkStatus();
}

}  // namespace

absl::Status Server::LoadCertificatePrincipals(const Options& options) {
  if (options.client_cert_principals.empty()) return absl::OkStatus();
  if (options.tls.client_ca_file.empty()) {
    return absl::InvalidArgumentError(
        "--client_cert_principals needs --tls_client_ca: without it no "
        "client certificate is verified");
  }
  auto principals =
      auth::CertificatePrincipals::Load(options.client_cert_principals);
  if (!principals.ok()) return principals.status();
  cert_principals_ = *std::move(principals);
  return absl::OkStatus();
}

void Server::AddReflection() {
  std::vector<std::string> listed(std::begin(kServiceNames),
                                  std::end(kServiceNames));
  listed.insert(listed.end(),
                {"grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
                 "grpc.reflection.v1alpha.ServerReflection"});
  reflection_ = std::make_unique<ReflectionCatalog>(std::move(listed));
  services_.push_back(
      std::make_unique<ReflectionService<ReflectionV1AlphaBase>>(
          handler_.get(), reflection_.get()));
  services_.push_back(std::make_unique<ReflectionService<ReflectionV1Base>>(
      handler_.get(), reflection_.get()));
}

absl::Status Server::StartMetrics(const Options& options) {
  metrics_ = std::make_unique<ops::Metrics>();
  prometheus::Registry& registry = metrics_->registry();
  retention_metrics_ = std::make_unique<RetentionMetrics>(registry);
  if (options.observe_requests) {
    RequestObserver::Options observe;
    observe.log_requests = options.log_requests;
    request_observer_ = std::make_unique<RequestObserver>(registry, observe);
  }
  activity_metrics_ = std::make_unique<ActivityMetrics>(registry);
  startup_metrics_ = std::make_unique<StartupMetrics>(registry);
  metrics_->AddCollector(std::make_shared<ops::ScrapeCollector>(
      [] { return ops::ProcessFamilies(); }));
  ops::StallWatch::Options watch;
  watch.threshold = options.stall_threshold;
  stall_watch_ = std::make_shared<ops::StallWatch>(std::move(watch));
  metrics_->AddCollector(std::make_shared<ops::ScrapeCollector>(
      [watch = stall_watch_] { return ops::StallFamilies(*watch); }));
  if (options.metrics_address.empty()) return absl::OkStatus();
  return metrics_->Serve(options.metrics_address);
}

void Server::CollectCoreFigures() {
  auto figures = std::make_shared<CoreFigures>(core_.get());
  core_figures_ = std::make_shared<ops::ScrapeCollector>(
      [figures] { return figures->Collect(); });
  metrics_->AddCollector(core_figures_);
}

void Server::CollectPoolFigures() {
  // With no writers' pool, the first runs every call.
  const std::string calls = write_pool_ != nullptr ? "reads" : "calls";
  pool_figures_ = std::make_shared<ops::ScrapeCollector>(
      [this, calls]() -> std::vector<prometheus::MetricFamily> {
        std::vector<std::pair<std::string, WorkerPool::Figures>> pools;
        pools.emplace_back(calls, pool_->figures());
        if (write_pool_ != nullptr) {
          pools.emplace_back("writes", write_pool_->figures());
        }
        pools.emplace_back("imports", import_pool_->figures());
        return PoolFamilies(pools);
      });
  metrics_->AddCollector(pool_figures_);
}

absl::StatusOr<std::string> Server::HttpScrape(
    Options::HttpMetricsAccess access, const std::string& authorization) {
  if (access == Options::HttpMetricsAccess::kAdmin) {
    constexpr std::string_view kBearer = "Bearer ";
    if (!ready_) {
      return absl::UnavailableError("the store is not open; retry shortly");
    }
    if (authorization.size() <= kBearer.size() ||
        !absl::EqualsIgnoreCase(
            AsAbsl(std::string_view(authorization).substr(0, kBearer.size())),
            AsAbsl(kBearer))) {
      return absl::UnauthenticatedError(
          "/metrics on this port needs an admin's \"Authorization: Bearer "
          "<API key or token>\"");
    }
    auth::Credentials credentials;
    credentials.bearer = std::string_view(authorization).substr(kBearer.size());
    absl::StatusOr<auth::Principal> principal =
        authenticator_->Authenticate(credentials);
    if (!principal.ok()) return principal.status();
    if (principal->role != auth::Role::kAdmin) {
      return absl::PermissionDeniedError(
          "/metrics on this port is for admins (or serve it with "
          "--metrics_address, or --http_metrics=open)");
    }
  }
  return metrics_->Scrape();
}

absl::StatusOr<std::unique_ptr<Server>> Server::BuildAndStart(
    const Options& options) {
  const absl::Time start = absl::Now();
  std::unique_ptr<Server> s(new Server());
  if (absl::Status st = s->StartMetrics(options); !st.ok()) return st;
  s->pool_ = std::make_unique<WorkerPool>(options.worker_threads);
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      ListenerCredentials(options);
  if (!credentials.ok()) return credentials.status();
  if (absl::Status st = s->LoadCertificatePrincipals(options); !st.ok()) {
    return st;
  }
  s->handler_ = std::make_unique<RequestHandler>(
      s->pool_.get(), options.requests, s->request_observer_.get(),
      s->activity_metrics_.get());
  if (options.write_worker_threads > 0) {
    s->write_pool_ = std::make_unique<WorkerPool>(options.write_worker_threads);
    s->handler_->SetWritePool(s->write_pool_.get());
  }
  s->import_pool_ = std::make_unique<WorkerPool>(1, options.core.import_nice);
  s->handler_->SetImportPool(s->import_pool_.get());
  s->CollectPoolFigures();
  s->services_.push_back(std::make_unique<ActorServiceImpl>(s->handler_.get()));
  s->services_.push_back(
      std::make_unique<TerritoryServiceImpl>(s->handler_.get()));
  s->services_.push_back(std::make_unique<MatchServiceImpl>(s->handler_.get()));
  s->services_.push_back(
      std::make_unique<LifecycleServiceImpl>(s->handler_.get()));
  s->services_.push_back(std::make_unique<AdminServiceImpl>(s->handler_.get()));
  s->services_.push_back(std::make_unique<AuditServiceImpl>(s->handler_.get()));
  s->services_.push_back(
      std::make_unique<PrivacyServiceImpl>(s->handler_.get()));

  s->AddReflection();

  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen_address, *credentials, &s->port_);
  ApplyLimits(options.limits, &s->quota_, &builder);
  for (auto& service : s->services_) builder.RegisterService(service.get());
  s->server_ = builder.BuildAndStart();
  if (s->server_ == nullptr || s->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen_address,
                     " (address in use or not available?)"));
  }
  SetHealth(s->server_.get(), false);
  if (absl::Status started = s->StartHttp(options); !started.ok()) {
    s->Shutdown(absl::ZeroDuration());
    return started;
  }
  s->startup_metrics_->Phase("listen", absl::Now() - start);

  core::Maillage::Options core_options = options.core;
  core_options.retention_reporter = s->retention_metrics_.get();
  core_options.startup_phase = [startup = s->startup_metrics_.get()](
                                   std::string_view phase,
                                   absl::Duration duration) {
    startup->Phase(phase, duration);
  };
  auto core = core::Maillage::Open(core_options);
  if (!core.ok()) {
    s->Shutdown(absl::ZeroDuration());
    return core.status();
  }
  s->core_ = std::move(*core);
  s->CollectCoreFigures();
  if (options.demo) {
    auto demo = core::LoadDemoIfEmpty(*s->core_);
    if (!demo.ok()) {
      s->Shutdown(absl::ZeroDuration());
      return demo.status();
    }
  }
  s->authenticator_ =
      std::make_unique<CallAuthenticator>(CallAuthenticator::Sources{
          &s->core_->keys(), options.jwt, s->cert_principals_.get()});
  if (!options.admin_credentials_file.empty()) {
    absl::Status bootstrap = BootstrapAdminKey(
        s->core_->keys(), s->core_->audit(), options.admin_credentials_file,
        LocalAddress(options.listen_address, s->port_));
    if (!bootstrap.ok()) {
      s->Shutdown(absl::ZeroDuration());
      return bootstrap;
    }
  }
  s->handler_->SetCore(s->core_.get(), s->authenticator_.get());
  SetHealth(s->server_.get(), true);
  s->ready_ = true;
  s->StartWriteHealth();
  s->StartBackgroundWriteGovernor(options.background_writes);
  s->startup_metrics_->Phase("total", absl::Now() - start);
  return s;
}

absl::Status Server::StartHttp(const Options& options) {
  if (options.http.listen_address.empty()) return absl::OkStatus();
  absl::StatusOr<http::RouteTable> routes =
      http::RouteTable::Build(http::ApiServices());
  if (!routes.ok()) return routes.status();
  http_routes_ = std::make_unique<http::RouteTable>(*std::move(routes));
  http_bridge_ = std::make_unique<http::GrpcBridge>(
      server_->InProcessChannel(grpc::ChannelArguments()));
  http::Dispatcher::Environment environment;
  environment.bridge = http_bridge_.get();
  environment.routes = http_routes_.get();
  environment.ready = [this] { return ready_.load(); };
  environment.openapi_json = std::string(openapi::EmbeddedDocument());
  if (options.http_metrics != Options::HttpMetricsAccess::kOff) {
    environment.metrics = [this, access = options.http_metrics](
                              const std::string& authorization) {
      return HttpScrape(access, authorization);
    };
  }
  absl::StatusOr<std::unique_ptr<importer::Mappings>> mappings =
      importer::Mappings::Load(options.core.reference_dir);
  if (!mappings.ok()) return mappings.status();
  import_mappings_ = *std::move(mappings);
  environment.import_reference = [this] {
    http::ImportReference reference;
    reference.mappings = import_mappings_.get();
    if (ready_) reference.geography = &core_->geography();
    return reference;
  };
  if (absl::Status web = StartDashboard(options, &environment); !web.ok()) {
    return web;
  }
  http_dispatcher_ = std::make_unique<http::Dispatcher>(std::move(environment),
                                                        options.http.dispatch);
  absl::StatusOr<std::unique_ptr<http::HttpServer>> listener =
      http::HttpServer::Start(options.http, http_dispatcher_.get());
  if (!listener.ok()) return listener.status();
  http_ = *std::move(listener);
  return absl::OkStatus();
}

absl::Status Server::StartDashboard(const Options& options,
                                    http::Dispatcher::Environment* env) {
  if (!options.web_dir.empty()) {
    absl::StatusOr<std::unique_ptr<http::StaticFiles>> files =
        http::StaticFiles::Load(options.web_dir);
    if (files.ok()) {
      web_files_ = *std::move(files);
      env->web = web_files_.get();
    } else if (absl::IsNotFound(files.status())) {
      std::fprintf(stderr,
                   "maillage: no dashboard: %s (build it: ninja -C "
                   "build maillage_web)\n",
                   std::string(files.status().message()).c_str());
    } else {
      return files.status();
    }
  }
  if (options.web_sign_in) {
    if (options.jwt == nullptr) {
      return absl::InvalidArgumentError(
          "the dashboard's OpenID Connect sign-in needs --oidc_issuer (its ID "
          "tokens are verified as bearer tokens)");
    }
    web_sign_in_ = std::make_unique<http::WebSignIn>(
        *options.web_sign_in, options.jwt, &http::PostTokenRequest);
    env->sign_in = web_sign_in_.get();
  }
  return absl::OkStatus();
}

void Server::StopHttp() {
  if (http_bridge_ != nullptr) {
    // The in-process calls were cancelled by the gRPC shutdown; their last
    // callbacks may still be running.
    http_bridge_->WaitIdle(absl::Seconds(10));
  }
  // The listener stops first (no new request reaches the sign-in), then the
  // sign-in's token exchanges end, then the connections go.
  if (http_ != nullptr) http_->Stop();
  web_sign_in_.reset();
  http_.reset();  // every connection with it
  http_dispatcher_.reset();
  http_bridge_.reset();
}

void Server::StartWriteHealth() {
  auto* health = server_->GetHealthCheckService();
  if (health == nullptr) return;
  write_health_ =
      std::make_unique<WriteHealthReporter>(&core_->store(), health);
}

void Server::StartBackgroundWriteGovernor(
    const core::BackgroundWriteGovernor::Options& options) {
  if (core_->store().options().background_write_bytes_per_second == 0) return;
  background_writes_ = std::make_unique<core::BackgroundWriteGovernor>(
      &core_->store(), &handler_->import_pacer(), options);
}

Server::~Server() { Shutdown(); }

void Server::Shutdown(absl::Duration grace) {
  if (stopped_) return;
  stopped_ = true;
  ready_ = false;
  write_health_.reset();                // before the store closes
  background_writes_.reset();           // likewise
  if (http_ != nullptr) http_->Stop();  // no new HTTP request
  if (server_ != nullptr) {
    SetHealth(server_.get(), false);
    server_->Shutdown(std::chrono::system_clock::now() +
                      absl::ToChronoMilliseconds(grace));
    // Every call's OnDone has returned (grpc_ordering.h).
    GrpcOrderAfter(handler_.get());
  }
  StopHttp();
  if (pool_figures_ != nullptr) pool_figures_->Detach();
  import_pool_.reset();  // runs what was already queued, then joins
  write_pool_.reset();
  pool_.reset();
  if (handler_ != nullptr) handler_->SetCore(nullptr, nullptr);
  if (core_figures_ != nullptr) core_figures_->Detach();
  core_.reset();  // closes the store
}

}  // namespace maillage::services

#include "services/server.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "core/demo.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "services/actor_service.h"
#include "services/lifecycle_service.h"
#include "services/match_service.h"
#include "services/territory_service.h"
#include "services/write_health.h"

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

}  // namespace

absl::StatusOr<std::unique_ptr<Server>> Server::BuildAndStart(
    const Options& options) {
  std::unique_ptr<Server> s(new Server());
  s->pool_ = std::make_unique<WorkerPool>(options.worker_threads);
  s->handler_ =
      std::make_unique<RequestHandler>(s->pool_.get(), options.requests);
  s->services_.push_back(std::make_unique<ActorServiceImpl>(s->handler_.get()));
  s->services_.push_back(
      std::make_unique<TerritoryServiceImpl>(s->handler_.get()));
  s->services_.push_back(std::make_unique<MatchServiceImpl>(s->handler_.get()));
  s->services_.push_back(
      std::make_unique<LifecycleServiceImpl>(s->handler_.get()));

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen_address,
                           grpc::InsecureServerCredentials(), &s->port_);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  for (auto& service : s->services_) builder.RegisterService(service.get());
  s->server_ = builder.BuildAndStart();
  if (s->server_ == nullptr || s->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen_address,
                     " (address in use or not available?)"));
  }
  SetHealth(s->server_.get(), false);

  auto core = core::Maillage::Open(options.core);
  if (!core.ok()) {
    s->Shutdown(absl::ZeroDuration());
    return core.status();
  }
  s->core_ = std::move(*core);
  if (options.demo) {
    auto demo = core::LoadDemoIfEmpty(*s->core_);
    if (!demo.ok()) {
      s->Shutdown(absl::ZeroDuration());
      return demo.status();
    }
  }
  s->handler_->SetCore(s->core_.get());
  SetHealth(s->server_.get(), true);
  s->StartWriteHealth();
  return s;
}

void Server::StartWriteHealth() {
  auto* health = server_->GetHealthCheckService();
  if (health == nullptr) return;
  write_health_ =
      std::make_unique<WriteHealthReporter>(&core_->store(), health);
}

Server::~Server() { Shutdown(); }

void Server::Shutdown(absl::Duration grace) {
  if (stopped_) return;
  stopped_ = true;
  write_health_.reset();  // before the store closes
  if (server_ != nullptr) {
    SetHealth(server_.get(), false);
    server_->Shutdown(std::chrono::system_clock::now() +
                      absl::ToChronoMilliseconds(grace));
  }
  pool_.reset();  // runs what was already queued, then joins
  if (handler_ != nullptr) handler_->SetCore(nullptr);
  core_.reset();  // closes the store
}

}  // namespace maillage::services

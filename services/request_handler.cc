#include "services/request_handler.h"

#include <utility>

#include "services/status_mapping.h"

namespace maillage::services {

grpc::ServerUnaryReactor* RequestHandler::Handle(
    grpc::CallbackServerContext* context, std::string_view method,
    Work work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  core::Maillage* core = core_.load();
  if (core == nullptr) {
    reactor->Finish(ToGrpcStatus(
        absl::UnavailableError("the store is opening; retry shortly")));
    return reactor;
  }
  // Authentication/authorisation checks go here, before any work is queued.
  pool_->Schedule([reactor, context, core, work = std::move(work)] {
    absl::Status status;
    if (context->IsCancelled()) {
      status = absl::CancelledError("cancelled by the client");
    } else {
      status = work(*core);
    }
    reactor->Finish(ToGrpcStatus(status));
  });
  return reactor;
}

}  // namespace maillage::services

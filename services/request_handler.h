#ifndef MAILLAGE_SERVICES_REQUEST_HANDLER_H_
#define MAILLAGE_SERVICES_REQUEST_HANDLER_H_

#include <atomic>
#include <functional>
#include <string_view>

#include "absl/status/status.h"
#include "core/maillage.h"
#include "grpcpp/grpcpp.h"
#include "services/worker_pool.h"

namespace maillage::services {

// The single path every unary call takes: the place where authentication
// and authorisation (per-tenant tokens, roles, territorial scopes), metrics
// and access logs sit. Services call Handle() and nothing else.
//
// Until the store is open (SetCore), every call fails with UNAVAILABLE, as
// the health service says NOT_SERVING.
class RequestHandler {
 public:
  using Work = std::function<absl::Status(core::Maillage&)>;

  explicit RequestHandler(WorkerPool* pool) : pool_(pool) {}

  // Makes the application available to calls (nullptr: unavailable again).
  void SetCore(core::Maillage* core) { core_.store(core); }

  // Runs `work` on the worker pool and finishes the call with its status
  // (mapped by ToGrpcStatus). `work` fills the response before returning OK.
  grpc::ServerUnaryReactor* Handle(grpc::CallbackServerContext* context,
                                   std::string_view method, Work work);

  // For streaming calls: the same admission checks as Handle. Returns the
  // core, or nullptr with *refusal set (the reactor finishes with it).
  core::Maillage* Admit(grpc::CallbackServerContext* context,
                        std::string_view method, absl::Status* refusal);
  // Runs `task` on the worker pool.
  void Schedule(std::function<void()> task) {
    pool_->Schedule(std::move(task));
  }

 private:
  WorkerPool* pool_;
  std::atomic<core::Maillage*> core_{nullptr};
};

}  // namespace maillage::services

#endif  // MAILLAGE_SERVICES_REQUEST_HANDLER_H_

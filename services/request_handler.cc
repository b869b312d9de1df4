#include "services/request_handler.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "core/errors.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "grpcpp/support/proto_buffer_reader.h"
#include "services/method_limits.h"
#include "services/status_mapping.h"

namespace maillage::services {
namespace {

absl::Time DeadlineOf(grpc::CallbackServerContext* context) {
  auto deadline = context->deadline();
  // No deadline reads as the far future (gpr_inf_future): beyond a year
  // means none.
  if (deadline >
      std::chrono::system_clock::now() + std::chrono::hours(24 * 365)) {
    return absl::InfiniteFuture();
  }
  return absl::FromChrono(deadline);
}

}  // namespace

base::Cancellation RequestHandler::CancellationOf(
    grpc::CallbackServerContext* context) {
  return base::Cancellation(DeadlineOf(context),
                            [context] { return context->IsCancelled(); });
}

core::Maillage* RequestHandler::Admit(grpc::CallbackServerContext* context,
                                      std::string_view method,
                                      absl::Status* refusal) {
  core::Maillage* core = core_.load();
  if (core == nullptr) {
    *refusal = absl::UnavailableError("the store is not open; retry shortly");
    return nullptr;
  }
  if (pool_->queued() >= static_cast<size_t>(options_.max_queued_calls)) {
    *refusal = core::RetryLater(
        "the server is overloaded: too many calls are waiting; retry later",
        options_.retry_delay);
    return nullptr;
  }
  // Authentication and authorisation (tenant token, role for `method`,
  // territorial scope) are checked here, before any work is queued.
  return core;
}

grpc::ServerUnaryReactor* RequestHandler::Start(
    grpc::CallbackServerContext* context, std::string_view method,
    size_t request_bytes, Work work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status refusal;
  core::Maillage* core = Admit(context, method, &refusal);
  if (core != nullptr) {
    refusal = CheckRequestSize(method, request_bytes);
    if (!refusal.ok()) core = nullptr;
  }
  if (core == nullptr) {
    reactor->Finish(ToGrpcStatus(refusal));
    return reactor;
  }
  bool queued = pool_->TrySchedule(
      [reactor, context, core, work = std::move(work)] {
        base::Cancellation cancellation = CancellationOf(context);
        absl::Status status = cancellation.Check();
        if (status.ok()) status = work(*core, cancellation);
        reactor->Finish(ToGrpcStatus(status));
      },
      static_cast<size_t>(options_.max_queued_calls));
  if (!queued) {
    reactor->Finish(ToGrpcStatus(core::RetryLater(
        "the server is overloaded: too many calls are waiting; retry later",
        options_.retry_delay)));
  }
  return reactor;
}

namespace internal {

absl::Status Decode(const grpc::ByteBuffer& bytes,
                    google::protobuf::Message* message) {
  grpc::ByteBuffer copy(bytes);  // shares the slices; the reader consumes
  grpc::ProtoBufferReader reader(&copy);
  if (!reader.status().ok() || !message->ParseFromZeroCopyStream(&reader)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the request (", bytes.Length(), " bytes) is not a valid ",
        message->GetDescriptor()->full_name(),
        " message: check that client and server use the same API version"));
  }
  return absl::OkStatus();
}

absl::Status Encode(const google::protobuf::Message& message,
                    grpc::ByteBuffer* bytes) {
  bool own_buffer = false;
  grpc::Status s =
      grpc::SerializationTraits<google::protobuf::Message>::Serialize(
          message, bytes, &own_buffer);
  if (!s.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot encode the response: ", s.error_message()));
  }
  return absl::OkStatus();
}

}  // namespace internal
}  // namespace maillage::services

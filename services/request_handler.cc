#include "services/request_handler.h"

#include <chrono>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "auth/policy.h"
#include "base/strings.h"
#include "core/errors.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "grpcpp/support/proto_buffer_reader.h"
#include "services/method_limits.h"
#include "services/status_mapping.h"
#include "services/tls.h"

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

absl::StatusOr<auth::Principal> RequestHandler::Authenticate(
    grpc::CallbackServerContext* context) const {
  auth::Credentials credentials;
  const auto& metadata = context->client_metadata();
  auto authorization = metadata.find("authorization");
  if (authorization != metadata.end()) {
    std::string_view value(authorization->second.data(),
                           authorization->second.size());
    constexpr std::string_view kBearer = "Bearer ";
    if (value.size() < kBearer.size() ||
        !absl::EqualsIgnoreCase(AsAbsl(value.substr(0, kBearer.size())),
                                AsAbsl(kBearer))) {
      return absl::UnauthenticatedError(
          "the authorization header must be \"Bearer <API key or token>\"");
    }
    credentials.bearer = value.substr(kBearer.size());
  }
  if (auto peer = context->auth_context(); peer != nullptr) {
    credentials.peer_identities = PeerIdentities(*peer);
  }
  const auth::Authenticator* authenticator = authenticator_.load();
  if (authenticator == nullptr) {
    return absl::UnavailableError("the store is not open; retry shortly");
  }
  return authenticator->Authenticate(credentials);
}

absl::StatusOr<RequestHandler::Admission> RequestHandler::Admit(
    grpc::CallbackServerContext* context, std::string_view method) {
  core::Maillage* core = core_.load();
  if (core == nullptr) {
    return absl::UnavailableError("the store is not open; retry shortly");
  }
  absl::StatusOr<auth::Principal> principal = Authenticate(context);
  if (!principal.ok()) return principal.status();
  if (absl::Status s = auth::Authorize(*principal, method); !s.ok()) return s;
  if (pool_->queued() >= static_cast<size_t>(options_.max_queued_calls)) {
    return core::RetryLater(
        "the server is overloaded: too many calls are waiting; retry later",
        options_.retry_delay);
  }
  return Admission{
      core, std::make_shared<const auth::Principal>(*std::move(principal))};
}

grpc::ServerUnaryReactor* RequestHandler::Start(
    grpc::CallbackServerContext* context, std::string_view method,
    size_t request_bytes, Work work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<Admission> admission = Admit(context, method);
  absl::Status refusal = admission.status();
  if (refusal.ok()) refusal = CheckRequestSize(method, request_bytes);
  if (!refusal.ok()) {
    reactor->Finish(ToGrpcStatus(refusal));
    return reactor;
  }
  bool queued = pool_->TrySchedule(
      [reactor, context, admission = *std::move(admission),
       work = std::move(work)] {
        base::Cancellation cancellation = CancellationOf(context);
        absl::Status status = cancellation.Check();
        if (status.ok()) {
          status = work(*admission.core,
                        CallContext{*admission.principal, cancellation});
        }
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

#ifndef MAILLAGE_SERVICES_REQUEST_HANDLER_H_
#define MAILLAGE_SERVICES_REQUEST_HANDLER_H_

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string_view>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "auth/authenticator.h"
#include "auth/principal.h"
#include "base/cancellation.h"
#include "core/maillage.h"
#include "google/protobuf/arena.h"
#include "google/protobuf/empty.pb.h"
#include "grpcpp/grpcpp.h"
#include "services/worker_pool.h"

namespace maillage::services {

// What the work of a call gets besides its request: who calls (established by
// the handler from the call's credentials) and the call's cancellation.
struct CallContext {
  const auth::Principal& principal;
  const base::Cancellation& cancellation;
};

// The single path every call takes: admission (store open, load shedding,
// request size), decoding, cancellation, and the place where authentication
// and authorisation (per-tenant tokens, roles, territorial scopes), metrics
// and access logs sit. Services call Unary() (or Admit() for streams) and
// nothing else.
//
// Unary requests arrive as raw bytes (the services register every unary
// method as a raw callback method) and are decoded here, on a worker thread,
// rather than by gRPC's generated handler, so that:
//  - a request larger than its method allows (method_limits.h) is refused
//    before it is decoded into memory (RESOURCE_EXHAUSTED; decoding
//    multiplies the size of a request of many small fields by ten or more);
//  - an undecodable request gets INVALID_ARGUMENT naming the message type
//    (the generated handler answers UNIMPLEMENTED with no message);
//  - decoding and encoding never run on gRPC's own threads.
//
// Until the store is open (SetCore), every call fails with UNAVAILABLE, as
// the health service says NOT_SERVING. Thread-safe.
class RequestHandler {
 public:
  struct Options {
    // Calls admitted but not yet started by a worker beyond which new calls
    // are refused with RESOURCE_EXHAUSTED and a RetryInfo (load shedding):
    // a burst queues briefly instead of growing memory and latency without
    // bound.
    int max_queued_calls = 256;
    // The retry delay suggested when shedding load.
    absl::Duration retry_delay = absl::Seconds(1);
  };

  // Runs on a worker: the call's work, with the core, the principal and the
  // call's cancellation (its deadline and whether the client is still there).
  using Work = std::function<absl::Status(core::Maillage&, const CallContext&)>;

  // What Admit gives a call it lets in.
  struct Admission {
    core::Maillage* core = nullptr;
    std::shared_ptr<const auth::Principal> principal;
  };

  RequestHandler(WorkerPool* pool, Options options)
      : pool_(pool), options_(options) {}

  // Makes the application available to calls, with the authenticator that
  // establishes each call's principal (nullptrs: unavailable again). Neither
  // is owned; both must stay valid until SetCore(nullptr, nullptr) and the
  // calls admitted before it are finished.
  void SetCore(core::Maillage* core, const auth::Authenticator* authenticator) {
    if (core != nullptr) authenticator_.store(authenticator);
    core_.store(core);
    if (core == nullptr) authenticator_.store(authenticator);
  }

  // A unary call whose request and response travel as raw bytes. `work` is
  // called on a worker with (core::Maillage&, const Request&) or
  // (core::Maillage&, const Request&, const CallContext&) and returns
  // absl::StatusOr<Response>, or absl::Status when the response is
  // google.protobuf.Empty. `request` and `response` belong to gRPC and live
  // until the call is finished.
  template <typename Request, typename WorkFn>
  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* context,
                                  std::string_view method,
                                  const grpc::ByteBuffer* request,
                                  grpc::ByteBuffer* response, WorkFn work);

  // For streaming calls: the same admission checks as Unary (store open,
  // authentication, the role's right to `method`, load shedding). Returns
  // the admission, or a refusal the reactor finishes with.
  absl::StatusOr<Admission> Admit(grpc::CallbackServerContext* context,
                                  std::string_view method);
  // Runs `task` on the worker pool: the continuation of a call already
  // admitted (never refused).
  void Schedule(std::function<void()> task) {
    pool_->Schedule(std::move(task));
  }

  // The cancellation of a call: its deadline, and whether gRPC cancelled it
  // (client gone, or the server's shutdown grace period over). Valid until
  // the call is finished.
  static base::Cancellation CancellationOf(
      grpc::CallbackServerContext* context);

 private:
  // The principal of the call, from its "authorization" metadata and its
  // verified client certificate.
  absl::StatusOr<auth::Principal> Authenticate(
      grpc::CallbackServerContext* context) const;
  // Admits the call (`request_bytes` is the size of its request), then runs
  // `work` on a worker and finishes the call with its status.
  grpc::ServerUnaryReactor* Start(grpc::CallbackServerContext* context,
                                  std::string_view method, size_t request_bytes,
                                  Work work);

  WorkerPool* pool_;
  const Options options_;
  std::atomic<core::Maillage*> core_{nullptr};
  std::atomic<const auth::Authenticator*> authenticator_{nullptr};
};

namespace internal {

// Decodes `bytes` into `message`; INVALID_ARGUMENT naming the message type
// when they are not a valid encoding of it.
absl::Status Decode(const grpc::ByteBuffer& bytes,
                    google::protobuf::Message* message);
// Encodes `message` into `bytes`.
absl::Status Encode(const google::protobuf::Message& message,
                    grpc::ByteBuffer* bytes);

template <typename Response>
absl::Status EncodeResult(absl::StatusOr<Response> result,
                          grpc::ByteBuffer* bytes) {
  if (!result.ok()) return result.status();
  return Encode(*result, bytes);
}
inline absl::Status EncodeResult(absl::Status result, grpc::ByteBuffer* bytes) {
  if (!result.ok()) return result;
  return Encode(google::protobuf::Empty(), bytes);
}

}  // namespace internal

template <typename Request, typename WorkFn>
grpc::ServerUnaryReactor* RequestHandler::Unary(
    grpc::CallbackServerContext* context, std::string_view method,
    const grpc::ByteBuffer* request, grpc::ByteBuffer* response, WorkFn work) {
  return Start(
      context, method, request->Length(),
      [request, response, work = std::move(work)](
          core::Maillage& core, const CallContext& call) -> absl::Status {
        google::protobuf::Arena arena;
        auto* decoded = google::protobuf::Arena::CreateMessage<Request>(&arena);
        if (absl::Status s = internal::Decode(*request, decoded); !s.ok()) {
          return s;
        }
        if constexpr (std::is_invocable_v<const WorkFn&, core::Maillage&,
                                          const Request&, const CallContext&>) {
          return internal::EncodeResult(work(core, *decoded, call), response);
        } else {
          return internal::EncodeResult(work(core, *decoded), response);
        }
      });
}

}  // namespace maillage::services

#endif  // MAILLAGE_SERVICES_REQUEST_HANDLER_H_

#ifndef MAILLAGE_SERVICES_REQUEST_HANDLER_H_
#define MAILLAGE_SERVICES_REQUEST_HANDLER_H_

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "auth/authenticator.h"
#include "auth/policy.h"
#include "auth/principal.h"
#include "auth/rate_limiter.h"
#include "base/cancellation.h"
#include "core/import_pacer.h"
#include "core/maillage.h"
#include "google/protobuf/arena.h"
#include "google/protobuf/empty.pb.h"
#include "google/protobuf/message.h"
#include "grpcpp/grpcpp.h"
#include "services/activity_metrics.h"
#include "services/request_observer.h"
#include "services/worker_pool.h"

namespace maillage::services {

// The metadata key of the HTTP client's address on the calls the HTTP face
// makes over the server's in-process channel (services/http/grpc_bridge.h),
// as "<InProcessToken()> <address>": the audit trail records the HTTP
// client's address instead of the in-process channel's. A value without the
// token (a network client sending the key) is ignored.
inline constexpr char kHttpPeerMetadata[] = "x-maillage-http-peer";

// 128 random bits in hex, made once per process: only code inside the
// server's process knows them.
const std::string& InProcessToken();

// Initial metadata a streaming call that waits for events sends once it is
// admitted and its request is valid (WatchSuggestions): the HTTP face then
// answers 200 and opens its event stream before the first event, and a
// refusal keeps its own HTTP status.
inline constexpr char kStreamOpenMetadata[] = "x-maillage-stream";

// Initial metadata the observed calls of the HTTP face get: the call's request
// id, as its log line says it (ObservedCall::request_id), which the HTTP face
// answers as the X-Request-Id header.
inline constexpr char kRequestIdMetadata[] = "x-request-id";

// What the work of a call gets besides its request: who calls (established by
// the handler from the call's credentials) and the call's cancellation.
struct CallContext {
  const auth::Principal& principal;
  const base::Cancellation& cancellation;
};

// The audit trail's view of one admitted call (core/audit_log.h): who, what,
// from where. End() records the entry when the trail wants it: every call
// of a kWrite or kAdmin method, every denied call (UNAUTHENTICATED,
// PERMISSION_DENIED) and every read that returns contact persons (a request
// asking for ACTOR_VIEW_FULL). End() also ends the call's observation (its
// metrics and request log line, services/request_observer.h), when it has
// one: a call's outcome is told once, for both. Thread-safe for one caller
// at a time (a stream's callbacks are serialised where they touch it).
class CallAudit {
 public:
  // `observed` may be null (requests not observed).
  CallAudit(core::AuditLog* log,
            std::shared_ptr<const auth::Principal> principal,
            std::string_view method, auth::Effect effect, std::string peer,
            std::unique_ptr<ObservedCall> observed);
  // Records with outcome UNKNOWN when End was never called (a stream torn
  // down without an outcome).
  ~CallAudit();
  CallAudit(const CallAudit&) = delete;
  CallAudit& operator=(const CallAudit&) = delete;

  // For streams: takes what the trail needs of the request (its targets,
  // whether it reads contacts) while the request is alive.
  void SetRequest(const google::protobuf::Message& request);
  // Adds to the entry's note ("created 10, updated 2").
  void AddNote(std::string_view note);
  // The call's outcome; `request` (unary calls: the decoded request, still
  // alive) gives the targets, `response_bytes` (unary calls) the size of the
  // answer for the request log. Records at most once.
  void End(const absl::Status& status,
           const google::protobuf::Message* request = nullptr,
           std::optional<size_t> response_bytes = std::nullopt);
  void End(const grpc::Status& status);

 private:
  void Describe(const google::protobuf::Message& request);

  core::AuditLog* const log_;
  const std::shared_ptr<const auth::Principal> principal_;
  const auth::Effect effect_;
  v1::AuditEntry entry_;  // method, peer, then targets and note
  const std::unique_ptr<ObservedCall> observed_;  // may be null
  bool reads_contacts_ = false;
  bool described_ = false;
  bool ended_ = false;
};

// The single path every call takes: admission (store open, load shedding,
// request size), decoding, cancellation, and the place where authentication
// and authorisation (per-tenant tokens, roles, territorial scopes), metrics
// and access logs sit. Services call Unary() (or Admit() for streams) and
// nothing else.
//
// Admission checks, in order: the store is open, the credentials
// authenticate, the role may call the method, the principal is within its
// rate (auth::RateLimiter; RESOURCE_EXHAUSTED with a RetryInfo), the queue
// has room. What the audit trail records is decided here too (CallAudit),
// for refused and admitted calls alike.
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
    // Calls per second and burst of each principal (0: unlimited). A call
    // over it gets RESOURCE_EXHAUSTED with a RetryInfo saying when a token
    // is available.
    auth::RateLimiter::Options rate_limit;
    // The same for admins, apart: by default unlimited, so that the local
    // admin's scripts and the server's own tools are never throttled.
    auth::RateLimiter::Options admin_rate_limit = {/*per_second=*/0};
    // Of the calls refused by the rate limit, one in this many is recorded
    // in the audit trail (the first one included), noting the sampling:
    // a client hammering the server must not fill the trail.
    int audit_rate_limited_every = 100;
    // Imports' pace while interactive calls are served (core/import_pacer.h):
    // every unary call counts as interactive (the health check does not).
    core::ImportPacer::Options import_pacing;
  };

  // Runs on a worker: the call's work, with the core, the principal and the
  // call's cancellation (its deadline and whether the client is still there).
  using Work = std::function<absl::Status(core::Maillage&, const CallContext&)>;

  // What Admit gives a call it lets in.
  struct Admission {
    core::Maillage* core = nullptr;
    std::shared_ptr<const auth::Principal> principal;
    // The call's audit entry: a stream keeps it, calls SetRequest once it
    // has decoded its request, and End(status) just before it finishes.
    std::shared_ptr<CallAudit> audit;
    // Where the call's work runs (see SetWritePool).
    WorkerPool* pool = nullptr;
  };

  // `observer` records every call's metrics and log line, refused ones
  // included; `activity` is what the services count their work in. Neither
  // is owned; either may be null (not recorded); both must outlive the
  // handler.
  RequestHandler(WorkerPool* pool, Options options,
                 RequestObserver* observer = nullptr,
                 ActivityMetrics* activity = nullptr)
      : pool_(pool),
        observer_(observer),
        activity_(activity),
        options_(options),
        rate_limiter_(options.rate_limit),
        admin_rate_limiter_(options.admin_rate_limit),
        import_pacer_(options.import_pacing) {}

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
  // (core::Maillage&, const Request&, const CallContext&) (or with the
  // call's CallAudit& last, to add a note to its audit entry) and returns
  // absl::StatusOr<Response>, or absl::Status when the response is
  // google.protobuf.Empty. `request` and `response` belong to gRPC and live
  // until the call is finished.
  template <typename Request, typename WorkFn>
  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* context,
                                  std::string_view method,
                                  const grpc::ByteBuffer* request,
                                  grpc::ByteBuffer* response, WorkFn work);

  // Unary for a call whose answer may come later, from another thread:
  // `work(core, request, call, answer)` starts it and calls `answer` exactly
  // once with the result (an absl::StatusOr of the response). The decoded
  // request and the call's principal stay valid until then. The worker is
  // free as soon as `work` returns: a recorded SuggestPartners waiting for
  // its round holds no thread. It runs on the worker pool whatever its
  // method's effect (see SetWritePool).
  template <typename Request, typename WorkFn>
  grpc::ServerUnaryReactor* UnaryDeferred(grpc::CallbackServerContext* context,
                                          std::string_view method,
                                          const grpc::ByteBuffer* request,
                                          grpc::ByteBuffer* response,
                                          WorkFn work);

  // For streaming calls: the same admission checks as Unary (store open,
  // authentication, the role's right to `method`, load shedding). Returns
  // the admission, or a refusal the reactor finishes with.
  absl::StatusOr<Admission> Admit(grpc::CallbackServerContext* context,
                                  std::string_view method);
  // Where the services count imports, served suggestions and lifecycle
  // changes; null when not counted.
  ActivityMetrics* activity() const { return activity_; }

  // Runs `task` on the worker pool: the continuation of a call already
  // admitted (never refused).
  void Schedule(std::function<void()> task) {
    pool_->Schedule(std::move(task));
  }
  // Where calls that write run (methods whose auth::Effect is not kRead),
  // but UnaryDeferred's, whose worker does not wait for their writes: a
  // pool of their own, so that a disk slow to sync (every durable write
  // waits for the WAL's fdatasync, and a stalled one holds its thread)
  // fills only that pool and the other calls are still served.
  // Null (the default): the worker pool. Not owned; must outlive the
  // handler's calls. Set before serving.
  void SetWritePool(WorkerPool* pool) { write_pool_ = pool; }
  // Where imports prepare their batches (ScheduleImport): a pool of their
  // own, e.g. one low-priority thread, so that a streaming import neither
  // takes the workers queries need nor more than its share of the CPU.
  // Null (the default): the worker pool. Not owned; must outlive the
  // handler's calls. Set before serving.
  void SetImportPool(WorkerPool* pool) { import_pool_ = pool; }
  // What imports wait on while interactive calls are served: an import
  // stream paces each batch with it before preparing it.
  core::ImportPacer& import_pacer() { return import_pacer_; }
  // Runs an import's `task` on the import pool (or the worker pool).
  void ScheduleImport(std::function<void()> task) {
    (import_pool_ != nullptr ? import_pool_ : pool_)->Schedule(std::move(task));
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
  // Admit; `request` (may be null) gives the targets of an authenticated
  // call refused by its role; `worker_waits_for_writes` chooses its pool
  // with the method's rule (PoolFor), whose queue sheds load.
  absl::StatusOr<Admission> AdmitCall(
      grpc::CallbackServerContext* context, std::string_view method,
      const google::protobuf::Message* prototype,
      const grpc::ByteBuffer* request, bool worker_waits_for_writes);
  // The observation of a call arriving (null when calls are not observed):
  // its transport, traceparent and request id (sent back to the HTTP face
  // as kRequestIdMetadata).
  std::unique_ptr<ObservedCall> Observe(grpc::CallbackServerContext* context,
                                        std::string_view method,
                                        const grpc::ByteBuffer* request);
  // Tells `observed` who calls (as a pseudonym).
  void SetCaller(core::Maillage& core, const auth::Principal& principal,
                 ObservedCall& observed);
  // Records a call refused at admission, when the trail wants it.
  void RecordRefusal(core::Maillage& core, grpc::CallbackServerContext* context,
                     std::string_view method, const auth::Principal* principal,
                     const absl::Status& refusal,
                     const google::protobuf::Message* prototype,
                     const grpc::ByteBuffer* request);
  // Admits the call (`prototype` is its request type, `request` its bytes),
  // then runs `work` on a worker and finishes the call with its status.
  // `work` ends the admission's CallAudit.
  grpc::ServerUnaryReactor* Start(
      grpc::CallbackServerContext* context, std::string_view method,
      const google::protobuf::Message& prototype,
      const grpc::ByteBuffer* request,
      std::function<absl::Status(core::Maillage&, const CallContext&,
                                 CallAudit&)>
          work);

  // Start for calls answered later: `work` gets `finish`, which ends the
  // call with its status (exactly once, on any thread). The admission (the
  // principal, the audit) lives until then. `work` ends the CallAudit.
  // `worker_waits_for_writes`: whether `work` holds its worker until the
  // call's writes are done (see PoolFor).
  using Finisher = std::function<void(absl::Status)>;
  grpc::ServerUnaryReactor* StartDeferred(
      grpc::CallbackServerContext* context, std::string_view method,
      const google::protobuf::Message& prototype,
      const grpc::ByteBuffer* request, bool worker_waits_for_writes,
      std::function<void(core::Maillage&, const CallContext&, CallAudit&,
                         Finisher)>
          work);

  // The pool of a call of the method ruled by `rule` (null: none, counted
  // as a write): the write pool when the method writes (its auth::Effect is
  // not kRead) and the call's worker waits for those writes, else the
  // worker pool (see SetWritePool).
  WorkerPool* PoolFor(const auth::MethodRule* rule,
                      bool worker_waits_for_writes) const;

  WorkerPool* pool_;
  WorkerPool* write_pool_ = nullptr;
  WorkerPool* import_pool_ = nullptr;
  RequestObserver* const observer_;
  ActivityMetrics* const activity_;
  const Options options_;
  auth::RateLimiter rate_limiter_;
  auth::RateLimiter admin_rate_limiter_;
  core::ImportPacer import_pacer_;
  std::atomic<uint64_t> rate_limited_{0};  // refusals, for sampling
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
      context, method, Request::default_instance(), request,
      [request, response, work = std::move(work)](
          core::Maillage& core, const CallContext& call,
          CallAudit& audit) -> absl::Status {
        google::protobuf::Arena arena;
        auto* decoded = google::protobuf::Arena::CreateMessage<Request>(&arena);
        absl::Status status = internal::Decode(*request, decoded);
        const bool decoded_ok = status.ok();
        if (decoded_ok) {
          if constexpr (std::is_invocable_v<const WorkFn&, core::Maillage&,
                                            const Request&, const CallContext&,
                                            CallAudit&>) {
            status = internal::EncodeResult(work(core, *decoded, call, audit),
                                            response);
          } else if constexpr (std::is_invocable_v<
                                   const WorkFn&, core::Maillage&,
                                   const Request&, const CallContext&>) {
            status =
                internal::EncodeResult(work(core, *decoded, call), response);
          } else {
            status = internal::EncodeResult(work(core, *decoded), response);
          }
        }
        audit.End(status, decoded_ok ? decoded : nullptr, response->Length());
        return status;
      });
}

template <typename Request, typename WorkFn>
grpc::ServerUnaryReactor* RequestHandler::UnaryDeferred(
    grpc::CallbackServerContext* context, std::string_view method,
    const grpc::ByteBuffer* request, grpc::ByteBuffer* response, WorkFn work) {
  // The worker only starts the call (a recorded SuggestPartners matches,
  // then hands its suggestions to a round written by another call's
  // thread): it never waits for the disk, so it runs with the reads.
  return StartDeferred(
      context, method, Request::default_instance(), request,
      /*worker_waits_for_writes=*/false,
      [request, response, work = std::move(work)](
          core::Maillage& core, const CallContext& call, CallAudit& audit,
          Finisher finish) {
        auto decoded = std::make_shared<Request>();
        absl::Status status = internal::Decode(*request, decoded.get());
        if (!status.ok()) {
          audit.End(status, nullptr, response->Length());
          finish(status);
          return;
        }
        // `audit` is the admission's, which `finish` keeps alive.
        work(core, *decoded, call,
             [decoded, response, &audit,
              finish = std::move(finish)](auto result) {
               absl::Status encoded =
                   internal::EncodeResult(std::move(result), response);
               audit.End(encoded, decoded.get(), response->Length());
               finish(encoded);
             });
      });
}

}  // namespace maillage::services

#endif  // MAILLAGE_SERVICES_REQUEST_HANDLER_H_

#include "services/request_handler.h"

#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
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

// Authenticated calls refused by their role have their request decoded for
// the audit trail's targets when it is at most this large (on gRPC's
// thread: only small requests).
constexpr size_t kRefusalDecodeBytesMax = 64 << 10;

bool IsDenial(absl::StatusCode code) {
  return code == absl::StatusCode::kUnauthenticated ||
         code == absl::StatusCode::kPermissionDenied;
}

// The value of the metadata `key` of the call, "" when absent.
std::string_view MetadataValue(grpc::CallbackServerContext* context,
                               std::string_view key) {
  const auto& metadata = context->client_metadata();
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  if (it == metadata.end()) return {};
  return std::string_view(it->second.data(), it->second.size());
}

// The HTTP client's address of a call the HTTP face made in-process
// (kHttpPeerMetadata with the process's token); nullopt for other calls.
std::optional<std::string_view> HttpPeerOf(
    grpc::CallbackServerContext* context) {
  std::string_view value = MetadataValue(context, kHttpPeerMetadata);
  const std::string& token = InProcessToken();
  if (value.size() > token.size() && value.substr(0, token.size()) == token &&
      value[token.size()] == ' ') {
    return value.substr(token.size() + 1);
  }
  return std::nullopt;
}

// The caller's address for the audit trail: the HTTP client's for a call the
// HTTP face made in-process.
std::string PeerOf(grpc::CallbackServerContext* context) {
  if (auto http_peer = HttpPeerOf(context)) {
    return absl::StrCat("http:", AsAbsl(*http_peer));
  }
  return context->peer();
}

void SetPrincipal(const auth::Principal* principal, v1::AuditEntry* entry) {
  if (principal == nullptr) {
    entry->set_principal_id("anonymous");
    return;
  }
  entry->set_principal_id(principal->id);
  entry->set_workspace(principal->workspace);
  entry->set_role(std::string(auth::RoleName(principal->role)));
}

}  // namespace

const std::string& InProcessToken() {
  static const std::string* const token = [] {
    unsigned char bytes[16];
    if (RAND_bytes(bytes, sizeof bytes) != 1) std::abort();
    std::string hex;
    for (unsigned char b : bytes)
      absl::StrAppend(&hex, absl::Hex(b, absl::kZeroPad2));
    return new std::string(std::move(hex));
  }();
  return *token;
}

CallAudit::CallAudit(core::AuditLog* log,
                     std::shared_ptr<const auth::Principal> principal,
                     std::string_view method, auth::Effect effect,
                     std::string peer, std::unique_ptr<ObservedCall> observed)
    : log_(log),
      principal_(std::move(principal)),
      effect_(effect),
      observed_(std::move(observed)) {
  entry_.set_method(std::string(method));
  entry_.set_peer(std::move(peer));
}

CallAudit::~CallAudit() {
  if (!ended_) End(absl::UnknownError("the call ended without an outcome"));
}

void CallAudit::Describe(const google::protobuf::Message& request) {
  if (described_) return;
  described_ = true;
  core::SetAuditTargets(request, &entry_);
  reads_contacts_ = core::RequestsContacts(request);
}

void CallAudit::SetRequest(const google::protobuf::Message& request) {
  Describe(request);
}

void CallAudit::AddNote(std::string_view note) {
  if (!entry_.note().empty()) entry_.mutable_note()->append("; ");
  entry_.mutable_note()->append(note);
}

void CallAudit::End(const absl::Status& status,
                    const google::protobuf::Message* request,
                    std::optional<size_t> response_bytes) {
  if (ended_) return;
  ended_ = true;
  if (observed_ != nullptr) observed_->End(status.code(), response_bytes);
  if (request != nullptr) Describe(*request);
  if (effect_ == auth::Effect::kRead && !reads_contacts_ &&
      !IsDenial(status.code())) {
    return;
  }
  SetPrincipal(principal_.get(), &entry_);
  entry_.set_outcome(absl::StatusCodeToString(status.code()));
  log_->Record(std::move(entry_), /*sync=*/effect_ != auth::Effect::kRead);
}

void CallAudit::End(const grpc::Status& status) {
  End(absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                   status.error_message()));
}

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
  return AdmitCall(context, method, nullptr, nullptr,
                   /*worker_waits_for_writes=*/false);
}

absl::StatusOr<RequestHandler::Admission> RequestHandler::AdmitCall(
    grpc::CallbackServerContext* context, std::string_view method,
    const google::protobuf::Message* prototype, const grpc::ByteBuffer* request,
    bool worker_waits_for_writes) {
  std::unique_ptr<ObservedCall> observed = Observe(context, method, request);
  // Every refusal below is counted and logged as the call's end.
  auto refuse = [&observed](absl::Status refusal) {
    if (observed != nullptr) observed->End(refusal.code());
    return refusal;
  };
  core::Maillage* core = core_.load();
  if (core == nullptr) {
    return refuse(
        absl::UnavailableError("the store is not open; retry shortly"));
  }
  absl::StatusOr<auth::Principal> principal = Authenticate(context);
  if (!principal.ok()) {
    RecordRefusal(*core, context, method, nullptr, principal.status(), nullptr,
                  nullptr);
    return refuse(principal.status());
  }
  if (observed != nullptr) SetCaller(*core, *principal, *observed);
  if (absl::Status s = auth::Authorize(*principal, method); !s.ok()) {
    RecordRefusal(*core, context, method, &*principal, s, prototype, request);
    return refuse(s);
  }
  const bool admin = principal->role == auth::Role::kAdmin;
  auth::RateLimiter& limiter = admin ? admin_rate_limiter_ : rate_limiter_;
  if (absl::Duration wait = limiter.Acquire(principal->id);
      wait > absl::ZeroDuration()) {
    const auth::RateLimiter::Options& limit =
        admin ? options_.admin_rate_limit : options_.rate_limit;
    absl::Status s = core::RetryLater(
        absl::StrFormat("%s is over its rate limit of %g calls per second "
                        "(burst %g); retry later",
                        principal->id, limit.per_second, limit.burst),
        wait);
    RecordRefusal(*core, context, method, &*principal, s, nullptr, nullptr);
    return refuse(s);
  }
  const auth::MethodRule* rule = auth::FindRule(method);
  WorkerPool* pool = PoolFor(rule, worker_waits_for_writes);
  if (pool->queued() >= static_cast<size_t>(options_.max_queued_calls)) {
    return refuse(core::RetryLater(
        "the server is overloaded: too many calls are waiting; retry later",
        options_.retry_delay));
  }
  Admission admission;
  admission.core = core;
  admission.pool = pool;
  admission.principal =
      std::make_shared<const auth::Principal>(*std::move(principal));
  admission.audit = std::make_shared<CallAudit>(
      &core->audit(), admission.principal, method,
      rule != nullptr ? rule->effect : auth::Effect::kAdmin, PeerOf(context),
      std::move(observed));
  return admission;
}

std::unique_ptr<ObservedCall> RequestHandler::Observe(
    grpc::CallbackServerContext* context, std::string_view method,
    const grpc::ByteBuffer* request) {
  if (observer_ == nullptr) return nullptr;
  const Transport transport =
      HttpPeerOf(context).has_value() ? Transport::kHttp : Transport::kGrpc;
  std::unique_ptr<ObservedCall> observed = observer_->Begin(
      method, transport, MetadataValue(context, "traceparent"));
  if (request != nullptr) observed->SetRequestBytes(request->Length());
  // For the HTTP face only, which answers it as X-Request-Id: one more
  // header on every gRPC answer cost 6% of GetActor's CPU (measured, see
  // BENCHMARKS.md); gRPC clients follow their calls by trace id.
  if (transport == Transport::kHttp) {
    context->AddInitialMetadata(kRequestIdMetadata,
                                std::string(observed->request_id()));
  }
  return observed;
}

void RequestHandler::SetCaller(core::Maillage& core,
                               const auth::Principal& principal,
                               ObservedCall& observed) {
  std::string pseudonym = observer_->Pseudonym(
      principal.id,
      [&core](const std::string& id) { return core.PrincipalPseudonym(id); });
  observed.SetCaller(std::move(pseudonym), auth::RoleName(principal.role),
                     principal.workspace);
}

void RequestHandler::RecordRefusal(core::Maillage& core,
                                   grpc::CallbackServerContext* context,
                                   std::string_view method,
                                   const auth::Principal* principal,
                                   const absl::Status& refusal,
                                   const google::protobuf::Message* prototype,
                                   const grpc::ByteBuffer* request) {
  v1::AuditEntry entry;
  if (refusal.code() == absl::StatusCode::kResourceExhausted) {
    // Rate-limited: sampled.
    const uint64_t n = rate_limited_.fetch_add(1, std::memory_order_relaxed);
    const int every = std::max(1, options_.audit_rate_limited_every);
    if (n % static_cast<uint64_t>(every) != 0) return;
    if (every > 1) {
      entry.set_note(absl::StrCat("rate limited; one such refusal in ", every,
                                  " is recorded"));
    }
  } else if (!IsDenial(refusal.code())) {
    return;
  }
  SetPrincipal(principal, &entry);
  entry.set_method(std::string(method));
  entry.set_outcome(absl::StatusCodeToString(refusal.code()));
  entry.set_peer(PeerOf(context));
  // The targets of an authenticated caller's refused request; an
  // unauthenticated one is not decoded at all.
  if (principal != nullptr && prototype != nullptr && request != nullptr &&
      request->Length() <= kRefusalDecodeBytesMax) {
    std::unique_ptr<google::protobuf::Message> decoded(prototype->New());
    if (internal::Decode(*request, decoded.get()).ok()) {
      core::SetAuditTargets(*decoded, &entry);
    }
  }
  core.audit().Record(std::move(entry));
}

WorkerPool* RequestHandler::PoolFor(const auth::MethodRule* rule,
                                    bool worker_waits_for_writes) const {
  const bool writes = rule == nullptr || rule->effect != auth::Effect::kRead;
  return write_pool_ != nullptr && worker_waits_for_writes && writes
             ? write_pool_
             : pool_;
}

grpc::ServerUnaryReactor* RequestHandler::Start(
    grpc::CallbackServerContext* context, std::string_view method,
    const google::protobuf::Message& prototype, const grpc::ByteBuffer* request,
    std::function<absl::Status(core::Maillage&, const CallContext&, CallAudit&)>
        work) {
  // The deferred form, finished as soon as `work` returns on its worker.
  return StartDeferred(
      context, method, prototype, request, /*worker_waits_for_writes=*/true,
      [work = std::move(work)](core::Maillage& core, const CallContext& call,
                               CallAudit& audit, Finisher finish) {
        finish(work(core, call, audit));
      });
}

grpc::ServerUnaryReactor* RequestHandler::StartDeferred(
    grpc::CallbackServerContext* context, std::string_view method,
    const google::protobuf::Message& prototype, const grpc::ByteBuffer* request,
    bool worker_waits_for_writes,
    std::function<void(core::Maillage&, const CallContext&, CallAudit&,
                       Finisher)>
        work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<Admission> admission =
      AdmitCall(context, method, &prototype, request, worker_waits_for_writes);
  absl::Status refusal = admission.status();
  if (refusal.ok()) refusal = CheckRequestSize(method, request->Length());
  if (!refusal.ok()) {
    if (admission.ok()) admission->audit->End(refusal);
    reactor->Finish(ToGrpcStatus(refusal));
    return reactor;
  }
  import_pacer_.NoteInteractiveCall();
  auto admitted = std::make_shared<Admission>(*std::move(admission));
  bool queued = admitted->pool->TrySchedule(
      [reactor, context, admitted, work = std::move(work)] {
        base::Cancellation cancellation = CancellationOf(context);
        absl::Status status = cancellation.Check();
        if (!status.ok()) {
          admitted->audit->End(status);
          reactor->Finish(ToGrpcStatus(status));
          return;
        }
        // The admission lives until the call is finished.
        Finisher finish = [reactor, admitted](absl::Status outcome) {
          reactor->Finish(ToGrpcStatus(outcome));
        };
        work(*admitted->core, CallContext{*admitted->principal, cancellation},
             *admitted->audit, std::move(finish));
      },
      static_cast<size_t>(options_.max_queued_calls));
  if (!queued) {
    absl::Status overloaded = core::RetryLater(
        "the server is overloaded: too many calls are waiting; retry later",
        options_.retry_delay);
    admitted->audit->End(overloaded);
    reactor->Finish(ToGrpcStatus(overloaded));
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

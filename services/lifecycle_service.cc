#include "services/lifecycle_service.h"

#include <deque>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "core/access_scope.h"
#include "core/errors.h"
#include "core/validation.h"
#include "core/workspace.h"
#include "services/grpc_ordering.h"
#include "services/status_mapping.h"

namespace maillage::services {

#define MAILLAGE_ADAPT(Method, Request, call)                                \
  grpc::ServerUnaryReactor* LifecycleServiceImpl::Method(                    \
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request, \
      grpc::ByteBuffer* response) {                                          \
    return handler_->Unary<Request>(                                         \
        context, #Method, request, response,                                 \
        [](core::Maillage& m, const Request& r, const CallContext& call) {   \
          return m.lifecycle().call(r, call.principal);                      \
        });                                                                  \
  }

MAILLAGE_ADAPT(GetSuggestion, v1::GetSuggestionRequest, GetSuggestion)
MAILLAGE_ADAPT(ListSuggestions, v1::ListSuggestionsRequest, ListSuggestions)
MAILLAGE_ADAPT(CreatePartnership, v1::CreatePartnershipRequest,
               CreatePartnership)
MAILLAGE_ADAPT(GetPartnership, v1::GetPartnershipRequest, GetPartnership)
MAILLAGE_ADAPT(ListPartnerships, v1::ListPartnershipsRequest, ListPartnerships)
MAILLAGE_ADAPT(UpdatePartnership, v1::UpdatePartnershipRequest,
               UpdatePartnership)
MAILLAGE_ADAPT(ImportPartnerships, v1::ImportPartnershipsRequest,
               ImportPartnerships)
MAILLAGE_ADAPT(GetTerritoryMetrics, v1::GetTerritoryMetricsRequest, Metrics)
#undef MAILLAGE_ADAPT

// Counts the change it makes, too.
grpc::ServerUnaryReactor* LifecycleServiceImpl::UpdateSuggestion(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return handler_->Unary<v1::UpdateSuggestionRequest>(
      context, "UpdateSuggestion", request, response,
      [activity = handler_->activity()](core::Maillage& m,
                                        const v1::UpdateSuggestionRequest& r,
                                        const CallContext& call) {
        auto changed = m.lifecycle().UpdateSuggestion(r, call.principal);
        if (changed.ok() && activity != nullptr) {
          activity->SuggestionChanged(changed->state());
        }
        return changed;
      });
}

// Territory-wide matching is the one long computation: it stops as soon as
// the call is cancelled or its deadline passes.
grpc::ServerUnaryReactor* LifecycleServiceImpl::SuggestForTerritory(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return handler_->Unary<v1::SuggestForTerritoryRequest>(
      context, "SuggestForTerritory", request, response,
      [activity = handler_->activity()](core::Maillage& m,
                                        const v1::SuggestForTerritoryRequest& r,
                                        const CallContext& call) {
        auto answer = m.matching().SuggestForTerritory(r, call.principal,
                                                       call.cancellation);
        if (answer.ok() && activity != nullptr) {
          int64_t pairs = 0;
          for (const auto& assignment : answer->assignments()) {
            pairs += assignment.partners_size();
          }
          activity->SuggestionsServed("SuggestForTerritory", pairs);
        }
        return answer;
      });
}

namespace {

// WatchSuggestions: reads the event log from the resume token, writes the
// events touching the territory one at a time, then waits for new commits
// (EventLog subscription) without holding any thread.
// The request and the events travel raw (see RequestHandler).
class WatchReactor final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  WatchReactor(grpc::CallbackServerContext* context,
               const grpc::ByteBuffer* request_bytes, RequestHandler* handler)
      : handler_(handler), shared_(std::make_shared<Shared>()) {
    auto admission = handler_->Admit(context, "WatchSuggestions");
    if (!admission.ok()) {
      FinishOnce(ToGrpcStatus(admission.status()));
      return;
    }
    core_ = admission->core;
    principal_ = std::move(admission->principal);
    audit_ = std::move(admission->audit);
    v1::WatchSuggestionsRequest parsed;
    if (absl::Status s = internal::Decode(*request_bytes, &parsed); !s.ok()) {
      FinishOnce(ToGrpcStatus(s));
      return;
    }
    const v1::WatchSuggestionsRequest* request = &parsed;
    core::FieldViolations violations;
    // Custom zones resolve in the caller's workspace.
    core::ValidationContext validation{&core_->registry(), &core_->vocabulary(),
                                       core::WorkspaceOf(*principal_)};
    core::ResolvedTerritory territory;
    core::ValidateTerritoryRef(validation, request->territory(), "territory",
                               &violations, &territory);
    if (!violations.empty()) {
      FinishOnce(ToGrpcStatus(violations.ToStatus()));
      return;
    }
    access_ = core_->actors().ScopeOf(*principal_);
    if (absl::Status in_scope = core::CheckTerritoryRead(*access_, territory);
        !in_scope.ok()) {
      FinishOnce(ToGrpcStatus(in_scope));
      return;
    }
    scope_ = std::move(territory.scope);
    if (request->resume_token().empty()) {
      after_ = core_->events().last_sequence();
    } else {
      auto seq = core::EventLog::ParseToken(request->resume_token());
      if (!seq.ok()) {
        FinishOnce(ToGrpcStatus(seq.status()));
        return;
      }
      // "0" asks for every event kept, wherever retention left the log.
      after_ = *seq == 0 ? core_->events().purged_through() : *seq;
    }
    shared_->reactor = this;
    std::weak_ptr<Shared> weak = shared_;
    RequestHandler* h = handler_;
    subscription_ = core_->events().Subscribe([weak, h] {
      auto shared = weak.lock();
      if (shared == nullptr) return;
      std::lock_guard lock(shared->mu);
      shared->dirty = true;
      if (shared->reactor != nullptr && shared->idle) {
        shared->idle = false;
        WatchReactor* r = shared->reactor;
        h->Schedule([r] { r->Pump(); });
      }
    });
    subscribed_ = true;
    // Admitted and valid: say so before the first event (see
    // kStreamOpenMetadata).
    context->AddInitialMetadata(kStreamOpenMetadata, "open");
    GrpcOrderBefore(this);
    StartSendInitialMetadata();
    {
      std::lock_guard lock(shared_->mu);
      shared_->idle = false;
    }
    handler_->Schedule([this] { Pump(); });
  }

  void OnWriteDone(bool ok) override {
    GrpcOrderAfter(this);
    if (!ok) {
      FinishOnce(grpc::Status(grpc::StatusCode::CANCELLED, "client went away"));
      return;
    }
    batch_.pop_front();
    if (!batch_.empty()) {
      WriteFirst();
      return;
    }
    handler_->Schedule([this] { Pump(); });
  }

  void OnCancel() override {
    GrpcOrderAfter(this);
    // A local reference keeps the mutex alive if Finish leads to OnDone
    // (and `delete this`) on another thread before the lock is released.
    auto shared = shared_;
    std::lock_guard lock(shared->mu);
    cancelled_ = true;
    // A pending write completes with ok=false and finishes the call; an
    // idle watcher is finished here.
    if (shared_->idle && !finished_) {
      finished_ = true;
      shared_->reactor = nullptr;
      GrpcOrderBefore(this);
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
    }
  }

  void OnDone() override {
    GrpcOrderAfter(this);
    if (subscribed_) core_->events().Unsubscribe(subscription_);
    {
      std::lock_guard lock(shared_->mu);
      shared_->reactor = nullptr;
    }
    RequestHandler* handler = handler_;
    delete this;               // ends the call's audit record, which logs
    GrpcOrderBefore(handler);  // see Server::Shutdown
  }

 private:
  struct Shared {
    std::mutex mu;
    WatchReactor* reactor = nullptr;  // null once the call is over
    bool idle = true;                 // no Pump scheduled or running
    bool dirty = false;               // a commit happened since the last read
  };

  // Whether every actor `event` names is in the caller's territories (an
  // event naming one outside would leak its existence).
  bool NamesOnlyActorsInScope(const v1::WatchEvent& event) const {
    if (access_->all()) return true;
    std::vector<std::string_view> ids;
    if (event.has_suggestion()) {
      ids = {event.suggestion().actor_id(), event.suggestion().partner_id()};
    } else if (event.has_partnership()) {
      for (const std::string& id : event.partnership().participants()) {
        ids.push_back(id);
      }
    }
    return core_->actors().AllInScope(*access_, ids);
  }

  // On the worker pool; at most one at a time.
  void Pump() {
    for (;;) {
      {
        std::lock_guard lock(shared_->mu);
        shared_->dirty = false;
        if (cancelled_) break;
      }
      uint64_t last = after_;
      const territory::Geography& geo = core_->geography();
      auto events = core_->events().Read(
          after_, 100, core::WorkspaceOf(*principal_),
          [&](const storage::EventRecord& record) {
            if (!NamesOnlyActorsInScope(record.event())) return false;
            for (const std::string& code : record.communes()) {
              auto c = geo.Find(territory::Level::kCommune, code);
              if (c &&
                  matcher::ActorIndex::Inside(
                      geo.PlaceOf(territory::Level::kCommune, *c), scope_)) {
                return true;
              }
            }
            return false;
          },
          &last);
      if (!events.ok()) {
        FinishOnce(ToGrpcStatus(events.status()));
        return;
      }
      after_ = last;
      if (!events->empty()) {
        batch_.clear();
        for (const v1::WatchEvent& event : *events) {
          // Encoding a message we built cannot fail.
          internal::Encode(event, &batch_.emplace_back()).IgnoreError();
        }
        WriteFirst();
        return;
      }
      std::lock_guard lock(shared_->mu);
      // Cancelled while this Pump read: OnCancel saw it busy and left the
      // finish to it (idle, the call would wait for the next commit).
      if (cancelled_) break;
      if (!shared_->dirty) {
        shared_->idle = true;  // the next commit schedules Pump again
        return;
      }
    }
    FinishOnce(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
  }

  // Starts the write of batch_'s first message. Every access to batch_
  // comes before GrpcOrderBefore (the reading of front() included), so the
  // next reaction's GrpcOrderAfter orders it.
  void WriteFirst() {
    const grpc::ByteBuffer* first = &batch_.front();
    GrpcOrderBefore(this);
    StartWrite(first);
  }

  // Every Finish goes through here, the refusals of the constructor
  // included: gRPC aborts the process on a second Finish, and a client that
  // cancels at once gets an OnCancel after a refusal (RELIABILITY.md, "The
  // crash loop reads the event log back").
  void FinishOnce(grpc::Status status) {
    auto shared = shared_;  // see OnCancel
    std::lock_guard lock(shared->mu);
    if (finished_) return;
    finished_ = true;
    shared_->reactor = nullptr;
    if (audit_ != nullptr) audit_->End(status);
    GrpcOrderBefore(this);
    Finish(std::move(status));
  }

  RequestHandler* handler_;
  core::Maillage* core_ = nullptr;
  std::shared_ptr<const auth::Principal> principal_;  // who calls
  std::shared_ptr<const core::AccessScope> access_;   // its territories
  std::shared_ptr<CallAudit> audit_;                  // ended by FinishOnce
  matcher::Scope scope_;
  uint64_t after_ = 0;
  std::deque<grpc::ByteBuffer> batch_;  // encoded events
  std::shared_ptr<Shared> shared_;
  int subscription_ = 0;
  bool subscribed_ = false;
  bool cancelled_ = false;  // guarded by shared_->mu
  bool finished_ = false;   // guarded by shared_->mu
};

}  // namespace

grpc::ServerWriteReactor<grpc::ByteBuffer>*
LifecycleServiceImpl::WatchSuggestions(grpc::CallbackServerContext* context,
                                       const grpc::ByteBuffer* request) {
  return new WatchReactor(context, request, handler_);
}

}  // namespace maillage::services

#include "services/actor_streams.h"

#include <deque>
#include <memory>
#include <mutex>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/arena.h"
#include "services/grpc_ordering.h"
#include "services/status_mapping.h"

namespace maillage::services {
namespace {

// Batches read ahead of the one being prepared.
constexpr size_t kMaxBatchesInFlight = 3;
// Batches prepared and handed to the directory's commit thread, not yet
// committed: the next batch is validated while these are written.
constexpr int kMaxCommitting = 2;
constexpr int kExportChunk = 500;

// One incoming message and the arena it is parsed on: a batch of thousands
// of rows is then a few large blocks, allocated and freed at once, instead
// of tens of thousands of small allocations freed one by one on another
// thread.
struct ArenaBatch {
  static ArenaBatch Make() {
    google::protobuf::ArenaOptions options;
    options.start_block_size = 64 << 10;
    options.max_block_size = 1 << 20;
    ArenaBatch b;
    b.arena = std::make_unique<google::protobuf::Arena>(options);
    b.request = google::protobuf::Arena::CreateMessage<v1::ImportActorsRequest>(
        b.arena.get());
    return b;
  }
  std::unique_ptr<google::protobuf::Arena> arena;
  v1::ImportActorsRequest* request = nullptr;  // on *arena
};

// A message as read off the stream, decoded later on a worker.
struct RawBatch {
  grpc::ByteBuffer bytes;
  int64_t index = 0;  // position in the stream, from 0
};

// Every callback decides under the lock what to start next, then starts it
// after unlocking: Finish may lead to OnDone (and `delete this`) on another
// thread at once, so it is always the last thing a callback touches.
//
// Messages are read raw and decoded on the worker pool, so that an
// undecodable message ends the call with INVALID_ARGUMENT naming it (a
// generated reader would report it as the end of the stream, and the call
// would end OK without the batches that follow).
class ImportReactor final
    : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  ImportReactor(grpc::CallbackServerContext* context, RequestHandler* handler)
      : handler_(handler) {
    auto admission = handler_->Admit(context, "ImportActors");
    if (!admission.ok()) {
      {
        // Finished: an OnCancel of a client that cancels at once must not
        // finish it again (gRPC aborts the process on a second Finish).
        std::lock_guard lock(mu_);
        finished_ = true;
      }
      GrpcOrderBefore(this);
      Finish(ToGrpcStatus(admission.status()));
      return;
    }
    core_ = admission->core;
    principal_ = std::move(admission->principal);
    audit_ = std::move(admission->audit);
    // Admitted: said before any answer (see kStreamOpenMetadata), so that
    // the HTTP face reads an upload only for a caller allowed to import.
    context->AddInitialMetadata(kStreamOpenMetadata, "open");
    reading_ = true;
    GrpcOrderBefore(this);
    StartSendInitialMetadata();
    StartRead(&incoming_.bytes);
  }

  void OnReadDone(bool ok) override {
    GrpcOrderAfter(this);
    Next next;
    {
      std::lock_guard lock(mu_);
      if (!ok || finished_) {
        // The client half-closed (or went away), or the call already ended
        // with an error while this read was outstanding.
        reading_ = false;
      } else {
        incoming_.index = received_++;
        pending_.push_back(std::move(incoming_));
        incoming_ = RawBatch();
        if (!applying_ && committing_ < kMaxCommitting) {
          applying_ = true;
          next.apply = true;
        }
        if (pending_.size() < kMaxBatchesInFlight && failure_.ok()) {
          next.read = true;
        } else {
          read_paused_ = true;  // resumed by ApplyPending
        }
      }
      DecideLocked(&next);
    }
    Run(next);
  }

  void OnWriteDone(bool ok) override {
    GrpcOrderAfter(this);
    Next next;
    {
      std::lock_guard lock(mu_);
      outgoing_.pop_front();
      writing_ = false;
      if (!ok && failure_.ok()) {
        failure_ = absl::CancelledError("the client stopped reading answers");
      }
      DecideLocked(&next);
    }
    Run(next);
  }

  void OnCancel() override {
    GrpcOrderAfter(this);
    Next next;
    {
      std::lock_guard lock(mu_);
      if (failure_.ok()) failure_ = absl::CancelledError("cancelled");
      DecideLocked(&next);  // a paused read would otherwise never end
    }
    // gRPC runs OnDone only after OnCancel has returned, and OnDone's
    // `delete this` destroys failure_, written above: state that order even
    // when nothing is handed to gRPC here (a call refused at its start).
    GrpcOrderBefore(this);
    Run(next);  // last: may delete this
  }

  void OnDone() override {
    GrpcOrderAfter(this);
    RequestHandler* handler = handler_;
    delete this;               // ends the call's audit record, which logs
    GrpcOrderBefore(handler);  // see Server::Shutdown
  }

 private:
  // What a callback starts once it has released the lock.
  struct Next {
    bool read = false;
    bool apply = false;
    const grpc::ByteBuffer* write = nullptr;
    bool finish = false;
    grpc::Status status;
  };

  void Run(const Next& next) {
    if (next.read || next.write != nullptr || next.finish) {
      GrpcOrderBefore(this);
    }
    if (next.apply) handler_->ScheduleImport([this] { ApplyPending(); });
    if (next.read) StartRead(&incoming_.bytes);
    if (next.write != nullptr) StartWrite(next.write);
    if (next.finish) Finish(next.status);  // last: may delete this
  }

  // Runs on the import pool (RequestHandler::ScheduleImport); one
  // invocation at a time per stream. Prepares
  // the batches in order and hands them to the directory's commit thread,
  // which commits them in the same order (OnCommitted), so answers keep the
  // order of the batches.
  void ApplyPending() {
    for (;;) {
      RawBatch raw;
      bool have_batch = false;
      Next next;
      {
        std::lock_guard lock(mu_);
        if (read_paused_ && reading_ && failure_.ok()) {
          read_paused_ = false;
          next.read = true;
        }
        if (!pending_.empty() && failure_.ok() &&
            committing_ < kMaxCommitting) {
          raw = std::move(pending_.front());
          pending_.pop_front();
          have_batch = true;
          ++committing_;  // from now until OnCommitted
        } else {
          if (!failure_.ok()) pending_.clear();
          applying_ = false;  // restarted by OnReadDone or OnCommitted
          DecideLocked(&next);
        }
      }
      Run(next);
      if (!have_batch) return;  // Run may have finished the call

      auto prepared = DecodeAndPrepare(std::move(raw));
      if (!prepared.ok()) {
        std::lock_guard lock(mu_);
        --committing_;
        if (failure_.ok()) failure_ = prepared.status();
        continue;  // never a Finish here: applying_ is still true
      }
      core_->actors().CommitImportAsync(
          std::move(*prepared),
          [this](absl::StatusOr<v1::ImportActorsResponse> result) {
            OnCommitted(std::move(result));
          });
    }
  }

  // Decodes one message on its own arena and prepares its rows; the arena
  // (the rows were moved out) is freed here, on the worker.
  absl::StatusOr<std::unique_ptr<core::ActorDirectory::PreparedImport>>
  DecodeAndPrepare(RawBatch raw) {
    ArenaBatch batch = ArenaBatch::Make();
    if (!internal::Decode(raw.bytes, batch.request).ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "message ", raw.index, " of the import stream (", raw.bytes.Length(),
          " bytes) is not a valid maillage.v1.ImportActorsRequest; the "
          "batches before it that were acknowledged are applied, it and "
          "those after it are not"));
    }
    raw = RawBatch();
    // While interactive calls are served, the batch waits its turn here,
    // and so, through the reads paused behind it, does the client.
    const absl::Duration paced =
        handler_->import_pacer().Pace(batch.request->actors_size());
    if (handler_->activity() != nullptr) {
      handler_->activity()->ImportPaced(paced);
    }
    return core_->actors().PrepareImport(batch.request, *principal_);
  }

  // Runs on the directory's commit thread, once per batch, in order.
  void OnCommitted(absl::StatusOr<v1::ImportActorsResponse> result) {
    Next next;
    {
      std::lock_guard lock(mu_);
      --committing_;
      if (!result.ok()) {
        if (failure_.ok()) failure_ = result.status();
      } else if (failure_.ok()) {
        // (After a failure, later batches may still be written, but are
        // not acknowledged: the call ends with the error.)
        result->set_batch_index(next_batch_index_++);
        const v1::ImportCounts& c = result->counts();
        if (handler_->activity() != nullptr) {
          handler_->activity()->ImportBatch(c);
        }
        totals_.set_created(totals_.created() + c.created());
        totals_.set_updated(totals_.updated() + c.updated());
        totals_.set_unchanged(totals_.unchanged() + c.unchanged());
        totals_.set_rejected(totals_.rejected() + c.rejected());
        totals_.set_kept_opted_out(totals_.kept_opted_out() +
                                   c.kept_opted_out());
        outgoing_.push_back(Encoded(*result));
      }
      if (!applying_ && failure_.ok() && !pending_.empty()) {
        applying_ = true;
        next.apply = true;
      }
      DecideLocked(&next);
    }
    Run(next);  // last: may delete this
  }

  // Chooses the next write, the summary, or the end of the call.
  void DecideLocked(Next* next) {
    if (finished_) return;
    if (!failure_.ok() && read_paused_) {
      // No read is outstanding and none will be started: reading is over.
      read_paused_ = false;
      reading_ = false;
    }
    if (!writing_ && !outgoing_.empty()) {
      writing_ = true;
      next->write = &outgoing_.front();
      return;
    }
    // After a failure the call ends without waiting for the client's next
    // batch (a client waiting for an answer before it sends more would wait
    // forever); the outstanding read then completes, not ok, before OnDone.
    bool awaiting_read = reading_ && failure_.ok();
    if (awaiting_read || applying_ || committing_ > 0 || writing_) return;
    if (!failure_.ok()) {
      finished_ = true;
      next->finish = true;
      next->status = ToGrpcStatus(failure_);
      RecordOutcomeLocked(failure_);
      return;
    }
    if (!summary_sent_) {
      summary_sent_ = true;
      v1::ImportActorsResponse summary;
      summary.set_batch_index(-1);
      *summary.mutable_counts() = totals_;
      summary.set_done(true);
      summary.set_batches(next_batch_index_);
      outgoing_.push_back(Encoded(summary));
      writing_ = true;
      next->write = &outgoing_.front();
      return;
    }
    finished_ = true;
    next->finish = true;
    next->status = grpc::Status::OK;
    RecordOutcomeLocked(absl::OkStatus());
  }

  // The stream's audit entry: its outcome and the rows applied.
  void RecordOutcomeLocked(const absl::Status& status) {
    if (audit_ == nullptr) return;  // refused at admission
    audit_->AddNote(absl::StrCat(
        "batches ", next_batch_index_, ", created ", totals_.created(),
        ", updated ", totals_.updated(), ", unchanged ", totals_.unchanged(),
        ", rejected ", totals_.rejected(), ", kept opted out ",
        totals_.kept_opted_out()));
    audit_->End(status);
    if (handler_->activity() != nullptr) {
      handler_->activity()->ImportEnded(totals_, next_batch_index_,
                                        absl::Now() - started_, status);
    }
  }

  static grpc::ByteBuffer Encoded(const v1::ImportActorsResponse& response) {
    grpc::ByteBuffer bytes;
    // Encoding a message we built cannot fail.
    internal::Encode(response, &bytes).IgnoreError();
    return bytes;
  }

  RequestHandler* handler_;
  const absl::Time started_ = absl::Now();
  core::Maillage* core_ = nullptr;
  std::shared_ptr<const auth::Principal> principal_;  // who calls
  std::shared_ptr<CallAudit> audit_;                  // guarded by mu_
  RawBatch incoming_;  // owned by the outstanding read

  std::mutex mu_;
  std::deque<RawBatch> pending_;           // guarded by mu_
  std::deque<grpc::ByteBuffer> outgoing_;  // guarded by mu_
  int64_t received_ = 0;                   // guarded by mu_
  v1::ImportCounts totals_;                // guarded by mu_
  absl::Status failure_;                   // guarded by mu_
  int64_t next_batch_index_ = 0;           // guarded by mu_
  bool reading_ = false;                   // guarded by mu_
  bool read_paused_ = false;               // guarded by mu_
  bool applying_ = false;                  // guarded by mu_
  int committing_ = 0;                     // guarded by mu_
  bool writing_ = false;                   // guarded by mu_
  bool summary_sent_ = false;              // guarded by mu_
  bool finished_ = false;                  // guarded by mu_
};

// The request and the chunks travel raw (see RequestHandler).
class ExportReactor final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  ExportReactor(grpc::CallbackServerContext* context,
                const grpc::ByteBuffer* request_bytes, RequestHandler* handler)
      : context_(context), handler_(handler) {
    auto admission = handler_->Admit(context, "ExportActors");
    if (!admission.ok()) {
      End(ToGrpcStatus(admission.status()));
      return;
    }
    core_ = admission->core;
    principal_ = std::move(admission->principal);
    audit_ = std::move(admission->audit);
    v1::ExportActorsRequest parsed;
    if (absl::Status s = internal::Decode(*request_bytes, &parsed); !s.ok()) {
      End(ToGrpcStatus(s));
      return;
    }
    audit_->SetRequest(parsed);
    const v1::ExportActorsRequest* request = &parsed;
    page_.set_kind(request->kind());
    if (request->has_territory())
      *page_.mutable_territory() = request->territory();
    page_.set_theme(request->theme());
    page_.set_offered_resource(request->offered_resource());
    page_.set_needed_resource(request->needed_resource());
    page_.set_view(request->view());
    page_.set_page_size(kExportChunk);
    handler_->Schedule([this] { NextChunk(); });
  }

  void OnWriteDone(bool ok) override {
    GrpcOrderAfter(this);
    if (!ok) {
      End(grpc::Status(grpc::StatusCode::CANCELLED, "client went away"));
      return;
    }
    if (last_) {
      End(grpc::Status::OK);
      return;
    }
    handler_->Schedule([this] { NextChunk(); });
  }

  void OnDone() override {
    GrpcOrderAfter(this);
    RequestHandler* handler = handler_;
    delete this;               // ends the call's audit record, which logs
    GrpcOrderBefore(handler);  // see Server::Shutdown
  }

 private:
  // Runs on the worker pool; at most one outstanding at a time.
  void NextChunk() {
    if (context_->IsCancelled()) {
      End(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
      return;
    }
    auto page = core_->actors().List(page_, *principal_);
    if (!page.ok()) {
      End(ToGrpcStatus(page.status()));
      return;
    }
    last_ = page->next_page_token().empty();
    page_.set_page_token(page->next_page_token());
    if (page->actors_size() == 0) {
      // A scoped caller's page may hold nobody and still have a next page
      // (the core bounds the actors examined per page).
      if (last_) {
        End(grpc::Status::OK);
      } else {
        handler_->Schedule([this] { NextChunk(); });
      }
      return;
    }
    exported_ += page->actors_size();
    v1::ExportActorsResponse chunk;
    chunk.mutable_actors()->Swap(page->mutable_actors());
    chunk_.Clear();
    // Encoding a message we built cannot fail.
    internal::Encode(chunk, &chunk_).IgnoreError();
    GrpcOrderBefore(this);
    StartWrite(&chunk_);
  }

  // Records the outcome in the audit trail, then finishes
  // (GrpcOrderBefore: what was done so far comes before OnDone).
  void End(grpc::Status status) {
    if (audit_ != nullptr) {
      audit_->AddNote(absl::StrCat("actors exported ", exported_));
      audit_->End(status);
    }
    GrpcOrderBefore(this);
    Finish(std::move(status));
  }

  grpc::CallbackServerContext* context_;
  RequestHandler* handler_;
  core::Maillage* core_ = nullptr;
  std::shared_ptr<const auth::Principal> principal_;  // who calls
  std::shared_ptr<CallAudit> audit_;
  int64_t exported_ = 0;  // actors written so far
  v1::ListActorsRequest page_;
  grpc::ByteBuffer chunk_;  // the encoded chunk being written
  bool last_ = false;
};

}  // namespace

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* NewImportReactor(
    grpc::CallbackServerContext* context, RequestHandler* handler) {
  return new ImportReactor(context, handler);
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* NewExportReactor(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    RequestHandler* handler) {
  return new ExportReactor(context, request, handler);
}

}  // namespace maillage::services

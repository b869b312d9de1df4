#include "services/http/import_upload.h"

#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "core/errors.h"
#include "maillage/v1/actor.pb.h"
#include "services/http/json_mapping.h"
#include "services/http/stream_format.h"
#include "services/status_mapping.h"

namespace maillage::services::http {
namespace {

constexpr int kDefaultBatchRows = 2000;
constexpr int kMaxBatchRows = 10000;  // ImportActors' limit per message

// The upload's format: the "format" parameter, else the Content-Type.
absl::StatusOr<importer::Format> FormatOf(
    const HttpRequest& request, const std::vector<std::string>& format) {
  if (!format.empty()) {
    std::optional<importer::Format> parsed = importer::ParseFormat(format[0]);
    if (!parsed.has_value()) {
      return core::InvalidField("query.format",
                                "expected jsonl, csv, sirene or rna");
    }
    return *parsed;
  }
  if (absl::StrContains(AsAbsl(request.content_type), "csv")) {
    return importer::Format::kCsv;
  }
  if (absl::StrContains(AsAbsl(request.content_type), "json")) {
    return importer::Format::kJsonl;
  }
  return core::InvalidField(
      "query.format",
      "say what the upload is: Content-Type application/x-ndjson or "
      "text/csv, or format=jsonl|csv|sirene|rna");
}

// The upload's parameters, by name (each may repeat).
absl::StatusOr<std::map<std::string, std::vector<std::string>>> Parameters(
    std::string_view query) {
  ASSIGN_OR_RETURN(auto pairs, ParseQuery(query));
  std::map<std::string, std::vector<std::string>> parameters;
  for (auto& [name, value] : pairs) {
    bool known = false;
    for (const UploadParameter& p : kUploadParameters) known |= p.name == name;
    if (!known) {
      return core::InvalidField(absl::StrCat("query.", name),
                                "unknown upload parameter");
    }
    parameters[name].push_back(std::move(value));
  }
  return parameters;
}

// One ImportActors batch sent, awaiting its answer: the file's row number
// of each row sent, and the rows the reader itself rejected meanwhile.
struct SentBatch {
  std::vector<int64_t> file_rows;
  std::vector<v1::RowError> reader_errors;
};

// Streams the batches and relays the answers (see RelayImport). Writing the
// next batch waits for the previous write (gRPC flow control), reading the
// next answer for the previous line to reach the client.
class ImportRelay : public std::enable_shared_from_this<ImportRelay> {
 public:
  ImportRelay(HttpRequest request, ImportReference reference,
              std::shared_ptr<ResponseSink> sink)
      : request_(std::move(request)),
        reference_(reference),
        sink_(std::move(sink)) {}

  void Start(GrpcBridge& bridge, const google::protobuf::MethodDescriptor& m,
             const CallOrigin& origin) {
    std::shared_ptr<ImportRelay> self = shared_from_this();
    StreamCall::Callbacks callbacks;
    callbacks.on_open = [self] { self->OnAdmitted(); };
    callbacks.on_message = [self](grpc::ByteBuffer b) { self->OnAnswer(b); };
    callbacks.on_written = [self](bool ok) {
      if (ok) self->SendNext();
    };
    callbacks.on_done = [self](const grpc::Status& s) { self->OnDone(s); };
    call_ = bridge.Stream(m, origin, std::move(callbacks));
    std::weak_ptr<StreamCall> weak = call_;
    sink_->OnClientGone([weak] {
      if (auto call = weak.lock()) call->Cancel();
    });
    call_->Read();
    call_->Go();
  }

 private:
  // The server admitted the call: the upload is read from now on.
  void OnAdmitted() {
    absl::StatusOr<Upload> upload = OpenUpload(request_, reference_);
    if (!upload.ok()) {
      {
        std::lock_guard lock(mu_);
        failure_ = upload.status();
      }
      call_->Cancel();
      return;
    }
    {
      std::lock_guard lock(mu_);
      upload_ = *std::move(upload);
    }
    SendNext();
  }

  // Reads the next batch off the upload and sends it, or ends the requests.
  void SendNext() {
    v1::ImportActorsRequest batch;
    batch.set_mode(upload_.mode);
    batch.set_dry_run(upload_.dry_run);
    SentBatch sent;
    importer::Row row;
    {
      std::lock_guard lock(mu_);
      while (batch.actors_size() < upload_.batch_rows &&
             upload_.reader->Next(&row)) {
        AddRow(row, &batch, &sent);
      }
      if (!upload_.reader->status().ok()) failure_ = upload_.reader->status();
      if (batch.actors_size() == 0 && sent.reader_errors.empty()) {
        if (!failure_.ok()) {
          call_->Cancel();
        } else {
          call_->WritesDone();
        }
        return;
      }
      sent_.push_back(std::move(sent));
    }
    call_->Write(Serialize(batch));
  }

  static void AddRow(importer::Row& row, v1::ImportActorsRequest* batch,
                     SentBatch* sent) {
    switch (row.outcome) {
      case importer::Row::Outcome::kActor:
        sent->file_rows.push_back(row.row_number);
        batch->add_actors()->Swap(&row.actor);
        break;
      case importer::Row::Outcome::kRejected: {
        v1::RowError& error = sent->reader_errors.emplace_back();
        error.set_row_number(row.row_number);
        error.set_field(row.field);
        error.set_reason(row.reason);
        break;
      }
      case importer::Row::Outcome::kSkipped:
        break;  // deliberately left out (closed, dissolved)
    }
  }

  // An answer: its row numbers become the file's, the reader's rejections
  // join it, and it goes to the client as one NDJSON line.
  void OnAnswer(const grpc::ByteBuffer& bytes) {
    v1::ImportActorsResponse answer;
    if (!Parse(bytes, &answer)) {
      call_->Cancel();
      return;
    }
    {
      std::lock_guard lock(mu_);
      if (answer.batch_index() >= 0 && !sent_.empty()) {
        SentBatch sent = std::move(sent_.front());
        sent_.pop_front();
        Translate(sent, &answer);
      }
      if (answer.done()) {
        answer.mutable_counts()->set_rejected(answer.counts().rejected() +
                                              reader_rejected_);
      }
    }
    BeginOnce();
    std::weak_ptr<StreamCall> weak = call_;
    sink_->Chunk(ToJson(answer) + "\n", [weak](bool ok) {
      if (auto call = weak.lock()) ok ? call->Read() : call->Cancel();
    });
  }

  void Translate(SentBatch& sent, v1::ImportActorsResponse* answer) {
    for (v1::RowError& error : *answer->mutable_errors()) {
      int64_t index = error.row_number();
      if (index >= 0 && index < static_cast<int64_t>(sent.file_rows.size())) {
        error.set_row_number(sent.file_rows[index]);
      }
    }
    for (v1::RowError& error : sent.reader_errors) {
      *answer->add_errors() = std::move(error);
    }
    const int64_t rejected = static_cast<int64_t>(sent.reader_errors.size());
    reader_rejected_ += rejected;
    answer->mutable_counts()->set_rejected(answer->counts().rejected() +
                                           rejected);
  }

  void BeginOnce() {
    std::lock_guard lock(mu_);
    if (begun_) return;
    begun_ = true;
    sink_->Begin(200, "application/x-ndjson");
  }

  void OnDone(const grpc::Status& status) {
    bool begun;
    absl::Status failure;
    {
      std::lock_guard lock(mu_);
      begun = begun_;
      begun_ = true;
      failure = failure_;
    }
    grpc::Status ended = status;
    if (!failure.ok()) ended = ToGrpcStatus(failure);
    if (!begun) {
      SendError(*sink_, ended);
      return;
    }
    if (ended.ok() || ended.error_code() == grpc::StatusCode::CANCELLED) {
      sink_->End();
      return;
    }
    std::shared_ptr<ResponseSink> sink = sink_;
    sink_->Chunk(absl::StrCat("{\"error\":", ErrorJson(ended), "}\n"),
                 [sink](bool) { sink->End(); });
  }

  HttpRequest request_;  // its body moves to the upload
  const ImportReference reference_;
  std::shared_ptr<ResponseSink> sink_;
  std::shared_ptr<StreamCall> call_;
  std::mutex mu_;
  Upload upload_;                // guarded by mu_, once admitted
  std::deque<SentBatch> sent_;   // guarded by mu_
  absl::Status failure_;         // guarded by mu_: the upload's
  int64_t reader_rejected_ = 0;  // guarded by mu_
  bool begun_ = false;           // guarded by mu_
};

}  // namespace

absl::StatusOr<Upload> OpenUpload(HttpRequest& request,
                                  const ImportReference& reference) {
  ASSIGN_OR_RETURN(auto parameters, Parameters(request.query));
  Upload upload;
  importer::DirectoryOptions options;
  ASSIGN_OR_RETURN(options.format, FormatOf(request, parameters["format"]));
  options.path = "the upload";
  options.content =
      std::make_shared<const std::string>(std::move(request.body));
  options.mappings = reference.mappings;
  options.geography = reference.geography;
  for (const std::string& text : parameters["map"]) {
    absl::StatusOr<importer::ColumnMapping> mapping =
        importer::ParseColumnMapping(text);
    if (!mapping.ok()) {
      return core::InvalidField("query.map",
                                std::string(mapping.status().message()));
    }
    options.columns.push_back(*std::move(mapping));
  }
  if (!parameters["source"].empty()) options.source = parameters["source"][0];
  if (options.format != importer::Format::kJsonl &&
      (reference.mappings == nullptr || reference.geography == nullptr)) {
    return absl::UnavailableError("the store is not open; retry shortly");
  }
  ASSIGN_OR_RETURN(upload.reader, importer::DirectoryReader::Open(options));
  upload.mode = v1::IMPORT_MODE_MERGE;
  if (!parameters["mode"].empty() &&
      !v1::ImportMode_Parse(parameters["mode"][0], &upload.mode)) {
    return core::InvalidField(
        "query.mode", "expected IMPORT_MODE_MERGE or IMPORT_MODE_REPLACE");
  }
  upload.dry_run =
      !parameters["dryRun"].empty() && parameters["dryRun"][0] == "true";
  upload.batch_rows = kDefaultBatchRows;
  if (!parameters["batch"].empty() &&
      (!absl::SimpleAtoi(parameters["batch"][0], &upload.batch_rows) ||
       upload.batch_rows < 1 || upload.batch_rows > kMaxBatchRows)) {
    return core::InvalidField("query.batch", "expected 1 to 10000 rows");
  }
  return upload;
}

void RelayImport(const Route& route, HttpRequest request,
                 ImportReference reference, GrpcBridge& bridge,
                 std::shared_ptr<ResponseSink> sink) {
  CallOrigin origin = OriginOf(request);
  auto relay = std::make_shared<ImportRelay>(std::move(request), reference,
                                             std::move(sink));
  relay->Start(bridge, *route.method, origin);
}

}  // namespace maillage::services::http

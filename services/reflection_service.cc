#include "services/reflection_service.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "services/status_mapping.h"

namespace maillage::services {
namespace {

namespace pb = google::protobuf;
using grpc::reflection::v1alpha::ServerReflectionRequest;
using grpc::reflection::v1alpha::ServerReflectionResponse;

void SetError(grpc::StatusCode code, const std::string& message,
              ServerReflectionResponse* response) {
  response->mutable_error_response()->set_error_code(static_cast<int>(code));
  response->mutable_error_response()->set_error_message(message);
}

// The file a file request asks for (by name, symbol or extension), or
// nullptr; `asked` says what was asked, for an error message.
const pb::FileDescriptor* FileAskedFor(const ServerReflectionRequest& request,
                                       std::string* asked) {
  const pb::DescriptorPool* pool = pb::DescriptorPool::generated_pool();
  switch (request.message_request_case()) {
    case ServerReflectionRequest::kFileByFilename:
      *asked = absl::StrCat("file \"", request.file_by_filename(), "\"");
      return pool->FindFileByName(request.file_by_filename());
    case ServerReflectionRequest::kFileContainingSymbol:
      *asked =
          absl::StrCat("symbol \"", request.file_containing_symbol(), "\"");
      return pool->FindFileContainingSymbol(request.file_containing_symbol());
    case ServerReflectionRequest::kFileContainingExtension: {
      const auto& extension = request.file_containing_extension();
      *asked = absl::StrCat("extension ", extension.extension_number(),
                            " of \"", extension.containing_type(), "\"");
      const pb::Descriptor* type =
          pool->FindMessageTypeByName(extension.containing_type());
      if (type == nullptr) return nullptr;
      const pb::FieldDescriptor* field =
          pool->FindExtensionByNumber(type, extension.extension_number());
      return field == nullptr ? nullptr : field->file();
    }
    default:
      return nullptr;
  }
}

// One reflection stream: admitted first, then each request read, answered
// on a worker, written, until the client closes its side.
class ReflectionReactor final
    : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  ReflectionReactor(RequestHandler* handler, const ReflectionCatalog* catalog,
                    grpc::CallbackServerContext* context)
      : handler_(handler), catalog_(catalog) {
    absl::StatusOr<RequestHandler::Admission> admission =
        handler_->Admit(context, "ServerReflectionInfo");
    if (!admission.ok()) {
      Finish(ToGrpcStatus(admission.status()));
      return;
    }
    audit_ = std::move(admission->audit);
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client closed its side (or is gone)
      End(grpc::Status::OK);
      return;
    }
    handler_->Schedule([this] { Answer(); });
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      End(grpc::Status(grpc::StatusCode::CANCELLED,
                       "the reflection stream was cancelled"));
      return;
    }
    StartRead(&request_);
  }

  void OnDone() override { delete this; }

 private:
  // On a worker: decodes request_, answers into response_ and writes it.
  void Answer() {
    ServerReflectionRequest request;
    absl::Status status = internal::Decode(request_, &request);
    if (status.ok()) {
      response_.Clear();  // the previous response was sent
      status = internal::Encode(catalog_->Answer(request, &sent_), &response_);
    }
    if (!status.ok()) {
      End(ToGrpcStatus(status));
      return;
    }
    StartWrite(&response_);
  }

  // Finishes the stream, its audit entry and its observation with `status`.
  // Called once: each path above ends the stream's read-answer-write cycle.
  void End(grpc::Status status) {
    audit_->End(status);
    Finish(std::move(status));
  }

  RequestHandler* const handler_;
  const ReflectionCatalog* const catalog_;
  std::shared_ptr<CallAudit> audit_;  // null when refused
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  // Files this stream has sent (see ReflectionCatalog::Answer).
  std::set<std::string> sent_;
};

}  // namespace

ReflectionCatalog::ReflectionCatalog(std::vector<std::string> services)
    : services_(std::move(services)) {
  const pb::DescriptorPool* pool = pb::DescriptorPool::generated_pool();
  std::vector<const pb::FileDescriptor*> pending;
  for (const std::string& name : services_) {
    if (const pb::ServiceDescriptor* service = pool->FindServiceByName(name)) {
      pending.push_back(service->file());
    }
  }
  while (!pending.empty()) {
    const pb::FileDescriptor* file = pending.back();
    pending.pop_back();
    if (!files_.insert(file->name()).second) continue;
    for (int i = 0; i < file->dependency_count(); ++i) {
      pending.push_back(file->dependency(i));
    }
  }
}

bool ReflectionCatalog::Visible(const pb::FileDescriptor* file) const {
  return file != nullptr && files_.count(file->name()) != 0;
}

void ReflectionCatalog::AddFiles(const pb::FileDescriptor* file,
                                 std::set<std::string>* sent,
                                 ServerReflectionResponse* response) const {
  auto* files = response->mutable_file_descriptor_response();
  std::vector<const pb::FileDescriptor*> pending = {file};
  bool first = true;
  while (!pending.empty()) {
    const pb::FileDescriptor* next = pending.back();
    pending.pop_back();
    // The file asked for goes even when sent before; its imports once.
    if (!sent->insert(next->name()).second && !first) continue;
    first = false;
    pb::FileDescriptorProto proto;
    next->CopyTo(&proto);
    proto.SerializeToString(files->add_file_descriptor_proto());
    for (int i = 0; i < next->dependency_count(); ++i) {
      pending.push_back(next->dependency(i));
    }
  }
}

void ReflectionCatalog::AnswerExtensionNumbers(
    const std::string& type_name, ServerReflectionResponse* response) const {
  const pb::DescriptorPool* pool = pb::DescriptorPool::generated_pool();
  const pb::Descriptor* type = pool->FindMessageTypeByName(type_name);
  if (type == nullptr || !Visible(type->file())) {
    SetError(grpc::StatusCode::NOT_FOUND,
             absl::StrCat("unknown message type \"", type_name, "\""),
             response);
    return;
  }
  std::vector<const pb::FieldDescriptor*> extensions;
  pool->FindAllExtensions(type, &extensions);
  auto* numbers = response->mutable_all_extension_numbers_response();
  numbers->set_base_type_name(type->full_name());
  for (const auto* extension : extensions) {
    numbers->add_extension_number(extension->number());
  }
}

void ReflectionCatalog::AnswerFile(const ServerReflectionRequest& request,
                                   std::set<std::string>* sent,
                                   ServerReflectionResponse* response) const {
  std::string asked;
  const pb::FileDescriptor* file = FileAskedFor(request, &asked);
  if (!Visible(file)) {
    SetError(grpc::StatusCode::NOT_FOUND,
             absl::StrCat("unknown ", asked, " (or not part of the API)"),
             response);
    return;
  }
  AddFiles(file, sent, response);
}

ServerReflectionResponse ReflectionCatalog::Answer(
    const ServerReflectionRequest& request, std::set<std::string>* sent) const {
  ServerReflectionResponse response;
  response.set_valid_host(request.host());
  *response.mutable_original_request() = request;
  switch (request.message_request_case()) {
    case ServerReflectionRequest::kListServices:
      for (const std::string& name : services_) {
        response.mutable_list_services_response()->add_service()->set_name(
            name);
      }
      break;
    case ServerReflectionRequest::kFileByFilename:
    case ServerReflectionRequest::kFileContainingSymbol:
    case ServerReflectionRequest::kFileContainingExtension:
      AnswerFile(request, sent, &response);
      break;
    case ServerReflectionRequest::kAllExtensionNumbersOfType:
      AnswerExtensionNumbers(request.all_extension_numbers_of_type(),
                             &response);
      break;
    default:
      SetError(grpc::StatusCode::UNIMPLEMENTED,
               "unknown reflection request: expected list_services, "
               "file_by_filename, file_containing_symbol, "
               "file_containing_extension or all_extension_numbers_of_type",
               &response);
  }
  return response;
}

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* StartReflection(
    RequestHandler* handler, const ReflectionCatalog* catalog,
    grpc::CallbackServerContext* context) {
  return new ReflectionReactor(handler, catalog, context);
}

}  // namespace maillage::services

#include "services/privacy_service.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "core/personal_data.h"

namespace maillage::services {
namespace {

// "subject erased:0123456789abcdef" for the audit entry; nothing when the
// subject is malformed (the call then fails with INVALID_ARGUMENT).
void NoteSubject(core::Maillage& m, const v1::DataSubject& subject,
                 CallAudit& audit) {
  auto parsed = core::DataSubject::From(subject, "subject");
  if (parsed.ok()) {
    audit.AddNote(absl::StrCat("subject ", m.privacy().PseudonymOf(*parsed)));
  }
}

}  // namespace

grpc::ServerUnaryReactor* PrivacyServiceImpl::ExportPersonalData(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return handler_->Unary<v1::ExportPersonalDataRequest>(
      context, "ExportPersonalData", request, response,
      [](core::Maillage& m, const v1::ExportPersonalDataRequest& r,
         const CallContext& call, CallAudit& audit) {
        NoteSubject(m, r.subject(), audit);
        auto answer = m.privacy().Export(r, call.principal);
        if (answer.ok()) {
          audit.AddNote(absl::StrCat(answer->items_size(), " items exported"));
        }
        return answer;
      });
}

grpc::ServerUnaryReactor* PrivacyServiceImpl::ErasePersonalData(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return handler_->Unary<v1::ErasePersonalDataRequest>(
      context, "ErasePersonalData", request, response,
      [](core::Maillage& m, const v1::ErasePersonalDataRequest& r,
         const CallContext& call, CallAudit& audit) {
        NoteSubject(m, r.subject(), audit);
        auto answer = m.privacy().Erase(r, call.principal);
        if (answer.ok()) {
          int64_t records = 0;
          for (const auto& e : answer->erased()) records += e.count();
          audit.AddNote(
              absl::StrCat(records, " records",
                           r.validate_only() ? " (validate only)" : " erased"));
        }
        return answer;
      });
}

}  // namespace maillage::services

#include "services/admin_service.h"

namespace maillage::services {

// Each method hands the request to the matching KeyRing call.
#define MAILLAGE_ADAPT(Method, Request, call)                                \
  grpc::ServerUnaryReactor* AdminServiceImpl::Method(                        \
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request, \
      grpc::ByteBuffer* response) {                                          \
    return handler_->Unary<Request>(                                         \
        context, #Method, request, response,                                 \
        [](core::Maillage& m, const Request& r, const CallContext& c) {      \
          return m.keys().call(r, c.principal);                              \
        });                                                                  \
  }

MAILLAGE_ADAPT(CreateApiKey, v1::CreateApiKeyRequest, Create)
MAILLAGE_ADAPT(ListApiKeys, v1::ListApiKeysRequest, List)
MAILLAGE_ADAPT(RevokeApiKey, v1::RevokeApiKeyRequest, Revoke)
MAILLAGE_ADAPT(RotateApiKey, v1::RotateApiKeyRequest, Rotate)

#undef MAILLAGE_ADAPT

grpc::ServerUnaryReactor* AdminServiceImpl::GetCaller(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return handler_->Unary<v1::GetCallerRequest>(
      context, "GetCaller", request, response,
      [](core::Maillage&, const v1::GetCallerRequest&,
         const CallContext& c) -> absl::StatusOr<v1::Caller> {
        return core::KeyRing::CallerOf(c.principal);
      });
}

// Each backup method hands the request to the matching Backups call (a
// backup takes seconds to minutes: it runs on a worker like any call).
#define MAILLAGE_ADAPT_BACKUP(Method, Request, call)                          \
  grpc::ServerUnaryReactor* AdminServiceImpl::Method(                         \
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,  \
      grpc::ByteBuffer* response) {                                           \
    return handler_->Unary<Request>(context, #Method, request, response,      \
                                    [](core::Maillage& m, const Request& r) { \
                                      return m.backups().call(r);             \
                                    });                                       \
  }

MAILLAGE_ADAPT_BACKUP(CreateBackup, v1::CreateBackupRequest, Create)
MAILLAGE_ADAPT_BACKUP(ListBackups, v1::ListBackupsRequest, List)
MAILLAGE_ADAPT_BACKUP(VerifyBackup, v1::VerifyBackupRequest, Verify)
MAILLAGE_ADAPT_BACKUP(DeleteBackup, v1::DeleteBackupRequest, Delete)
MAILLAGE_ADAPT_BACKUP(PurgeBackups, v1::PurgeBackupsRequest, Purge)

#undef MAILLAGE_ADAPT_BACKUP

}  // namespace maillage::services

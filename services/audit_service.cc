#include "services/audit_service.h"

namespace maillage::services {

grpc::ServerUnaryReactor* AuditServiceImpl::ListAuditEntries(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return handler_->Unary<v1::ListAuditEntriesRequest>(
      context, "ListAuditEntries", request, response,
      [](core::Maillage& m, const v1::ListAuditEntriesRequest& r) {
        return m.audit().List(r);
      });
}

}  // namespace maillage::services

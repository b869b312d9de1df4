#ifndef MAILLAGE_SERVICES_AUDIT_SERVICE_H_
#define MAILLAGE_SERVICES_AUDIT_SERVICE_H_

#include "maillage/v1/audit.grpc.pb.h"
#include "services/request_handler.h"

namespace maillage::services {

// Raw, like the other services: the request handler decodes the request.
using AuditServiceBase =
    v1::AuditService::WithRawCallbackMethod_ListAuditEntries<
        v1::AuditService::Service>;

// maillage.v1.AuditService over core::AuditLog.
class AuditServiceImpl final : public AuditServiceBase {
 public:
  explicit AuditServiceImpl(RequestHandler* handler) : handler_(handler) {}

  grpc::ServerUnaryReactor* ListAuditEntries(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
      grpc::ByteBuffer* response) override;

 private:
  RequestHandler* handler_;
};

}  // namespace maillage::services

#endif  // MAILLAGE_SERVICES_AUDIT_SERVICE_H_

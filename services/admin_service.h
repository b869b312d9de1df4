#ifndef MAILLAGE_SERVICES_ADMIN_SERVICE_H_
#define MAILLAGE_SERVICES_ADMIN_SERVICE_H_

#include "maillage/v1/admin.grpc.pb.h"
#include "services/request_handler.h"

namespace maillage::services {

using AdminServiceBase = v1::AdminService::WithRawCallbackMethod_CreateApiKey<
    v1::AdminService::WithRawCallbackMethod_ListApiKeys<
        v1::AdminService::WithRawCallbackMethod_RevokeApiKey<
            v1::AdminService::WithRawCallbackMethod_RotateApiKey<
                v1::AdminService::WithRawCallbackMethod_GetCaller<
                    v1::AdminService::WithRawCallbackMethod_CreateBackup<
                        v1::AdminService::WithRawCallbackMethod_ListBackups<
                            v1::AdminService::WithRawCallbackMethod_VerifyBackup<
                                v1::AdminService::
                                    WithRawCallbackMethod_DeleteBackup<
                                        v1::AdminService::
                                            WithRawCallbackMethod_PurgeBackups<
                                                v1::AdminService::
                                                    Service>>>>>>>>>>;

// maillage.v1.AdminService over core::KeyRing and core::Backups; every call
// goes through the RequestHandler (admin role only, see auth/policy.cc).
class AdminServiceImpl final : public AdminServiceBase {
 public:
  explicit AdminServiceImpl(RequestHandler* handler) : handler_(handler) {}

#define MAILLAGE_RAW_UNARY(Method)                                       \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* context, \
                                   const grpc::ByteBuffer* request,      \
                                   grpc::ByteBuffer* response) override;
  MAILLAGE_RAW_UNARY(CreateApiKey)
  MAILLAGE_RAW_UNARY(ListApiKeys)
  MAILLAGE_RAW_UNARY(RevokeApiKey)
  MAILLAGE_RAW_UNARY(RotateApiKey)
  MAILLAGE_RAW_UNARY(GetCaller)
  MAILLAGE_RAW_UNARY(CreateBackup)
  MAILLAGE_RAW_UNARY(ListBackups)
  MAILLAGE_RAW_UNARY(VerifyBackup)
  MAILLAGE_RAW_UNARY(DeleteBackup)
  MAILLAGE_RAW_UNARY(PurgeBackups)
#undef MAILLAGE_RAW_UNARY

 private:
  RequestHandler* handler_;
};

}  // namespace maillage::services

#endif  // MAILLAGE_SERVICES_ADMIN_SERVICE_H_

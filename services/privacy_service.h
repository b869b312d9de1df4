#ifndef MAILLAGE_SERVICES_PRIVACY_SERVICE_H_
#define MAILLAGE_SERVICES_PRIVACY_SERVICE_H_

#include "maillage/v1/privacy.grpc.pb.h"
#include "services/request_handler.h"

namespace maillage::services {

// Raw, like the other services: the request handler decodes the request.
using PrivacyServiceBase =
    v1::PrivacyService::WithRawCallbackMethod_ExportPersonalData<
        v1::PrivacyService::WithRawCallbackMethod_ErasePersonalData<
            v1::PrivacyService::Service>>;

// maillage.v1.PrivacyService over core::Privacy. The audit entry of each
// call notes the person's pseudonym, never their e-mail, phone or name.
class PrivacyServiceImpl final : public PrivacyServiceBase {
 public:
  explicit PrivacyServiceImpl(RequestHandler* handler) : handler_(handler) {}

  grpc::ServerUnaryReactor* ExportPersonalData(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
      grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ErasePersonalData(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
      grpc::ByteBuffer* response) override;

 private:
  RequestHandler* handler_;
};

}  // namespace maillage::services

#endif  // MAILLAGE_SERVICES_PRIVACY_SERVICE_H_

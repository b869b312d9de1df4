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

}  // namespace maillage::services

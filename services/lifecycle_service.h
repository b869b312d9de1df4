#ifndef MAILLAGE_SERVICES_LIFECYCLE_SERVICE_H_
#define MAILLAGE_SERVICES_LIFECYCLE_SERVICE_H_

#include "maillage/v1/lifecycle.grpc.pb.h"
#include "services/request_handler.h"

namespace maillage::services {

// Every method is raw: the request handler (and the watch reactor) decode
// the requests.
using LifecycleServiceBase = v1::LifecycleService::WithRawCallbackMethod_GetSuggestion<
    v1::LifecycleService::WithRawCallbackMethod_ListSuggestions<
        v1::LifecycleService::WithRawCallbackMethod_UpdateSuggestion<
            v1::LifecycleService::WithRawCallbackMethod_CreatePartnership<
                v1::LifecycleService::WithRawCallbackMethod_GetPartnership<
                    v1::LifecycleService::WithRawCallbackMethod_ListPartnerships<
                        v1::LifecycleService::WithRawCallbackMethod_UpdatePartnership<
                            v1::LifecycleService::WithRawCallbackMethod_ImportPartnerships<
                                v1::LifecycleService::
                                    WithRawCallbackMethod_SuggestForTerritory<
                                        v1::LifecycleService::
                                            WithRawCallbackMethod_GetTerritoryMetrics<
                                                v1::LifecycleService::
                                                    WithRawCallbackMethod_WatchSuggestions<
                                                        v1::LifecycleService::
                                                            Service>>>>>>>>>>>;

// maillage.v1.LifecycleService over core::Lifecycle (and the engine for
// SuggestForTerritory).
class LifecycleServiceImpl final : public LifecycleServiceBase {
 public:
  explicit LifecycleServiceImpl(RequestHandler* handler) : handler_(handler) {}

#define MAILLAGE_RAW_UNARY(Method)                                       \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* context, \
                                   const grpc::ByteBuffer* request,      \
                                   grpc::ByteBuffer* response) override;
  MAILLAGE_RAW_UNARY(GetSuggestion)
  MAILLAGE_RAW_UNARY(ListSuggestions)
  MAILLAGE_RAW_UNARY(UpdateSuggestion)
  MAILLAGE_RAW_UNARY(CreatePartnership)
  MAILLAGE_RAW_UNARY(GetPartnership)
  MAILLAGE_RAW_UNARY(ListPartnerships)
  MAILLAGE_RAW_UNARY(UpdatePartnership)
  MAILLAGE_RAW_UNARY(ImportPartnerships)
  MAILLAGE_RAW_UNARY(SuggestForTerritory)
  MAILLAGE_RAW_UNARY(GetTerritoryMetrics)
#undef MAILLAGE_RAW_UNARY

  grpc::ServerWriteReactor<grpc::ByteBuffer>* WatchSuggestions(
      grpc::CallbackServerContext* context,
      const grpc::ByteBuffer* request) override;

 private:
  RequestHandler* handler_;
};

}  // namespace maillage::services

#endif  // MAILLAGE_SERVICES_LIFECYCLE_SERVICE_H_

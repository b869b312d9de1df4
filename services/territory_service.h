#ifndef MAILLAGE_SERVICES_TERRITORY_SERVICE_H_
#define MAILLAGE_SERVICES_TERRITORY_SERVICE_H_

#include "maillage/v1/territory.grpc.pb.h"
#include "services/request_handler.h"

namespace maillage::services {

// Every method is raw: the request handler decodes the requests.
using TerritoryServiceBase = v1::TerritoryService::WithRawCallbackMethod_GetTerritory<
    v1::TerritoryService::WithRawCallbackMethod_ListTerritories<
        v1::TerritoryService::WithRawCallbackMethod_ResolvePostalCode<
            v1::TerritoryService::WithRawCallbackMethod_CreateCustomTerritory<
                v1::TerritoryService::WithRawCallbackMethod_UpdateCustomTerritory<
                    v1::TerritoryService::WithRawCallbackMethod_DeleteCustomTerritory<
                        v1::TerritoryService::WithRawCallbackMethod_CreateFact<
                            v1::TerritoryService::WithRawCallbackMethod_GetFact<
                                v1::TerritoryService::WithRawCallbackMethod_UpdateFact<
                                    v1::TerritoryService::WithRawCallbackMethod_DeleteFact<
                                        v1::TerritoryService::WithRawCallbackMethod_ListFacts<
                                            v1::TerritoryService::
                                                WithRawCallbackMethod_ImportFacts<
                                                    v1::TerritoryService::
                                                        WithRawCallbackMethod_GetTerritoryDiagnosis<
                                                            v1::TerritoryService::
                                                                Service>>>>>>>>>>>>>;

// maillage.v1.TerritoryService over core::TerritoryBook.
class TerritoryServiceImpl final : public TerritoryServiceBase {
 public:
  explicit TerritoryServiceImpl(RequestHandler* handler) : handler_(handler) {}

#define MAILLAGE_RAW_UNARY(Method)                                       \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* context, \
                                   const grpc::ByteBuffer* request,      \
                                   grpc::ByteBuffer* response) override;
  MAILLAGE_RAW_UNARY(GetTerritory)
  MAILLAGE_RAW_UNARY(ListTerritories)
  MAILLAGE_RAW_UNARY(ResolvePostalCode)
  MAILLAGE_RAW_UNARY(CreateCustomTerritory)
  MAILLAGE_RAW_UNARY(UpdateCustomTerritory)
  MAILLAGE_RAW_UNARY(DeleteCustomTerritory)
  MAILLAGE_RAW_UNARY(CreateFact)
  MAILLAGE_RAW_UNARY(GetFact)
  MAILLAGE_RAW_UNARY(UpdateFact)
  MAILLAGE_RAW_UNARY(DeleteFact)
  MAILLAGE_RAW_UNARY(ListFacts)
  MAILLAGE_RAW_UNARY(ImportFacts)
  MAILLAGE_RAW_UNARY(GetTerritoryDiagnosis)
#undef MAILLAGE_RAW_UNARY

 private:
  RequestHandler* handler_;
};

}  // namespace maillage::services

#endif  // MAILLAGE_SERVICES_TERRITORY_SERVICE_H_

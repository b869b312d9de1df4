#ifndef MAILLAGE_SERVICES_TERRITORY_SERVICE_H_
#define MAILLAGE_SERVICES_TERRITORY_SERVICE_H_

#include "maillage/v1/territory.grpc.pb.h"
#include "services/request_handler.h"

namespace maillage::services {

// maillage.v1.TerritoryService over core::TerritoryBook.
class TerritoryServiceImpl final
    : public v1::TerritoryService::CallbackService {
 public:
  explicit TerritoryServiceImpl(RequestHandler* handler) : handler_(handler) {}

#define MAILLAGE_UNARY(Method, Request, Response)                              \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* context,       \
                                   const Request* request, Response* response) \
      override;
  MAILLAGE_UNARY(GetTerritory, v1::GetTerritoryRequest, v1::Territory)
  MAILLAGE_UNARY(ListTerritories, v1::ListTerritoriesRequest,
                 v1::ListTerritoriesResponse)
  MAILLAGE_UNARY(ResolvePostalCode, v1::ResolvePostalCodeRequest,
                 v1::ResolvePostalCodeResponse)
  MAILLAGE_UNARY(CreateCustomTerritory, v1::CreateCustomTerritoryRequest,
                 v1::Territory)
  MAILLAGE_UNARY(UpdateCustomTerritory, v1::UpdateCustomTerritoryRequest,
                 v1::Territory)
  MAILLAGE_UNARY(DeleteCustomTerritory, v1::DeleteCustomTerritoryRequest,
                 google::protobuf::Empty)
  MAILLAGE_UNARY(CreateFact, v1::CreateFactRequest, v1::TerritoryFact)
  MAILLAGE_UNARY(GetFact, v1::GetFactRequest, v1::TerritoryFact)
  MAILLAGE_UNARY(UpdateFact, v1::UpdateFactRequest, v1::TerritoryFact)
  MAILLAGE_UNARY(DeleteFact, v1::DeleteFactRequest, google::protobuf::Empty)
  MAILLAGE_UNARY(ListFacts, v1::ListFactsRequest, v1::ListFactsResponse)
  MAILLAGE_UNARY(ImportFacts, v1::ImportFactsRequest, v1::ImportFactsResponse)
  MAILLAGE_UNARY(GetTerritoryDiagnosis, v1::GetTerritoryDiagnosisRequest,
                 v1::TerritoryDiagnosis)
#undef MAILLAGE_UNARY

 private:
  RequestHandler* handler_;
};

}  // namespace maillage::services

#endif  // MAILLAGE_SERVICES_TERRITORY_SERVICE_H_

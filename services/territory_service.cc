#include "services/territory_service.h"

#include "services/unary.h"

namespace maillage::services {

// Each method hands the request to the matching TerritoryBook call.
#define MAILLAGE_ADAPT(Method, Request, Response, call)                \
  grpc::ServerUnaryReactor* TerritoryServiceImpl::Method(              \
      grpc::CallbackServerContext* context, const Request* request,    \
      Response* response) {                                            \
    return handler_->Handle(context, #Method, [=](core::Maillage& m) { \
      return Deliver(m.territories().call(*request), response);        \
    });                                                                \
  }
#define MAILLAGE_ADAPT_EMPTY(Method, Request, call)                    \
  grpc::ServerUnaryReactor* TerritoryServiceImpl::Method(              \
      grpc::CallbackServerContext* context, const Request* request,    \
      google::protobuf::Empty*) {                                      \
    return handler_->Handle(context, #Method, [=](core::Maillage& m) { \
      return m.territories().call(*request);                           \
    });                                                                \
  }

MAILLAGE_ADAPT(GetTerritory, v1::GetTerritoryRequest, v1::Territory, Get)
MAILLAGE_ADAPT(ListTerritories, v1::ListTerritoriesRequest,
               v1::ListTerritoriesResponse, List)
MAILLAGE_ADAPT(ResolvePostalCode, v1::ResolvePostalCodeRequest,
               v1::ResolvePostalCodeResponse, ResolvePostalCode)
MAILLAGE_ADAPT(CreateCustomTerritory, v1::CreateCustomTerritoryRequest,
               v1::Territory, CreateCustom)
MAILLAGE_ADAPT(UpdateCustomTerritory, v1::UpdateCustomTerritoryRequest,
               v1::Territory, UpdateCustom)
MAILLAGE_ADAPT_EMPTY(DeleteCustomTerritory, v1::DeleteCustomTerritoryRequest,
                     DeleteCustom)
MAILLAGE_ADAPT(CreateFact, v1::CreateFactRequest, v1::TerritoryFact, CreateFact)
MAILLAGE_ADAPT(GetFact, v1::GetFactRequest, v1::TerritoryFact, GetFact)
MAILLAGE_ADAPT(UpdateFact, v1::UpdateFactRequest, v1::TerritoryFact, UpdateFact)
MAILLAGE_ADAPT_EMPTY(DeleteFact, v1::DeleteFactRequest, DeleteFact)
MAILLAGE_ADAPT(ListFacts, v1::ListFactsRequest, v1::ListFactsResponse,
               ListFacts)
MAILLAGE_ADAPT(ImportFacts, v1::ImportFactsRequest, v1::ImportFactsResponse,
               ImportFacts)
MAILLAGE_ADAPT(GetTerritoryDiagnosis, v1::GetTerritoryDiagnosisRequest,
               v1::TerritoryDiagnosis, Diagnose)

#undef MAILLAGE_ADAPT
#undef MAILLAGE_ADAPT_EMPTY

}  // namespace maillage::services

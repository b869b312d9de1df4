#include "services/territory_service.h"

namespace maillage::services {

// Each method hands the request to the matching TerritoryBook call.
#define MAILLAGE_ADAPT(Method, Request, call)                                \
  grpc::ServerUnaryReactor* TerritoryServiceImpl::Method(                    \
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request, \
      grpc::ByteBuffer* response) {                                          \
    return handler_->Unary<Request>(                                         \
        context, #Method, request, response,                                 \
        [](core::Maillage& m, const Request& r, const CallContext& call) {   \
          return m.territories().call(r, call.principal);                    \
        });                                                                  \
  }

MAILLAGE_ADAPT(GetTerritory, v1::GetTerritoryRequest, Get)
MAILLAGE_ADAPT(ListTerritories, v1::ListTerritoriesRequest, List)
MAILLAGE_ADAPT(ResolvePostalCode, v1::ResolvePostalCodeRequest,
               ResolvePostalCode)
MAILLAGE_ADAPT(CreateCustomTerritory, v1::CreateCustomTerritoryRequest,
               CreateCustom)
MAILLAGE_ADAPT(UpdateCustomTerritory, v1::UpdateCustomTerritoryRequest,
               UpdateCustom)
MAILLAGE_ADAPT(DeleteCustomTerritory, v1::DeleteCustomTerritoryRequest,
               DeleteCustom)
MAILLAGE_ADAPT(CreateFact, v1::CreateFactRequest, CreateFact)
MAILLAGE_ADAPT(GetFact, v1::GetFactRequest, GetFact)
MAILLAGE_ADAPT(UpdateFact, v1::UpdateFactRequest, UpdateFact)
MAILLAGE_ADAPT(DeleteFact, v1::DeleteFactRequest, DeleteFact)
MAILLAGE_ADAPT(ListFacts, v1::ListFactsRequest, ListFacts)
MAILLAGE_ADAPT(ImportFacts, v1::ImportFactsRequest, ImportFacts)
MAILLAGE_ADAPT(GetTerritoryDiagnosis, v1::GetTerritoryDiagnosisRequest,
               Diagnose)

#undef MAILLAGE_ADAPT

}  // namespace maillage::services

#ifndef MAILLAGE_SERVICES_LIFECYCLE_SERVICE_H_
#define MAILLAGE_SERVICES_LIFECYCLE_SERVICE_H_

#include "maillage/v1/lifecycle.grpc.pb.h"
#include "services/request_handler.h"

namespace maillage::services {

// maillage.v1.LifecycleService over core::Lifecycle (and the engine for
// SuggestForTerritory).
class LifecycleServiceImpl final
    : public v1::LifecycleService::CallbackService {
 public:
  explicit LifecycleServiceImpl(RequestHandler* handler) : handler_(handler) {}

#define MAILLAGE_UNARY(Method, Request, Response)                              \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* context,       \
                                   const Request* request, Response* response) \
      override;
  MAILLAGE_UNARY(GetSuggestion, v1::GetSuggestionRequest, v1::Suggestion)
  MAILLAGE_UNARY(ListSuggestions, v1::ListSuggestionsRequest,
                 v1::ListSuggestionsResponse)
  MAILLAGE_UNARY(UpdateSuggestion, v1::UpdateSuggestionRequest, v1::Suggestion)
  MAILLAGE_UNARY(CreatePartnership, v1::CreatePartnershipRequest,
                 v1::Partnership)
  MAILLAGE_UNARY(GetPartnership, v1::GetPartnershipRequest, v1::Partnership)
  MAILLAGE_UNARY(ListPartnerships, v1::ListPartnershipsRequest,
                 v1::ListPartnershipsResponse)
  MAILLAGE_UNARY(UpdatePartnership, v1::UpdatePartnershipRequest,
                 v1::Partnership)
  MAILLAGE_UNARY(ImportPartnerships, v1::ImportPartnershipsRequest,
                 v1::ImportPartnershipsResponse)
  MAILLAGE_UNARY(GetTerritoryMetrics, v1::GetTerritoryMetricsRequest,
                 v1::TerritoryMetrics)
  MAILLAGE_UNARY(SuggestForTerritory, v1::SuggestForTerritoryRequest,
                 v1::SuggestForTerritoryResponse)
#undef MAILLAGE_UNARY

  grpc::ServerWriteReactor<v1::WatchEvent>* WatchSuggestions(
      grpc::CallbackServerContext* context,
      const v1::WatchSuggestionsRequest* request) override;

 private:
  RequestHandler* handler_;
};

}  // namespace maillage::services

#endif  // MAILLAGE_SERVICES_LIFECYCLE_SERVICE_H_

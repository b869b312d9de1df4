#ifndef MAILLAGE_SERVICES_MATCH_SERVICE_H_
#define MAILLAGE_SERVICES_MATCH_SERVICE_H_

#include "maillage/v1/matching.grpc.pb.h"
#include "services/request_handler.h"

namespace maillage::services {

// maillage.v1.MatchService over core::Matchmaker.
class MatchServiceImpl final : public v1::MatchService::CallbackService {
 public:
  explicit MatchServiceImpl(RequestHandler* handler) : handler_(handler) {}

  grpc::ServerUnaryReactor* SuggestPartners(
      grpc::CallbackServerContext* context,
      const v1::SuggestPartnersRequest* request,
      v1::SuggestPartnersResponse* response) override;
  grpc::ServerUnaryReactor* ExplainMatch(
      grpc::CallbackServerContext* context,
      const v1::ExplainMatchRequest* request,
      v1::MatchExplanation* response) override;
  grpc::ServerUnaryReactor* SuggestCoalition(
      grpc::CallbackServerContext* context,
      const v1::SuggestCoalitionRequest* request,
      v1::SuggestCoalitionResponse* response) override;
  grpc::ServerUnaryReactor* SuggestDialoguePanel(
      grpc::CallbackServerContext* context,
      const v1::SuggestDialoguePanelRequest* request,
      v1::DialoguePanel* response) override;

 private:
  RequestHandler* handler_;
};

}  // namespace maillage::services

#endif  // MAILLAGE_SERVICES_MATCH_SERVICE_H_

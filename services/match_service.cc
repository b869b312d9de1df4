#include "services/match_service.h"

#include "services/unary.h"

namespace maillage::services {

grpc::ServerUnaryReactor* MatchServiceImpl::SuggestPartners(
    grpc::CallbackServerContext* context,
    const v1::SuggestPartnersRequest* request,
    v1::SuggestPartnersResponse* response) {
  return handler_->Handle(context, "SuggestPartners", [=](core::Maillage& m) {
    return Deliver(m.matching().SuggestPartners(*request), response);
  });
}

grpc::ServerUnaryReactor* MatchServiceImpl::ExplainMatch(
    grpc::CallbackServerContext* context,
    const v1::ExplainMatchRequest* request, v1::MatchExplanation* response) {
  return handler_->Handle(context, "ExplainMatch", [=](core::Maillage& m) {
    return Deliver(m.matching().ExplainMatch(*request), response);
  });
}

grpc::ServerUnaryReactor* MatchServiceImpl::SuggestCoalition(
    grpc::CallbackServerContext* context,
    const v1::SuggestCoalitionRequest* request,
    v1::SuggestCoalitionResponse* response) {
  return handler_->Handle(context, "SuggestCoalition", [=](core::Maillage& m) {
    return Deliver(m.matching().SuggestCoalition(*request), response);
  });
}

grpc::ServerUnaryReactor* MatchServiceImpl::SuggestDialoguePanel(
    grpc::CallbackServerContext* context,
    const v1::SuggestDialoguePanelRequest* request,
    v1::DialoguePanel* response) {
  return handler_->Handle(
      context, "SuggestDialoguePanel", [=](core::Maillage& m) {
        return Deliver(m.matching().SuggestDialoguePanel(*request), response);
      });
}

}  // namespace maillage::services

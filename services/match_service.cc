#include "services/match_service.h"

namespace maillage::services {

// Each method hands the request to the matching Matchmaker call.
#define MAILLAGE_ADAPT(Method, Request)                                      \
  grpc::ServerUnaryReactor* MatchServiceImpl::Method(                        \
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request, \
      grpc::ByteBuffer* response) {                                          \
    return handler_->Unary<Request>(                                         \
        context, #Method, request, response,                                 \
        [](core::Maillage& m, const Request& r, const CallContext& call) {   \
          return m.matching().Method(r, call.principal);                     \
        });                                                                  \
  }

// Counts the suggestions it answers, too.
grpc::ServerUnaryReactor* MatchServiceImpl::SuggestPartners(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  // Deferred: a recorded call is answered once its round is written,
  // without holding a worker meanwhile.
  return handler_->UnaryDeferred<v1::SuggestPartnersRequest>(
      context, "SuggestPartners", request, response,
      [activity = handler_->activity()](core::Maillage& m,
                                        const v1::SuggestPartnersRequest& r,
                                        const CallContext& call, auto answer) {
        m.matching().SuggestPartners(
            r, call.principal,
            [activity, answer = std::move(answer)](
                absl::StatusOr<v1::SuggestPartnersResponse> served) {
              if (served.ok() && activity != nullptr) {
                activity->SuggestionsServed("SuggestPartners",
                                            served->suggestions_size());
              }
              answer(std::move(served));
            });
      });
}

MAILLAGE_ADAPT(ExplainMatch, v1::ExplainMatchRequest)
MAILLAGE_ADAPT(SuggestCoalition, v1::SuggestCoalitionRequest)
MAILLAGE_ADAPT(SuggestDialoguePanel, v1::SuggestDialoguePanelRequest)
MAILLAGE_ADAPT(GetMatchWeights, v1::GetMatchWeightsRequest)
MAILLAGE_ADAPT(LearnMatchWeights, v1::LearnMatchWeightsRequest)

#undef MAILLAGE_ADAPT

}  // namespace maillage::services

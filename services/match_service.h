#ifndef MAILLAGE_SERVICES_MATCH_SERVICE_H_
#define MAILLAGE_SERVICES_MATCH_SERVICE_H_

#include "maillage/v1/matching.grpc.pb.h"
#include "services/request_handler.h"

namespace maillage::services {

// Every method is raw: the request handler decodes the requests.
using MatchServiceBase =
    v1::MatchService::WithRawCallbackMethod_SuggestPartners<
        v1::MatchService::WithRawCallbackMethod_ExplainMatch<
            v1::MatchService::WithRawCallbackMethod_SuggestCoalition<
                v1::MatchService::WithRawCallbackMethod_SuggestDialoguePanel<
                    v1::MatchService::WithRawCallbackMethod_GetMatchWeights<
                        v1::MatchService::
                            WithRawCallbackMethod_LearnMatchWeights<
                                v1::MatchService::Service>>>>>>;

// maillage.v1.MatchService over core::Matchmaker.
class MatchServiceImpl final : public MatchServiceBase {
 public:
  explicit MatchServiceImpl(RequestHandler* handler) : handler_(handler) {}

#define MAILLAGE_RAW_UNARY(Method)                                       \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* context, \
                                   const grpc::ByteBuffer* request,      \
                                   grpc::ByteBuffer* response) override;
  MAILLAGE_RAW_UNARY(SuggestPartners)
  MAILLAGE_RAW_UNARY(ExplainMatch)
  MAILLAGE_RAW_UNARY(SuggestCoalition)
  MAILLAGE_RAW_UNARY(SuggestDialoguePanel)
  MAILLAGE_RAW_UNARY(GetMatchWeights)
  MAILLAGE_RAW_UNARY(LearnMatchWeights)
#undef MAILLAGE_RAW_UNARY

 private:
  RequestHandler* handler_;
};

}  // namespace maillage::services

#endif  // MAILLAGE_SERVICES_MATCH_SERVICE_H_

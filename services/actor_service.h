#ifndef MAILLAGE_SERVICES_ACTOR_SERVICE_H_
#define MAILLAGE_SERVICES_ACTOR_SERVICE_H_

#include "maillage/v1/actor.grpc.pb.h"
#include "services/request_handler.h"

namespace maillage::services {

// Every method is raw: the request handler and the stream reactors decode
// the requests.
using ActorServiceBase = v1::ActorService::WithRawCallbackMethod_CreateActor<
    v1::ActorService::WithRawCallbackMethod_GetActor<
        v1::ActorService::WithRawCallbackMethod_UpdateActor<
            v1::ActorService::WithRawCallbackMethod_DeleteActor<
                v1::ActorService::WithRawCallbackMethod_ListActors<
                    v1::ActorService::WithRawCallbackMethod_BatchGetActors<
                        v1::ActorService::WithRawCallbackMethod_ImportActors<
                            v1::ActorService::WithRawCallbackMethod_ExportActors<
                                v1::ActorService::
                                    WithRawCallbackMethod_ListThemes<
                                        v1::ActorService::
                                            WithRawCallbackMethod_ListResources<
                                                v1::ActorService::
                                                    Service>>>>>>>>>>;

// maillage.v1.ActorService over core::ActorDirectory: converts nothing,
// decides nothing; every call goes through the RequestHandler.
class ActorServiceImpl final : public ActorServiceBase {
 public:
  explicit ActorServiceImpl(RequestHandler* handler) : handler_(handler) {}

#define MAILLAGE_RAW_UNARY(Method)                                       \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* context, \
                                   const grpc::ByteBuffer* request,      \
                                   grpc::ByteBuffer* response) override;
  MAILLAGE_RAW_UNARY(CreateActor)
  MAILLAGE_RAW_UNARY(GetActor)
  MAILLAGE_RAW_UNARY(UpdateActor)
  MAILLAGE_RAW_UNARY(DeleteActor)
  MAILLAGE_RAW_UNARY(ListActors)
  MAILLAGE_RAW_UNARY(BatchGetActors)
  MAILLAGE_RAW_UNARY(ListThemes)
  MAILLAGE_RAW_UNARY(ListResources)
#undef MAILLAGE_RAW_UNARY

  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* ImportActors(
      grpc::CallbackServerContext* context) override;
  grpc::ServerWriteReactor<grpc::ByteBuffer>* ExportActors(
      grpc::CallbackServerContext* context,
      const grpc::ByteBuffer* request) override;

 private:
  RequestHandler* handler_;
};

}  // namespace maillage::services

#endif  // MAILLAGE_SERVICES_ACTOR_SERVICE_H_

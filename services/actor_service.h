#ifndef MAILLAGE_SERVICES_ACTOR_SERVICE_H_
#define MAILLAGE_SERVICES_ACTOR_SERVICE_H_

#include "maillage/v1/actor.grpc.pb.h"
#include "services/request_handler.h"

namespace maillage::services {

// maillage.v1.ActorService over core::ActorDirectory: converts nothing,
// decides nothing; every call goes through the RequestHandler.
class ActorServiceImpl final : public v1::ActorService::CallbackService {
 public:
  explicit ActorServiceImpl(RequestHandler* handler) : handler_(handler) {}

  grpc::ServerUnaryReactor* CreateActor(grpc::CallbackServerContext* context,
                                        const v1::CreateActorRequest* request,
                                        v1::Actor* response) override;
  grpc::ServerUnaryReactor* GetActor(grpc::CallbackServerContext* context,
                                     const v1::GetActorRequest* request,
                                     v1::Actor* response) override;
  grpc::ServerUnaryReactor* UpdateActor(grpc::CallbackServerContext* context,
                                        const v1::UpdateActorRequest* request,
                                        v1::Actor* response) override;
  grpc::ServerUnaryReactor* DeleteActor(
      grpc::CallbackServerContext* context,
      const v1::DeleteActorRequest* request,
      google::protobuf::Empty* response) override;
  grpc::ServerUnaryReactor* ListActors(
      grpc::CallbackServerContext* context,
      const v1::ListActorsRequest* request,
      v1::ListActorsResponse* response) override;
  grpc::ServerUnaryReactor* BatchGetActors(
      grpc::CallbackServerContext* context,
      const v1::BatchGetActorsRequest* request,
      v1::BatchGetActorsResponse* response) override;
  grpc::ServerBidiReactor<v1::ImportActorsRequest, v1::ImportActorsResponse>*
  ImportActors(grpc::CallbackServerContext* context) override;
  grpc::ServerWriteReactor<v1::ExportActorsResponse>* ExportActors(
      grpc::CallbackServerContext* context,
      const v1::ExportActorsRequest* request) override;

 private:
  RequestHandler* handler_;
};

}  // namespace maillage::services

#endif  // MAILLAGE_SERVICES_ACTOR_SERVICE_H_

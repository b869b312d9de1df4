#include "services/actor_service.h"

#include "services/actor_streams.h"
#include "services/unary.h"

namespace maillage::services {

grpc::ServerUnaryReactor* ActorServiceImpl::CreateActor(
    grpc::CallbackServerContext* context, const v1::CreateActorRequest* request,
    v1::Actor* response) {
  return handler_->Handle(context, "CreateActor", [=](core::Maillage& m) {
    return Deliver(m.actors().Create(*request), response);
  });
}

grpc::ServerUnaryReactor* ActorServiceImpl::GetActor(
    grpc::CallbackServerContext* context, const v1::GetActorRequest* request,
    v1::Actor* response) {
  return handler_->Handle(context, "GetActor", [=](core::Maillage& m) {
    return Deliver(m.actors().Get(*request), response);
  });
}

grpc::ServerUnaryReactor* ActorServiceImpl::UpdateActor(
    grpc::CallbackServerContext* context, const v1::UpdateActorRequest* request,
    v1::Actor* response) {
  return handler_->Handle(context, "UpdateActor", [=](core::Maillage& m) {
    return Deliver(m.actors().Update(*request), response);
  });
}

grpc::ServerUnaryReactor* ActorServiceImpl::DeleteActor(
    grpc::CallbackServerContext* context, const v1::DeleteActorRequest* request,
    google::protobuf::Empty*) {
  return handler_->Handle(context, "DeleteActor", [=](core::Maillage& m) {
    return m.actors().Delete(*request);
  });
}

grpc::ServerUnaryReactor* ActorServiceImpl::ListActors(
    grpc::CallbackServerContext* context, const v1::ListActorsRequest* request,
    v1::ListActorsResponse* response) {
  return handler_->Handle(context, "ListActors", [=](core::Maillage& m) {
    return Deliver(m.actors().List(*request), response);
  });
}

grpc::ServerUnaryReactor* ActorServiceImpl::BatchGetActors(
    grpc::CallbackServerContext* context,
    const v1::BatchGetActorsRequest* request,
    v1::BatchGetActorsResponse* response) {
  return handler_->Handle(context, "BatchGetActors", [=](core::Maillage& m) {
    return Deliver(m.actors().BatchGet(*request), response);
  });
}

grpc::ServerBidiReactor<v1::ImportActorsRequest, v1::ImportActorsResponse>*
ActorServiceImpl::ImportActors(grpc::CallbackServerContext* context) {
  return NewImportReactor(context, handler_);
}

grpc::ServerWriteReactor<v1::ExportActorsResponse>*
ActorServiceImpl::ExportActors(grpc::CallbackServerContext* context,
                               const v1::ExportActorsRequest* request) {
  return NewExportReactor(context, request, handler_);
}

}  // namespace maillage::services

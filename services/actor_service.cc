#include "services/actor_service.h"

#include "services/actor_streams.h"

namespace maillage::services {

// Each unary method hands the request to the matching ActorDirectory call.
#define MAILLAGE_ADAPT(Method, Request, call)                                \
  grpc::ServerUnaryReactor* ActorServiceImpl::Method(                        \
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request, \
      grpc::ByteBuffer* response) {                                          \
    return handler_->Unary<Request>(                                         \
        context, #Method, request, response,                                 \
        [](core::Maillage& m, const Request& r, const CallContext& call) {   \
          return m.actors().call(r, call.principal);                         \
        });                                                                  \
  }

MAILLAGE_ADAPT(CreateActor, v1::CreateActorRequest, Create)
MAILLAGE_ADAPT(GetActor, v1::GetActorRequest, Get)
MAILLAGE_ADAPT(UpdateActor, v1::UpdateActorRequest, Update)
MAILLAGE_ADAPT(DeleteActor, v1::DeleteActorRequest, Delete)
MAILLAGE_ADAPT(ListActors, v1::ListActorsRequest, List)
MAILLAGE_ADAPT(BatchGetActors, v1::BatchGetActorsRequest, BatchGet)
MAILLAGE_ADAPT(ListThemes, v1::ListThemesRequest, ListThemes)
MAILLAGE_ADAPT(ListResources, v1::ListResourcesRequest, ListResources)

#undef MAILLAGE_ADAPT

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>*
ActorServiceImpl::ImportActors(grpc::CallbackServerContext* context) {
  return NewImportReactor(context, handler_);
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* ActorServiceImpl::ExportActors(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) {
  return NewExportReactor(context, request, handler_);
}

}  // namespace maillage::services

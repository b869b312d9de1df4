#ifndef MAILLAGE_SERVICES_ACTOR_STREAMS_H_
#define MAILLAGE_SERVICES_ACTOR_STREAMS_H_

#include "grpcpp/grpcpp.h"
#include "maillage/v1/actor.pb.h"
#include "services/request_handler.h"

namespace maillage::services {

// Reactors for the streaming calls of ActorService (one class per call, as
// in gRPC's route_guide example). Both delete themselves in OnDone.

// ImportActors: reads batches (each parsed on its own protobuf arena) while
// earlier ones are being applied (at most a few in flight, for
// back-pressure). Each batch is validated and diffed on the worker pool
// (ActorDirectory::PrepareImport) while the previous ones are written and
// indexed on the directory's commit thread, in order; one answer per batch
// is written once the batch is durable and indexed, then the totals after
// the client half-closes.
// Messages are read as raw bytes and decoded on the worker pool: an
// undecodable message ends the call with INVALID_ARGUMENT naming it.
grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* NewImportReactor(
    grpc::CallbackServerContext* context, RequestHandler* handler);

// ExportActors: pages through the actors matching the filters (the ListActors
// logic, on the worker pool) and writes one chunk at a time.
grpc::ServerWriteReactor<grpc::ByteBuffer>* NewExportReactor(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    RequestHandler* handler);

}  // namespace maillage::services

#endif  // MAILLAGE_SERVICES_ACTOR_STREAMS_H_

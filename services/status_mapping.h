#ifndef MAILLAGE_SERVICES_STATUS_MAPPING_H_
#define MAILLAGE_SERVICES_STATUS_MAPPING_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace maillage::services {

// The one error mapping: an absl::Status from the core becomes a
// grpc::Status with the same code and message, and its google.rpc detail
// payloads (BadRequest, ResourceInfo, PreconditionFailure) travel as a
// serialized google.rpc.Status in the error details, where gRPC clients'
// rich-error helpers find them.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace maillage::services

#endif  // MAILLAGE_SERVICES_STATUS_MAPPING_H_

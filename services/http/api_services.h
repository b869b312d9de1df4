#ifndef MAILLAGE_SERVICES_HTTP_API_SERVICES_H_
#define MAILLAGE_SERVICES_HTTP_API_SERVICES_H_

#include <vector>

#include "google/protobuf/descriptor.h"

namespace maillage::services::http {

// Every service of the API whose google.api.http rules the HTTP face serves
// (the health and reflection services are gRPC's own): what the server
// routes and what openapi_gen describes. The caller must link the messages
// (maillage_proto).
std::vector<const google::protobuf::ServiceDescriptor*> ApiServices();

}  // namespace maillage::services::http

#endif  // MAILLAGE_SERVICES_HTTP_API_SERVICES_H_

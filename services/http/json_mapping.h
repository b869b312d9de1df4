#ifndef MAILLAGE_SERVICES_HTTP_JSON_MAPPING_H_
#define MAILLAGE_SERVICES_HTTP_JSON_MAPPING_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "grpcpp/support/status.h"
#include "services/http/routes.h"

// The HTTP/JSON mapping of requests, responses and errors: protobuf's JSON
// mapping (proto3 canonical JSON) plus the google.api.http rules for where
// each request field comes from.
namespace maillage::services::http {

// Fills `request` (empty, of the route's input type) from an HTTP request:
//  - the body, protobuf JSON of the whole request (rule body "*") or of one
//    field (body "actor"); empty means {}; unknown fields are refused;
//  - the query string, when the body is not the whole request: one
//    parameter per field, by its path ("territory.code=94", proto or JSON
//    names), repeated fields by repeating the parameter, enums by name
//    ("kind=ACTOR_KIND_COMPANY"), well-known types in their JSON string
//    form ("update_mask=name,themes", timestamps in RFC 3339);
//  - the path variables, which win over the same field in the body.
// INVALID_ARGUMENT with a google.rpc.BadRequest naming the parameter or the
// body field at fault ("body", "query.kind", "path.id").
absl::Status DecodeRequest(const Route& route,
                           const std::vector<PathBinding>& bindings,
                           std::string_view query, std::string_view body,
                           google::protobuf::Message* request);

// The query string's parameters, percent-decoded ('+' is a space), in
// order; INVALID_ARGUMENT on a bad encoding.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseQuery(
    std::string_view query);

// `message` as protobuf JSON (lowerCamelCase names, enums by name, default
// values left out): the same text for the same message, whichever face
// produced it.
std::string ToJson(const google::protobuf::Message& message);

// The standard mapping of gRPC status codes to HTTP statuses
// (google/rpc/code.proto): INVALID_ARGUMENT 400, UNAUTHENTICATED 401,
// PERMISSION_DENIED 403, NOT_FOUND 404, ALREADY_EXISTS and ABORTED 409,
// RESOURCE_EXHAUSTED 429, CANCELLED 499, UNIMPLEMENTED 501, UNAVAILABLE
// 503, DEADLINE_EXCEEDED 504, ...
int HttpStatusOf(grpc::StatusCode code);

// The body of an error: the google.rpc.Status as JSON, its details
// (BadRequest, ResourceInfo, RetryInfo, ...) included.
std::string ErrorJson(const grpc::Status& status);
std::string ErrorJson(const absl::Status& status);

}  // namespace maillage::services::http

#endif  // MAILLAGE_SERVICES_HTTP_JSON_MAPPING_H_

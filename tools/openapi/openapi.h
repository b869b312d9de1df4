#ifndef MAILLAGE_TOOLS_OPENAPI_OPENAPI_H_
#define MAILLAGE_TOOLS_OPENAPI_OPENAPI_H_

#include <string>

#include "services/http/routes.h"

// The OpenAPI 3.0 description of the HTTP face, derived from the same
// routes the server builds (the google.api.http rules) and from the message
// descriptors (protobuf's JSON mapping): run at build time by
// openapi_gen, served at /v1/openapi.json.
namespace maillage::openapi {

// The document, as indented JSON.
std::string Document(const services::http::RouteTable& routes);

}  // namespace maillage::openapi

#endif  // MAILLAGE_TOOLS_OPENAPI_OPENAPI_H_

#ifndef MAILLAGE_TOOLS_OPENAPI_DOCUMENT_H_
#define MAILLAGE_TOOLS_OPENAPI_DOCUMENT_H_

#include <string_view>

namespace maillage::openapi {

// The OpenAPI document openapi_gen wrote at build time (document.cc in the
// build tree), served at /v1/openapi.json.
std::string_view EmbeddedDocument();

}  // namespace maillage::openapi

#endif  // MAILLAGE_TOOLS_OPENAPI_DOCUMENT_H_

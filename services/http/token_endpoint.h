#ifndef MAILLAGE_SERVICES_HTTP_TOKEN_ENDPOINT_H_
#define MAILLAGE_SERVICES_HTTP_TOKEN_ENDPOINT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

// The one outgoing HTTP call of the server: the OpenID Connect token request
// of the dashboard's sign-in (services/http/web_sign_in.h).
namespace maillage::services::http {

// POSTs `form` (application/x-www-form-urlencoded) to `url` ("https://…", or
// "http://…" for a provider on loopback in tests) with `authorization` as
// the Authorization header, and returns the body of a 200 answer. HTTPS
// verifies the provider's certificate against the system's authorities and
// its host name. Blocking, bounded by `timeout` as a whole.
// UNAVAILABLE when the provider cannot be reached or answers another status
// (the message says which, never the body's secrets); INVALID_ARGUMENT for a
// malformed url.
absl::StatusOr<std::string> PostTokenRequest(const std::string& url,
                                             const std::string& form,
                                             const std::string& authorization,
                                             absl::Duration timeout);

}  // namespace maillage::services::http

#endif  // MAILLAGE_SERVICES_HTTP_TOKEN_ENDPOINT_H_

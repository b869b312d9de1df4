#ifndef MAILLAGE_AUTH_AUTHENTICATOR_H_
#define MAILLAGE_AUTH_AUTHENTICATOR_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "auth/principal.h"

namespace maillage::auth {

// What a call presents to prove who it comes from. Transport-neutral: the
// gRPC request handler and the HTTP face fill it from their own metadata.
struct Credentials {
  // The token of an "authorization: Bearer <token>" header: an API key
  // ("mlg_…") or a JWT. Empty when the call sent none.
  std::string_view bearer;
  // When the connection is TLS with a verified client certificate: the
  // certificate's identities (subject common name, then DNS and URI subject
  // alternative names). Empty otherwise.
  std::vector<std::string> peer_identities;
};

// Establishes the principal of a call from its credentials.
//
// Contract for every implementation: UNAUTHENTICATED (never another code)
// when the credentials are absent, malformed, expired, revoked or do not
// verify, with a message that names no secret and no server path; never
// trusts anything in a token that its signature does not cover.
// Thread-safe.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  virtual absl::StatusOr<Principal> Authenticate(
      const Credentials& credentials) const = 0;
};

}  // namespace maillage::auth

#endif  // MAILLAGE_AUTH_AUTHENTICATOR_H_

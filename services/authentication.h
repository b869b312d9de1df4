#ifndef MAILLAGE_SERVICES_AUTHENTICATION_H_
#define MAILLAGE_SERVICES_AUTHENTICATION_H_

#include "auth/authenticator.h"

namespace maillage::services {

// The authenticator of every call: picks the one that understands the
// credentials presented.
//  - a bearer token starting with "mlg_": the server's API keys;
//  - any other bearer token: the OpenID Connect JWT verifier, when one is
//    configured;
//  - no bearer token but a verified client certificate: the certificate
//    mapping, when one is configured;
//  - nothing: UNAUTHENTICATED, saying how to authenticate.
// Thread-safe; the authenticators are not owned and must outlive it.
class CallAuthenticator final : public auth::Authenticator {
 public:
  struct Sources {
    const auth::Authenticator* api_keys = nullptr;      // required
    const auth::Authenticator* jwt = nullptr;           // optional
    const auth::Authenticator* certificates = nullptr;  // optional
  };
  explicit CallAuthenticator(Sources sources) : sources_(sources) {}

  absl::StatusOr<auth::Principal> Authenticate(
      const auth::Credentials& credentials) const override;

 private:
  const Sources sources_;
};

}  // namespace maillage::services

#endif  // MAILLAGE_SERVICES_AUTHENTICATION_H_

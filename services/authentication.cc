#include "services/authentication.h"

#include "auth/api_key.h"

namespace maillage::services {

absl::StatusOr<auth::Principal> CallAuthenticator::Authenticate(
    const auth::Credentials& credentials) const {
  std::string_view bearer = credentials.bearer;
  if (bearer.substr(0, auth::kApiKeyPrefix.size()) == auth::kApiKeyPrefix) {
    return sources_.api_keys->Authenticate(credentials);
  }
  if (!bearer.empty()) {
    if (sources_.jwt == nullptr) {
      return absl::UnauthenticatedError(
          "this server accepts API keys (mlg_…) only: no OpenID Connect "
          "provider is configured for bearer tokens");
    }
    return sources_.jwt->Authenticate(credentials);
  }
  if (!credentials.peer_identities.empty() &&
      sources_.certificates != nullptr) {
    return sources_.certificates->Authenticate(credentials);
  }
  return absl::UnauthenticatedError(
      "the call carries no credentials: send \"authorization: Bearer "
      "<API key>\" (the maillage CLI on the server's machine finds the admin "
      "key the server wrote at its first start)");
}

}  // namespace maillage::services

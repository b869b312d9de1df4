#ifndef MAILLAGE_AUTH_API_KEY_H_
#define MAILLAGE_AUTH_API_KEY_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace maillage::auth {

// An API key as a client holds it: "mlg_<id>_<secret>", where the id is 16
// lower-case hexadecimal digits (public: it names the key in lists, logs and
// the audit trail) and the secret 43 base64url characters (32 random
// bytes). The "mlg_" prefix lets secret scanners and the server tell a key
// from a JWT.
struct ApiKeyToken {
  std::string id;
  std::string secret;

  std::string ToString() const;
};

inline constexpr std::string_view kApiKeyPrefix = "mlg_";

// A new key from the operating system's random generator (OpenSSL
// RAND_bytes). Aborts only if the generator fails, which OpenSSL reports
// only when the system has no entropy source at all.
ApiKeyToken NewApiKeyToken();

// Splits a bearer token into id and secret; nullopt unless it has exactly
// the shape above.
std::optional<ApiKeyToken> ParseApiKeyToken(std::string_view bearer);

// The keyed digest the server stores instead of the secret:
// HMAC-SHA-256(digest_secret, id ":" secret), 32 bytes. Binding the id means
// a digest copied onto another key's record verifies nothing.
std::string ApiKeyDigest(std::string_view digest_secret,
                         const ApiKeyToken& token);

// Constant-time comparison of two digests.
bool DigestsEqual(std::string_view a, std::string_view b);

// The server's digest secret (32 random bytes) kept in `path`: read when the
// file exists (it must hold exactly 32 bytes), otherwise created with mode
// 0600 (written to a temporary file, synced, then renamed). Errors name the
// file: they go to the operator, never to a client.
absl::StatusOr<std::string> LoadOrCreateDigestSecret(const std::string& path);

}  // namespace maillage::auth

#endif  // MAILLAGE_AUTH_API_KEY_H_

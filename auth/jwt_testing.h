#ifndef MAILLAGE_AUTH_JWT_TESTING_H_
#define MAILLAGE_AUTH_JWT_TESTING_H_

// For tests, benchmarks and fuzzers only: an identity provider in a box.
// Generates keys with OpenSSL 3, publishes them as a JWKS document and signs
// tokens with them, the way ProConnect or Keycloak would.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/jwks.h"

namespace maillage::auth::testing {

// A private signing key and its kid.
class TestKey {
 public:
  // A fresh RSA-2048 (RS256) or EC P-256 (ES256) key; aborts if OpenSSL
  // cannot make one.
  static std::unique_ptr<TestKey> Rsa(std::string kid);
  static std::unique_ptr<TestKey> EcP256(std::string kid);
  ~TestKey();
  TestKey(const TestKey&) = delete;
  TestKey& operator=(const TestKey&) = delete;

  const std::string& kid() const { return kid_; }
  JwsAlgorithm algorithm() const { return algorithm_; }

  // The public key as a JWK object (with "kid", "use": "sig" and "alg").
  std::string PublicJwk() const;
  // The public key as PEM (SubjectPublicKeyInfo): what an algorithm
  // confusion attack uses as an HMAC secret.
  std::string PublicPem() const;

  // The JWS signature of `signed_part` with this key's algorithm (ES256 as
  // raw r||s).
  std::string Sign(std::string_view signed_part) const;

 private:
  TestKey(std::string kid, JwsAlgorithm algorithm, EVP_PKEY* key)
      : kid_(std::move(kid)), algorithm_(algorithm), key_(key) {}
  std::string kid_;
  JwsAlgorithm algorithm_;
  EVP_PKEY* key_;  // owned
};

// {"keys": [the public JWKs of `keys`]}.
std::string Jwks(const std::vector<const TestKey*>& keys);

// A compact JWS: base64url(header).base64url(payload).base64url(signature),
// with the signature `key` makes of the first two parts. The header and the
// payload are used as given (any bytes).
std::string SignedToken(const TestKey& key, std::string_view header_json,
                        std::string_view payload_json);

// The same with an HS256 (HMAC-SHA256) signature keyed by `secret`.
std::string Hs256Token(std::string_view secret, std::string_view header_json,
                       std::string_view payload_json);

// Writes `content` to `path` through a temporary file and a rename, as a
// deployment tool would replace a file; aborts on failure.
void ReplaceFile(const std::string& path, std::string_view content);

}  // namespace maillage::auth::testing

#endif  // MAILLAGE_AUTH_JWT_TESTING_H_

#ifndef MAILLAGE_AUTH_JWKS_H_
#define MAILLAGE_AUTH_JWKS_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

// OpenSSL's key type, kept out of the users' includes.
typedef struct evp_pkey_st EVP_PKEY;

namespace maillage::auth {

// The signature algorithms Maillage verifies, by their JWS names.
enum class JwsAlgorithm { kRs256, kEs256 };

// "RS256", "ES256".
std::string_view JwsAlgorithmName(JwsAlgorithm algorithm);
// Parses a JWS "alg" value; false for anything else ("none", "HS256",
// "rs256"...).
bool ParseJwsAlgorithm(std::string_view name, JwsAlgorithm* algorithm);

// A public key of an identity provider's JWKS (RFC 7517), able to verify one
// algorithm only: an RSA key (at least 2048 bits) RS256, an EC P-256 key
// ES256. Immutable once loaded; safe to use from several threads.
class SigningKey {
 public:
  SigningKey(std::string kid, JwsAlgorithm algorithm, EVP_PKEY* key);
  ~SigningKey();
  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;

  // The key's "kid"; may be empty when the JWKS gives none.
  const std::string& kid() const { return kid_; }
  JwsAlgorithm algorithm() const { return algorithm_; }

  // Whether `signature` is a valid `algorithm()` signature of `signed_data`
  // by this key. ES256 signatures are JWS's raw r||s (64 bytes). Never
  // throws or crashes, whatever the bytes.
  bool Verify(std::string_view signed_data, std::string_view signature) const;

 private:
  std::string kid_;
  JwsAlgorithm algorithm_;
  EVP_PKEY* key_;  // owned
};

// The signing keys of a JWKS document. Immutable; shared by the verifications
// running while a newer set replaces it.
class KeySet {
 public:
  explicit KeySet(std::vector<std::unique_ptr<SigningKey>> keys)
      : keys_(std::move(keys)) {}

  // The key with this kid, or nullptr.
  const SigningKey* Find(std::string_view kid) const;
  // The only key when there is exactly one, else nullptr: what a token
  // without "kid" may use.
  const SigningKey* Single() const;
  size_t size() const { return keys_.size(); }

 private:
  std::vector<std::unique_ptr<SigningKey>> keys_;
};

// Parses a JWKS document ({"keys": [...]}). Keys for encryption ("use":
// "enc"), of another type (kty "oct", "OKP"), curve or algorithm (RS512,
// PS256...) are skipped, as a provider publishes them next to its signing
// keys. A signing key that is malformed (bad base64url, wrong coordinate
// length, point not on the curve, RSA modulus under 2048 bits, "alg"
// contradicting "kty"), two keys with the same kid, or a document without
// any usable key make it INVALID_ARGUMENT, saying which key.
absl::StatusOr<std::shared_ptr<const KeySet>> ParseJwks(std::string_view text);

// JWKS files are a few kilobytes; anything over this is refused.
inline constexpr size_t kMaxJwksBytes = 1 << 20;

}  // namespace maillage::auth

#endif  // MAILLAGE_AUTH_JWKS_H_

#include "auth/jwks.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <optional>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "auth/base64url.h"
#include "auth/strict_json.h"
#include "base/status_macros.h"
#include "base/strings.h"

namespace maillage::auth {
namespace {

constexpr int kMinRsaBits = 2048;
constexpr size_t kP256CoordinateBytes = 32;

struct BignumDeleter {
  void operator()(BIGNUM* n) const { BN_free(n); }
};
using Bignum = std::unique_ptr<BIGNUM, BignumDeleter>;
struct ParamBuildDeleter {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamDeleter {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct EcdsaSigDeleter {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};

Bignum ToBignum(std::string_view big_endian) {
  return Bignum(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(big_endian.data()),
                static_cast<int>(big_endian.size()), nullptr));
}

// An EVP_PKEY of `type` ("RSA", "EC") from OSSL_PARAMs: the OpenSSL 3 way to
// build a public key from its numbers. nullptr when OpenSSL refuses them
// (an EC point off the curve, for one).
EVP_PKEY* KeyFromParams(const char* type, OSSL_PARAM_BLD* builder) {
  std::unique_ptr<OSSL_PARAM, ParamDeleter> params(
      OSSL_PARAM_BLD_to_param(builder));
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (params == nullptr || ctx == nullptr ||
      EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) <=
          0) {
    return nullptr;
  }
  return key;
}

// A member of a JWK that must be a base64url string; `what` names the key
// in errors.
absl::StatusOr<std::string> DecodedMember(const json::Value& jwk,
                                          std::string_view name,
                                          std::string_view what) {
  const std::string* text = jwk.FindString(name);
  std::optional<std::string> bytes;
  if (text != nullptr) bytes = DecodeBase64Url(*text);
  if (!bytes.has_value() || bytes->empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(AsAbsl(what), ": \"", AsAbsl(name),
                     "\" must be a non-empty base64url string"));
  }
  return *std::move(bytes);
}

absl::StatusOr<EVP_PKEY*> RsaKey(const json::Value& jwk,
                                 std::string_view what) {
  ASSIGN_OR_RETURN(std::string n, DecodedMember(jwk, "n", what));
  ASSIGN_OR_RETURN(std::string e, DecodedMember(jwk, "e", what));
  Bignum modulus = ToBignum(n);
  Bignum exponent = ToBignum(e);
  if (modulus == nullptr || exponent == nullptr) {
    return absl::ResourceExhaustedError("out of memory");
  }
  if (BN_num_bits(modulus.get()) < kMinRsaBits) {
    return absl::InvalidArgumentError(absl::StrCat(
        AsAbsl(what), ": RSA modulus under ", kMinRsaBits, " bits"));
  }
  if (!BN_is_odd(exponent.get()) || BN_is_one(exponent.get())) {
    return absl::InvalidArgumentError(
        absl::StrCat(AsAbsl(what), ": invalid RSA exponent"));
  }
  std::unique_ptr<OSSL_PARAM_BLD, ParamBuildDeleter> builder(
      OSSL_PARAM_BLD_new());
  if (builder == nullptr ||
      !OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N,
                              modulus.get()) ||
      !OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E,
                              exponent.get())) {
    return absl::ResourceExhaustedError("out of memory");
  }
  EVP_PKEY* key = KeyFromParams("RSA", builder.get());
  if (key == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(AsAbsl(what), ": OpenSSL refuses the RSA key"));
  }
  return key;
}

absl::StatusOr<EVP_PKEY*> EcP256Key(const json::Value& jwk,
                                    std::string_view what) {
  const std::string* crv = jwk.FindString("crv");
  if (crv == nullptr || *crv != "P-256") {
    return absl::InvalidArgumentError(
        absl::StrCat(AsAbsl(what), ": \"crv\" must be \"P-256\""));
  }
  ASSIGN_OR_RETURN(std::string x, DecodedMember(jwk, "x", what));
  ASSIGN_OR_RETURN(std::string y, DecodedMember(jwk, "y", what));
  if (x.size() != kP256CoordinateBytes || y.size() != kP256CoordinateBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        AsAbsl(what), ": P-256 coordinates must be 32 bytes each"));
  }
  // The uncompressed point: 0x04 || x || y.
  std::string point = absl::StrCat("\x04", x, y);
  std::unique_ptr<OSSL_PARAM_BLD, ParamBuildDeleter> builder(
      OSSL_PARAM_BLD_new());
  if (builder == nullptr ||
      !OSSL_PARAM_BLD_push_utf8_string(
          builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
      !OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY,
                                        point.data(), point.size())) {
    return absl::ResourceExhaustedError("out of memory");
  }
  EVP_PKEY* key = KeyFromParams("EC", builder.get());
  if (key == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(AsAbsl(what), ": the EC point is not on the P-256 curve"));
  }
  return key;
}

// Whether a JWK is one Maillage verifies with: a signing key (no "use" or
// "sig") of type RSA or EC P-256, for RS256 / ES256 or with no "alg".
// Others are skipped, not refused.
bool IsSupportedSigningKey(const json::Value& jwk) {
  const std::string* use = jwk.FindString("use");
  if (use != nullptr && *use != "sig") return false;
  const std::string* kty = jwk.FindString("kty");
  if (kty == nullptr) return false;
  const std::string* alg = jwk.FindString("alg");
  if (*kty == "RSA") return alg == nullptr || *alg == "RS256";
  if (*kty == "EC") {
    const std::string* crv = jwk.FindString("crv");
    return (crv == nullptr || *crv == "P-256") &&
           (alg == nullptr || *alg == "ES256");
  }
  return false;
}

// An RSA key for ES256 or an EC key for RS256: a broken document, not a key
// of another algorithm to skip.
bool ContradictsItsType(const json::Value& jwk) {
  const std::string* kty = jwk.FindString("kty");
  const std::string* alg = jwk.FindString("alg");
  return kty != nullptr && alg != nullptr &&
         ((*kty == "RSA" && *alg == "ES256") ||
          (*kty == "EC" && *alg == "RS256"));
}

absl::StatusOr<std::unique_ptr<SigningKey>> ParseKey(const json::Value& jwk,
                                                     size_t index) {
  std::string what = absl::StrCat("JWKS key ", index);
  const json::Value* kid_value = jwk.Find("kid");
  if (kid_value != nullptr && !kid_value->is_string()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": \"kid\" must be a string"));
  }
  std::string kid = kid_value != nullptr ? kid_value->string() : "";
  if (!kid.empty()) absl::StrAppend(&what, " (kid \"", kid, "\")");
  bool rsa = *jwk.FindString("kty") == "RSA";
  ASSIGN_OR_RETURN(EVP_PKEY * key,
                   rsa ? RsaKey(jwk, what) : EcP256Key(jwk, what));
  return std::make_unique<SigningKey>(
      std::move(kid), rsa ? JwsAlgorithm::kRs256 : JwsAlgorithm::kEs256, key);
}

// The signing keys of a parsed JWKS document (see ParseJwks).
absl::StatusOr<std::shared_ptr<const KeySet>> KeysOf(
    const json::Value& document) {
  const json::Value* keys = document.Find("keys");
  if (keys == nullptr || !keys->is_array()) {
    return absl::InvalidArgumentError(
        "JWKS: not an object with a \"keys\" array");
  }
  std::vector<std::unique_ptr<SigningKey>> parsed;
  absl::flat_hash_set<std::string> kids;
  for (size_t i = 0; i < keys->items().size(); ++i) {
    const json::Value& jwk = keys->items()[i];
    if (!jwk.is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat("JWKS key ", i, ": not an object"));
    }
    if (ContradictsItsType(jwk)) {
      return absl::InvalidArgumentError(
          absl::StrCat("JWKS key ", i, ": \"alg\" contradicts \"kty\""));
    }
    if (!IsSupportedSigningKey(jwk)) continue;
    ASSIGN_OR_RETURN(std::unique_ptr<SigningKey> key, ParseKey(jwk, i));
    if (!kids.insert(key->kid()).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "JWKS key ", i, ": kid \"", key->kid(), "\" appears twice"));
    }
    parsed.push_back(std::move(key));
  }
  if (parsed.empty()) {
    return absl::InvalidArgumentError(
        "JWKS: no RS256 or ES256 signing key in it");
  }
  return std::make_shared<const KeySet>(std::move(parsed));
}

// ES256's raw r||s as the DER ECDSA-Sig-Value OpenSSL verifies; empty when
// the signature is not 64 bytes.
std::string EcdsaRawToDer(std::string_view raw) {
  if (raw.size() != 2 * kP256CoordinateBytes) return "";
  Bignum r = ToBignum(raw.substr(0, kP256CoordinateBytes));
  Bignum s = ToBignum(raw.substr(kP256CoordinateBytes));
  std::unique_ptr<ECDSA_SIG, EcdsaSigDeleter> sig(ECDSA_SIG_new());
  if (r == nullptr || s == nullptr || sig == nullptr ||
      !ECDSA_SIG_set0(sig.get(), r.get(), s.get())) {
    return "";
  }
  r.release();  // owned by sig now
  s.release();
  unsigned char* der = nullptr;
  int length = i2d_ECDSA_SIG(sig.get(), &der);
  if (length <= 0) return "";
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(length));
  OPENSSL_free(der);
  return out;
}

// SHA-256, fetched once from the default provider: an implicit fetch at
// every verification costs a lookup under a lock.
const EVP_MD* Sha256() {
  static const EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

}  // namespace

std::string_view JwsAlgorithmName(JwsAlgorithm algorithm) {
  return algorithm == JwsAlgorithm::kRs256 ? "RS256" : "ES256";
}

bool ParseJwsAlgorithm(std::string_view name, JwsAlgorithm* algorithm) {
  if (name == "RS256") {
    *algorithm = JwsAlgorithm::kRs256;
    return true;
  }
  if (name == "ES256") {
    *algorithm = JwsAlgorithm::kEs256;
    return true;
  }
  return false;
}

SigningKey::SigningKey(std::string kid, JwsAlgorithm algorithm, EVP_PKEY* key)
    : kid_(std::move(kid)), algorithm_(algorithm), key_(key) {}

SigningKey::~SigningKey() { EVP_PKEY_free(key_); }

bool SigningKey::Verify(std::string_view signed_data,
                        std::string_view signature) const {
  std::string der;
  if (algorithm_ == JwsAlgorithm::kEs256) {
    der = EcdsaRawToDer(signature);
    if (der.empty()) return false;
    signature = der;
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  if (ctx == nullptr || Sha256() == nullptr ||
      EVP_DigestVerifyInit(ctx.get(), nullptr, Sha256(), nullptr, key_) <= 0) {
    return false;
  }
  return EVP_DigestVerify(
             ctx.get(),
             reinterpret_cast<const unsigned char*>(signature.data()),
             signature.size(),
             reinterpret_cast<const unsigned char*>(signed_data.data()),
             signed_data.size()) == 1;
}

const SigningKey* KeySet::Find(std::string_view kid) const {
  for (const auto& key : keys_) {
    if (key->kid() == kid) return key.get();
  }
  return nullptr;
}

const SigningKey* KeySet::Single() const {
  return keys_.size() == 1 ? keys_.front().get() : nullptr;
}

absl::StatusOr<std::shared_ptr<const KeySet>> ParseJwks(std::string_view text) {
  ASSIGN_OR_RETURN(json::Value document, json::Parse(text));
  return KeysOf(document);
}

}  // namespace maillage::auth

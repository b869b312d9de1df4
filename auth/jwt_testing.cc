#include "auth/jwt_testing.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "auth/base64url.h"
#include "base/strings.h"

namespace maillage::auth::testing {
namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "jwt_testing: %s failed\n", what);
    std::abort();
  }
}

// A BIGNUM parameter of `key` as base64url of its big-endian bytes,
// left-padded to `width` bytes when given.
std::string BignumParam(EVP_PKEY* key, const char* name, int width = 0) {
  BIGNUM* n = nullptr;
  Check(EVP_PKEY_get_bn_param(key, name, &n) == 1, name);
  int size = width > 0 ? width : BN_num_bytes(n);
  std::string bytes(static_cast<size_t>(size), '\0');
  Check(BN_bn2binpad(n, reinterpret_cast<unsigned char*>(bytes.data()), size) ==
            size,
        "BN_bn2binpad");
  BN_free(n);
  return EncodeBase64Url(bytes);
}

std::string DigestSign(EVP_PKEY* key, std::string_view data) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  Check(ctx != nullptr &&
            EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1,
        "EVP_DigestSignInit");
  size_t length = 0;
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  Check(EVP_DigestSign(ctx, nullptr, &length, bytes, data.size()) == 1,
        "EVP_DigestSign (size)");
  std::string signature(length, '\0');
  Check(EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()),
                       &length, bytes, data.size()) == 1,
        "EVP_DigestSign");
  signature.resize(length);
  EVP_MD_CTX_free(ctx);
  return signature;
}

// OpenSSL's DER ECDSA-Sig-Value as JWS's r||s, 32 bytes each.
std::string DerToRaw(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  Check(sig != nullptr, "d2i_ECDSA_SIG");
  std::string raw(64, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  Check(BN_bn2binpad(ECDSA_SIG_get0_r(sig), out, 32) == 32 &&
            BN_bn2binpad(ECDSA_SIG_get0_s(sig), out + 32, 32) == 32,
        "BN_bn2binpad");
  ECDSA_SIG_free(sig);
  return raw;
}

std::string Compact(std::string_view header_json,
                    std::string_view payload_json) {
  return absl::StrCat(EncodeBase64Url(header_json), ".",
                      EncodeBase64Url(payload_json));
}

}  // namespace

std::unique_ptr<TestKey> TestKey::Rsa(std::string kid) {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048});
  Check(key != nullptr, "RSA key generation");
  return std::unique_ptr<TestKey>(
      new TestKey(std::move(kid), JwsAlgorithm::kRs256, key));
}

std::unique_ptr<TestKey> TestKey::EcP256(std::string kid) {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  Check(key != nullptr, "EC key generation");
  return std::unique_ptr<TestKey>(
      new TestKey(std::move(kid), JwsAlgorithm::kEs256, key));
}

TestKey::~TestKey() { EVP_PKEY_free(key_); }

std::string TestKey::PublicJwk() const {
  if (algorithm_ == JwsAlgorithm::kRs256) {
    return absl::StrCat(R"({"kty":"RSA","use":"sig","alg":"RS256","kid":")",
                        kid_, R"(","n":")",
                        BignumParam(key_, OSSL_PKEY_PARAM_RSA_N), R"(","e":")",
                        BignumParam(key_, OSSL_PKEY_PARAM_RSA_E), R"("})");
  }
  return absl::StrCat(
      R"({"kty":"EC","crv":"P-256","use":"sig","alg":"ES256","kid":")", kid_,
      R"(","x":")", BignumParam(key_, OSSL_PKEY_PARAM_EC_PUB_X, 32),
      R"(","y":")", BignumParam(key_, OSSL_PKEY_PARAM_EC_PUB_Y, 32), R"("})");
}

std::string TestKey::PublicPem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  Check(bio != nullptr && PEM_write_bio_PUBKEY(bio, key_) == 1,
        "PEM_write_bio_PUBKEY");
  char* data = nullptr;
  long length = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(length));
  BIO_free(bio);
  return pem;
}

std::string TestKey::Sign(std::string_view signed_part) const {
  std::string signature = DigestSign(key_, signed_part);
  return algorithm_ == JwsAlgorithm::kEs256 ? DerToRaw(signature) : signature;
}

std::string Jwks(const std::vector<const TestKey*>& keys) {
  std::string out = R"({"keys":[)";
  for (size_t i = 0; i < keys.size(); ++i) {
    absl::StrAppend(&out, i > 0 ? "," : "", keys[i]->PublicJwk());
  }
  return out + "]}";
}

std::string SignedToken(const TestKey& key, std::string_view header_json,
                        std::string_view payload_json) {
  std::string signed_part = Compact(header_json, payload_json);
  return absl::StrCat(signed_part, ".", EncodeBase64Url(key.Sign(signed_part)));
}

std::string Hs256Token(std::string_view secret, std::string_view header_json,
                       std::string_view payload_json) {
  std::string signed_part = Compact(header_json, payload_json);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  Check(HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
             reinterpret_cast<const unsigned char*>(signed_part.data()),
             signed_part.size(), mac, &length) != nullptr,
        "HMAC");
  return absl::StrCat(
      signed_part, ".",
      EncodeBase64Url(std::string_view(reinterpret_cast<char*>(mac), length)));
}

void ReplaceFile(const std::string& path, std::string_view content) {
  std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    Check(static_cast<bool>(out), "writing a file");
  }
  Check(std::rename(temporary.c_str(), path.c_str()) == 0, "rename");
}

}  // namespace maillage::auth::testing

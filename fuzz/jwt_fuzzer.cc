// Bearer JWTs (auth/jwt.h) from arbitrary bytes, against a fixed JWKS (one
// RSA-2048 and one EC P-256 key made at start-up) and a rule that grants a
// role to every verified token: whatever the input, the authenticator never
// crashes and never accepts it (forging a signature is not in a fuzzer's
// reach), and every refusal is UNAUTHENTICATED.
//
// Input: one mode byte, then
//   mode 0: the token itself;
//   mode 1: header \0 payload \0 signature, each base64url-encoded into a
//           token (so that the JSON reader and the claim checks are reached);
//   mode 2: a document given to the JWKS and claim rules parsers, which must
//           not crash either.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "auth/base64url.h"
#include "auth/claim_rules.h"
#include "auth/jwks.h"
#include "auth/jwt.h"
#include "auth/jwt_testing.h"
#include "fuzz/fuzz_support.h"

namespace maillage::fuzz {
namespace {

const auth::JwtAuthenticator& Authenticator() {
  static const auth::JwtAuthenticator* const authenticator = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string dir = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
    std::string jwks = dir + "/jwt_fuzzer_jwks.json";
    std::string rules = dir + "/jwt_fuzzer_rules.json";
    auto rsa = auth::testing::TestKey::Rsa("fuzz-rsa");
    auto ec = auth::testing::TestKey::EcP256("fuzz-ec");
    auth::testing::ReplaceFile(jwks,
                               auth::testing::Jwks({rsa.get(), ec.get()}));
    auth::testing::ReplaceFile(
        rules,
        R"({"rules":[{"when":{},"grant":{"role":"admin","all_territories":true}}]})");
    auth::JwtAuthenticator::Options options;
    options.jwks_path = jwks;
    options.rules_path = rules;
    options.issuer = "https://idp.example";
    options.audience = "maillage";
    auto made = auth::JwtAuthenticator::Create(options);
    FUZZ_CHECK(made.ok());
    return made->release();
  }();
  return *authenticator;
}

void CheckRefused(std::string_view token) {
  auto principal = Authenticator().Authenticate(auth::Credentials{token, {}});
  FUZZ_CHECK(!principal.ok());
  FUZZ_CHECK(principal.status().code() == absl::StatusCode::kUnauthenticated);
}

// header \0 payload \0 signature, each part base64url-encoded.
std::string AssembleToken(std::string_view parts) {
  std::string token;
  for (int i = 0; i < 3; ++i) {
    size_t end = i < 2 ? parts.find('\0') : std::string_view::npos;
    if (i > 0) token += '.';
    token += auth::EncodeBase64Url(parts.substr(0, end));
    parts = end == std::string_view::npos ? std::string_view()
                                          : parts.substr(end + 1);
  }
  return token;
}

void CheckParsers(std::string_view document) {
  auto keys = auth::ParseJwks(document);
  FUZZ_CHECK(keys.ok()
                 ? *keys != nullptr && (*keys)->size() > 0
                 : keys.status().code() == absl::StatusCode::kInvalidArgument);
  auto rules = auth::ClaimRules::Parse(document);
  FUZZ_CHECK(rules.ok() ||
             rules.status().code() == absl::StatusCode::kInvalidArgument);
  auto value = auth::json::Parse(document);
  if (value.ok() && rules.ok()) (void)rules->Match(*value);
}

}  // namespace
}  // namespace maillage::fuzz

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  (void)maillage::fuzz::Authenticator();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      maillage::fuzz::CheckRefused(rest);
      break;
    case 1:
      maillage::fuzz::CheckRefused(maillage::fuzz::AssembleToken(rest));
      break;
    default:
      maillage::fuzz::CheckParsers(rest);
      break;
  }
  return 0;
}

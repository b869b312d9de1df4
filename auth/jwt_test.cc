#include "auth/jwt.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "auth/base64url.h"
#include "auth/jwt_testing.h"
#include "base/strings.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace maillage::auth {
namespace {

using ::testing::HasSubstr;
using testing::Hs256Token;
using testing::ReplaceFile;
using testing::SignedToken;
using testing::TestKey;

constexpr char kIssuer[] = "https://idp.example.gouv.fr/realms/maillage";
constexpr char kAudience[] = "maillage";

constexpr char kRules[] = R"({"rules": [
  {"name": "admins", "when": {"claims": {"groups": "maillage-admins"}},
   "grant": {"role": "admin", "all_territories": true}},
  {"name": "cd79", "when": {"email_domain": "deux-sevres.fr"},
   "grant": {"role": "animator", "territories": ["departement:79"],
             "workspace": "cd79"}}
]})";

// Keys are slow to make (RSA-2048): made once for every test.
struct Keys {
  std::unique_ptr<TestKey> rsa = TestKey::Rsa("rsa-1");
  std::unique_ptr<TestKey> ec = TestKey::EcP256("ec-1");
  std::unique_ptr<TestKey> rotated = TestKey::Rsa("rsa-2-rotated");
};
const Keys& SharedKeys() {
  static const Keys* const keys = new Keys();
  return *keys;
}

std::string Header(std::string_view alg, std::string_view kid) {
  return absl::StrCat(R"({"alg":")", AsAbsl(alg), R"(","typ":"JWT","kid":")",
                      AsAbsl(kid), R"("})");
}

class JwtTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/maillage-jwt-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    ReplaceFile(JwksPath(), testing::Jwks({&rsa(), &ec()}));
    ReplaceFile(dir_ + "/rules.json", kRules);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  const TestKey& rsa() const { return *SharedKeys().rsa; }
  const TestKey& ec() const { return *SharedKeys().ec; }
  std::string JwksPath() const { return dir_ + "/jwks.json"; }

  JwtAuthenticator::Options DefaultOptions() {
    JwtAuthenticator::Options options;
    options.jwks_path = JwksPath();
    options.rules_path = dir_ + "/rules.json";
    options.issuer = kIssuer;
    options.audience = kAudience;
    options.jwks_check_interval = absl::ZeroDuration();
    options.now = [this] {
      std::lock_guard lock(clock_mu_);
      return now_;
    };
    return options;
  }

  // The authenticator under test, made at the first call.
  JwtAuthenticator& authenticator() {
    if (authenticator_ == nullptr) {
      auto made = JwtAuthenticator::Create(DefaultOptions());
      EXPECT_TRUE(made.ok()) << made.status();
      if (made.ok()) authenticator_ = *std::move(made);
    }
    return *authenticator_;
  }

  absl::StatusOr<Principal> Authenticate(std::string_view token) {
    return authenticator().Authenticate(Credentials{token, {}});
  }

  void AdvanceClock(absl::Duration d) {
    std::lock_guard lock(clock_mu_);
    now_ += d;
  }

  int64_t Now() const { return absl::ToUnixSeconds(now_); }

  // The claims of a valid token for the cd79 rule, with `extra` members
  // appended (they replace nothing: use Claims() for that).
  std::string Payload(std::string_view extra = "") const {
    return Claims(kIssuer, absl::StrCat("\"", kAudience, "\""), Now() + 3600,
                  extra);
  }
  std::string Claims(std::string_view iss, std::string_view aud, int64_t exp,
                     std::string_view extra = "") const {
    return absl::StrCat(R"({"iss":")", AsAbsl(iss), R"(","aud":)", AsAbsl(aud),
                        R"(,"sub":"f3c1-42","email":"alice@deux-sevres.fr",)",
                        R"("iat":)", Now() - 10, R"(,"exp":)", exp,
                        AsAbsl(extra), "}");
  }

  std::string Rs256(std::string_view payload) const {
    return SignedToken(rsa(), Header("RS256", "rsa-1"), payload);
  }

  std::string dir_;
  std::mutex clock_mu_;
  absl::Time now_ = absl::FromUnixSeconds(1'780'000'000);
  std::unique_ptr<JwtAuthenticator> authenticator_;
};

void ExpectRefused(const absl::StatusOr<Principal>& result,
                   std::string_view why = "") {
  ASSERT_FALSE(result.ok()) << "accepted as " << result->id;
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated)
      << result.status();
  EXPECT_THAT(std::string(result.status().message()), HasSubstr(why));
}

TEST_F(JwtTest, ValidRs256TokenGivesThePrincipalOfTheMatchingRule) {
  auto principal = Authenticate(Rs256(Payload()));
  ASSERT_TRUE(principal.ok()) << principal.status();
  EXPECT_EQ(principal->id, absl::StrCat("oidc:", kIssuer, "#f3c1-42"));
  EXPECT_EQ(principal->display_name, "alice@deux-sevres.fr");
  EXPECT_EQ(principal->role, Role::kAnimator);
  EXPECT_THAT(principal->territories, ::testing::ElementsAre("departement:79"));
  EXPECT_FALSE(principal->all_territories);
  EXPECT_EQ(principal->workspace, "cd79");
}

TEST_F(JwtTest, ValidEs256Token) {
  std::string token = SignedToken(ec(), Header("ES256", "ec-1"),
                                  Payload(R"(,"groups":["maillage-admins"])"));
  auto principal = Authenticate(token);
  ASSERT_TRUE(principal.ok()) << principal.status();
  EXPECT_EQ(principal->role, Role::kAdmin);
  EXPECT_TRUE(principal->all_territories);
  EXPECT_EQ(principal->workspace, "default");
}

TEST_F(JwtTest, ExpiryWithinAndBeyondTheClockSkew) {
  ExpectRefused(
      Authenticate(Rs256(Claims(kIssuer, R"("maillage")", Now() - 61))),
      "expired");
  EXPECT_TRUE(
      Authenticate(Rs256(Claims(kIssuer, R"("maillage")", Now() - 30))).ok());
}

TEST_F(JwtTest, TokenWithoutExpiryIsRefused) {
  std::string payload =
      absl::StrCat(R"({"iss":")", kIssuer, R"(","aud":"maillage","sub":"x",)",
                   R"("email":"a@deux-sevres.fr"})");
  ExpectRefused(Authenticate(Rs256(payload)), "no expiry");
  ExpectRefused(Authenticate(Rs256(Claims(kIssuer, R"("maillage")", 0))),
                "expired");
}

TEST_F(JwtTest, NotYetValidOrIssuedInTheFutureIsRefused) {
  ExpectRefused(
      Authenticate(Rs256(Payload(absl::StrCat(R"(,"nbf":)", Now() + 120)))),
      "nbf");
  EXPECT_TRUE(
      Authenticate(Rs256(Payload(absl::StrCat(R"(,"nbf":)", Now() + 30))))
          .ok());
  std::string future_iat = Payload();
  absl::StrReplaceAll({{absl::StrCat(R"("iat":)", Now() - 10),
                        absl::StrCat(R"("iat":)", Now() + 300)}},
                      &future_iat);
  ExpectRefused(Authenticate(Rs256(future_iat)), "iat");
}

TEST_F(JwtTest, WrongIssuerIsRefused) {
  ExpectRefused(
      Authenticate(Rs256(Claims("https://idp.example.gouv.fr/realms/other",
                                R"("maillage")", Now() + 600))),
      "issuer");
  // Exact comparison: a trailing slash is another issuer.
  ExpectRefused(Authenticate(Rs256(Claims(absl::StrCat(kIssuer, "/"),
                                          R"("maillage")", Now() + 600))),
                "issuer");
}

TEST_F(JwtTest, AudienceMustHoldOurs) {
  ExpectRefused(
      Authenticate(Rs256(Claims(kIssuer, R"("other-app")", Now() + 600))),
      "audience");
  ExpectRefused(
      Authenticate(Rs256(Claims(kIssuer, R"(["a","b"])", Now() + 600))),
      "audience");
  ExpectRefused(
      Authenticate(Rs256(Claims(kIssuer, R"(["maillage",7])", Now() + 600))),
      "audience");
  EXPECT_TRUE(Authenticate(Rs256(Claims(kIssuer, R"(["other","maillage"])",
                                        Now() + 600)))
                  .ok());
}

TEST_F(JwtTest, TamperedTokensAreRefused) {
  std::string token = Rs256(Payload());
  size_t last_dot = token.rfind('.');
  std::string signature = *DecodeBase64Url(token.substr(last_dot + 1));
  signature[10] ^= 0x01;
  ExpectRefused(Authenticate(absl::StrCat(token.substr(0, last_dot + 1),
                                          EncodeBase64Url(signature))),
                "signature");
  // The payload of another token under this signature.
  std::string other = Rs256(Payload(R"(,"groups":["maillage-admins"])"));
  std::string forged =
      absl::StrCat(other.substr(0, other.rfind('.')), token.substr(last_dot));
  ExpectRefused(Authenticate(forged), "signature");
  // ES256 too.
  std::string es = SignedToken(ec(), Header("ES256", "ec-1"), Payload());
  std::string es_signature = *DecodeBase64Url(es.substr(es.rfind('.') + 1));
  es_signature[40] ^= 0x80;
  ExpectRefused(Authenticate(absl::StrCat(es.substr(0, es.rfind('.') + 1),
                                          EncodeBase64Url(es_signature))),
                "signature");
}

TEST_F(JwtTest, Es256SignatureMustBeRawRAndS) {
  std::string token = SignedToken(ec(), Header("ES256", "ec-1"), Payload());
  size_t last_dot = token.rfind('.');
  std::string raw = *DecodeBase64Url(token.substr(last_dot + 1));
  ASSERT_EQ(raw.size(), 64u);
  std::string signed_part = token.substr(0, last_dot + 1);
  // The same numbers with s padded to 33 bytes: not JWS's encoding.
  std::string padded = raw;
  padded.insert(32, 1, '\0');
  ExpectRefused(Authenticate(signed_part + EncodeBase64Url(padded)),
                "signature");
  ExpectRefused(Authenticate(signed_part + EncodeBase64Url(raw.substr(0, 63))),
                "signature");
  EXPECT_TRUE(Authenticate(token).ok());
}

TEST_F(JwtTest, AlgNoneIsRefused) {
  std::string unsigned_part =
      absl::StrCat(EncodeBase64Url(R"({"alg":"none","kid":"rsa-1"})"), ".",
                   EncodeBase64Url(Payload()));
  ExpectRefused(Authenticate(unsigned_part + "."), "");
  ExpectRefused(Authenticate(unsigned_part + ".c2ln"), "algorithm");
  std::string none_header =
      SignedToken(rsa(), R"({"alg":"none","kid":"rsa-1"})", Payload());
  ExpectRefused(Authenticate(none_header), "algorithm");
}

TEST_F(JwtTest, Hs256SignedWithThePublicKeyIsRefused) {
  // The algorithm confusion attack: a verifier that takes "alg" from the
  // token would check this HMAC with the RSA key's public bytes.
  std::string pem = rsa().PublicPem();
  ExpectRefused(
      Authenticate(Hs256Token(pem, Header("HS256", "rsa-1"), Payload())),
      "algorithm");
  std::string jwk = rsa().PublicJwk();
  ExpectRefused(
      Authenticate(Hs256Token(jwk, Header("HS256", "rsa-1"), Payload())),
      "algorithm");
}

TEST_F(JwtTest, AlgorithmMustMatchTheKey) {
  // An ES256 header naming the RSA key (signed with the EC key).
  ExpectRefused(
      Authenticate(SignedToken(ec(), Header("ES256", "rsa-1"), Payload())),
      "does not match the key");
  // An RS256 header naming the EC key.
  ExpectRefused(
      Authenticate(SignedToken(rsa(), Header("RS256", "ec-1"), Payload())),
      "does not match the key");
  // Another case of the same name.
  ExpectRefused(
      Authenticate(SignedToken(rsa(), Header("rs256", "rsa-1"), Payload())),
      "algorithm");
}

TEST_F(JwtTest, OnlyTheConfiguredAlgorithmsAreAccepted) {
  auto options = DefaultOptions();
  options.algorithms = {"RS256"};
  auto rs_only = JwtAuthenticator::Create(options);
  ASSERT_TRUE(rs_only.ok()) << rs_only.status();
  std::string es = SignedToken(ec(), Header("ES256", "ec-1"), Payload());
  ExpectRefused((*rs_only)->Authenticate(Credentials{es, {}}), "algorithm");
  EXPECT_TRUE((*rs_only)->Authenticate(Credentials{Rs256(Payload()), {}}).ok());
  options.algorithms = {"HS256"};
  EXPECT_EQ(JwtAuthenticator::Create(options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.algorithms = {};
  EXPECT_FALSE(JwtAuthenticator::Create(options).ok());
}

TEST_F(JwtTest, KeySelectionByKid) {
  ExpectRefused(
      Authenticate(SignedToken(rsa(), Header("RS256", "rsa-9"), Payload())),
      "unknown signing key");
  // Without a kid, with two keys published: refused.
  ExpectRefused(
      Authenticate(SignedToken(rsa(), R"({"alg":"RS256"})", Payload())),
      "unknown signing key");
  ExpectRefused(
      Authenticate(SignedToken(rsa(), R"({"alg":"RS256","kid":7})", Payload())),
      "kid");
  // Without a kid, with a single key published: that key.
  ReplaceFile(JwksPath(), testing::Jwks({&rsa()}));
  EXPECT_TRUE(
      Authenticate(SignedToken(rsa(), R"({"alg":"RS256"})", Payload())).ok());
}

TEST_F(JwtTest, MalformedHeadersAreRefused) {
  ExpectRefused(
      Authenticate(SignedToken(
          rsa(), R"({"alg":"RS256","kid":"rsa-1","kid":"ec-1"})", Payload())),
      "header");
  ExpectRefused(Authenticate(SignedToken(rsa(), R"(["RS256"])", Payload())),
                "header");
  ExpectRefused(
      Authenticate(SignedToken(
          rsa(), R"({"alg":"RS256","kid":"rsa-1","crit":["exp"]})", Payload())),
      "critical");
  ExpectRefused(
      Authenticate(SignedToken(
          rsa(), R"({"alg":"RS256","kid":"rsa-1","typ":"logout+jwt"})",
          Payload())),
      "typ");
}

TEST_F(JwtTest, MalformedPayloadsAreRefused) {
  // Duplicate claims: which "sub" would be the subject?
  ExpectRefused(Authenticate(Rs256(Payload(R"(,"sub":"admin")"))), "payload");
  ExpectRefused(Authenticate(Rs256("[1,2]")), "payload");
  ExpectRefused(Authenticate(Rs256("{\"iss\":\"x\"")), "payload");
  ExpectRefused(Authenticate(Rs256(Payload(R"(,"nbf":"soon")"))), "nbf");
  std::string string_exp = Claims(kIssuer, R"("maillage")", 0);
  absl::StrReplaceAll(
      {{R"("exp":0)", absl::StrCat(R"("exp":")", Now() + 60, "\"")}},
      &string_exp);
  ExpectRefused(Authenticate(Rs256(string_exp)), "exp");
}

TEST_F(JwtTest, TruncatedAndGarbageTokensAreRefused) {
  std::string token = Rs256(Payload());
  for (size_t length = 0; length < token.size(); ++length) {
    auto result = Authenticate(token.substr(0, length));
    ASSERT_FALSE(result.ok()) << "prefix of " << length << " bytes accepted";
    ASSERT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated);
  }
  ExpectRefused(Authenticate(token + "="), "");
  ExpectRefused(Authenticate(token + "."), "");
  ExpectRefused(Authenticate(absl::StrCat(" ", token)), "");
  ExpectRefused(Authenticate("a.b.c"), "");
  ExpectRefused(Authenticate(".."), "");
  ExpectRefused(Authenticate(std::string("\0\xff.\x80.\n", 6)), "");
  ExpectRefused(Authenticate(std::string(8 * 1024 + 1, 'a')), "too long");
  // Non-canonical base64url: the same bytes with unused bits set.
  std::string unused_bits = token;
  size_t last = unused_bits.size() - 1;
  unused_bits[last] = unused_bits[last] == 'A' ? 'B' : 'A';
  ExpectRefused(Authenticate(unused_bits), "");
  EXPECT_TRUE(Authenticate(token).ok());
}

TEST_F(JwtTest, SecretsAndPathsStayOutOfMessages) {
  for (const std::string& token :
       {Rs256(Payload()) + "x", std::string("garbage"),
        SignedToken(rsa(), Header("RS256", "nope"), Payload())}) {
    auto result = Authenticate(token);
    ASSERT_FALSE(result.ok());
    std::string message(result.status().message());
    EXPECT_THAT(message, ::testing::Not(HasSubstr(dir_)));
    EXPECT_THAT(message, ::testing::Not(HasSubstr(token)));
  }
}

TEST_F(JwtTest, NoMatchingRuleIsRefused) {
  std::string payload = Payload();
  absl::StrReplaceAll({{"alice@deux-sevres.fr", "bob@example.org"}}, &payload);
  ExpectRefused(Authenticate(Rs256(payload)),
                "the token is valid but no rule grants it a role");
  // An address the provider says it did not verify matches no e-mail rule.
  ExpectRefused(Authenticate(Rs256(Payload(R"(,"email_verified":false)"))),
                "no rule grants it a role");
}

TEST_F(JwtTest, RotatedKeysArePickedUpAndOldTokensRefused) {
  std::string old_token = Rs256(Payload());
  ASSERT_TRUE(Authenticate(old_token).ok());
  ASSERT_EQ(authenticator().cached_tokens(), 1u);
  const TestKey& rotated = *SharedKeys().rotated;
  ReplaceFile(JwksPath(), testing::Jwks({&rotated}));
  auto fresh = Authenticate(
      SignedToken(rotated, Header("RS256", rotated.kid()), Payload()));
  EXPECT_TRUE(fresh.ok()) << fresh.status();
  // Cached before the rotation, refused after it.
  ExpectRefused(Authenticate(old_token), "unknown signing key");
}

TEST_F(JwtTest, RotationRespectsTheCheckInterval) {
  auto options = DefaultOptions();
  options.jwks_check_interval = absl::Hours(1);
  auto slow = JwtAuthenticator::Create(options);
  ASSERT_TRUE(slow.ok());
  const TestKey& rotated = *SharedKeys().rotated;
  ReplaceFile(JwksPath(), testing::Jwks({&rotated}));
  std::string token =
      SignedToken(rotated, Header("RS256", rotated.kid()), Payload());
  ExpectRefused((*slow)->Authenticate(Credentials{token, {}}), "unknown");
  EXPECT_TRUE((*slow)->ReloadKeysIfChanged());
  EXPECT_TRUE((*slow)->Authenticate(Credentials{token, {}}).ok());
  EXPECT_FALSE((*slow)->ReloadKeysIfChanged());
}

TEST_F(JwtTest, BrokenNewJwksKeepsTheOldKeys) {
  std::string token = Rs256(Payload());
  ASSERT_TRUE(Authenticate(token).ok());
  for (std::string_view broken :
       {std::string_view("{\"keys\": ["), std::string_view("{\"keys\": []}"),
        std::string_view(R"({"keys":[{"kty":"RSA","kid":"k","n":"AQAB",)"
                         R"("e":"AQAB"}]})")}) {
    ReplaceFile(JwksPath(), broken);
    EXPECT_FALSE(authenticator().ReloadKeysIfChanged());
    EXPECT_TRUE(Authenticate(token).ok()) << broken;
    EXPECT_TRUE(Authenticate(Rs256(Payload(R"(,"jti":"new")"))).ok());
  }
  std::filesystem::remove(JwksPath());
  EXPECT_TRUE(Authenticate(Rs256(Payload(R"(,"jti":"gone")"))).ok());
}

TEST_F(JwtTest, CacheDoesNotServeATokenPastItsExpiry) {
  auto options = DefaultOptions();
  options.clock_skew = absl::ZeroDuration();
  auto strict = JwtAuthenticator::Create(options);
  ASSERT_TRUE(strict.ok());
  std::string token = Rs256(Claims(kIssuer, R"("maillage")", Now() + 10));
  ASSERT_TRUE((*strict)->Authenticate(Credentials{token, {}}).ok());
  ASSERT_TRUE((*strict)->Authenticate(Credentials{token, {}}).ok());
  EXPECT_EQ((*strict)->cached_tokens(), 1u);
  AdvanceClock(absl::Seconds(9));
  EXPECT_TRUE((*strict)->Authenticate(Credentials{token, {}}).ok());
  AdvanceClock(absl::Seconds(1));
  ExpectRefused((*strict)->Authenticate(Credentials{token, {}}), "expired");
}

TEST_F(JwtTest, CacheStaysWithinItsBound) {
  auto options = DefaultOptions();
  options.cache_entries = 20;
  auto small = JwtAuthenticator::Create(options);
  ASSERT_TRUE(small.ok());
  for (int i = 0; i < 100; ++i) {
    std::string token = Rs256(Payload(absl::StrCat(R"(,"jti":")", i, "\"")));
    ASSERT_TRUE((*small)->Authenticate(Credentials{token, {}}).ok());
    ASSERT_LE((*small)->cached_tokens(), 20u);
  }
}

TEST_F(JwtTest, CreateReportsBadConfiguration) {
  auto options = DefaultOptions();
  options.issuer = "";
  EXPECT_EQ(JwtAuthenticator::Create(options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options = DefaultOptions();
  options.jwks_path = dir_ + "/missing.json";
  EXPECT_FALSE(JwtAuthenticator::Create(options).ok());
  options = DefaultOptions();
  ReplaceFile(dir_ + "/bad-rules.json",
              R"({"rules":[{"when":{},"grant":{"role":"root"}}]})");
  options.rules_path = dir_ + "/bad-rules.json";
  auto bad = JwtAuthenticator::Create(options);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("rule 0"));
}

// Many threads authenticate (cached and not) while the keys rotate back and
// forth; run under TSan by scripts/sanitize.sh thread.
TEST_F(JwtTest, ConcurrentCallsAndRotations) {
  std::vector<std::string> tokens;
  for (int i = 0; i < 8; ++i) {
    tokens.push_back(Rs256(Payload(absl::StrCat(R"(,"jti":")", i, "\""))));
  }
  JwtAuthenticator& shared = authenticator();
  std::atomic<int> accepted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        if (shared.Authenticate(Credentials{tokens[(i + t) % 8], {}}).ok()) {
          ++accepted;
        }
      }
    });
  }
  const TestKey& rotated = *SharedKeys().rotated;
  for (int i = 0; i < 6; ++i) {
    ReplaceFile(JwksPath(), i % 2 == 0 ? testing::Jwks({&rsa(), &rotated})
                                       : testing::Jwks({&rsa(), &ec()}));
  }
  for (auto& thread : threads) thread.join();
  // rsa-1 is in every version of the file: nothing may be refused.
  EXPECT_EQ(accepted.load(), 4 * 200);
}

// A JWK member as base64url of `size` bytes of `byte`.
std::string Bytes(size_t size, char byte) {
  return EncodeBase64Url(std::string(size, byte));
}

TEST(JwksTest, SkipsKeysOfOtherUsesAndAlgorithms) {
  // What Keycloak publishes: a signing key and an encryption key, with
  // certificates; and other algorithms Maillage does not verify.
  std::string rsa_jwk = SharedKeys().rsa->PublicJwk();
  std::string document = absl::StrCat(
      R"({"keys":[{"kid":"enc","kty":"RSA","alg":"RSA-OAEP","use":"enc",)",
      R"("n":"AQAB","e":"AQAB"},)", rsa_jwk.substr(0, rsa_jwk.size() - 1),
      R"(,"x5c":["MIIC"],"x5t":"abc"},{"kty":"oct","k":"c2VjcmV0"},)",
      R"({"kty":"OKP","crv":"Ed25519","x":"AAAA"},)",
      R"({"kty":"EC","crv":"P-384","x":"AAAA","y":"AAAA"},)",
      R"({"kty":"RSA","alg":"PS256","n":"AQAB","e":"AQAB"}]})");
  auto keys = ParseJwks(document);
  ASSERT_TRUE(keys.ok()) << keys.status();
  ASSERT_EQ((*keys)->size(), 1u);
  EXPECT_NE((*keys)->Find("rsa-1"), nullptr);
  EXPECT_EQ((*keys)->Find("enc"), nullptr);
}

TEST(JwksTest, RefusesBrokenSigningKeys) {
  std::string x = Bytes(32, 1);
  const std::pair<std::string, const char*> kCases[] = {
      // The point (0, 0) is not on P-256.
      {absl::StrCat(R"({"kty":"EC","crv":"P-256","x":")", Bytes(32, 0),
                    R"(","y":")", Bytes(32, 0), R"("})"),
       "curve"},
      {absl::StrCat(R"({"kty":"EC","crv":"P-256","x":")", Bytes(31, 1),
                    R"(","y":")", x, R"("})"),
       "32 bytes"},
      {absl::StrCat(R"({"kty":"EC","crv":"P-256","x":")", x, R"("})"), "y"},
      {absl::StrCat(R"({"kty":"RSA","n":")", Bytes(128, '\xc1'),
                    R"(","e":"AQAB"})"),
       "2048"},
      {absl::StrCat(R"({"kty":"RSA","n":")", Bytes(256, '\xc1'),
                    R"(","e":"AQ"})"),
       "exponent"},
      {absl::StrCat(R"({"kty":"RSA","n":")", Bytes(256, '\xc1'),
                    R"(","e":"AQAB="})"),
       "base64url"},
      {R"({"kty":"RSA","alg":"ES256","n":"AQAB","e":"AQAB"})", "contradicts"},
      {R"({"kty":"RSA","kid":5,"n":"AQAB","e":"AQAB"})", "kid"},
  };
  for (const auto& [jwk, why] : kCases) {
    auto keys = ParseJwks(absl::StrCat(R"({"keys":[)", jwk, "]}"));
    ASSERT_FALSE(keys.ok()) << jwk;
    EXPECT_EQ(keys.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(keys.status().message()), HasSubstr(why)) << jwk;
  }
  std::string jwk = SharedKeys().ec->PublicJwk();
  auto twice = ParseJwks(absl::StrCat(R"({"keys":[)", jwk, ",", jwk, "]}"));
  ASSERT_FALSE(twice.ok());
  EXPECT_THAT(std::string(twice.status().message()), HasSubstr("twice"));
  EXPECT_FALSE(ParseJwks(R"({"keys":[]})").ok());
  EXPECT_FALSE(ParseJwks(R"({"keys":{}})").ok());
  EXPECT_FALSE(ParseJwks(R"([])").ok());
}

}  // namespace
}  // namespace maillage::auth

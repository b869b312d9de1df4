// Bearer JWT verification (auth/jwt.h), the cost authentication adds to
// every call: a full verification (a token seen for the first time) against
// a cached one (the same token again), for RS256 (RSA-2048) and ES256
// (P-256) tokens of a realistic size (~1 KB, Keycloak-like claims).
//
//   build/bench/auth_bench [--benchmark_filter=...]
//
// The issue's budget: authentication at most 5% of a GetActor call (112 µs
// with one client in BENCHMARKS.md), so about 5.6 µs.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "auth/jwt.h"
#include "auth/jwt_testing.h"
#include "benchmark/benchmark.h"

namespace maillage::auth {
namespace {

constexpr char kIssuer[] = "https://auth.example.gouv.fr/realms/maillage";

// A provider's keys, files and tokens, made once for every benchmark.
class Provider {
 public:
  Provider() {
    char pattern[] = "/tmp/maillage-auth-bench-XXXXXX";
    if (mkdtemp(pattern) == nullptr) std::abort();
    dir_ = pattern;
    testing::ReplaceFile(dir_ + "/jwks.json",
                         testing::Jwks({rsa_.get(), ec_.get()}));
    testing::ReplaceFile(
        dir_ + "/rules.json",
        R"({"rules":[{"when":{"email_domain":"deux-sevres.fr",)"
        R"("claims":{"groups":"maillage"}},"grant":{"role":"animator",)"
        R"("territories":["departement:79"],"workspace":"cd79"}}]})");
  }
  ~Provider() { std::filesystem::remove_all(dir_); }

  // An authenticator on these files; `cache_entries` 0 verifies every call.
  std::unique_ptr<JwtAuthenticator> Authenticator(size_t cache_entries) const {
    JwtAuthenticator::Options options;
    options.jwks_path = dir_ + "/jwks.json";
    options.rules_path = dir_ + "/rules.json";
    options.issuer = kIssuer;
    options.audience = "maillage";
    options.cache_entries = cache_entries;
    auto made = JwtAuthenticator::Create(options);
    if (!made.ok()) std::abort();
    return *std::move(made);
  }

  // A token like Keycloak's access tokens (about 1 KB).
  std::string Token(bool es256, int serial = 0) const {
    const testing::TestKey& key = es256 ? *ec_ : *rsa_;
    std::string header =
        absl::StrCat(R"({"alg":")", es256 ? "ES256" : "RS256",
                     R"(","typ":"JWT","kid":")", key.kid(), R"("})");
    int64_t now = absl::ToUnixSeconds(absl::Now());
    std::string payload = absl::StrCat(
        R"({"exp":)", now + 3600, R"(,"iat":)", now, R"(,"jti":"bench-)",
        serial, R"(","iss":")", kIssuer,
        R"(","aud":["maillage","account"],)"
        R"("sub":"7b3c4e2a-1f0d-4c55-9a61-0e2f9b8d7c16","typ":"Bearer",)"
        R"("azp":"maillage-web","session_state":"5e1c3f2a-9b7d-4e0f-8a6c",)"
        R"("acr":"1","allowed-origins":["https://maillage.example.gouv.fr"],)"
        R"("realm_access":{"roles":["offline_access","uma_authorization"]},)"
        R"("scope":"openid email profile","sid":"5e1c3f2a-9b7d-4e0f-8a6c",)"
        R"("email_verified":true,"name":"Alice Martin",)"
        R"("preferred_username":"alice.martin","given_name":"Alice",)"
        R"("family_name":"Martin","email":"alice.martin@deux-sevres.fr",)"
        R"("siret":"22790001500018","groups":["maillage","cd79-agents"]})");
    return testing::SignedToken(key, header, payload);
  }

 private:
  std::unique_ptr<testing::TestKey> rsa_ = testing::TestKey::Rsa("rsa-bench");
  std::unique_ptr<testing::TestKey> ec_ = testing::TestKey::EcP256("ec-bench");
  std::string dir_;
};

const Provider& SharedProvider() {
  static const Provider* const provider = new Provider();
  return *provider;
}

void Authenticate(benchmark::State& state, bool es256, size_t cache_entries) {
  const Provider& provider = SharedProvider();
  static JwtAuthenticator* shared = nullptr;
  std::unique_ptr<JwtAuthenticator> authenticator;
  // Threads of one benchmark share the authenticator (and its cache).
  if (state.thread_index() == 0) {
    authenticator = provider.Authenticator(cache_entries);
    shared = authenticator.get();
  }
  std::string token = provider.Token(es256);
  state.SetLabel(absl::StrCat(token.size(), "-byte token"));
  Credentials credentials{token, {}};
  for (auto _ : state) {
    auto principal = shared->Authenticate(credentials);
    if (!principal.ok()) {
      state.SkipWithError(std::string(principal.status().message()).c_str());
      break;
    }
    benchmark::DoNotOptimize(principal);
  }
}

void BM_VerifyColdRs256(benchmark::State& state) {
  Authenticate(state, false, 0);
}
void BM_VerifyColdEs256(benchmark::State& state) {
  Authenticate(state, true, 0);
}
void BM_VerifyCachedRs256(benchmark::State& state) {
  Authenticate(state, false, 10'000);
}
void BM_VerifyCachedEs256(benchmark::State& state) {
  Authenticate(state, true, 10'000);
}
BENCHMARK(BM_VerifyColdRs256);
BENCHMARK(BM_VerifyColdEs256);
BENCHMARK(BM_VerifyCachedRs256);
BENCHMARK(BM_VerifyCachedEs256);
BENCHMARK(BM_VerifyCachedRs256)->Threads(2)->UseRealTime();

// A full cache of 10,000 tokens, looked up at random: the cache's memory
// and the lookup when it is full.
void BM_VerifyCachedAmong10k(benchmark::State& state) {
  const Provider& provider = SharedProvider();
  auto authenticator = provider.Authenticator(10'000);
  std::vector<std::string> tokens;
  for (int i = 0; i < 9'000; ++i) tokens.push_back(provider.Token(true, i));
  for (const std::string& token : tokens) {
    if (!authenticator->Authenticate(Credentials{token, {}}).ok()) {
      state.SkipWithError("a token was refused");
      return;
    }
  }
  size_t i = 0;
  for (auto _ : state) {
    auto principal = authenticator->Authenticate(
        Credentials{tokens[i++ % tokens.size()], {}});
    benchmark::DoNotOptimize(principal);
  }
}
BENCHMARK(BM_VerifyCachedAmong10k);

}  // namespace
}  // namespace maillage::auth

BENCHMARK_MAIN();

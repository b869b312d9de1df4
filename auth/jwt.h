#ifndef MAILLAGE_AUTH_JWT_H_
#define MAILLAGE_AUTH_JWT_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "auth/authenticator.h"
#include "auth/claim_rules.h"
#include "auth/jwks.h"

namespace maillage::auth {

// Authenticates bearer JWTs issued by an OpenID Connect provider (ProConnect,
// Keycloak), verified locally against the provider's keys in a JWKS file
// (no network call), then turned into a principal by ClaimRules.
//
// A token is accepted only when all of these hold: at most
// Options::max_token_bytes; three strict base64url parts; a header and a
// payload that are JSON objects without duplicate members; a header "alg" in
// Options::algorithms that matches the selected key's type (RSA: RS256, EC
// P-256: ES256), so "none", HS256 and an algorithm swap are refused; the key
// named by "kid" (or the only key when there is no "kid"); a valid
// signature; "iss" equal to Options::issuer; "aud" (a string or an array)
// holding Options::audience; "exp" present and not past, "nbf" and "iat"
// not in the future (each within Options::clock_skew); a non-empty "sub";
// and a claim rule matching. Everything else is UNAUTHENTICATED, with a
// message that names neither the token nor the files.
//
// The JWKS file is checked at most once per Options::jwks_check_interval
// (during a call) and reloaded when its modification time, size or inode
// changed (or, while it was modified less than 2 s before being read, when
// its content changed: a quick rewrite can keep the stamp). The new keys
// replace the old ones at once: tokens of a removed key are refused, cached
// ones included. A new file that does not load keeps the old keys and is
// reported on stderr, once. The rules file is read once, at Create.
//
// Verified tokens are cached (by SHA-256 of the whole token, at most
// Options::cache_entries) until their "exp" (plus the skew) or until the
// keys change, so that a repeated token costs a hash and a lookup.
//
// Thread-safe.
class JwtAuthenticator final : public Authenticator {
 public:
  struct Options {
    // The provider's keys: a JWKS document ({"keys": [...]}).
    std::string jwks_path;
    // The claim rules (auth/claim_rules.h).
    std::string rules_path;
    // The exact "iss" of the provider, e.g.
    // "https://auth.agentconnect.gouv.fr/api/v2".
    std::string issuer;
    // The "aud" Maillage's tokens carry: its client id at the provider.
    std::string audience;
    // Accepted "alg" values, out of RS256 and ES256. Never taken from tokens.
    std::vector<std::string> algorithms = {"RS256", "ES256"};
    // Tolerance for clocks that disagree, on exp, nbf and iat.
    absl::Duration clock_skew = absl::Seconds(60);
    size_t max_token_bytes = 8 * 1024;
    size_t cache_entries = 10'000;
    absl::Duration jwks_check_interval = absl::Seconds(1);
    // The current time (tests); absl::Now when unset.
    std::function<absl::Time()> now;
  };

  // Loads the keys and the rules; INVALID_ARGUMENT for incomplete options
  // (empty issuer, audience or algorithms, an algorithm other than RS256 and
  // ES256), the loaders' errors (naming the files) otherwise.
  static absl::StatusOr<std::unique_ptr<JwtAuthenticator>> Create(
      Options options);

  absl::StatusOr<Principal> Authenticate(
      const Credentials& credentials) const override;

  // Checks the JWKS file now, whatever the interval (tests, SIGHUP);
  // true when new keys were loaded.
  bool ReloadKeysIfChanged() const;

  // How many verified tokens are cached.
  size_t cached_tokens() const;

 private:
  // What tells that the JWKS file changed. The default stamp matches no
  // file, missing ones included.
  struct FileStamp {
    int64_t mtime_ns = 0;
    int64_t size = -2;  // -1: missing
    uint64_t inode = 0;
    bool operator==(const FileStamp& o) const {
      return mtime_ns == o.mtime_ns && size == o.size && inode == o.inode;
    }
  };
  // What was last read of the JWKS file.
  struct JwksVersion {
    FileStamp stamp;
    // Modified shortly before it was read: within the file system's
    // timestamp granularity, another write could keep the same stamp, so
    // the next check reads the file again and compares digests.
    bool racy = true;
    std::string digest;  // SHA-256 of the content; empty when unreadable
  };
  struct CachedPrincipal {
    Principal principal;
    absl::Time expires;
  };
  struct Keys {
    std::shared_ptr<const KeySet> set;
    uint64_t generation = 0;
  };

  JwtAuthenticator(Options options, ClaimRules rules, uint32_t algorithms,
                   std::shared_ptr<const KeySet> keys, JwksVersion version);

  static FileStamp StampOf(const std::string& path);
  // The keys of the JWKS file at `path` when it changed since `*seen` (which
  // is updated); nullptr when it is the version already seen, loaded or
  // refused; an error, once per version, when a new version cannot be read
  // or parsed.
  static absl::StatusOr<std::shared_ptr<const KeySet>> ReadJwksIfChanged(
      const std::string& path, JwksVersion* seen);
  absl::Time Now() const;
  void MaybeReloadKeys() const;
  Keys CurrentKeys() const;
  // The full verification of a token not in the cache.
  absl::StatusOr<CachedPrincipal> Verify(std::string_view token,
                                         const KeySet& keys) const;
  bool LookUp(const std::string& digest, uint64_t generation,
              Principal* principal) const;
  void Remember(std::string digest, uint64_t generation,
                CachedPrincipal entry) const;
  // Called full, with cache_mu_ held exclusively: drops expired entries,
  // then arbitrary ones down to 90%.
  void MakeRoom(absl::Time now) const;

  const Options options_;
  const ClaimRules rules_;
  const uint32_t algorithms_;  // bit set of JwsAlgorithm values

  // When the JWKS file was last looked at (absl::ToUnixNanos), so that only
  // one caller per interval stats it.
  mutable std::atomic<int64_t> last_check_ns_{0};
  mutable std::mutex reload_mu_;  // serialises reloads
  mutable JwksVersion jwks_seen_ ABSL_GUARDED_BY(reload_mu_);

  mutable std::shared_mutex keys_mu_;
  mutable Keys keys_ ABSL_GUARDED_BY(keys_mu_);

  mutable std::shared_mutex cache_mu_;
  // Entries of the current key generation only: cleared when keys change.
  mutable uint64_t cache_generation_ ABSL_GUARDED_BY(cache_mu_) = 0;
  mutable absl::flat_hash_map<std::string, CachedPrincipal> cache_
      ABSL_GUARDED_BY(cache_mu_);
};

}  // namespace maillage::auth

#endif  // MAILLAGE_AUTH_JWT_H_

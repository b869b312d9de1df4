#include "auth/jwt.h"

#include <openssl/evp.h>
#include <sys/stat.h>

#include <cmath>
#include <iostream>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "auth/base64url.h"
#include "auth/strict_json.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "base/strings.h"

namespace maillage::auth {
namespace {

// Every refusal: the contract of Authenticator, and one prefix for the logs.
absl::Status Refused(std::string_view why) {
  return absl::UnauthenticatedError(
      absl::StrCat("bearer token refused: ", AsAbsl(why)));
}

uint32_t Bit(JwsAlgorithm algorithm) {
  return 1u << static_cast<unsigned>(algorithm);
}

// The SHA-256 of `bytes`, the cache's key. A cryptographic hash, so that no
// one can make a forged token collide with a cached one. SHA-256 is fetched
// once: an implicit fetch at every call costs a lookup under a lock.
std::string Sha256Digest(std::string_view bytes) {
  static const EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (md == nullptr || EVP_Digest(bytes.data(), bytes.size(), digest, &length,
                                  md, nullptr) != 1) {
    return "";
  }
  return std::string(reinterpret_cast<char*>(digest), length);
}

// The compact serialisation's three parts, decoded.
struct CompactJws {
  std::string_view signed_part;  // "header.payload", what the signature covers
  json::Value header;
  json::Value payload;
  std::string signature;
};

// A base64url part that must hold a JSON object.
absl::StatusOr<json::Value> DecodeObject(std::string_view part,
                                         std::string_view what) {
  std::optional<std::string> bytes = DecodeBase64Url(part);
  if (!bytes.has_value()) {
    return Refused(absl::StrCat(AsAbsl(what), " is not base64url"));
  }
  auto value = json::Parse(*bytes);
  if (!value.ok() || !value->is_object()) {
    return Refused(absl::StrCat(AsAbsl(what), " is not a JSON object"));
  }
  return value;
}

absl::StatusOr<CompactJws> SplitToken(std::string_view token) {
  size_t first = token.find('.');
  size_t second = first == std::string_view::npos ? std::string_view::npos
                                                  : token.find('.', first + 1);
  if (second == std::string_view::npos ||
      token.find('.', second + 1) != std::string_view::npos) {
    return Refused("not a JWT (three parts separated by dots)");
  }
  CompactJws jws;
  jws.signed_part = token.substr(0, second);
  ASSIGN_OR_RETURN(jws.header, DecodeObject(token.substr(0, first), "header"));
  ASSIGN_OR_RETURN(
      jws.payload,
      DecodeObject(token.substr(first + 1, second - first - 1), "payload"));
  std::optional<std::string> signature =
      DecodeBase64Url(token.substr(second + 1));
  if (!signature.has_value() || signature->empty()) {
    return Refused("the signature is missing or not base64url");
  }
  jws.signature = *std::move(signature);
  return jws;
}

// "typ" is optional; when present it must name a JWT, so that another kind
// of signed object from the same provider (a logout token...) is refused.
bool IsJwtType(const json::Value* typ) {
  if (typ == nullptr) return true;
  if (!typ->is_string()) return false;
  absl::string_view type = AsAbsl(typ->string());
  return absl::EqualsIgnoreCase(type, "JWT") ||
         absl::EqualsIgnoreCase(type, "at+jwt") ||
         absl::EqualsIgnoreCase(type, "application/at+jwt");
}

// A NumericDate claim (seconds since the epoch, possibly fractional), or
// nullopt when it is not a number in a sane range.
std::optional<absl::Time> NumericDate(const json::Value& value) {
  constexpr double kMaxSeconds = 1e11;  // year 5138
  if (!value.is_number() || !(value.number() >= 0) ||
      value.number() > kMaxSeconds) {
    return std::nullopt;
  }
  return absl::FromUnixMicros(
      static_cast<int64_t>(std::floor(value.number() * 1e6)));
}

bool AudienceHolds(const json::Value& aud, const std::string& audience) {
  if (aud.is_string()) return aud.string() == audience;
  if (!aud.is_array()) return false;
  bool found = false;
  for (const json::Value& item : aud.items()) {
    if (!item.is_string()) return false;
    found = found || item.string() == audience;
  }
  return found;
}

// The key that may verify a token with this header: "alg" allowed by the
// configuration (never chosen by the token alone) and matching the key.
absl::StatusOr<const SigningKey*> SelectKey(const json::Value& header,
                                            const KeySet& keys,
                                            uint32_t allowed) {
  for (const auto& member : header.members()) {
    if (member.first == "crit") {
      return Refused("critical header extensions are not supported");
    }
  }
  const std::string* alg = header.FindString("alg");
  JwsAlgorithm algorithm;
  if (alg == nullptr || !ParseJwsAlgorithm(*alg, &algorithm) ||
      (allowed & Bit(algorithm)) == 0) {
    return Refused("algorithm not allowed");
  }
  if (!IsJwtType(header.Find("typ"))) return Refused("not a JWT (typ)");
  const json::Value* kid = header.Find("kid");
  if (kid != nullptr && !kid->is_string()) return Refused("malformed kid");
  const SigningKey* key =
      kid != nullptr ? keys.Find(kid->string()) : keys.Single();
  if (key == nullptr) return Refused("unknown signing key");
  if (key->algorithm() != algorithm) {
    return Refused("the algorithm does not match the key");
  }
  return key;
}

// Checks the registered claims of a payload whose signature verified;
// returns until when the token is valid (its "exp" plus the skew).
absl::StatusOr<absl::Time> CheckClaims(const json::Value& claims,
                                       const JwtAuthenticator::Options& options,
                                       absl::Time now) {
  const std::string* iss = claims.FindString("iss");
  if (iss == nullptr || *iss != options.issuer) {
    return Refused("issuer not accepted");
  }
  const json::Value* aud = claims.Find("aud");
  if (aud == nullptr || !AudienceHolds(*aud, options.audience)) {
    return Refused("audience not accepted");
  }
  const std::string* sub = claims.FindString("sub");
  if (sub == nullptr || sub->empty()) return Refused("no subject");
  const json::Value* exp_value = claims.Find("exp");
  if (exp_value == nullptr) return Refused("no expiry");
  std::optional<absl::Time> exp = NumericDate(*exp_value);
  if (!exp.has_value()) return Refused("malformed exp");
  absl::Time expires = *exp + options.clock_skew;
  if (now >= expires) return Refused("expired");
  for (const char* name : {"nbf", "iat"}) {
    const json::Value* value = claims.Find(name);
    if (value == nullptr) continue;
    std::optional<absl::Time> time = NumericDate(*value);
    if (!time.has_value()) return Refused(absl::StrCat("malformed ", name));
    if (*time > now + options.clock_skew) {
      return Refused(absl::StrCat(name, " is in the future"));
    }
  }
  const json::Value* email = claims.Find("email");
  if (email != nullptr && !email->is_string())
    return Refused("malformed email");
  return expires;
}

Principal PrincipalOf(const json::Value& claims, const Grant& grant) {
  Principal principal;
  principal.id = absl::StrCat("oidc:", *claims.FindString("iss"), "#",
                              *claims.FindString("sub"));
  const std::string* email = claims.FindString("email");
  principal.display_name =
      email != nullptr ? *email : *claims.FindString("sub");
  principal.role = grant.role;
  principal.territories = grant.territories;
  principal.all_territories = grant.all_territories;
  principal.workspace = grant.workspace;
  principal.partner = grant.partner;
  return principal;
}

}  // namespace

absl::StatusOr<std::unique_ptr<JwtAuthenticator>> JwtAuthenticator::Create(
    Options options) {
  if (options.issuer.empty() || options.audience.empty()) {
    return absl::InvalidArgumentError(
        "JWT authentication needs an issuer and an audience");
  }
  uint32_t algorithms = 0;
  for (const std::string& name : options.algorithms) {
    JwsAlgorithm algorithm;
    if (!ParseJwsAlgorithm(name, &algorithm)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "JWT algorithm \"", name, "\" is not supported (RS256, ES256)"));
    }
    algorithms |= Bit(algorithm);
  }
  if (algorithms == 0) {
    return absl::InvalidArgumentError("JWT authentication needs an algorithm");
  }
  JwksVersion version;
  ASSIGN_OR_RETURN(std::shared_ptr<const KeySet> keys,
                   ReadJwksIfChanged(options.jwks_path, &version));
  ASSIGN_OR_RETURN(ClaimRules rules, ClaimRules::LoadFile(options.rules_path));
  return std::unique_ptr<JwtAuthenticator>(
      new JwtAuthenticator(std::move(options), std::move(rules), algorithms,
                           std::move(keys), std::move(version)));
}

JwtAuthenticator::JwtAuthenticator(Options options, ClaimRules rules,
                                   uint32_t algorithms,
                                   std::shared_ptr<const KeySet> keys,
                                   JwksVersion version)
    : options_(std::move(options)),
      rules_(std::move(rules)),
      algorithms_(algorithms) {
  std::lock_guard reload_lock(reload_mu_);
  jwks_seen_ = std::move(version);
  std::unique_lock keys_lock(keys_mu_);
  keys_.set = std::move(keys);
  keys_.generation = 1;
  last_check_ns_ = absl::ToUnixNanos(absl::Now());
}

JwtAuthenticator::FileStamp JwtAuthenticator::StampOf(const std::string& path) {
  struct stat st;
  FileStamp stamp;
  stamp.size = -1;  // missing or unreadable
  if (stat(path.c_str(), &st) != 0) return stamp;
  stamp.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 +
                   st.st_mtim.tv_nsec;
  stamp.size = static_cast<int64_t>(st.st_size);
  stamp.inode = static_cast<uint64_t>(st.st_ino);
  return stamp;
}

absl::Time JwtAuthenticator::Now() const {
  return options_.now ? options_.now() : absl::Now();
}

absl::StatusOr<Principal> JwtAuthenticator::Authenticate(
    const Credentials& credentials) const {
  std::string_view token = credentials.bearer;
  if (token.empty()) return Refused("no bearer token");
  if (token.size() > options_.max_token_bytes) return Refused("too long");
  MaybeReloadKeys();
  Keys keys = CurrentKeys();
  std::string digest = Sha256Digest(token);
  Principal principal;
  if (!digest.empty() && LookUp(digest, keys.generation, &principal)) {
    return principal;
  }
  ASSIGN_OR_RETURN(CachedPrincipal verified, Verify(token, *keys.set));
  principal = verified.principal;
  if (!digest.empty()) {
    Remember(std::move(digest), keys.generation, std::move(verified));
  }
  return principal;
}

absl::StatusOr<JwtAuthenticator::CachedPrincipal> JwtAuthenticator::Verify(
    std::string_view token, const KeySet& keys) const {
  ASSIGN_OR_RETURN(CompactJws jws, SplitToken(token));
  ASSIGN_OR_RETURN(const SigningKey* key,
                   SelectKey(jws.header, keys, algorithms_));
  if (!key->Verify(jws.signed_part, jws.signature)) {
    return Refused("the signature does not verify");
  }
  ASSIGN_OR_RETURN(absl::Time expires,
                   CheckClaims(jws.payload, options_, Now()));
  const ClaimRule* rule = rules_.Match(jws.payload);
  if (rule == nullptr) {
    return Refused("the token is valid but no rule grants it a role");
  }
  return CachedPrincipal{PrincipalOf(jws.payload, rule->grant), expires};
}

JwtAuthenticator::Keys JwtAuthenticator::CurrentKeys() const {
  std::shared_lock lock(keys_mu_);
  return keys_;
}

void JwtAuthenticator::MaybeReloadKeys() const {
  int64_t now = absl::ToUnixNanos(absl::Now());
  int64_t last = last_check_ns_.load(std::memory_order_relaxed);
  if (now - last < absl::ToInt64Nanoseconds(options_.jwks_check_interval)) {
    return;
  }
  // One caller per interval looks at the file; the others go on with the
  // keys they have.
  if (!last_check_ns_.compare_exchange_strong(last, now)) return;
  ReloadKeysIfChanged();
}

absl::StatusOr<std::shared_ptr<const KeySet>>
JwtAuthenticator::ReadJwksIfChanged(const std::string& path,
                                    JwksVersion* seen) {
  // Coarser than any file system's timestamps (ext4 and tmpfs: a few ms).
  constexpr absl::Duration kTimestampGranularity = absl::Seconds(2);
  FileStamp stamp = StampOf(path);
  if (stamp == seen->stamp && !seen->racy) return nullptr;
  absl::Time read_at = absl::Now();
  absl::StatusOr<std::string> text = json::ReadDocument(path, kMaxJwksBytes);
  if (!text.ok()) {
    bool reported = stamp == seen->stamp && seen->digest.empty();
    *seen = JwksVersion{stamp, false, ""};
    if (reported) return nullptr;
    return text.status();
  }
  std::string digest = Sha256Digest(*text);
  seen->stamp = stamp;
  seen->racy =
      absl::FromUnixNanos(stamp.mtime_ns) + kTimestampGranularity > read_at;
  if (digest == seen->digest) return nullptr;
  seen->digest = std::move(digest);
  auto keys = ParseJwks(*text);
  if (!keys.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", keys.status().message()));
  }
  return keys;
}

bool JwtAuthenticator::ReloadKeysIfChanged() const {
  std::lock_guard lock(reload_mu_);
  auto keys = ReadJwksIfChanged(options_.jwks_path, &jwks_seen_);
  if (!keys.ok()) {
    base::Log(base::LogLevel::kWarning, "auth.jwks_not_reloaded")
        .Add("message", "keeping the previous keys")
        .Add("error", std::string(keys.status().message()));
    return false;
  }
  if (*keys == nullptr) return false;
  std::unique_lock keys_lock(keys_mu_);
  keys_.set = *std::move(keys);
  ++keys_.generation;
  return true;
}

bool JwtAuthenticator::LookUp(const std::string& digest, uint64_t generation,
                              Principal* principal) const {
  absl::Time now = Now();
  std::shared_lock lock(cache_mu_);
  if (cache_generation_ != generation) return false;
  auto it = cache_.find(digest);
  if (it == cache_.end() || now >= it->second.expires) return false;
  *principal = it->second.principal;
  return true;
}

void JwtAuthenticator::Remember(std::string digest, uint64_t generation,
                                CachedPrincipal entry) const {
  absl::Time now = Now();
  std::unique_lock lock(cache_mu_);
  if (generation < cache_generation_) return;  // keys changed meanwhile
  if (generation > cache_generation_) {
    cache_.clear();
    cache_generation_ = generation;
  }
  if (options_.cache_entries == 0) return;
  if (cache_.size() >= options_.cache_entries) MakeRoom(now);
  cache_.insert_or_assign(std::move(digest), std::move(entry));
}

void JwtAuthenticator::MakeRoom(absl::Time now) const {
  for (auto it = cache_.begin(); it != cache_.end();) {
    if (now >= it->second.expires) {
      cache_.erase(it++);
    } else {
      ++it;
    }
  }
  // Still full of live tokens: drop a tenth, whichever, so that the sweep
  // above runs once per many insertions.
  size_t target = options_.cache_entries - options_.cache_entries / 10 - 1;
  for (auto it = cache_.begin();
       it != cache_.end() && cache_.size() > target;) {
    cache_.erase(it++);
  }
}

size_t JwtAuthenticator::cached_tokens() const {
  std::shared_lock lock(cache_mu_);
  return cache_.size();
}

}  // namespace maillage::auth

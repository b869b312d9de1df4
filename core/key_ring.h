#ifndef MAILLAGE_CORE_KEY_RING_H_
#define MAILLAGE_CORE_KEY_RING_H_

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "auth/api_key.h"
#include "auth/authenticator.h"
#include "auth/principal.h"
#include "core/territory_registry.h"
#include "maillage/storage/records.pb.h"
#include "maillage/v1/admin.pb.h"
#include "storage/store.h"

namespace maillage::core {

// The server's API keys: created, listed, revoked and rotated by admins
// (AdminService), and the authenticator of every call that presents one.
//
// Keys live in the store (Family::kApiKeys, written durably) and in memory
// (a few thousand at most). Only a keyed digest of each secret is stored
// (auth::ApiKeyDigest with the server's digest secret); a secret is returned
// once, by Create or Rotate.
//
// Thread-safe. Authenticate takes a shared lock and does one HMAC.
class KeyRing final : public auth::Authenticator {
 public:
  struct Options {
    // The server's digest secret (auth::LoadOrCreateDigestSecret).
    std::string digest_secret;
    // last_use_time is kept to this resolution: a key's record is rewritten
    // at most this often however busy the key.
    absl::Duration last_use_resolution = absl::Minutes(1);
  };

  KeyRing(storage::Store* store, const TerritoryRegistry* registry,
          Options options);

  // Reads every key from the store. Once, before serving.
  absl::Status Load();

  absl::StatusOr<v1::CreateApiKeyResponse> Create(
      const v1::CreateApiKeyRequest& request, const auth::Principal& caller);
  absl::StatusOr<v1::ListApiKeysResponse> List(
      const v1::ListApiKeysRequest& request,
      const auth::Principal& caller) const;
  absl::StatusOr<v1::ApiKey> Revoke(const v1::RevokeApiKeyRequest& request,
                                    const auth::Principal& caller);
  absl::StatusOr<v1::CreateApiKeyResponse> Rotate(
      const v1::RotateApiKeyRequest& request, const auth::Principal& caller);

  // Whether some admin key is neither revoked nor expired at `now`.
  bool HasActiveAdminKey(absl::Time now) const;

  // An "mlg_" bearer token: the principal of its key, or UNAUTHENTICATED
  // when the token is malformed, unknown, revoked, expired or its secret
  // does not verify (one message for all: a caller learns nothing about
  // which keys exist). Other credentials are not this class's business:
  // UNAUTHENTICATED.
  absl::StatusOr<auth::Principal> Authenticate(
      const auth::Credentials& credentials) const override;

  // Personal data erasure (core/privacy.h): hands every key's description
  // to `edit`, which edits it in place and returns whether it changed it;
  // changed keys are stored at once. Returns how many changed.
  absl::StatusOr<int64_t> EditPersonalData(
      const std::function<bool(v1::ApiKey*)>& edit);

  // The principal a key's record grants.
  static auth::Principal PrincipalOf(const v1::ApiKey& key);
  // How a principal (of any kind of credentials) describes itself to its
  // caller (AdminService.GetCaller).
  static v1::Caller CallerOf(const auth::Principal& principal);

 private:
  struct Entry {
    storage::ApiKeyRecord record;
    // Last authentication, kept in memory; persisted when it moved by more
    // than Options::last_use_resolution.
    mutable std::atomic<int64_t> last_use_seconds{0};
  };

  // Checks a create request; fills the key's description on success.
  absl::Status CheckCreate(const v1::CreateApiKeyRequest& request,
                           v1::ApiKey* key) const;
  // Creates a key from a checked description: new id and secret, stored
  // durably, then added to memory.
  absl::StatusOr<v1::CreateApiKeyResponse> Issue(v1::ApiKey key);
  absl::Status Persist(const storage::ApiKeyRecord& record, bool sync);
  // Records a successful use, at most once per resolution.
  void NoteUse(const Entry& entry, absl::Time now) const;
  absl::StatusOr<v1::ApiKey> Find(const std::string& id) const;

  storage::Store* const store_;
  const TerritoryRegistry* const registry_;
  const Options options_;
  mutable std::shared_mutex mu_;
  std::map<std::string, std::unique_ptr<Entry>> keys_ ABSL_GUARDED_BY(mu_);
};

}  // namespace maillage::core

#endif  // MAILLAGE_CORE_KEY_RING_H_

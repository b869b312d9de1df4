#include "core/key_ring.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "core/errors.h"
#include "core/page_token.h"
#include "core/validation.h"
#include "google/protobuf/util/time_util.h"
#include "territory/level.h"

namespace maillage::core {
namespace {

using google::protobuf::util::TimeUtil;

constexpr std::string_view kApiKeyResource = "api key";
constexpr size_t kLabelMax = 200;
constexpr int kTerritoriesMax = 1000;
// Workspace and partner names: the same bound as the claim rules
// (auth/claim_rules.h) and the certificate mapping, and what the scope
// checks accept for a partner namespace (core/access_scope.h).
constexpr size_t kNameMax = 32;
constexpr int kPageSizeDefault = 100;
constexpr int kPageSizeMax = 1000;
constexpr absl::Duration kGraceMax = absl::Hours(24 * 30);

absl::Time ToAbsl(const google::protobuf::Timestamp& t) {
  return absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(t));
}

google::protobuf::Timestamp ToProto(absl::Time t) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}

// Workspace and partner names: 1 to kNameMax of a-z, 0-9 and '-'.
bool IsName(std::string_view name) {
  if (name.empty() || name.size() > kNameMax) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      return false;
    }
  }
  return true;
}

bool Active(const v1::ApiKey& key, absl::Time now) {
  if (key.has_revoke_time()) return false;
  return !key.has_expire_time() || ToAbsl(key.expire_time()) > now;
}

absl::Status InvalidKey() {
  return absl::UnauthenticatedError(
      "the API key is not valid: unknown, revoked, expired or mistyped");
}

}  // namespace

KeyRing::KeyRing(storage::Store* store, const TerritoryRegistry* registry,
                 Options options)
    : store_(store), registry_(registry), options_(std::move(options)) {}

absl::Status KeyRing::Load() {
  std::map<std::string, std::unique_ptr<Entry>> loaded;
  absl::Status parse_error;
  RETURN_IF_ERROR(store_->Scan(
      storage::Family::kApiKeys, "", "",
      [&](std::string_view key, std::string_view value) {
        auto entry = std::make_unique<Entry>();
        if (!entry->record.ParseFromArray(value.data(),
                                          static_cast<int>(value.size()))) {
          parse_error = absl::DataLossError(absl::StrCat(
              "the API key record ", AsAbsl(key), " does not parse"));
          return false;
        }
        entry->last_use_seconds = entry->record.key().last_use_time().seconds();
        loaded.emplace(std::string(key), std::move(entry));
        return true;
      }));
  RETURN_IF_ERROR(parse_error);
  std::unique_lock lock(mu_);
  keys_ = std::move(loaded);
  return absl::OkStatus();
}

auth::Principal KeyRing::PrincipalOf(const v1::ApiKey& key) {
  auth::Principal p;
  p.id = absl::StrCat("key:", key.id());
  p.display_name = key.label();
  p.role = auth::ParseRole(key.role()).value_or(auth::Role::kReader);
  p.territories.assign(key.territories().begin(), key.territories().end());
  p.all_territories = key.all_territories();
  p.workspace = key.workspace();
  p.partner = key.partner();
  return p;
}

v1::Caller KeyRing::CallerOf(const auth::Principal& principal) {
  v1::Caller caller;
  caller.set_id(principal.id);
  caller.set_display_name(principal.display_name);
  caller.set_role(std::string(auth::RoleName(principal.role)));
  if (principal.all_territories) {
    caller.set_all_territories(true);
  } else {
    for (const std::string& t : principal.territories) {
      caller.add_territories(t);
    }
  }
  caller.set_workspace(principal.workspace);
  caller.set_partner(principal.partner);
  return caller;
}

absl::Status KeyRing::CheckCreate(const v1::CreateApiKeyRequest& request,
                                  v1::ApiKey* key) const {
  FieldViolations violations;
  ValidateText(request.label(), "label", kLabelMax, /*required=*/true,
               /*multiline=*/false, &violations);
  std::optional<auth::Role> role = auth::ParseRole(request.role());
  if (!role) {
    violations.Add("role",
                   "must be one of reader, partner, animator, importer, admin");
  }
  if (request.all_territories() && request.territories_size() > 0) {
    violations.Add("territories", "must be empty when all_territories is set");
  } else if (!request.all_territories() && request.territories_size() == 0) {
    violations.Add("territories",
                   "a key needs territories or all_territories: a key "
                   "without any would see nothing");
  }
  if (role == auth::Role::kAdmin && !request.all_territories()) {
    violations.Add("all_territories", "an admin key covers every territory");
  }
  if (ValidateCount(request.territories_size(), kTerritoriesMax, "territories",
                    &violations)) {
    for (int i = 0; i < request.territories_size(); ++i) {
      const std::string& text = request.territories(i);
      std::string path = absl::StrCat("territories[", i, "]");
      size_t colon = text.find(':');
      territory::Level level =
          colon == std::string::npos
              ? territory::Level::kUnspecified
              : territory::ParseLevel(std::string_view(text).substr(0, colon));
      std::optional<ResolvedTerritory> resolved;
      if (level != territory::Level::kUnspecified) {
        resolved =
            registry_->Resolve(level, std::string_view(text).substr(colon + 1));
      }
      if (!resolved) {
        violations.Add(path, absl::StrCat("unknown territory ", Quote(text),
                                          ": write LEVEL:CODE, e.g. "
                                          "departement:79"));
        continue;
      }
      key->add_territories(absl::StrCat(
          AsAbsl(territory::LevelName(resolved->level)), ":", resolved->code));
    }
  }
  std::string workspace = request.workspace().empty()
                              ? std::string(auth::kDefaultWorkspace)
                              : request.workspace();
  if (!IsName(workspace)) {
    violations.Add("workspace", "must be 1 to 32 of a-z, 0-9 and '-'");
  }
  if (role == auth::Role::kPartner && !IsName(request.partner())) {
    violations.Add("partner",
                   "a partner key names its namespace: 1 to 32 of a-z, 0-9 "
                   "and '-'");
  } else if (role != auth::Role::kPartner && !request.partner().empty()) {
    violations.Add("partner", "only a partner key has a partner namespace");
  }
  if (request.has_expire_time()) {
    ValidateTimestamp(request.expire_time(), "expire_time", &violations);
    if (violations.empty() && ToAbsl(request.expire_time()) <= absl::Now()) {
      violations.Add("expire_time", "must be in the future");
    }
  }
  RETURN_IF_ERROR(violations.ToStatus());
  key->set_label(request.label());
  key->set_role(request.role());
  key->set_all_territories(request.all_territories());
  key->set_workspace(workspace);
  key->set_partner(request.partner());
  if (request.has_expire_time()) {
    *key->mutable_expire_time() = request.expire_time();
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::CreateApiKeyResponse> KeyRing::Create(
    const v1::CreateApiKeyRequest& request, const auth::Principal& caller) {
  v1::ApiKey key;
  RETURN_IF_ERROR(CheckCreate(request, &key));
  key.set_created_by(caller.id);
  return Issue(std::move(key));
}

absl::StatusOr<v1::CreateApiKeyResponse> KeyRing::Issue(v1::ApiKey key) {
  auth::ApiKeyToken token;
  {
    std::shared_lock lock(mu_);
    do {
      token = auth::NewApiKeyToken();
    } while (keys_.count(token.id) > 0);
  }
  key.set_id(token.id);
  *key.mutable_create_time() = ToProto(absl::Now());
  auto entry = std::make_unique<Entry>();
  *entry->record.mutable_key() = key;
  entry->record.set_digest(auth::ApiKeyDigest(options_.digest_secret, token));
  RETURN_IF_ERROR(Persist(entry->record, /*sync=*/true));
  {
    std::unique_lock lock(mu_);
    keys_[token.id] = std::move(entry);
  }
  v1::CreateApiKeyResponse response;
  *response.mutable_key() = std::move(key);
  response.set_secret(token.ToString());
  return response;
}

absl::Status KeyRing::Persist(const storage::ApiKeyRecord& record, bool sync) {
  storage::WriteBatch batch;
  batch.PutMessage(storage::Family::kApiKeys, record.key().id(), record);
  return store_->Write(batch, sync);
}

absl::StatusOr<v1::ListApiKeysResponse> KeyRing::List(
    const v1::ListApiKeysRequest& request, const auth::Principal&) const {
  FieldViolations violations;
  int page_size = ValidatePageSize(request.page_size(), kPageSizeDefault,
                                   kPageSizeMax, "page_size", &violations);
  RETURN_IF_ERROR(violations.ToStatus());
  uint64_t filters = FiltersFingerprint(request);
  ASSIGN_OR_RETURN(std::string after,
                   DecodePageToken(request.page_token(), filters));
  v1::ListApiKeysResponse response;
  std::shared_lock lock(mu_);
  for (auto it = keys_.upper_bound(after); it != keys_.end(); ++it) {
    if (response.keys_size() == page_size) {
      response.set_next_page_token(
          EncodePageToken(filters, response.keys().rbegin()->id()));
      break;
    }
    v1::ApiKey* key = response.add_keys();
    *key = it->second->record.key();
    if (int64_t seconds = it->second->last_use_seconds.load(); seconds > 0) {
      key->mutable_last_use_time()->set_seconds(seconds);
      key->mutable_last_use_time()->set_nanos(0);
    }
  }
  return response;
}

absl::StatusOr<v1::ApiKey> KeyRing::Find(const std::string& id) const {
  std::shared_lock lock(mu_);
  auto it = keys_.find(id);
  if (it == keys_.end()) return NotFound(kApiKeyResource, id);
  return it->second->record.key();
}

absl::StatusOr<v1::ApiKey> KeyRing::Revoke(
    const v1::RevokeApiKeyRequest& request, const auth::Principal&) {
  std::unique_lock lock(mu_);
  auto it = keys_.find(request.id());
  if (it == keys_.end()) return NotFound(kApiKeyResource, request.id());
  storage::ApiKeyRecord record = it->second->record;
  if (!record.key().has_revoke_time()) {
    *record.mutable_key()->mutable_revoke_time() = ToProto(absl::Now());
    RETURN_IF_ERROR(Persist(record, /*sync=*/true));
    it->second->record = record;
  }
  return record.key();
}

absl::StatusOr<v1::CreateApiKeyResponse> KeyRing::Rotate(
    const v1::RotateApiKeyRequest& request, const auth::Principal& caller) {
  absl::Duration grace = absl::Seconds(request.grace().seconds()) +
                         absl::Nanoseconds(request.grace().nanos());
  if (grace < absl::ZeroDuration() || grace > kGraceMax) {
    return InvalidField("grace", "must be between 0 and 30 days");
  }
  ASSIGN_OR_RETURN(v1::ApiKey old, Find(request.id()));
  absl::Time now = absl::Now();
  if (!Active(old, now)) {
    return FailedPrecondition("API_KEY_INACTIVE", request.id(),
                              "a revoked or expired key cannot be rotated; "
                              "create a new one");
  }
  v1::ApiKey replacement = old;
  replacement.clear_create_time();
  replacement.clear_last_use_time();
  replacement.set_created_by(caller.id);
  replacement.set_rotated_from(old.id());
  ASSIGN_OR_RETURN(v1::CreateApiKeyResponse issued,
                   Issue(std::move(replacement)));
  std::unique_lock lock(mu_);
  auto it = keys_.find(old.id());
  storage::ApiKeyRecord record = it->second->record;
  if (grace == absl::ZeroDuration()) {
    *record.mutable_key()->mutable_revoke_time() = ToProto(now);
  } else if (!record.key().has_expire_time() ||
             ToAbsl(record.key().expire_time()) > now + grace) {
    *record.mutable_key()->mutable_expire_time() = ToProto(now + grace);
  }
  RETURN_IF_ERROR(Persist(record, /*sync=*/true));
  it->second->record = record;
  return issued;
}

bool KeyRing::HasActiveAdminKey(absl::Time now) const {
  std::shared_lock lock(mu_);
  for (const auto& [id, entry] : keys_) {
    const v1::ApiKey& key = entry->record.key();
    if (key.role() == auth::RoleName(auth::Role::kAdmin) && Active(key, now)) {
      return true;
    }
  }
  return false;
}

absl::StatusOr<auth::Principal> KeyRing::Authenticate(
    const auth::Credentials& credentials) const {
  std::optional<auth::ApiKeyToken> token =
      auth::ParseApiKeyToken(credentials.bearer);
  if (!token) return InvalidKey();
  std::string digest = auth::ApiKeyDigest(options_.digest_secret, *token);
  absl::Time now = absl::Now();
  std::shared_lock lock(mu_);
  auto it = keys_.find(token->id);
  if (it == keys_.end() ||
      !auth::DigestsEqual(digest, it->second->record.digest()) ||
      !Active(it->second->record.key(), now)) {
    return InvalidKey();
  }
  NoteUse(*it->second, now);
  return PrincipalOf(it->second->record.key());
}

void KeyRing::NoteUse(const Entry& entry, absl::Time now) const {
  int64_t seconds = absl::ToUnixSeconds(now);
  int64_t last = entry.last_use_seconds.load(std::memory_order_relaxed);
  if (seconds - last < absl::ToInt64Seconds(options_.last_use_resolution)) {
    return;
  }
  if (!entry.last_use_seconds.compare_exchange_strong(last, seconds)) return;
  // One caller per resolution gets here. The write is not synced (a lost
  // last-use time is harmless) and its failure (disk full) is ignored.
  storage::ApiKeyRecord record = entry.record;
  record.mutable_key()->mutable_last_use_time()->set_seconds(seconds);
  storage::WriteBatch batch;
  batch.PutMessage(storage::Family::kApiKeys, record.key().id(), record);
  (void)store_->Write(batch, /*sync=*/false);
}

absl::StatusOr<int64_t> KeyRing::EditPersonalData(
    const std::function<bool(v1::ApiKey*)>& edit) {
  std::unique_lock lock(mu_);
  int64_t changed = 0;
  for (auto& [id, entry] : keys_) {
    storage::ApiKeyRecord record = entry->record;
    if (!edit(record.mutable_key())) continue;
    RETURN_IF_ERROR(Persist(record, /*sync=*/true));
    entry->record = std::move(record);
    ++changed;
  }
  return changed;
}

}  // namespace maillage::core

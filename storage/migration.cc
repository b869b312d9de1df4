#include "storage/migration.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/status_macros.h"
#include "maillage/storage/records.pb.h"
#include "storage/keys.h"

namespace maillage::storage {
namespace {

// Records rewritten per WriteBatch: a few MiB at most, so that a chunk costs
// little memory and write-ahead log.
constexpr size_t kChunkRecords = 2000;

// What becomes of one record: its new key and value, or nullopt when it is
// already in the new layout.
struct Moved {
  std::string key;
  std::string value;
};
using Rewrite = std::function<std::optional<Moved>(std::string_view key,
                                                   std::string_view value)>;

// Walks a family in chunks and applies `rewrite` to every record; a record
// whose key changes has its old key deleted in the same batch. Adds the
// number of records rewritten to *moved.
absl::Status MigrateFamily(Store* store, Family family, const Rewrite& rewrite,
                           int64_t* moved) {
  std::string cursor;
  for (;;) {
    struct Change {
      std::string old_key;
      Moved next;
    };
    std::vector<Change> chunk;
    std::string last_seen;
    bool more = false;
    RETURN_IF_ERROR(store->Scan(
        family, cursor, "", [&](std::string_view key, std::string_view value) {
          if (chunk.size() == kChunkRecords) {
            more = true;
            return false;
          }
          last_seen.assign(key.data(), key.size());
          if (auto next = rewrite(key, value)) {
            chunk.push_back({std::string(key), std::move(*next)});
          }
          return true;
        }));
    if (!chunk.empty()) {
      WriteBatch batch;
      for (const Change& c : chunk) {
        if (c.next.key != c.old_key) batch.Delete(family, c.old_key);
        batch.Put(family, c.next.key, c.next.value);
      }
      RETURN_IF_ERROR(store->Write(batch));
      *moved += static_cast<int64_t>(chunk.size());
    }
    if (!more) return absl::OkStatus();
    // The smallest key after the last one seen. Keys written by this chunk
    // that sort after it are met again, and left alone (new layout).
    cursor = last_seen + '\0';
  }
}

size_t Separators(std::string_view key) {
  return static_cast<size_t>(std::count(key.begin(), key.end(), '\0'));
}

// A record keyed "<rest>" with `v1_separators` 0x00 in it moves to
// "default 0x00 <rest>".
Rewrite IntoDefaultWorkspace(size_t v1_separators) {
  return [v1_separators](std::string_view key,
                         std::string_view value) -> std::optional<Moved> {
    if (Separators(key) != v1_separators) return std::nullopt;
    return Moved{keys::InWorkspace(keys::kDefaultWorkspace, key),
                 std::string(value)};
  };
}

std::optional<Moved> ContactsIntoDefault(std::string_view key,
                                         std::string_view value) {
  if (Separators(key) != 0) return std::nullopt;
  return Moved{keys::Contacts(key, keys::kDefaultWorkspace),
               std::string(value)};
}

// A request record "<method> 0x00 <id>" moves to
// "<method> 0x00 default 0x00 <id>".
std::optional<Moved> RequestIntoDefault(std::string_view key,
                                        std::string_view value) {
  if (Separators(key) != 1) return std::nullopt;
  size_t sep = key.find('\0');
  return Moved{keys::Request(key.substr(0, sep),
                             keys::InWorkspace(keys::kDefaultWorkspace,
                                               key.substr(sep + 1))),
               std::string(value)};
}

// An event keeps its key (its sequence) and gains its workspace. One that
// does not parse is left as it is: the event log reports it when read.
std::optional<Moved> EventIntoDefault(std::string_view key,
                                      std::string_view value) {
  EventRecord record;
  if (!record.ParseFromArray(value.data(), static_cast<int>(value.size())) ||
      !record.workspace().empty()) {
    return std::nullopt;
  }
  record.set_workspace(std::string(keys::kDefaultWorkspace));
  return Moved{std::string(key), record.SerializeAsString()};
}

}  // namespace

absl::StatusOr<int64_t> MigrateToWorkspaces(Store* store) {
  int64_t moved = 0;
  // Schema 1 keys: ids and codes alone (no 0x00), by-actor index entries
  // "<actor> 0x00 <id>" (one).
  RETURN_IF_ERROR(MigrateFamily(store, Family::kSuggestions,
                                IntoDefaultWorkspace(0), &moved));
  RETURN_IF_ERROR(MigrateFamily(store, Family::kSuggestionsByActor,
                                IntoDefaultWorkspace(1), &moved));
  RETURN_IF_ERROR(MigrateFamily(store, Family::kPartnerships,
                                IntoDefaultWorkspace(0), &moved));
  RETURN_IF_ERROR(MigrateFamily(store, Family::kPartnershipsByActor,
                                IntoDefaultWorkspace(1), &moved));
  RETURN_IF_ERROR(MigrateFamily(store, Family::kTerritories,
                                IntoDefaultWorkspace(0), &moved));
  RETURN_IF_ERROR(
      MigrateFamily(store, Family::kContacts, ContactsIntoDefault, &moved));
  RETURN_IF_ERROR(
      MigrateFamily(store, Family::kRequests, RequestIntoDefault, &moved));
  RETURN_IF_ERROR(
      MigrateFamily(store, Family::kEvents, EventIntoDefault, &moved));
  return moved;
}

}  // namespace maillage::storage

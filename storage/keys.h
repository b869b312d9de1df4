#ifndef MAILLAGE_STORAGE_KEYS_H_
#define MAILLAGE_STORAGE_KEYS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

// The one place where RocksDB keys are built and parsed.
//
// Layout by column family (see Family in store.h):
//   meta         "schema_version"                      -> decimal integer
//                "events_purged_through"               -> decimal integer: the
//                last event sequence retention deleted (core/event_log.h)
//   actors       <actor id>                            -> maillage.v1.Actor
//   contacts     <actor id> 0x00 <workspace>           -> ContactRecord
//   requests     <method> 0x00 <workspace> 0x00 <request id> -> RequestRecord
//   territories  <workspace> 0x00 <custom zone code>   -> maillage.v1.Territory
//   facts        <fact id>                             -> TerritoryFact
//   facts_by_territory
//                <level byte> <code> 0x00 <fact id>    -> empty
//   suggestions  <workspace> 0x00 <suggestion id>      -> v1.Suggestion
//   suggestions_by_actor / partnerships_by_actor
//                <workspace> 0x00 <actor id> 0x00 <record id> -> empty
//   partnerships <workspace> 0x00 <partnership id>     -> v1.Partnership
//   events       <sequence, 8 bytes big-endian>        -> EventRecord (its
//                workspace inside: the log keeps one global order)
//   api_keys     <key id, 16 hex digits>               -> ApiKeyRecord
//   audit        <unix microseconds, 8 bytes big-endian>
//                <sequence, 8 bytes big-endian>        -> v1.AuditEntry
//                (time order: a period is one range scan, retention one
//                range delete of the oldest keys; the sequence, increasing
//                across restarts, keeps entries of the same microsecond
//                apart)
// Ids, codes and workspace names never contain 0x00 (validation refuses
// control characters; workspaces come from credentials), so 0x00 separators
// keep prefix scans exact and ordering by id.
//
// Workspaces (tenancy): what a team writes (suggestions, partnerships, their
// events, contact persons, custom zones) lives under its workspace's name, so
// that one workspace's records are one range and another workspace's key
// can never be formed from a request field. Contacts are keyed by actor
// first so that erasing an actor's personal data stays one range across
// every workspace. Schema 1 had the same layout without workspaces; Store::
// Open moves such records into kDefaultWorkspace (storage/migration.h).
namespace maillage::storage::keys {

inline constexpr std::string_view kSchemaVersion = "schema_version";
inline constexpr std::string_view kEventsPurgedThrough =
    "events_purged_through";

inline std::string Actor(std::string_view id) { return std::string(id); }

// The workspace of records written before workspaces existed (schema 1);
// the same name as auth::kDefaultWorkspace.
inline constexpr std::string_view kDefaultWorkspace = "default";

// "<workspace> 0x00 <rest>": a record of a workspace, and the prefix of all
// of them.
std::string InWorkspace(std::string_view workspace, std::string_view rest);
std::string WorkspacePrefix(std::string_view workspace);
// The workspace and the rest of an InWorkspace key; nullopt when there is no
// separator.
struct WorkspaceKey {
  std::string_view workspace;
  std::string_view rest;
};
std::optional<WorkspaceKey> SplitWorkspace(std::string_view key);

// Contact persons of an actor kept by one workspace, and the prefix of the
// actor's contacts in every workspace.
std::string Contacts(std::string_view actor_id, std::string_view workspace);
std::string ContactsPrefix(std::string_view actor_id);

std::string Request(std::string_view method, std::string_view request_id);

// Key of a fact in the per-territory index, and the prefix of every fact of a
// territory.
std::string FactByTerritory(uint8_t level, std::string_view code,
                            std::string_view fact_id);
std::string FactByTerritoryPrefix(uint8_t level, std::string_view code);
// The fact id at the end of a FactByTerritory key, or nullopt if malformed.
std::optional<std::string_view> FactIdFromTerritoryKey(std::string_view key);

// Secondary index entry "<actor id> 0x00 <record id>" and its prefix
// (stored inside a workspace: InWorkspace(workspace, ByActor(...))).
std::string ByActor(std::string_view actor_id, std::string_view record_id);
std::string ByActorPrefix(std::string_view actor_id);
// The record id at the end of a ByActor key, or nullopt if malformed.
std::optional<std::string_view> RecordIdFromActorKey(std::string_view key);

// Event log keys: big-endian so that byte order is sequence order.
std::string Event(uint64_t sequence);
std::optional<uint64_t> EventSequence(std::string_view key);

// Audit trail keys (see the layout above). AuditPrefix(micros) sorts before
// every entry of that microsecond and after every earlier one: the bound of
// a period's range.
std::string Audit(int64_t unix_micros, uint64_t sequence);
std::string AuditPrefix(int64_t unix_micros);
// The time and sequence of an audit key, or nullopt if malformed.
std::optional<std::pair<int64_t, uint64_t>> AuditTimeAndSequence(
    std::string_view key);

// The smallest key strictly greater than every key starting with `prefix`
// (for iterate_upper_bound); empty when there is none (prefix all 0xFF).
std::string PrefixSuccessor(std::string_view prefix);

}  // namespace maillage::storage::keys

#endif  // MAILLAGE_STORAGE_KEYS_H_

#include "storage/keys.h"

#include <algorithm>
#include <cstdint>

namespace maillage::storage::keys {

std::string Request(std::string_view method, std::string_view request_id) {
  std::string key;
  key.reserve(method.size() + 1 + request_id.size());
  key.append(method);
  key.push_back('\0');
  key.append(request_id);
  return key;
}

std::string WorkspacePrefix(std::string_view workspace) {
  std::string key;
  key.reserve(workspace.size() + 1);
  key.append(workspace);
  key.push_back('\0');
  return key;
}

std::string InWorkspace(std::string_view workspace, std::string_view rest) {
  std::string key = WorkspacePrefix(workspace);
  key.append(rest);
  return key;
}

std::optional<WorkspaceKey> SplitWorkspace(std::string_view key) {
  size_t sep = key.find('\0');
  if (sep == std::string_view::npos) return std::nullopt;
  return WorkspaceKey{key.substr(0, sep), key.substr(sep + 1)};
}

std::string ContactsPrefix(std::string_view actor_id) {
  std::string key(actor_id);
  key.push_back('\0');
  return key;
}

std::string Contacts(std::string_view actor_id, std::string_view workspace) {
  std::string key = ContactsPrefix(actor_id);
  key.append(workspace);
  return key;
}

std::string FactByTerritoryPrefix(uint8_t level, std::string_view code) {
  std::string key;
  key.reserve(2 + code.size());
  key.push_back(static_cast<char>(level));
  key.append(code);
  key.push_back('\0');
  return key;
}

std::string FactByTerritory(uint8_t level, std::string_view code,
                            std::string_view fact_id) {
  std::string key = FactByTerritoryPrefix(level, code);
  key.append(fact_id);
  return key;
}

std::optional<std::string_view> FactIdFromTerritoryKey(std::string_view key) {
  if (key.empty()) return std::nullopt;
  size_t sep = key.find('\0', 1);
  if (sep == std::string_view::npos) return std::nullopt;
  return key.substr(sep + 1);
}

std::string ByActorPrefix(std::string_view actor_id) {
  std::string key(actor_id);
  key.push_back('\0');
  return key;
}

std::string ByActor(std::string_view actor_id, std::string_view record_id) {
  std::string key = ByActorPrefix(actor_id);
  key.append(record_id);
  return key;
}

std::optional<std::string_view> RecordIdFromActorKey(std::string_view key) {
  size_t sep = key.find('\0');
  if (sep == std::string_view::npos) return std::nullopt;
  return key.substr(sep + 1);
}

std::string Event(uint64_t sequence) {
  std::string key(8, '\0');
  for (int i = 7; i >= 0; --i) {
    key[static_cast<size_t>(i)] = static_cast<char>(sequence & 0xFF);
    sequence >>= 8;
  }
  return key;
}

std::optional<uint64_t> EventSequence(std::string_view key) {
  if (key.size() != 8) return std::nullopt;
  uint64_t sequence = 0;
  for (char c : key) sequence = (sequence << 8) | static_cast<unsigned char>(c);
  return sequence;
}

std::string AuditPrefix(int64_t unix_micros) {
  // Times before 1970 (never recorded) sort with 1970.
  return Event(static_cast<uint64_t>(std::max<int64_t>(unix_micros, 0)));
}

std::string Audit(int64_t unix_micros, uint64_t sequence) {
  return AuditPrefix(unix_micros) + Event(sequence);
}

std::optional<std::pair<int64_t, uint64_t>> AuditTimeAndSequence(
    std::string_view key) {
  if (key.size() != 16) return std::nullopt;
  auto micros = EventSequence(key.substr(0, 8));
  auto sequence = EventSequence(key.substr(8));
  if (*micros > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  return std::make_pair(static_cast<int64_t>(*micros), *sequence);
}

std::string PrefixSuccessor(std::string_view prefix) {
  std::string s(prefix);
  while (!s.empty()) {
    unsigned char last = static_cast<unsigned char>(s.back());
    if (last != 0xFF) {
      s.back() = static_cast<char>(last + 1);
      return s;
    }
    s.pop_back();
  }
  return s;
}

}  // namespace maillage::storage::keys

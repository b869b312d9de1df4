#include "tools/loadgen/actor_state.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace maillage::loadgen {

uint64_t StableHash(std::string_view bytes) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  return hash;
}

v1::Actor WithoutBookkeeping(v1::Actor actor) {
  actor.clear_create_time();
  actor.clear_update_time();
  actor.clear_etag();
  return actor;
}

std::string ActorState(const v1::Actor& actor) {
  // Actor has no map field: its serialization is deterministic, field by
  // field in number order, in this process and in the server's.
  v1::Actor record = WithoutBookkeeping(actor);
  // The server's validation gives every stored actor a legal_ids message,
  // empty when it has no legal id: the same content as none.
  if (record.has_legal_ids() && record.legal_ids().ByteSizeLong() == 0) {
    record.clear_legal_ids();
  }
  std::string contacts;
  for (const v1::Contact& c : record.contacts()) {
    std::string one = c.SerializeAsString();
    absl::StrAppend(&contacts, one.size(), ":", one);
  }
  record.clear_contacts();
  return absl::StrCat(
      "r", absl::Hex(StableHash(record.SerializeAsString()), absl::kZeroPad16),
      "c", absl::Hex(StableHash(contacts), absl::kZeroPad16));
}

std::string ActorState(const std::optional<v1::Actor>& actor) {
  return actor.has_value() ? ActorState(*actor) : std::string(kAbsent);
}

namespace {

bool IsActorState(std::string_view state) {
  return state.size() == 34 && state[0] == 'r' && state[17] == 'c';
}

}  // namespace

std::string_view RecordPart(std::string_view state) {
  return IsActorState(state) ? state.substr(1, 16) : std::string_view();
}

std::string_view ContactsPart(std::string_view state) {
  return IsActorState(state) ? state.substr(18, 16) : std::string_view();
}

}  // namespace maillage::loadgen

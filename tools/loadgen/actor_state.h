#ifndef MAILLAGE_TOOLS_LOADGEN_ACTOR_STATE_H_
#define MAILLAGE_TOOLS_LOADGEN_ACTOR_STATE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "maillage/v1/actor.pb.h"

namespace maillage::loadgen {

// The journal's word for "no such actor" (and "no such suggestion").
inline constexpr std::string_view kAbsent = "absent";

// A hash that is the same in every process and on every run (FNV-1a, 64
// bits), unlike absl::Hash: journal states are compared across processes.
uint64_t StableHash(std::string_view bytes);

// The state of an actor as the journal records it: "r<16 hex>c<16 hex>",
// stable hashes of its record (every field but the contacts and the
// bookkeeping: create and update times, etag) and of its contacts. The
// server keeps the two parts in two column families written in one batch;
// a record from one write with the contacts of another shows as a state
// whose parts come from two different writes. An empty legal_ids message
// counts as none.
std::string ActorState(const v1::Actor& actor);
// kAbsent for nullopt.
std::string ActorState(const std::optional<v1::Actor>& actor);

// The record and contacts parts of a state made by ActorState; empty for
// anything else (kAbsent included).
std::string_view RecordPart(std::string_view state);
std::string_view ContactsPart(std::string_view state);

// `actor` without its bookkeeping (create and update times, etag): what a
// client model holds and compares.
v1::Actor WithoutBookkeeping(v1::Actor actor);

}  // namespace maillage::loadgen

#endif  // MAILLAGE_TOOLS_LOADGEN_ACTOR_STATE_H_

#ifndef MAILLAGE_STORAGE_MIGRATION_H_
#define MAILLAGE_STORAGE_MIGRATION_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "storage/store.h"

namespace maillage::storage {

// Schema 1 -> 2: workspaces. Every workspace-owned record of a schema-1
// store (suggestions and their by-actor index, partnerships and theirs,
// events, contact persons, custom zones, the answers kept for retries) moves
// into keys::kDefaultWorkspace,
// as keys.h lays them out. Returns how many records moved.
//
// Resumable, never losing nor duplicating a record: each bounded chunk
// writes a record's new key and deletes its old one in the same WriteBatch,
// and the old and new layouts tell apart by their shape (one 0x00 separator
// more in the new keys; events carry their workspace), so a run interrupted
// by a crash resumes where it stopped when the store is opened again. The
// caller records the new schema version once this returns OK; until then
// the store still reads as schema 1. Chunks rather than one batch: a store
// may hold millions of events, and one batch would need them all in memory
// and in the write-ahead log at once.
absl::StatusOr<int64_t> MigrateToWorkspaces(Store* store);

}  // namespace maillage::storage

#endif  // MAILLAGE_STORAGE_MIGRATION_H_

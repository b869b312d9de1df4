#ifndef MAILLAGE_CORE_PRIVACY_H_
#define MAILLAGE_CORE_PRIVACY_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "auth/principal.h"
#include "core/actor_directory.h"
#include "core/audit_log.h"
#include "core/key_ring.h"
#include "core/lifecycle.h"
#include "core/personal_data.h"
#include "core/territory_registry.h"
#include "maillage/v1/privacy.pb.h"
#include "storage/store.h"
#include "territory/geography.h"

namespace maillage::core {

// The rights of data subjects (maillage.v1.PrivacyService): subject access
// and erasure across every workspace, and the physical erasure of deleted
// contact persons.
//
// Both walk every record that can hold personal data with the inventory
// (core/personal_data.h): contact persons, actor profiles' free text,
// suggestions and their history, partnerships, the event log, custom zones,
// facts, API keys, the audit trail, and the request log (idempotency
// answers, matched on their raw bytes; an answer mentioning the person is
// deleted, so a retry of that call after an erasure runs anew).
//
// Erasure then makes the removal physical (storage::Store::ErasePhysically):
// afterwards the erased values are in no live file of the data folder.
// Records are edited under the locks their owners use, so a concurrent
// write is never overwritten with stale data; a write made during the
// erasure that brings the person's data back is a new write, not erased.
//
// Deleted contact persons (DeleteActor, contacts replaced) are made
// physically absent by a background task within
// Options::contacts_purge_interval.
//
// Thread-safe.
class Privacy {
 public:
  struct Options {
    // At most this many items in a subject access answer (the rest is
    // counted in items_left_out).
    int items_max = 10000;
    // How often the background task checks for deleted contact persons and
    // makes their deletion physical. Zero: never (tests).
    absl::Duration contacts_purge_interval = absl::Minutes(10);
  };

  struct Parts {
    storage::Store* store;
    const territory::Geography* geography;
    TerritoryRegistry* registry;
    ActorDirectory* actors;
    Lifecycle* lifecycle;
    KeyRing* keys;
    AuditLog* audit;
  };

  // `pseudonym_secret` keys the pseudonyms (the server's key-digest secret:
  // stable across restarts, never shown).
  Privacy(Parts parts, std::string pseudonym_secret, Options options);
  // Stops the background task.
  ~Privacy();
  Privacy(const Privacy&) = delete;
  Privacy& operator=(const Privacy&) = delete;

  absl::StatusOr<v1::PersonalDataExport> Export(
      const v1::ExportPersonalDataRequest& request,
      const auth::Principal& caller);
  absl::StatusOr<v1::ErasePersonalDataResponse> Erase(
      const v1::ErasePersonalDataRequest& request,
      const auth::Principal& caller);

  // The subject's stable pseudonym: auth::Pseudonym of its identifiers
  // ("pseudonym:" and 32 hexadecimal digits), the same scheme retention
  // uses for principal ids.
  std::string PseudonymOf(const DataSubject& subject) const;

  // Called by every erasure that changed something (not validate_only),
  // with its subject, before the physical part; an error fails the
  // erasure's call (the logical part stays done; a retry is harmless). The
  // backups' erasure journal (core/backups.h). Set before serving.
  using ErasureListener = std::function<absl::Status(const v1::DataSubject&)>;
  void SetErasureListener(ErasureListener listener) {
    erasure_listener_ = std::move(listener);
  }

  // Makes deleted contact persons physically absent now (what the
  // background task does); OK when nothing was deleted since the last time.
  absl::Status PurgeDeletedContacts();

 private:
  class Sweep;

  // Finds the principals that are the subject: keys whose label mentions
  // it, principals whose recorded display name does.
  absl::Status FindPrincipals(DataSubject* subject) const;
  // Walks every family; `sweep` collects (export) or edits (erase).
  absl::Status Walk(Sweep* sweep);
  absl::Status WalkContactsAndActors(Sweep* sweep);
  absl::Status WalkLifecycle(Sweep* sweep);
  absl::Status WalkEvents(Sweep* sweep);
  absl::Status WalkZonesAndFacts(Sweep* sweep);
  absl::Status WalkKeys(Sweep* sweep);
  absl::Status WalkAudit(Sweep* sweep);
  absl::Status WalkRequests(Sweep* sweep);
  void PurgeLoop();
  // The sweep's quick test of stored bytes, for the walkers' scans.
  static std::function<bool(std::string_view)> MayConcern(const Sweep* sweep);

  const Parts parts_;
  const std::string secret_;
  const Options options_;

  std::mutex erase_mu_;  // one erasure at a time
  ErasureListener erasure_listener_;

  std::mutex purge_mu_;
  std::condition_variable purge_cv_;
  bool stopping_ = false;         // guarded by purge_mu_
  uint64_t purged_removals_ = 0;  // guarded by purge_mu_
  std::thread purger_;
};

}  // namespace maillage::core

#endif  // MAILLAGE_CORE_PRIVACY_H_

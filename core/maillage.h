#ifndef MAILLAGE_CORE_MAILLAGE_H_
#define MAILLAGE_CORE_MAILLAGE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "core/actor_directory.h"
#include "core/audit_log.h"
#include "core/backups.h"
#include "core/event_log.h"
#include "core/key_ring.h"
#include "core/lifecycle.h"
#include "core/matchmaker.h"
#include "core/privacy.h"
#include "core/retention.h"
#include "core/territory_book.h"
#include "core/territory_registry.h"
#include "core/weight_book.h"
#include "matcher/vocabulary.h"
#include "storage/store.h"
#include "territory/geography.h"

namespace maillage::core {

// The application: the store, the reference data and the components that
// implement the API, wired once. services/ adapts it to gRPC; the CLI and
// the tests can drive it in-process.
//
// Thread-safe (each component is). Destroying it closes the store.
class Maillage {
 public:
  struct Options {
    // RocksDB folder, created when missing.
    std::string data_dir = "maillage-data";
    // Folder with geo/ and vocab/ (the shipped reference data).
    std::string reference_dir;
    // See storage::Store::Options::sync_writes.
    bool sync_writes = true;
    // Free disk space writes never eat into; see
    // storage::Store::Options::min_free_disk_bytes.
    uint64_t min_free_disk_bytes = uint64_t{512} << 20;
    // storage::Store::Options::background_write_bytes_per_second.
    uint64_t background_write_bytes_per_second = 0;
    int default_capacity = 3;
    // Nice value of the threads that prepare imports (services' import
    // pool) and commit them (+N runs them after the queries when the CPU is
    // short). The commit thread holds the index's write lock for a slice
    // of rows at a time: it is niced only where those slices can run at
    // real-time priority (ActorDirectory::Options::commit_nice).
    int import_nice = 19;
    // Default weights of the matching engine's factors.
    matcher::Weights match_weights;
    // How often each workspace's weights are learned again from its
    // outcomes when they grew (WeightBook); 0: only on LearnMatchWeights.
    absl::Duration weights_relearn_interval = absl::Minutes(10);
    // See WeightBook::Options::relearn_min_growth.
    double weights_relearn_min_growth = 0.05;
    // See WeightBook::Options::background_share.
    double weights_background_share = 0.1;
    // How long a dismissed or declined pair is not proposed again.
    absl::Duration cooling_period = absl::Hours(24 * 90);
    // See Matchmaker::Options::max_pairs_per_request.
    int64_t max_pairs_per_request = 300000;
    // The secret API key digests are keyed with (auth::ApiKeyDigest),
    // created at first start. Empty: "api-key-digest.secret" in data_dir.
    // Keep it with the store: without it no API key verifies.
    std::string key_digest_secret_file;
    // How long the audit trail keeps an entry (AuditLog::Options).
    absl::Duration audit_retention = absl::Hours(24 * 365);
    // See Privacy::Options::contacts_purge_interval.
    absl::Duration contacts_purge_interval = absl::Minutes(10);
    // The other retention periods and the sweeper's pace
    // (core/retention.h); the sweeper starts when the store is open.
    Retention::Options retention;
    // Told what retention purged (the server's metrics). Not owned; may be
    // null; must outlive the Maillage.
    RetentionReporter* retention_reporter = nullptr;
    // Backups (core/backups.h): the folder (empty: off), retention and
    // period. Its data_dir and secret_file are filled in by Open.
    Backups::Options backups;
    // Erasures to make again once the store is open and before it serves:
    // those a restore found in the erasure journal (Backups::Restore).
    std::vector<v1::DataSubject> erasures_to_reapply;
    // How the store reads its free space (see storage::Store::Options);
    // empty: statvfs. Tests give their own to simulate a full disk.
    storage::DiskSpaceGuard::Probe disk_probe;
    // Told how long each phase of Open took, in order: "reference_data",
    // "store_open", "actor_index" (zones, actors, fragilities),
    // "lifecycle" (events, suggestions, partnerships), "keys_and_audit".
    // May be empty.
    std::function<void(std::string_view phase, absl::Duration duration)>
        startup_phase;
  };

  // Loads the reference data, opens the store, loads custom zones and
  // rebuilds the in-memory indexes. Errors name the file or folder at fault.
  static absl::StatusOr<std::unique_ptr<Maillage>> Open(const Options& options);

  ActorDirectory& actors() { return *actors_; }
  TerritoryBook& territories() { return *territory_book_; }
  Matchmaker& matching() { return *matchmaker_; }
  WeightBook& weights() { return *weight_book_; }
  Lifecycle& lifecycle() { return *lifecycle_; }
  EventLog& events() { return *events_; }
  const TerritoryRegistry& registry() const { return *registry_; }
  const territory::Geography& geography() const { return *geography_; }
  const matcher::Vocabulary& vocabulary() const { return *vocabulary_; }
  storage::Store& store() { return *store_; }
  KeyRing& keys() { return *keys_; }
  AuditLog& audit() { return *audit_; }
  Privacy& privacy() { return *privacy_; }
  Retention& retention() { return *retention_; }
  Backups& backups() { return *backups_; }

  // Where the API key digest secret of `options` is kept: its
  // key_digest_secret_file, or api-key-digest.secret in the data folder.
  static std::string DigestSecretFile(const Options& options);

  // One line for the start-up log: store, actors, geography.
  std::string Describe() const;

  // The pseudonym of a principal id (auth/pseudonym.h), keyed with the
  // store's secret as erasure and retention key theirs: what the request log
  // says instead of the id (docs/PRIVACY.md).
  std::string PrincipalPseudonym(std::string_view principal_id) const;

 private:
  // Open's steps, in order; each builds the parts the next ones use.
  absl::Status LoadReferenceData(const Options& options);
  absl::Status OpenStore(const Options& options);
  absl::Status LoadActors(const Options& options);     // and custom zones
  absl::Status LoadLifecycle(const Options& options);  // and the weight book
  void StartMatching(const Options& options);
  absl::Status OpenKeysAuditAndPrivacy(const Options& options);  // backups too

  Maillage() = default;

  std::string pseudonym_secret_;
  std::unique_ptr<territory::Geography> geography_;
  std::unique_ptr<matcher::Vocabulary> vocabulary_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<TerritoryRegistry> registry_;
  std::unique_ptr<ActorDirectory> actors_;
  std::unique_ptr<TerritoryBook> territory_book_;
  std::unique_ptr<EventLog> events_;
  std::unique_ptr<Lifecycle> lifecycle_;
  // Destroyed before the lifecycle and the directory its task reads.
  std::unique_ptr<WeightBook> weight_book_;
  std::unique_ptr<Matchmaker> matchmaker_;
  std::unique_ptr<KeyRing> keys_;
  // Destroyed before everything it reads and writes.
  std::unique_ptr<AuditLog> audit_;
  // Destroyed before the audit log: its background task uses every other
  // part.
  std::unique_ptr<Privacy> privacy_;
  // Its periodic backups stop before the store closes.
  std::unique_ptr<Backups> backups_;
  // Last, destroyed first: its thread stops before anything it works on
  // goes away.
  std::unique_ptr<Retention> retention_;
};

}  // namespace maillage::core

#endif  // MAILLAGE_CORE_MAILLAGE_H_

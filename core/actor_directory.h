#ifndef MAILLAGE_CORE_ACTOR_DIRECTORY_H_
#define MAILLAGE_CORE_ACTOR_DIRECTORY_H_

#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "auth/principal.h"
#include "base/etag.h"
#include "core/access_scope.h"
#include "core/id_locks.h"
#include "core/request_log.h"
#include "core/territory_registry.h"
#include "core/validation.h"
#include "maillage/storage/records.pb.h"
#include "maillage/v1/actor.pb.h"
#include "matcher/actor_index.h"
#include "matcher/context.h"
#include "matcher/vocabulary.h"
#include "storage/store.h"

namespace maillage::core {

// The directory of actors: the application logic behind ActorService.
//
// Records live in the store (the only source of truth). The lookups by kind,
// territory, theme and resource are answered by an in-memory
// matcher::ActorIndex that is rebuilt from the records when the directory
// opens and updated after every committed write, so the two can never
// disagree, even after a crash: there is no persisted index to repair. The
// matching engine reads the same index.
//
// A write is acknowledged (the call returns) only after its WriteBatch is
// durable (see storage::Store) and the index shows it, so the next query of
// any client sees it.
//
// Thread-safe. Writes to the same actor are serialised by per-id locks
// (IdLocks; an import batch keeps its ids locked from its validation to its
// commit); the index is behind a reader/writer lock held only for in-memory
// work.
class ActorDirectory {
 public:
  // An import batch validated and diffed against the stored records, ready
  // to be committed (see PrepareImport). Its ids stay locked until then.
  struct PreparedImport {
    v1::ImportActorsResponse response;
    storage::WriteBatch writes;
    std::vector<matcher::ActorProfile> profiles;
    IdLocks::Held held;
    bool dry_run = false;
  };
  using ImportDone =
      std::function<void(absl::StatusOr<v1::ImportActorsResponse>)>;

  struct Options {
    // Capacity of an actor that does not state one.
    int default_capacity = 3;
    // Nice value of the thread that commits imports (CommitImportAsync).
    // Applied only where the process may run the commit's index-lock
    // sections at real-time priority (base::UnpreemptedSection): a niced
    // thread preempted while holding the lock would make queries wait.
    int commit_nice = 0;
  };

  ActorDirectory(storage::Store* store, const TerritoryRegistry* territories,
                 const matcher::Vocabulary* vocabulary, Options options);
  // Commits the batches still queued (see CommitImportAsync) first.
  ~ActorDirectory();
  ActorDirectory(const ActorDirectory&) = delete;
  ActorDirectory& operator=(const ActorDirectory&) = delete;

  // Contact persons (personal data) belong to the workspace that wrote them
  // (core/workspace.h): reads with ACTOR_VIEW_FULL return those of the
  // caller's workspace, and none to a caller that may not see contacts
  // (readers, partners: not an error, the public profile alone); writes
  // that carry contacts replace the caller's workspace's only; Delete
  // erases the actor's contacts in every workspace.

  // Scans every stored actor into the index. Call once, before serving.
  absl::Status LoadIndex();

  absl::StatusOr<v1::Actor> Create(const v1::CreateActorRequest& request,
                                   const auth::Principal& caller);
  absl::StatusOr<v1::Actor> Get(const v1::GetActorRequest& request,
                                const auth::Principal& caller) const;
  absl::StatusOr<v1::Actor> Update(const v1::UpdateActorRequest& request,
                                   const auth::Principal& caller);
  absl::Status Delete(const v1::DeleteActorRequest& request,
                      const auth::Principal& caller);
  absl::StatusOr<v1::ListActorsResponse> List(
      const v1::ListActorsRequest& request,
      const auth::Principal& caller) const;
  absl::StatusOr<v1::BatchGetActorsResponse> BatchGet(
      const v1::BatchGetActorsRequest& request,
      const auth::Principal& caller) const;
  // The vocabularies themes, needs and offers are written in.
  absl::StatusOr<v1::ListThemesResponse> ListThemes(
      const v1::ListThemesRequest& request,
      const auth::Principal& caller) const;
  absl::StatusOr<v1::ListResourcesResponse> ListResources(
      const v1::ListResourcesRequest& request,
      const auth::Principal& caller) const;

  // Applies one batch of an import (upsert by id, see ImportActors in the
  // API). Bad rows are reported in the response, never fail the batch; an
  // error status means a store failure, and then nothing of the batch was
  // written. Batches touching the same ids are serialised. The rows are
  // moved out of `batch` (it is consumed).
  absl::StatusOr<v1::ImportActorsResponse> ImportBatch(
      v1::ImportActorsRequest* batch, const auth::Principal& caller);

  // ImportBatch in two halves, so that a stream validates its next batch
  // while the previous one is being written and indexed.
  //
  // PrepareImport validates the rows, diffs them against the stored records
  // and builds the writes and the index profiles. It locks the batch's ids
  // until the batch is committed: a later batch (of any stream) touching
  // one of them waits for that commit, so it diffs against a state that
  // includes it. The rows are moved out of `batch`, and the result does not
  // refer to it (it may be freed at once).
  absl::StatusOr<std::unique_ptr<PreparedImport>> PrepareImport(
      v1::ImportActorsRequest* batch, const auth::Principal& caller);
  // Writes a prepared batch (durably, as every write), updates the index,
  // unlocks its ids, then gives the batch's answer (or the store error,
  // and then nothing of the batch was written). Commit blocks;
  // CommitImportAsync queues the batch for the directory's commit thread
  // and calls `done` there (keep it short). Queued batches are committed in
  // the order they were queued.
  absl::StatusOr<v1::ImportActorsResponse> CommitImport(
      std::unique_ptr<PreparedImport> prepared);
  void CommitImportAsync(std::unique_ptr<PreparedImport> prepared,
                         ImportDone done);

  // The territories `caller` may see and write (core/access_scope.h),
  // cached. Every call of the directory applies it; the other components
  // ask here so that one cache serves them all.
  std::shared_ptr<const AccessScope> ScopeOf(
      const auth::Principal& caller) const {
    return scopes_.For(caller);
  }

  // Whether every actor of `ids` is in `scope`, as the index knows it. For
  // a scope that is not all(), an id no longer in the directory counts as
  // outside: what names it stays hidden rather than risk a leak.
  bool AllInScope(const AccessScope& scope,
                  const std::vector<std::string_view>& ids) const;

  // Runs `read` with the index under the read lock. Keep it short and never
  // call back into the directory from it.
  void ReadIndex(
      const std::function<void(const matcher::ActorIndex&)>& read) const;

  // Runs `read` with the index and the matching context under the read lock.
  void ReadMatching(
      const std::function<void(const matcher::ActorIndex&,
                               const matcher::MatchContext&)>& read) const;
  // The same with `workspace`'s cooperation signals (empty when it has
  // none): what its queries' similar success is computed from.
  void ReadMatching(
      std::string_view workspace,
      const std::function<
          void(const matcher::ActorIndex&, const matcher::MatchContext&,
               const matcher::CooperationSignals&)>& read) const;

  // A partnership as the engine needs it.
  struct PartnershipLink {
    std::string a;
    std::string b;
    matcher::Category category = matcher::Category::kUnspecified;
    bool active = true;
  };
  // Replaces the engine's partnership registry. An actor's remaining
  // capacity becomes its declared capacity minus its active partnerships.
  void SetPartnerships(const std::vector<PartnershipLink>& links);

  // What the suggestion lifecycle teaches the engine: how often each actor
  // answered when contacted through a suggestion, and which pairs went well
  // (a meeting rated "cooperation possible", or a partnership formed).
  struct Feedback {
    struct Responsiveness {
      uint16_t answered = 0;
      uint16_t no_answers = 0;
    };
    absl::flat_hash_map<std::string, Responsiveness> responsiveness;
    std::vector<std::pair<std::string, std::string>> successes;
  };
  // Replaces the feedback the engine knows.
  void SetFeedback(const Feedback& feedback);
  // Replaces one actor's responsiveness (0 and 0: none).
  void SetResponsiveness(const std::string& id, Feedback::Responsiveness r);

  // Each workspace's cooperation signals: pairs of actor ids that went well
  // (core/lifecycle.h), the most recent last. They name pairs, so each
  // workspace's queries read their own only (ReadMatching(workspace, …)).
  using Cooperations =
      absl::flat_hash_map<std::string,
                          std::vector<std::pair<std::string, std::string>>>;
  // Replaces every workspace's signals.
  void SetCooperations(const Cooperations& by_workspace);
  // Replaces one workspace's signals.
  void SetCooperations(
      std::string_view workspace,
      const std::vector<std::pair<std::string, std::string>>& pairs);
  // Adds pairs to a workspace's signals, as its most recent.
  void AddCooperations(
      std::string_view workspace,
      const std::vector<std::pair<std::string, std::string>>& pairs);

  // Active partnership links with at least one end at home in `scope`.
  int CountActivePartnershipLinks(const matcher::Scope& scope) const;

  // Replaces the fragilities the matching engine knows.
  void SetFragilities(const std::vector<matcher::Fragility>& fragilities);

  // The stored status of an actor (for errors that say why it is not
  // proposed); NOT_FOUND when absent.
  absl::StatusOr<v1::ActorStatus> StoredStatus(std::string_view id) const;

  // The engine's view of a stored actor.
  matcher::ActorProfile ToProfile(const v1::Actor& actor) const;

  // Personal data erasure (core/privacy.h): under the actor's lock, hands
  // `edit` the stored actor (null when absent) and its contact persons by
  // workspace; writes back what `edit` says it changed (the actor with a
  // new update time and etag) in one batch. Returns whether it wrote.
  using PersonalDataEdit = std::function<bool(
      v1::Actor* actor,
      std::map<std::string, storage::ContactRecord>* contacts_by_workspace)>;
  absl::StatusOr<bool> EditPersonalData(std::string_view actor_id,
                                        const PersonalDataEdit& edit);

  // Counts deletions and replacements of contact persons (deleted actors
  // included): what the physical erasure task (core/privacy.h) watches to
  // know that the contacts family holds deleted values.
  uint64_t contacts_removals() const {
    return contacts_removals_.load(std::memory_order_relaxed);
  }

  size_t size() const;

  // What the server's metrics report of the directory: live actors by kind
  // (indexed by matcher::Kind), available for matching or not (opted out
  // or dissolved). O(1), under the index's read lock.
  std::array<matcher::ActorIndex::KindCount, matcher::kKindCount> CountByKind()
      const;
  // Heap bytes of the in-memory index (matcher::ActorIndex::
  // ApproximateMemoryUsage): linear in the actors, under the read lock.
  size_t IndexMemoryBytes() const;

 private:
  // Reads the stored actor (without contacts); nullopt when absent.
  absl::StatusOr<std::optional<v1::Actor>> Read(std::string_view id) const;
  // Adds the contact persons the caller's workspace keeps for the actor;
  // none for a caller that may not see contacts (MaySeeContacts).
  absl::Status AttachContacts(v1::Actor* actor,
                              const auth::Principal& caller) const;
  // Validates and normalises the actor of a request (field paths "actor.…");
  // custom zones resolve in the caller's workspace.
  absl::Status Check(v1::Actor* actor, ActorIdRule id_rule,
                     const auth::Principal& caller) const;
  // Stamps times and etag, writes actor (+ the contacts of the caller's
  // workspace) and the request record, then updates the index.
  absl::Status Commit(const v1::Actor& actor, bool contacts_changed,
                      const auth::Principal& caller, std::string_view method,
                      std::string_view request_id, uint64_t fingerprint,
                      bool record_answer);
  // A recorded answer handed back to a retry: the request log keeps actors
  // without their contacts, so the caller's workspace's current ones are
  // read again (none once the actor or its contacts are erased).
  absl::StatusOr<v1::Actor> Replay(v1::Actor answer,
                                   const auth::Principal& caller) const;
  void NoteContactsRemoved() {
    contacts_removals_.fetch_add(1, std::memory_order_relaxed);
  }
  std::string NewId() const;
  // The id of an actor created without one: NewId, or for a partner a key
  // of its own namespace ("ext:<partner>:<NewId's key>").
  std::string NewIdFor(const auth::Principal& caller) const;
  // What a caller's List reads: the actors in its scope, less, for a
  // partner platform, the organisations that opted out (core/objection.h).
  struct Readable {
    const AccessScope& scope;
    bool opted_out;  // whether it reads organisations that opted out
    bool Covers(const v1::Actor& actor) const {
      return scope.CoversRecord(actor) &&
             (opted_out || actor.status() != v1::ACTOR_STATUS_OPTED_OUT);
    }
  };
  // List's request read into the index's filter and *page_size
  // (INVALID_ARGUMENT naming each bad field).
  absl::StatusOr<matcher::ActorFilter> ReadListRequest(
      const v1::ListActorsRequest& request, const auth::Principal& caller,
      int* page_size) const;
  // One page of List for a caller that reads everything, after the id
  // `after`: with no filter, the records in key order; with one, the
  // index's ids (*last: the last of them, a page may skip deleted ones).
  absl::Status ListRecords(std::string_view after, size_t page_size,
                           v1::ListActorsResponse* response, bool* more) const;
  absl::Status ListIndexed(const matcher::ActorFilter& filter,
                           std::string_view after, size_t page_size,
                           v1::ListActorsResponse* response, std::string* last,
                           bool* more) const;
  // One page of List for a caller that does not read everything (see
  // List): `after` is the last id of the previous page.
  absl::Status ListScoped(const matcher::ActorFilter& filter, bool unfiltered,
                          const Readable& readable, std::string_view after,
                          size_t page_size, v1::ListActorsResponse* response,
                          std::string* last_examined, bool* more) const;
  // ListScoped's two sources: the records in key order (no filter), and
  // the index's filtered ids. Both resume after *last_examined and update
  // it to the last id they examined.
  absl::Status ScanRecordsInScope(const Readable& readable, size_t page_size,
                                  v1::ListActorsResponse* response,
                                  std::string* last_examined, bool* more) const;
  std::vector<std::string> ListIndexInScope(const matcher::ActorFilter& filter,
                                            const AccessScope& scope,
                                            size_t page_size,
                                            std::string* last_examined,
                                            bool* more) const;
  // ToProfile for an actor whose home commune validation resolved.
  matcher::ActorProfile ToProfile(const v1::Actor& actor,
                                  uint32_t commune) const;
  // Hands feedback_ to the matching context. Needs index_mu_.
  void ApplyFeedbackLocked();
  // Inserts the profile with its remaining capacity. Needs index_mu_.
  void UpsertLocked(matcher::ActorProfile profile);
  // Lowers profile.capacity by the actor's active partnerships; returns the
  // declared capacity. Needs index_mu_.
  uint16_t UsedCapacityApplied(matcher::ActorProfile& profile) const;
  // Every stored actor's profile, in store (id) order, by chunks; parsed on
  // this thread and a helper. A DATA_LOSS error names an unparsable record
  // or one whose id is not its key.
  absl::StatusOr<std::vector<std::vector<matcher::ActorProfile>>> ScanProfiles()
      const;
  // PrepareImport's steps. ImportPass (defined with them) is what they
  // share; a rejected row is reported in its answer, an error status is a
  // store failure.
  struct ImportPass;
  // The batch as a whole: sizes, row numbers, mode, and the caller's role.
  static absl::Status CheckImportRequest(const v1::ImportActorsRequest& batch,
                                         const auth::Principal& caller);
  // The rows to prepare (pass.rows, pass.ids): well-formed ids the caller
  // may write, first occurrence of each id; the others are rejected.
  static void SelectImportRows(const v1::ImportActorsRequest& batch,
                               ImportPass& pass);
  // One selected row against its stored record (nullopt: a new actor):
  // counted as created, updated, unchanged or rejected; the writes and the
  // index profile of a changed row are staged in the pass.
  absl::Status PrepareImportRow(v1::Actor* row, int64_t number,
                                const std::optional<std::string>& stored_value,
                                ImportPass& pass);
  // The version the row makes of the stored actor: the row itself (a new
  // actor, or REPLACE), or the stored actor with the row merged in (MERGE).
  static v1::Actor* NextImportVersion(v1::Actor* row, const v1::Actor* stored,
                                      ImportPass& pass);
  // Validates and normalises `next` (its home commune in *commune) and
  // checks its territories; false when the row is rejected.
  bool CheckImportVersion(int64_t number, v1::Actor* next, ImportPass& pass,
                          uint32_t* commune) const;
  // `next` against the stored version of its actor: keeps the stored
  // objection (core/objection.h; the row `said` is noted), then tells
  // whether `next` changes nothing.
  static bool SameAsStored(int64_t number, v1::ActorStatus said,
                           const v1::Actor& stored, v1::Actor* next,
                           ImportPass& pass);
  // Stamps `next` and stages its record, its contacts when they change,
  // and its index profile.
  void StageImportVersion(v1::Actor* next, bool stored, bool contacts_changed,
                          uint32_t commune, ImportPass& pass);
  // The commit thread: commits queued batches in order.
  void CommitLoop();

  storage::Store* store_;
  const TerritoryRegistry* territories_;
  const matcher::Vocabulary* vocabulary_;
  const Options options_;
  ValidationContext validation_;
  RequestLog requests_;
  IdLocks locks_;
  ScopeCache scopes_;
  std::atomic<uint64_t> contacts_removals_{0};

  std::mutex commit_mu_;
  std::condition_variable commit_cv_;
  std::deque<std::pair<std::unique_ptr<PreparedImport>, ImportDone>>
      commit_queue_;       // guarded by commit_mu_
  bool stopping_ = false;  // guarded by commit_mu_
  std::thread committer_;  // started by the first CommitImportAsync

  mutable std::shared_mutex index_mu_;
  matcher::ActorIndex index_;      // guarded by index_mu_
  matcher::MatchContext context_;  // guarded by index_mu_
  // Declared capacity by actor number, and active partnerships by actor id.
  std::vector<uint16_t> declared_capacity_;             // guarded by index_mu_
  absl::flat_hash_map<std::string, int> partnerships_;  // guarded by index_mu_
  std::vector<PartnershipLink> active_links_;           // guarded by index_mu_
  Feedback feedback_;                                   // guarded by index_mu_
  // By workspace.
  absl::flat_hash_map<std::string, matcher::CooperationSignals>
      cooperations_;  // guarded by index_mu_
};

using base::MakeEtag;

}  // namespace maillage::core

#endif  // MAILLAGE_CORE_ACTOR_DIRECTORY_H_

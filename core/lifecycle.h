#ifndef MAILLAGE_CORE_LIFECYCLE_H_
#define MAILLAGE_CORE_LIFECYCLE_H_

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "auth/principal.h"
#include "core/actor_directory.h"
#include "core/event_log.h"
#include "core/key_locks.h"
#include "core/territory_registry.h"
#include "core/validation.h"
#include "maillage/v1/lifecycle.pb.h"
#include "maillage/v1/matching.pb.h"
#include "storage/store.h"

namespace maillage::core {

// What becomes of suggestions once served, and the partnership registry.
//
// - Every suggestion served by SuggestPartners (unless a preview) is recorded
//   (one record per actor, partner and category; serving it again refreshes
//   it). These records are written without fsync: a machine crash may lose
//   the last served ones, which the next query serves again.
// - Lifecycle transitions are validated, timestamped, attributed, durable,
//   and logged as events in the same WriteBatch (EventLog).
// - Partnerships (imported, created, or formed from a suggestion) feed the
//   engine: active pairs are never re-suggested for their category, they
//   use up capacity, and they make the "common partners" factor.
// - A dismissed pair, or one whose meeting went nowhere, is not suggested
//   again during the cooling period.
// - Workspaces (core/workspace.h): suggestions, their history and
//   partnerships belong to the caller's workspace. Every method reads and
//   writes within WorkspaceOf(caller) only: another workspace's id answers
//   NOT_FOUND; lists, metrics and events leave other workspaces out; the
//   cooling period is per workspace. The engine learns from every
//   workspace's outcomes a responsiveness per partner (counts); the pairs
//   that went well (a meeting rated "cooperation possible", a partnership
//   formed or registered) are each workspace's own cooperation signals,
//   and every labelled pair is what that workspace's weights are learned
//   from (core/weight_book.h).
// - Who did it (performed_by, requested_by) is the caller's id; what the
//   request says is kept as a display note.
// - Retention (core/retention.h calls PurgeUntouchedSuggestions and
//   PseudonymiseClosedSuggestions): suggestions served and never moved are
//   deleted some time after they were last shown; closed ones keep their
//   states, outcome, category and times but lose the people after some time
//   without change (pseudonyms for ids, names and notes cleared, reasons
//   replaced by kRetentionMarker).
//
// Thread-safe.
class Lifecycle {
 public:
  struct Options {
    absl::Duration cooling_period = absl::Hours(24 * 90);
  };

  Lifecycle(storage::Store* store, const TerritoryRegistry* registry,
            const matcher::Vocabulary* vocabulary, ActorDirectory* actors,
            EventLog* events, Options options);

  // Loads the partnerships into the engine and the cooling pairs. Once.
  absl::Status Load();

  // Taken by a SuggestPartners call that will be recorded, before it
  // matches; ends when RecordServedAsync queues the call, or when the ticket is
  // destroyed (the call failed or served nothing). Move-only.
  class ServingTicket {
   public:
    ServingTicket() = default;
    ServingTicket(ServingTicket&& other) noexcept
        : lifecycle_(other.lifecycle_), number_(other.number_) {
      other.lifecycle_ = nullptr;
    }
    ServingTicket& operator=(ServingTicket&&) = delete;
    ~ServingTicket() {
      if (lifecycle_ != nullptr) lifecycle_->EndServing(number_);
    }

   private:
    friend class Lifecycle;
    ServingTicket(Lifecycle* lifecycle, uint64_t number)
        : lifecycle_(lifecycle), number_(number) {}
    Lifecycle* lifecycle_ = nullptr;
    uint64_t number_ = 0;
  };
  ServingTicket StartServing();
  // How long a round's leader waits for the calls matching before it. The
  // engine answers in well under a millisecond of CPU; on a busy machine
  // the calls ahead may take longer: the wait is bounded to keep the
  // latency it adds under this.
  static constexpr absl::Duration kRoundGatherMax = absl::Milliseconds(1);

  // Records what SuggestPartners served and sets each suggestion_id (before
  // it returns). `communes` holds the INSEE code of the actor's home
  // commune, then of each suggested partner's, in order ("" when unknown):
  // the caller read them from the index it held.
  //
  // `recorded` is called once the call's records are in the write-ahead
  // log (not fsync'ed: see README, Durability), with the round's status
  // (an error of the round's write is every call's error in it), on the
  // thread that wrote the round: this one or another call's. It must be
  // short and must not record served suggestions itself. Until then
  // `request`, `communes`, `response` and `caller` must stay valid and
  // unchanged. A preview, or an answer with no suggestion, is "recorded" at
  // once.
  //
  // Calls are recorded in rounds (group commit). A call that arrives while
  // a round is being written is queued and returns at once: the writer
  // takes it in its next round (a server thread is never held by a call
  // waiting for its round). A thread that finds no round being written
  // writes the queued calls, round after round, until none is left; each
  // round's leader first waits, at most kRoundGatherMax, for the calls that
  // were already matching when the round began (those holding a
  // ServingTicket), so that they join it instead of each writing the next.
  //
  // A suggestion served by several calls of a round is read and written
  // once (its times_shown counts every call). A suggestion gets an event
  // (one per round, its state after the round) only when it is new,
  // proposed again, or its score, modality or explanation changed: shown
  // again as it was, its counters change and watchers are not told. Shown
  // again as it was (same state, score, modality, explanation and
  // factors), its record is not rewritten: the round writes a merge operand
  // of ~80 bytes (storage/suggestion_merge.h), and when the round's cache
  // knows the record it is not even read.
  void RecordServedAsync(const v1::SuggestPartnersRequest& request,
                         const std::vector<std::string>& communes,
                         v1::SuggestPartnersResponse* response,
                         const auth::Principal& caller, ServingTicket* ticket,
                         std::function<void(absl::Status)> recorded);

  // Partners of `actor_id` that must not be proposed now to the caller's
  // workspace (cooling period).
  std::set<std::string> CoolingPartners(const std::string& actor_id,
                                        const auth::Principal& caller) const;

  absl::StatusOr<v1::Suggestion> GetSuggestion(
      const v1::GetSuggestionRequest& request,
      const auth::Principal& caller) const;
  absl::StatusOr<v1::ListSuggestionsResponse> ListSuggestions(
      const v1::ListSuggestionsRequest& request,
      const auth::Principal& caller) const;
  absl::StatusOr<v1::Suggestion> UpdateSuggestion(
      const v1::UpdateSuggestionRequest& request,
      const auth::Principal& caller);

  absl::StatusOr<v1::Partnership> CreatePartnership(
      const v1::CreatePartnershipRequest& request,
      const auth::Principal& caller);
  absl::StatusOr<v1::Partnership> GetPartnership(
      const v1::GetPartnershipRequest& request,
      const auth::Principal& caller) const;
  absl::StatusOr<v1::ListPartnershipsResponse> ListPartnerships(
      const v1::ListPartnershipsRequest& request,
      const auth::Principal& caller) const;
  absl::StatusOr<v1::Partnership> UpdatePartnership(
      const v1::UpdatePartnershipRequest& request,
      const auth::Principal& caller);
  absl::StatusOr<v1::ImportPartnershipsResponse> ImportPartnerships(
      const v1::ImportPartnershipsRequest& request,
      const auth::Principal& caller);

  absl::StatusOr<v1::TerritoryMetrics> Metrics(
      const v1::GetTerritoryMetricsRequest& request,
      const auth::Principal& caller) const;

  // Personal data erasure (core/privacy.h). Every suggestion and
  // partnership of every workspace whose stored bytes `may_concern` is
  // handed, under its lock, to `suggestion` or `partnership`, which edit it
  // in place and return whether they changed it; changed records are
  // written back with a new etag (no event: the event log is edited
  // apart). Counts what it wrote.
  struct PersonalDataEdits {
    std::function<bool(std::string_view stored_bytes)> may_concern;
    std::function<bool(std::string_view workspace, v1::Suggestion*)> suggestion;
    std::function<bool(std::string_view workspace, v1::Partnership*)>
        partnership;
  };
  struct EditCounts {
    int64_t suggestions = 0;
    int64_t partnerships = 0;
  };
  absl::StatusOr<EditCounts> EditPersonalData(const PersonalDataEdits& edits);

  // A pair a workspace's records label: `weight` > 0 for a pair that went
  // well (1: a partnership formed or registered, a meeting that found a
  // cooperation possible; 0.5: a suggestion kept, contacted, met), < 0 for
  // one turned down (-1: dismissed, a meeting without interest or without
  // cooperation, a partnership not formed). Suggestions label the pair from
  // the asker's side; a partnership labels it from every participant's.
  struct LabelledPair {
    std::string actor;
    std::string partner;
    double weight = 0;
  };
  // Every labelled pair of `workspace`, one per (actor, partner): a
  // partnership's label wins over a suggestion's.
  std::vector<LabelledPair> OutcomesOf(std::string_view workspace) const;
  // The workspaces with at least one labelled pair.
  std::vector<std::string> WorkspacesWithOutcomes() const;
  // Called after a change of a workspace's labelled pairs (outside the
  // lifecycle's lock; keep it short). Set once, before serving.
  void SetOutcomesListener(std::function<void(std::string_view)> listener) {
    outcomes_listener_ = std::move(listener);
  }

  // Whether a state change is allowed (see SuggestionState in the API).
  static bool AllowedTransition(v1::SuggestionState from,
                                v1::SuggestionState to);

  // What replaces a free-text reason (a transition's reason, a dismiss
  // reason) once retention pseudonymised a suggestion.
  static constexpr std::string_view kRetentionMarker =
      "[effacé : durée de conservation écoulée]";

  // Untouched: served and never moved by anyone (state PROPOSED, and every
  // transition of its history is to PROPOSED). Such a suggestion records no
  // outcome, no responsiveness and no cooling.
  static bool Untouched(const v1::Suggestion& s);
  // Closed: its lifecycle ended (DISMISSED, PARTNERSHIP_FORMED, NOT_FORMED:
  // the final states of SuggestionState), or it was served again after it
  // ended and nobody moved it since (PROPOSED with earlier moves).
  static bool Closed(const v1::Suggestion& s);

  // Retention, one bounded step at a time (core/retention.h). Each examines
  // the next `batch` suggestion records after *after, in key order (from
  // the start when empty), moves *after to the last one examined, and sets
  // *done once the end is reached. The records chosen are locked and read
  // again before they are changed, so a concurrent serving or move wins.
  // Writes are not synced (a purge lost in a machine crash is done again
  // next time) and log no event. RESOURCE_EXHAUSTED when the disk is full
  // (nothing written).
  //
  // Deletes the untouched suggestions last shown before `cutoff`, with
  // their by-actor index entries. Returns how many.
  absl::StatusOr<int64_t> PurgeUntouchedSuggestions(absl::Time cutoff,
                                                    size_t batch,
                                                    std::string* after,
                                                    bool* done);
  // In the closed suggestions not updated since `cutoff`, replaces
  // requested_by and every performed_by by `pseudonym` of it, clears the
  // display names and notes, and replaces the free-text reasons (those the
  // server did not write) by kRetentionMarker; state, outcome, category,
  // history moves and times, scores and counts stay (the engine, the
  // cooling period and the metrics use them). update_time stays; the etag
  // changes. Returns how many records changed.
  absl::StatusOr<int64_t> PseudonymiseClosedSuggestions(
      absl::Time cutoff,
      const std::function<std::string(std::string_view)>& pseudonym,
      size_t batch, std::string* after, bool* done);

  EventLog& events() { return *events_; }

 private:
  // Validates and normalises a partnership (participants exist, 2 or 3,
  // distinct; category; times; a territory the caller's workspace knows).
  // `path` prefixes field paths.
  void CheckPartnership(std::string_view path, const auth::Principal& caller,
                        v1::Partnership* p, FieldViolations* out) const;
  // Each participant: a well-formed id, listed once, of a stored actor.
  // `path` is the participants' field path.
  void CheckParticipants(const std::string& path, const v1::Partnership& p,
                         FieldViolations* out) const;
  // Adds the workspace's partnership (and its by-actor index entries) to
  // `batch`.
  void PutPartnership(std::string_view workspace, const v1::Partnership& p,
                      storage::WriteBatch* batch) const;
  // The engine's registry, rebuilt from partnerships_ (active and ended).
  void PushPartnershipsToEngine();
  std::vector<std::string> HomeCommunes(
      const std::vector<std::string>& actor_ids) const;
  void NoteCooling(std::string_view workspace, const v1::Suggestion& s);
  // What noting one suggestion changed in the feedback: its partner (whose
  // responsiveness may have changed) and its label before and after.
  struct FeedbackChange {
    std::string partner;
    double label_before = 0;
    double label_after = 0;
  };
  // Counts a suggestion's history into the engine's feedback and notes its
  // label (needs mu_). Costs O(log n): the responsiveness totals are kept
  // up to date, not recomputed.
  FeedbackChange NoteFeedbackLocked(std::string_view workspace,
                                    const v1::Suggestion& s);
  // Forgets what the suggestion stored under `key` contributed (needs mu_).
  void ForgetFeedbackLocked(const std::string& key);
  // Hands every partner's responsiveness to the engine (at load).
  void PushFeedbackToEngine();
  // Hands one partner's responsiveness to the engine: what a move costs.
  void PushResponsivenessToEngine(const std::string& partner);
  // Hands the cooperation signals (pairs labelled 1, partnerships' pairs) of
  // `workspace` (empty: of every workspace, as at load) to the engine, and
  // tells the listener about `workspace` when one is named.
  void PushCooperationsToEngine(std::string_view workspace);
  // After a move: adds the moved pair to its workspace's signals when its
  // label became 1, rebuilds the workspace's signals when it stopped being
  // 1, adds the pairs of a partnership formed; then tells the listener.
  void PushMoveToEngine(std::string_view workspace, const v1::Suggestion& s,
                        const FeedbackChange& change,
                        const v1::Partnership* formed);
  absl::StatusOr<std::optional<v1::Suggestion>> ReadSuggestion(
      std::string_view workspace, std::string_view id) const;
  // Every suggestion record whose key starts with `prefix` (a workspace's),
  // parsed; DATA_LOSS when one does not parse.
  absl::StatusOr<std::vector<v1::Suggestion>> SuggestionsUnder(
      const std::string& prefix) const;
  // Inhabitants of `t` (a custom zone: the sum of its communes').
  uint64_t PopulationOf(const ResolvedTerritory& t) const;
  // The retention step both retention methods take (see them): examines the
  // next `batch` records after *after, locks and reads again those `select`
  // picks, calls `change` on each one it still picks, which adds its writes
  // to the batch, then writes the batch. Returns how many were changed.
  absl::StatusOr<int64_t> ChangeSuggestions(
      size_t batch, std::string* after, bool* done,
      const std::function<bool(const v1::Suggestion&)>& select,
      const std::function<void(std::string_view key, v1::Suggestion* s,
                               storage::WriteBatch* write)>& change);

  // One SuggestPartners call waiting to be recorded (see RecordServedAsync).
  struct ServedCall {
    const v1::SuggestPartnersRequest* request = nullptr;
    const v1::SuggestPartnersResponse* response = nullptr;  // ids set
    const std::vector<std::string>* communes = nullptr;
    const auth::Principal* caller = nullptr;
    std::string_view workspace;
    v1::TerritoryRef territory;  // where the suggestions were served
    google::protobuf::Timestamp time;
    std::function<void(absl::Status)> recorded;  // once its round is written
  };
  // The call to record for RecordServedAsync (ids set), or
  // an error when the request cannot be recorded.
  absl::StatusOr<std::unique_ptr<ServedCall>> PrepareServed(
      const v1::SuggestPartnersRequest& request,
      const std::vector<std::string>& communes,
      v1::SuggestPartnersResponse* response, const auth::Principal& caller);
  // Queues `call` (ending its ticket); unless a round is being written,
  // writes rounds until the queue is empty.
  void QueueServed(std::unique_ptr<ServedCall> call, ServingTicket* ticket);
  // The leader's wait for the calls matching when its round began (see
  // RecordServedAsync). `lock` holds served_mu_.
  void GatherRound(std::unique_lock<std::mutex>& lock);
  void EndServing(uint64_t number);
  // Ends `number` under served_mu_; wakes a gathering leader.
  void EndServingLocked(uint64_t number);

  // What decides whether serving a stored suggestion again changes more
  // than its counters: its state, and the score, modality, explanation and
  // factors it was served with (the last two as one hash).
  struct ServedSignature {
    v1::SuggestionState state = v1::SUGGESTION_STATE_UNSPECIFIED;
    v1::PartnershipModality modality = v1::PARTNERSHIP_MODALITY_UNSPECIFIED;
    double score = 0;
    uint64_t content = 0;
    // Merge operands written over the record since it was last written
    // whole (at most kMaxOperandsPerRecord).
    int operands = 0;
    // Same score, modality and content (the state is the record's alone).
    bool SameServing(const ServedSignature& other) const {
      return score == other.score && modality == other.modality &&
             content == other.content;
    }
  };
  static ServedSignature SignatureOf(const v1::Suggestion& s);
  static ServedSignature SignatureOf(const v1::PartnerSuggestion& p);

  // One round: the distinct records it touches, in the order first served,
  // and for each call which record each of its suggestions is.
  struct ServedRound {
    std::vector<std::string> keys;
    std::vector<std::vector<size_t>> slots;  // [call][i] -> index in keys
    std::vector<std::vector<ServedSignature>> served;  // [call][i]
  };
  // A record of the round, as the round leaves it.
  struct ServedRecord {
    v1::Suggestion s;      // read, then changed (unless shown_again)
    bool stored = false;   // in the store before the round
    bool exists = false;   // stored, or made by an earlier call of the round
    bool changed = false;  // new, proposed again, or score/reasons moved
    // Known from the cache, and every call of the round served it as it is
    // stored: only its counters move (a merge operand, no read, no event).
    bool shown_again = false;
    ServedSignature signature;  // of the record after the round
    int times = 0;              // calls of the round that served it
    const ServedCall* last_call = nullptr;
    int last_index = 0;
  };
  static ServedRound PlanServedRound(const std::vector<ServedCall*>& round);
  // Writes one round's calls in one batch (see RecordServedAsync). Records
  // served again as the signature cache knows them are not read.
  absl::Status WriteServedRound(const std::vector<ServedCall*>& round);
  // Marks the records that the cache shows were served as they are stored
  // by every call of the round, unless they already carry
  // kMaxOperandsPerRecord operands: those, and every record the cache does
  // not know, are read and written whole (so that a read never folds more
  // than that many, even after a restart, which empties the cache).
  void MarkShownAgainFromCache(const ServedRound& plan,
                               std::vector<ServedRecord>* records) const;
  // Reads the records not so marked, and applies every call to them (they
  // are written whole).
  absl::Status ReadAndApplyRound(const std::vector<ServedCall*>& round,
                                 const ServedRound& plan,
                                 std::vector<ServedRecord>* records) const;
  // Adds each record's write to `batch`, and an event for each one changed.
  static void RoundWrites(const ServedRound& plan,
                          std::vector<ServedRecord>* records,
                          storage::WriteBatch* batch,
                          std::vector<EventLog::Pending>* events);
  // The signature cache: filled after a round's write succeeded; every
  // other write of a suggestion forgets its key first, under its lock.
  void RememberServed(const ServedRound& plan,
                      const std::vector<ServedRecord>& records);
  void ForgetServed(std::string_view key);
  // Applies the `index`-th suggestion `call` served to the stored record
  // `s` (`exists`: s holds a record, stored or made earlier in the round).
  // True when it is new, proposed again, or its score, modality or
  // explanation changed; false when only its counters moved.
  static bool ApplyServed(const ServedCall& call, int index, bool exists,
                          v1::Suggestion* s);
  // The merge operand (storage/suggestion_merge.h) of a stored suggestion
  // that `times` calls of a round showed again as it was, `call` last: what
  // ApplyServed would have changed in it.
  static std::string ShownOperand(const ServedCall& call, int times);

  storage::Store* store_;
  const TerritoryRegistry* registry_;
  ActorDirectory* actors_;
  EventLog* events_;
  const Options options_;
  ValidationContext validation_;
  KeyLocks locks_;

  // The signature of stored suggestions that rounds wrote, by key, so that
  // a suggestion served again as it was needs no read. An entry is exact:
  // every other write of a suggestion forgets its key first, under the
  // key's lock. Bounded: cleared when it reaches kServedCacheEntries.
  static constexpr size_t kServedCacheEntries = 200'000;
  static constexpr int kMaxOperandsPerRecord = 16;
  mutable std::mutex served_cache_mu_;
  absl::flat_hash_map<std::string, ServedSignature>
      served_cache_;  // guarded by served_cache_mu_

  // The calls waiting for a round, and whether one is being written.
  std::mutex served_mu_;
  // Calls waiting for the next round. Guarded by served_mu_.
  std::vector<std::unique_ptr<ServedCall>> served_queue_;
  bool served_writing_ = false;  // guarded by served_mu_
  // The tickets of the calls matching now (see StartServing), and the
  // next ticket's number. Guarded by served_mu_.
  std::set<uint64_t> serving_;
  uint64_t next_ticket_ = 0;
  std::condition_variable gather_cv_;  // the calls a round waits for ended
  // While a round gathers: the first ticket it does not wait for; 0 when no
  // round gathers (a round waits only for a ticket below it, so it is at
  // least 1 then). Guarded by served_mu_.
  uint64_t gathering_until_ = 0;

  mutable std::mutex mu_;
  // Every partnership, by keys::InWorkspace(workspace, id) (the engine's
  // registry is rebuilt from it).
  std::map<std::string, v1::Partnership> partnerships_;  // guarded by mu_
  // InWorkspace(workspace, actor) -> partner -> until when it must not be
  // proposed again to that workspace.
  absl::flat_hash_map<std::string, std::map<std::string, absl::Time>>
      cooling_;  // guarded by mu_
  // Per InWorkspace(workspace, suggestion id), what its history contributed
  // to the partner's responsiveness, so a changed suggestion replaces its
  // contribution instead of adding twice.
  struct Contribution {
    std::string partner;
    uint16_t answered = 0;
    uint16_t no_answers = 0;
  };
  std::map<std::string, Contribution> contributions_;  // guarded by mu_
  // Adds `sign` times `c` to its partner's responsiveness totals (needs mu_).
  void AddToResponsivenessLocked(const Contribution& c, int sign);
  // Per partner, the sums of its contributions_ (partners with a non-zero
  // sum only): what the engine's responsiveness is.
  struct Totals {
    int64_t answered = 0;
    int64_t no_answers = 0;
  };
  absl::flat_hash_map<std::string, Totals>
      responsiveness_totals_;  // guarded by mu_
  // Serialises the pushes to the engine, each reading the state under mu_
  // then handing it over, so the engine ends with the latest state.
  std::mutex push_mu_;
  // Per InWorkspace(workspace, suggestion id), its label (suggestions with
  // one only).
  std::map<std::string, LabelledPair> labels_;  // guarded by mu_
  std::function<void(std::string_view)> outcomes_listener_;
};

}  // namespace maillage::core

#endif  // MAILLAGE_CORE_LIFECYCLE_H_

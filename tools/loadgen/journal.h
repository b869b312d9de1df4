#ifndef MAILLAGE_TOOLS_LOADGEN_JOURNAL_H_
#define MAILLAGE_TOOLS_LOADGEN_JOURNAL_H_

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace maillage::loadgen {

// The client's record of its writes, one line per event, appended by the
// crash workload and the verifier across every cycle of a crash loop:
//
//   D <group> <key> <before> <after> [<key> <before> <after> ...]
//       sent, not answered yet: each key is in `before` or `after`. Written
//       (without fsync) before the request leaves, so that a write whose
//       answer never comes is in doubt, never forgotten.
//   A <group> <key> <state> [<key> <state> ...]
//       answered (fsync'ed before the client goes on): each key is now in
//       `state`. A refused write is answered with the state it keeps.
//   X - <key> <state> [...]
//       settled by the verifier after a restart: what an unanswered write
//       turned out to be.
//
// Keys: "actor/<id>" (states from ActorState, or "absent"),
// "sugg/<asking actor>/<suggestion id>" (a SuggestionState name without its
// prefix, e.g. "KEPT"), "serve/<asking actor>" ("pending" while a
// SuggestPartners call that records suggestions is unanswered). A key never
// written is "absent". `group` names the writes that must be applied
// together ("-": none); a group "S#N" is batch N of import stream S, and
// the batches of one stream are applied in order.
struct JournalChange {
  std::string key;
  std::string before;  // D only
  std::string after;   // the new state (D: if applied)
};

struct JournalEntry {
  char verb = 'A';  // 'D', 'A' or 'X'
  std::string group = "-";
  std::vector<JournalChange> changes;
};

std::string FormatEntry(const JournalEntry& entry);
absl::StatusOr<JournalEntry> ParseEntry(std::string_view line);

// Appends entries to a journal file. Thread-safe.
class JournalWriter {
 public:
  static absl::StatusOr<std::unique_ptr<JournalWriter>> Open(
      const std::string& path);
  ~JournalWriter();
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;

  // Appends one line with write(2). `durable`: fdatasync before returning,
  // so that the line survives a crash of the machine too.
  absl::Status Append(const JournalEntry& entry, bool durable);

 private:
  explicit JournalWriter(int fd) : fd_(fd) {}
  std::mutex mu_;
  int fd_;
};

// What an unanswered write turned out to be, from the observed state.
enum class Outcome {
  kApplied,
  kNotApplied,
  kUndecidable,  // it would have changed nothing
  kNeither,      // a violation: the key is in neither state
};

// One broken promise found by Ledger::Check or the verifier.
struct Finding {
  std::string key;
  std::string message;
};

// The journal replayed: what each key must be now.
class Ledger {
 public:
  struct Key {
    std::string settled = "absent";    // last answered or settled state
    std::optional<std::string> doubt;  // state if the unanswered write landed
    std::string group;                 // the unanswered write's group
  };
  // Observed state of a key (kAbsent when it does not exist).
  using Observer = std::function<std::string(const std::string& key)>;

  // Replays a journal file; a missing file is an empty journal.
  static absl::StatusOr<Ledger> Replay(const std::string& path);
  // Fails when the entry contradicts the ledger (a write sent from a state
  // the key was not in): the journal itself is wrong.
  absl::Status Apply(const JournalEntry& entry);

  const std::map<std::string, Key>& keys() const { return keys_; }
  // Keys starting with `prefix`, e.g. "actor/".
  std::vector<std::string> KeysWithPrefix(std::string_view prefix) const;
  bool HasDoubts() const;
  size_t answered_writes() const { return answered_writes_; }

  // Every key with `observed` state in one of its allowed states; every
  // group of unanswered writes applied whole or not at all; the unanswered
  // batches of an import stream applied as a prefix of the stream.
  std::vector<Finding> Check(const Observer& observed) const;
  // The outcome of the unanswered write on `key` (kNotApplied when none).
  Outcome OutcomeOf(const std::string& key, const std::string& observed) const;
  // An 'X' entry settling every unanswered write to its observed state.
  JournalEntry Settle(const Observer& observed) const;

 private:
  void CheckGroups(const Observer& observed, std::vector<Finding>* out) const;
  void CheckStreams(const std::map<std::string, Outcome>& group_outcomes,
                    std::vector<Finding>* out) const;

  std::map<std::string, Key> keys_;
  size_t answered_writes_ = 0;
};

}  // namespace maillage::loadgen

#endif  // MAILLAGE_TOOLS_LOADGEN_JOURNAL_H_

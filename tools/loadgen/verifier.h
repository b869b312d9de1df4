#ifndef MAILLAGE_TOOLS_LOADGEN_VERIFIER_H_
#define MAILLAGE_TOOLS_LOADGEN_VERIFIER_H_

#include <string>

namespace maillage::loadgen {

struct VerifyOptions {
  std::string target;
  std::string journal;
  std::string reference_dir;
  int lifecycle_pairs = 24;  // as given to the crash workload
  // Append what each unanswered write turned out to be to the journal, so
  // that the next crash workload starts from settled states (only when no
  // violation was found: a violation stops the loop for a human to look).
  bool settle = true;
};

// Exit codes of verify.
inline constexpr int kVerifyClean = 0;
inline constexpr int kVerifyViolations = 1;
inline constexpr int kVerifyNotRun = 2;  // journal unreadable, server down

// After a restart, reads everything back and checks it against the journal:
// every acknowledged write present (its state, or the state of a later
// unanswered write); every unanswered write applied whole or not at all (an
// actor's record and contacts from the same write, an import batch all or
// nothing, the batches of a stream in order, a suggestion's state and the
// partnership it formed together); nothing on the server the journal does
// not explain; point reads equal to the record scan; the watch event log
// telling each suggestion and partnership as stored (EventLogCheck); and for
// each standard filter, ListActors (the in-memory index) returning exactly
// the records the scan finds matching. Prints every violation and a summary
// line.
int RunVerify(const VerifyOptions& options);

}  // namespace maillage::loadgen

#endif  // MAILLAGE_TOOLS_LOADGEN_VERIFIER_H_

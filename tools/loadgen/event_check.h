#ifndef MAILLAGE_TOOLS_LOADGEN_EVENT_CHECK_H_
#define MAILLAGE_TOOLS_LOADGEN_EVENT_CHECK_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "maillage/v1/lifecycle.pb.h"
#include "tools/loadgen/journal.h"

namespace maillage::loadgen {

// The watch event log (WatchSuggestions read from its oldest event) against
// the suggestion and partnership records read after a restart. The server
// writes an event in the same WriteBatch as the change it describes
// (core/event_log.h), so after any crash:
// - every record has events, and the last one describes it as stored: the
//   same state, the same history, the same partnership, the same score,
//   modality and explanation for a suggestion (its counters change without
//   an event: times_shown, last_shown, etag); the same etag for a
//   partnership (every change of one is told);
// - the events of one suggestion only ever add to its history: each one's
//   history is a beginning of the record's (an event of a write that did
//   not land, or a record rolled back under its event, breaks this);
// - no event names a suggestion or partnership that is not on the server;
// - tokens grow strictly (a resumed watch misses nothing, sees nothing
//   twice).
// Feed the events in stream order to Add, then call Finish.
class EventLogCheck {
 public:
  // Both maps by id; they must outlive the check.
  EventLogCheck(const std::map<std::string, v1::Suggestion>& suggestions,
                const std::map<std::string, v1::Partnership>& partnerships);

  void Add(const v1::WatchEvent& event);

  // Every record's last event so far describes it as stored: the reader
  // may stop (later events would have to describe it too).
  bool CaughtUp() const { return pending_.empty(); }

  // The violations: those found in Add, then a record without a last
  // event describing it. Call once, after the last Add.
  std::vector<Finding> Finish();

  int64_t events() const { return events_; }

 private:
  void AddSuggestion(const std::string& token, const v1::Suggestion& event);
  void AddPartnership(const std::string& token, const v1::Partnership& event);

  const std::map<std::string, v1::Suggestion>& suggestions_;
  const std::map<std::string, v1::Partnership>& partnerships_;
  // Records (key "sugg/<id>" or "partnership/<id>") whose last event seen
  // does not yet describe them.
  std::set<std::string> pending_;
  std::string last_token_;
  int64_t events_ = 0;
  std::vector<Finding> findings_;
};

// Whether `event` describes `record` as the check above requires.
bool DescribesAsStored(const v1::Suggestion& event,
                       const v1::Suggestion& record);

}  // namespace maillage::loadgen

#endif  // MAILLAGE_TOOLS_LOADGEN_EVENT_CHECK_H_

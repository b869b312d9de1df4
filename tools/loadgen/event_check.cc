#include "tools/loadgen/event_check.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tools/loadgen/suggestion_moves.h"

namespace maillage::loadgen {
namespace {

std::string SuggestionRecordKey(const std::string& id) { return "sugg/" + id; }
std::string PartnershipRecordKey(const std::string& id) {
  return "partnership/" + id;
}

// The first `n` moves of `a` and `b` are the same.
bool SameMoves(const v1::Suggestion& a, const v1::Suggestion& b, int n) {
  for (int i = 0; i < n; ++i) {
    const v1::SuggestionTransition& x = a.history(i);
    const v1::SuggestionTransition& y = b.history(i);
    if (x.from() != y.from() || x.to() != y.to() ||
        x.time().seconds() != y.time().seconds() ||
        x.time().nanos() != y.time().nanos()) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool DescribesAsStored(const v1::Suggestion& event,
                       const v1::Suggestion& record) {
  return event.state() == record.state() &&
         event.history_size() == record.history_size() &&
         SameMoves(event, record, record.history_size()) &&
         event.partnership_id() == record.partnership_id() &&
         event.outcome() == record.outcome() &&
         event.dismiss_reason() == record.dismiss_reason() &&
         event.score() == record.score() &&
         event.modality() == record.modality() &&
         event.explanation() == record.explanation();
}

EventLogCheck::EventLogCheck(
    const std::map<std::string, v1::Suggestion>& suggestions,
    const std::map<std::string, v1::Partnership>& partnerships)
    : suggestions_(suggestions), partnerships_(partnerships) {
  for (const auto& [id, _] : suggestions_) {
    pending_.insert(SuggestionRecordKey(id));
  }
  for (const auto& [id, _] : partnerships_) {
    pending_.insert(PartnershipRecordKey(id));
  }
}

void EventLogCheck::Add(const v1::WatchEvent& event) {
  ++events_;
  uint64_t sequence = 0, last = 0;
  if (!absl::SimpleAtoi(event.token(), &sequence)) {
    findings_.push_back({"event " + event.token(), "token is not a number"});
  } else if (!last_token_.empty() && absl::SimpleAtoi(last_token_, &last) &&
             sequence <= last) {
    findings_.push_back(
        {"event " + event.token(),
         absl::StrCat("token not after the previous one (", last_token_,
                      "): an event seen twice or out of order")});
  }
  last_token_ = event.token();
  if (event.has_suggestion()) {
    AddSuggestion(event.token(), event.suggestion());
  } else if (event.has_partnership()) {
    AddPartnership(event.token(), event.partnership());
  } else {
    findings_.push_back({"event " + event.token(), "names nothing"});
  }
}

void EventLogCheck::AddSuggestion(const std::string& token,
                                  const v1::Suggestion& event) {
  const std::string key = SuggestionRecordKey(event.id());
  auto record = suggestions_.find(event.id());
  if (record == suggestions_.end()) {
    findings_.push_back(
        {key, absl::StrCat("event ", token, " in ", StateWord(event.state()),
                           ": no such suggestion on the server")});
    return;
  }
  const v1::Suggestion& stored = record->second;
  if (event.history_size() > stored.history_size() ||
      !SameMoves(event, stored, event.history_size())) {
    findings_.push_back(
        {key, absl::StrCat("event ", token, " tells a history of ",
                           event.history_size(), " moves (to ",
                           StateWord(event.state()),
                           ") that the record's does not begin with: a "
                           "change told but not stored")});
  }
  if (DescribesAsStored(event, stored)) {
    pending_.erase(key);
  } else {
    pending_.insert(key);
  }
}

void EventLogCheck::AddPartnership(const std::string& token,
                                   const v1::Partnership& event) {
  const std::string key = PartnershipRecordKey(event.id());
  auto record = partnerships_.find(event.id());
  if (record == partnerships_.end()) {
    findings_.push_back({key, absl::StrCat("event ", token,
                                           ": no such partnership on the "
                                           "server")});
    return;
  }
  if (event.etag() == record->second.etag()) {
    pending_.erase(key);
  } else {
    pending_.insert(key);
  }
}

std::vector<Finding> EventLogCheck::Finish() {
  std::vector<Finding> out = std::move(findings_);
  for (const std::string& key : pending_) {
    out.push_back({key,
                   "its last event does not describe it as stored (or it "
                   "has none): a change stored but not told"});
  }
  pending_.clear();
  return out;
}

}  // namespace maillage::loadgen

#include "core/event_log.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "core/errors.h"
#include "core/validation.h"
#include "google/protobuf/util/time_util.h"
#include "storage/keys.h"

namespace maillage::core {

using storage::Family;

absl::Status EventLog::Open() {
  ASSIGN_OR_RETURN(auto last, store_->LastKey(Family::kEvents));
  std::lock_guard lock(mu_);
  last_ = 0;
  if (last.has_value()) {
    auto seq = storage::keys::EventSequence(*last);
    if (!seq.has_value()) return absl::DataLossError("malformed event key");
    last_ = *seq;
  }
  return absl::OkStatus();
}

std::string EventLog::Token(uint64_t sequence) {
  return absl::StrCat(sequence);
}

absl::StatusOr<uint64_t> EventLog::ParseToken(std::string_view token) {
  uint64_t seq = 0;
  if (token.size() > Limits::kResumeTokenMax ||
      !absl::SimpleAtoi(AsAbsl(token), &seq)) {
    return InvalidField("resume_token", "is not a token this server issued");
  }
  return seq;
}

uint64_t EventLog::last_sequence() const {
  std::lock_guard lock(mu_);
  return last_;
}

absl::Status EventLog::Commit(storage::WriteBatch* batch,
                              std::vector<Pending> events, bool sync) {
  {
    std::lock_guard lock(mu_);
    uint64_t seq = last_;
    auto now = google::protobuf::util::TimeUtil::GetCurrentTime();
    for (Pending& p : events) {
      ++seq;
      storage::EventRecord record;
      *record.mutable_event() = std::move(p.event);
      record.mutable_event()->set_token(Token(seq));
      *record.mutable_event()->mutable_time() = now;
      for (auto& c : p.communes) record.add_communes(std::move(c));
      record.set_workspace(std::move(p.workspace));
      batch->PutMessage(Family::kEvents, storage::keys::Event(seq), record);
    }
    RETURN_IF_ERROR(store_->Write(*batch, sync));
    last_ = seq;
  }
  std::vector<std::function<void()>> notify;
  {
    std::lock_guard lock(subscribers_mu_);
    for (auto& [_, f] : subscribers_) notify.push_back(f);
  }
  for (auto& f : notify) f();
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::WatchEvent>> EventLog::Read(
    uint64_t after, size_t limit, std::string_view workspace,
    const std::function<bool(const storage::EventRecord&)>& keep,
    uint64_t* last) const {
  std::vector<v1::WatchEvent> out;
  *last = after;
  // Only what is committed: never read past last_ (a batch being written
  // under mu_ is not visible until Commit returns anyway).
  uint64_t end = last_sequence();
  if (end <= after) return out;
  absl::Status parse_error;
  RETURN_IF_ERROR(store_->Scan(
      Family::kEvents, storage::keys::Event(after + 1),
      storage::keys::Event(end + 1),
      [&](std::string_view key, std::string_view value) {
        storage::EventRecord record;
        if (!record.ParseFromArray(value.data(),
                                   static_cast<int>(value.size()))) {
          parse_error = absl::DataLossError("unparsable event record");
          return false;
        }
        *last = storage::keys::EventSequence(key).value_or(*last);
        if (record.workspace() == workspace && keep(record)) {
          out.push_back(record.event());
        }
        return out.size() < limit;
      }));
  RETURN_IF_ERROR(parse_error);
  return out;
}

int EventLog::Subscribe(std::function<void()> notify) {
  std::lock_guard lock(subscribers_mu_);
  int handle = next_handle_++;
  subscribers_[handle] = std::move(notify);
  return handle;
}

void EventLog::Unsubscribe(int handle) {
  std::lock_guard lock(subscribers_mu_);
  subscribers_.erase(handle);
}

}  // namespace maillage::core

#include "core/event_log.h"

#include <algorithm>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "core/errors.h"
#include "core/validation.h"
#include "google/protobuf/util/time_util.h"
#include "storage/keys.h"

namespace maillage::core {
namespace {

absl::Time ToAbslTime(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

}  // namespace

using storage::Family;

absl::Status EventLog::Open() {
  ASSIGN_OR_RETURN(auto last, store_->LastKey(Family::kEvents));
  ASSIGN_OR_RETURN(
      auto purged,
      store_->Get(Family::kMeta, storage::keys::kEventsPurgedThrough));
  uint64_t purged_through = 0;
  if (purged.has_value() && !absl::SimpleAtoi(*purged, &purged_through)) {
    return absl::DataLossError("malformed events_purged_through");
  }
  std::lock_guard lock(mu_);
  // Every event may have been deleted: sequences go on after the last one
  // issued, so that old tokens never name new events.
  last_ = purged_through;
  if (last.has_value()) {
    auto seq = storage::keys::EventSequence(*last);
    if (!seq.has_value()) return absl::DataLossError("malformed event key");
    last_ = std::max(last_, *seq);
  }
  assigned_ = last_;
  settled_ahead_.clear();
  purged_through_.store(purged_through);
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

uint64_t EventLog::purged_through() const { return purged_through_.load(); }

absl::StatusOr<int64_t> EventLog::Purge(absl::Time cutoff, size_t batch,
                                        bool* done) {
  *done = false;
  const uint64_t floor = purged_through();
  std::optional<uint64_t> first;
  uint64_t last = 0;
  size_t examined = 0;
  bool reached_recent = false;
  absl::Status parse_error;
  // From the first key, not from floor + 1: an event rewritten in place
  // (erasure edits events) just as it was deleted comes back below the
  // floor, where no reader looks and only this scan finds it.
  RETURN_IF_ERROR(store_->Scan(
      Family::kEvents, "", storage::keys::Event(last_sequence() + 1),
      [&](std::string_view key, std::string_view value) {
        if (examined == batch) return false;
        storage::EventRecord record;
        std::optional<uint64_t> seq = storage::keys::EventSequence(key);
        if (!seq.has_value() ||
            !record.ParseFromArray(value.data(),
                                   static_cast<int>(value.size()))) {
          parse_error = absl::DataLossError("unparsable event record");
          return false;
        }
        if (ToAbslTime(record.event().time()) >= cutoff) {
          reached_recent = true;
          return false;
        }
        if (!first.has_value()) first = *seq;
        last = *seq;
        ++examined;
        return true;
      }));
  RETURN_IF_ERROR(parse_error);
  *done = reached_recent || examined < batch;
  if (!first.has_value()) return 0;
  storage::WriteBatch write;
  write.DeleteRange(Family::kEvents, storage::keys::Event(*first),
                    storage::keys::Event(last + 1));
  const uint64_t purged_through = std::max(floor, last);
  write.Put(Family::kMeta, storage::keys::kEventsPurgedThrough,
            absl::StrCat(purged_through));
  // Raised first: a Read running meanwhile may miss these events, and it
  // checks purged_through() once it has scanned.
  purged_through_.store(purged_through);
  // Not synced: a purge lost in a machine crash is done again next time.
  if (absl::Status s = store_->Write(write, /*sync=*/false); !s.ok()) {
    purged_through_.store(floor);
    return s;
  }
  return static_cast<int64_t>(examined);
}

absl::Status EventLog::Commit(storage::WriteBatch* batch,
                              std::vector<Pending> events, bool sync) {
  if (events.empty()) return store_->Write(*batch, sync);
  uint64_t first = 0;
  {
    std::lock_guard lock(mu_);
    first = assigned_ + 1;
    assigned_ += events.size();
  }
  const uint64_t last = first + events.size() - 1;
  auto now = google::protobuf::util::TimeUtil::GetCurrentTime();
  uint64_t seq = first;
  for (Pending& p : events) {
    storage::EventRecord record;
    *record.mutable_event() = std::move(p.event);
    record.mutable_event()->set_token(Token(seq));
    *record.mutable_event()->mutable_time() = now;
    for (auto& c : p.communes) record.add_communes(std::move(c));
    record.set_workspace(std::move(p.workspace));
    batch->PutMessage(Family::kEvents, storage::keys::Event(seq), record);
    ++seq;
  }
  const absl::Status written = store_->Write(*batch, sync);
  Settle(first, last);
  if (!written.ok()) return written;
  std::vector<std::function<void()>> notify;
  {
    std::lock_guard lock(subscribers_mu_);
    for (auto& [_, f] : subscribers_) notify.push_back(f);
  }
  for (auto& f : notify) f();
  return absl::OkStatus();
}

void EventLog::Settle(uint64_t first, uint64_t last) {
  std::lock_guard lock(mu_);
  settled_ahead_.emplace(first, last);
  for (auto it = settled_ahead_.begin();
       it != settled_ahead_.end() && it->first == last_ + 1;
       it = settled_ahead_.erase(it)) {
    last_ = it->second;
  }
}

absl::StatusOr<std::vector<v1::WatchEvent>> EventLog::Read(
    uint64_t after, size_t limit, std::string_view workspace,
    const std::function<bool(const storage::EventRecord&)>& keep,
    uint64_t* last) const {
  std::vector<v1::WatchEvent> out;
  *last = after;
  // Only what is committed: never read past last_ (events of a batch being
  // written, or written after a gap still being written, are not shown).
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
  // After the scan: Purge raises purged_through before it deletes.
  if (uint64_t purged = purged_through(); after < purged) {
    return absl::OutOfRangeError(absl::StrCat(
        "resume_token ", AsAbsl(Token(after)),
        " is older than the oldest event kept: the events up to token ", purged,
        " were deleted after the retention period. Read the current state "
        "(ListSuggestions, ListPartnerships), then watch from \"\" (new "
        "events) or \"0\" (every event kept)"));
  }
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

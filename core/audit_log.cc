#include "core/audit_log.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "core/errors.h"
#include "core/page_token.h"
#include "core/validation.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/time_util.h"
#include "storage/keys.h"

namespace maillage::core {
namespace {

using google::protobuf::util::TimeUtil;
using storage::Family;

// Whether `name` is a gRPC code name ("OK", "PERMISSION_DENIED"): what an
// entry's outcome holds (absl's names, which are google.rpc.Code's).
bool IsCodeName(std::string_view name) {
  for (int code = 0;
       code <= static_cast<int>(absl::StatusCode::kUnauthenticated); ++code) {
    if (absl::StatusCodeToString(static_cast<absl::StatusCode>(code)) ==
        AsAbsl(name)) {
      return true;
    }
  }
  return false;
}

int64_t UnixMicros(const google::protobuf::Timestamp& time) {
  return TimeUtil::TimestampToMicroseconds(time);
}

// (TimeUtil::GetCurrentTime of the packaged Protobuf has whole seconds.)
google::protobuf::Timestamp NowTimestamp() {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(absl::Now()));
}

bool IsTargetField(std::string_view name) {
  static constexpr std::string_view kNames[] = {
      "id",           "ids",           "actor_id",
      "partner_id",   "suggestion_id", "partnership_id",
      "fragility_id", "participants"};
  return std::find(std::begin(kNames), std::end(kNames), name) !=
         std::end(kNames);
}

void AddTarget(const std::string& id, v1::AuditEntry* entry) {
  if (id.empty()) return;
  entry->set_target_count(entry->target_count() + 1);
  if (entry->target_ids_size() >= AuditLog::kTargetsMax) return;
  // Targets are taken before the request is validated: an id no valid
  // request could hold is kept quoted and cut.
  std::string listed_id = id.size() <= Limits::kIdMax ? id : Quote(id);
  for (const std::string& listed : entry->target_ids()) {
    if (listed == listed_id) return;
  }
  entry->add_target_ids(std::move(listed_id));
}

// The target fields of `message`, then (when `depth` allows) those of its
// message fields.
void CollectTargets(const google::protobuf::Message& message, int depth,
                    v1::AuditEntry* entry) {
  const google::protobuf::Descriptor* descriptor = message.GetDescriptor();
  const google::protobuf::Reflection* reflection = message.GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = descriptor->field(i);
    using Type = google::protobuf::FieldDescriptor;
    if (field->cpp_type() == Type::CPPTYPE_STRING &&
        IsTargetField(field->name())) {
      if (field->is_repeated()) {
        int n = reflection->FieldSize(message, field);
        for (int j = 0; j < n; ++j) {
          AddTarget(reflection->GetRepeatedString(message, field, j), entry);
        }
      } else {
        AddTarget(reflection->GetString(message, field), entry);
      }
    } else if (field->cpp_type() == Type::CPPTYPE_MESSAGE && depth > 0) {
      if (field->is_repeated()) {
        int n = reflection->FieldSize(message, field);
        for (int j = 0; j < n; ++j) {
          CollectTargets(reflection->GetRepeatedMessage(message, field, j),
                         depth - 1, entry);
        }
      } else if (reflection->HasField(message, field)) {
        CollectTargets(reflection->GetMessage(message, field), depth - 1,
                       entry);
      }
    }
  }
}

bool Matches(const v1::ListAuditEntriesRequest& request,
             const v1::AuditEntry& entry) {
  if (!request.principal_id().empty() &&
      entry.principal_id() != request.principal_id()) {
    return false;
  }
  if (!request.method().empty() && entry.method() != request.method()) {
    return false;
  }
  if (!request.outcome().empty() && entry.outcome() != request.outcome()) {
    return false;
  }
  if (!request.actor_id().empty()) {
    const auto& ids = entry.target_ids();
    if (std::find(ids.begin(), ids.end(), request.actor_id()) == ids.end()) {
      return false;
    }
  }
  return true;
}

// Checks the request; returns the effective page size.
absl::StatusOr<int> ValidateListRequest(
    const v1::ListAuditEntriesRequest& request) {
  FieldViolations violations;
  int page_size =
      ValidatePageSize(request.page_size(), Limits::kDefaultPageSize,
                       Limits::kPageSizeMax, "page_size", &violations);
  ValidateRecordId(request.actor_id(), /*required=*/false, "actor_id",
                   &violations);
  ValidateText(request.principal_id(), "principal_id", Limits::kShortTextMax,
               /*required=*/false, /*multiline=*/false, &violations);
  ValidateRecordId(request.method(), /*required=*/false, "method", &violations);
  if (!request.outcome().empty() && !IsCodeName(request.outcome())) {
    violations.Add("outcome", absl::StrCat("must be a gRPC code name such as "
                                           "OK or PERMISSION_DENIED, not ",
                                           Quote(request.outcome())));
  }
  ValidateTimestamp(request.start_time(), "start_time", &violations);
  ValidateTimestamp(request.end_time(), "end_time", &violations);
  if (violations.empty() && request.has_start_time() &&
      request.has_end_time() &&
      UnixMicros(request.end_time()) <= UnixMicros(request.start_time())) {
    violations.Add("end_time", "must be after start_time");
  }
  RETURN_IF_ERROR(violations.ToStatus());
  return page_size;
}

}  // namespace

absl::StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(storage::Store* store,
                                                         Options options) {
  ASSIGN_OR_RETURN(auto last, store->LastKey(Family::kAudit));
  uint64_t next_sequence = 0;
  if (last.has_value()) {
    auto parsed = storage::keys::AuditTimeAndSequence(*last);
    if (!parsed.has_value()) return absl::DataLossError("malformed audit key");
    next_sequence = parsed->second + 1;
  }
  return std::unique_ptr<AuditLog>(
      new AuditLog(store, std::move(options), next_sequence));
}

AuditLog::AuditLog(storage::Store* store, Options options,
                   uint64_t next_sequence)
    : store_(store),
      options_(std::move(options)),
      next_sequence_(next_sequence),
      thread_([this] { Run(); }) {}

AuditLog::~AuditLog() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void AuditLog::Record(v1::AuditEntry entry, bool sync) {
  if (!entry.has_time()) {
    *entry.mutable_time() = NowTimestamp();
  }
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= options_.max_queued) {
      ++dropped_unnoted_;
      ++dropped_total_;
      return;
    }
    queue_.push_back(Pending{std::move(entry), sync});
    ++recorded_;
    wake = queue_.size() == options_.flush_batch;
  }
  if (wake) wake_.notify_one();
}

void AuditLog::Flush() {
  std::unique_lock lock(mu_);
  const uint64_t target = recorded_;
  flush_requested_ = true;
  wake_.notify_one();
  written_.wait(lock, [&] { return done_ >= target; });
}

uint64_t AuditLog::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_total_;
}

void AuditLog::Run() {
  for (;;) {
    std::vector<Pending> batch;
    uint64_t dropped = 0;
    uint64_t taken = 0;
    bool stopping = false;
    {
      std::unique_lock lock(mu_);
      wake_.wait_for(lock, absl::ToChronoMilliseconds(options_.flush_interval),
                     [&] {
                       return stopping_ || flush_requested_ ||
                              queue_.size() >= options_.flush_batch;
                     });
      batch.swap(queue_);
      queue_.reserve(std::min(options_.flush_batch, options_.max_queued));
      dropped = dropped_unnoted_;
      dropped_unnoted_ = 0;
      taken = recorded_;
      flush_requested_ = false;
      stopping = stopping_;
    }
    if (!batch.empty() || dropped > 0) WriteBatch(std::move(batch), dropped);
    {
      std::lock_guard lock(mu_);
      done_ = taken;
    }
    written_.notify_all();
    if (stopping) {
      std::lock_guard lock(mu_);
      if (queue_.empty() && dropped_unnoted_ == 0) return;
    }
  }
}

void AuditLog::WriteBatch(std::vector<Pending> batch, uint64_t dropped) {
  if (dropped > 0) {
    // Now that there is room again: the trace of the flood.
    v1::AuditEntry note;
    *note.mutable_time() = NowTimestamp();
    note.set_principal_id("server");
    note.set_method("AuditLog");
    note.set_outcome("RESOURCE_EXHAUSTED");
    note.set_note(absl::StrCat(dropped,
                               " audit entries dropped: the queue was "
                               "full or the store refused them"));
    batch.push_back(Pending{std::move(note), true});
  }
  storage::WriteBatch write;
  bool sync = false;
  for (const Pending& p : batch) {
    write.PutMessage(
        Family::kAudit,
        storage::keys::Audit(UnixMicros(p.entry.time()), next_sequence_++),
        p.entry);
    sync = sync || p.sync;
  }
  if (absl::Status s = store_->Write(write, sync); !s.ok()) {
    base::Log(base::LogLevel::kError, "audit.write_failed")
        .Add("entries", batch.size())
        .Add("error", std::string(s.message()));
    std::lock_guard lock(mu_);
    // The note, if any, is counted again: it will be written with the
    // next batch that goes through.
    dropped_unnoted_ += dropped > 0 ? dropped + batch.size() - 1 : batch.size();
    dropped_total_ += dropped > 0 ? batch.size() - 1 : batch.size();
  }
}

absl::StatusOr<int64_t> AuditLog::Purge(absl::Time now, size_t batch,
                                        bool* done) {
  *done = true;
  if (options_.retention <= absl::ZeroDuration()) return 0;
  const int64_t cutoff = absl::ToUnixMicros(now - options_.retention);
  if (cutoff <= 0) return 0;
  // The keys are in time order: the oldest `batch` ones before the cutoff
  // are counted, then deleted as one range.
  std::string first;
  std::string last;
  size_t examined = 0;
  RETURN_IF_ERROR(store_->Scan(Family::kAudit, storage::keys::AuditPrefix(0),
                               storage::keys::AuditPrefix(cutoff),
                               [&](std::string_view key, std::string_view) {
                                 if (examined == batch) return false;
                                 if (examined == 0) first.assign(key);
                                 last.assign(key);
                                 ++examined;
                                 return true;
                               }));
  *done = examined < batch;
  if (examined == 0) return 0;
  storage::WriteBatch write;
  write.DeleteRange(Family::kAudit, first, last + '\0');
  RETURN_IF_ERROR(store_->Write(write, /*sync=*/false));
  return static_cast<int64_t>(examined);
}

absl::StatusOr<v1::ListAuditEntriesResponse> AuditLog::List(
    const v1::ListAuditEntriesRequest& request) {
  ASSIGN_OR_RETURN(const int page_size, ValidateListRequest(request));
  Flush();
  const uint64_t filters = FiltersFingerprint(request);
  ASSIGN_OR_RETURN(std::string position,
                   DecodePageToken(request.page_token(), filters));
  std::string start;
  if (!position.empty()) {
    // The position is the hex of the last key examined: start after it.
    std::string last = absl::HexStringToBytes(position);
    if (!storage::keys::AuditTimeAndSequence(last).has_value()) {
      return InvalidField("page_token", "is not a token this server issued");
    }
    start = last + '\0';
  }
  if (request.has_start_time()) {
    start = std::max(
        start, storage::keys::AuditPrefix(UnixMicros(request.start_time())));
  }
  std::string end;
  if (request.has_end_time()) {
    end = storage::keys::AuditPrefix(UnixMicros(request.end_time()));
    if (!start.empty() && start >= end) return v1::ListAuditEntriesResponse();
  }

  v1::ListAuditEntriesResponse response;
  size_t examined = 0;
  std::string last_examined;
  bool more = false;
  absl::Status parse_error;
  RETURN_IF_ERROR(store_->Scan(
      Family::kAudit, start, end,
      [&](std::string_view key, std::string_view value) {
        if (response.entries_size() == page_size || examined == kExaminedMax) {
          more = true;
          return false;
        }
        ++examined;
        last_examined.assign(key);
        v1::AuditEntry entry;
        if (!entry.ParseFromArray(value.data(),
                                  static_cast<int>(value.size()))) {
          parse_error = absl::DataLossError("unparsable audit entry");
          return false;
        }
        if (Matches(request, entry)) *response.add_entries() = std::move(entry);
        return true;
      }));
  RETURN_IF_ERROR(parse_error);
  if (more) {
    response.set_next_page_token(EncodePageToken(
        filters, absl::BytesToHexString(AsAbsl(last_examined))));
  }
  return response;
}

void SetAuditTargets(const google::protobuf::Message& request,
                     v1::AuditEntry* entry) {
  CollectTargets(request, /*depth=*/1, entry);
  const google::protobuf::FieldDescriptor* field =
      request.GetDescriptor()->FindFieldByName("request_id");
  if (field != nullptr &&
      field->type() == google::protobuf::FieldDescriptor::TYPE_STRING &&
      !field->is_repeated()) {
    const std::string& id = request.GetReflection()->GetString(request, field);
    entry->set_request_id(id.size() <= Limits::kRequestIdMax ? id : Quote(id));
  }
}

bool RequestsContacts(const google::protobuf::Message& request) {
  const google::protobuf::FieldDescriptor* field =
      request.GetDescriptor()->FindFieldByName("view");
  if (field == nullptr ||
      field->type() != google::protobuf::FieldDescriptor::TYPE_ENUM ||
      field->is_repeated()) {
    return false;
  }
  return request.GetReflection()->GetEnum(request, field)->name() ==
         "ACTOR_VIEW_FULL";
}

}  // namespace maillage::core

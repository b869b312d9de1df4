#include "core/request_log.h"

#include <xxhash.h>

#include <memory>

#include "absl/time/clock.h"
#include "base/status_macros.h"
#include "core/errors.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "maillage/storage/records.pb.h"
#include "storage/keys.h"

namespace maillage::core {

uint64_t RequestLog::Fingerprint(const google::protobuf::Message& request) {
  std::unique_ptr<google::protobuf::Message> copy(request.New());
  copy->CopyFrom(request);
  const auto* field = copy->GetDescriptor()->FindFieldByName("request_id");
  if (field != nullptr) copy->GetReflection()->ClearField(copy.get(), field);
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream raw(&bytes);
    google::protobuf::io::CodedOutputStream out(&raw);
    out.SetSerializationDeterministic(true);
    copy->SerializeToCodedStream(&out);
  }
  return XXH3_64bits(bytes.data(), bytes.size());
}

absl::StatusOr<std::optional<std::string>> RequestLog::Find(
    std::string_view method, std::string_view workspace,
    std::string_view request_id, uint64_t fingerprint) const {
  if (request_id.empty()) return std::optional<std::string>();
  storage::RequestRecord record;
  auto found = store_->GetMessage(
      storage::Family::kRequests,
      storage::keys::Request(method,
                             storage::keys::InWorkspace(workspace, request_id)),
      &record);
  if (!found.ok()) return found.status();
  if (!*found) return std::optional<std::string>();
  absl::Time recorded = absl::FromUnixMicros(record.create_time_unix_micros());
  if (absl::Now() - recorded > kRetention) return std::optional<std::string>();
  if (record.fingerprint() != fingerprint) {
    return FailedPrecondition(
        "REQUEST_ID_REUSED", request_id,
        "this request_id was already used for a different request; use a new "
        "request_id for a new request");
  }
  return std::optional<std::string>(record.response());
}

absl::StatusOr<int64_t> RequestLog::Purge(storage::Store* store, absl::Time now,
                                          size_t batch, std::string* after,
                                          bool* done) {
  const int64_t cutoff = absl::ToUnixMicros(now - kRetention);
  storage::WriteBatch write;
  int64_t purged = 0;
  size_t examined = 0;
  // Keys are never empty: after the first batch, start just past *after.
  const std::string start = after->empty() ? "" : *after + '\0';
  RETURN_IF_ERROR(
      store->Scan(storage::Family::kRequests, start, "",
                  [&](std::string_view key, std::string_view value) {
                    if (examined == batch) return false;
                    ++examined;
                    after->assign(key);
                    storage::RequestRecord record;
                    if (!record.ParseFromArray(
                            value.data(), static_cast<int>(value.size())) ||
                        record.create_time_unix_micros() < cutoff) {
                      write.Delete(storage::Family::kRequests, key);
                      ++purged;
                    }
                    return true;
                  }));
  *done = examined < batch;
  if (purged > 0) {
    // Not synced: a purge lost in a machine crash is done again next time.
    RETURN_IF_ERROR(store->Write(write, /*sync=*/false));
  }
  return purged;
}

void RequestLog::Record(storage::WriteBatch* batch, std::string_view method,
                        std::string_view workspace, std::string_view request_id,
                        uint64_t fingerprint,
                        const google::protobuf::MessageLite& response) {
  if (request_id.empty()) return;
  storage::RequestRecord record;
  record.set_fingerprint(fingerprint);
  record.set_response(response.SerializeAsString());
  record.set_create_time_unix_micros(absl::ToUnixMicros(absl::Now()));
  batch->PutMessage(storage::Family::kRequests,
                    storage::keys::Request(method, storage::keys::InWorkspace(
                                                       workspace, request_id)),
                    record);
}

}  // namespace maillage::core

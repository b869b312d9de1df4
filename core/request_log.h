#ifndef MAILLAGE_CORE_REQUEST_LOG_H_
#define MAILLAGE_CORE_REQUEST_LOG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "storage/store.h"

namespace maillage::core {

// Idempotent retries (AIP-155). A mutation carrying a request_id records its
// answer in the same WriteBatch as its effect; a later call with the same
// method and request_id gets that answer back instead of being applied again.
// A reused request_id with a different request is refused. Request ids are
// per workspace (core/workspace.h): one workspace's answer is never handed
// to another's retry, and ids may repeat across workspaces. Answers are kept
// for kRetention (a retry comes within minutes; ids may be reused after):
// older ones are never handed back, and the retention sweeper
// (core/retention.h) deletes them at start and periodically.
class RequestLog {
 public:
  static constexpr absl::Duration kRetention = absl::Hours(24);

  explicit RequestLog(storage::Store* store) : store_(store) {}

  // Examines the next `batch` records after *after in key order (from the
  // start when empty), deletes those recorded before `now` - kRetention (or
  // unparsable), and moves *after to the last key examined; *done is set
  // once the end is reached. Returns how many were deleted.
  // RESOURCE_EXHAUSTED when the disk is full (nothing deleted).
  static absl::StatusOr<int64_t> Purge(storage::Store* store, absl::Time now,
                                       size_t batch, std::string* after,
                                       bool* done);

  // Stable fingerprint of a request, ignoring its `request_id` field.
  static uint64_t Fingerprint(const google::protobuf::Message& request);

  // The recorded answer of (method, workspace, request_id), or nullopt when
  // none. FAILED_PRECONDITION when the id was used for a different request.
  absl::StatusOr<std::optional<std::string>> Find(std::string_view method,
                                                  std::string_view workspace,
                                                  std::string_view request_id,
                                                  uint64_t fingerprint) const;

  // Find, parsed as the method's answer; DATA_LOSS when it does not parse.
  template <typename Answer>
  absl::StatusOr<std::optional<Answer>> FindAnswer(std::string_view method,
                                                   std::string_view workspace,
                                                   std::string_view request_id,
                                                   uint64_t fingerprint) const {
    absl::StatusOr<std::optional<std::string>> found =
        Find(method, workspace, request_id, fingerprint);
    if (!found.ok()) return found.status();
    if (!found->has_value()) return std::optional<Answer>();
    Answer answer;
    if (!answer.ParseFromString(**found)) {
      return absl::DataLossError("unparsable recorded answer");
    }
    return std::optional<Answer>(std::move(answer));
  }

  // Adds the answer to `batch` (no-op when request_id is empty).
  static void Record(storage::WriteBatch* batch, std::string_view method,
                     std::string_view workspace, std::string_view request_id,
                     uint64_t fingerprint,
                     const google::protobuf::MessageLite& response);

 private:
  storage::Store* store_;
};

}  // namespace maillage::core

#endif  // MAILLAGE_CORE_REQUEST_LOG_H_

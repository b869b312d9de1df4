#ifndef MAILLAGE_CORE_ERRORS_H_
#define MAILLAGE_CORE_ERRORS_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

// The core's error vocabulary. Errors are absl::Status values whose code
// follows google.rpc.Code and whose payloads are serialized google.rpc detail
// messages (BadRequest, ResourceInfo, PreconditionFailure), keyed by their
// type URL. services/ turns them into a google.rpc.Status on the wire; nothing
// else needs to know about the mapping.
namespace maillage::core {

inline constexpr std::string_view kBadRequestType =
    "type.googleapis.com/google.rpc.BadRequest";
inline constexpr std::string_view kResourceInfoType =
    "type.googleapis.com/google.rpc.ResourceInfo";
inline constexpr std::string_view kPreconditionFailureType =
    "type.googleapis.com/google.rpc.PreconditionFailure";
inline constexpr std::string_view kRetryInfoType =
    "type.googleapis.com/google.rpc.RetryInfo";
inline constexpr std::string_view kQuotaFailureType =
    "type.googleapis.com/google.rpc.QuotaFailure";

// How large an INVALID_ARGUMENT may grow. Its google.rpc.Status travels in
// the trailers (grpc-status-details-bin, base64, and grpc-message,
// percent-encoded), and common clients refuse more than 8 KB of metadata
// (gRPC's default): with these bounds the serialized status stays under
// 4 KB whatever the request, so both trailers fit.
struct ErrorBounds {
  // Code points of a client value echoed in a description (see Quote).
  static constexpr size_t kEchoMax = 64;
  // Bytes of a violation's field path and of its description.
  static constexpr size_t kFieldBytesMax = 128;
  static constexpr size_t kDescriptionBytesMax = 256;
  // Violations listed in the BadRequest, and their serialized size; the
  // others are counted in one last violation.
  static constexpr size_t kListedMax = 20;
  static constexpr size_t kDetailsBytesMax = 3072;
  // Violations named in the status message, and its size in bytes.
  static constexpr size_t kInMessageMax = 3;
  static constexpr size_t kMessageBytesMax = 512;
};

// The field path of the BadRequest's last violation when some were left out.
inline constexpr std::string_view kMoreViolationsField = "…";

// A client value as an error description echoes it: in single quotes, with
// invalid UTF-8 and control characters replaced by U+FFFD, cut to
// ErrorBounds::kEchoMax code points followed by "…" when longer.
std::string Quote(std::string_view value);

// Collects every bad field of a request, so that a caller learns all its
// mistakes at once. Field paths use the request's field names with indexes:
// "actor.needs[2].resource".
class FieldViolations {
 public:
  // Keeps every violation; the field path and the description are made valid
  // UTF-8 and cut to ErrorBounds' sizes (with "…").
  void Add(std::string field, std::string description);
  bool empty() const { return list_.empty(); }
  size_t size() const { return list_.size(); }
  const std::vector<std::pair<std::string, std::string>>& list() const {
    return list_;
  }
  // OK when empty; otherwise INVALID_ARGUMENT with a BadRequest payload and a
  // message that names the first violations, both within ErrorBounds: the
  // BadRequest lists the first violations (at most kListedMax, within
  // kDetailsBytesMax) and, when some are left out, a last one with field
  // kMoreViolationsField saying how many.
  absl::Status ToStatus() const;

 private:
  std::vector<std::pair<std::string, std::string>> list_;
};

// INVALID_ARGUMENT naming a single field.
absl::Status InvalidField(std::string field, std::string description);

// NOT_FOUND / ALREADY_EXISTS with a ResourceInfo naming the resource.
absl::Status NotFound(std::string_view resource_type, std::string_view name);
absl::Status AlreadyExists(std::string_view resource_type,
                           std::string_view name);

// FAILED_PRECONDITION with one PreconditionFailure violation.
absl::Status FailedPrecondition(std::string_view type, std::string_view subject,
                                std::string_view description);

// ABORTED: the etag sent does not match the stored one.
absl::Status EtagMismatch(std::string_view resource_type, std::string_view name,
                          std::string_view sent, std::string_view stored);

// RESOURCE_EXHAUSTED with a RetryInfo: the server cannot take the call now
// (overloaded, disk full) and the client may retry after `retry_delay`.
absl::Status RetryLater(std::string message, absl::Duration retry_delay);

// RESOURCE_EXHAUSTED with one QuotaFailure violation: the request would cost
// more than one request may (no RetryInfo: retrying as is will fail again).
absl::Status OverBudget(std::string_view subject, std::string_view description);

}  // namespace maillage::core

#endif  // MAILLAGE_CORE_ERRORS_H_

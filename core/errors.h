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

// Collects every bad field of a request, so that a caller learns all its
// mistakes at once. Field paths use the request's field names with indexes:
// "actor.needs[2].resource".
class FieldViolations {
 public:
  void Add(std::string field, std::string description) {
    list_.emplace_back(std::move(field), std::move(description));
  }
  bool empty() const { return list_.empty(); }
  size_t size() const { return list_.size(); }
  const std::vector<std::pair<std::string, std::string>>& list() const {
    return list_;
  }
  // OK when empty; otherwise INVALID_ARGUMENT with a BadRequest payload and a
  // message that names the first violations.
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

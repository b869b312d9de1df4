#include "core/errors.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "base/utf8.h"
#include "google/rpc/error_details.pb.h"

namespace maillage::core {
namespace {

absl::Status WithPayload(absl::Status status, std::string_view type,
                         const google::protobuf::MessageLite& detail) {
  status.SetPayload(AsAbsl(type), absl::Cord(detail.SerializeAsString()));
  return status;
}

absl::Status WithResource(absl::StatusCode code, std::string message,
                          std::string_view resource_type,
                          std::string_view name) {
  google::rpc::ResourceInfo info;
  info.set_resource_type(std::string(resource_type));
  info.set_resource_name(std::string(name));
  return WithPayload(absl::Status(code, message), kResourceInfoType, info);
}

constexpr std::string_view kEllipsis = "…";

// `text` made valid UTF-8 and, when longer than `max_code_points` or
// `max_bytes`, cut on a code point boundary and ended with "…" (the result
// has at most `max_bytes` bytes).
std::string Shorten(std::string_view text, size_t max_code_points,
                    size_t max_bytes) {
  // Sanitizing never shortens: one byte more than `max_bytes` is enough to
  // know that the text must be cut.
  std::string valid = ToValidUtf8(text.substr(0, max_bytes + 1));
  if (valid.size() <= max_bytes && CodePointCount(valid) <= max_code_points) {
    return valid;
  }
  valid.resize(
      Utf8PrefixLength(valid, max_code_points, max_bytes - kEllipsis.size()));
  valid.append(kEllipsis);
  return valid;
}

std::string ShortenBytes(std::string_view text, size_t max_bytes) {
  return Shorten(text, max_bytes, max_bytes);
}

// The status message: how many violations, then the first ones.
std::string Message(
    const std::vector<std::pair<std::string, std::string>>& list) {
  std::string message =
      list.size() == 1
          ? std::string("invalid request: ")
          : absl::StrCat(list.size(), " invalid fields in request: ");
  for (size_t i = 0; i < list.size() && i < ErrorBounds::kInMessageMax; ++i) {
    absl::StrAppend(&message, i > 0 ? "; " : "", list[i].first, ": ",
                    list[i].second);
  }
  if (list.size() > ErrorBounds::kInMessageMax) {
    absl::StrAppend(&message, "; ", AsAbsl(kEllipsis));
  }
  return ShortenBytes(message, ErrorBounds::kMessageBytesMax);
}

}  // namespace

std::string Quote(std::string_view value) {
  // At most 4 bytes per code point.
  constexpr size_t kMaxBytes = 4 * ErrorBounds::kEchoMax + kEllipsis.size();
  std::string printable(value.substr(0, kMaxBytes + 1));
  for (char& c : printable) {
    // An ASCII control character is never part of a multi-byte sequence:
    // made an invalid byte, it becomes U+FFFD as invalid bytes do.
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = '\xFF';
  }
  return absl::StrCat("'", Shorten(printable, ErrorBounds::kEchoMax, kMaxBytes),
                      "'");
}

void FieldViolations::Add(std::string field, std::string description) {
  list_.emplace_back(
      ShortenBytes(field, ErrorBounds::kFieldBytesMax),
      ShortenBytes(description, ErrorBounds::kDescriptionBytesMax));
}

absl::Status FieldViolations::ToStatus() const {
  if (list_.empty()) return absl::OkStatus();
  google::rpc::BadRequest bad;
  size_t listed = 0;
  for (const auto& [field, description] : list_) {
    if (listed == ErrorBounds::kListedMax) break;
    auto* v = bad.add_field_violations();
    v->set_field(field);
    v->set_description(description);
    if (bad.ByteSizeLong() > ErrorBounds::kDetailsBytesMax) {
      bad.mutable_field_violations()->RemoveLast();
      break;
    }
    ++listed;
  }
  if (listed < list_.size()) {
    auto* more = bad.add_field_violations();
    more->set_field(std::string(kMoreViolationsField));
    more->set_description(absl::StrCat(list_.size() - listed,
                                       " more invalid fields, not listed"));
  }
  return WithPayload(absl::InvalidArgumentError(Message(list_)),
                     kBadRequestType, bad);
}

absl::Status InvalidField(std::string field, std::string description) {
  FieldViolations v;
  v.Add(std::move(field), std::move(description));
  return v.ToStatus();
}

absl::Status NotFound(std::string_view resource_type, std::string_view name) {
  return WithResource(
      absl::StatusCode::kNotFound,
      absl::StrCat(AsAbsl(resource_type), " '", AsAbsl(name), "' not found"),
      resource_type, name);
}

absl::Status AlreadyExists(std::string_view resource_type,
                           std::string_view name) {
  return WithResource(absl::StatusCode::kAlreadyExists,
                      absl::StrCat(AsAbsl(resource_type), " '", AsAbsl(name),
                                   "' already exists"),
                      resource_type, name);
}

absl::Status FailedPrecondition(std::string_view type, std::string_view subject,
                                std::string_view description) {
  google::rpc::PreconditionFailure failure;
  auto* v = failure.add_violations();
  v->set_type(std::string(type));
  v->set_subject(std::string(subject));
  v->set_description(std::string(description));
  return WithPayload(absl::FailedPreconditionError(absl::StrCat(
                         AsAbsl(subject), ": ", AsAbsl(description))),
                     kPreconditionFailureType, failure);
}

absl::Status EtagMismatch(std::string_view resource_type, std::string_view name,
                          std::string_view sent, std::string_view stored) {
  return WithResource(
      absl::StatusCode::kAborted,
      absl::StrCat(AsAbsl(resource_type), " '", AsAbsl(name),
                   "' was changed by someone else (etag sent \"", AsAbsl(sent),
                   "\", current \"", AsAbsl(stored),
                   "\"): read it again and retry"),
      resource_type, name);
}

absl::Status RetryLater(std::string message, absl::Duration retry_delay) {
  google::rpc::RetryInfo retry;
  int64_t millis = absl::ToInt64Milliseconds(retry_delay);
  retry.mutable_retry_delay()->set_seconds(millis / 1000);
  retry.mutable_retry_delay()->set_nanos(static_cast<int32_t>(millis % 1000) *
                                         1000000);
  return WithPayload(absl::ResourceExhaustedError(std::move(message)),
                     kRetryInfoType, retry);
}

absl::Status OverBudget(std::string_view subject,
                        std::string_view description) {
  google::rpc::QuotaFailure failure;
  auto* v = failure.add_violations();
  v->set_subject(std::string(subject));
  v->set_description(std::string(description));
  return WithPayload(absl::ResourceExhaustedError(absl::StrCat(
                         AsAbsl(subject), ": ", AsAbsl(description))),
                     kQuotaFailureType, failure);
}

}  // namespace maillage::core

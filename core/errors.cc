#include "core/errors.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "base/strings.h"
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

}  // namespace

absl::Status FieldViolations::ToStatus() const {
  if (list_.empty()) return absl::OkStatus();
  google::rpc::BadRequest bad;
  std::string message =
      list_.size() == 1
          ? std::string("invalid request: ")
          : absl::StrCat(list_.size(), " invalid fields in request: ");
  for (size_t i = 0; i < list_.size(); ++i) {
    auto* v = bad.add_field_violations();
    v->set_field(list_[i].first);
    v->set_description(list_[i].second);
    if (i < 3) {
      absl::StrAppend(&message, i > 0 ? "; " : "", list_[i].first, ": ",
                      list_[i].second);
    }
  }
  if (list_.size() > 3) absl::StrAppend(&message, "; …");
  return WithPayload(absl::InvalidArgumentError(message), kBadRequestType, bad);
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

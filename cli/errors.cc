#include "cli/errors.h"

#include <optional>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace maillage::cli {
namespace {

constexpr std::string_view kBadRequestType =
    "type.googleapis.com/google.rpc.BadRequest";
constexpr std::string_view kPreconditionFailureType =
    "type.googleapis.com/google.rpc.PreconditionFailure";
// Marks the CLI's own errors that choose their exit code; the payload is the
// code's decimal value. Never sent anywhere.
constexpr std::string_view kExitCodePayload = "maillage.cli/exit_code";

absl::Status WithExitCode(absl::Status status, ExitCode code) {
  status.SetPayload(AsAbsl(kExitCodePayload),
                    absl::Cord(std::to_string(static_cast<int>(code))));
  return status;
}

std::optional<ExitCode> ExplicitExitCode(const absl::Status& status) {
  auto payload = status.GetPayload(AsAbsl(kExitCodePayload));
  if (!payload.has_value()) return std::nullopt;
  std::string text(*payload);
  if (text == "2") return ExitCode::kUsage;
  if (text == "6") return ExitCode::kRejected;
  return ExitCode::kServerError;
}

}  // namespace

absl::Status UsageError(std::string_view message) {
  return WithExitCode(absl::InvalidArgumentError(AsAbsl(message)),
                      ExitCode::kUsage);
}

bool IsUsageError(const absl::Status& status) {
  return ExplicitExitCode(status) == ExitCode::kUsage;
}

absl::Status AsUsageError(const absl::Status& status) {
  if (status.ok() || IsUsageError(status)) return status;
  return UsageError(
      std::string_view(status.message().data(), status.message().size()));
}

absl::Status RejectedError(std::string_view message) {
  return WithExitCode(absl::InvalidArgumentError(AsAbsl(message)),
                      ExitCode::kRejected);
}

absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  // grpc::StatusCode and absl::StatusCode both follow google.rpc.Code.
  absl::Status result(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
  google::rpc::Status rich;
  if (!status.error_details().empty() &&
      rich.ParseFromString(status.error_details())) {
    for (const auto& any : rich.details()) {
      result.SetPayload(any.type_url(), absl::Cord(any.value()));
    }
  }
  return result;
}

ExitCode ExitCodeFor(const absl::Status& status) {
  if (status.ok()) return ExitCode::kOk;
  if (auto code = ExplicitExitCode(status)) return *code;
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
      return ExitCode::kNotFound;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return ExitCode::kInvalidInput;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kFailedPrecondition:
      return ExitCode::kConflict;
    default:
      return ExitCode::kServerError;
  }
}

absl::Status Annotate(const absl::Status& status, std::string_view prefix) {
  if (status.ok() || prefix.empty()) return status;
  absl::Status annotated(status.code(),
                         absl::StrCat(AsAbsl(prefix), ": ", status.message()));
  status.ForEachPayload(
      [&](absl::string_view type_url, const absl::Cord& payload) {
        annotated.SetPayload(type_url, payload);
      });
  return annotated;
}

std::string FormatError(const absl::Status& status) {
  if (status.ok()) return "";
  if (ExplicitExitCode(status).has_value()) {
    return absl::StrCat("maillage: ", status.message(), "\n");
  }
  std::string text =
      absl::StrCat("maillage: ", absl::StatusCodeToString(status.code()), ": ",
                   status.message(), "\n");
  if (auto payload = status.GetPayload(AsAbsl(kBadRequestType))) {
    google::rpc::BadRequest bad;
    if (bad.ParseFromString(std::string(*payload))) {
      for (const auto& v : bad.field_violations()) {
        absl::StrAppend(&text, "  ", v.field(), ": ", v.description(), "\n");
      }
    }
  }
  if (auto payload = status.GetPayload(AsAbsl(kPreconditionFailureType))) {
    google::rpc::PreconditionFailure failure;
    if (failure.ParseFromString(std::string(*payload))) {
      for (const auto& v : failure.violations()) {
        std::string line = absl::StrCat(v.subject(), ": ", v.description());
        // The server's message usually states a single violation already.
        if (absl::StrContains(status.message(), line)) continue;
        absl::StrAppend(&text, "  ", line, "\n");
      }
    }
  }
  return text;
}

}  // namespace maillage::cli

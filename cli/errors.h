#ifndef MAILLAGE_CLI_ERRORS_H_
#define MAILLAGE_CLI_ERRORS_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "grpcpp/support/status.h"

// The CLI's one error mapping. Commands return an absl::Status; a failed RPC
// becomes one with the same code, message and google.rpc detail payloads
// (FromGrpc). main() prints FormatError() on stderr and exits with
// ExitCodeFor().
namespace maillage::cli {

// The exit codes, documented in `maillage --help`.
enum class ExitCode : int {
  kOk = 0,
  kServerError = 1,   // transport, server-side or unclassified error
  kUsage = 2,         // bad command line
  kNotFound = 3,      // NOT_FOUND
  kInvalidInput = 4,  // INVALID_ARGUMENT, OUT_OF_RANGE, unreadable input
  kConflict = 5,      // ALREADY_EXISTS, ABORTED, FAILED_PRECONDITION
  kRejected = 6,      // a batch finished with rejected records
};

// A bad command line (unknown flag, missing argument...): exit code 2.
absl::Status UsageError(std::string_view message);
bool IsUsageError(const absl::Status& status);
// `status` as a usage error with the same message (a bad flag value found by
// a parser shared with file input); OK stays OK.
absl::Status AsUsageError(const absl::Status& status);
template <typename T>
absl::StatusOr<T> AsUsageError(absl::StatusOr<T> value) {
  if (value.ok()) return value;
  return AsUsageError(value.status());
}

// A batch (import, multi-record create) finished, its rejected records
// already reported: exit code 6. `message` sums it up ("2 of 40 rows
// rejected").
absl::Status RejectedError(std::string_view message);

// A failed RPC as an absl::Status: same code and message, and every
// google.rpc detail of grpc::Status::error_details() (a serialized
// google.rpc.Status) as a payload keyed by its type URL. OK stays OK.
absl::Status FromGrpc(const grpc::Status& status);

ExitCode ExitCodeFor(const absl::Status& status);

// `status` with "<prefix>: " before its message, payloads kept: which record
// of a batch failed ("line 3 (siret:12345678900011)").
absl::Status Annotate(const absl::Status& status, std::string_view prefix);

// What to print on stderr for a failed status, one or more lines each ending
// in '\n': "maillage: <CODE>: <message>", then one "  <field>: <description>"
// line per field violation of a google.rpc.BadRequest payload, and one per
// google.rpc.PreconditionFailure violation the message does not already
// state. Usage and rejected-batch errors print as "maillage: <message>".
std::string FormatError(const absl::Status& status);

}  // namespace maillage::cli

#endif  // MAILLAGE_CLI_ERRORS_H_

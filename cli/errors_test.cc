#include "cli/errors.h"

#include <string>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"

namespace maillage::cli {
namespace {

grpc::Status BadActorStatus() {
  google::rpc::BadRequest bad;
  auto* v = bad.add_field_violations();
  v->set_field("actor.name");
  v->set_description("required");
  v = bad.add_field_violations();
  v->set_field("actor.needs[2].resource");
  v->set_description("unknown resource 'money'");
  google::rpc::Status rich;
  rich.set_code(3);
  rich.set_message("2 invalid fields in request: ...");
  auto* any = rich.add_details();
  any->set_type_url("type.googleapis.com/google.rpc.BadRequest");
  any->set_value(bad.SerializeAsString());
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                      "2 invalid fields in request: ...",
                      rich.SerializeAsString());
}

TEST(ErrorsTest, BadRequestPrintsEveryViolation) {
  absl::Status status = FromGrpc(BadActorStatus());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ExitCodeFor(status), ExitCode::kInvalidInput);
  EXPECT_EQ(FormatError(status),
            "maillage: INVALID_ARGUMENT: 2 invalid fields in request: ...\n"
            "  actor.name: required\n"
            "  actor.needs[2].resource: unknown resource 'money'\n");
}

TEST(ErrorsTest, PreconditionFailureNotRepeated) {
  google::rpc::PreconditionFailure failure;
  auto* v = failure.add_violations();
  v->set_type("ETAG");
  v->set_subject("actor siret:1");
  v->set_description("changed");
  google::rpc::Status rich;
  auto* any = rich.add_details();
  any->set_type_url("type.googleapis.com/google.rpc.PreconditionFailure");
  any->set_value(failure.SerializeAsString());
  absl::Status said = FromGrpc(
      grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                   "actor siret:1: changed", rich.SerializeAsString()));
  EXPECT_EQ(FormatError(said),
            "maillage: FAILED_PRECONDITION: actor siret:1: changed\n");
  absl::Status unsaid =
      FromGrpc(grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "cannot",
                            rich.SerializeAsString()));
  EXPECT_EQ(
      FormatError(unsaid),
      "maillage: FAILED_PRECONDITION: cannot\n  actor siret:1: changed\n");
}

TEST(ErrorsTest, NoDetailsOrGarbledDetails) {
  absl::Status status = FromGrpc(
      grpc::Status(grpc::StatusCode::NOT_FOUND, "actor 'x' not found"));
  EXPECT_EQ(FormatError(status), "maillage: NOT_FOUND: actor 'x' not found\n");
  absl::Status garbled = FromGrpc(
      grpc::Status(grpc::StatusCode::INTERNAL, "boom", "\xff\xff not proto"));
  EXPECT_EQ(FormatError(garbled), "maillage: INTERNAL: boom\n");
}

TEST(ErrorsTest, OkStaysOk) {
  EXPECT_TRUE(FromGrpc(grpc::Status::OK).ok());
  EXPECT_EQ(ExitCodeFor(absl::OkStatus()), ExitCode::kOk);
  EXPECT_EQ(FormatError(absl::OkStatus()), "");
}

TEST(ErrorsTest, ExitCodes) {
  struct Case {
    grpc::StatusCode code;
    ExitCode exit;
  };
  for (const Case& c : {
           Case{grpc::StatusCode::NOT_FOUND, ExitCode::kNotFound},
           Case{grpc::StatusCode::INVALID_ARGUMENT, ExitCode::kInvalidInput},
           Case{grpc::StatusCode::OUT_OF_RANGE, ExitCode::kInvalidInput},
           Case{grpc::StatusCode::ALREADY_EXISTS, ExitCode::kConflict},
           Case{grpc::StatusCode::ABORTED, ExitCode::kConflict},
           Case{grpc::StatusCode::FAILED_PRECONDITION, ExitCode::kConflict},
           Case{grpc::StatusCode::UNAVAILABLE, ExitCode::kServerError},
           Case{grpc::StatusCode::DEADLINE_EXCEEDED, ExitCode::kServerError},
           Case{grpc::StatusCode::UNIMPLEMENTED, ExitCode::kServerError},
           Case{grpc::StatusCode::INTERNAL, ExitCode::kServerError},
           Case{grpc::StatusCode::PERMISSION_DENIED, ExitCode::kServerError},
       }) {
    EXPECT_EQ(ExitCodeFor(FromGrpc(grpc::Status(c.code, "m"))), c.exit)
        << static_cast<int>(c.code);
  }
}

TEST(ErrorsTest, UsageAndRejected) {
  absl::Status usage = UsageError("unknown flag '--x'");
  EXPECT_TRUE(IsUsageError(usage));
  EXPECT_EQ(ExitCodeFor(usage), ExitCode::kUsage);
  EXPECT_EQ(FormatError(usage), "maillage: unknown flag '--x'\n");

  absl::Status converted =
      AsUsageError(absl::InvalidArgumentError("--kind: x"));
  EXPECT_EQ(ExitCodeFor(converted), ExitCode::kUsage);
  EXPECT_EQ(converted.message(), "--kind: x");
  EXPECT_TRUE(AsUsageError(absl::OkStatus()).ok());

  absl::Status rejected = RejectedError("2 of 40 rows rejected");
  EXPECT_FALSE(IsUsageError(rejected));
  EXPECT_EQ(ExitCodeFor(rejected), ExitCode::kRejected);
  EXPECT_EQ(FormatError(rejected), "maillage: 2 of 40 rows rejected\n");
}

TEST(ErrorsTest, AnnotateKeepsCodeAndDetails) {
  absl::Status status = Annotate(FromGrpc(BadActorStatus()), "line 3 (x)");
  EXPECT_EQ(ExitCodeFor(status), ExitCode::kInvalidInput);
  EXPECT_EQ(FormatError(status),
            "maillage: INVALID_ARGUMENT: line 3 (x): 2 invalid fields in "
            "request: ...\n"
            "  actor.name: required\n"
            "  actor.needs[2].resource: unknown resource 'money'\n");
  EXPECT_EQ(ExitCodeFor(Annotate(RejectedError("r"), "p")),
            ExitCode::kRejected);
}

}  // namespace
}  // namespace maillage::cli

// maillage admin audit: the audit trail (AuditService), by actor, principal
// and period.
#include <algorithm>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "cli/errors.h"
#include "cli/output.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "maillage/v1/audit.pb.h"

namespace maillage::cli {
namespace {

using google::protobuf::util::TimeUtil;

constexpr char kListMethod[] = "/maillage.v1.AuditService/ListAuditEntries";
constexpr int kDefaultLimit = 100;
constexpr int kPageSize = 1000;  // the API's largest

google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(time));
}

// --since / --until: "2026-12-01" (UTC midnight; for --until, the end of
// that day) or an RFC 3339 time.
absl::StatusOr<absl::Time> ParseWhen(std::string_view flag,
                                     std::string_view text, bool end_of_day) {
  std::string s(absl::StripAsciiWhitespace(AsAbsl(text)));
  absl::Time time;
  std::string error;
  if (absl::ParseTime("%Y-%m-%d", s, absl::UTCTimeZone(), &time, &error)) {
    return end_of_day ? time + absl::Hours(24) : time;
  }
  if (absl::ParseTime(absl::RFC3339_full, s, &time, &error)) return time;
  return UsageError(absl::StrCat("--", AsAbsl(flag),
                                 ": expected YYYY-MM-DD or an RFC 3339 time "
                                 "(2026-12-01T08:00:00Z), got '",
                                 s, "'"));
}

// ListAuditEntries by name: the Client has no AuditService stub.
absl::Status CallList(Client& client, const v1::ListAuditEntriesRequest& req,
                      v1::ListAuditEntriesResponse* response) {
  std::string request_bytes = req.SerializeAsString();
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer answer;
  std::unique_ptr<grpc::ClientContext> context = client.NewCall();
  std::promise<grpc::Status> done;
  client.generic().UnaryCall(
      context.get(), kListMethod, grpc::StubOptions(), &request, &answer,
      [&done](grpc::Status status) { done.set_value(std::move(status)); });
  RETURN_IF_ERROR(client.Check(done.get_future().get()));
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!answer.Dump(&slices).ok()) {
    return absl::InternalError("unreadable audit answer");
  }
  for (const grpc::Slice& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  if (!response->ParseFromString(bytes)) {
    return absl::InternalError("unreadable audit answer");
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::ListAuditEntriesRequest> RequestFromFlags(
    const ParsedArgs& args) {
  v1::ListAuditEntriesRequest request;
  request.set_actor_id(args.ValueOr("actor", ""));
  request.set_principal_id(args.ValueOr("principal", ""));
  request.set_method(args.ValueOr("method", ""));
  request.set_outcome(
      absl::AsciiStrToUpper(AsAbsl(args.ValueOr("outcome", ""))));
  absl::Time since = absl::Now() - absl::Hours(24);
  if (auto value = args.Value("since")) {
    ASSIGN_OR_RETURN(since, ParseWhen("since", *value, false));
  }
  *request.mutable_start_time() = ToTimestamp(since);
  if (auto value = args.Value("until")) {
    ASSIGN_OR_RETURN(absl::Time until, ParseWhen("until", *value, true));
    *request.mutable_end_time() = ToTimestamp(until);
  }
  return request;
}

std::string Targets(const v1::AuditEntry& entry) {
  std::string out = absl::StrJoin(entry.target_ids(), " ");
  if (entry.target_count() > entry.target_ids_size()) {
    absl::StrAppend(&out, " (", entry.target_count(), " in all)");
  }
  return out;
}

absl::Status Audit(Client& client, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(OutputFormat format,
                   GetOutputFormat(args, OutputFormat::kTable));
  int limit = kDefaultLimit;
  if (auto value = args.Value("limit")) {
    if (!absl::SimpleAtoi(AsAbsl(*value), &limit) || limit < 1) {
      return UsageError(
          absl::StrCat("--limit: expected a positive number, "
                       "got '",
                       *value, "'"));
    }
  }
  ASSIGN_OR_RETURN(v1::ListAuditEntriesRequest request, RequestFromFlags(args));
  Table table({"TIME", "PRINCIPAL", "ROLE", "WORKSPACE", "METHOD", "TARGETS",
               "OUTCOME", "PEER", "NOTE"});
  table.SetMaxWidth(5, 60);
  table.SetMaxWidth(8, 60);
  int printed = 0;
  bool more = false;
  for (;;) {
    request.set_page_size(std::min(kPageSize, limit - printed));
    v1::ListAuditEntriesResponse page;
    RETURN_IF_ERROR(CallList(client, request, &page));
    for (const v1::AuditEntry& e : page.entries()) {
      if (format == OutputFormat::kJson) {
        client.out() << JsonLine(e) << '\n';
      } else {
        table.AddRow({FormatTime(e.time()), e.principal_id(), e.role(),
                      e.workspace(), e.method(), Targets(e), e.outcome(),
                      e.peer(), e.note()});
      }
      ++printed;
    }
    if (page.next_page_token().empty()) break;
    if (printed >= limit) {
      more = true;
      break;
    }
    request.set_page_token(page.next_page_token());
  }
  if (format == OutputFormat::kTable) {
    if (table.empty()) {
      client.err() << "maillage: no audit entries match\n";
    } else {
      table.Print(client.out());
    }
  }
  if (more) {
    client.err() << "maillage: more entries match: raise --limit or narrow "
                    "the period (--since, --until)\n";
  }
  return absl::OkStatus();
}

}  // namespace

CommandGroup AdminAuditGroup() {
  Command audit;
  audit.summary = "Read the audit trail (admins).";
  audit.description =
      "List what the server recorded, oldest first: every write, every read "
      "of contact persons, every key operation and every denied call, with "
      "the principal, its role and workspace, the method, the ids it "
      "targeted, the outcome and the client's address. Filters combine.";
  audit.flags = {
      {"actor", "ID", "Only calls that named this actor (or record) id."},
      {"principal", "ID",
       "Only calls of this principal (key:…, oidc:…, anonymous)."},
      {"since", "DATE|TIME",
       "From this day (YYYY-MM-DD, UTC) or RFC 3339 time (default: 24 "
       "hours ago)."},
      {"until", "DATE|TIME",
       "Up to the end of this day, or up to this RFC 3339 time."},
      {"method", "NAME", "Only calls of this RPC (DeleteActor)."},
      {"outcome", "CODE",
       "Only calls that ended so (OK, PERMISSION_DENIED, UNAUTHENTICATED)."},
      {"limit", "N", "Print at most N entries (default 100)."},
  };
  audit.flags.push_back(OutputFlag(OutputFormat::kTable, true));
  audit.details =
      "Example: maillage admin audit --actor siret:12345678900012 --since "
      "2026-12-01\n"
      "Example: maillage admin audit --outcome PERMISSION_DENIED --limit 20\n";
  audit.run = Audit;
  CommandGroup group;
  group.name = "admin audit";
  group.summary = "Audit trail of the server (admin role)";
  group.commands.push_back(std::move(audit));
  return group;
}

}  // namespace maillage::cli

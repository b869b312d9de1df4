// maillage admin keys create|list|revoke|rotate: the server's API keys
// (AdminService; admin role only).
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "cli/errors.h"
#include "cli/output.h"
#include "google/protobuf/util/time_util.h"
#include "maillage/v1/admin.grpc.pb.h"

namespace maillage::cli {
namespace {

using google::protobuf::util::TimeUtil;

// --expires: a date ("2027-06-30", end of that day UTC) or a duration from
// now ("90d", "12h", "30m").
absl::StatusOr<google::protobuf::Timestamp> ParseExpiry(
    const std::string& text) {
  absl::Time time;
  std::string error;
  if (absl::ParseTime("%Y-%m-%d", text, absl::UTCTimeZone(), &time, &error)) {
    return TimeUtil::SecondsToTimestamp(
        absl::ToUnixSeconds(time + absl::Hours(24)));
  }
  absl::Duration duration;
  std::string as_duration = text;
  if (!as_duration.empty() && as_duration.back() == 'd') {
    as_duration.pop_back();
    int days = 0;
    if (absl::SimpleAtoi(as_duration, &days) && days > 0) {
      duration = absl::Hours(24) * days;
      return TimeUtil::SecondsToTimestamp(
          absl::ToUnixSeconds(absl::Now() + duration));
    }
  } else if (absl::ParseDuration(text, &duration) &&
             duration > absl::ZeroDuration()) {
    return TimeUtil::SecondsToTimestamp(
        absl::ToUnixSeconds(absl::Now() + duration));
  }
  return UsageError(absl::StrCat(
      "--expires: expected a date YYYY-MM-DD or a duration (90d, 12h), got '",
      text, "'"));
}

std::string KeyState(const v1::ApiKey& key) {
  if (key.has_revoke_time()) return "revoked";
  if (key.has_expire_time() &&
      TimeUtil::TimestampToSeconds(key.expire_time()) <=
          absl::ToUnixSeconds(absl::Now())) {
    return "expired";
  }
  return "active";
}

std::string Scope(const v1::ApiKey& key) {
  return key.all_territories() ? std::string("all")
                               : absl::StrJoin(key.territories(), ",");
}

// The answer of create and rotate: the key once, then its description.
void PrintIssued(const v1::CreateApiKeyResponse& issued, OutputFormat format,
                 std::ostream& out, std::ostream& err) {
  if (format == OutputFormat::kJson) {
    out << JsonDocument(issued);
    return;
  }
  out << issued.secret() << "\n";
  err << "API key " << issued.key().id() << " (" << issued.key().role() << ", "
      << Scope(issued.key()) << ", workspace " << issued.key().workspace()
      << "). This is the only time the key is shown: store it now.\n";
}

std::unique_ptr<v1::AdminService::Stub> Stub(Client& client) {
  return v1::AdminService::NewStub(client.channel_for_stubs());
}

absl::Status Create(Client& client, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(OutputFormat format,
                   GetOutputFormat(args, OutputFormat::kTable));
  v1::CreateApiKeyRequest request;
  request.set_role(args.positional()[0]);
  request.set_label(args.ValueOr("label", ""));
  for (const std::string& t : args.ListValues("territory")) {
    request.add_territories(t);
  }
  request.set_all_territories(args.Has("all-territories"));
  request.set_workspace(args.ValueOr("workspace", ""));
  request.set_partner(args.ValueOr("partner", ""));
  if (auto expires = args.Value("expires")) {
    ASSIGN_OR_RETURN(*request.mutable_expire_time(), ParseExpiry(*expires));
  }
  v1::CreateApiKeyResponse response;
  auto context = client.NewCall();
  RETURN_IF_ERROR(client.Check(
      Stub(client)->CreateApiKey(context.get(), request, &response)));
  PrintIssued(response, format, client.out(), client.err());
  return absl::OkStatus();
}

absl::Status List(Client& client, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(OutputFormat format,
                   GetOutputFormat(args, OutputFormat::kTable));
  auto stub = Stub(client);
  v1::ListApiKeysRequest request;
  request.set_page_size(1000);
  Table table({"ID", "STATE", "ROLE", "TERRITORIES", "WORKSPACE", "LABEL",
               "LAST USE", "EXPIRES"});
  table.SetMaxWidth(3, 40);
  table.SetMaxWidth(5, 40);
  do {
    v1::ListApiKeysResponse response;
    auto context = client.NewCall();
    RETURN_IF_ERROR(
        client.Check(stub->ListApiKeys(context.get(), request, &response)));
    for (const v1::ApiKey& key : response.keys()) {
      if (format == OutputFormat::kJson) {
        client.out() << JsonLine(key) << "\n";
        continue;
      }
      table.AddRow({key.id(), KeyState(key), key.role(), Scope(key),
                    key.workspace(), key.label(),
                    FormatTime(key.last_use_time()),
                    FormatDate(key.expire_time())});
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  if (format == OutputFormat::kTable) table.Print(client.out());
  return absl::OkStatus();
}

absl::Status Revoke(Client& client, const ParsedArgs& args) {
  v1::RevokeApiKeyRequest request;
  request.set_id(args.positional()[0]);
  v1::ApiKey key;
  auto context = client.NewCall();
  RETURN_IF_ERROR(
      client.Check(Stub(client)->RevokeApiKey(context.get(), request, &key)));
  client.out() << "revoked " << key.id() << " (" << key.label() << ")\n";
  return absl::OkStatus();
}

absl::Status Rotate(Client& client, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(OutputFormat format,
                   GetOutputFormat(args, OutputFormat::kTable));
  v1::RotateApiKeyRequest request;
  request.set_id(args.positional()[0]);
  if (auto grace = args.Value("grace")) {
    absl::Duration duration;
    if (!absl::ParseDuration(*grace, &duration) ||
        duration < absl::ZeroDuration()) {
      return UsageError(absl::StrCat(
          "--grace: expected a duration (24h, 30m), got '", *grace, "'"));
    }
    request.mutable_grace()->set_seconds(absl::ToInt64Seconds(duration));
  }
  v1::CreateApiKeyResponse response;
  auto context = client.NewCall();
  RETURN_IF_ERROR(client.Check(
      Stub(client)->RotateApiKey(context.get(), request, &response)));
  PrintIssued(response, format, client.out(), client.err());
  return absl::OkStatus();
}

}  // namespace

CommandGroup AdminKeysGroup() {
  CommandGroup group;
  group.name = "admin keys";
  group.summary = "API keys of the server (admin role)";
  Command create;
  create.name = "create";
  create.arguments = "ROLE";
  create.min_args = create.max_args = 1;
  create.summary = "Create an API key; prints it once";
  create.description =
      "Creates a key for ROLE (reader, partner, animator, importer, admin) "
      "and prints it on standard output, once: the server keeps only a "
      "digest.";
  create.flags = {
      {"label", "TEXT", "What the key is for (required)."},
      {"territory", "LEVEL:CODE",
       "A territory the key works on (repeat, or comma-separated)."},
      {"all-territories", "", "Every territory (admins always)."},
      {"workspace", "NAME", "Workspace (default: default)."},
      {"partner", "NAME", "Namespace of a partner key's actors (ext:NAME:…)."},
      {"expires", "DATE|DURATION",
       "Expiry: a date (end of day UTC) or a duration from now (90d, 12h)."},
      OutputFlag(OutputFormat::kTable, false)};
  create.details =
      "Examples:\n"
      "  maillage admin keys create animator --label \"Lab 79\" \\\n"
      "      --territory departement:79 --workspace lab-79 --expires 365d\n"
      "  maillage admin keys create partner --label \"Plateforme bénévolat\" "
      "\\\n"
      "      --partner benevolat --territory region:75\n";
  create.run = Create;

  Command list;
  list.name = "list";
  list.summary = "List the API keys (never their secrets)";
  list.flags = {OutputFlag(OutputFormat::kTable, true)};
  list.run = List;

  Command revoke;
  revoke.name = "revoke";
  revoke.arguments = "ID";
  revoke.min_args = revoke.max_args = 1;
  revoke.summary = "Revoke an API key at once";
  revoke.run = Revoke;

  Command rotate;
  rotate.name = "rotate";
  rotate.arguments = "ID";
  rotate.min_args = rotate.max_args = 1;
  rotate.summary = "Issue a replacement key; the old one ends after --grace";
  rotate.flags = {{"grace", "DURATION",
                   "How long the old key keeps working (default: none)."},
                  OutputFlag(OutputFormat::kTable, false)};
  rotate.run = Rotate;

  group.commands = {create, list, revoke, rotate};
  return group;
}

}  // namespace maillage::cli

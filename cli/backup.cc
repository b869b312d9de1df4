// maillage admin backup create|list|verify|delete|purge: the server's
// backups (AdminService; admin role only).
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "base/status_macros.h"
#include "cli/commands.h"
#include "cli/errors.h"
#include "cli/output.h"
#include "google/protobuf/util/time_util.h"
#include "maillage/v1/admin.grpc.pb.h"

namespace maillage::cli {
namespace {

using google::protobuf::util::TimeUtil;

std::unique_ptr<v1::AdminService::Stub> Stub(Client& client) {
  return v1::AdminService::NewStub(client.channel_for_stubs());
}

// The backup id of the command line ("3").
absl::StatusOr<uint32_t> BackupId(const ParsedArgs& args) {
  uint32_t id = 0;
  if (!absl::SimpleAtoi(args.positional()[0], &id) || id == 0) {
    return UsageError(absl::StrCat("expected a backup id (1, 2, …), got '",
                                   args.positional()[0], "'"));
  }
  return id;
}

std::string Megabytes(int64_t bytes) {
  return absl::StrCat(FormatNumber(static_cast<double>(bytes) / (1 << 20)),
                      " MiB");
}

void PrintTable(const std::vector<v1::Backup>& backups, std::ostream& out) {
  Table table({"ID", "CREATED", "SEQUENCE", "SIZE", "FILES", "SCHEMA"});
  for (const v1::Backup& b : backups) {
    table.AddRow({absl::StrCat(b.id()), FormatTime(b.create_time()),
                  absl::StrCat(b.sequence_number()), Megabytes(b.size_bytes()),
                  absl::StrCat(b.file_count()),
                  absl::StrCat(b.schema_version())});
  }
  table.Print(out);
}

std::string PurgedNote(const google::protobuf::RepeatedField<uint32_t>& ids) {
  if (ids.empty()) return "";
  return absl::StrCat("; retention deleted backup", ids.size() > 1 ? "s " : " ",
                      absl::StrJoin(ids, ", "));
}

absl::Status Create(Client& client, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(OutputFormat format,
                   GetOutputFormat(args, OutputFormat::kTable));
  v1::CreateBackupResponse response;
  auto context = client.NewCall();
  RETURN_IF_ERROR(client.Check(Stub(client)->CreateBackup(
      context.get(), v1::CreateBackupRequest(), &response)));
  if (format == OutputFormat::kJson) {
    client.out() << JsonDocument(response);
    return absl::OkStatus();
  }
  PrintTable({response.backup()}, client.out());
  client.err() << "Backup " << response.backup().id() << " made in "
               << TimeUtil::DurationToMilliseconds(response.backup().duration())
               << " ms" << PurgedNote(response.purged_backup_ids()) << ".\n";
  return absl::OkStatus();
}

absl::Status List(Client& client, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(OutputFormat format,
                   GetOutputFormat(args, OutputFormat::kTable));
  v1::ListBackupsResponse response;
  auto context = client.NewCall();
  RETURN_IF_ERROR(client.Check(Stub(client)->ListBackups(
      context.get(), v1::ListBackupsRequest(), &response)));
  if (format == OutputFormat::kJson) {
    for (const v1::Backup& b : response.backups()) {
      client.out() << JsonLine(b) << "\n";
    }
    return absl::OkStatus();
  }
  PrintTable({response.backups().begin(), response.backups().end()},
             client.out());
  client.err() << "Retention: the newest "
               << (response.keep_last() > 0 ? absl::StrCat(response.keep_last())
                                            : std::string("(any number)"))
               << ", none older than "
               << (response.has_max_age() ? absl::FormatDuration(absl::Seconds(
                                                response.max_age().seconds()))
                                          : std::string("(no limit)"))
               << "; the newest is always kept.\n";
  return absl::OkStatus();
}

absl::Status Verify(Client& client, const ParsedArgs& args) {
  v1::VerifyBackupRequest request;
  ASSIGN_OR_RETURN(uint32_t id, BackupId(args));
  request.set_id(id);
  v1::Backup backup;
  auto context = client.NewCall();
  RETURN_IF_ERROR(client.Check(
      Stub(client)->VerifyBackup(context.get(), request, &backup)));
  client.out() << "backup " << backup.id() << ": " << backup.file_count()
               << " files, " << Megabytes(backup.size_bytes())
               << ", checksums verified\n";
  return absl::OkStatus();
}

absl::Status Delete(Client& client, const ParsedArgs& args) {
  v1::DeleteBackupRequest request;
  ASSIGN_OR_RETURN(uint32_t id, BackupId(args));
  request.set_id(id);
  google::protobuf::Empty empty;
  auto context = client.NewCall();
  RETURN_IF_ERROR(
      client.Check(Stub(client)->DeleteBackup(context.get(), request, &empty)));
  client.out() << "deleted backup " << id << "\n";
  return absl::OkStatus();
}

absl::Status Purge(Client& client, const ParsedArgs&) {
  v1::PurgeBackupsResponse response;
  auto context = client.NewCall();
  RETURN_IF_ERROR(client.Check(Stub(client)->PurgeBackups(
      context.get(), v1::PurgeBackupsRequest(), &response)));
  if (response.purged_backup_ids().empty()) {
    client.out() << "no backup to delete\n";
  } else {
    client.out() << "deleted backups "
                 << absl::StrJoin(response.purged_backup_ids(), ", ") << "\n";
  }
  return absl::OkStatus();
}

}  // namespace

CommandGroup AdminBackupGroup() {
  CommandGroup group;
  group.name = "admin backup";
  group.summary = "Backups of the server's store (admin role)";

  Command create;
  create.name = "create";
  create.summary = "Back the store up now (online), then apply the retention";
  create.description =
      "A consistent copy of the whole store as of one instant, made while "
      "the server serves, into the server's --backup_dir. Only the files "
      "changed since the previous backup are copied. Backups hold personal "
      "data, erased data included until they are deleted (docs/PRIVACY.md).";
  create.flags = {OutputFlag(OutputFormat::kTable, false)};
  create.run = Create;

  Command list;
  list.name = "list";
  list.summary = "List the backups, oldest first, and the retention";
  list.flags = {OutputFlag(OutputFormat::kTable, true)};
  list.run = List;

  Command verify;
  verify.name = "verify";
  verify.arguments = "ID";
  verify.min_args = verify.max_args = 1;
  verify.summary = "Read a backup back and check every file's checksum";
  verify.description =
      "Exit 0 when every file of the backup has its size and checksum; "
      "exit 1 naming the file otherwise (DATA_LOSS).";
  verify.run = Verify;

  Command remove;
  remove.name = "delete";
  remove.arguments = "ID";
  remove.min_args = remove.max_args = 1;
  remove.summary = "Delete a backup";
  remove.run = Delete;

  Command purge;
  purge.name = "purge";
  purge.summary = "Apply the retention now (--backup_keep, --backup_max_age)";
  purge.run = Purge;

  group.commands = {create, list, verify, remove, purge};
  return group;
}

}  // namespace maillage::cli

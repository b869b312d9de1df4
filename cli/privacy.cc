// maillage admin privacy: the rights of data subjects (PrivacyService):
// what the server holds about a person, and its erasure.
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "cli/commands.h"
#include "cli/errors.h"
#include "cli/output.h"
#include "maillage/v1/privacy.grpc.pb.h"

namespace maillage::cli {
namespace {

std::unique_ptr<v1::PrivacyService::Stub> Stub(Client& client) {
  return v1::PrivacyService::NewStub(client.channel_for_stubs());
}

// The person the command is about, from --email, --phone, --name and
// --principal (the server checks that at least one of the first three is
// there, and their forms).
v1::DataSubject SubjectFromFlags(const ParsedArgs& args) {
  v1::DataSubject subject;
  subject.set_email(args.ValueOr("email", ""));
  subject.set_phone(args.ValueOr("phone", ""));
  subject.set_name(args.ValueOr("name", ""));
  for (const std::string& id : args.ListValues("principal")) {
    subject.add_principal_ids(id);
  }
  return subject;
}

std::vector<FlagSpec> SubjectFlags() {
  return {
      {"email", "ADDRESS", "The person's e-mail address (case aside)."},
      {"phone", "NUMBER",
       "The person's phone number (digits compared; +33 and 0 alike)."},
      {"name", "NAME",
       "The person's name: matches contact persons of that name, and free "
       "text when it has two words or more."},
      {"principal", "ID",
       "A principal id known to be the person (oidc:…#…, key:…); repeatable.",
       /*repeatable=*/true},
  };
}

absl::Status Export(Client& client, const ParsedArgs& args) {
  v1::ExportPersonalDataRequest request;
  *request.mutable_subject() = SubjectFromFlags(args);
  v1::PersonalDataExport answer;
  auto context = client.NewCall();
  RETURN_IF_ERROR(client.Check(
      Stub(client)->ExportPersonalData(context.get(), request, &answer)));
  client.out() << JsonDocument(answer);
  client.err() << answer.items_size() << " items"
               << (answer.items_left_out() > 0
                       ? absl::StrCat(" (", answer.items_left_out(),
                                      " more left out: list them with "
                                      "'maillage admin audit --principal')")
                       : std::string())
               << "\n";
  return absl::OkStatus();
}

absl::Status Erase(Client& client, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(OutputFormat format,
                   GetOutputFormat(args, OutputFormat::kTable));
  v1::ErasePersonalDataRequest request;
  *request.mutable_subject() = SubjectFromFlags(args);
  request.set_validate_only(args.Has("validate-only"));
  if (!request.validate_only() && !args.Has("yes")) {
    return UsageError(
        "erasure cannot be undone: run it with --validate-only to see what "
        "it would erase, then with --yes");
  }
  v1::ErasePersonalDataResponse answer;
  auto context = client.NewCall();
  RETURN_IF_ERROR(client.Check(
      Stub(client)->ErasePersonalData(context.get(), request, &answer)));
  if (format == OutputFormat::kJson) {
    client.out() << JsonDocument(answer);
    return absl::OkStatus();
  }
  Table table({"RECORD", request.validate_only() ? "WOULD ERASE" : "ERASED"});
  for (const v1::ErasedRecords& e : answer.erased()) {
    table.AddRow({e.record(), absl::StrCat(e.count())});
  }
  table.Print(client.out());
  if (request.validate_only()) {
    client.err() << "Nothing erased (--validate-only).\n";
  } else if (answer.physically_erased()) {
    client.err() << "Erased; the person is now " << answer.pseudonym()
                 << " in the audit trail. Physical erasure took "
                 << answer.physical_erasure_millis() << " ms.\n";
  }
  return absl::OkStatus();
}

}  // namespace

CommandGroup AdminPrivacyGroup() {
  Command export_command;
  export_command.name = "export";
  export_command.summary = "Everything held about a person (subject access).";
  export_command.description =
      "Print, as one JSON document, every piece of personal data the server "
      "holds about a person, in every workspace, each with where it is held "
      "(record, id, field) and what it is for: contact persons, mentions in "
      "descriptions and notes, suggestions they asked for or moved, the API "
      "keys and audit entries of their principals. For GDPR article 15 "
      "requests.";
  export_command.flags = SubjectFlags();
  export_command.details =
      "Example: maillage admin privacy export --email marie.durand@example.fr "
      "> marie.json\n";
  export_command.run = Export;

  Command erase;
  erase.name = "erase";
  erase.summary = "Erase a person everywhere, physically (right to erasure).";
  erase.description =
      "Remove the person's contact entries, their mentions in free text "
      "(replaced by [effacé]), and replace their principal ids and display "
      "names by a pseudonym (the audit trail stays consistent); then flush "
      "and compact the store so that the erased values are in no live file "
      "of the data folder. Backups made before keep them until their "
      "retention deletes them; restoring one makes the erasure again "
      "(docs/PRIVACY.md, \"Backups\").";
  erase.flags = SubjectFlags();
  erase.flags.push_back(
      {"validate-only", "", "Count what would be erased; change nothing."});
  erase.flags.push_back(
      {"yes", "", "Confirm the erasure (it cannot be undone)."});
  erase.flags.push_back(OutputFlag(OutputFormat::kTable, false));
  erase.details =
      "Example: maillage admin privacy erase --email marie.durand@example.fr "
      "--validate-only\n"
      "Example: maillage admin privacy erase --email marie.durand@example.fr "
      "--yes\n";
  erase.run = Erase;

  CommandGroup group;
  group.name = "admin privacy";
  group.summary = "Personal data: subject access and erasure (admin role)";
  group.commands.push_back(std::move(export_command));
  group.commands.push_back(std::move(erase));
  return group;
}

}  // namespace maillage::cli

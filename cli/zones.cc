// maillage zones create|list|delete: the custom zones of the caller's
// workspace (TerritoryService.CreateCustomTerritory, ListTerritories at level
// CUSTOM, DeleteCustomTerritory). `maillage territories get custom:CODE`
// shows one with its communes.
#include <string>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "cli/commands.h"
#include "cli/errors.h"
#include "cli/output.h"
#include "cli/paging.h"
#include "cli/territory_list.h"
#include "maillage/v1/territory.grpc.pb.h"

namespace maillage::cli {
namespace {

absl::Status Create(Client& client, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(OutputFormat format,
                   GetOutputFormat(args, OutputFormat::kTable));
  v1::CreateCustomTerritoryRequest request;
  v1::Territory& zone = *request.mutable_territory();
  zone.mutable_ref()->set_level(v1::TERRITORY_LEVEL_CUSTOM);
  zone.mutable_ref()->set_code(args.positional()[0]);
  zone.set_name(args.ValueOr("name", ""));
  zone.set_description(args.ValueOr("description", ""));
  for (const std::string& commune : args.ListValues("communes")) {
    zone.add_communes(commune);
  }
  v1::Territory created;
  RETURN_IF_ERROR(client.Check(client.territories().CreateCustomTerritory(
      client.NewCall().get(), request, &created)));
  PrintMessage(created, format, client.out());
  return absl::OkStatus();
}

absl::Status List(Client& client, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(OutputFormat format,
                   GetOutputFormat(args, OutputFormat::kTable));
  ASSIGN_OR_RETURN(Paging paging, GetPaging(args));
  v1::ListTerritoriesRequest request;
  request.set_level(v1::TERRITORY_LEVEL_CUSTOM);
  return PrintTerritoryList(
      client, paging, format, std::move(request),
      {{"ZONE", "NAME", "COMMUNES", "POPULATION"},
       [](const v1::Territory& t) -> std::vector<std::string> {
         return {t.ref().code(), t.name(), FormatCount(t.commune_count()),
                 FormatCount(t.population())};
       },
       "no custom zone in this workspace"});
}

absl::Status Delete(Client& client, const ParsedArgs& args) {
  v1::DeleteCustomTerritoryRequest request;
  request.set_code(args.positional()[0]);
  request.set_etag(args.ValueOr("etag", ""));
  google::protobuf::Empty empty;
  RETURN_IF_ERROR(client.Check(client.territories().DeleteCustomTerritory(
      client.NewCall().get(), request, &empty)));
  client.err() << "maillage: deleted custom:" << request.code() << '\n';
  return absl::OkStatus();
}

}  // namespace

CommandGroup ZonesGroup() {
  CommandGroup group;
  group.name = "zones";
  group.summary = "custom zones of the workspace: sets of communes.";

  Command create;
  create.name = "create";
  create.arguments = "CODE";
  create.min_args = create.max_args = 1;
  create.summary = "Create a custom zone.";
  create.description =
      "Create a custom zone of the caller's workspace (a priority "
      "neighbourhood, a job basin, a pays): a code ([a-z0-9_-], at most 64), "
      "a name and its communes (INSEE codes; former codes are resolved). "
      "Requests then name it custom:CODE.";
  create.flags = {{"name", "NAME", "Its name (required)."},
                  {"communes", "CODE,CODE,…",
                   "Its communes, INSEE codes (required; repeatable).", true},
                  {"description", "TEXT", "What it is."},
                  OutputFlag(OutputFormat::kTable, false)};
  create.details =
      "Example:\n"
      "  maillage zones create qpv-bois-l-abbe --name \"Bois-l'Abbé\" "
      "--communes 94017,94018\n";
  create.run = Create;
  group.commands.push_back(std::move(create));

  Command list;
  list.name = "list";
  list.summary = "List the workspace's custom zones.";
  list.flags = PagingFlags();
  list.flags.push_back(OutputFlag(OutputFormat::kTable, true));
  list.details = "Example: maillage zones list --all\n";
  list.run = List;
  group.commands.push_back(std::move(list));

  Command remove;
  remove.name = "delete";
  remove.arguments = "CODE";
  remove.min_args = remove.max_args = 1;
  remove.summary = "Delete a custom zone.";
  remove.flags = {{"etag", "ETAG",
                   "Fail (exit 5) if the zone changed since this etag was "
                   "read."}};
  remove.details = "Example: maillage zones delete qpv-bois-l-abbe\n";
  remove.run = Delete;
  group.commands.push_back(std::move(remove));
  return group;
}

}  // namespace maillage::cli

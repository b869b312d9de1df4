// maillage territories get|list|resolve: the geography of TerritoryService.
#include <string>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "cli/commands.h"
#include "cli/errors.h"
#include "cli/names.h"
#include "cli/output.h"
#include "cli/paging.h"
#include "cli/territory_list.h"
#include "maillage/v1/territory.grpc.pb.h"

namespace maillage::cli {
namespace {

// The code of the enclosing territory of `territory` at `level`; "" when it
// has none.
std::string Ancestor(const v1::Territory& territory, v1::TerritoryLevel level) {
  for (const v1::TerritoryRef& ref : territory.ancestors()) {
    if (ref.level() == level) return ref.code();
  }
  return "";
}

absl::Status Get(Client& client, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(OutputFormat format,
                   GetOutputFormat(args, OutputFormat::kTable));
  v1::GetTerritoryRequest request;
  ASSIGN_OR_RETURN(
      *request.mutable_ref(),
      AsUsageError(ParseTerritoryRef("territory", args.positional()[0])));
  v1::Territory territory;
  RETURN_IF_ERROR(client.Check(client.territories().GetTerritory(
      client.NewCall().get(), request, &territory)));
  PrintMessage(territory, format, client.out());
  return absl::OkStatus();
}

absl::Status List(Client& client, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(OutputFormat format,
                   GetOutputFormat(args, OutputFormat::kTable));
  ASSIGN_OR_RETURN(Paging paging, GetPaging(args));
  v1::ListTerritoriesRequest request;
  if (auto level = args.Value("level")) {
    ASSIGN_OR_RETURN(v1::TerritoryLevel value,
                     AsUsageError(ParseTerritoryLevel("--level", *level)));
    request.set_level(value);
  }
  if (auto parent = args.Value("parent")) {
    ASSIGN_OR_RETURN(*request.mutable_parent(),
                     AsUsageError(ParseTerritoryRef("--parent", *parent)));
  }
  request.set_name_prefix(args.ValueOr("name", ""));

  return PrintTerritoryList(
      client, paging, format, std::move(request),
      {{"TERRITORY", "NAME", "POPULATION", "COMMUNES"},
       [](const v1::Territory& t) -> std::vector<std::string> {
         return {FormatTerritoryRef(t.ref()), t.name(),
                 FormatCount(t.population()), FormatCount(t.commune_count())};
       },
       "no territories match"});
}

absl::Status Resolve(Client& client, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(OutputFormat format,
                   GetOutputFormat(args, OutputFormat::kTable));
  v1::ResolvePostalCodeRequest request;
  request.set_postal_code(args.positional()[0]);
  v1::ResolvePostalCodeResponse response;
  RETURN_IF_ERROR(client.Check(client.territories().ResolvePostalCode(
      client.NewCall().get(), request, &response)));
  if (format == OutputFormat::kJson) {
    for (const v1::Territory& commune : response.communes()) {
      client.out() << JsonLine(commune) << '\n';
    }
    return absl::OkStatus();
  }
  if (response.communes().empty()) {
    client.err() << "maillage: no commune has postal code "
                 << request.postal_code() << '\n';
    return absl::OkStatus();
  }
  Table table({"COMMUNE", "NAME", "POPULATION", "DEPARTEMENT", "EPCI"});
  table.AlignRight(2);
  for (const v1::Territory& commune : response.communes()) {
    table.AddRow({commune.ref().code(), commune.name(),
                  FormatCount(commune.population()),
                  Ancestor(commune, v1::TERRITORY_LEVEL_DEPARTEMENT),
                  Ancestor(commune, v1::TERRITORY_LEVEL_EPCI)});
  }
  table.Print(client.out());
  return absl::OkStatus();
}

}  // namespace

CommandGroup TerritoriesGroup() {
  CommandGroup group;
  group.name = "territories";
  group.summary = "the official geography and custom zones (TerritoryService).";

  Command get;
  get.name = "get";
  get.arguments = "LEVEL:CODE";
  get.min_args = get.max_args = 1;
  get.summary = "Show a territory.";
  get.description =
      "Show a territory: name, population, enclosing territories, postal "
      "codes; for a custom zone its communes.";
  get.flags = {OutputFlag(OutputFormat::kTable, false)};
  get.details = "Example: maillage territories get epci:200054781\n";
  get.run = Get;
  group.commands.push_back(std::move(get));

  Command list;
  list.name = "list";
  list.summary = "List territories, filtered.";
  list.description =
      "List territories, filtered by level, enclosing territory and name.";
  list.flags = {
      {"level", "LEVEL",
       absl::StrCat("Only this level: ",
                    ShortEnumNames(*v1::TerritoryLevel_descriptor(), ", "),
                    ".")},
      {"parent", "LEVEL:CODE", "Only territories inside this one."},
      {"name", "PREFIX",
       "Only names starting so, ignoring case and accents "
       "(\"saint-maur\")."},
  };
  for (FlagSpec& flag : PagingFlags()) list.flags.push_back(std::move(flag));
  list.flags.push_back(OutputFlag(OutputFormat::kTable, true));
  list.details =
      "Examples:\n"
      "  maillage territories list --level commune --parent departement:94\n"
      "  maillage territories list --name saint-maur --all\n";
  list.run = List;
  group.commands.push_back(std::move(list));

  Command resolve;
  resolve.name = "resolve";
  resolve.arguments = "POSTAL_CODE";
  resolve.min_args = resolve.max_args = 1;
  resolve.summary = "The communes served by a postal code.";
  resolve.flags = {OutputFlag(OutputFormat::kTable, true)};
  resolve.details = "Example: maillage territories resolve 94220\n";
  resolve.run = Resolve;
  group.commands.push_back(std::move(resolve));
  return group;
}

absl::Status PrintTerritoryList(Client& client, const Paging& paging,
                                OutputFormat format,
                                v1::ListTerritoriesRequest request,
                                const TerritoryTable& table_spec) {
  Table table(table_spec.headers);
  table.SetMaxWidth(1, 50);
  table.AlignRight(2);
  table.AlignRight(3);
  ASSIGN_OR_RETURN(
      std::string next,
      FetchPages<v1::ListTerritoriesResponse>(
          paging,
          [&](int32_t size, const std::string& token,
              v1::ListTerritoriesResponse* response) {
            request.set_page_size(size);
            request.set_page_token(token);
            return client.Check(client.territories().ListTerritories(
                client.NewCall().get(), request, response));
          },
          [&](const v1::ListTerritoriesResponse& response) {
            for (const v1::Territory& t : response.territories()) {
              if (format == OutputFormat::kJson) {
                client.out() << JsonLine(t) << '\n';
              } else {
                table.AddRow(table_spec.row(t));
              }
            }
          }));
  if (format == OutputFormat::kTable) {
    if (table.empty()) {
      client.err() << "maillage: " << table_spec.none_matched << "\n";
    } else {
      table.Print(client.out());
    }
  }
  NoteMorePages(client, next);
  return absl::OkStatus();
}

}  // namespace maillage::cli

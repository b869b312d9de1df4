// maillage facts list LEVEL:CODE: the fragilities and assets attached to a
// territory (TerritoryService.ListFacts).
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/status_macros.h"
#include "cli/commands.h"
#include "cli/errors.h"
#include "cli/names.h"
#include "cli/output.h"
#include "cli/paging.h"
#include "maillage/v1/territory.grpc.pb.h"

namespace maillage::cli {
namespace {

absl::Status List(Client& client, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(OutputFormat format,
                   GetOutputFormat(args, OutputFormat::kTable));
  ASSIGN_OR_RETURN(Paging paging, GetPaging(args));
  v1::ListFactsRequest request;
  ASSIGN_OR_RETURN(
      *request.mutable_territory(),
      AsUsageError(ParseTerritoryRef("territory", args.positional()[0])));
  if (auto type = args.Value("type")) {
    ASSIGN_OR_RETURN(v1::FactType value,
                     AsUsageError(ParseEnum<v1::FactType>("--type", *type)));
    request.set_type(value);
  }
  request.set_theme(args.ValueOr("theme", ""));

  Table table({"ID", "TYPE", "THEME", "TITLE", "VALUE", "REFERENCE", "UNIT",
               "YEAR", "SEVERITY"});
  table.SetMaxWidth(0, 30);
  table.SetMaxWidth(3, 40);
  for (size_t number_column : {4, 5, 7, 8}) table.AlignRight(number_column);
  ASSIGN_OR_RETURN(
      std::string next,
      FetchPages<v1::ListFactsResponse>(
          paging,
          [&](int32_t size, const std::string& token,
              v1::ListFactsResponse* response) {
            request.set_page_size(size);
            request.set_page_token(token);
            return client.Check(client.territories().ListFacts(
                client.NewCall().get(), request, response));
          },
          [&](const v1::ListFactsResponse& response) {
            for (const v1::TerritoryFact& fact : response.facts()) {
              if (format == OutputFormat::kJson) {
                client.out() << JsonLine(fact) << '\n';
                continue;
              }
              table.AddRow({fact.id(), ShortEnumName(fact.type()), fact.theme(),
                            fact.title(),
                            fact.has_value() ? FormatNumber(fact.value()) : "",
                            fact.has_reference_value()
                                ? FormatNumber(fact.reference_value())
                                : "",
                            fact.unit(),
                            fact.year() != 0 ? std::to_string(fact.year()) : "",
                            fact.has_severity()
                                ? absl::StrFormat("%.2f", fact.severity())
                                : ""});
            }
          }));
  if (format == OutputFormat::kTable) {
    if (table.empty()) {
      client.err() << "maillage: no facts recorded for "
                   << FormatTerritoryRef(request.territory()) << '\n';
    } else {
      table.Print(client.out());
    }
  }
  NoteMorePages(client, next);
  return absl::OkStatus();
}

}  // namespace

CommandGroup FactsGroup() {
  CommandGroup group;
  group.name = "facts";
  group.summary = "the fragilities and assets recorded for a territory.";
  Command list;
  list.name = "list";
  list.arguments = "LEVEL:CODE";
  list.min_args = list.max_args = 1;
  list.summary = "List the fragilities and assets of a territory.";
  list.description =
      "List the fragilities and assets attached to exactly this territory "
      "(not those of the territories inside or around it).";
  list.flags = {
      {"type", "TYPE", "Only fragility or only asset."},
      {"theme", "THEME", "Only facts on this theme."},
  };
  for (FlagSpec& flag : PagingFlags()) list.flags.push_back(std::move(flag));
  list.flags.push_back(OutputFlag(OutputFormat::kTable, true));
  list.details =
      "Example: maillage facts list commune:94018 --type fragility\n";
  list.run = List;
  group.commands.push_back(std::move(list));
  return group;
}

}  // namespace maillage::cli

// maillage themes, maillage resources: the vocabularies actors are written
// in (ActorService.ListThemes, ListResources).
#include <string>

#include "base/status_macros.h"
#include "cli/commands.h"
#include "cli/errors.h"
#include "cli/names.h"
#include "cli/output.h"
#include "maillage/v1/actor.grpc.pb.h"

namespace maillage::cli {
namespace {

absl::Status Themes(Client& client, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(OutputFormat format,
                   GetOutputFormat(args, OutputFormat::kTable));
  v1::ListThemesResponse response;
  RETURN_IF_ERROR(client.Check(client.actors().ListThemes(
      client.NewCall().get(), v1::ListThemesRequest(), &response)));
  if (format == OutputFormat::kJson) {
    for (const v1::Theme& t : response.themes()) {
      client.out() << JsonLine(t) << '\n';
    }
    return absl::OkStatus();
  }
  Table table({"CODE", "FRANÇAIS", "ENGLISH"});
  for (const v1::Theme& t : response.themes()) {
    table.AddRow({t.code(), t.label_fr(), t.label_en()});
  }
  table.Print(client.out());
  return absl::OkStatus();
}

absl::Status Resources(Client& client, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(OutputFormat format,
                   GetOutputFormat(args, OutputFormat::kTable));
  v1::ListResourcesResponse response;
  RETURN_IF_ERROR(client.Check(client.actors().ListResources(
      client.NewCall().get(), v1::ListResourcesRequest(), &response)));
  if (format == OutputFormat::kJson) {
    for (const v1::Resource& r : response.resources()) {
      client.out() << JsonLine(r) << '\n';
    }
    return absl::OkStatus();
  }
  Table table({"CODE", "FRANÇAIS", "ENGLISH", "A COMPANY GIVING IT MAKES"});
  for (const v1::Resource& r : response.resources()) {
    table.AddRow({r.code(), r.label_fr(), r.label_en(),
                  ShortEnumName(r.category()) + " / " + r.modality()});
  }
  table.Print(client.out());
  return absl::OkStatus();
}

CommandGroup SingleCommandGroup(std::string name, std::string summary,
                                std::string description, std::string example,
                                CommandRun run) {
  CommandGroup group;
  group.name = std::move(name);
  group.summary = summary;
  Command command;
  command.summary = std::move(summary);
  command.description = std::move(description);
  command.flags = {OutputFlag(OutputFormat::kTable, true)};
  command.details = "Example: " + std::move(example) + "\n";
  command.run = std::move(run);
  group.commands.push_back(std::move(command));
  return group;
}

}  // namespace

CommandGroup ThemesGroup() {
  return SingleCommandGroup(
      "themes", "the theme codes actors, facts and requests take.",
      "Every theme code the server accepts (actors' themes, exchanges' "
      "themes, facts, coalition challenges), with its French and English "
      "labels.",
      "maillage themes --output json", Themes);
}

CommandGroup ResourcesGroup() {
  return SingleCommandGroup(
      "resources", "the resource codes of needs and offers.",
      "Every resource code the server accepts in needs and offers, with its "
      "French and English labels and the partnership a company giving it to "
      "a non-company makes.",
      "maillage resources", Resources);
}

}  // namespace maillage::cli

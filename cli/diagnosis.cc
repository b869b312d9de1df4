// maillage diagnosis LEVEL:CODE: TerritoryService.GetTerritoryDiagnosis as a
// readable report.
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "cli/commands.h"
#include "cli/errors.h"
#include "cli/names.h"
#include "cli/output.h"
#include "maillage/v1/territory.grpc.pb.h"

namespace maillage::cli {
namespace {

// "28 %" / "28" / "" (unset).
std::string Measure(bool has_value, double value, const std::string& unit) {
  if (!has_value) return "";
  std::string text = FormatNumber(value);
  if (!unit.empty()) absl::StrAppend(&text, " ", unit);
  return text;
}

// "taux de chômage des 15-24 ans: 28 % (reference 17 %), 2021, INSEE".
std::string FactMeasureLine(const v1::TerritoryFact& fact) {
  std::vector<std::string> parts;
  std::string measure = Measure(fact.has_value(), fact.value(), fact.unit());
  std::string reference =
      Measure(fact.has_reference_value(), fact.reference_value(), fact.unit());
  std::string line = fact.indicator();
  if (!measure.empty()) {
    absl::StrAppend(&line, line.empty() ? "" : ": ", measure);
  }
  if (!reference.empty()) {
    absl::StrAppend(&line, line.empty() ? "" : " ", "(reference ", reference,
                    ")");
  }
  if (!line.empty()) parts.push_back(line);
  if (fact.year() != 0) parts.push_back(std::to_string(fact.year()));
  if (!fact.source().empty()) parts.push_back(fact.source());
  return absl::StrJoin(parts, ", ");
}

// "Chômage des jeunes [employment_insertion]", with the territory when it is
// not the one diagnosed (a fact of a commune inside a département).
std::string FactTitle(const v1::TerritoryFact& fact,
                      const v1::TerritoryRef& diagnosed) {
  std::string title = fact.title().empty() ? fact.id() : fact.title();
  if (!fact.theme().empty()) absl::StrAppend(&title, " [", fact.theme(), "]");
  if (fact.territory().level() != diagnosed.level() ||
      fact.territory().code() != diagnosed.code()) {
    absl::StrAppend(&title, " in ", FormatTerritoryRef(fact.territory()));
  }
  return title;
}

std::string KindCounts(
    const google::protobuf::RepeatedPtrField<v1::KindCount>& counts) {
  std::vector<std::string> parts;
  for (const v1::KindCount& count : counts) {
    if (count.count() == 0) continue;
    parts.push_back(
        absl::StrCat(ShortEnumName(count.kind()), " ", count.count()));
  }
  return absl::StrJoin(parts, ", ");
}

void PrintReport(const v1::TerritoryDiagnosis& diagnosis, std::ostream& out) {
  const v1::Territory& territory = diagnosis.territory();
  std::string name =
      territory.name().empty()
          ? FormatTerritoryRef(territory.ref())
          : absl::StrCat(territory.name(), " (",
                         FormatTerritoryRef(territory.ref()), ")");
  out << "Diagnosis of " << name << "\n";
  // Sparse territories have well under one actor per 10,000 inhabitants.
  double density = diagnosis.actor_density();
  out << "Population " << FormatCount(diagnosis.population()) << ", "
      << FormatCount(diagnosis.actor_count())
      << (diagnosis.actor_count() == 1 ? " actor (" : " actors (")
      << absl::StrFormat(density >= 1 || density == 0 ? "%.1f" : "%.2g",
                         density)
      << " per 10,000 inhabitants)\n";

  if (!diagnosis.actors_by_kind().empty()) {
    out << "\nActors by kind\n";
    Table table({"KIND", "ACTORS"});
    table.AlignRight(1);
    for (const v1::KindCount& count : diagnosis.actors_by_kind()) {
      table.AddRow({ShortEnumName(count.kind()), FormatCount(count.count())});
    }
    table.Print(out, 2);
  }
  if (!diagnosis.actors_by_theme().empty()) {
    out << "\nActors by theme\n";
    Table table({"THEME", "ACTORS"});
    table.AlignRight(1);
    for (const v1::ThemeCount& count : diagnosis.actors_by_theme()) {
      table.AddRow({count.theme(), FormatCount(count.count())});
    }
    table.Print(out, 2);
  }

  out << "\nFragilities, most severe first\n";
  if (diagnosis.fragilities().empty()) out << "  none recorded\n";
  int rank = 0;
  for (const v1::FragilityDiagnosis& f : diagnosis.fragilities()) {
    const v1::TerritoryFact& fact = f.fragility();
    out << "  " << ++rank << ". " << FactTitle(fact, territory.ref()) << "\n";
    std::string severity =
        fact.has_severity()
            ? absl::StrCat("severity ",
                           absl::StrFormat("%.2f", fact.severity()),
                           fact.severity_derived() ? " (derived)" : "")
            : "severity not given";
    std::string measure = FactMeasureLine(fact);
    out << "     " << severity << (measure.empty() ? "" : "; ") << measure
        << "\n";
    out << "     " << f.actors_on_theme() << " actor"
        << (f.actors_on_theme() == 1 ? "" : "s") << " on the theme";
    std::string by_kind = KindCounts(f.actors_on_theme_by_kind());
    if (!by_kind.empty()) out << ": " << by_kind;
    out << "\n";
    if (!f.missing_kinds().empty()) {
      std::vector<std::string> kinds;
      for (int kind : f.missing_kinds()) {
        kinds.push_back(ShortEnumName(static_cast<v1::ActorKind>(kind)));
      }
      out << "     missing: " << absl::StrJoin(kinds, ", ") << "\n";
    }
  }

  out << "\nAssets\n";
  if (diagnosis.assets().empty()) out << "  none recorded\n";
  for (const v1::TerritoryFact& asset : diagnosis.assets()) {
    out << "  - " << FactTitle(asset, territory.ref()) << "\n";
    std::string measure = FactMeasureLine(asset);
    if (!measure.empty()) out << "    " << measure << "\n";
  }
}

absl::Status Diagnose(Client& client, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(OutputFormat format,
                   GetOutputFormat(args, OutputFormat::kTable));
  v1::GetTerritoryDiagnosisRequest request;
  ASSIGN_OR_RETURN(
      *request.mutable_territory(),
      AsUsageError(ParseTerritoryRef("territory", args.positional()[0])));
  v1::TerritoryDiagnosis diagnosis;
  RETURN_IF_ERROR(client.Check(client.territories().GetTerritoryDiagnosis(
      client.NewCall().get(), request, &diagnosis)));
  if (format == OutputFormat::kJson) {
    client.out() << JsonDocument(diagnosis);
  } else {
    PrintReport(diagnosis, client.out());
  }
  return absl::OkStatus();
}

}  // namespace

CommandGroup DiagnosisGroup() {
  CommandGroup group;
  group.name = "diagnosis";
  group.summary =
      "what a territory has and lacks: its actors, fragilities and assets.";
  Command diagnosis;
  diagnosis.arguments = "LEVEL:CODE";
  diagnosis.min_args = diagnosis.max_args = 1;
  diagnosis.summary = "The diagnosis of a territory, as a report.";
  diagnosis.description =
      "The diagnosis of a territory: population, actors by kind and theme, "
      "fragilities (its own and those of the territories containing it) "
      "ranked by severity with the actors on their theme and the kinds "
      "missing, assets.";
  diagnosis.flags = {{"output", "json|table",
                      "Output format (default table: a readable report)."}};
  diagnosis.details = "Example: maillage diagnosis departement:94\n";
  diagnosis.run = Diagnose;
  group.commands.push_back(std::move(diagnosis));
  return group;
}

}  // namespace maillage::cli

// maillage suggest partners|coalition|panel and maillage explain:
// MatchService, as ranked tables with the reasons an animator can repeat.
#include <cmath>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "cli/commands.h"
#include "cli/errors.h"
#include "cli/match_text.h"
#include "cli/names.h"
#include "cli/output.h"
#include "maillage/v1/matching.grpc.pb.h"

namespace maillage::cli {
namespace {

using google::protobuf::FieldDescriptor;

// "Atelier Numérique (ext:demo:1100)"; the id alone when there is no name.
std::string NameAndId(const std::string& name, const std::string& id) {
  return name.empty() ? id : absl::StrCat(name, " (", id, ")");
}

std::string KindNames(const google::protobuf::RepeatedField<int>& kinds) {
  std::vector<std::string> names;
  for (int kind : kinds) {
    names.push_back(ShortEnumName(static_cast<v1::ActorKind>(kind)));
  }
  return absl::StrJoin(names, ", ");
}

// --weight complementarity=2 ...: MatchWeights by field name.
absl::Status ParseWeights(const ParsedArgs& args, v1::MatchWeights* weights) {
  const google::protobuf::Descriptor& type = *weights->GetDescriptor();
  std::vector<std::string> names;
  for (int i = 0; i < type.field_count(); ++i) {
    names.push_back(type.field(i)->name());
  }
  for (const std::string& item : args.Values("weight")) {
    std::vector<std::string> parts = absl::StrSplit(item, '=');
    const FieldDescriptor* field =
        parts.size() == 2 ? type.FindFieldByName(parts[0]) : nullptr;
    double value = 0;
    if (field == nullptr || !absl::SimpleAtod(parts[1], &value) ||
        !(value >= 0)) {
      return UsageError(absl::StrCat(
          "--weight: expected FACTOR=WEIGHT (WEIGHT >= 0, FACTOR one of ",
          absl::StrJoin(names, ", "), "), got '", item, "'"));
    }
    weights->GetReflection()->SetDouble(weights, field, value);
  }
  return absl::OkStatus();
}

FlagSpec WeightFlag() {
  return {"weight", "FACTOR=W",
          "Override one of the workspace's weights ('maillage weights show'; "
          "server defaults in brackets): complementarity (0.40), "
          "shared_themes (0.20), fragility (0.15), cross_kind (0.10), "
          "capacity (0.05), common_partners (0.10), relative to each other; "
          "proximity (0.85), responsiveness (0.30) and similar_success "
          "(0.50) are strengths from 0 to 1. Repeatable.",
          true};
}

void PrintPartners(const v1::SuggestPartnersResponse& response,
                   std::ostream& out) {
  out << "Partners suggested for " << response.actor_id() << ", best first\n";
  Table table(
      {"#", "SCORE", "PARTNER", "ID", "KIND", "CATEGORY", "COMMUNE", "KM"});
  table.AlignRight(0);
  table.AlignRight(1);
  table.AlignRight(7);
  table.SetMaxWidth(2, 40);
  int rank = 0;
  for (const v1::PartnerSuggestion& s : response.suggestions()) {
    table.AddRow(
        {std::to_string(++rank), FormatScore(s.score()), s.partner_name(),
         s.partner_id(), ShortEnumName(s.partner_kind()),
         FormatCategory(s.category(), s.modality()), s.partner_home_commune(),
         s.distance_km() >= 0 ? absl::StrFormat("%.0f", s.distance_km())
                              : std::string()});
  }
  table.Print(out);
  rank = 0;
  for (const v1::PartnerSuggestion& s : response.suggestions()) {
    out << "\n"
        << ++rank << ". " << NameAndId(s.partner_name(), s.partner_id())
        << ", score " << FormatScore(s.score()) << "\n";
    out << WrapText(s.explanation(), 3);
    out << WrapList("factors:", FactorSummaries(s.factors()), 3);
    for (const v1::MatchFactor* f : LargestFirst(s.factors())) {
      if (f->detail().empty()) continue;  // --details only
      out << WrapHanging(absl::StrCat(f->code(), ": ", f->detail()), 5, 7);
    }
    if (!s.suggestion_id().empty()) {
      out << "   suggestion " << s.suggestion_id() << "\n";
    }
  }
}

absl::Status Partners(Client& client, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(OutputFormat format,
                   GetOutputFormat(args, OutputFormat::kTable));
  v1::SuggestPartnersRequest request;
  request.set_actor_id(args.positional()[0]);
  ASSIGN_OR_RETURN(int64_t limit, args.IntValue("limit", 0, 1, 1000));
  request.set_limit(static_cast<int32_t>(limit));
  ASSIGN_OR_RETURN(std::vector<v1::ActorKind> kinds,
                   AsUsageError(ParseEnums<v1::ActorKind>(
                       "--kind", args.ListValues("kind"))));
  for (v1::ActorKind kind : kinds) request.add_kinds(kind);
  ASSIGN_OR_RETURN(std::vector<v1::PartnershipCategory> categories,
                   AsUsageError(ParseEnums<v1::PartnershipCategory>(
                       "--category", args.ListValues("category"))));
  for (v1::PartnershipCategory c : categories) request.add_categories(c);
  for (const std::string& theme : args.ListValues("theme")) {
    request.add_themes(theme);
  }
  if (auto scope = args.Value("scope")) {
    ASSIGN_OR_RETURN(*request.mutable_scope(),
                     AsUsageError(ParseTerritoryRef("--scope", *scope)));
  }
  ASSIGN_OR_RETURN(double min_score, args.NumberValue("min-score", 0, 0, 1));
  request.set_min_score(min_score);
  RETURN_IF_ERROR(ParseWeights(args, request.mutable_weights()));
  request.set_preview(args.Has("preview"));
  request.set_requested_by(args.ValueOr("by", ""));
  request.set_view(args.Has("details") ? v1::SUGGESTION_VIEW_FULL
                                       : v1::SUGGESTION_VIEW_BASIC);

  v1::SuggestPartnersResponse response;
  RETURN_IF_ERROR(client.Check(client.match().SuggestPartners(
      client.NewCall().get(), request, &response)));
  if (format == OutputFormat::kJson) {
    client.out() << JsonDocument(response);
  } else if (response.suggestions().empty()) {
    client.err() << "maillage: no partner to suggest for " << request.actor_id()
                 << "\n";
  } else {
    PrintPartners(response, client.out());
  }
  return absl::OkStatus();
}

void PrintFlows(
    const google::protobuf::RepeatedPtrField<v1::ResourceFlow>& flows,
    std::ostream& out) {
  Table table(
      {"GIVER", "RECEIVER", "RESOURCE", "THEME", "QUALITY", "CATEGORY"});
  table.AlignRight(4);
  for (const v1::ResourceFlow& flow : flows) {
    table.AddRow({flow.giver_id(), flow.receiver_id(), flow.resource(),
                  flow.theme().empty() ? "any" : flow.theme(),
                  FormatScore(flow.quality()),
                  FormatCategory(flow.category(), flow.modality())});
  }
  table.Print(out, 2);
}

void PrintExplanation(const v1::ExplainMatchRequest& request,
                      const v1::MatchExplanation& explanation,
                      std::ostream& out) {
  const v1::PartnerSuggestion& s = explanation.suggestion();
  out << request.actor_id() << " and "
      << NameAndId(s.partner_name(), s.partner_id()) << "\n";
  std::string partner = ShortEnumName(s.partner_kind());
  if (!s.partner_home_commune().empty()) {
    absl::StrAppend(&partner, partner.empty() ? "" : ", ", "commune ",
                    s.partner_home_commune());
  }
  if (!partner.empty()) out << "  partner:    " << partner << "\n";
  out << "  score:      " << FormatScore(s.score()) << " (fit for "
      << request.actor_id() << " " << FormatScore(s.fit_for_actor()) << ", for "
      << s.partner_id() << " " << FormatScore(s.fit_for_partner()) << ")\n";
  if (s.category() != v1::PARTNERSHIP_CATEGORY_UNSPECIFIED) {
    out << "  category:   " << FormatCategory(s.category(), s.modality());
    std::vector<std::string> others;
    for (int c : s.categories()) {
      if (c != s.category()) {
        others.push_back(
            ShortEnumName(static_cast<v1::PartnershipCategory>(c)));
      }
    }
    if (!others.empty()) out << " (also " << absl::StrJoin(others, ", ") << ")";
    out << "\n";
  }
  if (!s.shared_themes().empty()) {
    out << "  themes:     " << absl::StrJoin(s.shared_themes(), ", ") << "\n";
  }
  if (s.distance_km() >= 0) {
    out << "  distance:   " << absl::StrFormat("%.1f km", s.distance_km())
        << "\n";
  }
  if (!s.explanation().empty()) out << "\n" << WrapText(s.explanation(), 0);

  out << "\nFactors, largest contribution first\n";
  Table factors({"FACTOR", "VALUE", "WEIGHT", "CONTRIBUTION"});
  for (size_t column : {1, 2, 3}) factors.AlignRight(column);
  double total = 0;
  for (const v1::MatchFactor* f : LargestFirst(s.factors())) {
    factors.AddRow({f->code(), FormatScore(f->value()),
                    FormatScore(f->weight()),
                    absl::StrFormat("%+.3f", f->contribution())});
    total += f->contribution();
  }
  factors.AddRow({"total", "", "", absl::StrFormat("%.3f", total)});
  factors.Print(out, 2);
  bool first = true;
  for (const v1::MatchFactor* f : LargestFirst(s.factors())) {
    if (f->detail().empty()) continue;
    if (first) out << "\n";
    first = false;
    out << WrapHanging(absl::StrCat(f->code(), ": ", f->detail()), 2, 4);
  }

  out << "\nResource flows\n";
  if (s.flows().empty()) {
    out << "  none: neither needs what the other offers\n";
  } else {
    PrintFlows(s.flows(), out);
  }

  out << "\nBlockers\n";
  if (explanation.blockers().empty()) {
    out << "  none: suggest partners may propose this pair\n";
  }
  for (const std::string& blocker : explanation.blockers()) {
    out << WrapText(absl::StrCat("- ", blocker), 2);
  }
}

absl::Status Explain(Client& client, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(OutputFormat format,
                   GetOutputFormat(args, OutputFormat::kTable));
  v1::ExplainMatchRequest request;
  request.set_actor_id(args.positional()[0]);
  request.set_partner_id(args.positional()[1]);
  RETURN_IF_ERROR(ParseWeights(args, request.mutable_weights()));
  v1::MatchExplanation explanation;
  RETURN_IF_ERROR(client.Check(client.match().ExplainMatch(
      client.NewCall().get(), request, &explanation)));
  if (format == OutputFormat::kJson) {
    client.out() << JsonDocument(explanation);
  } else {
    PrintExplanation(request, explanation, client.out());
  }
  return absl::OkStatus();
}

// "12 km", "< 1 km", "" when unknown.
std::string FormatKm(double km) {
  if (km < 0) return "";
  if (km < 1) return "< 1 km";
  return absl::StrCat(FormatNumber(std::round(km)), " km");
}

// "Niort (79191)", "" when unknown.
std::string FormatCommune(const std::string& name, const std::string& code) {
  if (code.empty()) return "";
  return name.empty() ? code : absl::StrCat(name, " (", code, ")");
}

// The members of a coalition as a table, then why each one is in it.
void PrintMembers(const v1::Coalition& coalition, std::ostream& out) {
  Table table({"#", "ROLE", "NAME", "KIND", "COMMUNE", "DISTANCE", "RELEVANCE",
               "BRINGS"});
  table.AlignRight(0);
  table.AlignRight(5);
  table.AlignRight(6);
  table.SetMaxWidth(1, 30);
  table.SetMaxWidth(2, 28);
  table.SetMaxWidth(4, 26);
  int number = 0;
  for (const v1::CoalitionMember& m : coalition.members()) {
    std::vector<std::string> brings(m.brings().begin(), m.brings().end());
    for (const std::string& r : m.reinforces()) brings.push_back("+" + r);
    table.AddRow({absl::StrCat(++number, m.lead() ? "*" : ""), m.role(),
                  m.name(), ShortEnumName(m.kind()),
                  FormatCommune(m.home_commune_name(), m.home_commune()),
                  FormatKm(m.distance_km()), FormatScore(m.relevance()),
                  absl::StrJoin(brings, ", ")});
  }
  table.Print(out, 2);
  out << "  (* lead; +resource: reinforces a need another member brings)\n";
  number = 0;
  for (const v1::CoalitionMember& m : coalition.members()) {
    ++number;
    if (m.reason().empty()) continue;
    out << WrapHanging(absl::StrCat(number, ". ", m.name(), " (", m.actor_id(),
                                    "): ", m.reason()),
                       2, 5);
  }
}

void PrintCoverage(const v1::Coalition& coalition, size_t indent,
                   std::ostream& out) {
  out << WrapHanging(
      absl::StrCat("covered: ",
                   coalition.covered_needs().empty()
                       ? std::string("none")
                       : absl::StrJoin(coalition.covered_needs(), ", "),
                   " (coverage ", FormatScore(coalition.coverage()),
                   ": 1 when every need is offered on the challenge's themes)"),
      indent, indent + 4);
  out << WrapHanging(
      absl::StrCat("uncovered: ",
                   coalition.uncovered_needs().empty()
                       ? std::string("none")
                       : absl::StrJoin(coalition.uncovered_needs(), ", ")),
      indent, indent + 4);
  if (!coalition.uncovered_themes().empty()) {
    out << WrapHanging(
        absl::StrCat("themes nobody acts on: ",
                     absl::StrJoin(coalition.uncovered_themes(), ", ")),
        indent, indent + 4);
  }
  out << WrapHanging(
      absl::StrCat("objective: ", FormatScore(coalition.objective()),
                   " (1: every need met by one ideal provider, every theme "
                   "represented), of which the team itself ",
                   FormatScore(coalition.team_part())),
      indent, indent + 4);
  if (!coalition.missing_kinds().empty()) {
    out << WrapHanging(absl::StrCat("missing kinds (none proposable here): ",
                                    KindNames(coalition.missing_kinds())),
                       indent, indent + 4);
  }
}

std::string DistanceOriginWords(v1::DistanceOrigin origin) {
  switch (origin) {
    case v1::DISTANCE_ORIGIN_ANCHOR:
      return "distances from the anchor";
    case v1::DISTANCE_ORIGIN_TERRITORY_CENTRE:
      return "distances from the territory's centre (mean position of its "
             "actors)";
    default:
      return "no distance known (no coordinates)";
  }
}

void PrintCoalition(const v1::SuggestCoalitionRequest& request,
                    const v1::SuggestCoalitionResponse& response,
                    std::ostream& out) {
  out << "Coalition on " << absl::StrJoin(response.themes(), " + ") << " in "
      << FormatTerritoryRef(request.territory()) << "\n";
  out << WrapHanging(
      absl::StrCat("needs: ",
                   response.needed_resources().empty()
                       ? std::string("none")
                       : absl::StrJoin(response.needed_resources(), ", "),
                   response.derived_needs()
                       ? " (derived from what the territory's actors on the "
                         "themes need)"
                       : ""),
      0, 4);
  out << DistanceOriginWords(response.distance_origin()) << "\n\n";
  const v1::Coalition& coalition = response.coalition();
  if (coalition.members().empty()) {
    out << "  no coalition found\n";
  } else {
    PrintMembers(coalition, out);
  }
  out << "\n";
  PrintCoverage(coalition, 0, out);
  if (!coalition.summary().empty()) out << WrapText(coalition.summary(), 0);
  if (!response.method().empty()) {
    out << "\n" << WrapText(absl::StrCat("Method: ", response.method()), 0);
  }
  if (!response.alternatives().empty()) out << "\nAlternatives\n";
  int number = 0;
  for (const v1::Coalition& alternative : response.alternatives()) {
    std::vector<std::string> members;
    for (const v1::CoalitionMember& m : alternative.members()) {
      members.push_back(
          absl::StrCat(m.name(), " (", ShortEnumName(m.kind()), ")"));
    }
    out << WrapHanging(
        absl::StrCat(++number, ". ", absl::StrJoin(members, ", ")), 2, 5);
    PrintCoverage(alternative, 5, out);
  }
}

// The theme weights of --theme-weights, parallel to the themes.
absl::Status AddThemeWeights(const ParsedArgs& args,
                             v1::SuggestCoalitionRequest* request) {
  for (const std::string& weight : args.ListValues("theme-weights")) {
    double w = 0;
    if (!absl::SimpleAtod(weight, &w) || !(w > 0)) {
      return UsageError(
          absl::StrCat("--theme-weights: '", weight, "' is not a number > 0"));
    }
    request->add_theme_weights(w);
  }
  if (request->theme_weights_size() > 0 &&
      request->theme_weights_size() != request->themes_size()) {
    return UsageError("--theme-weights: give one weight per theme");
  }
  return absl::OkStatus();
}

absl::Status Coalition(Client& client, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(OutputFormat format,
                   GetOutputFormat(args, OutputFormat::kTable));
  v1::SuggestCoalitionRequest request;
  ASSIGN_OR_RETURN(
      *request.mutable_territory(),
      AsUsageError(ParseTerritoryRef("territory", args.positional()[0])));
  for (size_t i = 1; i < args.positional().size(); ++i) {
    for (absl::string_view theme :
         absl::StrSplit(args.positional()[i], ',', absl::SkipEmpty())) {
      request.add_themes(std::string(theme));
    }
  }
  RETURN_IF_ERROR(AddThemeWeights(args, &request));
  for (const std::string& need : args.ListValues("needs")) {
    request.add_needed_resources(need);
  }
  request.set_anchor_id(args.ValueOr("anchor", ""));
  ASSIGN_OR_RETURN(int64_t min_size, args.IntValue("min-size", 0, 1, 12));
  ASSIGN_OR_RETURN(int64_t max_size, args.IntValue("max-size", 0, 1, 12));
  if (min_size > 0 && max_size > 0 && min_size > max_size) {
    return UsageError("--min-size is larger than --max-size");
  }
  request.set_min_size(static_cast<int32_t>(min_size));
  request.set_max_size(static_cast<int32_t>(max_size));
  ASSIGN_OR_RETURN(std::vector<v1::ActorKind> kinds,
                   AsUsageError(ParseEnums<v1::ActorKind>(
                       "--require", args.ListValues("require"))));
  for (v1::ActorKind kind : kinds) request.add_required_kinds(kind);
  request.set_any_kinds(args.Has("any-kinds"));
  if (args.Has("alternatives")) {
    ASSIGN_OR_RETURN(int64_t alternatives,
                     args.IntValue("alternatives", 3, 0, 3));
    request.set_alternatives(static_cast<int32_t>(alternatives));
  }
  v1::SuggestCoalitionResponse response;
  RETURN_IF_ERROR(client.Check(client.match().SuggestCoalition(
      client.NewCall().get(), request, &response)));
  if (format == OutputFormat::kJson) {
    client.out() << JsonDocument(response);
  } else {
    PrintCoalition(request, response, client.out());
  }
  return absl::OkStatus();
}

void PrintPanel(const v1::SuggestDialoguePanelRequest& request,
                const v1::DialoguePanel& panel, std::ostream& out) {
  out << "Dialogue panel on " << absl::StrJoin(request.themes(), ", ") << " in "
      << FormatTerritoryRef(request.territory()) << ": "
      << panel.invitations_size()
      << (panel.invitations_size() == 1 ? " invitation" : " invitations")
      << "\n\n";
  if (panel.invitations().empty()) {
    out << "  nobody to invite\n";
  } else {
    Table table({"#", "NAME", "ID", "KIND", "COMMUNE", "DISTANCE", "THEMES"});
    table.AlignRight(0);
    table.AlignRight(5);
    table.SetMaxWidth(1, 40);
    table.SetMaxWidth(4, 26);
    int number = 0;
    for (const v1::Invitation& i : panel.invitations()) {
      table.AddRow({std::to_string(++number), i.name(), i.actor_id(),
                    ShortEnumName(i.kind()),
                    FormatCommune(i.home_commune_name(), i.home_commune()),
                    FormatKm(i.distance_km()),
                    absl::StrJoin(i.themes(), ", ")});
    }
    table.Print(out, 2);
    out << "  " << DistanceOriginWords(panel.distance_origin()) << "\n";
    out << "\nWhy each is invited\n";
    number = 0;
    for (const v1::Invitation& i : panel.invitations()) {
      out << WrapHanging(
          absl::StrCat(++number, ". ", i.name(), ": ", i.reason()), 2, 5);
    }
  }
  out << "\n";
  std::vector<std::string> counts;
  for (const v1::KindCount& count : panel.kind_counts()) {
    if (count.count() == 0) continue;
    counts.push_back(
        absl::StrCat(ShortEnumName(count.kind()), " ", count.count()));
  }
  if (!counts.empty())
    out << "kinds:     " << absl::StrJoin(counts, ", ") << "\n";
  out << "covered:   "
      << (panel.covered_themes().empty()
              ? std::string("none")
              : absl::StrJoin(panel.covered_themes(), ", "))
      << "\n";
  out << "uncovered: "
      << (panel.uncovered_themes().empty()
              ? std::string("none")
              : absl::StrJoin(panel.uncovered_themes(), ", "))
      << "\n";
  if (!panel.summary().empty()) out << WrapText(panel.summary(), 0);
}

absl::Status Panel(Client& client, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(OutputFormat format,
                   GetOutputFormat(args, OutputFormat::kTable));
  v1::SuggestDialoguePanelRequest request;
  ASSIGN_OR_RETURN(
      *request.mutable_territory(),
      AsUsageError(ParseTerritoryRef("territory", args.positional()[0])));
  for (size_t i = 1; i < args.positional().size(); ++i) {
    for (absl::string_view theme :
         absl::StrSplit(args.positional()[i], ',', absl::SkipEmpty())) {
      request.add_themes(std::string(theme));
    }
  }
  ASSIGN_OR_RETURN(int64_t size, args.IntValue("size", 0, 1, 200));
  request.set_size(static_cast<int32_t>(size));
  v1::DialoguePanel panel;
  RETURN_IF_ERROR(client.Check(client.match().SuggestDialoguePanel(
      client.NewCall().get(), request, &panel)));
  if (format == OutputFormat::kJson) {
    client.out() << JsonDocument(panel);
  } else {
    PrintPanel(request, panel, client.out());
  }
  return absl::OkStatus();
}

// maillage suggest coalition.
Command CoalitionCommand() {
  Command coalition;
  coalition.name = "coalition";
  coalition.arguments = "LEVEL:CODE THEME...";
  coalition.min_args = 2;
  coalition.max_args = 9;
  coalition.summary = "Propose a team for a territory's challenge.";
  coalition.description =
      "Propose a team of actors of different kinds (by default at least an "
      "association, a company and a public body) for a collective "
      "experiment on one or more THEMEs (all required, or weighted) in a "
      "territory, chosen for what they bring to the challenge and to each "
      "other: each member's role, what it brings, whose needs it meets, its "
      "commune and distance, its relevance (its share of the objective); the "
      "needs covered and left uncovered, the method and its guarantee, and "
      "alternative teams leaving out the key members of the ones before.";
  coalition.flags = {
      {"needs", "R1,R2,...",
       "The resources the challenge needs (default: derived from the needs "
       "of the territory's actors on the themes)."},
      {"theme-weights", "W1,W2,...",
       "One weight per THEME, in order (default: every theme required, "
       "equal weights)."},
      {"anchor", "ACTOR_ID",
       "Your lead organisation: always a member, the lead; distances are "
       "measured from it."},
      {"min-size", "N",
       "Add members up to N even if they bring nothing (they say so; "
       "default: none added for size)."},
      {"max-size", "N",
       "At most N members, up to 12 (default 6); the team stops earlier "
       "when nobody adds value."},
      {"require", "KIND",
       "Kinds the coalition must include, instead of association, company "
       "and public body. Repeatable, or comma-separated.",
       true},
      {"any-kinds", "", "No kind required."},
      {"alternatives", "N", "Alternative coalitions, 0 to 3 (default 3)."},
      OutputFlag(OutputFormat::kTable, false)};
  coalition.details =
      "Examples:\n"
      "  maillage suggest coalition departement:94 digital_inclusion\n"
      "  maillage suggest coalition departement:79 digital_inclusion "
      "seniors_ageing --needs funding,volunteers,in_kind,audience_access "
      "--anchor rna:W791000001\n"
      "  maillage suggest coalition epci:200054781 seniors_ageing "
      "--needs funding,volunteers,in_kind --max-size 4\n";
  coalition.run = Coalition;
  return coalition;
}

}  // namespace

CommandGroup SuggestGroup() {
  std::string kinds = ShortEnumNames(*v1::ActorKind_descriptor(), ", ");
  std::string categories =
      ShortEnumNames(*v1::PartnershipCategory_descriptor(), ", ");
  CommandGroup group;
  group.name = "suggest";
  group.summary =
      "alliances to broker next: partners, coalitions, dialogue panels "
      "(MatchService), and fair territory-wide matching.";

  Command partners;
  partners.name = "partners";
  partners.arguments = "ACTOR_ID";
  partners.min_args = partners.max_args = 1;
  partners.summary = "Rank the partners an actor could ally with.";
  partners.description =
      "Rank candidate partners for an actor: a table (rank, score, partner, "
      "kind, partnership category and modality), then for each one the "
      "French sentence an animator can repeat and its factors (value and "
      "contribution to the score; contributions add up to the score), and "
      "with --details each factor's own sentence. The suggestions are "
      "recorded for follow-up (maillage suggestions) unless --preview is "
      "given.";
  partners.flags = {
      {"limit", "N", "How many partners, 1 to 1000 (default 20)."},
      {"kind", "KIND",
       absl::StrCat("Only partners of this kind: ", kinds,
                    ". Repeatable, or comma-separated."),
       true},
      {"category", "CATEGORY",
       absl::StrCat("Only partnerships of this category: ", categories,
                    ". Repeatable, or comma-separated."),
       true},
      {"theme", "THEME",
       "Only partners acting on this theme. Repeatable, or comma-separated.",
       true},
      {"scope", "LEVEL:CODE",
       "Only partners based in or acting on this territory."},
      {"min-score", "X", "Leave out partners scoring below X (0 to 1)."},
      WeightFlag(),
      {"preview", "", "Do not record what is shown."},
      {"details", "",
       "Also each factor's detail sentence (the FULL view; `maillage "
       "explain` gives the same for one pair)."},
      {"by", "WHO", "Who asks (recorded with the suggestions)."},
      OutputFlag(OutputFormat::kTable, false)};
  partners.details =
      "Examples:\n"
      "  maillage suggest partners ext:demo:1000 --limit 5 --by claire@lab\n"
      "  maillage suggest partners rna:W941000001 --kind company "
      "--scope departement:94 --preview\n"
      "  maillage suggest partners ext:demo:1000 --weight proximity=0.5 "
      "--weight complementarity=0.8 --output json\n";
  partners.run = Partners;
  group.commands.push_back(std::move(partners));

  group.commands.push_back(CoalitionCommand());

  Command panel;
  panel.name = "panel";
  panel.arguments = "LEVEL:CODE THEME...";
  panel.min_args = 2;
  panel.max_args = 65;
  panel.summary = "Propose who to invite to a territorial dialogue.";
  panel.description =
      "Propose an invitation list for a territorial dialogue on one or more "
      "themes: every theme covered, kinds of actors balanced, actors acting "
      "on the territory's severe fragilities favoured, with the reason each "
      "one is invited, the count per kind and the themes left uncovered.";
  panel.flags = {{"size", "N", "Number of invitations, 1 to 200 (default 12)."},
                 OutputFlag(OutputFormat::kTable, false)};
  panel.details =
      "Example: maillage suggest panel departement:94 youth "
      "employment_insertion mobility --size 9\n";
  panel.run = Panel;
  group.commands.push_back(std::move(panel));

  group.commands.push_back(SuggestTerritoryCommand());
  return group;
}

CommandGroup ExplainGroup() {
  CommandGroup group;
  group.name = "explain";
  group.summary = "why two actors would (or would not) make partners.";
  Command explain;
  explain.arguments = "ACTOR_A ACTOR_B";
  explain.min_args = explain.max_args = 2;
  explain.summary = "The full factor breakdown for a pair of actors.";
  explain.description =
      "The full factor breakdown of the match between ACTOR_A and ACTOR_B, "
      "even a poor one: score and how well each serves the other, every "
      "factor with its value, weight, contribution and detail, the resources "
      "that would flow between them, and the hard rules (blockers) that keep "
      "suggest partners from proposing the pair.";
  explain.flags = {WeightFlag(), OutputFlag(OutputFormat::kTable, false)};
  explain.details = "Example: maillage explain ext:demo:1000 ext:demo:1100\n";
  explain.run = Explain;
  group.commands.push_back(std::move(explain));
  return group;
}

}  // namespace maillage::cli

// maillage suggestions list|get|update, watch, metrics and suggest
// territory: LifecycleService, what happens to suggestions once served.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "cli/errors.h"
#include "cli/match_text.h"
#include "cli/names.h"
#include "cli/output.h"
#include "cli/paging.h"
#include "google/protobuf/util/time_util.h"
#include "maillage/v1/lifecycle.grpc.pb.h"

namespace maillage::cli {
namespace {

using google::protobuf::util::TimeUtil;

// "key:ab12 (note: Marie)": who did it, as the server recorded it from the
// credentials, with the display note the client sent, if any.
std::string WithNote(const std::string& who, const std::string& note) {
  if (note.empty()) return who;
  return absl::StrCat(who, " (note: ", note, ")");
}

// The outcomes by the names animators use: MEETING_OUTCOME_INFORMATIVE_
// NO_COOPERATION is "informative".
std::string OutcomeName(v1::MeetingOutcome outcome) {
  if (outcome == v1::MEETING_OUTCOME_INFORMATIVE_NO_COOPERATION) {
    return "informative";
  }
  return ShortEnumName(outcome);
}

std::string OutcomeNames() {
  std::vector<std::string> names;
  for (int i = 0; i < v1::MeetingOutcome_descriptor()->value_count(); ++i) {
    auto outcome = static_cast<v1::MeetingOutcome>(
        v1::MeetingOutcome_descriptor()->value(i)->number());
    if (outcome != v1::MEETING_OUTCOME_UNSPECIFIED) {
      names.push_back(OutcomeName(outcome));
    }
  }
  return absl::StrJoin(names, ", ");
}

// An outcome by its short or full name, or "informative"; nullopt if none.
std::optional<v1::MeetingOutcome> FindOutcome(std::string_view name) {
  if (name == "informative") {
    return v1::MEETING_OUTCOME_INFORMATIVE_NO_COOPERATION;
  }
  const auto* value = FindEnumValue(*v1::MeetingOutcome_descriptor(), name);
  if (value == nullptr) return std::nullopt;
  return static_cast<v1::MeetingOutcome>(value->number());
}

absl::StatusOr<v1::SuggestionState> ParseState(std::string_view what,
                                               std::string_view name) {
  return AsUsageError(ParseEnum<v1::SuggestionState>(what, name));
}

// "2025-03-01" as the start of that day (UTC); `end_of_day`: the start of
// the next one.
absl::StatusOr<google::protobuf::Timestamp> ParseDay(std::string_view flag,
                                                     const std::string& text,
                                                     bool end_of_day) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime("%Y-%m-%d", text, absl::UTCTimeZone(), &time, &error)) {
    return UsageError(absl::StrCat(
        "--", AsAbsl(flag), ": expected a date YYYY-MM-DD, got '", text, "'"));
  }
  if (end_of_day) time += absl::Hours(24);
  return TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(time));
}

// --- suggestions list ------------------------------------------------------

absl::Status ListSuggestions(Client& client, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(OutputFormat format,
                   GetOutputFormat(args, OutputFormat::kTable));
  ASSIGN_OR_RETURN(Paging paging, GetPaging(args));
  v1::ListSuggestionsRequest request;
  request.set_actor_id(args.ValueOr("actor", ""));
  if (auto territory = args.Value("territory")) {
    ASSIGN_OR_RETURN(
        *request.mutable_territory(),
        AsUsageError(ParseTerritoryRef("--territory", *territory)));
  }
  if (auto state = args.Value("state")) {
    ASSIGN_OR_RETURN(v1::SuggestionState value, ParseState("--state", *state));
    request.set_state(value);
  }
  Table table(
      {"ID", "STATE", "ACTOR", "PARTNER", "CATEGORY", "SCORE", "LAST SHOWN"});
  table.AlignRight(5);
  ASSIGN_OR_RETURN(
      std::string next,
      FetchPages<v1::ListSuggestionsResponse>(
          paging,
          [&](int32_t size, const std::string& token,
              v1::ListSuggestionsResponse* response) {
            request.set_page_size(size);
            request.set_page_token(token);
            return client.Check(client.lifecycle().ListSuggestions(
                client.NewCall().get(), request, response));
          },
          [&](const v1::ListSuggestionsResponse& response) {
            for (const v1::Suggestion& s : response.suggestions()) {
              if (format == OutputFormat::kJson) {
                client.out() << JsonLine(s) << '\n';
                continue;
              }
              std::string state = ShortEnumName(s.state());
              if (s.outcome() != v1::MEETING_OUTCOME_UNSPECIFIED) {
                absl::StrAppend(&state, " (", OutcomeName(s.outcome()), ")");
              }
              table.AddRow({s.id(), state, s.actor_id(), s.partner_id(),
                            FormatCategory(s.category(), s.modality()),
                            FormatScore(s.score()),
                            FormatTime(s.last_shown())});
            }
          }));
  if (format == OutputFormat::kTable) {
    if (table.empty()) {
      client.err() << "maillage: no suggestions match\n";
    } else {
      table.Print(client.out());
    }
  }
  NoteMorePages(client, next);
  return absl::OkStatus();
}

// --- suggestions get -------------------------------------------------------

void PrintSuggestion(const v1::Suggestion& s, std::ostream& out) {
  std::vector<std::pair<std::string, std::string>> lines = {
      {"actor", s.actor_id()},
      {"partner", s.partner_id()},
      {"category", FormatCategory(s.category(), s.modality())},
      {"score", FormatScore(s.score())},
      {"state", ShortEnumName(s.state())},
  };
  if (s.outcome() != v1::MEETING_OUTCOME_UNSPECIFIED) {
    lines.emplace_back("outcome", OutcomeName(s.outcome()));
  }
  if (!s.dismiss_reason().empty()) {
    lines.emplace_back("dismissed", s.dismiss_reason());
  }
  if (!s.partnership_id().empty()) {
    lines.emplace_back("partnership", s.partnership_id());
  }
  lines.emplace_back("territory", FormatTerritoryRef(s.territory()));
  if (!s.requested_by().empty()) {
    lines.emplace_back("requested by",
                       WithNote(s.requested_by(), s.requested_by_note()));
  }
  lines.emplace_back(
      "shown",
      absl::StrCat(s.times_shown(), s.times_shown() == 1 ? " time" : " times",
                   ", first ", FormatTime(s.first_shown()), ", last ",
                   FormatTime(s.last_shown())));
  lines.emplace_back("updated", FormatTime(s.update_time()));
  lines.emplace_back("etag", s.etag());
  out << "Suggestion " << s.id() << "\n";
  for (const auto& [key, value] : lines) {
    if (value.empty()) continue;
    out << "  " << key << ":" << std::string(14 - key.size(), ' ') << value
        << "\n";
  }
  if (!s.explanation().empty()) out << "\n" << WrapText(s.explanation(), 2);
  out << WrapList("factors:", FactorSummaries(s.factors()), 2);
  if (!s.history().empty()) {
    out << "\nHistory\n";
    Table table({"TIME", "FROM", "TO", "BY", "REASON"});
    for (const v1::SuggestionTransition& t : s.history()) {
      table.AddRow(
          {FormatTime(t.time()), ShortEnumName(t.from()), ShortEnumName(t.to()),
           WithNote(t.performed_by(), t.performed_by_note()), t.reason()});
    }
    table.Print(out, 2);
  }
}

absl::Status GetSuggestion(Client& client, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(OutputFormat format,
                   GetOutputFormat(args, OutputFormat::kTable));
  v1::GetSuggestionRequest request;
  request.set_id(args.positional()[0]);
  v1::Suggestion suggestion;
  RETURN_IF_ERROR(client.Check(client.lifecycle().GetSuggestion(
      client.NewCall().get(), request, &suggestion)));
  if (format == OutputFormat::kJson) {
    client.out() << JsonDocument(suggestion);
  } else {
    PrintSuggestion(suggestion, client.out());
  }
  return absl::OkStatus();
}

// --- suggestions update ----------------------------------------------------

absl::Status UpdateSuggestion(Client& client, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(OutputFormat format,
                   GetOutputFormat(args, OutputFormat::kTable));
  v1::UpdateSuggestionRequest request;
  request.set_id(args.positional()[0]);
  const std::string& state = args.positional()[1];
  // An outcome alone stands for outcome_recorded with that outcome.
  if (std::optional<v1::MeetingOutcome> outcome = FindOutcome(state);
      outcome.has_value() &&
      FindEnumValue(*v1::SuggestionState_descriptor(), state) == nullptr) {
    if (args.Has("outcome")) {
      return UsageError(absl::StrCat("'", state,
                                     "' is an outcome: give it once, as "
                                     "STATE or with --outcome"));
    }
    request.set_state(v1::SUGGESTION_STATE_OUTCOME_RECORDED);
    request.set_outcome(*outcome);
  } else {
    ASSIGN_OR_RETURN(v1::SuggestionState value, ParseState("STATE", state));
    request.set_state(value);
  }
  if (auto outcome_name = args.Value("outcome")) {
    std::optional<v1::MeetingOutcome> outcome = FindOutcome(*outcome_name);
    if (!outcome.has_value()) {
      return UsageError(absl::StrCat("--outcome: unknown value '",
                                     *outcome_name, "' (expected ",
                                     OutcomeNames(), ")"));
    }
    request.set_outcome(*outcome);
  }
  request.set_reason(args.ValueOr("reason", ""));
  request.set_performed_by(args.ValueOr("by", ""));
  request.set_etag(args.ValueOr("etag", ""));

  v1::Suggestion updated;
  RETURN_IF_ERROR(client.Check(client.lifecycle().UpdateSuggestion(
      client.NewCall().get(), request, &updated)));
  if (format == OutputFormat::kJson) {
    client.out() << JsonDocument(updated);
    return absl::OkStatus();
  }
  std::string line = absl::StrCat(updated.id(), ": ");
  if (!updated.history().empty()) {
    const v1::SuggestionTransition& last = *updated.history().rbegin();
    absl::StrAppend(&line, ShortEnumName(last.from()), " -> ",
                    ShortEnumName(last.to()));
  } else {
    absl::StrAppend(&line, ShortEnumName(updated.state()));
  }
  if (updated.outcome() != v1::MEETING_OUTCOME_UNSPECIFIED) {
    absl::StrAppend(&line, " (", OutcomeName(updated.outcome()), ")");
  }
  client.out() << line << "\n";
  if (!updated.partnership_id().empty() &&
      updated.state() == v1::SUGGESTION_STATE_PARTNERSHIP_FORMED) {
    client.out() << "partnership " << updated.partnership_id() << " recorded\n";
  }
  return absl::OkStatus();
}

// --- watch -----------------------------------------------------------------

// Set by SIGINT and SIGTERM while a watch runs.
volatile sig_atomic_t g_stop_watch = 0;

extern "C" void StopWatch(int) { g_stop_watch = 1; }

// "17  2025-11-26T14:33:05Z  suggestion S kept  A -> B  mecenat 0.72".
std::string EventLine(const v1::WatchEvent& event) {
  std::string line =
      absl::StrCat(event.token(), "  ", FormatTime(event.time()), "  ");
  if (event.has_suggestion()) {
    const v1::Suggestion& s = event.suggestion();
    std::string state = ShortEnumName(s.state());
    if (s.outcome() != v1::MEETING_OUTCOME_UNSPECIFIED) {
      absl::StrAppend(&state, " (", OutcomeName(s.outcome()), ")");
    }
    absl::StrAppend(&line, "suggestion ", s.id(), "  ", state, "  ",
                    s.actor_id(), " -> ", s.partner_id(), "  ",
                    ShortEnumName(s.category()), " ", FormatScore(s.score()));
  } else if (event.has_partnership()) {
    const v1::Partnership& p = event.partnership();
    absl::StrAppend(&line, "partnership ", p.id(), "  ",
                    p.active() ? "active" : "inactive", "  ",
                    absl::StrJoin(p.participants(), " + "), "  ",
                    ShortEnumName(p.category()));
  } else {
    absl::StrAppend(&line, "(unknown event)");
  }
  return line;
}

absl::Status Watch(Client& client, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(OutputFormat format,
                   GetOutputFormat(args, OutputFormat::kTable));
  v1::WatchSuggestionsRequest request;
  ASSIGN_OR_RETURN(
      *request.mutable_territory(),
      AsUsageError(ParseTerritoryRef("territory", args.positional()[0])));
  request.set_resume_token(args.ValueOr("from", ""));

  // Ctrl-C (or SIGTERM) cancels the stream; the handler only sets a flag,
  // a thread watching it does the rest.
  struct sigaction stop = {};
  stop.sa_handler = StopWatch;
  sigemptyset(&stop.sa_mask);
  struct sigaction old_int = {}, old_term = {};
  g_stop_watch = 0;
  sigaction(SIGINT, &stop, &old_int);
  sigaction(SIGTERM, &stop, &old_term);

  std::unique_ptr<grpc::ClientContext> context = client.NewStream();
  std::atomic<bool> finished{false};
  std::atomic<bool> interrupted{false};
  std::thread canceller([&] {
    while (!finished.load()) {
      if (g_stop_watch != 0) {
        interrupted = true;
        context->TryCancel();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });

  std::unique_ptr<grpc::ClientReader<v1::WatchEvent>> stream =
      client.lifecycle().WatchSuggestions(context.get(), request);
  std::string last_token = request.resume_token();
  v1::WatchEvent event;
  bool output_failed = false;
  while (stream->Read(&event)) {
    last_token = event.token();
    if (format == OutputFormat::kJson) {
      client.out() << JsonLine(event) << '\n';
    } else {
      client.out() << EventLine(event) << '\n';
    }
    client.out().flush();
    if (!client.out()) {
      output_failed = true;
      context->TryCancel();
      break;
    }
  }
  grpc::Status status = stream->Finish();
  finished = true;
  canceller.join();
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);

  std::string resume = last_token.empty()
                           ? std::string(" (no event seen)")
                           : absl::StrCat("; resume with --from ", last_token);
  if (interrupted.load()) {
    client.err() << "maillage: watch stopped" << resume << "\n";
    return absl::OkStatus();
  }
  if (output_failed) return absl::OkStatus();  // main reports the output
  if (status.error_code() == grpc::StatusCode::OUT_OF_RANGE) {
    // Retention deleted events after the token: resuming from it cannot
    // work; the server's message says what to do instead.
    resume.clear();
  }
  absl::Status result = client.Check(status);
  if (result.ok()) {
    result = absl::UnavailableError("the server ended the watch");
  }
  return Annotate(result, absl::StrCat("watch ended", resume));
}

// --- metrics ---------------------------------------------------------------

absl::Status Metrics(Client& client, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(OutputFormat format,
                   GetOutputFormat(args, OutputFormat::kTable));
  v1::GetTerritoryMetricsRequest request;
  ASSIGN_OR_RETURN(
      *request.mutable_territory(),
      AsUsageError(ParseTerritoryRef("territory", args.positional()[0])));
  if (auto from = args.Value("from")) {
    ASSIGN_OR_RETURN(*request.mutable_start_time(),
                     ParseDay("from", *from, false));
  }
  if (auto to = args.Value("to")) {
    ASSIGN_OR_RETURN(*request.mutable_end_time(), ParseDay("to", *to, true));
  }
  if (request.has_start_time() && request.has_end_time() &&
      request.end_time().seconds() <= request.start_time().seconds()) {
    return UsageError("--to is before --from");
  }
  v1::TerritoryMetrics metrics;
  RETURN_IF_ERROR(client.Check(client.lifecycle().GetTerritoryMetrics(
      client.NewCall().get(), request, &metrics)));
  if (format == OutputFormat::kJson) {
    client.out() << JsonDocument(metrics);
    return absl::OkStatus();
  }
  std::ostream& out = client.out();
  out << "Metrics of " << FormatTerritoryRef(metrics.territory()) << ", "
      << (args.Has("from") ? absl::StrCat("from ", *args.Value("from"))
                           : std::string("from the start"))
      << (args.Has("to") ? absl::StrCat(" to ", *args.Value("to"))
                         : std::string(" to now"))
      << "\n\n";
  Table table({"CATEGORY", "SUGGESTIONS", "KEPT", "DISMISSED", "CONTACTED",
               "MEETINGS", "OUTCOMES", "FORMED"});
  for (size_t column = 1; column < 8; ++column) table.AlignRight(column);
  const v1::CategoryMetrics* total = nullptr;
  for (const v1::CategoryMetrics& m : metrics.categories()) {
    if (m.category() == v1::PARTNERSHIP_CATEGORY_UNSPECIFIED) total = &m;
    int64_t outcomes =
        m.outcome_did_not_take_place() + m.outcome_insufficient_interest() +
        m.outcome_informative() + m.outcome_cooperation_possible();
    table.AddRow({m.category() == v1::PARTNERSHIP_CATEGORY_UNSPECIFIED
                      ? std::string("total")
                      : ShortEnumName(m.category()),
                  FormatCount(m.suggestions()), FormatCount(m.kept()),
                  FormatCount(m.dismissed()), FormatCount(m.contacted()),
                  FormatCount(m.meetings()), FormatCount(outcomes),
                  FormatCount(m.partnerships_formed())});
  }
  if (table.empty()) {
    out << "  no suggestions in the period\n";
  } else {
    table.Print(out, 2);
  }
  if (total != nullptr) {
    out << "\nOutcomes: did not take place "
        << FormatCount(total->outcome_did_not_take_place())
        << ", insufficient interest "
        << FormatCount(total->outcome_insufficient_interest())
        << ", informative " << FormatCount(total->outcome_informative())
        << ", cooperation possible "
        << FormatCount(total->outcome_cooperation_possible()) << "\n";
  }
  double density = metrics.partnership_density();
  out << "Active partnerships: " << FormatCount(metrics.active_partnerships())
      << " ("
      << absl::StrFormat(density >= 1 || density == 0 ? "%.1f" : "%.2g",
                         density)
      << " per 10,000 inhabitants)\n";
  return absl::OkStatus();
}

// --- suggest territory -----------------------------------------------------

absl::Status SuggestTerritory(Client& client, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(OutputFormat format,
                   GetOutputFormat(args, OutputFormat::kTable));
  v1::SuggestForTerritoryRequest request;
  ASSIGN_OR_RETURN(
      *request.mutable_territory(),
      AsUsageError(ParseTerritoryRef("territory", args.positional()[0])));
  ASSIGN_OR_RETURN(int64_t per_actor, args.IntValue("per-actor", 0, 1, 10));
  request.set_per_actor(static_cast<int32_t>(per_actor));
  ASSIGN_OR_RETURN(std::vector<v1::ActorKind> kinds,
                   AsUsageError(ParseEnums<v1::ActorKind>(
                       "--kind", args.ListValues("kind"))));
  for (v1::ActorKind kind : kinds) request.add_partner_kinds(kind);
  ASSIGN_OR_RETURN(double min_score, args.NumberValue("min-score", 0, 0, 1));
  request.set_min_score(min_score);
  ASSIGN_OR_RETURN(int64_t candidates, args.IntValue("candidates", 0, 1, 1000));
  request.set_candidates(static_cast<int32_t>(candidates));

  v1::SuggestForTerritoryResponse response;
  absl::Status status = client.Check(client.lifecycle().SuggestForTerritory(
      client.NewCall().get(), request, &response));
  if (status.code() == absl::StatusCode::kUnimplemented) {
    return Annotate(status, "LifecycleService.SuggestForTerritory");
  }
  RETURN_IF_ERROR(status);
  if (format == OutputFormat::kJson) {
    client.out() << JsonDocument(response);
    return absl::OkStatus();
  }
  std::ostream& out = client.out();
  out << "Partners for the associations of "
      << FormatTerritoryRef(request.territory()) << ": "
      << FormatCount(response.actors()) << " associations, "
      << FormatCount(response.actors_without_partner())
      << " without a partner\n\n";
  Table table({"ASSOCIATION", "#", "PARTNER", "ID", "SCORE", "CATEGORY"});
  table.AlignRight(1);
  table.AlignRight(4);
  table.SetMaxWidth(2, 40);
  for (const v1::TerritoryAssignment& a : response.assignments()) {
    int rank = 0;
    for (const v1::PartnerSuggestion& p : a.partners()) {
      table.AddRow({rank == 0 ? a.actor_id() : "", std::to_string(++rank),
                    p.partner_name(), p.partner_id(), FormatScore(p.score()),
                    FormatCategory(p.category(), p.modality())});
    }
  }
  if (table.empty()) {
    out << "  no proposal\n";
  } else {
    table.Print(out, 2);
  }
  out << "\nExposure of the partners (how concentrated proposals are)\n";
  Table spread({"", "GINI", "MAX", "PARTNERS USED", "TOTAL SCORE"});
  for (size_t column = 1; column < 5; ++column) spread.AlignRight(column);
  auto add = [&](const char* name, const v1::ExposureSpread& e) {
    spread.AddRow({name, FormatScore(e.gini()), FormatCount(e.max_exposure()),
                   FormatCount(e.partners_used()),
                   absl::StrFormat("%.2f", e.total_score())});
  };
  add("fair (capacities respected)", response.fair());
  add("independent top-k lists", response.independent());
  spread.Print(out, 2);
  if (!response.method().empty()) {
    out << "\n" << WrapText(absl::StrCat("Method: ", response.method()), 0);
  }
  return absl::OkStatus();
}

}  // namespace

Command SuggestTerritoryCommand() {
  Command territory;
  territory.name = "territory";
  territory.arguments = "LEVEL:CODE";
  territory.min_args = territory.max_args = 1;
  territory.summary =
      "Partners for every association of a territory, capacities kept.";
  territory.description =
      "Propose partners for every association of a territory at once "
      "(LifecycleService.SuggestForTerritory), each actor's capacity "
      "respected so that the same few companies are not proposed to "
      "everyone; then the spread of exposure across partners (Gini, largest "
      "exposure) of this fair assignment next to independent top-k lists.";
  territory.flags = {
      {"per-actor", "N",
       "Partners proposed per association, 1 to 10 (default 3)."},
      {"kind", "KIND",
       "Partner kinds (default company). Repeatable, or comma-separated.",
       true},
      {"min-score", "X", "Leave out pairs scoring below X (0 to 1)."},
      {"candidates", "N",
       "Candidates considered per association before the assignment "
       "(default 30)."},
      OutputFlag(OutputFormat::kTable, false)};
  territory.details =
      "Example: maillage suggest territory departement:94 --per-actor 2\n";
  territory.run = SuggestTerritory;
  return territory;
}

CommandGroup SuggestionsGroup() {
  CommandGroup group;
  group.name = "suggestions";
  group.summary =
      "the suggestions served to animators and what became of them "
      "(LifecycleService).";
  std::string states = ShortEnumNames(*v1::SuggestionState_descriptor(), ", ");

  Command list;
  list.name = "list";
  list.summary = "List recorded suggestions, filtered.";
  list.description =
      "List recorded suggestions: id, state (with the outcome once "
      "recorded), actor, partner, category, score and when last shown.";
  list.flags = {
      {"actor", "ID", "Only suggestions for this actor (either side)."},
      {"territory", "LEVEL:CODE",
       "Only suggestions whose actor is based in this territory."},
      {"state", "STATE", absl::StrCat("Only this state: ", states, ".")},
  };
  for (FlagSpec& flag : PagingFlags()) list.flags.push_back(std::move(flag));
  list.flags.push_back(OutputFlag(OutputFormat::kTable, true));
  list.details =
      "Examples:\n"
      "  maillage suggestions list --actor ext:demo:1000\n"
      "  maillage suggestions list --territory departement:94 --state kept "
      "--all\n";
  list.run = ListSuggestions;
  group.commands.push_back(std::move(list));

  Command get;
  get.name = "get";
  get.arguments = "ID";
  get.min_args = get.max_args = 1;
  get.summary = "Show a suggestion and its history.";
  get.flags = {OutputFlag(OutputFormat::kTable, false)};
  get.run = GetSuggestion;
  group.commands.push_back(std::move(get));

  Command update;
  update.name = "update";
  update.arguments = "ID STATE";
  update.min_args = update.max_args = 2;
  update.summary = "Move a suggestion along its lifecycle.";
  update.description =
      "Move a suggestion to STATE. Allowed moves: proposed -> kept or "
      "dismissed; kept -> contacted or dismissed; contacted -> meeting_held, "
      "no_answer or dismissed; no_answer -> contacted or dismissed; "
      "meeting_held -> outcome_recorded (with --outcome); outcome_recorded "
      "-> partnership_formed or not_formed. Another move fails with exit "
      "code 5. Dismissing needs --reason.";
  update.flags = {
      {"outcome", "OUTCOME",
       absl::StrCat("With outcome_recorded: ", OutcomeNames(),
                    ". An outcome given as STATE means outcome_recorded "
                    "with it.")},
      {"reason", "TEXT", "Why (required to dismiss)."},
      {"by", "WHO", "Who does it (recorded in the history)."},
      {"etag", "ETAG",
       "Fail (exit 5) if the suggestion changed since this etag was read."},
      OutputFlag(OutputFormat::kTable, false)};
  update.details =
      "Examples:\n"
      "  maillage suggestions update ID kept --by claire@lab\n"
      "  maillage suggestions update ID dismissed --reason \"déjà "
      "partenaires\"\n"
      "  maillage suggestions update ID outcome_recorded --outcome "
      "cooperation_possible\n"
      "  maillage suggestions update ID partnership_formed\n";
  update.run = UpdateSuggestion;
  group.commands.push_back(std::move(update));
  return group;
}

CommandGroup WatchGroup() {
  CommandGroup group;
  group.name = "watch";
  group.summary = "new and changed suggestions and partnerships, live.";
  Command watch;
  watch.arguments = "LEVEL:CODE";
  watch.min_args = watch.max_args = 1;
  watch.summary = "Print suggestion and partnership events as they happen.";
  watch.description =
      "Print one line per new or changed suggestion or partnership touching "
      "a territory, as they happen, until interrupted (Ctrl-C: exit code 0). "
      "Each line starts with the event's token; the last one is printed on "
      "stderr at the end, to resume after it with --from without missing or "
      "repeating an event.";
  watch.flags = {
      {"from", "TOKEN",
       "Resume after this event token (\"0\": from the beginning of the "
       "log); default: only events from now on."},
      OutputFlag(OutputFormat::kTable, true)};
  watch.details =
      "Line: TOKEN  TIME  suggestion ID  STATE  ACTOR -> PARTNER  CATEGORY "
      "SCORE\n"
      "  or: TOKEN  TIME  partnership ID  active|inactive  PARTICIPANTS  "
      "CATEGORY\n"
      "Examples:\n"
      "  maillage watch departement:94\n"
      "  maillage watch epci:200054781 --from 1742 --output json\n";
  watch.run = Watch;
  group.commands.push_back(std::move(watch));
  return group;
}

CommandGroup MetricsGroup() {
  CommandGroup group;
  group.name = "metrics";
  group.summary = "what was suggested, met and formed: figures for funders.";
  Command metrics;
  metrics.arguments = "LEVEL:CODE";
  metrics.min_args = metrics.max_args = 1;
  metrics.summary = "Suggestion and partnership figures of a territory.";
  metrics.description =
      "The figures of a territory for a period, per partnership category and "
      "in total: suggestions made, kept, dismissed, actors contacted, "
      "meetings held, outcomes recorded and partnerships formed; then the "
      "partnerships active at the end of the period and their density per "
      "10,000 inhabitants.";
  metrics.flags = {
      {"from", "YYYY-MM-DD", "Start of the period (UTC; default: the start)."},
      {"to", "YYYY-MM-DD", "Last day of the period, included (default: now)."},
      OutputFlag(OutputFormat::kTable, false)};
  metrics.details =
      "Example: maillage metrics departement:94 --from 2025-01-01 "
      "--to 2025-12-31\n";
  metrics.run = Metrics;
  group.commands.push_back(std::move(metrics));
  return group;
}

}  // namespace maillage::cli

// maillage: finds the command named on the line, parses its flags and runs
// it. The commands are in the group files (commands.h).
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/args.h"
#include "cli/client.h"
#include "cli/command.h"
#include "cli/commands.h"
#include "cli/errors.h"

namespace maillage::cli {
namespace {

const CommandGroup* FindGroup(const std::vector<CommandGroup>& groups,
                              const std::string& name) {
  for (const CommandGroup& group : groups) {
    if (group.name == name) return &group;
  }
  return nullptr;
}

// Whether some group's name is `first` followed by a second word.
bool HasTwoWordGroups(const std::vector<CommandGroup>& groups,
                      const std::string& first) {
  for (const CommandGroup& group : groups) {
    if (group.name.size() > first.size() &&
        group.name.compare(0, first.size() + 1, first + " ") == 0) {
      return true;
    }
  }
  return false;
}

// Every flag of the group's commands, so that their values are not taken
// for the command word.
std::vector<FlagSpec> GroupFlags(const CommandGroup& group) {
  std::vector<FlagSpec> flags = GlobalFlags();
  for (const Command& command : group.commands) {
    flags.insert(flags.end(), command.flags.begin(), command.flags.end());
  }
  return flags;
}

int Usage(const absl::Status& status, const std::string& help_command) {
  std::cerr << FormatError(status) << "Run '" << help_command
            << " --help' for usage.\n";
  return static_cast<int>(ExitCode::kUsage);
}

std::vector<CommandGroup> AllGroups() {
  return {ActorsGroup(),     ImportGroup(),      ExportGroup(),
          ThemesGroup(),     ResourcesGroup(),   TerritoriesGroup(),
          ZonesGroup(),      DiagnosisGroup(),   FragilitiesGroup(),
          FactsGroup(),      SuggestGroup(),     ExplainGroup(),
          WeightsGroup(),    SuggestionsGroup(), PartnershipsGroup(),
          WatchGroup(),      MetricsGroup(),     HealthGroup(),
          AdminKeysGroup(),  AdminAuditGroup(),  AdminPrivacyGroup(),
          AdminBackupGroup()};
}

// Takes the group's word(s) off `tokens`: "actors", "admin keys". Sets
// `*group`, or returns the exit code after printing help or a usage error.
std::optional<int> FindGroupOnLine(const std::vector<CommandGroup>& groups,
                                   bool* help, std::vector<std::string>* tokens,
                                   const CommandGroup** group) {
  std::optional<std::string> group_word = TakeWord(tokens, GlobalFlags());
  if (group_word == "help") {  // maillage help [GROUP]
    *help = true;
    group_word = TakeWord(tokens, GlobalFlags());
  }
  if (!group_word.has_value()) {
    if (*help) {
      std::cout << MainHelp(groups);
      return 0;
    }
    if (tokens->empty()) {
      std::cerr << MainHelp(groups);
      return static_cast<int>(ExitCode::kUsage);
    }
    absl::StatusOr<ParsedArgs> args = ParseArgs(*tokens, GlobalFlags());
    return Usage(args.ok() ? UsageError("missing command") : args.status(),
                 "maillage");
  }
  *group = FindGroup(groups, *group_word);
  if (*group == nullptr && HasTwoWordGroups(groups, *group_word)) {
    // "admin keys": the second word completes the group's name.
    std::optional<std::string> second = TakeWord(tokens, GlobalFlags());
    if (!second.has_value()) {
      return Usage(UsageError(absl::StrCat(*group_word, ": missing command")),
                   "maillage");
    }
    group_word = absl::StrCat(*group_word, " ", *second);
    *group = FindGroup(groups, *group_word);
  }
  if (*group == nullptr) {
    return Usage(
        UsageError(absl::StrCat("unknown command '", *group_word, "'")),
        "maillage");
  }
  return std::nullopt;
}

// Takes the command's word off `tokens` ("get" in "actors get"; none for a
// single-command group). Sets `*command`, or returns the exit code after
// printing the group's help or a usage error.
std::optional<int> FindCommandOnLine(const CommandGroup& group, bool help,
                                     std::vector<std::string>* tokens,
                                     const Command** command) {
  if (group.IsSingleCommand()) {
    *command = &group.commands[0];
    return std::nullopt;
  }
  std::optional<std::string> word = TakeWord(tokens, GroupFlags(group));
  if (!word.has_value()) {
    if (help) {
      std::cout << GroupHelp(group);
      return 0;
    }
    std::vector<std::string> names;
    for (const Command& c : group.commands) names.push_back(c.name);
    return Usage(UsageError(absl::StrCat(group.name, ": missing command (",
                                         absl::StrJoin(names, ", "), ")")),
                 "maillage " + group.name);
  }
  *command = group.Find(*word);
  if (*command == nullptr) {
    return Usage(
        UsageError(absl::StrCat(group.name, ": unknown command '", *word, "'")),
        "maillage " + group.name);
  }
  return std::nullopt;
}

// The connection options from the environment and the flags: server, TLS,
// timeout, token. Returns the exit code of a bad flag or credential.
std::optional<int> ClientOptionsFrom(const ParsedArgs& args,
                                     const std::string& command_line,
                                     Client::Options* options) {
  if (const char* env = std::getenv("MAILLAGE_SERVER");
      env != nullptr && *env != '\0') {
    options->server = env;
  }
  options->server = args.ValueOr("server", options->server);
  if (absl::Status tls = ApplyTlsArgs(args, options); !tls.ok()) {
    if (IsUsageError(tls)) return Usage(tls, command_line);
    std::cerr << FormatError(tls);
    return static_cast<int>(ExitCodeFor(tls));
  }
  absl::StatusOr<double> timeout = args.PositiveNumberValue("timeout", 30);
  if (!timeout.ok()) return Usage(timeout.status(), command_line);
  options->timeout_seconds = *timeout;
  absl::Status credentials = ResolveToken(args, options);
  if (!credentials.ok()) {
    std::cerr << FormatError(credentials);
    return static_cast<int>(ExitCodeFor(credentials));
  }
  return std::nullopt;
}

// Runs the command and turns its status into output and an exit code.
int Execute(const Command& command, const Client::Options& options,
            const ParsedArgs& args, const std::string& command_line) {
  Client client(options, std::cin, std::cout, std::cerr);
  absl::Status status = command.run(client, args);
  std::cout.flush();
  if (status.ok() && !std::cout) {
    status = absl::UnavailableError("cannot write the output");
  }
  if (status.ok()) return 0;
  if (IsUsageError(status)) return Usage(status, command_line);
  std::cerr << FormatError(status);
  return static_cast<int>(ExitCodeFor(status));
}

int Run(std::vector<std::string> tokens) {
  const std::vector<CommandGroup> groups = AllGroups();
  bool help = WantsHelp(tokens);
  const CommandGroup* group = nullptr;
  if (auto done = FindGroupOnLine(groups, &help, &tokens, &group)) {
    return *done;
  }
  const Command* command = nullptr;
  if (auto done = FindCommandOnLine(*group, help, &tokens, &command)) {
    return *done;
  }
  // "actors get"; "diagnosis".
  std::string name = group->name;
  if (!command->name.empty()) name += " " + command->name;
  std::string command_line = "maillage " + name;
  if (help) {
    std::cout << (group->IsSingleCommand() ? GroupHelp(*group)
                                           : CommandHelp(*group, *command));
    return 0;
  }

  std::vector<FlagSpec> specs = GlobalFlags();
  specs.insert(specs.end(), command->flags.begin(), command->flags.end());
  absl::StatusOr<ParsedArgs> args = ParseArgs(tokens, specs);
  if (!args.ok()) return Usage(args.status(), command_line);
  size_t count = args->positional().size();
  if (count < command->min_args || count > command->max_args) {
    std::string expected = command->arguments.empty()
                               ? std::string("no argument")
                               : command->arguments;
    return Usage(
        UsageError(absl::StrCat(name, ": expected ", expected, ", got ", count,
                                count == 1 ? " argument" : " arguments")),
        command_line);
  }
  Client::Options options;
  if (auto done = ClientOptionsFrom(*args, command_line, &options)) {
    return *done;
  }
  return Execute(*command, options, *args, command_line);
}

}  // namespace
}  // namespace maillage::cli

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  return maillage::cli::Run(std::vector<std::string>(argv + 1, argv + argc));
}

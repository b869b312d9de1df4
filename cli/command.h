#ifndef MAILLAGE_CLI_COMMAND_H_
#define MAILLAGE_CLI_COMMAND_H_

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "cli/args.h"
#include "cli/client.h"

// The command table: what each command is called, takes and does, and the
// help text made from it.
namespace maillage::cli {

// Runs a command whose arguments were checked against its Command entry.
// Errors come back as a Status (see errors.h); output goes to the client's
// streams.
using CommandRun = std::function<absl::Status(Client&, const ParsedArgs&)>;

struct Command {
  // "list"; empty when the group itself is the command ("diagnosis").
  std::string name;
  // The positional arguments for the synopsis: "ID FILE|-".
  std::string arguments;
  size_t min_args = 0;
  size_t max_args = 0;
  // One line, for `maillage --help`.
  std::string summary;
  // What it does in more words, for the group's and the command's help;
  // empty: the summary. Wrapped when printed.
  std::string description;
  // Besides the global flags.
  std::vector<FlagSpec> flags;
  // Notes and examples, printed under the flags in help as written (lines
  // end in '\n'; keep them within 76 columns, examples excepted).
  std::string details;
  CommandRun run;
};

// A group of commands on one kind of resource: "actors".
struct CommandGroup {
  std::string name;
  std::string summary;
  std::vector<Command> commands;

  // The command named `name`, nullptr when none. A single-command group's
  // command has an empty name.
  const Command* Find(std::string_view command_name) const;
  bool IsSingleCommand() const {
    return commands.size() == 1 && commands[0].name.empty();
  }
};

// --server, --timeout, --help.
const std::vector<FlagSpec>& GlobalFlags();

// `maillage --help`: every command, the global flags, the exit codes.
std::string MainHelp(const std::vector<CommandGroup>& groups);
// `maillage GROUP --help`: each command of the group with its flags and
// examples.
std::string GroupHelp(const CommandGroup& group);
// `maillage GROUP COMMAND --help`.
std::string CommandHelp(const CommandGroup& group, const Command& command);
// "maillage actors get ID" (no flags).
std::string CommandLine(const CommandGroup& group, const Command& command);

}  // namespace maillage::cli

#endif  // MAILLAGE_CLI_COMMAND_H_

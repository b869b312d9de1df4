#include "cli/command.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/strings.h"
#include "cli/names.h"
#include "maillage/v1/common.pb.h"

namespace maillage::cli {
namespace {

constexpr size_t kLineWidth = 80;

// `text` wrapped at kLineWidth, every line but the first indented by
// `indent` spaces; the first line starts at column `start`.
std::string Wrap(std::string_view text, size_t start, size_t indent) {
  std::string out;
  size_t column = start;
  bool first = true;
  for (absl::string_view word :
       absl::StrSplit(AsAbsl(text), ' ', absl::SkipEmpty())) {
    if (!first && column + 1 + word.size() > kLineWidth) {
      out += "\n" + std::string(indent, ' ');
      column = indent;
    } else if (!first) {
      out += ' ';
      ++column;
    }
    absl::StrAppend(&out, word);
    column += word.size();
    first = false;
  }
  return out;
}

std::string FlagLabel(const FlagSpec& flag) {
  std::string label = absl::StrCat("--", flag.name);
  if (!flag.value_name.empty()) absl::StrAppend(&label, " ", flag.value_name);
  return label;
}

// Two-column lines: "<indent>left  right", the right column wrapped.
std::string Columns(
    const std::vector<std::pair<std::string, std::string>>& lines,
    size_t indent = 2) {
  size_t width = 0;
  for (const auto& [left, right] : lines) {
    width = std::max(width, left.size());
  }
  width = std::min<size_t>(width, 32);
  size_t right_column = indent + width + 2;
  std::string out;
  for (const auto& [left, right] : lines) {
    std::string line = std::string(indent, ' ') + left;
    if (left.size() > width) {
      line += "\n" + std::string(right_column, ' ');
    } else {
      line.append(width - left.size() + 2, ' ');
    }
    absl::StrAppend(&out, line, Wrap(right, right_column, right_column), "\n");
  }
  return out;
}

std::string FlagColumns(const std::vector<FlagSpec>& flags, size_t indent = 2) {
  std::vector<std::pair<std::string, std::string>> lines;
  for (const FlagSpec& flag : flags) {
    std::string label = FlagLabel(flag);
    if (flag.short_name != 0) {
      label = absl::StrCat("-", std::string(1, flag.short_name), ", ", label);
    }
    lines.emplace_back(std::move(label), flag.help);
  }
  return Columns(lines, indent);
}

// "maillage actors list [--kind KIND] ...", wrapped.
std::string Synopsis(const CommandGroup& group, const Command& command) {
  std::string text = CommandLine(group, command);
  for (const FlagSpec& flag : command.flags) {
    absl::StrAppend(&text, " [", FlagLabel(flag), "]",
                    flag.repeatable ? "..." : "");
  }
  // Wrap without breaking "[--flag VALUE]" apart; the line is printed
  // after two spaces.
  std::string out;
  size_t column = 2;
  for (absl::string_view piece : absl::StrSplit(text, " [")) {
    std::string chunk =
        out.empty() ? std::string(piece) : absl::StrCat("[", piece);
    if (!out.empty() && column + 1 + chunk.size() > kLineWidth) {
      out += "\n      ";
      column = 6;
    } else if (!out.empty()) {
      out += ' ';
      ++column;
    }
    out += chunk;
    column += chunk.size();
  }
  return out;
}

std::string CommandSection(const CommandGroup& group, const Command& command) {
  std::string out = absl::StrCat("  ", Synopsis(group, command), "\n");
  const std::string& description =
      command.description.empty() ? command.summary : command.description;
  absl::StrAppend(&out, "    ", Wrap(description, 4, 4), "\n");
  absl::StrAppend(&out, FlagColumns(command.flags, 4));
  if (!command.details.empty()) {
    for (absl::string_view line : absl::StrSplit(command.details, '\n')) {
      if (line.empty()) continue;
      absl::StrAppend(&out, "    ", line, "\n");
    }
  }
  return out;
}

constexpr std::string_view kExitCodes =
    "Exit codes:\n"
    "  0  success\n"
    "  1  server or transport error (unreachable, timeout, UNIMPLEMENTED...)\n"
    "  2  usage error (unknown command or flag, missing or bad argument)\n"
    "  3  not found (NOT_FOUND)\n"
    "  4  invalid input (INVALID_ARGUMENT: unreadable file, bad JSON or CSV, "
    "a value\n"
    "     the server rejected)\n"
    "  5  conflict (ALREADY_EXISTS, ABORTED: etag mismatch, "
    "FAILED_PRECONDITION)\n"
    "  6  a batch finished with rejected records (imports, multi-actor "
    "create)\n";

std::string TerritoryNotation() {
  return absl::StrCat(
      Wrap(absl::StrCat("Territories are written LEVEL:CODE, LEVEL being one "
                        "of ",
                        ShortEnumNames(*v1::TerritoryLevel_descriptor(), ", "),
                        ": commune:94018, epci:200054781, departement:94, "
                        "region:11, custom:zone."),
           0, 0),
      "\n");
}

}  // namespace

const Command* CommandGroup::Find(std::string_view command_name) const {
  for (const Command& command : commands) {
    if (command.name == command_name) return &command;
  }
  return nullptr;
}

const std::vector<FlagSpec>& GlobalFlags() {
  static const auto* const flags = new std::vector<FlagSpec>{
      {"server", "HOST:PORT",
       "Server address (default 127.0.0.1:50051, or $MAILLAGE_SERVER when "
       "set)."},
      {"token", "KEY",
       "API key (mlg_…) or bearer token to call with (default "
       "$MAILLAGE_TOKEN, else the key stored for --server in the "
       "credentials file)."},
      {"credentials_file", "PATH",
       "Credentials file (default $MAILLAGE_CREDENTIALS, else "
       "~/.config/maillage/credentials, where the server writes its admin "
       "key at first start)."},
      {"timeout", "SECONDS",
       "Deadline of each call to the server (default 30); the streams of "
       "import, export and watch have none."},
      {"help", "", "Show help (also -h)."},
  };
  return *flags;
}

std::string CommandLine(const CommandGroup& group, const Command& command) {
  std::string line = absl::StrCat("maillage ", group.name);
  if (!command.name.empty()) absl::StrAppend(&line, " ", command.name);
  if (!command.arguments.empty())
    absl::StrAppend(&line, " ", command.arguments);
  return line;
}

std::string MainHelp(const std::vector<CommandGroup>& groups) {
  std::string out =
      "maillage: the command-line client of the Maillage server (API "
      "maillage.v1).\n\n"
      "Usage:\n"
      "  maillage [GLOBAL FLAGS] GROUP [COMMAND] [ARGS] [FLAGS]\n"
      "  maillage GROUP --help           a group's commands, flags and "
      "examples\n"
      "  maillage GROUP COMMAND --help   one command\n\n"
      "Commands:\n";
  std::vector<std::pair<std::string, std::string>> lines;
  for (const CommandGroup& group : groups) {
    for (const Command& command : group.commands) {
      lines.emplace_back(CommandLine(group, command).substr(9),
                         command.summary);
    }
  }
  absl::StrAppend(&out, Columns(lines), "\n");
  absl::StrAppend(&out, "Global flags (anywhere on the line):\n",
                  FlagColumns(GlobalFlags()), "\n", TerritoryNotation(), "\n",
                  AsAbsl(kExitCodes), "\n");
  absl::StrAppend(
      &out,
      "Examples:\n"
      "  maillage actors list --territory departement:94 --theme youth\n"
      "  maillage actors get siret:12345678900011 --full\n"
      "  maillage actors create actors.jsonl\n"
      "  MAILLAGE_SERVER=maillage.internal:50051 maillage diagnosis "
      "commune:94018\n"
      "  maillage fragilities import fragilites.csv --dry-run\n"
      "  maillage import StockEtablissement.csv.gz --legal-units "
      "StockUniteLegale.csv.gz\n"
      "  maillage suggest partners ext:demo:1000 --limit 5\n"
      "  maillage suggest coalition departement:94 digital_inclusion\n"
      "  maillage suggestions update SUGGESTION_ID kept --by claire@lab\n"
      "  maillage watch departement:94 --from 0\n");
  return out;
}

std::string GroupHelp(const CommandGroup& group) {
  std::string out = absl::StrCat(
      Wrap(absl::StrCat("maillage ", group.name, ": ", group.summary), 0, 2),
      "\n\nCommands:\n");
  for (size_t i = 0; i < group.commands.size(); ++i) {
    if (i > 0) out += "\n";
    out += CommandSection(group, group.commands[i]);
  }
  absl::StrAppend(&out, "\nGlobal flags (anywhere on the line):\n",
                  FlagColumns(GlobalFlags()), "\n", TerritoryNotation(),
                  "\nExit codes: see maillage --help.\n");
  return out;
}

std::string CommandHelp(const CommandGroup& group, const Command& command) {
  return absl::StrCat("Usage:\n", CommandSection(group, command),
                      "\nGlobal flags (anywhere on the line):\n",
                      FlagColumns(GlobalFlags()), "\n", TerritoryNotation(),
                      "\nExit codes: see maillage --help.\n");
}

}  // namespace maillage::cli

#ifndef MAILLAGE_CLI_ARGS_H_
#define MAILLAGE_CLI_ARGS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

// Command-line parsing for a subcommand CLI: `maillage [flags] GROUP
// [COMMAND] [args and flags]`. The command words are taken first (TakeWord),
// then the rest is parsed against the command's flags (ParseArgs).
namespace maillage::cli {

// A flag a command accepts.
struct FlagSpec {
  // Without the leading dashes: "page-size".
  std::string name;
  // What the value is, for the help text ("N", "LEVEL:CODE"); empty for a
  // boolean flag, which takes no value.
  std::string value_name;
  std::string help;
  // May be given several times (--kind company --kind media); see
  // ParsedArgs::Values.
  bool repeatable = false;
  // A one-letter alias written with a single dash ('o' for "-o FILE"); 0:
  // none.
  char short_name = 0;
};

// Flags and positional arguments of one command line.
class ParsedArgs {
 public:
  const std::vector<std::string>& positional() const { return positional_; }

  // Whether the flag was given.
  bool Has(std::string_view name) const;
  // The value given to a value flag; nullopt when the flag is absent. For a
  // repeatable flag, the first value.
  std::optional<std::string> Value(std::string_view name) const;
  // Every value given to a (repeatable) value flag, in order; empty when
  // absent.
  std::vector<std::string> Values(std::string_view name) const;
  // Values(name), each split at commas, trimmed, empties dropped:
  // "--kind company,media --kind academic" -> company, media, academic.
  std::vector<std::string> ListValues(std::string_view name) const;
  // The value given to a value flag, or `fallback` when absent.
  std::string ValueOr(std::string_view name, std::string_view fallback) const;
  // A value flag as an integer in [min, max]; `fallback` when absent. A value
  // that is not such an integer is a usage error naming the flag.
  absl::StatusOr<int64_t> IntValue(std::string_view name, int64_t fallback,
                                   int64_t min, int64_t max) const;
  // A value flag as a finite number > 0; `fallback` when absent.
  absl::StatusOr<double> PositiveNumberValue(std::string_view name,
                                             double fallback) const;
  // A value flag as a finite number in [min, max]; `fallback` when absent.
  absl::StatusOr<double> NumberValue(std::string_view name, double fallback,
                                     double min, double max) const;

 private:
  friend absl::StatusOr<ParsedArgs> ParseArgs(
      const std::vector<std::string>& tokens,
      const std::vector<FlagSpec>& specs);

  // Flag name -> values, in order ("" for boolean flags).
  std::map<std::string, std::vector<std::string>, std::less<>> flags_;
  std::vector<std::string> positional_;
};

// Parses `tokens` against `specs`. Flags and positional arguments may come in
// any order. A value flag is written "--name VALUE" or "--name=VALUE"; a
// boolean flag takes no value. "-h" means "--help" when "help" is in `specs`.
// "--" ends the flags: everything after it is positional. "-" alone is a
// positional argument (standard input, by convention). A flag with a
// short_name may also be written "-o VALUE". Unknown flags, missing values,
// values given to boolean flags and non-repeatable flags given twice are
// usage errors (see errors.h).
absl::StatusOr<ParsedArgs> ParseArgs(const std::vector<std::string>& tokens,
                                     const std::vector<FlagSpec>& specs);

// Removes from `tokens` the first positional token and returns it; nullopt
// when there is none. Flags are skipped, and so is the token after a flag of
// `specs` that takes a value written without "=". Used to find the command
// words ("actors", "list") among global flags.
std::optional<std::string> TakeWord(std::vector<std::string>* tokens,
                                    const std::vector<FlagSpec>& specs);

// Whether `tokens` ask for help ("--help" or "-h" before any "--").
bool WantsHelp(const std::vector<std::string>& tokens);

}  // namespace maillage::cli

#endif  // MAILLAGE_CLI_ARGS_H_

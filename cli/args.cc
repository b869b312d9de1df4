#include "cli/args.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/strings.h"
#include "cli/errors.h"

namespace maillage::cli {
namespace {

const FlagSpec* FindSpec(const std::vector<FlagSpec>& specs,
                         std::string_view name) {
  for (const FlagSpec& spec : specs) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

// The spec of "-o" when `token` is a single-dash alias of one of `specs`.
const FlagSpec* FindShort(const std::vector<FlagSpec>& specs,
                          std::string_view token) {
  if (token.size() != 2 || token[0] != '-') return nullptr;
  for (const FlagSpec& spec : specs) {
    if (spec.short_name != 0 && spec.short_name == token[1]) return &spec;
  }
  return nullptr;
}

bool IsFlagToken(std::string_view token) {
  return token.size() > 1 && token[0] == '-';
}

// "--name=value" -> ("name", "value", true); "--name" -> ("name", "", false);
// "-h" -> ("help", "", false).
struct FlagToken {
  std::string name;
  std::string value;
  bool has_value = false;
};

FlagToken SplitFlag(std::string_view token) {
  FlagToken flag;
  if (token == "-h") {
    flag.name = "help";
    return flag;
  }
  std::string_view body = token.substr(token.rfind('-', 1) + 1);
  size_t equals = body.find('=');
  if (equals == std::string_view::npos) {
    flag.name = std::string(body);
  } else {
    flag.name = std::string(body.substr(0, equals));
    flag.value = std::string(body.substr(equals + 1));
    flag.has_value = true;
  }
  return flag;
}

}  // namespace

bool ParsedArgs::Has(std::string_view name) const {
  return flags_.find(name) != flags_.end();
}

std::optional<std::string> ParsedArgs::Value(std::string_view name) const {
  auto it = flags_.find(name);
  if (it == flags_.end()) return std::nullopt;
  return it->second.front();
}

std::vector<std::string> ParsedArgs::Values(std::string_view name) const {
  auto it = flags_.find(name);
  if (it == flags_.end()) return {};
  return it->second;
}

std::vector<std::string> ParsedArgs::ListValues(std::string_view name) const {
  std::vector<std::string> items;
  for (const std::string& value : Values(name)) {
    for (absl::string_view item : absl::StrSplit(value, ',')) {
      item = absl::StripAsciiWhitespace(item);
      if (!item.empty()) items.emplace_back(item);
    }
  }
  return items;
}

std::string ParsedArgs::ValueOr(std::string_view name,
                                std::string_view fallback) const {
  auto it = flags_.find(name);
  return it == flags_.end() ? std::string(fallback) : it->second.front();
}

absl::StatusOr<int64_t> ParsedArgs::IntValue(std::string_view name,
                                             int64_t fallback, int64_t min,
                                             int64_t max) const {
  auto it = flags_.find(name);
  if (it == flags_.end()) return fallback;
  const std::string& text = it->second.front();
  errno = 0;
  char* end = nullptr;
  long long value = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE || value < min ||
      value > max) {
    return UsageError(absl::StrCat("--", AsAbsl(name),
                                   ": expected a whole number from ", min,
                                   " to ", max, ", got '", text, "'"));
  }
  return value;
}

absl::StatusOr<double> ParsedArgs::PositiveNumberValue(std::string_view name,
                                                       double fallback) const {
  auto it = flags_.find(name);
  if (it == flags_.end()) return fallback;
  const std::string& text = it->second.front();
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(value) || value <= 0) {
    return UsageError(absl::StrCat(
        "--", AsAbsl(name), ": expected a positive number, got '", text, "'"));
  }
  return value;
}

absl::StatusOr<double> ParsedArgs::NumberValue(std::string_view name,
                                               double fallback, double min,
                                               double max) const {
  auto it = flags_.find(name);
  if (it == flags_.end()) return fallback;
  const std::string& text = it->second.front();
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(value) || value < min ||
      value > max) {
    return UsageError(absl::StrCat("--", AsAbsl(name),
                                   ": expected a number from ", min, " to ",
                                   max, ", got '", text, "'"));
  }
  return value;
}

absl::StatusOr<ParsedArgs> ParseArgs(const std::vector<std::string>& tokens,
                                     const std::vector<FlagSpec>& specs) {
  ParsedArgs args;
  bool flags_ended = false;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::string& token = tokens[i];
    if (flags_ended || !IsFlagToken(token)) {
      args.positional_.push_back(token);
      continue;
    }
    if (token == "--") {
      flags_ended = true;
      continue;
    }
    FlagToken flag = SplitFlag(token);
    const FlagSpec* spec = FindSpec(specs, flag.name);
    bool long_form = token.rfind("--", 0) == 0;
    if (const FlagSpec* alias = FindShort(specs, token); alias != nullptr) {
      spec = alias;
      flag.name = alias->name;
    } else if (spec == nullptr || (!long_form && token != "-h")) {
      return UsageError(absl::StrCat("unknown flag '", token, "'"));
    }
    if (args.Has(flag.name) && !spec->repeatable) {
      return UsageError(absl::StrCat("--", flag.name, " given twice"));
    }
    if (spec->value_name.empty()) {
      if (flag.has_value) {
        return UsageError(absl::StrCat("--", flag.name, " takes no value"));
      }
    } else if (!flag.has_value) {
      if (i + 1 >= tokens.size()) {
        return UsageError(absl::StrCat("--", flag.name, " needs a value (",
                                       spec->value_name, ")"));
      }
      flag.value = tokens[++i];
    }
    args.flags_[flag.name].push_back(flag.value);
  }
  return args;
}

std::optional<std::string> TakeWord(std::vector<std::string>* tokens,
                                    const std::vector<FlagSpec>& specs) {
  for (size_t i = 0; i < tokens->size(); ++i) {
    const std::string& token = (*tokens)[i];
    if (token == "--") {
      if (i + 1 >= tokens->size()) return std::nullopt;
      std::string word = (*tokens)[i + 1];
      tokens->erase(tokens->begin() + static_cast<std::ptrdiff_t>(i) + 1);
      return word;
    }
    if (IsFlagToken(token)) {
      FlagToken flag = SplitFlag(token);
      const FlagSpec* spec = FindShort(specs, token);
      if (spec == nullptr) spec = FindSpec(specs, flag.name);
      if (spec != nullptr && !spec->value_name.empty() && !flag.has_value) {
        ++i;  // its value
      }
      continue;
    }
    std::string word = token;
    tokens->erase(tokens->begin() + static_cast<std::ptrdiff_t>(i));
    return word;
  }
  return std::nullopt;
}

bool WantsHelp(const std::vector<std::string>& tokens) {
  for (const std::string& token : tokens) {
    if (token == "--") return false;
    if (token == "--help" || token == "-h") return true;
  }
  return false;
}

}  // namespace maillage::cli

#include "cli/names.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/strings.h"

namespace maillage::cli {
namespace {

using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;

std::string EnumPrefix(const EnumDescriptor& type) {
  const EnumValueDescriptor* zero = type.FindValueByNumber(0);
  if (zero == nullptr) return "";
  constexpr std::string_view kUnspecified = "UNSPECIFIED";
  const std::string& name = zero->name();
  if (!absl::EndsWith(name, AsAbsl(kUnspecified))) return "";
  return name.substr(0, name.size() - kUnspecified.size());
}

// French users write levels with their accents.
std::string_view UnaccentLevel(std::string_view level) {
  if (level == "département" || level == "Département") return "departement";
  if (level == "région" || level == "Région") return "region";
  return level;
}

}  // namespace

std::string ShortEnumName(const EnumValueDescriptor& value) {
  if (value.number() == 0) return "";
  std::string prefix = EnumPrefix(*value.type());
  std::string name = value.name();
  if (absl::StartsWith(name, prefix)) name = name.substr(prefix.size());
  return absl::AsciiStrToLower(name);
}

const EnumValueDescriptor* FindEnumValue(const EnumDescriptor& type,
                                         std::string_view name) {
  std::string upper = absl::AsciiStrToUpper(AsAbsl(name));
  for (const std::string& candidate : {upper, EnumPrefix(type) + upper}) {
    const EnumValueDescriptor* value = type.FindValueByName(candidate);
    if (value != nullptr && value->number() != 0) return value;
  }
  return nullptr;
}

std::string ShortEnumNames(const EnumDescriptor& type,
                           std::string_view separator) {
  std::string names;
  for (int i = 0; i < type.value_count(); ++i) {
    const EnumValueDescriptor& value = *type.value(i);
    if (value.number() == 0) continue;
    absl::StrAppend(&names, names.empty() ? "" : AsAbsl(separator),
                    ShortEnumName(value));
  }
  return names;
}

absl::StatusOr<int> ParseEnumNumber(const EnumDescriptor& type,
                                    std::string_view what,
                                    std::string_view name) {
  const EnumValueDescriptor* value = FindEnumValue(type, name);
  if (value == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(AsAbsl(what), ": unknown value '", AsAbsl(name),
                     "' (expected ", ShortEnumNames(type, ", "), ")"));
  }
  return value->number();
}

absl::StatusOr<v1::TerritoryLevel> ParseTerritoryLevel(std::string_view what,
                                                       std::string_view text) {
  return ParseEnum<v1::TerritoryLevel>(what, UnaccentLevel(text));
}

absl::StatusOr<v1::TerritoryRef> ParseTerritoryRef(std::string_view what,
                                                   std::string_view text) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 ||
      colon + 1 == text.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        AsAbsl(what), ": expected LEVEL:CODE (e.g. departement:94), got '",
        AsAbsl(text), "'"));
  }
  absl::StatusOr<v1::TerritoryLevel> level =
      ParseTerritoryLevel(what, text.substr(0, colon));
  if (!level.ok()) return level.status();
  v1::TerritoryRef ref;
  ref.set_level(*level);
  ref.set_code(std::string(text.substr(colon + 1)));
  return ref;
}

std::string FormatTerritoryRef(const v1::TerritoryRef& ref) {
  if (ref.level() == v1::TERRITORY_LEVEL_UNSPECIFIED && ref.code().empty()) {
    return "";
  }
  return absl::StrCat(ShortEnumName(ref.level()), ":", ref.code());
}

}  // namespace maillage::cli

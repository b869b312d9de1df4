#ifndef MAILLAGE_CLI_NAMES_H_
#define MAILLAGE_CLI_NAMES_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/generated_enum_reflection.h"
#include "maillage/v1/common.pb.h"

// How the CLI writes API values for people: enum values by short name
// (ACTOR_KIND_PUBLIC_BODY is "public_body") and territories as LEVEL:CODE
// ("departement:94").
namespace maillage::cli {

// The value's name without its enum's prefix, in lower case:
// ACTOR_KIND_PUBLIC_BODY -> "public_body". The prefix is the name of the
// enum's zero value minus "UNSPECIFIED" ("ACTOR_KIND_"). The zero value's
// short name is "".
std::string ShortEnumName(const google::protobuf::EnumValueDescriptor& value);

template <typename Enum>
std::string ShortEnumName(Enum value) {
  const auto* descriptor = google::protobuf::GetEnumDescriptor<Enum>();
  const auto* v = descriptor->FindValueByNumber(static_cast<int>(value));
  return v == nullptr ? std::to_string(static_cast<int>(value))
                      : ShortEnumName(*v);
}

// The value named `name`, by short or full name, in any case ("company",
// "ACTOR_KIND_COMPANY"); the zero value is never returned. nullptr when
// there is none.
const google::protobuf::EnumValueDescriptor* FindEnumValue(
    const google::protobuf::EnumDescriptor& type, std::string_view name);

// The short names of the non-zero values, joined by `separator`:
// "association|company|public_body|academic|media".
std::string ShortEnumNames(const google::protobuf::EnumDescriptor& type,
                           std::string_view separator = "|");

// Parses a short or full enum name; an unknown name is an INVALID_ARGUMENT
// error listing the accepted short names, prefixed with `what` ("--kind").
template <typename Enum>
absl::StatusOr<Enum> ParseEnum(std::string_view what, std::string_view name);

// ParseEnum for each of `names`; the first unknown one is an error.
template <typename Enum>
absl::StatusOr<std::vector<Enum>> ParseEnums(
    std::string_view what, const std::vector<std::string>& names) {
  std::vector<Enum> values;
  for (const std::string& name : names) {
    absl::StatusOr<Enum> value = ParseEnum<Enum>(what, name);
    if (!value.ok()) return value.status();
    values.push_back(*value);
  }
  return values;
}

// Parses a territory level by short or full name, accents allowed
// ("département"); INVALID_ARGUMENT naming `what` otherwise.
absl::StatusOr<v1::TerritoryLevel> ParseTerritoryLevel(std::string_view what,
                                                       std::string_view text);

// Parses "LEVEL:CODE" ("departement:94", "commune:94018", "custom:zone");
// LEVEL is a short TerritoryLevel name, accents allowed ("région").
// INVALID_ARGUMENT otherwise, naming `what`.
absl::StatusOr<v1::TerritoryRef> ParseTerritoryRef(std::string_view what,
                                                   std::string_view text);
// "departement:94"; "" for an empty reference.
std::string FormatTerritoryRef(const v1::TerritoryRef& ref);

// Implementation of ParseEnum.
absl::StatusOr<int> ParseEnumNumber(
    const google::protobuf::EnumDescriptor& type, std::string_view what,
    std::string_view name);

template <typename Enum>
absl::StatusOr<Enum> ParseEnum(std::string_view what, std::string_view name) {
  absl::StatusOr<int> number =
      ParseEnumNumber(*google::protobuf::GetEnumDescriptor<Enum>(), what, name);
  if (!number.ok()) return number.status();
  return static_cast<Enum>(*number);
}

}  // namespace maillage::cli

#endif  // MAILLAGE_CLI_NAMES_H_

#include "cli/input.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/strings.h"
#include "cli/names.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "importer/byte_source.h"

namespace maillage::cli {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

std::string StatusText(const google::protobuf::util::Status& status) {
  auto message = status.message();
  return std::string(message.data(), message.size());
}

std::string WithLocation(const std::string& location,
                         std::string_view message) {
  return location.empty() ? std::string(message)
                          : absl::StrCat(location, ": ", AsAbsl(message));
}

// The field a JSON key names: its .proto name or its JSON (lowerCamelCase)
// name, as protobuf's JSON parser accepts both.
const FieldDescriptor* FindField(const Descriptor& type,
                                 const std::string& key) {
  const FieldDescriptor* field = type.FindFieldByName(key);
  for (int i = 0; field == nullptr && i < type.field_count(); ++i) {
    if (type.field(i)->json_name() == key) field = type.field(i);
  }
  return field;
}

bool IsWellKnown(const Descriptor& type) {
  return type.file()->package() == "google.protobuf";
}

// Rewrites enum values given by short name to their full names, in place,
// through the nested messages of `type`; unknown names go to `errors`.
// Fields unknown to `type` are left for the JSON parser to report.
void ExpandEnumNames(const Descriptor& type, const std::string& path,
                     google::protobuf::Struct* object,
                     std::vector<std::string>* errors) {
  for (auto& entry : *object->mutable_fields()) {
    const FieldDescriptor* field = FindField(type, entry.first);
    if (field == nullptr || field->is_map()) continue;
    std::string field_path =
        path.empty() ? entry.first : absl::StrCat(path, ".", entry.first);
    auto expand = [&](google::protobuf::Value* value,
                      const std::string& value_path) {
      if (field->type() == FieldDescriptor::TYPE_ENUM &&
          value->kind_case() == google::protobuf::Value::kStringValue) {
        const auto& enum_type = *field->enum_type();
        if (enum_type.FindValueByName(value->string_value()) != nullptr) {
          return;
        }
        const auto* found = FindEnumValue(enum_type, value->string_value());
        if (found != nullptr) {
          value->set_string_value(found->name());
        } else {
          errors->push_back(absl::StrCat(value_path, ": unknown value '",
                                         value->string_value(), "' (expected ",
                                         ShortEnumNames(enum_type, ", "), ")"));
        }
      } else if (field->type() == FieldDescriptor::TYPE_MESSAGE &&
                 !IsWellKnown(*field->message_type()) &&
                 value->kind_case() == google::protobuf::Value::kStructValue) {
        ExpandEnumNames(*field->message_type(), value_path,
                        value->mutable_struct_value(), errors);
      }
    };
    google::protobuf::Value& value = entry.second;
    if (field->is_repeated() &&
        value.kind_case() == google::protobuf::Value::kListValue) {
      auto* list = value.mutable_list_value();
      for (int i = 0; i < list->values_size(); ++i) {
        expand(list->mutable_values(i), absl::StrCat(field_path, "[", i, "]"));
      }
    } else {
      expand(&value, field_path);
    }
  }
}

// The .proto names of the fields `object` sets, sorted; keys that name no
// field are kept as written (the JSON parser rejects them).
std::vector<std::string> FieldNames(const Descriptor& type,
                                    const google::protobuf::Struct& object) {
  std::vector<std::string> names;
  for (const auto& entry : object.fields()) {
    const FieldDescriptor* field = FindField(type, entry.first);
    names.push_back(field != nullptr ? field->name() : entry.first);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// One JSON object, already parsed, into a record from `add`.
absl::Status ConvertRecord(google::protobuf::Value value,
                           const std::string& location, const Descriptor& type,
                           const AddJsonRecord& add) {
  if (value.kind_case() != google::protobuf::Value::kStructValue) {
    return absl::InvalidArgumentError(
        WithLocation(location, "expected a JSON object"));
  }
  Message* message = add(location, FieldNames(type, value.struct_value()));
  std::vector<std::string> errors;
  ExpandEnumNames(*message->GetDescriptor(), "", value.mutable_struct_value(),
                  &errors);
  if (!errors.empty()) {
    return absl::InvalidArgumentError(
        WithLocation(location, absl::StrJoin(errors, "; ")));
  }
  std::string json;
  auto printed =
      google::protobuf::util::MessageToJsonString(value.struct_value(), &json);
  if (!printed.ok()) {
    return absl::InvalidArgumentError(
        WithLocation(location, StatusText(printed)));
  }
  auto parsed = google::protobuf::util::JsonStringToMessage(json, message);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(WithLocation(
        location, absl::StrCat("not a valid ", message->GetTypeName(), ": ",
                               StatusText(parsed))));
  }
  return absl::OkStatus();
}

absl::StatusOr<google::protobuf::Value> ParseJsonValue(
    std::string_view text, const std::string& location) {
  google::protobuf::Value value;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(text.data(), text.size()), &value);
  if (!status.ok()) {
    return absl::InvalidArgumentError(WithLocation(
        location, absl::StrCat("invalid JSON: ", StatusText(status))));
  }
  return value;
}

// JSONL: at least two non-blank lines, the first a whole object.
bool LooksLikeJsonLines(std::string_view text) {
  int lines = 0;
  bool first_is_object = false;
  for (absl::string_view line : absl::StrSplit(AsAbsl(text), '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    if (lines++ == 0) {
      first_is_object = line.front() == '{' && line.back() == '}';
    }
  }
  return lines >= 2 && first_is_object;
}

}  // namespace

absl::StatusOr<std::string> ReadInput(std::string_view path,
                                      std::istream& stdin_stream) {
  std::ostringstream content;
  if (path == "-") {
    content << stdin_stream.rdbuf();
    return content.str();
  }
  std::string name(path);
  std::error_code ec;
  if (std::filesystem::is_directory(name, ec)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", name, ": is a directory"));
  }
  std::ifstream file(name, std::ios::binary);
  if (!file) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", name, ": ", std::strerror(errno)));
  }
  content << file.rdbuf();
  if (file.bad()) {
    return absl::InvalidArgumentError(absl::StrCat("cannot read ", name));
  }
  return content.str();
}

absl::Status ParseJsonInto(std::string_view text, const Descriptor& type,
                           const AddJsonRecord& add) {
  constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
  if (text.substr(0, kByteOrderMark.size()) == kByteOrderMark) {
    text.remove_prefix(kByteOrderMark.size());
  }
  absl::string_view trimmed = absl::StripAsciiWhitespace(AsAbsl(text));
  if (trimmed.empty()) return absl::InvalidArgumentError("no JSON input");

  if (trimmed.front() == '[') {
    absl::StatusOr<google::protobuf::Value> value =
        ParseJsonValue(std::string_view(trimmed.data(), trimmed.size()), "");
    if (!value.ok()) return value.status();
    auto* list = value->mutable_list_value();
    for (int i = 0; i < list->values_size(); ++i) {
      std::string location = absl::StrCat("item ", i + 1);
      absl::Status s = ConvertRecord(std::move(*list->mutable_values(i)),
                                     location, type, add);
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }

  if (LooksLikeJsonLines(text)) {
    int number = 0;
    for (absl::string_view line : absl::StrSplit(AsAbsl(text), '\n')) {
      ++number;
      if (absl::StripAsciiWhitespace(line).empty()) continue;
      std::string location = absl::StrCat("line ", number);
      absl::StatusOr<google::protobuf::Value> value =
          ParseJsonValue(std::string_view(line.data(), line.size()), location);
      if (!value.ok()) return value.status();
      absl::Status s = ConvertRecord(std::move(*value), location, type, add);
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }

  absl::StatusOr<google::protobuf::Value> value = ParseJsonValue(text, "");
  if (!value.ok()) return value.status();
  return ConvertRecord(std::move(*value), "", type, add);
}

absl::StatusOr<std::unique_ptr<importer::CsvReader>> OpenCsv(
    std::string_view path, std::istream& stdin_stream) {
  absl::StatusOr<std::unique_ptr<importer::CsvReader>> reader;
  if (path == "-") {
    absl::StatusOr<std::string> text = ReadInput(path, stdin_stream);
    if (!text.ok()) return text.status();
    reader = importer::CsvReader::FromSource(
        importer::StringSource(std::move(*text), "<stdin>"));
  } else {
    reader = importer::CsvReader::Open(std::string(path));
  }
  if (!reader.ok()) {
    return absl::InvalidArgumentError(reader.status().message());
  }
  return reader;
}

absl::StatusOr<std::unique_ptr<importer::LineReader>> OpenLines(
    std::string_view path, std::istream& stdin_stream) {
  if (path == "-") {
    absl::StatusOr<std::string> text = ReadInput(path, stdin_stream);
    if (!text.ok()) return text.status();
    return importer::LineReader::FromSource(
        importer::StringSource(std::move(*text), "<stdin>"));
  }
  absl::StatusOr<std::unique_ptr<importer::LineReader>> reader =
      importer::LineReader::Open(std::string(path));
  if (!reader.ok()) {
    return absl::InvalidArgumentError(reader.status().message());
  }
  return reader;
}

}  // namespace maillage::cli

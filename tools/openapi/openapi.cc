#include "tools/openapi/openapi.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/rpc/status.pb.h"
#include "services/http/stream_format.h"

namespace maillage::openapi {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Value;
using services::http::FieldPath;
using services::http::Route;

Value Str(std::string_view s) {
  Value v;
  v.set_string_value(std::string(s));
  return v;
}

Value Bool(bool b) {
  Value v;
  v.set_bool_value(b);
  return v;
}

Value Obj(std::vector<std::pair<std::string, Value>> members) {
  Value v;
  auto* fields = v.mutable_struct_value()->mutable_fields();
  for (auto& [name, value] : members) (*fields)[name] = std::move(value);
  return v;
}

Value Arr(std::vector<Value> items) {
  Value v;
  auto* list = v.mutable_list_value();
  for (Value& item : items) *list->add_values() = std::move(item);
  return v;
}

void Set(Value* object, const std::string& name, Value value) {
  (*object->mutable_struct_value()->mutable_fields())[name] = std::move(value);
}

Value Ref(std::string_view type) {
  return Obj({{"$ref", Str("#/components/schemas/" + std::string(type))}});
}

// Schemas of the well-known types, in their JSON mapping.
std::optional<Value> WellKnown(const Descriptor& type) {
  const std::string& name = type.full_name();
  if (name == "google.protobuf.Timestamp") {
    return Obj({{"type", Str("string")}, {"format", Str("date-time")}});
  }
  if (name == "google.protobuf.Duration") {
    return Obj({{"type", Str("string")},
                {"pattern", Str("^-?[0-9]+(\\.[0-9]{1,9})?s$")},
                {"example", Str("86400s")}});
  }
  if (name == "google.protobuf.FieldMask") {
    return Obj({{"type", Str("string")},
                {"description", Str("Comma-separated field paths.")},
                {"example", Str("name,themes")}});
  }
  if (name == "google.protobuf.Empty") return Obj({{"type", Str("object")}});
  if (name == "google.protobuf.Any") {
    return Obj(
        {{"type", Str("object")},
         {"properties", Obj({{"@type", Obj({{"type", Str("string")}})}})},
         {"required", Arr({Str("@type")})},
         {"additionalProperties", Bool(true)}});
  }
  return std::nullopt;
}

// Builds components.schemas as the routes refer to messages and enums.
class Schemas {
 public:
  // The schema of a value of `field` (its element for a repeated field).
  Value Scalar(const FieldDescriptor& field) {
    switch (field.cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        return field.type() == FieldDescriptor::TYPE_BYTES
                   ? Obj({{"type", Str("string")}, {"format", Str("byte")}})
                   : Obj({{"type", Str("string")}});
      case FieldDescriptor::CPPTYPE_INT32:
        return Obj({{"type", Str("integer")}, {"format", Str("int32")}});
      case FieldDescriptor::CPPTYPE_UINT32:
        return Obj({{"type", Str("integer")}, {"format", Str("int64")}});
      case FieldDescriptor::CPPTYPE_INT64:
      case FieldDescriptor::CPPTYPE_UINT64:
        // Protobuf's JSON writes 64-bit integers as strings.
        return Obj({{"type", Str("string")}, {"format", Str("int64")}});
      case FieldDescriptor::CPPTYPE_DOUBLE:
        return Obj({{"type", Str("number")}, {"format", Str("double")}});
      case FieldDescriptor::CPPTYPE_FLOAT:
        return Obj({{"type", Str("number")}, {"format", Str("float")}});
      case FieldDescriptor::CPPTYPE_BOOL:
        return Obj({{"type", Str("boolean")}});
      case FieldDescriptor::CPPTYPE_ENUM:
        return Enum(*field.enum_type());
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return Message(*field.message_type());
    }
    return Obj({});
  }

  Value Field(const FieldDescriptor& field) {
    if (field.is_map()) {
      return Obj({{"type", Str("object")},
                  {"additionalProperties",
                   Scalar(*field.message_type()->map_value())}});
    }
    if (field.is_repeated()) {
      return Obj({{"type", Str("array")}, {"items", Scalar(field)}});
    }
    return Scalar(field);
  }

  Value Message(const Descriptor& type) {
    if (std::optional<Value> known = WellKnown(type)) return *known;
    const std::string name = type.full_name();
    if (seen_.insert(name).second) {
      Value properties = Obj({});
      for (int i = 0; i < type.field_count(); ++i) {
        Set(&properties, type.field(i)->json_name(), Field(*type.field(i)));
      }
      Value schema = Obj({{"type", Str("object")},
                          {"properties", std::move(properties)},
                          {"additionalProperties", Bool(false)}});
      schemas_[name] = std::move(schema);
    }
    return Ref(name);
  }

  Value Enum(const EnumDescriptor& type) {
    const std::string name = type.full_name();
    if (seen_.insert(name).second) {
      std::vector<Value> values;
      for (int i = 0; i < type.value_count(); ++i) {
        values.push_back(Str(type.value(i)->name()));
      }
      schemas_[name] =
          Obj({{"type", Str("string")}, {"enum", Arr(std::move(values))}});
    }
    return Ref(name);
  }

  Value All() {
    Value all = Obj({});
    for (auto& [name, schema] : schemas_) Set(&all, name, schema);
    return all;
  }

 private:
  std::set<std::string> seen_;
  std::map<std::string, Value> schemas_;
};

bool IsLeaf(const FieldDescriptor& field) {
  return field.message_type() == nullptr ||
         WellKnown(*field.message_type()).has_value();
}

bool Bound(const Route& route, const FieldPath& path) {
  auto within = [&](const FieldPath& b) {
    return !b.empty() && path.size() >= b.size() &&
           std::equal(b.begin(), b.end(), path.begin());
  };
  if (within(route.body_field)) return true;
  for (const auto& segment : route.segments) {
    if (within(segment.field)) return true;
  }
  return false;
}

// Query parameters of the fields of `type` under `prefix` that the path and
// the body leave free: scalars, enums, well-known types, repeated scalars;
// singular messages are walked into ("territory.code").
void QueryParameters(const Route& route, const Descriptor& type,
                     FieldPath prefix, Schemas& schemas,
                     std::vector<Value>* out) {
  for (int i = 0; i < type.field_count(); ++i) {
    const FieldDescriptor& field = *type.field(i);
    FieldPath path = prefix;
    path.push_back(&field);
    if (Bound(route, path) || field.is_map()) continue;
    if (!IsLeaf(field)) {
      if (!field.is_repeated() && prefix.size() < 3) {
        QueryParameters(route, *field.message_type(), path, schemas, out);
      }
      continue;
    }
    out->push_back(Obj({{"name", Str(services::http::FieldPathName(path))},
                        {"in", Str("query")},
                        {"schema", schemas.Field(field)}}));
  }
}

std::vector<Value> Parameters(const Route& route, Schemas& schemas) {
  std::vector<Value> parameters;
  for (const auto& segment : route.segments) {
    if (segment.field.empty()) continue;
    parameters.push_back(
        Obj({{"name", Str(services::http::FieldPathName(segment.field))},
             {"in", Str("path")},
             {"required", Bool(true)},
             {"schema", schemas.Field(*segment.field.back())}}));
  }
  if (route.streams_requests()) {
    for (const auto& p : services::http::kUploadParameters) {
      parameters.push_back(Obj({{"name", Str(p.name)},
                                {"in", Str("query")},
                                {"description", Str(p.description)},
                                {"schema", Obj({{"type", Str("string")}})}}));
    }
  } else if (!route.body_is_request) {
    QueryParameters(route, *route.method->input_type(), {}, schemas,
                    &parameters);
  }
  return parameters;
}

std::optional<Value> RequestBody(const Route& route, Schemas& schemas) {
  if (route.streams_requests()) {
    const FieldDescriptor* rows =
        services::http::UploadRowsField(*route.method->input_type());
    return Obj({{"required", Bool(true)},
                {"content",
                 Obj({{"application/x-ndjson",
                       Obj({{"schema", schemas.Scalar(*rows)}})},
                      {"text/csv",
                       Obj({{"schema", Obj({{"type", Str("string")}})}})}})}});
  }
  if (!route.body_is_request && route.body_field.empty()) return std::nullopt;
  Value schema = route.body_is_request
                     ? schemas.Message(*route.method->input_type())
                     : schemas.Field(*route.body_field[0]);
  return Obj(
      {{"required", Bool(true)},
       {"content", Obj({{"application/json", Obj({{"schema", schema}})}})}});
}

Value Responses(const Route& route, Schemas& schemas) {
  const Descriptor& output = *route.method->output_type();
  Value content;
  if (route.streams_responses() || route.streams_requests()) {
    const FieldDescriptor* elements = services::http::StreamElements(output);
    Value line = elements != nullptr ? schemas.Scalar(*elements)
                                     : schemas.Message(output);
    content = Obj({{"application/x-ndjson", Obj({{"schema", line}})},
                   {"text/event-stream",
                    Obj({{"schema", Obj({{"type", Str("string")}})}})}});
  } else {
    content =
        Obj({{"application/json", Obj({{"schema", schemas.Message(output)}})}});
  }
  Value error =
      Obj({{"description",
            Str("A google.rpc.Status; the HTTP status maps its code.")},
           {"content", Obj({{"application/json",
                             Obj({{"schema", Ref("google.rpc.Status")}})}})}});
  return Obj({{"200", Obj({{"description", Str("OK")}, {"content", content}})},
              {"default", error}});
}

Value Operation(const Route& route, Schemas& schemas) {
  Value operation = Obj({{"operationId", Str(route.method->name())},
                         {"tags", Arr({Str(route.method->service()->name())})},
                         {"parameters", Arr(Parameters(route, schemas))},
                         {"responses", Responses(route, schemas)}});
  if (std::optional<Value> body = RequestBody(route, schemas)) {
    Set(&operation, "requestBody", *std::move(body));
  }
  return operation;
}

// `text` as a JSON string literal.
void PrintString(const std::string& text, std::string* out) {
  out->push_back('"');
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      absl::StrAppend(
          out, "\\u00",
          absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

// `value` as indented JSON with object members in name order, so that the
// same protos always give the same bytes.
void Print(const Value& value, int depth, std::string* out) {
  const std::string indent(2 * (depth + 1), ' ');
  switch (value.kind_case()) {
    case Value::kStringValue:
      PrintString(value.string_value(), out);
      return;
    case Value::kBoolValue:
      out->append(value.bool_value() ? "true" : "false");
      return;
    case Value::kNumberValue:
      absl::StrAppend(out, value.number_value());
      return;
    case Value::kListValue: {
      if (value.list_value().values_size() == 0) {
        out->append("[]");
        return;
      }
      out->append("[\n");
      const auto& items = value.list_value().values();
      for (int i = 0; i < items.size(); ++i) {
        out->append(indent);
        Print(items[i], depth + 1, out);
        out->append(i + 1 < items.size() ? ",\n" : "\n");
      }
      absl::StrAppend(out, std::string(2 * depth, ' '), "]");
      return;
    }
    case Value::kStructValue: {
      const auto& fields = value.struct_value().fields();
      if (fields.empty()) {
        out->append("{}");
        return;
      }
      std::map<std::string, const Value*> sorted;
      for (const auto& [name, member] : fields) sorted[name] = &member;
      out->append("{\n");
      size_t i = 0;
      for (const auto& [name, member] : sorted) {
        out->append(indent);
        PrintString(name, out);
        out->append(": ");
        Print(*member, depth + 1, out);
        out->append(++i < sorted.size() ? ",\n" : "\n");
      }
      absl::StrAppend(out, std::string(2 * depth, ' '), "}");
      return;
    }
    default:
      out->append("null");
      return;
  }
}

std::string ToLower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(c));
  return s;
}

}  // namespace

std::string Document(const services::http::RouteTable& routes) {
  Schemas schemas;
  schemas.Message(*google::rpc::Status::descriptor());
  Value paths = Obj({});
  for (const Route& route : routes.routes()) {
    Value* item =
        &(*paths.mutable_struct_value()->mutable_fields())[route.path];
    if (item->kind_case() == Value::KIND_NOT_SET) *item = Obj({});
    Set(item, ToLower(route.http_method), Operation(route, schemas));
  }
  Value document =
      Obj({{"openapi", Str("3.0.3")},
           {"info",
            Obj({{"title", Str("Maillage API")},
                 {"version", Str("v1")},
                 {"description",
                  Str("The HTTP/JSON face of maillage.v1, generated from the "
                      "google.api.http rules of its protos. Every call needs "
                      "Authorization: Bearer <API key or token>.")}})},
           {"paths", std::move(paths)},
           {"components",
            Obj({{"schemas", schemas.All()},
                 {"securitySchemes",
                  Obj({{"bearer", Obj({{"type", Str("http")},
                                       {"scheme", Str("bearer")}})}})}})},
           {"security", Arr({Obj({{"bearer", Arr({})}})})}});
  std::string json;
  Print(document, 0, &json);
  return json + "\n";
}

}  // namespace maillage::openapi

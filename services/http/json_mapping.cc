#include "services/http/json_mapping.h"

#include <memory>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "core/errors.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/status.pb.h"
#include "protojson/reader.h"
#include "services/status_mapping.h"

namespace maillage::services::http {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

google::protobuf::util::JsonParseOptions StrictParsing() {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  options.case_insensitive_enum_parsing = false;
  return options;
}

// `text` as a JSON string literal.
std::string JsonString(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppend(
              &out, "\\u00",
              absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
        } else {
          out.push_back(c);
        }
    }
  }
  return out + "\"";
}

// The JSON value of a query or path text for `field`: numbers and booleans
// as literals when they read as such (the parser then checks their range),
// everything else as a string (enums by name, well-known types in their
// string form, int64 as protobuf JSON allows).
std::string JsonValue(const FieldDescriptor& field, std::string_view text) {
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_BOOL:
      if (text == "true" || text == "false") return std::string(text);
      break;
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT: {
      double number;
      if (absl::SimpleAtod(AsAbsl(text), &number) &&
          text.find_first_not_of("0123456789+-.eE") == text.npos) {
        return std::string(text);
      }
      break;
    }
    default:
      break;
  }
  return JsonString(text);
}

// {"a":{"b":VALUE}} for the path a.b.
std::string NestedJson(const FieldPath& path, const std::string& value) {
  std::string out;
  for (const FieldDescriptor* field : path) {
    absl::StrAppend(&out, "{", JsonString(field->name()), ":");
  }
  out += value;
  out.append(path.size(), '}');
  return out;
}

// Merges the value `text` of the field at `path` into `request`; `origin`
// ("query.kind", "path.id") names it in the error.
absl::Status MergeText(const FieldPath& path, std::string_view text,
                       const std::string& origin, Message* request) {
  std::unique_ptr<Message> single(request->New());
  absl::Status parsed = protojson::ProtobufJsonToMessage(
      NestedJson(path, JsonValue(*path.back(), text)), single.get(),
      StrictParsing());
  if (!parsed.ok()) {
    return core::InvalidField(
        origin, absl::StrCat(core::Quote(text), " is not a valid ",
                             FieldPathName(path), ": ", parsed.message()));
  }
  request->MergeFrom(*single);
  return absl::OkStatus();
}

absl::Status DecodeBody(const Route& route, std::string_view body,
                        Message* request) {
  if (!route.body_is_request && route.body_field.empty()) {
    if (!body.empty()) {
      return core::InvalidField(
          "body", absl::StrCat(route.http_method, " ", route.path,
                               " takes no body: its fields go in the query "
                               "string"));
    }
    return absl::OkStatus();
  }
  if (absl::StripAsciiWhitespace(AsAbsl(body)).empty()) body = "{}";
  Message* target = request;
  if (!route.body_is_request) {
    target =
        request->GetReflection()->MutableMessage(request, route.body_field[0]);
  }
  absl::Status parsed =
      protojson::ProtobufJsonToMessage(body, target, StrictParsing());
  if (!parsed.ok()) {
    return core::InvalidField(
        "body", absl::StrCat("the body is not a valid ",
                             target->GetDescriptor()->full_name(),
                             " in protobuf JSON: ", parsed.message()));
  }
  return absl::OkStatus();
}

// Whether `a` is `b` or starts with it (a field inside b).
bool Within(const FieldPath& a, const FieldPath& b) {
  return !b.empty() && a.size() >= b.size() &&
         std::equal(b.begin(), b.end(), a.begin());
}

absl::Status DecodeQuery(const Route& route,
                         const std::vector<PathBinding>& bindings,
                         std::string_view query, Message* request) {
  ASSIGN_OR_RETURN(auto parameters, ParseQuery(query));
  core::FieldViolations violations;
  for (const auto& [name, value] : parameters) {
    const std::string origin = absl::StrCat("query.", name);
    if (route.body_is_request) {
      violations.Add(origin,
                     "this method takes its fields in the JSON body, "
                     "not in the query string");
      continue;
    }
    absl::StatusOr<FieldPath> path =
        ResolveFieldPath(*request->GetDescriptor(), name);
    if (!path.ok()) {
      violations.Add(origin, absl::StrCat("unknown query parameter: ",
                                          path.status().message()));
      continue;
    }
    bool bound = Within(*path, route.body_field);
    for (const PathBinding& b : bindings) bound |= Within(*path, *b.field);
    if (bound) {
      violations.Add(origin, "this field is set by the path or the body");
      continue;
    }
    absl::Status merged = MergeText(*path, value, origin, request);
    if (!merged.ok()) {
      violations.Add(origin, std::string(merged.message()));
    }
  }
  return violations.ToStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseQuery(
    std::string_view query) {
  std::vector<std::pair<std::string, std::string>> parameters;
  for (absl::string_view pair : absl::StrSplit(AsAbsl(query), '&')) {
    if (pair.empty()) continue;
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(pair, absl::MaxSplits('=', 1));
    absl::StatusOr<std::string> name =
        PercentDecode(std::string_view(kv.first.data(), kv.first.size()), true);
    absl::StatusOr<std::string> value = PercentDecode(
        std::string_view(kv.second.data(), kv.second.size()), true);
    if (!name.ok() || !value.ok()) {
      return core::InvalidField(
          "query", std::string(name.ok() ? value.status().message()
                                         : name.status().message()));
    }
    parameters.emplace_back(*std::move(name), *std::move(value));
  }
  return parameters;
}

absl::Status DecodeRequest(const Route& route,
                           const std::vector<PathBinding>& bindings,
                           std::string_view query, std::string_view body,
                           Message* request) {
  RETURN_IF_ERROR(DecodeBody(route, body, request));
  RETURN_IF_ERROR(DecodeQuery(route, bindings, query, request));
  core::FieldViolations violations;
  for (const PathBinding& binding : bindings) {
    const std::string origin =
        absl::StrCat("path.", FieldPathName(*binding.field));
    absl::Status merged =
        MergeText(*binding.field, binding.value, origin, request);
    if (!merged.ok()) violations.Add(origin, std::string(merged.message()));
  }
  return violations.ToStatus();
}

std::string ToJson(const Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  // A message we hold always prints (Any details resolve in the generated
  // pool, which links every type the server sends).
  static_cast<void>(
      google::protobuf::util::MessageToJsonString(message, &json, options));
  return json;
}

int HttpStatusOf(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::CANCELLED:
      return 499;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
      return 409;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    default:  // UNKNOWN, INTERNAL, DATA_LOSS
      return 500;
  }
}

std::string ErrorJson(const grpc::Status& status) {
  google::rpc::Status rich;
  if (!status.error_details().empty()) {
    rich.ParseFromString(status.error_details());
  }
  rich.set_code(static_cast<int>(status.error_code()));
  rich.set_message(status.error_message());
  return ToJson(rich);
}

std::string ErrorJson(const absl::Status& status) {
  return ErrorJson(ToGrpcStatus(status));  // the one mapping, its bounds
}

}  // namespace maillage::services::http

#include "protojson/reader.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>

#include "base/strings.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "protojson/type_cache.h"

namespace maillage::protojson {
namespace {

using google::protobuf::Message;
using google::protobuf::Reflection;
using simdjson::dom::element;
using simdjson::dom::element_type;

// The converters below each give one field value from one JSON value, or
// false to leave the whole text to protobuf. They take only what protobuf
// takes to the same value; protobuf's looser forms (numbers in strings,
// 5.0 for an int, a lone value for a list...) are left to it.

bool EnumNumber(element value, const FieldPlan& plan, int* number) {
  switch (value.type()) {
    case element_type::STRING: {
      std::string_view name = value.get_string().value_unsafe();
      auto it = plan.enum_values->find(AsAbsl(name));
      if (it == plan.enum_values->end()) return false;
      *number = it->second;
      return true;
    }
    case element_type::INT64: {
      // proto3 enums are open: protobuf keeps a number it does not name.
      int64_t n = value.get_int64().value_unsafe();
      if (n < std::numeric_limits<int32_t>::min() ||
          n > std::numeric_limits<int32_t>::max()) {
        return false;
      }
      *number = static_cast<int>(n);
      return true;
    }
    default:
      return false;
  }
}

bool Int64Value(element value, int64_t* out) {
  if (value.type() != element_type::INT64) return false;
  *out = value.get_int64().value_unsafe();
  return true;
}

bool Int32Value(element value, int32_t* out) {
  int64_t n;
  if (!Int64Value(value, &n) || n < std::numeric_limits<int32_t>::min() ||
      n > std::numeric_limits<int32_t>::max()) {
    return false;
  }
  *out = static_cast<int32_t>(n);
  return true;
}

// Numbers, and the three strings protobuf prints for what JSON cannot
// write. An integer is exact in a double up to 2^53; protobuf rounds
// bigger ones the same way (to nearest). simdjson reads "-0" as the
// integer 0, and protobuf too: +0.0 both.
bool DoubleValue(element value, double* out) {
  switch (value.type()) {
    case element_type::DOUBLE:
      *out = value.get_double().value_unsafe();
      return true;
    case element_type::INT64:
      *out = static_cast<double>(value.get_int64().value_unsafe());
      return true;
    case element_type::STRING: {
      std::string_view s = value.get_string().value_unsafe();
      if (s == "NaN") {
        *out = std::numeric_limits<double>::quiet_NaN();
      } else if (s == "Infinity") {
        *out = std::numeric_limits<double>::infinity();
      } else if (s == "-Infinity") {
        *out = -std::numeric_limits<double>::infinity();
      } else {
        return false;
      }
      return true;
    }
    default:
      return false;
  }
}

// Through protobuf's own RFC 3339 parser, the one its JSON parser uses.
bool TimestampValue(element value, google::protobuf::Timestamp* out) {
  if (value.type() != element_type::STRING) return false;
  std::string_view text = value.get_string().value_unsafe();
  return google::protobuf::util::TimeUtil::FromString(std::string(text), out);
}

bool ReadMessage(element value, const MessagePlan& plan, Message* message);

// One value of `plan`'s field: set, or added when the field is repeated.
bool ReadValue(element value, const FieldPlan& plan, Message* message) {
  const Reflection* r = message->GetReflection();
  const google::protobuf::FieldDescriptor* f = plan.field;
  bool add = plan.repeated;
  switch (plan.kind) {
    case FieldPlan::Kind::kString: {
      if (value.type() != element_type::STRING) return false;
      std::string text(value.get_string().value_unsafe());
      add ? r->AddString(message, f, std::move(text))
          : r->SetString(message, f, std::move(text));
      return true;
    }
    case FieldPlan::Kind::kEnum: {
      int number;
      if (!EnumNumber(value, plan, &number)) return false;
      add ? r->AddEnumValue(message, f, number)
          : r->SetEnumValue(message, f, number);
      return true;
    }
    case FieldPlan::Kind::kInt32: {
      int32_t n;
      if (!Int32Value(value, &n)) return false;
      add ? r->AddInt32(message, f, n) : r->SetInt32(message, f, n);
      return true;
    }
    case FieldPlan::Kind::kInt64: {
      int64_t n;
      if (!Int64Value(value, &n)) return false;
      add ? r->AddInt64(message, f, n) : r->SetInt64(message, f, n);
      return true;
    }
    case FieldPlan::Kind::kDouble: {
      double d;
      if (!DoubleValue(value, &d)) return false;
      add ? r->AddDouble(message, f, d) : r->SetDouble(message, f, d);
      return true;
    }
    case FieldPlan::Kind::kBool: {
      if (value.type() != element_type::BOOL) return false;
      bool b = value.get_bool().value_unsafe();
      add ? r->AddBool(message, f, b) : r->SetBool(message, f, b);
      return true;
    }
    case FieldPlan::Kind::kMessage:
      return ReadMessage(
          value, *plan.message,
          add ? r->AddMessage(message, f) : r->MutableMessage(message, f));
    case FieldPlan::Kind::kTimestamp: {
      // The schema matched the generated Timestamp's descriptor.
      auto* timestamp = static_cast<google::protobuf::Timestamp*>(
          add ? r->AddMessage(message, f) : r->MutableMessage(message, f));
      return TimestampValue(value, timestamp);
    }
  }
  return false;
}

// A repeated field takes an array of values (no null among them).
bool ReadField(element value, const FieldPlan& plan, Message* message) {
  if (!plan.repeated) return ReadValue(value, plan, message);
  simdjson::dom::array items;
  if (value.get_array().get(items) != simdjson::SUCCESS) return false;
  for (element item : items) {
    if (!ReadValue(item, plan, message)) return false;
  }
  return true;
}

// An object of known fields, each named once (either name), none null.
bool ReadMessage(element value, const MessagePlan& plan, Message* message) {
  simdjson::dom::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) return false;
  uint64_t seen = 0;
  for (simdjson::dom::key_value_pair member : object) {
    const FieldPlan* field = plan.Find(member.key);
    if (field == nullptr || member.value.is_null()) return false;
    uint64_t bit = uint64_t{1} << (field - plan.fields.data());
    if ((seen & bit) != 0) return false;
    seen |= bit;
    if (!ReadField(member.value, *field, message)) return false;
  }
  return true;
}

}  // namespace

absl::Status ProtobufJsonToMessage(
    std::string_view json, Message* message,
    const google::protobuf::util::JsonParseOptions& options) {
  const google::protobuf::Descriptor* descriptor = message->GetDescriptor();
  if (descriptor->file()->pool() !=
      google::protobuf::DescriptorPool::generated_pool()) {
    auto status = google::protobuf::util::JsonStringToMessage(
        google::protobuf::StringPiece(json.data(), json.size()), message,
        options);
    if (status.ok()) return absl::OkStatus();
    return absl::InvalidArgumentError(
        std::string(status.message().data(), status.message().size()));
  }
  std::string binary;
  auto status = google::protobuf::util::JsonToBinaryString(
      &GeneratedTypes(), TypeUrl(*descriptor),
      google::protobuf::StringPiece(json.data(), json.size()), &binary,
      options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        std::string(status.message().data(), status.message().size()));
  }
  // As JsonStringToMessage: the message is replaced by the binary's.
  if (!message->ParseFromString(binary)) {
    return absl::InvalidArgumentError(
        "JSON transcoder produced invalid protobuf output.");
  }
  return absl::OkStatus();
}

JsonReader::JsonReader(std::shared_ptr<const Schema> schema)
    : schema_(std::move(schema)) {}

bool JsonReader::ParseFast(std::string_view json, Message* message) {
  message->Clear();
  padded_.assign(json.data(), json.size());
  padded_.resize(json.size() + simdjson::SIMDJSON_PADDING);
  element root;
  if (parser_.parse(padded_.data(), json.size(), false).get(root)) {
    return false;
  }
  return ReadMessage(root, schema_->root(), message);
}

absl::Status JsonReader::Parse(std::string_view json, Message* message) {
  if (ParseFast(json, message)) return absl::OkStatus();
  ++declined_;
  message->Clear();
  return ProtobufJsonToMessage(json, message);
}

}  // namespace maillage::protojson

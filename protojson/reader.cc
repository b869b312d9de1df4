#include "protojson/reader.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>

#include "base/strings.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "google/protobuf/wire_format_lite.h"
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

// Calls take(field, value) for each member of an object whose members are
// known fields, each named once (either name), none null. False when
// `value` is not such an object or `take` returns false.
template <typename Take>
bool ForEachMember(element value, const MessagePlan& plan, Take take) {
  simdjson::dom::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) return false;
  uint64_t seen = 0;
  int previous = -1;
  for (simdjson::dom::key_value_pair member : object) {
    const FieldPlan* field = plan.FindNext(member.key, &previous);
    if (field == nullptr || member.value.is_null()) return false;
    uint64_t bit = uint64_t{1} << (field - plan.fields.data());
    if ((seen & bit) != 0) return false;
    seen |= bit;
    if (!take(*field, member.value)) return false;
  }
  return true;
}

bool ReadMessage(element value, const MessagePlan& plan, Message* message) {
  return ForEachMember(value, plan, [&](const FieldPlan& field, element v) {
    return ReadField(v, field, message);
  });
}

// The wire path: protobuf's binary encoding written straight from the JSON,
// field by field in the text's order, with no message built. Parsing the
// bytes gives the message ReadMessage would have filled: a parser takes
// fields in any order, and a text names each field at most once.

// protobuf's own encoders (wire_format_lite.h, coded_stream.h) write the
// tags, varints, zigzag and fixed-width values.
using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedOutputStream;

void PutVarint(uint64_t value, std::string* out) {
  uint8_t bytes[10];
  uint8_t* end = CodedOutputStream::WriteVarint64ToArray(value, bytes);
  out->append(reinterpret_cast<const char*>(bytes), end - bytes);
}

void PutTag(const google::protobuf::FieldDescriptor* field,
            WireFormatLite::WireType wire_type, std::string* out) {
  PutVarint(WireFormatLite::MakeTag(field->number(), wire_type), out);
}

// Gives the bytes written since `start` their length prefix (the nested
// message or packed list that starts there).
void PrefixLength(size_t start, std::string* out) {
  uint8_t bytes[10];
  uint8_t* end =
      CodedOutputStream::WriteVarint64ToArray(out->size() - start, bytes);
  out->insert(start, reinterpret_cast<const char*>(bytes), end - bytes);
}

WireFormatLite::WireType WireTypeOf(
    const google::protobuf::FieldDescriptor* field) {
  return WireFormatLite::WireTypeForFieldType(
      static_cast<WireFormatLite::FieldType>(field->type()));
}

// A 64-bit integer as `field`'s type encodes it (an int32 or an enum is
// sign-extended, as protobuf does).
void PutInteger(const google::protobuf::FieldDescriptor* field, int64_t n,
                std::string* out) {
  using google::protobuf::FieldDescriptor;
  switch (field->type()) {
    case FieldDescriptor::TYPE_SINT32:
      PutVarint(WireFormatLite::ZigZagEncode32(static_cast<int32_t>(n)), out);
      return;
    case FieldDescriptor::TYPE_SINT64:
      PutVarint(WireFormatLite::ZigZagEncode64(n), out);
      return;
    case FieldDescriptor::TYPE_SFIXED32: {
      uint8_t bytes[4];
      CodedOutputStream::WriteLittleEndian32ToArray(static_cast<uint32_t>(n),
                                                    bytes);
      out->append(reinterpret_cast<const char*>(bytes), 4);
      return;
    }
    case FieldDescriptor::TYPE_SFIXED64: {
      uint8_t bytes[8];
      CodedOutputStream::WriteLittleEndian64ToArray(static_cast<uint64_t>(n),
                                                    bytes);
      out->append(reinterpret_cast<const char*>(bytes), 8);
      return;
    }
    default:
      PutVarint(static_cast<uint64_t>(n), out);
  }
}

bool WriteMessage(element value, const MessagePlan& plan, std::string* out);

// One value of `plan`'s field without its tag (a length-delimited one with
// its length). *is_default: the value is the type's default, which proto3
// does not write for a singular field without presence.
bool WriteValue(element value, const FieldPlan& plan, std::string* out,
                bool* is_default) {
  switch (plan.kind) {
    case FieldPlan::Kind::kString: {
      if (value.type() != element_type::STRING) return false;
      std::string_view text = value.get_string().value_unsafe();
      PutVarint(text.size(), out);
      out->append(text.data(), text.size());
      *is_default = text.empty();
      return true;
    }
    case FieldPlan::Kind::kEnum: {
      int number;
      if (!EnumNumber(value, plan, &number)) return false;
      PutInteger(plan.field, number, out);
      *is_default = number == 0;
      return true;
    }
    case FieldPlan::Kind::kInt32: {
      int32_t n;
      if (!Int32Value(value, &n)) return false;
      PutInteger(plan.field, n, out);
      *is_default = n == 0;
      return true;
    }
    case FieldPlan::Kind::kInt64: {
      int64_t n;
      if (!Int64Value(value, &n)) return false;
      PutInteger(plan.field, n, out);
      *is_default = n == 0;
      return true;
    }
    case FieldPlan::Kind::kDouble: {
      double d;
      if (!DoubleValue(value, &d)) return false;
      const uint64_t bits = WireFormatLite::EncodeDouble(d);
      uint8_t bytes[8];
      CodedOutputStream::WriteLittleEndian64ToArray(bits, bytes);
      out->append(reinterpret_cast<const char*>(bytes), 8);
      *is_default = bits == 0;  // -0.0 is written, as protobuf does
      return true;
    }
    case FieldPlan::Kind::kBool: {
      if (value.type() != element_type::BOOL) return false;
      bool b = value.get_bool().value_unsafe();
      PutVarint(b ? 1 : 0, out);
      *is_default = !b;
      return true;
    }
    case FieldPlan::Kind::kMessage: {
      size_t start = out->size();
      if (!WriteMessage(value, *plan.message, out)) return false;
      PrefixLength(start, out);
      *is_default = false;  // a message named in the text is present
      return true;
    }
    case FieldPlan::Kind::kTimestamp: {
      google::protobuf::Timestamp timestamp;
      if (!TimestampValue(value, &timestamp)) return false;
      std::string fields;
      if (timestamp.seconds() != 0) {
        PutVarint(WireFormatLite::MakeTag(1, WireFormatLite::WIRETYPE_VARINT),
                  &fields);
        PutVarint(static_cast<uint64_t>(timestamp.seconds()), &fields);
      }
      if (timestamp.nanos() != 0) {
        PutVarint(WireFormatLite::MakeTag(2, WireFormatLite::WIRETYPE_VARINT),
                  &fields);
        PutVarint(static_cast<uint64_t>(int64_t{timestamp.nanos()}), &fields);
      }
      PutVarint(fields.size(), out);
      out->append(fields);
      *is_default = false;
      return true;
    }
  }
  return false;
}

// One field with its tag(s): a singular value (left out when proto3 would
// not write it), each value of a list, or a packed list.
bool WriteField(element value, const FieldPlan& plan, std::string* out) {
  const size_t start = out->size();
  const WireFormatLite::WireType wire_type = WireTypeOf(plan.field);
  bool is_default = false;
  if (!plan.repeated) {
    PutTag(plan.field, wire_type, out);
    if (!WriteValue(value, plan, out, &is_default)) return false;
    if (is_default && !plan.field->has_presence()) out->resize(start);
    return true;
  }
  simdjson::dom::array items;
  if (value.get_array().get(items) != simdjson::SUCCESS) return false;
  if (!plan.field->is_packed()) {
    for (element item : items) {
      PutTag(plan.field, wire_type, out);
      if (!WriteValue(item, plan, out, &is_default)) return false;
    }
    return true;
  }
  PutTag(plan.field, WireFormatLite::WIRETYPE_LENGTH_DELIMITED, out);
  const size_t values = out->size();
  for (element item : items) {
    if (!WriteValue(item, plan, out, &is_default)) return false;
  }
  if (out->size() == values) {
    out->resize(start);  // an empty list is not written
  } else {
    PrefixLength(values, out);
  }
  return true;
}

// The fields of an object, as ReadMessage takes them, appended to `out`
// without a length.
bool WriteMessage(element value, const MessagePlan& plan, std::string* out) {
  return ForEachMember(value, plan, [&](const FieldPlan& field, element v) {
    return WriteField(v, field, out);
  });
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

bool JsonReader::ParseDom(std::string_view json, simdjson::dom::element* root) {
  padded_.assign(json.data(), json.size());
  padded_.resize(json.size() + simdjson::SIMDJSON_PADDING);
  return parser_.parse(padded_.data(), json.size(), false).get(*root) ==
         simdjson::SUCCESS;
}

bool JsonReader::ParseFast(std::string_view json, Message* message) {
  message->Clear();
  element root;
  return ParseDom(json, &root) && ReadMessage(root, schema_->root(), message);
}

absl::Status JsonReader::Parse(std::string_view json, Message* message) {
  if (ParseFast(json, message)) return absl::OkStatus();
  ++declined_;
  message->Clear();
  return ProtobufJsonToMessage(json, message);
}

bool JsonReader::TranscodeFast(std::string_view json, std::string* wire) {
  wire->clear();
  element root;
  return ParseDom(json, &root) && WriteMessage(root, schema_->root(), wire);
}

absl::Status JsonReader::ParseToWire(std::string_view json, std::string* wire) {
  if (TranscodeFast(json, wire)) return absl::OkStatus();
  ++declined_;
  wire->clear();
  if (scratch_ == nullptr) {
    const Message* prototype =
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(
            schema_->root().descriptor);
    if (prototype == nullptr) {
      return absl::UnimplementedError(
          "ParseToWire needs a generated message type");
    }
    scratch_.reset(prototype->New());
  }
  absl::Status status = ProtobufJsonToMessage(json, scratch_.get());
  if (!status.ok()) return status;
  if (!scratch_->SerializeToString(wire)) {
    return absl::InvalidArgumentError("the message could not be encoded");
  }
  return absl::OkStatus();
}

}  // namespace maillage::protojson

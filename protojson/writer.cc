#include "protojson/writer.h"

#include <cmath>
#include <cstdint>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "base/utf8.h"
#include "google/protobuf/stubs/strutil.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"

namespace maillage::protojson {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// What protobuf's JSON printer accepts in a Timestamp (0001-01-01 to
// 9999-12-31).
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;

void AppendUnit(uint32_t unit, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  char text[6] = {'\\',
                  'u',
                  kHex[(unit >> 12) & 0xF],
                  kHex[(unit >> 8) & 0xF],
                  kHex[(unit >> 4) & 0xF],
                  kHex[unit & 0xF]};
  out->append(text, sizeof text);
}

// Whether protobuf's printer escapes the ASCII byte `c`: the controls,
// '"' and '\', and '<' and '>' (for HTML pages).
bool EscapedAscii(unsigned char c) {
  return c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == 0x7F;
}

void AppendAsciiEscape(unsigned char c, std::string* out) {
  switch (c) {
    case '"':
      out->append("\\\"");
      return;
    case '\\':
      out->append("\\\\");
      return;
    case '\b':
      out->append("\\b");
      return;
    case '\t':
      out->append("\\t");
      return;
    case '\n':
      out->append("\\n");
      return;
    case '\f':
      out->append("\\f");
      return;
    case '\r':
      out->append("\\r");
      return;
    default:
      AppendUnit(c, out);
  }
}

// Whether protobuf's printer escapes the code point `cp` (>= 0x80): the C1
// controls and the characters JavaScript treats as invisible or as line
// ends.
bool EscapedCodePoint(uint32_t cp) {
  return cp < 0xA0 || cp == 0xAD || (cp >= 0x600 && cp <= 0x603) ||
         cp == 0x6DD || cp == 0x70F || cp == 0x17B4 || cp == 0x17B5 ||
         (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E) ||
         (cp >= 0x2060 && cp <= 0x2064) || (cp >= 0x206A && cp <= 0x206F) ||
         cp == 0xFEFF || (cp >= 0xFFF9 && cp <= 0xFFFB) || cp == 0xE0001 ||
         (cp >= 0x1D173 && cp <= 0x1D17A) || (cp >= 0xE0020 && cp <= 0xE007F);
}

uint32_t DecodeUtf8(const unsigned char* p, int length) {
  uint32_t cp = p[0] & (0x7F >> length);
  for (int i = 1; i < length; ++i) cp = (cp << 6) | (p[i] & 0x3F);
  return cp;
}

// `text` as a JSON string; false on text that is not valid UTF-8, which
// protobuf prints its own way (dropping bytes).
bool AppendString(std::string_view text, std::string* out) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const unsigned char* end = p + text.size();
  out->push_back('"');
  const unsigned char* run = p;  // not yet copied, needs no escape
  while (p < end) {
    if (*p < 0x80) {
      if (!EscapedAscii(*p)) {
        ++p;
        continue;
      }
      out->append(reinterpret_cast<const char*>(run), p - run);
      AppendAsciiEscape(*p, out);
      run = ++p;
      continue;
    }
    int length = Utf8SequenceLength(p, end);
    if (length <= 0) return false;
    uint32_t cp = DecodeUtf8(p, length);
    if (EscapedCodePoint(cp)) {
      out->append(reinterpret_cast<const char*>(run), p - run);
      if (cp >= 0x10000) {  // as a UTF-16 surrogate pair
        AppendUnit(0xD800 + ((cp - 0x10000) >> 10), out);
        AppendUnit(0xDC00 + ((cp - 0x10000) & 0x3FF), out);
      } else {
        AppendUnit(cp, out);
      }
      run = p + length;
    }
    p += length;
  }
  out->append(reinterpret_cast<const char*>(run), p - run);
  out->push_back('"');
  return true;
}

void AppendDouble(double d, std::string* out) {
  if (std::isfinite(d)) {
    out->append(google::protobuf::SimpleDtoa(d));
  } else if (std::isnan(d)) {
    out->append("\"NaN\"");
  } else {
    out->append(d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
  }
}

bool AppendTimestamp(const google::protobuf::Timestamp& t, std::string* out) {
  if (t.seconds() < kMinTimestampSeconds ||
      t.seconds() > kMaxTimestampSeconds || t.nanos() < 0 ||
      t.nanos() > 999999999) {
    return false;
  }
  out->push_back('"');
  out->append(google::protobuf::util::TimeUtil::ToString(t));
  out->push_back('"');
  return true;
}

bool AppendMessage(const Message& message, const MessagePlan& plan,
                   const WriteOptions& options, std::string* out);

// Value `index` of a repeated field, or the value of a singular one
// (index < 0).
bool AppendValue(const Message& message, const FieldPlan& plan, int index,
                 const WriteOptions& options, std::string* out) {
  const Reflection* r = message.GetReflection();
  const FieldDescriptor* f = plan.field;
  bool one = index < 0;
  switch (plan.kind) {
    case FieldPlan::Kind::kString: {
      std::string scratch;
      const std::string& text =
          one ? r->GetStringReference(message, f, &scratch)
              : r->GetRepeatedStringReference(message, f, index, &scratch);
      return AppendString(text, out);
    }
    case FieldPlan::Kind::kEnum: {
      int number = one ? r->GetEnumValue(message, f)
                       : r->GetRepeatedEnumValue(message, f, index);
      const auto* value = f->enum_type()->FindValueByNumber(number);
      if (value == nullptr) {
        absl::StrAppend(out, number);
      } else {
        absl::StrAppend(out, "\"", value->name(), "\"");
      }
      return true;
    }
    case FieldPlan::Kind::kInt32:
      absl::StrAppend(out, one ? r->GetInt32(message, f)
                               : r->GetRepeatedInt32(message, f, index));
      return true;
    case FieldPlan::Kind::kInt64:
      absl::StrAppend(out, "\"",
                      one ? r->GetInt64(message, f)
                          : r->GetRepeatedInt64(message, f, index),
                      "\"");
      return true;
    case FieldPlan::Kind::kDouble:
      AppendDouble(one ? r->GetDouble(message, f)
                       : r->GetRepeatedDouble(message, f, index),
                   out);
      return true;
    case FieldPlan::Kind::kBool:
      out->append(
          (one ? r->GetBool(message, f) : r->GetRepeatedBool(message, f, index))
              ? "true"
              : "false");
      return true;
    case FieldPlan::Kind::kMessage:
      return AppendMessage(one ? r->GetMessage(message, f)
                               : r->GetRepeatedMessage(message, f, index),
                           *plan.message, options, out);
    case FieldPlan::Kind::kTimestamp:
      // The schema matched the generated Timestamp's descriptor.
      return AppendTimestamp(
          static_cast<const google::protobuf::Timestamp&>(
              one ? r->GetMessage(message, f)
                  : r->GetRepeatedMessage(message, f, index)),
          out);
  }
  return false;
}

// The fields protobuf prints: set singular ones (proto3 scalars that are
// not their default, messages and `optional` fields that are present) and
// repeated ones that are not empty.
bool AppendMessage(const Message& message, const MessagePlan& plan,
                   const WriteOptions& options, std::string* out) {
  const Reflection* r = message.GetReflection();
  out->push_back('{');
  bool first = true;
  for (const FieldPlan& field : plan.fields) {
    int size = field.repeated ? r->FieldSize(message, field.field) : 0;
    if (field.repeated ? size == 0 : !r->HasField(message, field.field)) {
      continue;
    }
    if (!first) out->push_back(',');
    first = false;
    out->append(options.proto_field_names ? field.proto_key : field.json_key);
    if (!field.repeated) {
      if (!AppendValue(message, field, -1, options, out)) return false;
      continue;
    }
    out->push_back('[');
    for (int i = 0; i < size; ++i) {
      if (i > 0) out->push_back(',');
      if (!AppendValue(message, field, i, options, out)) return false;
    }
    out->push_back(']');
  }
  out->push_back('}');
  return true;
}

}  // namespace

bool AppendJsonFast(const Schema& schema, const Message& message,
                    const WriteOptions& options, std::string* out) {
  size_t size = out->size();
  if (AppendMessage(message, schema.root(), options, out)) return true;
  out->resize(size);
  return false;
}

absl::Status AppendJson(const Schema& schema, const Message& message,
                        const WriteOptions& options, std::string* out) {
  if (AppendJsonFast(schema, message, options, out)) return absl::OkStatus();
  google::protobuf::util::JsonPrintOptions print;
  print.preserve_proto_field_names = options.proto_field_names;
  std::string json;
  auto status =
      google::protobuf::util::MessageToJsonString(message, &json, print);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        std::string(status.message().data(), status.message().size()));
  }
  out->append(json);
  return absl::OkStatus();
}

}  // namespace maillage::protojson

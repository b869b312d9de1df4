#include "protojson/random_message.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/stubs/strutil.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/time_util.h"

namespace maillage::protojson {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr int kMaxDepth = 3;

// Pieces of strings: plain text, French text, and each class of character
// protobuf's printer escapes (controls, quotes, '<' '>', C1 controls, the
// invisible and line-ending code points, those beyond the BMP it writes as
// surrogate pairs), and their neighbours that it leaves alone.
const std::vector<std::string>& TextPieces() {
  static const auto* const pieces =
      new std::vector<std::string>{"Atelier",
                                   " du Val",
                                   "Zoé",
                                   "Saint-Étienne",
                                   "l'Haÿ-les-Roses",
                                   "94018",
                                   "siret:12345678900011",
                                   "https://exemple.fr/a?b=c&d",
                                   "\"",
                                   "\\",
                                   "/",
                                   "<b>",
                                   ">",
                                   "&",
                                   "'",
                                   "\n",
                                   "\t",
                                   "\r",
                                   "\b",
                                   "\f",
                                   std::string("\0", 1),
                                   "\x01",
                                   "\x1f",
                                   "\x7f",
                                   "\xc2\x80",
                                   "\xc2\x9f",
                                   "\xc2\xa0",
                                   "\xc2\xad",
                                   "\xd8\x80",
                                   "\xd8\x83",
                                   "\xd8\x84",
                                   "\xdb\x9d",
                                   "\xdc\x8f",
                                   "\xe1\x9e\xb4",
                                   "\xe2\x80\x8b",
                                   "\xe2\x80\x8f",
                                   "\xe2\x80\x90",
                                   "\xe2\x80\xa8",
                                   "\xe2\x80\xae",
                                   "\xe2\x80\xaf",
                                   "\xe2\x81\xa0",
                                   "\xe2\x81\xa4",
                                   "\xe2\x81\xa5",
                                   "\xe2\x81\xaa",
                                   "\xe2\x81\xaf",
                                   "\xef\xbb\xbf",
                                   "\xef\xbf\xb9",
                                   "\xef\xbf\xbb",
                                   "\xef\xbf\xbc",
                                   "\xe2\x82\xac",
                                   "\xf0\x9f\x98\x80",
                                   "\xf3\xa0\x80\x81",
                                   "\xf3\xa0\x80\xa0",
                                   "\xf3\xa0\x81\xbf",
                                   "\xf3\xa0\x82\x80",
                                   "\xf0\x9d\x85\xb3",
                                   "\xf0\x9d\x85\xba",
                                   "\xf0\x9d\x85\xbb",
                                   "\xf4\x8f\xbf\xbf"};
  return *pieces;
}

// The same kind of pieces as JSON string content, escapes included.
const std::vector<std::string>& JsonTextPieces() {
  static const auto* const pieces =
      new std::vector<std::string>{"Atelier",
                                   " du Val",
                                   "Zoé",
                                   "\\u00e9",
                                   "\\u00E9",
                                   "\\\"",
                                   "\\\\",
                                   "\\/",
                                   "\\n",
                                   "\\t",
                                   "\\b",
                                   "\\f",
                                   "\\r",
                                   "\\u0000",
                                   "\\u001f",
                                   "<",
                                   ">",
                                   "\\u003c",
                                   "\\ud83d\\ude00",
                                   "\xf0\x9f\x98\x80",
                                   "\xe2\x82\xac",
                                   "\xe2\x80\xa8",
                                   "\\u2028",
                                   "\\u00ad",
                                   "\xc2\x85",
                                   "\\ufeff",
                                   " ",
                                   "2024-01-01T00:00:00Z",
                                   "ACTOR_KIND_COMPANY",
                                   "NaN"};
  return *pieces;
}

// Strings the fast paths must hand over: invalid UTF-8 of several kinds.
const std::vector<std::string>& InvalidUtf8() {
  static const auto* const pieces = new std::vector<std::string>{
      "\xff",    "\xc3", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80",
      "\xe2\x82"};
  return *pieces;
}

// Values the reader meets in the wild that protobuf's parser reads its own
// way or refuses.
const std::vector<std::string>& OddValues() {
  static const auto* const values =
      new std::vector<std::string>{"null",
                                   "\"5\"",
                                   "5.0",
                                   "1e2",
                                   "-0",
                                   "0",
                                   "-0.0",
                                   "true",
                                   "false",
                                   "[]",
                                   "{}",
                                   "[null]",
                                   "\"x\"",
                                   "99",
                                   "-1",
                                   "2147483648",
                                   "-2147483649",
                                   "9223372036854775808",
                                   "\"NaN\"",
                                   "\"Infinity\"",
                                   "\"0x10\"",
                                   "1.5",
                                   "\"2024-01-01T00:00:00Z\"",
                                   "\"2024-01-01T00:00:00+01:00\"",
                                   "\"2024-02-30T00:00:00Z\"",
                                   "{\"seconds\":5}",
                                   "\"ACTOR_KIND_COMPANY\"",
                                   "\"actor_kind_company\"",
                                   "\"\"",
                                   "1e400",
                                   "\"1e400\"",
                                   "'x'",
                                   "\"-9223372036854775808\"",
                                   "\"+5\"",
                                   "\"05\"",
                                   "[1,2]",
                                   "[\"a\"]"};
  return *values;
}

}  // namespace

bool RandomMessages::Chance(double p) {
  return std::uniform_real_distribution<double>(0, 1)(rng_) < p;
}

size_t RandomMessages::Below(size_t n) {
  return std::uniform_int_distribution<size_t>(0, n - 1)(rng_);
}

std::string RandomMessages::Text() {
  std::string text;
  size_t pieces = Below(5);
  for (size_t i = 0; i < pieces; ++i) {
    if (invalid_utf8_ && Chance(0.02)) {
      text += InvalidUtf8()[Below(InvalidUtf8().size())];
    } else {
      text += TextPieces()[Below(TextPieces().size())];
    }
  }
  return text;
}

double RandomMessages::Double() {
  switch (Below(8)) {
    case 0:
      return std::uniform_real_distribution<double>(41, 51)(rng_);
    case 1:
      return std::uniform_real_distribution<double>(-5, 10)(rng_);
    case 2: {  // any finite double
      uint64_t bits = rng_();
      double d;
      std::memcpy(&d, &bits, sizeof d);
      return std::isfinite(d) ? d : 1.0;
    }
    case 3: {
      static const double kEdges[] = {-0.0,
                                      1e21,
                                      1e-7,
                                      1e-5,
                                      123456789012345678.0,
                                      5e-324,
                                      0.1,
                                      std::numeric_limits<double>::max(),
                                      9007199254740993.0,
                                      -1.5,
                                      std::numeric_limits<double>::quiet_NaN(),
                                      std::numeric_limits<double>::infinity(),
                                      -std::numeric_limits<double>::infinity()};
      return kEdges[Below(sizeof kEdges / sizeof kEdges[0])];
    }
    default:
      return std::round(std::uniform_real_distribution<double>(-90, 90)(rng_) *
                        1e7) /
             1e7;
  }
}

int64_t RandomMessages::Int64() {
  switch (Below(4)) {
    case 0:
      return static_cast<int64_t>(rng_());
    case 1: {
      static const int64_t kEdges[] = {0,
                                       1,
                                       -1,
                                       std::numeric_limits<int32_t>::max(),
                                       std::numeric_limits<int32_t>::min(),
                                       std::numeric_limits<int64_t>::max(),
                                       std::numeric_limits<int64_t>::min(),
                                       (int64_t{1} << 53) + 1};
      return kEdges[Below(sizeof kEdges / sizeof kEdges[0])];
    }
    default:
      return static_cast<int64_t>(Below(100000)) - 100;
  }
}

void RandomMessages::Fill(const MessagePlan& plan, Message* message,
                          bool invalid_utf8) {
  invalid_utf8_ = invalid_utf8;
  message->Clear();
  FillMessage(plan, message, 0);
}

void RandomMessages::FillMessage(const MessagePlan& plan, Message* message,
                                 int depth) {
  for (const FieldPlan& field : plan.fields) {
    if (field.repeated) {
      size_t n = Chance(0.5) ? 0 : Below(4);
      for (size_t i = 0; i < n; ++i) FillField(field, message, depth);
    } else if (Chance(0.6)) {
      FillField(field, message, depth);
    }
  }
}

void RandomMessages::FillField(const FieldPlan& plan, Message* message,
                               int depth) {
  const Reflection* r = message->GetReflection();
  const FieldDescriptor* f = plan.field;
  bool add = plan.repeated;
  switch (plan.kind) {
    case FieldPlan::Kind::kString: {
      std::string text = Text();
      add ? r->AddString(message, f, text) : r->SetString(message, f, text);
      return;
    }
    case FieldPlan::Kind::kEnum: {
      const auto* type = f->enum_type();
      int number = Chance(0.9)
                       ? type->value(Below(type->value_count()))->number()
                       : (Chance(0.5) ? 99 : -5);
      add ? r->AddEnumValue(message, f, number)
          : r->SetEnumValue(message, f, number);
      return;
    }
    case FieldPlan::Kind::kInt32: {
      auto n = static_cast<int32_t>(Int64());
      add ? r->AddInt32(message, f, n) : r->SetInt32(message, f, n);
      return;
    }
    case FieldPlan::Kind::kInt64: {
      int64_t n = Int64();
      add ? r->AddInt64(message, f, n) : r->SetInt64(message, f, n);
      return;
    }
    case FieldPlan::Kind::kDouble: {
      double d = Double();
      add ? r->AddDouble(message, f, d) : r->SetDouble(message, f, d);
      return;
    }
    case FieldPlan::Kind::kBool:
      add ? r->AddBool(message, f, Chance(0.5))
          : r->SetBool(message, f, Chance(0.5));
      return;
    case FieldPlan::Kind::kMessage: {
      Message* nested =
          add ? r->AddMessage(message, f) : r->MutableMessage(message, f);
      if (depth < kMaxDepth) FillMessage(*plan.message, nested, depth + 1);
      return;
    }
    case FieldPlan::Kind::kTimestamp: {
      auto* t = static_cast<google::protobuf::Timestamp*>(
          add ? r->AddMessage(message, f) : r->MutableMessage(message, f));
      t->set_seconds(std::uniform_int_distribution<int64_t>(
          -62135596800, 253402300799)(rng_));
      static const int kUnits[] = {1000000000, 1000000, 1000, 1};
      int unit = kUnits[Below(4)];
      t->set_nanos(static_cast<int32_t>(Below(1000000000) / unit * unit));
      return;
    }
  }
}

std::string RandomMessages::Json(const MessagePlan& plan) {
  return JsonObject(plan, 0);
}

std::string RandomMessages::JsonObject(const MessagePlan& plan, int depth) {
  std::string json = "{";
  size_t n = Below(5) + (depth == 0 ? 2 : 0);
  std::vector<std::string> keys;
  for (size_t i = 0; i < n && !plan.fields.empty(); ++i) {
    const FieldPlan& field = plan.fields[Below(plan.fields.size())];
    std::string key =
        Chance(0.5) ? field.field->json_name() : field.field->name();
    if (Chance(0.03)) key = "foo";
    if (Chance(0.03)) key = absl::AsciiStrToUpper(key);
    if (Chance(0.03) && !keys.empty()) key = keys[Below(keys.size())];
    keys.push_back(key);
    if (i > 0) json += Chance(0.05) ? " , " : ",";
    absl::StrAppend(&json, "\"", key, "\":", Chance(0.05) ? " " : "");
    // Fewer odd values deeper down, so that whole texts stay plain often.
    json += Chance(0.08 / (1 + 2 * depth)) ? JsonOdd(field)
                                           : JsonValue(field, depth);
  }
  return json + (Chance(0.02) ? ",}" : "}");
}

std::string RandomMessages::JsonValue(const FieldPlan& plan, int depth) {
  if (!plan.repeated) return JsonCanonical(plan, depth);
  std::string json = "[";
  size_t n = Below(4);
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) json += ",";
    json += Chance(0.03) ? JsonOdd(plan) : JsonCanonical(plan, depth);
  }
  return json + "]";
}

std::string RandomMessages::JsonCanonical(const FieldPlan& plan, int depth) {
  switch (plan.kind) {
    case FieldPlan::Kind::kString: {
      std::string json = "\"";
      size_t pieces = Below(4);
      for (size_t i = 0; i < pieces; ++i) {
        json += JsonTextPieces()[Below(JsonTextPieces().size())];
      }
      return json + "\"";
    }
    case FieldPlan::Kind::kEnum: {
      const auto* type = plan.field->enum_type();
      const auto* value = type->value(Below(type->value_count()));
      if (Chance(0.2)) return absl::StrCat(value->number());
      return absl::StrCat("\"", value->name(), "\"");
    }
    case FieldPlan::Kind::kInt32:
      return absl::StrCat(static_cast<int32_t>(Int64()));
    case FieldPlan::Kind::kInt64:
      return Chance(0.5) ? absl::StrCat("\"", Int64(), "\"")
                         : absl::StrCat(Int64());
    case FieldPlan::Kind::kDouble: {
      double d = Double();
      if (std::isnan(d)) return "\"NaN\"";
      if (std::isinf(d)) return d > 0 ? "\"Infinity\"" : "\"-Infinity\"";
      return Chance(0.8) ? google::protobuf::SimpleDtoa(d) : absl::StrCat(d);
    }
    case FieldPlan::Kind::kBool:
      return Chance(0.5) ? "true" : "false";
    case FieldPlan::Kind::kMessage:
      return depth < kMaxDepth ? JsonObject(*plan.message, depth + 1) : "{}";
    case FieldPlan::Kind::kTimestamp: {
      google::protobuf::Timestamp t;
      t.set_seconds(std::uniform_int_distribution<int64_t>(-62135596800,
                                                           253402300799)(rng_));
      t.set_nanos(static_cast<int32_t>(Below(4) == 0 ? Below(1000000000) : 0));
      return absl::StrCat("\"", google::protobuf::util::TimeUtil::ToString(t),
                          "\"");
    }
  }
  return "null";
}

std::string RandomMessages::JsonOdd(const FieldPlan& plan) {
  if (plan.repeated && Chance(0.2)) return JsonCanonical(plan, kMaxDepth);
  return OddValues()[Below(OddValues().size())];
}

std::string RandomMessages::Mangle(std::string json) {
  static const char kBytes[] = "{}[],:\"\\ 0123456789abeEfnlrtu.+-\x01\xc3\xff";
  size_t at = json.empty() ? 0 : Below(json.size());
  switch (Below(4)) {
    case 0:
      if (!json.empty()) json.erase(at, 1);
      break;
    case 1:
      json.insert(json.begin() + at, kBytes[Below(sizeof kBytes - 1)]);
      break;
    case 2:
      if (!json.empty()) json[at] = kBytes[Below(sizeof kBytes - 1)];
      break;
    default:
      json.resize(at);
  }
  return json;
}

}  // namespace maillage::protojson

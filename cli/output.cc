#include "cli/output.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "cli/errors.h"
#include "cli/names.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "maillage/v1/common.pb.h"
#include "utf8proc.h"

namespace maillage::cli {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Repeated scalars longer than this print as the first ones and a count.
constexpr int kMaxListedValues = 20;

std::string ToJson(const Message& message, bool indented) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.add_whitespace = indented;
  std::string json;
  auto status =
      google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    // Only an Any of an unknown type can fail, and the API has none.
    std::fprintf(stderr, "maillage: cannot print %s as JSON: %s\n",
                 message.GetTypeName().c_str(), status.ToString().c_str());
    std::abort();
  }
  return json;
}

// Splits `text` into its first `width` columns (plus "…" when cut).
std::string CutToWidth(const std::string& text, size_t width) {
  if (DisplayWidth(text) <= width || width == 0) return text;
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  utf8proc_ssize_t size = static_cast<utf8proc_ssize_t>(text.size());
  utf8proc_ssize_t pos = 0;
  size_t used = 0;
  while (pos < size) {
    utf8proc_int32_t cp;
    utf8proc_ssize_t n = utf8proc_iterate(bytes + pos, size - pos, &cp);
    if (n <= 0) {  // invalid UTF-8: one column per byte
      n = 1;
      cp = 0xFFFD;
    }
    size_t w = static_cast<size_t>(std::max(0, utf8proc_charwidth(cp)));
    if (used + w > width - 1) break;  // keep one column for "…"
    used += w;
    pos += n;
  }
  return text.substr(0, static_cast<size_t>(pos)) + "…";
}

std::string Sanitize(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return text;
}

bool IsTerritoryRef(const FieldDescriptor& field) {
  return field.message_type() == v1::TerritoryRef::descriptor();
}
bool IsTimestamp(const FieldDescriptor& field) {
  return field.message_type() == google::protobuf::Timestamp::descriptor();
}

// A message field printed as one value rather than field by field.
bool IsAtomic(const FieldDescriptor& field) {
  return IsTerritoryRef(field) || IsTimestamp(field);
}

std::string AtomicValue(const Message& message) {
  if (message.GetDescriptor() == v1::TerritoryRef::descriptor()) {
    return FormatTerritoryRef(static_cast<const v1::TerritoryRef&>(message));
  }
  google::protobuf::Timestamp time;
  time.CopyFrom(message);
  return google::protobuf::util::TimeUtil::ToString(time);
}

// Element `index` of `field` (-1: a singular field) as text.
std::string ScalarValue(const Message& message, const FieldDescriptor& field,
                        int index) {
  const Reflection& r = *message.GetReflection();
  bool rep = index >= 0;
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return rep ? r.GetRepeatedString(message, &field, index)
                 : r.GetString(message, &field);
    case FieldDescriptor::CPPTYPE_BOOL:
      return (rep ? r.GetRepeatedBool(message, &field, index)
                  : r.GetBool(message, &field))
                 ? "true"
                 : "false";
    case FieldDescriptor::CPPTYPE_ENUM: {
      const auto* value = rep ? r.GetRepeatedEnum(message, &field, index)
                              : r.GetEnum(message, &field);
      std::string name = ShortEnumName(*value);
      return name.empty() ? value->name() : name;
    }
    case FieldDescriptor::CPPTYPE_INT32:
      return std::to_string(rep ? r.GetRepeatedInt32(message, &field, index)
                                : r.GetInt32(message, &field));
    case FieldDescriptor::CPPTYPE_INT64:
      return std::to_string(rep ? r.GetRepeatedInt64(message, &field, index)
                                : r.GetInt64(message, &field));
    case FieldDescriptor::CPPTYPE_UINT32:
      return std::to_string(rep ? r.GetRepeatedUInt32(message, &field, index)
                                : r.GetUInt32(message, &field));
    case FieldDescriptor::CPPTYPE_UINT64:
      return std::to_string(rep ? r.GetRepeatedUInt64(message, &field, index)
                                : r.GetUInt64(message, &field));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return FormatNumber(rep ? r.GetRepeatedDouble(message, &field, index)
                              : r.GetDouble(message, &field));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return FormatNumber(rep ? r.GetRepeatedFloat(message, &field, index)
                              : r.GetFloat(message, &field));
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return AtomicValue(rep ? r.GetRepeatedMessage(message, &field, index)
                             : r.GetMessage(message, &field));
  }
  return "";
}

void CollectFields(const Message& message, const std::string& prefix,
                   std::vector<std::pair<std::string, std::string>>* lines) {
  const Reflection& r = *message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r.ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    std::string path = prefix + field->name();
    bool nested = field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
                  !IsAtomic(*field);
    if (!field->is_repeated()) {
      if (nested) {
        CollectFields(r.GetMessage(message, field), path + ".", lines);
      } else {
        lines->emplace_back(path, ScalarValue(message, *field, -1));
      }
      continue;
    }
    int size = r.FieldSize(message, field);
    if (nested) {
      for (int i = 0; i < size; ++i) {
        CollectFields(r.GetRepeatedMessage(message, field, i),
                      absl::StrCat(path, "[", i, "]."), lines);
      }
      continue;
    }
    std::string joined;
    for (int i = 0; i < size && i < kMaxListedValues; ++i) {
      absl::StrAppend(&joined, i > 0 ? ", " : "",
                      ScalarValue(message, *field, i));
    }
    if (size > kMaxListedValues) {
      absl::StrAppend(&joined, ", … (", size, " in all)");
    }
    lines->emplace_back(path, joined);
  }
}

}  // namespace

FlagSpec OutputFlag(OutputFormat fallback, bool lines) {
  return {"output", "json|table",
          absl::StrCat("Output format (default ",
                       fallback == OutputFormat::kJson ? "json" : "table",
                       lines ? "; json: one object per line)." : ").")};
}

absl::StatusOr<OutputFormat> GetOutputFormat(const ParsedArgs& args,
                                             OutputFormat fallback) {
  std::optional<std::string> value = args.Value("output");
  if (!value.has_value()) return fallback;
  if (*value == "json") return OutputFormat::kJson;
  if (*value == "table") return OutputFormat::kTable;
  return UsageError(
      absl::StrCat("--output: expected json or table, got '", *value, "'"));
}

std::string JsonLine(const Message& message) { return ToJson(message, false); }

std::string JsonDocument(const Message& message) {
  std::string json = ToJson(message, true);
  if (json.empty() || json.back() != '\n') json.push_back('\n');
  return json;
}

size_t DisplayWidth(std::string_view text) {
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  utf8proc_ssize_t size = static_cast<utf8proc_ssize_t>(text.size());
  utf8proc_ssize_t pos = 0;
  size_t width = 0;
  while (pos < size) {
    utf8proc_int32_t cp;
    utf8proc_ssize_t n = utf8proc_iterate(bytes + pos, size - pos, &cp);
    if (n <= 0) {
      ++width;
      ++pos;
      continue;
    }
    width += static_cast<size_t>(std::max(0, utf8proc_charwidth(cp)));
    pos += n;
  }
  return width;
}

Table::Table(std::vector<std::string> headers)
    : headers_(std::move(headers)),
      max_widths_(headers_.size(), 0),
      right_aligned_(headers_.size(), false) {}

void Table::SetMaxWidth(size_t column, size_t width) {
  if (column < max_widths_.size()) max_widths_[column] = width;
}

void Table::AlignRight(size_t column) {
  if (column < right_aligned_.size()) right_aligned_[column] = true;
}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  for (size_t i = 0; i < cells.size(); ++i) {
    cells[i] = Sanitize(std::move(cells[i]));
    if (max_widths_[i] > 0) cells[i] = CutToWidth(cells[i], max_widths_[i]);
  }
  rows_.push_back(std::move(cells));
}

void Table::Print(std::ostream& out, size_t indent) const {
  std::vector<size_t> widths(headers_.size());
  for (size_t i = 0; i < headers_.size(); ++i) {
    widths[i] = DisplayWidth(headers_[i]);
    for (const auto& row : rows_) {
      widths[i] = std::max(widths[i], DisplayWidth(row[i]));
    }
  }
  auto print_row = [&](const std::vector<std::string>& row) {
    std::string line(indent, ' ');
    for (size_t i = 0; i < row.size(); ++i) {
      size_t padding = widths[i] - DisplayWidth(row[i]);
      if (right_aligned_[i]) line.append(padding, ' ');
      line += row[i];
      if (i + 1 < row.size()) {
        line.append(right_aligned_[i] ? 2 : padding + 2, ' ');
      }
    }
    // No trailing blanks when the last cells are empty.
    line.erase(line.find_last_not_of(' ') + 1);
    out << line << '\n';
  };
  print_row(headers_);
  for (const auto& row : rows_) print_row(row);
}

void PrintFields(const Message& message, std::ostream& out) {
  std::vector<std::pair<std::string, std::string>> lines;
  CollectFields(message, "", &lines);
  size_t key_width = 0;
  for (const auto& [key, value] : lines) {
    key_width = std::max(key_width, key.size());
  }
  for (const auto& [key, value] : lines) {
    out << key << ':' << std::string(key_width - key.size() + 1, ' ');
    // Continuation lines of multi-line text line up under the value.
    for (char c : value) {
      out << c;
      if (c == '\n') out << std::string(key_width + 2, ' ');
    }
    out << '\n';
  }
}

void PrintMessage(const Message& message, OutputFormat format,
                  std::ostream& out) {
  if (format == OutputFormat::kJson) {
    out << JsonDocument(message);
  } else {
    PrintFields(message, out);
  }
}

std::string FormatCount(int64_t value) {
  std::string digits = std::to_string(value < 0 ? -(value + 1) + 1ULL
                                                : static_cast<uint64_t>(value));
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return value < 0 ? "-" + out : out;
}

std::string FormatNumber(double value) {
  return absl::StrFormat("%.6g", value);
}

std::string FormatScore(double value) { return absl::StrFormat("%.2f", value); }

std::string FormatPercent(double share) {
  return absl::StrFormat("%.0f %%", share * 100);
}

std::string FormatTime(const google::protobuf::Timestamp& time) {
  if (time.seconds() == 0 && time.nanos() == 0) return "";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ",
                          absl::FromUnixSeconds(time.seconds()),
                          absl::UTCTimeZone());
}

std::string FormatDate(const google::protobuf::Timestamp& time) {
  if (time.seconds() == 0 && time.nanos() == 0) return "";
  return absl::FormatTime("%Y-%m-%d", absl::FromUnixSeconds(time.seconds()),
                          absl::UTCTimeZone());
}

std::string FormatDuration(double seconds) {
  if (!(seconds >= 0)) seconds = 0;
  auto total = static_cast<int64_t>(seconds + 0.5);
  if (total < 60) return absl::StrCat(total, " s");
  int64_t hours = total / 3600;
  int64_t minutes = total / 60 % 60;
  int64_t secs = total % 60;
  if (hours == 0) return absl::StrFormat("%d:%02d", minutes, secs);
  return absl::StrFormat("%d:%02d:%02d", hours, minutes, secs);
}

std::string WrapText(std::string_view text, size_t indent, size_t width) {
  return WrapHanging(text, indent, indent, width);
}

std::string WrapHanging(std::string_view text, size_t first_indent,
                        size_t indent, size_t width) {
  // French punctuation stays with its word: "« emploi »", "insertion ;".
  std::vector<std::string> words;
  bool glue_next = false;
  for (absl::string_view word :
       absl::StrSplit(absl::string_view(text.data(), text.size()),
                      absl::ByAnyChar(" \n\t"), absl::SkipEmpty())) {
    bool closing =
        word == "»" || word == ";" || word == ":" || word == "!" || word == "?";
    if (!words.empty() && (glue_next || closing)) {
      absl::StrAppend(&words.back(), " ", word);
    } else {
      words.emplace_back(word);
    }
    glue_next = word == "«";
  }
  std::string out;
  std::string line;
  size_t column = 0;
  for (const std::string& word : words) {
    size_t w = DisplayWidth(word);
    if (!line.empty() && column + 1 + w > width) {
      absl::StrAppend(&out, line, "\n");
      line.clear();
    }
    if (line.empty()) {
      size_t pad = out.empty() ? first_indent : indent;
      line.assign(pad, ' ');
      column = pad;
    } else {
      line += ' ';
      ++column;
    }
    absl::StrAppend(&line, word);
    column += w;
  }
  if (!line.empty()) absl::StrAppend(&out, line, "\n");
  return out;
}

std::string WrapList(std::string_view prefix,
                     const std::vector<std::string>& items, size_t indent,
                     size_t width) {
  if (items.empty()) return "";
  std::string out;
  std::string line = std::string(indent, ' ') + std::string(prefix);
  size_t column = DisplayWidth(line);
  bool has_item = false;  // on this line
  for (size_t i = 0; i < items.size(); ++i) {
    std::string item = items[i] + (i + 1 < items.size() ? "," : "");
    size_t w = DisplayWidth(item);
    size_t space = !line.empty() && line.back() != ' ' ? 1 : 0;
    if (has_item && column + space + w > width) {
      absl::StrAppend(&out, line, "\n");
      line.assign(indent + 2, ' ');
      column = indent + 2;
      space = 0;
    }
    if (space == 1) line += ' ';
    line += item;
    column += space + w;
    has_item = true;
  }
  absl::StrAppend(&out, line, "\n");
  return out;
}

std::string CsvRecordLine(const std::vector<std::string>& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    const std::string& field = fields[i];
    bool quote =
        field.find_first_of(",\"\r\n") != std::string::npos ||
        (!field.empty() && (field.front() == ' ' || field.back() == ' '));
    if (!quote) {
      out += field;
      continue;
    }
    out += '"';
    for (char c : field) {
      if (c == '"') out += '"';
      out += c;
    }
    out += '"';
  }
  out += '\n';
  return out;
}

}  // namespace maillage::cli

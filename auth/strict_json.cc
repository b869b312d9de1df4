#include "auth/strict_json.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "base/utf8.h"

namespace maillage::auth::json {

const Value* Value::Find(std::string_view name) const {
  if (kind_ != Kind::kObject) return nullptr;
  for (const auto& [key, value] : members_) {
    if (key == name) return &value;
  }
  return nullptr;
}

const std::string* Value::FindString(std::string_view name) const {
  const Value* value = Find(name);
  return value != nullptr && value->is_string() ? &value->string() : nullptr;
}

// A recursive descent over the text; each Read* consumes one production and
// returns false after recording the first fault in error_.
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  absl::StatusOr<Value> ReadDocument() {
    Value value;
    SkipSpace();
    if (ReadValue(0, &value)) {
      SkipSpace();
      if (pos_ != text_.size()) Fail("unexpected data after the value");
    }
    if (!error_.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("JSON: ", error_, " at byte ", error_at_));
    }
    return value;
  }

 private:
  bool Fail(const char* what) {
    if (error_.empty()) {
      error_ = what;
      error_at_ = pos_;
    }
    return false;
  }
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return text_[pos_]; }

  void SkipSpace() {
    while (!AtEnd() && (Peek() == ' ' || Peek() == '\t' || Peek() == '\n' ||
                        Peek() == '\r')) {
      ++pos_;
    }
  }

  // Consumes `word` ("true", "false", "null") or fails.
  bool ReadWord(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return Fail("invalid literal");
    pos_ += word.size();
    return true;
  }

  bool ReadValue(int depth, Value* out) {
    if (AtEnd()) return Fail("unexpected end of the text");
    switch (Peek()) {
      case '{':
        return ReadObject(depth + 1, out);
      case '[':
        return ReadArray(depth + 1, out);
      case '"':
        out->kind_ = Value::Kind::kString;
        return ReadString(&out->string_);
      case 't':
        out->kind_ = Value::Kind::kBool;
        out->boolean_ = true;
        return ReadWord("true");
      case 'f':
        out->kind_ = Value::Kind::kBool;
        return ReadWord("false");
      case 'n':
        return ReadWord("null");
      default:
        out->kind_ = Value::Kind::kNumber;
        return ReadNumber(&out->number_);
    }
  }

  bool ReadObject(int depth, Value* out) {
    if (depth > kMaxDepth) return Fail("nested too deeply");
    out->kind_ = Value::Kind::kObject;
    ++pos_;  // '{'
    SkipSpace();
    if (!AtEnd() && Peek() == '}') {
      ++pos_;
      return true;
    }
    while (true) {
      SkipSpace();
      if (AtEnd() || Peek() != '"') return Fail("expected a member name");
      std::string name;
      if (!ReadString(&name)) return false;
      SkipSpace();
      if (AtEnd() || Peek() != ':') return Fail("expected ':'");
      ++pos_;
      SkipSpace();
      out->members_.emplace_back(std::move(name), Value());
      if (!ReadValue(depth, &out->members_.back().second)) return false;
      SkipSpace();
      if (AtEnd()) return Fail("unterminated object");
      char c = text_[pos_++];
      if (c == '}') break;
      if (c != ',') return Fail("expected ',' or '}'");
    }
    return CheckUniqueNames(out->members_);
  }

  bool CheckUniqueNames(
      const std::vector<std::pair<std::string, Value>>& members) {
    std::vector<std::string_view> names;
    names.reserve(members.size());
    for (const auto& member : members) names.push_back(member.first);
    std::sort(names.begin(), names.end());
    if (std::adjacent_find(names.begin(), names.end()) != names.end()) {
      return Fail("duplicate member name in the object ending here");
    }
    return true;
  }

  bool ReadArray(int depth, Value* out) {
    if (depth > kMaxDepth) return Fail("nested too deeply");
    out->kind_ = Value::Kind::kArray;
    ++pos_;  // '['
    SkipSpace();
    if (!AtEnd() && Peek() == ']') {
      ++pos_;
      return true;
    }
    while (true) {
      SkipSpace();
      out->items_.emplace_back();
      if (!ReadValue(depth, &out->items_.back())) return false;
      SkipSpace();
      if (AtEnd()) return Fail("unterminated array");
      char c = text_[pos_++];
      if (c == ']') return true;
      if (c != ',') return Fail("expected ',' or ']'");
    }
  }

  // Four hex digits of a \u escape.
  bool ReadHex4(uint32_t* unit) {
    if (text_.size() - pos_ < 4) return Fail("truncated \\u escape");
    *unit = 0;
    for (int i = 0; i < 4; ++i) {
      char c = text_[pos_++];
      int digit = c >= '0' && c <= '9'   ? c - '0'
                  : c >= 'a' && c <= 'f' ? c - 'a' + 10
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                         : -1;
      if (digit < 0) return Fail("invalid \\u escape");
      *unit = *unit * 16 + static_cast<uint32_t>(digit);
    }
    return true;
  }

  // A \u escape (after the "\u"), a surrogate pair included, as UTF-8.
  bool ReadUnicodeEscape(std::string* out) {
    uint32_t code;
    if (!ReadHex4(&code)) return false;
    if (code >= 0xDC00 && code <= 0xDFFF) return Fail("lone low surrogate");
    if (code >= 0xD800 && code <= 0xDBFF) {
      if (text_.substr(pos_, 2) != "\\u") return Fail("lone high surrogate");
      pos_ += 2;
      uint32_t low;
      if (!ReadHex4(&low)) return false;
      if (low < 0xDC00 || low > 0xDFFF) return Fail("lone high surrogate");
      code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
    }
    AppendUtf8(code, out);
    return true;
  }

  static void AppendUtf8(uint32_t code, std::string* out) {
    if (code < 0x80) {
      out->push_back(static_cast<char>(code));
    } else if (code < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (code >> 6)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else if (code < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (code >> 12)));
      out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (code >> 18)));
      out->push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
    }
  }

  bool ReadEscape(std::string* out) {
    if (AtEnd()) return Fail("unterminated string");
    char c = text_[pos_++];
    switch (c) {
      case '"':
      case '\\':
      case '/':
        out->push_back(c);
        return true;
      case 'b':
        out->push_back('\b');
        return true;
      case 'f':
        out->push_back('\f');
        return true;
      case 'n':
        out->push_back('\n');
        return true;
      case 'r':
        out->push_back('\r');
        return true;
      case 't':
        out->push_back('\t');
        return true;
      case 'u':
        return ReadUnicodeEscape(out);
      default:
        return Fail("invalid escape");
    }
  }

  bool ReadString(std::string* out) {
    ++pos_;  // '"'
    const auto* end =
        reinterpret_cast<const unsigned char*>(text_.data()) + text_.size();
    while (true) {
      if (AtEnd()) return Fail("unterminated string");
      auto c = static_cast<unsigned char>(Peek());
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c == '\\') {
        ++pos_;
        if (!ReadEscape(out)) return false;
      } else if (c < 0x20) {
        return Fail("control character in a string");
      } else if (c < 0x80) {
        out->push_back(static_cast<char>(c));
        ++pos_;
      } else {
        int length = Utf8SequenceLength(
            reinterpret_cast<const unsigned char*>(text_.data()) + pos_, end);
        if (length <= 0) return Fail("invalid UTF-8 in a string");
        out->append(text_.substr(pos_, static_cast<size_t>(length)));
        pos_ += static_cast<size_t>(length);
      }
    }
  }

  bool IsDigit() const { return !AtEnd() && Peek() >= '0' && Peek() <= '9'; }
  void SkipDigits() {
    while (IsDigit()) ++pos_;
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  bool ReadNumber(double* out) {
    size_t start = pos_;
    if (!AtEnd() && Peek() == '-') ++pos_;
    if (!IsDigit()) return Fail("invalid value");
    if (Peek() == '0') {
      ++pos_;
    } else {
      SkipDigits();
    }
    if (!AtEnd() && Peek() == '.') {
      ++pos_;
      if (!IsDigit()) return Fail("invalid number");
      SkipDigits();
    }
    if (!AtEnd() && (Peek() == 'e' || Peek() == 'E')) {
      ++pos_;
      if (!AtEnd() && (Peek() == '+' || Peek() == '-')) ++pos_;
      if (!IsDigit()) return Fail("invalid number");
      SkipDigits();
    }
    std::string_view literal = text_.substr(start, pos_ - start);
    if (!absl::SimpleAtod(AsAbsl(literal), out) || !std::isfinite(*out)) {
      pos_ = start;
      return Fail("number out of range");
    }
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;
  std::string error_;
  size_t error_at_ = 0;
};

absl::StatusOr<Value> Parse(std::string_view text) {
  return Reader(text).ReadDocument();
}

absl::StatusOr<std::string> ReadDocument(const std::string& path,
                                         size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::string text(max_bytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": larger than ", max_bytes, " bytes"));
  }
  return text;
}

absl::StatusOr<Value> ParseFile(const std::string& path, size_t max_bytes) {
  ASSIGN_OR_RETURN(std::string text, ReadDocument(path, max_bytes));
  auto value = Parse(text);
  if (!value.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", value.status().message()));
  }
  return value;
}

}  // namespace maillage::auth::json

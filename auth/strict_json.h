#ifndef MAILLAGE_AUTH_STRICT_JSON_H_
#define MAILLAGE_AUTH_STRICT_JSON_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace maillage::auth::json {

// A JSON value as read by Parse: what the JWT header and claims, the JWKS and
// the claim rules files are made of. Small documents only (kilobytes): the
// tree is plain vectors.
class Value {
 public:
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };

  Kind kind() const { return kind_; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_number() const { return kind_ == Kind::kNumber; }
  bool is_bool() const { return kind_ == Kind::kBool; }
  bool is_array() const { return kind_ == Kind::kArray; }
  bool is_object() const { return kind_ == Kind::kObject; }

  // The payload of each kind; meaningless for another kind.
  bool boolean() const { return boolean_; }
  double number() const { return number_; }
  const std::string& string() const { return string_; }
  const std::vector<Value>& items() const { return items_; }
  // In document order; names are unique (Parse refuses duplicates).
  const std::vector<std::pair<std::string, Value>>& members() const {
    return members_;
  }

  // For an object: the member named `name`, or nullptr (also for another
  // kind).
  const Value* Find(std::string_view name) const;
  // For an object: the member `name` when it is a string, else nullptr.
  const std::string* FindString(std::string_view name) const;

 private:
  friend class Reader;
  Kind kind_ = Kind::kNull;
  bool boolean_ = false;
  double number_ = 0;
  std::string string_;
  std::vector<Value> items_;
  std::vector<std::pair<std::string, Value>> members_;
};

// How deep arrays and objects may nest; deeper documents are refused (the
// reader recurses, so this bounds its stack).
inline constexpr int kMaxDepth = 32;

// Parses `text` as exactly one JSON value (RFC 8259), surrounded by optional
// white space. Strict: refuses duplicate member names in an object, invalid
// UTF-8 (raw or through \u escapes: lone surrogates), control characters in
// strings, numbers outside the JSON grammar or beyond a double's range,
// nesting deeper than kMaxDepth and anything after the value.
// INVALID_ARGUMENT naming the byte offset of the fault otherwise.
absl::StatusOr<Value> Parse(std::string_view text);

// The bytes of the file at `path`, a document to parse. NOT_FOUND naming the
// path when it cannot be read; INVALID_ARGUMENT naming it when it is larger
// than `max_bytes`.
absl::StatusOr<std::string> ReadDocument(const std::string& path,
                                         size_t max_bytes);

// Parse on the content of the file at `path`. NOT_FOUND naming the path when
// it cannot be read; INVALID_ARGUMENT naming it when it is larger than
// `max_bytes` or not JSON.
absl::StatusOr<Value> ParseFile(const std::string& path, size_t max_bytes);

}  // namespace maillage::auth::json

#endif  // MAILLAGE_AUTH_STRICT_JSON_H_

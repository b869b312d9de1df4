#ifndef MAILLAGE_PROTOJSON_SCHEMA_H_
#define MAILLAGE_PROTOJSON_SCHEMA_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"

// Fast paths for protobuf's JSON mapping of the bulk formats (JSONL import
// and export): a reader (protojson/reader.h) and a writer
// (protojson/writer.h) that give the same messages and the same bytes as
// protobuf's JsonStringToMessage and MessageToJsonString, and leave to them
// whatever they do not cover.
namespace maillage::protojson {

struct MessagePlan;

// How the fast paths read and write one field.
struct FieldPlan {
  enum class Kind {
    kString,
    kEnum,
    kInt32,  // int32, sint32, sfixed32
    kInt64,  // int64, sint64, sfixed64
    kDouble,
    kBool,
    kMessage,
    kTimestamp,  // google.protobuf.Timestamp: an RFC 3339 string
  };
  const google::protobuf::FieldDescriptor* field = nullptr;
  Kind kind = Kind::kString;
  bool repeated = false;
  const MessagePlan* message = nullptr;  // kMessage: the field's type
  // kEnum: the value of each name.
  const absl::flat_hash_map<std::string, int>* enum_values = nullptr;
  // `"name":` as the writer prints it: the proto name, the JSON name.
  std::string proto_key;
  std::string json_key;
  // The same names without the quotes and colon.
  std::string_view proto_name() const {
    return std::string_view(proto_key).substr(1, proto_key.size() - 3);
  }
  std::string_view json_name() const {
    return std::string_view(json_key).substr(1, json_key.size() - 3);
  }
};

// The fields of one message type, in field number order (the order
// protobuf prints them in).
struct MessagePlan {
  const google::protobuf::Descriptor* descriptor = nullptr;
  std::vector<FieldPlan> fields;
  // Both names of each field (the JSON lowerCamel and the proto name) to
  // its index in `fields`.
  absl::flat_hash_map<std::string, int> by_name;
  const FieldPlan* Find(std::string_view name) const;
  // Find, trying first the field after *previous (the field found before
  // in the same object; -1 at its start): texts mostly list fields in
  // number order, as protobuf prints them. Updates *previous.
  const FieldPlan* FindNext(std::string_view name, int* previous) const;
};

// The plans of a message type and of every message type it holds.
// Immutable once built: share one between threads.
class Schema {
 public:
  // Unimplemented when the type (or a type it holds) has what the fast
  // paths do not cover: maps, oneofs, bytes, floats, unsigned integers,
  // proto2 or well-known types other than Timestamp, more than 64 fields.
  // Callers then use protobuf's JSON functions alone.
  static absl::StatusOr<std::shared_ptr<const Schema>> For(
      const google::protobuf::Descriptor* descriptor);

  const MessagePlan& root() const { return plans_.front(); }

 private:
  Schema() = default;
  absl::StatusOr<const MessagePlan*> Plan(
      const google::protobuf::Descriptor* descriptor);
  absl::Status PlanField(const google::protobuf::FieldDescriptor* field,
                         FieldPlan* plan);

  std::deque<MessagePlan> plans_;  // stable addresses; the root first
  absl::flat_hash_map<const google::protobuf::Descriptor*, const MessagePlan*>
      by_descriptor_;
  absl::flat_hash_map<const google::protobuf::EnumDescriptor*,
                      std::unique_ptr<absl::flat_hash_map<std::string, int>>>
      enum_values_;
};

}  // namespace maillage::protojson

#endif  // MAILLAGE_PROTOJSON_SCHEMA_H_

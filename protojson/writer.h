#ifndef MAILLAGE_PROTOJSON_WRITER_H_
#define MAILLAGE_PROTOJSON_WRITER_H_

#include <string>

#include "absl/status/status.h"
#include "google/protobuf/message.h"
#include "protojson/schema.h"

namespace maillage::protojson {

struct WriteOptions {
  // The proto names ("home_commune") rather than the JSON ones
  // ("homeCommune"), as JsonPrintOptions::preserve_proto_field_names.
  bool proto_field_names = false;
};

// Appends `message` (of the schema's type) to *out exactly as protobuf's
// MessageToJsonString prints it with default options but for
// `options.proto_field_names`: no whitespace, fields in number order,
// defaults left out, the same string escapes and number spellings.
//
// A message the fast writer cannot print byte for byte as protobuf does (a
// string that is not valid UTF-8, a Timestamp out of range) is printed by
// MessageToJsonString itself; its error, if any, is returned and *out is
// then unchanged. Thread-safe (the schema is shared, nothing else).
absl::Status AppendJson(const Schema& schema,
                        const google::protobuf::Message& message,
                        const WriteOptions& options, std::string* out);

// The fast writer alone: false (and *out as it was) when it leaves
// `message` to protobuf.
bool AppendJsonFast(const Schema& schema,
                    const google::protobuf::Message& message,
                    const WriteOptions& options, std::string* out);

}  // namespace maillage::protojson

#endif  // MAILLAGE_PROTOJSON_WRITER_H_

#ifndef MAILLAGE_PROTOJSON_READER_H_
#define MAILLAGE_PROTOJSON_READER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/json_util.h"
#include "protojson/schema.h"
#include "simdjson.h"

namespace maillage::protojson {

// protobuf's JsonStringToMessage, same verdicts, same messages, same
// result, with the type information it needs built once per process
// instead of once per call (for an actor that is most of its cost).
// InvalidArgument with protobuf's message. Thread-safe.
absl::Status ProtobufJsonToMessage(
    std::string_view json, google::protobuf::Message* message,
    const google::protobuf::util::JsonParseOptions& options = {});

// Reads protobuf JSON (one object, as JsonStringToMessage with default
// options takes it: lowerCamel or proto field names, enums by name or
// number, 64-bit integers as numbers or strings, Timestamps in RFC 3339,
// unknown fields an error) into messages of a Schema's type.
//
// Two paths. The fast one parses the text with simdjson and sets the
// fields through reflection; it takes the JSON that protobuf prints and the
// plain variants of it, and gives up on anything else (a syntax error, an
// unknown field, a name twice, null, a number given as a string, a value
// of the wrong type...). Then protobuf's JsonStringToMessage decides, so
// that what is accepted, what is refused and the error messages are
// exactly protobuf's. What the fast path takes, protobuf takes too, into
// the same message: the differential test and the fuzz target check it.
//
// Not thread-safe (the simdjson parser and buffers are reused): one
// reader per thread, sharing the Schema.
class JsonReader {
 public:
  explicit JsonReader(std::shared_ptr<const Schema> schema);

  // `message` (of the schema's type) cleared and filled from `json`.
  // InvalidArgument with protobuf's message when `json` is not one.
  absl::Status Parse(std::string_view json, google::protobuf::Message* message);

  // The fast path alone: true when it took `json` into `message`; false
  // when it leaves it to protobuf (`message` is then partly filled).
  bool ParseFast(std::string_view json, google::protobuf::Message* message);

  // `json` as Parse reads it, encoded as protobuf binary into *wire
  // (replaced) without building the message: what an import streams to the
  // server. Parsing *wire gives the message Parse gives; the bytes are not
  // protobuf's own serialisation (fields come in the text's order), so
  // compare messages, not bytes. The schema's type must be a generated one.
  absl::Status ParseToWire(std::string_view json, std::string* wire);

  // The fast path of ParseToWire alone: true when it took `json`; false
  // when it leaves it to protobuf (*wire then holds a part).
  bool TranscodeFast(std::string_view json, std::string* wire);

  // How many texts Parse and ParseToWire left to protobuf.
  int64_t declined() const { return declined_; }

 private:
  // simdjson's DOM of `json` (valid until the next call); false when it is
  // not JSON.
  bool ParseDom(std::string_view json, simdjson::dom::element* root);

  std::shared_ptr<const Schema> schema_;
  simdjson::dom::parser parser_;
  std::string padded_;  // the text and simdjson's padding
  int64_t declined_ = 0;
  // ParseToWire's message for the texts left to protobuf.
  std::unique_ptr<google::protobuf::Message> scratch_;
};

}  // namespace maillage::protojson

#endif  // MAILLAGE_PROTOJSON_READER_H_

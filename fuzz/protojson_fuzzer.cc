// protojson's reader and writer against protobuf's JSON functions, on
// arbitrary texts taken as one JSON line of maillage.v1.Actor.
//
// - What the fast reader takes, protobuf's JsonStringToMessage takes too,
//   into the same message (same bytes once serialised).
// - The wire path (ParseToWire) takes the same texts, and its bytes parse
//   to the same message.
// - JsonReader::Parse (fast path, else protobuf) agrees with protobuf:
//   accepted or not, same message, same error text.
// - Every message protobuf accepts prints the same through protojson's
//   writer as through MessageToJsonString, with either field names.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz/fuzz_support.h"
#include "google/protobuf/util/json_util.h"
#include "maillage/v1/actor.pb.h"
#include "protojson/reader.h"
#include "protojson/writer.h"

namespace maillage::fuzz {
namespace {

const std::shared_ptr<const protojson::Schema>& ActorSchema() {
  static const auto* const schema =
      new std::shared_ptr<const protojson::Schema>(
          *protojson::Schema::For(v1::Actor::descriptor()));
  return *schema;
}

void CheckReader(std::string_view text) {
  static protojson::JsonReader reader(ActorSchema());
  v1::Actor fast, reference, parsed;
  bool took = reader.ParseFast(text, &fast);
  auto expected = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(text.data(), text.size()), &reference);
  if (took) {
    FUZZ_CHECK(expected.ok());
    FUZZ_CHECK(fast.SerializeAsString() == reference.SerializeAsString());
  }
  // The wire path takes what the fast path takes, to the same message.
  std::string wire;
  FUZZ_CHECK(reader.TranscodeFast(text, &wire) == took);
  absl::Status wire_status = reader.ParseToWire(text, &wire);
  FUZZ_CHECK(wire_status.ok() == expected.ok());
  if (wire_status.ok()) {
    v1::Actor decoded;
    FUZZ_CHECK(decoded.ParseFromString(wire));
    FUZZ_CHECK(decoded.SerializeAsString() == reference.SerializeAsString());
  }
  absl::Status status = reader.Parse(text, &parsed);
  FUZZ_CHECK(status.ok() == expected.ok());
  if (status.ok()) {
    FUZZ_CHECK(parsed.SerializeAsString() == reference.SerializeAsString());
  } else {
    FUZZ_CHECK(
        std::string(status.message()) ==
        std::string(expected.message().data(), expected.message().size()));
  }
}

void CheckWriter(const v1::Actor& actor) {
  for (bool proto_names : {false, true}) {
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = proto_names;
    std::string expected;
    auto printed =
        google::protobuf::util::MessageToJsonString(actor, &expected, options);
    std::string ours;
    absl::Status status =
        protojson::AppendJson(*ActorSchema(), actor, {proto_names}, &ours);
    FUZZ_CHECK(status.ok() == printed.ok());
    if (status.ok()) FUZZ_CHECK(ours == expected);
  }
}

}  // namespace
}  // namespace maillage::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  maillage::fuzz::CheckReader(text);
  maillage::v1::Actor actor;
  if (google::protobuf::util::JsonStringToMessage(
          google::protobuf::StringPiece(text.data(), text.size()), &actor)
          .ok()) {
    maillage::fuzz::CheckWriter(actor);
  }
  return 0;
}

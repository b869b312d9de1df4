// The fast reader and writer against protobuf's own JSON functions, on
// random messages and random (often malformed) texts: the same messages,
// the same bytes, the same errors.

#include <cstdio>
#include <string>

#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "maillage/v1/actor.pb.h"
#include "protojson/random_message.h"
#include "protojson/reader.h"
#include "protojson/schema.h"
#include "protojson/writer.h"

namespace maillage::protojson {
namespace {

using google::protobuf::Message;

std::shared_ptr<const Schema> SchemaOf(const Message& prototype) {
  auto schema = Schema::For(prototype.GetDescriptor());
  EXPECT_TRUE(schema.ok()) << schema.status();
  return *schema;
}

// protobuf's printing, or "error: ..." when it refuses.
std::string ProtobufJson(const Message& message, bool proto_names) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = proto_names;
  std::string json;
  auto status =
      google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) return "error: " + status.ToString();
  return json;
}

std::string OurJson(const Schema& schema, const Message& message,
                    bool proto_names) {
  std::string json = "[kept]";
  absl::Status status = AppendJson(schema, message, {proto_names}, &json);
  if (!status.ok()) return "error: " + std::string(status.message());
  return json.substr(6);
}

// protobuf's parse of `json`: the message's bytes, or "error: ...".
std::string ProtobufParse(const std::string& json, Message* scratch) {
  scratch->Clear();
  auto status = google::protobuf::util::JsonStringToMessage(json, scratch);
  if (!status.ok()) {
    return "error: " +
           std::string(status.message().data(), status.message().size());
  }
  return scratch->SerializeAsString();
}

std::string OurParse(JsonReader& reader, const std::string& json,
                     Message* scratch) {
  absl::Status status = reader.Parse(json, scratch);
  if (!status.ok()) return "error: " + std::string(status.message());
  return scratch->SerializeAsString();
}

// The wire path's answer in the same form: the message its bytes parse to,
// serialised by protobuf (its fields in number order), or "error: ...".
std::string OurWireParse(JsonReader& reader, const std::string& json,
                         Message* scratch) {
  std::string wire;
  absl::Status status = reader.ParseToWire(json, &wire);
  if (!status.ok()) return "error: " + std::string(status.message());
  scratch->Clear();
  if (!scratch->ParseFromString(wire)) return "undecodable wire bytes";
  return scratch->SerializeAsString();
}

template <typename T>
void WriterMatchesProtobuf(int count, bool invalid_utf8) {
  T prototype;
  auto schema = SchemaOf(prototype);
  RandomMessages random(42 + count);
  T message;
  int fast = 0;
  for (int i = 0; i < count; ++i) {
    random.Fill(schema->root(), &message, invalid_utf8);
    for (bool proto_names : {false, true}) {
      ASSERT_EQ(OurJson(*schema, message, proto_names),
                ProtobufJson(message, proto_names))
          << message.ShortDebugString();
      std::string out;
      if (AppendJsonFast(*schema, message, {proto_names}, &out)) ++fast;
    }
  }
  // Only invalid UTF-8 is left to protobuf.
  if (!invalid_utf8) {
    EXPECT_EQ(fast, 2 * count);
  } else {
    EXPECT_LT(fast, 2 * count);
  }
}

TEST(JsonWriterTest, ActorsPrintAsProtobufPrintsThem) {
  WriterMatchesProtobuf<v1::Actor>(20000, false);
}

TEST(JsonWriterTest, InvalidUtf8IsLeftToProtobuf) {
  WriterMatchesProtobuf<v1::Actor>(3000, true);
}

TEST(JsonWriterTest, OtherTypesPrintAsProtobufPrintsThem) {
  // int64 (as strings), bool, nested actors.
  WriterMatchesProtobuf<v1::ImportActorsRequest>(2000, false);
  WriterMatchesProtobuf<v1::ImportActorsResponse>(5000, false);
}

TEST(JsonReaderTest, TakesWhatProtobufPrints) {
  v1::Actor prototype;
  auto schema = SchemaOf(prototype);
  RandomMessages random(7);
  JsonReader reader(schema);
  v1::Actor message, ours, theirs;
  for (int i = 0; i < 20000; ++i) {
    random.Fill(schema->root(), &message);
    for (bool proto_names : {false, true}) {
      std::string json = ProtobufJson(message, proto_names);
      ASSERT_TRUE(reader.ParseFast(json, &ours)) << json;
      const std::string expected = ProtobufParse(json, &theirs);
      ASSERT_EQ(ours.SerializeAsString(), expected) << json;
      std::string wire;
      ASSERT_TRUE(reader.TranscodeFast(json, &wire)) << json;
      ASSERT_TRUE(ours.ParseFromString(wire)) << json;
      ASSERT_EQ(ours.SerializeAsString(), expected) << json;
    }
  }
  EXPECT_EQ(reader.declined(), 0);
}

template <typename T>
void ReaderAgreesWithProtobuf(int count, uint64_t seed) {
  T prototype;
  auto schema = SchemaOf(prototype);
  RandomMessages random(seed);
  JsonReader reader(schema);
  T ours, theirs;
  int fast = 0, accepted = 0;
  for (int i = 0; i < count; ++i) {
    std::string json = random.Json(schema->root());
    if (i % 3 == 0) json = random.Mangle(json);
    std::string expected = ProtobufParse(json, &theirs);
    ASSERT_EQ(OurParse(reader, json, &ours), expected) << json;
    ASSERT_EQ(OurWireParse(reader, json, &ours), expected) << json;
    const bool took = reader.ParseFast(json, &ours);
    if (took) {
      ++fast;
      ASSERT_EQ(ours.SerializeAsString(), expected) << json;
    }
    std::string wire;
    ASSERT_EQ(reader.TranscodeFast(json, &wire), took) << json;
    if (expected.rfind("error: ", 0) != 0) ++accepted;
  }
  std::printf("%s: %d fast, %lld declined, %d accepted of %d\n",
              prototype.GetTypeName().c_str(), fast,
              static_cast<long long>(reader.declined()), accepted, count);
  // The texts reach both paths, and both verdicts.
  EXPECT_GT(fast, count / 50);
  EXPECT_GT(reader.declined(), 2 * (count / 20));  // Parse and ParseToWire
  EXPECT_GT(accepted, count / 10);
  EXPECT_LT(accepted, count - count / 10);
}

TEST(JsonReaderTest, AgreesWithProtobufOnRandomTexts) {
  ReaderAgreesWithProtobuf<v1::Actor>(40000, 1);
  ReaderAgreesWithProtobuf<v1::ImportActorsRequest>(10000, 2);
  ReaderAgreesWithProtobuf<v1::ImportActorsResponse>(10000, 3);
}

TEST(JsonReaderTest, BothNamesEnumsByNameOrNumber) {
  auto schema = SchemaOf(v1::Actor());
  JsonReader reader(schema);
  v1::Actor actor;
  ASSERT_TRUE(reader.ParseFast(
      R"({"id":"a","homeCommune":"94018","legal_ids":{"siret":"1"},)"
      R"("kind":2,"subtype":"ACTOR_SUBTYPE_COOPERATIVE","capacity":0,)"
      R"("acceptedCategories":[1,99],"createTime":"2024-01-01T00:00:00.5Z"})",
      &actor));
  EXPECT_EQ(actor.home_commune(), "94018");
  EXPECT_EQ(actor.legal_ids().siret(), "1");
  EXPECT_EQ(actor.kind(), v1::ACTOR_KIND_COMPANY);
  EXPECT_EQ(actor.subtype(), v1::ACTOR_SUBTYPE_COOPERATIVE);
  EXPECT_TRUE(actor.has_capacity());
  ASSERT_EQ(actor.accepted_categories_size(), 2);
  EXPECT_EQ(actor.accepted_categories(1), 99);
  EXPECT_EQ(actor.create_time().seconds(), 1704067200);
  EXPECT_EQ(actor.create_time().nanos(), 500000000);
}

// The encodings the random texts may not reach: presence, packed lists,
// negative numbers, -0.0, an empty nested message.
TEST(JsonReaderTest, WireBytesParseToTheSameMessage) {
  auto schema = SchemaOf(v1::Actor());
  JsonReader reader(schema);
  const std::string texts[] = {
      R"({"id":"a","capacity":0,"kind":0,"name":""})",
      R"({"id":"b","acceptedCategories":[],"themes":[]})",
      R"({"id":"c","acceptedCategories":[-1,0,2147483647,3]})",
      R"({"id":"d","location":{"latitude":-0.0,"longitude":0},"legalIds":{}})",
      R"({"id":"e","createTime":"1970-01-01T00:00:00Z",)"
      R"("updateTime":"1969-12-31T23:59:59.000000001Z"})",
      R"({"needs":[{},{"resource":"x"}],"capacity":-7})",
  };
  for (const std::string& text : texts) {
    v1::Actor ours, theirs;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(text, &theirs).ok())
        << text;
    std::string wire;
    ASSERT_TRUE(reader.TranscodeFast(text, &wire)) << text;
    ASSERT_TRUE(ours.ParseFromString(wire)) << text;
    EXPECT_TRUE(
        google::protobuf::util::MessageDifferencer::Equals(ours, theirs))
        << text << "\n"
        << ours.ShortDebugString() << "\n"
        << theirs.ShortDebugString();
    EXPECT_EQ(ours.SerializeAsString(), theirs.SerializeAsString()) << text;
  }
  EXPECT_EQ(reader.declined(), 0);
}

TEST(JsonReaderTest, WhatTheFastPathDeclinesProtobufDecides) {
  auto schema = SchemaOf(v1::Actor());
  JsonReader reader(schema);
  v1::Actor actor;
  // protobuf's lenient forms: taken, by protobuf.
  EXPECT_TRUE(reader.Parse(R"({'id':'a',"capacity":"5",})", &actor).ok());
  EXPECT_EQ(actor.id(), "a");
  EXPECT_EQ(actor.capacity(), 5);
  EXPECT_EQ(reader.declined(), 1);
  // Unknown fields and bad values: protobuf's errors.
  absl::Status unknown = reader.Parse(R"({"id":"a","nom":"x"})", &actor);
  EXPECT_EQ(unknown.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(unknown.message(), "nom: Cannot find field.");
  absl::Status kind = reader.Parse(R"({"kind":"COMPANY"})", &actor);
  EXPECT_NE(kind.message().find("invalid value \"COMPANY\""),
            std::string_view::npos)
      << kind;
  EXPECT_FALSE(reader.Parse("{\"id\":\"a\"", &actor).ok());
}

// The cached-type path itself, on what the schema does not cover (Struct,
// Value and their recursion) and with parse options: protobuf's verdicts,
// messages and results.
TEST(ProtobufJsonToMessageTest, IsJsonStringToMessage) {
  const std::string texts[] = {
      R"({"a":1,"b":[true,null,"x",{"c":-2.5e3}],"d":{}})",
      R"({"a":)",
      R"([1,2])",
      R"({'a':"single quotes"})",
      R"({"a":"\ud800"})",
      "",
  };
  for (const std::string& text : texts) {
    // A Struct is a map: compared as messages (its bytes follow the map's
    // order).
    google::protobuf::Struct theirs, ours;
    auto expected = google::protobuf::util::JsonStringToMessage(text, &theirs);
    absl::Status status = ProtobufJsonToMessage(text, &ours);
    ASSERT_EQ(status.ok(), expected.ok()) << text;
    if (status.ok()) {
      EXPECT_TRUE(
          google::protobuf::util::MessageDifferencer::Equals(ours, theirs))
          << text;
    } else {
      EXPECT_EQ(status.message(), std::string(expected.message().data(),
                                              expected.message().size()))
          << text;
    }
  }
  for (bool ignore_unknown : {false, true}) {
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = ignore_unknown;
    const std::string text =
        R"({"id":"a","nom":"x","kind":"ACTOR_KIND_COMPANY"})";
    v1::Actor theirs, ours;
    auto expected =
        google::protobuf::util::JsonStringToMessage(text, &theirs, options);
    absl::Status status = ProtobufJsonToMessage(text, &ours, options);
    EXPECT_EQ(status.ok(), expected.ok());
    if (!status.ok()) {
      EXPECT_EQ(status.message(), std::string(expected.message().data(),
                                              expected.message().size()));
    }
    EXPECT_EQ(ours.SerializeAsString(), theirs.SerializeAsString());
  }
}

TEST(SchemaTest, LeavesWhatItDoesNotCoverToProtobuf) {
  EXPECT_TRUE(Schema::For(v1::Actor::descriptor()).ok());
  auto map = Schema::For(google::protobuf::Struct::descriptor());
  EXPECT_EQ(map.status().code(), absl::StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace maillage::protojson

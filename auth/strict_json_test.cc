#include "auth/strict_json.h"

#include <string>

#include "gtest/gtest.h"

namespace maillage::auth::json {
namespace {

TEST(StrictJsonTest, ReadsEveryKind) {
  auto value =
      Parse(R"( {"s":"a\"\u00e9\ud83d\ude00","n":-1.5e2,"t":true,"f":false,)"
            R"("z":null,"a":[1,[],{}]} )");
  ASSERT_TRUE(value.ok()) << value.status();
  ASSERT_TRUE(value->is_object());
  EXPECT_EQ(*value->FindString("s"), "a\"\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ(value->Find("n")->number(), -150);
  EXPECT_TRUE(value->Find("t")->boolean());
  EXPECT_FALSE(value->Find("f")->boolean());
  EXPECT_EQ(value->Find("z")->kind(), Value::Kind::kNull);
  EXPECT_EQ(value->Find("a")->items().size(), 3u);
  EXPECT_EQ(value->Find("missing"), nullptr);
  EXPECT_EQ(value->FindString("n"), nullptr);
}

TEST(StrictJsonTest, RefusesWhatRfc8259Refuses) {
  for (const char* text : {"",
                           " ",
                           "{",
                           "}",
                           "[1,]",
                           "{\"a\":1,}",
                           "{'a':1}",
                           "{a:1}",
                           "01",
                           "1.",
                           ".5",
                           "-",
                           "+1",
                           "1e",
                           "NaN",
                           "Infinity",
                           "tru",
                           "nulll",
                           "\"\\x\"",
                           "\"\\u12\"",
                           "\"a",
                           "\"tab\there\"",
                           "[1 2]",
                           "{\"a\" 1}",
                           "1 2",
                           "\"\xc3\"",
                           "\"\xed\xa0\x80\"",
                           "\"\\ud800\"",
                           "\"\\udc00\"",
                           "\"\\ud800\\u0041\"",
                           "1e400",
                           "{\"a\":1}x"}) {
    EXPECT_FALSE(Parse(text).ok()) << text;
  }
}

TEST(StrictJsonTest, RefusesDuplicateMembers) {
  EXPECT_FALSE(Parse(R"({"a":1,"b":2,"a":3})").ok());
  EXPECT_FALSE(Parse(R"({"x":{"a":1,"a":1}})").ok());
  // Escapes are decoded before the comparison.
  EXPECT_FALSE(Parse(R"({"a":1,"\u0061":2})").ok());
  EXPECT_TRUE(Parse(R"({"a":{"a":1}})").ok());
}

TEST(StrictJsonTest, BoundsNesting) {
  std::string deep(kMaxDepth, '[');
  deep += std::string(kMaxDepth, ']');
  EXPECT_TRUE(Parse(deep).ok());
  std::string deeper(kMaxDepth + 1, '[');
  deeper += std::string(kMaxDepth + 1, ']');
  EXPECT_FALSE(Parse(deeper).ok());
  EXPECT_FALSE(Parse(std::string(100000, '[')).ok());
}

TEST(StrictJsonTest, ErrorsSayWhere) {
  auto value = Parse(R"({"a": tru})");
  ASSERT_FALSE(value.ok());
  EXPECT_EQ(value.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(value.status().message()).find("at byte 6"),
            std::string::npos)
      << value.status();
}

}  // namespace
}  // namespace maillage::auth::json

#include "cli/input.h"

#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "maillage/v1/actor.pb.h"

namespace maillage::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

using Records = std::vector<JsonRecord<v1::Actor>>;

Records MustParse(std::string_view text) {
  absl::StatusOr<Records> records = ParseJsonRecords<v1::Actor>(text);
  EXPECT_TRUE(records.ok()) << records.status();
  return records.ok() ? std::move(*records) : Records();
}

TEST(JsonInputTest, SingleObjectOverSeveralLines) {
  Records records = MustParse(R"({
    "id": "siret:12345678900011",
    "kind": "ACTOR_KIND_COMPANY",
    "name": "Atelier du Val — Économie solidaire",
    "homeCommune": "94018"
  })");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].location, "");
  EXPECT_EQ(records[0].message.kind(), v1::ACTOR_KIND_COMPANY);
  EXPECT_EQ(records[0].message.name(), "Atelier du Val — Économie solidaire");
  EXPECT_EQ(records[0].message.home_commune(), "94018");
  EXPECT_THAT(records[0].fields,
              ElementsAre("home_commune", "id", "kind", "name"));
}

TEST(JsonInputTest, ShortEnumNamesInNestedAndRepeatedFields) {
  Records records = MustParse(
      R"({"kind": "public_body", "subtype": "Local_Authority",
          "action_territories": [{"level": "departement", "code": "94"},
                                 {"level": "TERRITORY_LEVEL_REGION", "code": "11"}],
          "accepted_categories": ["mecenat", "societal_innovation"]})");
  ASSERT_EQ(records.size(), 1u);
  const v1::Actor& a = records[0].message;
  EXPECT_EQ(a.kind(), v1::ACTOR_KIND_PUBLIC_BODY);
  EXPECT_EQ(a.subtype(), v1::ACTOR_SUBTYPE_LOCAL_AUTHORITY);
  ASSERT_EQ(a.action_territories_size(), 2);
  EXPECT_EQ(a.action_territories(0).level(), v1::TERRITORY_LEVEL_DEPARTEMENT);
  EXPECT_EQ(a.action_territories(1).level(), v1::TERRITORY_LEVEL_REGION);
  EXPECT_THAT(a.accepted_categories(),
              ElementsAre(v1::PARTNERSHIP_CATEGORY_MECENAT,
                          v1::PARTNERSHIP_CATEGORY_SOCIETAL_INNOVATION));
}

TEST(JsonInputTest, JsonLines) {
  Records records = MustParse(
      "{\"id\": \"ext:lab:1\", \"name\": \"Un\"}\n"
      "\n"
      "{\"id\": \"ext:lab:2\", \"name\": \"Deux\", \"capacity\": 4}\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].location, "line 1");
  EXPECT_EQ(records[1].location, "line 3");
  EXPECT_EQ(records[1].message.capacity(), 4);
}

TEST(JsonInputTest, ByteOrderMark) {
  Records records = MustParse("\xEF\xBB\xBF{\"name\": \"Notepad\"}");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].message.name(), "Notepad");
}

TEST(JsonInputTest, Array) {
  Records records = MustParse(R"([{"name": "Un"}, {"name": "Deux"}])");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].location, "item 2");
  EXPECT_EQ(records[1].message.name(), "Deux");
}

TEST(JsonInputTest, Errors) {
  struct Case {
    std::string text;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {"", "no JSON input"},
           {"{\"kind\": \"bakery\"}",
            "kind: unknown value 'bakery' (expected association, company, "
            "public_body, academic, media)"},
           {"{\"name\": \"a\"}\n{\"name\": }\n", "line 2: invalid JSON"},
           {"{\"name\": \"a\"}\n{\"nom\": \"b\"}\n",
            "line 2: not a valid "
            "maillage.v1.Actor"},
           {"[1]", "item 1: expected a JSON object"},
           {"{\"action_territories\": [{\"level\": \"canton\"}]}",
            "action_territories[0].level: unknown value 'canton'"},
       }) {
    absl::StatusOr<Records> records = ParseJsonRecords<v1::Actor>(c.text);
    ASSERT_FALSE(records.ok()) << c.text;
    EXPECT_EQ(records.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(records.status().message()), HasSubstr(c.message));
  }
}

TEST(ReadInputTest, StdinAndMissingFile) {
  std::istringstream in("{\"name\": \"x\"}");
  EXPECT_EQ(*ReadInput("-", in), "{\"name\": \"x\"}");
  absl::StatusOr<std::string> missing = ReadInput("/nonexistent/a.json", in);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr("cannot read /nonexistent/a.json"));
  EXPECT_FALSE(ReadInput("/tmp", in).ok());
}

}  // namespace
}  // namespace maillage::cli

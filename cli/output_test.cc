#include "cli/output.h"

#include <sstream>
#include <string>

#include "cli/names.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "maillage/v1/actor.pb.h"

namespace maillage::cli {
namespace {

TEST(OutputTest, DisplayWidth) {
  EXPECT_EQ(DisplayWidth("abc"), 3u);
  EXPECT_EQ(DisplayWidth("Île-de-France"), 13u);
  EXPECT_EQ(DisplayWidth("E\xCC\x81lodie"), 6u);  // combining acute accent
  EXPECT_EQ(DisplayWidth("\xFF"), 1u);
}

TEST(OutputTest, TableAlignsUtf8) {
  Table table({"ID", "NAME", "COMMUNE"});
  table.AddRow({"a", "Économie\nsolidaire", "94018"});
  table.AddRow({"bb", "Val", ""});
  std::ostringstream out;
  table.Print(out);
  EXPECT_EQ(out.str(),
            "ID  NAME                COMMUNE\n"
            "a   Économie solidaire  94018\n"
            "bb  Val\n");
}

TEST(OutputTest, TableCutsLongCells) {
  Table table({"NAME", "X"});
  table.SetMaxWidth(0, 6);
  table.AddRow({"Élémentaire", "1"});
  table.AddRow({"Court", "2"});
  std::ostringstream out;
  table.Print(out, 2);
  EXPECT_EQ(out.str(),
            "  NAME    X\n"
            "  Éléme…  1\n"
            "  Court   2\n");
}

TEST(OutputTest, TableAlignsNumbersRight) {
  Table table({"NAME", "POPULATION", "X"});
  table.AlignRight(1);
  table.AddRow({"Paris", "2,103,778", "a"});
  table.AddRow({"Charentonnay", "282", "b"});
  std::ostringstream out;
  table.Print(out);
  EXPECT_EQ(out.str(),
            "NAME          POPULATION  X\n"
            "Paris          2,103,778  a\n"
            "Charentonnay         282  b\n");
}

TEST(OutputTest, PrintFields) {
  v1::Actor actor;
  actor.set_id("siret:12345678900011");
  actor.set_kind(v1::ACTOR_KIND_PUBLIC_BODY);
  actor.set_name("Mairie de Charenton-le-Pont");
  actor.mutable_legal_ids()->set_siret("12345678900011");
  actor.add_themes("youth");
  actor.add_themes("digital_inclusion");
  actor.add_needs()->set_resource("funding");
  auto* ref = actor.add_action_territories();
  ref->set_level(v1::TERRITORY_LEVEL_DEPARTEMENT);
  ref->set_code("94");
  actor.set_capacity(0);
  actor.mutable_create_time()->set_seconds(1700000000);
  std::ostringstream out;
  PrintFields(actor, out);
  EXPECT_EQ(out.str(),
            "id:                 siret:12345678900011\n"
            "kind:               public_body\n"
            "name:               Mairie de Charenton-le-Pont\n"
            "legal_ids.siret:    12345678900011\n"
            "action_territories: departement:94\n"
            "themes:             youth, digital_inclusion\n"
            "needs[0].resource:  funding\n"
            "capacity:           0\n"
            "create_time:        2023-11-14T22:13:20Z\n");
}

TEST(OutputTest, Json) {
  v1::Actor actor;
  actor.set_id("x");
  actor.set_kind(v1::ACTOR_KIND_COMPANY);
  actor.set_home_commune("94018");
  EXPECT_EQ(JsonLine(actor),
            R"({"id":"x","kind":"ACTOR_KIND_COMPANY","home_commune":"94018"})");
  EXPECT_EQ(JsonDocument(actor).back(), '\n');
}

TEST(OutputTest, Numbers) {
  EXPECT_EQ(FormatCount(0), "0");
  EXPECT_EQ(FormatCount(999), "999");
  EXPECT_EQ(FormatCount(30910), "30,910");
  EXPECT_EQ(FormatCount(-1234567), "-1,234,567");
  EXPECT_EQ(FormatNumber(28.5), "28.5");
  EXPECT_EQ(FormatNumber(17), "17");
  EXPECT_EQ(FormatNumber(0.65), "0.65");
}

TEST(NamesTest, ShortEnumNames) {
  EXPECT_EQ(ShortEnumName(v1::ACTOR_KIND_PUBLIC_BODY), "public_body");
  EXPECT_EQ(ShortEnumName(v1::ACTOR_KIND_UNSPECIFIED), "");
  EXPECT_EQ(ShortEnumNames(*v1::ActorKind_descriptor()),
            "association|company|public_body|academic|media");
  EXPECT_EQ(*ParseEnum<v1::ActorKind>("--kind", "Company"),
            v1::ACTOR_KIND_COMPANY);
  EXPECT_EQ(*ParseEnum<v1::ActorKind>("--kind", "ACTOR_KIND_MEDIA"),
            v1::ACTOR_KIND_MEDIA);
  EXPECT_FALSE(ParseEnum<v1::ActorKind>("--kind", "unspecified").ok());
  EXPECT_EQ(ParseEnum<v1::ActorKind>("--kind", "bakery").status().message(),
            "--kind: unknown value 'bakery' (expected association, company, "
            "public_body, academic, media)");
}

TEST(NamesTest, TerritoryRefs) {
  for (const char* text :
       {"departement:94", "département:94", "DEPARTEMENT:94"}) {
    absl::StatusOr<v1::TerritoryRef> ref = ParseTerritoryRef("t", text);
    ASSERT_TRUE(ref.ok()) << text << ": " << ref.status();
    EXPECT_EQ(ref->level(), v1::TERRITORY_LEVEL_DEPARTEMENT);
    EXPECT_EQ(ref->code(), "94");
    EXPECT_EQ(FormatTerritoryRef(*ref), "departement:94");
  }
  EXPECT_EQ(ParseTerritoryRef("t", "région:11")->level(),
            v1::TERRITORY_LEVEL_REGION);
  EXPECT_EQ(ParseTerritoryRef("t", "custom:zone:est")->code(), "zone:est");
  for (const char* bad : {"94", ":94", "commune:", "canton:12"}) {
    EXPECT_FALSE(ParseTerritoryRef("--territory", bad).ok()) << bad;
  }
  EXPECT_EQ(FormatTerritoryRef(v1::TerritoryRef()), "");
  EXPECT_EQ(*ParseTerritoryLevel("--level", "Région"),
            v1::TERRITORY_LEVEL_REGION);
  EXPECT_EQ(*ParseTerritoryLevel("--level", "epci"), v1::TERRITORY_LEVEL_EPCI);
}

TEST(OutputTest, WrapText) {
  EXPECT_EQ(WrapText("", 2), "");
  EXPECT_EQ(WrapText("Une association et une entreprise", 3, 20),
            "   Une association\n   et une entreprise\n");
  // Display width, not bytes: "é" takes one column.
  EXPECT_EQ(WrapText("été été été", 0, 7), "été été\nété\n");
  EXPECT_EQ(WrapText("incompréhensiblement", 2, 10),
            "  incompréhensiblement\n");
  EXPECT_EQ(WrapText("agit sur « emploi et insertion » ; invité", 0, 12),
            "agit sur\n« emploi et\ninsertion » ;\ninvité\n");
  EXPECT_EQ(WrapHanging("proximity: dans la même commune", 2, 4, 20),
            "  proximity: dans la\n    même commune\n");
}

TEST(OutputTest, WrapList) {
  EXPECT_EQ(WrapList("factors:", {}, 2), "");
  EXPECT_EQ(WrapList("factors:", {"a 0.50 (+0.1)", "bb 1.00 (+0.2)"}, 2, 30),
            "  factors: a 0.50 (+0.1),\n    bb 1.00 (+0.2)\n");
  EXPECT_EQ(WrapList("", {"x", "y"}, 0), "x, y\n");
}

TEST(OutputTest, CsvRecordLine) {
  EXPECT_EQ(CsvRecordLine({"a", "", "b c"}), "a,,b c\n");
  EXPECT_EQ(CsvRecordLine({"x,y", "dit \"oui\"", "deux\nlignes", " pad"}),
            "\"x,y\",\"dit \"\"oui\"\"\",\"deux\nlignes\",\" pad\"\n");
}

TEST(OutputTest, TimesAndDurations) {
  google::protobuf::Timestamp time;
  EXPECT_EQ(FormatTime(time), "");
  time.set_seconds(1764167585);  // 2025-11-26T14:33:05Z
  EXPECT_EQ(FormatTime(time), "2025-11-26T14:33:05Z");
  EXPECT_EQ(FormatDate(time), "2025-11-26");
  EXPECT_EQ(FormatDuration(42), "42 s");
  EXPECT_EQ(FormatDuration(185), "3:05");
  EXPECT_EQ(FormatDuration(3723), "1:02:03");
  EXPECT_EQ(FormatScore(0.7249), "0.72");
  EXPECT_EQ(FormatPercent(0.834), "83 %");
}

}  // namespace
}  // namespace maillage::cli

#include "storage/keys.h"

#include <cstdint>
#include <string>

#include "gtest/gtest.h"

namespace maillage::storage::keys {
namespace {

using std::string_literals::operator""s;

TEST(KeysTest, RequestKeySeparatesMethodAndId) {
  EXPECT_EQ(Request("CreateActor", "abc"), "CreateActor\0abc"s);
  // A method that is a prefix of another cannot collide.
  EXPECT_NE(Request("Create", "Actorx"), Request("CreateActor", "x"));
}

TEST(KeysTest, FactByTerritoryRoundTrip) {
  std::string key = FactByTerritory(4, "94", "fact-1");
  EXPECT_EQ(key,
            "\x04"
            "94\0fact-1"s);
  EXPECT_EQ(key.rfind(FactByTerritoryPrefix(4, "94"), 0), 0u);
  ASSERT_TRUE(FactIdFromTerritoryKey(key).has_value());
  EXPECT_EQ(*FactIdFromTerritoryKey(key), "fact-1");
  EXPECT_FALSE(FactIdFromTerritoryKey("\x04"
                                      "94")
                   .has_value());
  EXPECT_FALSE(FactIdFromTerritoryKey("").has_value());
}

TEST(KeysTest, TerritoryPrefixesDoNotOverlapAcrossLevelsOrCodes) {
  // Département "11" and région "11" differ by the level byte; "9" is not a
  // prefix match of "94" thanks to the separator.
  EXPECT_NE(FactByTerritoryPrefix(4, "11"), FactByTerritoryPrefix(5, "11"));
  std::string k94 = FactByTerritory(4, "94", "f");
  EXPECT_NE(k94.rfind(FactByTerritoryPrefix(4, "9"), 0), 0u);
}

TEST(KeysTest, EventKeysSortBySequence) {
  EXPECT_LT(Event(1), Event(2));
  EXPECT_LT(Event(255), Event(256));
  EXPECT_LT(Event(0xFFFFFFFF), Event(0x100000000ull));
  EXPECT_EQ(EventSequence(Event(123456789012345ull)), 123456789012345ull);
  EXPECT_FALSE(EventSequence("short").has_value());
}

TEST(KeysTest, ByActorRoundTrip) {
  std::string key = ByActor("rna:W1", "s-42");
  EXPECT_EQ(key.rfind(ByActorPrefix("rna:W1"), 0), 0u);
  EXPECT_NE(key.rfind(ByActorPrefix("rna:W"), 0), 0u);
  EXPECT_EQ(*RecordIdFromActorKey(key), "s-42");
}

TEST(KeysTest, WorkspaceKeysRoundTripAndDoNotOverlap) {
  std::string key = InWorkspace("team-a", "s-42");
  EXPECT_EQ(key, "team-a\0s-42"s);
  EXPECT_EQ(key.rfind(WorkspacePrefix("team-a"), 0), 0u);
  // "team" is not a prefix match of "team-a" thanks to the separator.
  EXPECT_NE(key.rfind(WorkspacePrefix("team"), 0), 0u);
  auto split = SplitWorkspace(key);
  ASSERT_TRUE(split.has_value());
  EXPECT_EQ(split->workspace, "team-a");
  EXPECT_EQ(split->rest, "s-42");
  EXPECT_FALSE(SplitWorkspace("s-42").has_value());
  // A by-actor entry inside a workspace keeps its actor prefix.
  std::string by_actor = InWorkspace("team-a", ByActor("rna:W1", "s-42"));
  EXPECT_EQ(by_actor.rfind(InWorkspace("team-a", ByActorPrefix("rna:W1")), 0),
            0u);
}

TEST(KeysTest, ContactsOfAnActorAreOneRangeAcrossWorkspaces) {
  EXPECT_EQ(Contacts("rna:W1", "team-a"), "rna:W1\0team-a"s);
  EXPECT_EQ(Contacts("rna:W1", "team-b").rfind(ContactsPrefix("rna:W1"), 0),
            0u);
  EXPECT_NE(Contacts("rna:W12", "team-a").rfind(ContactsPrefix("rna:W1"), 0),
            0u);
}

TEST(KeysTest, PrefixSuccessor) {
  EXPECT_EQ(PrefixSuccessor("abc"), "abd");
  EXPECT_EQ(PrefixSuccessor("ab\xff"), "ac");
  EXPECT_EQ(PrefixSuccessor("\xff\xff"), "");
  EXPECT_EQ(PrefixSuccessor(""), "");
}

TEST(KeysTest, AuditKeysSortByTimeThenSequence) {
  EXPECT_LT(Audit(1'000'000, 7), Audit(1'000'001, 0));
  EXPECT_LT(Audit(1'000'000, 1), Audit(1'000'000, 2));
  EXPECT_LT(Audit(255, 99), Audit(256, 0));
  EXPECT_LE(AuditPrefix(1'000'000), Audit(1'000'000, 0));
  EXPECT_LT(Audit(999'999, UINT64_MAX), AuditPrefix(1'000'000));
  auto parsed = AuditTimeAndSequence(Audit(1'780'000'000'000'000, 42));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->first, 1'780'000'000'000'000);
  EXPECT_EQ(parsed->second, 42u);
  EXPECT_FALSE(AuditTimeAndSequence("short").has_value());
  EXPECT_EQ(AuditPrefix(-5), AuditPrefix(0));
}

}  // namespace
}  // namespace maillage::storage::keys

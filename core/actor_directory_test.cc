#include "core/actor_directory.h"

#include <string>

#include "gtest/gtest.h"

namespace maillage::core {
namespace {

TEST(AppendStringFieldTest, BytesParseAsIfTheFieldWereSet) {
  v1::Actor actor;
  actor.set_id("rna:W941000001");
  actor.set_name("Atelier");
  actor.add_themes("youth");
  std::string bytes;
  actor.SerializeToString(&bytes);
  std::string long_value(300, 'e');  // a length needing a two-byte varint
  AppendStringField(v1::Actor::kEtagFieldNumber, long_value, &bytes);
  v1::Actor parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  EXPECT_EQ(parsed.etag(), long_value);
  EXPECT_EQ(parsed.name(), "Atelier");
  actor.set_etag(long_value);
  EXPECT_EQ(parsed.SerializeAsString(), actor.SerializeAsString());
}

TEST(MakeEtagTest, ChangesWithContentAndTime) {
  EXPECT_EQ(MakeEtag("abc", 1), MakeEtag("abc", 1));
  EXPECT_NE(MakeEtag("abc", 1), MakeEtag("abd", 1));
  EXPECT_NE(MakeEtag("abc", 1), MakeEtag("abc", 2));
  EXPECT_EQ(MakeEtag("abc", 1).size(), 16u);
}

}  // namespace
}  // namespace maillage::core

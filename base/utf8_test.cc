#include "base/utf8.h"

#include <random>
#include <string>

#include "gtest/gtest.h"

namespace maillage {
namespace {

TEST(Utf8Test, AcceptsAsciiAndFrench) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("Charenton-le-Pont"));
  EXPECT_TRUE(IsValidUtf8("Île-de-France, Évry, œuvre, 🤝"));
  EXPECT_EQ(CodePointCount("Île"), 3u);
  EXPECT_EQ(CodePointCount("🤝a"), 2u);
}

TEST(Utf8Test, RejectsMalformed) {
  EXPECT_FALSE(IsValidUtf8("\xE9t\xE9"));         // Latin-1 "été"
  EXPECT_FALSE(IsValidUtf8("\xC3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xFF"));
}

// Long texts go through simdjson's validator: the same verdicts as the
// byte-by-byte rules, on texts mixing French, emoji and stray bytes.
TEST(Utf8Test, LongTextsSameVerdictsAsTheByteRules) {
  // ToValidUtf8 applies the byte rules (Utf8SequenceLength) on its own.
  auto byte_rules = [](const std::string& s) { return ToValidUtf8(s) == s; };
  const std::string pieces[] = {"Charenton-le-Pont ",
                                "Île-de-France",
                                "œuvre",
                                "🤝",
                                "\xE9",
                                "\xC3",
                                "\xED\xA0\x80",
                                "\xF4\x90\x80\x80",
                                "\xC0\xAF",
                                "\xEF\xBF\xBF",
                                "\xF0\x9F"};
  std::mt19937 rng(5);
  int valid = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    while (s.size() < 64 + rng() % 200) {
      // Mostly valid pieces, now and then a bad one.
      size_t piece = rng() % 40 == 0 ? rng() % std::size(pieces) : rng() % 4;
      s += pieces[piece];
    }
    ASSERT_EQ(IsValidUtf8(s), byte_rules(s)) << s;
    valid += byte_rules(s);
  }
  EXPECT_GT(valid, 1000);
  EXPECT_LT(valid, 19000);
}

TEST(Utf8Test, ControlChars) {
  EXPECT_FALSE(HasControlChars("a\tb\nc"));
  EXPECT_TRUE(HasControlChars(std::string("a\0b", 3)));
  EXPECT_TRUE(HasControlChars("a\x1b[31m"));
}

TEST(Utf8Test, ToValidUtf8ReplacesMalformedBytes) {
  EXPECT_EQ(ToValidUtf8("Île 🤝"), "Île 🤝");
  EXPECT_EQ(ToValidUtf8("\xE9t\xE9"), "\uFFFDt\uFFFD");
  EXPECT_EQ(ToValidUtf8("a\xC3"), "a\uFFFD");
  EXPECT_EQ(ToValidUtf8("\xED\xA0\x80"), "\uFFFD\uFFFD\uFFFD");
  EXPECT_TRUE(IsValidUtf8(ToValidUtf8("\xF4\x90\x80\x80\xFFz")));
}

TEST(Utf8Test, PrefixEndsOnACodePointBoundary) {
  EXPECT_EQ(Utf8PrefixLength("abc", 10, 10), 3u);
  EXPECT_EQ(Utf8PrefixLength("abc", 2, 10), 2u);
  EXPECT_EQ(Utf8PrefixLength("ééé", 2, 100), 4u);
  EXPECT_EQ(Utf8PrefixLength("ééé", 10, 5), 4u);  // not inside the third é
  EXPECT_EQ(Utf8PrefixLength("🤝🤝", 10, 7), 4u);
  EXPECT_EQ(Utf8PrefixLength("🤝", 10, 3), 0u);
  EXPECT_EQ(Utf8PrefixLength("", 10, 10), 0u);
}

}  // namespace
}  // namespace maillage

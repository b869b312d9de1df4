#include "cli/args.h"

#include <string>
#include <vector>

#include "cli/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace maillage::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::vector<FlagSpec> kSpecs = {
    {"kind", "KIND", ""},
    {"page-size", "N", ""},
    {"timeout", "SECONDS", ""},
    {"all", "", ""},
    {"help", "", ""},
    {"theme", "THEME", "", /*repeatable=*/true},
    {"out", "FILE", "", false, /*short_name=*/'o'},
};

ParsedArgs MustParse(const std::vector<std::string>& tokens) {
  absl::StatusOr<ParsedArgs> args = ParseArgs(tokens, kSpecs);
  EXPECT_TRUE(args.ok()) << args.status();
  return args.ok() ? *args : ParsedArgs();
}

TEST(ParseArgsTest, FlagsAndPositionalsInAnyOrder) {
  ParsedArgs args = MustParse(
      {"a.json", "--kind", "company", "--all", "--page-size=20", "b"});
  EXPECT_THAT(args.positional(), ElementsAre("a.json", "b"));
  EXPECT_EQ(args.Value("kind"), "company");
  EXPECT_TRUE(args.Has("all"));
  EXPECT_EQ(args.ValueOr("page-size", "0"), "20");
  EXPECT_FALSE(args.Has("timeout"));
  EXPECT_EQ(args.Value("timeout"), std::nullopt);
  EXPECT_EQ(args.ValueOr("timeout", "30"), "30");
}

TEST(ParseArgsTest, DashIsPositionalAndDoubleDashEndsFlags) {
  ParsedArgs args = MustParse({"-", "--", "--all", "-x"});
  EXPECT_THAT(args.positional(), ElementsAre("-", "--all", "-x"));
  EXPECT_FALSE(args.Has("all"));
}

TEST(ParseArgsTest, ValueMayLookLikeAnything) {
  ParsedArgs args = MustParse({"--kind", "--all", "--page-size=a=b"});
  EXPECT_EQ(args.Value("kind"), "--all");
  EXPECT_EQ(args.Value("page-size"), "a=b");
  EXPECT_FALSE(args.Has("all"));
}

TEST(ParseArgsTest, ShortHelp) { EXPECT_TRUE(MustParse({"-h"}).Has("help")); }

TEST(ParseArgsTest, Errors) {
  struct Case {
    std::vector<std::string> tokens;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {{"--colour"}, "unknown flag '--colour'"},
           {{"-k"}, "unknown flag '-k'"},
           {{"--kind"}, "--kind needs a value (KIND)"},
           {{"--all=yes"}, "--all takes no value"},
           {{"--kind", "a", "--kind=b"}, "--kind given twice"},
       }) {
    absl::StatusOr<ParsedArgs> args = ParseArgs(c.tokens, kSpecs);
    ASSERT_FALSE(args.ok()) << c.message;
    EXPECT_TRUE(IsUsageError(args.status()));
    EXPECT_EQ(args.status().message(), c.message);
  }
}

TEST(ParseArgsTest, IntValue) {
  EXPECT_EQ(*MustParse({}).IntValue("page-size", 7, 1, 1000), 7);
  EXPECT_EQ(
      *MustParse({"--page-size", "1000"}).IntValue("page-size", 0, 1, 1000),
      1000);
  for (const char* bad :
       {"0", "1001", "12x", "", "-3", "99999999999999999999"}) {
    absl::StatusOr<int64_t> v =
        MustParse({"--page-size", bad}).IntValue("page-size", 0, 1, 1000);
    ASSERT_FALSE(v.ok()) << bad;
    EXPECT_TRUE(IsUsageError(v.status()));
    EXPECT_THAT(
        std::string(v.status().message()),
        HasSubstr("--page-size: expected a whole number from 1 to 1000"));
  }
}

TEST(ParseArgsTest, PositiveNumberValue) {
  EXPECT_EQ(*MustParse({"--timeout", "2.5"}).PositiveNumberValue("timeout", 30),
            2.5);
  EXPECT_EQ(*MustParse({}).PositiveNumberValue("timeout", 30), 30);
  for (const char* bad : {"0", "-1", "abc", "inf", "nan", ""}) {
    EXPECT_FALSE(
        MustParse({"--timeout", bad}).PositiveNumberValue("timeout", 30).ok())
        << bad;
  }
}

TEST(ParseArgsTest, RepeatableFlags) {
  ParsedArgs args = MustParse(
      {"--theme", "youth", "--theme=sport,health", "--kind", "company", "x"});
  EXPECT_THAT(args.Values("theme"), ElementsAre("youth", "sport,health"));
  EXPECT_THAT(args.ListValues("theme"),
              ElementsAre("youth", "sport", "health"));
  EXPECT_EQ(args.Value("theme"), "youth");
  EXPECT_THAT(args.Values("kind"), ElementsAre("company"));
  EXPECT_THAT(args.Values("all"), ElementsAre());
  EXPECT_THAT(MustParse({"--theme", " a, ,b "}).ListValues("theme"),
              ElementsAre("a", "b"));
}

TEST(ParseArgsTest, ShortAlias) {
  ParsedArgs args = MustParse({"-o", "out.jsonl", "x"});
  EXPECT_EQ(args.Value("out"), "out.jsonl");
  EXPECT_THAT(args.positional(), ElementsAre("x"));
  EXPECT_EQ(MustParse({"--out=f"}).Value("out"), "f");
  absl::StatusOr<ParsedArgs> twice =
      ParseArgs({"-o", "a", "--out", "b"}, kSpecs);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().message(), "--out given twice");
  std::vector<std::string> tokens = {"-o", "f", "export"};
  EXPECT_EQ(TakeWord(&tokens, kSpecs), "export");
}

TEST(ParseArgsTest, NumberValue) {
  EXPECT_EQ(*MustParse({"--timeout", "0"}).NumberValue("timeout", 1, 0, 1), 0);
  EXPECT_EQ(*MustParse({}).NumberValue("timeout", 0.5, 0, 1), 0.5);
  for (const char* bad : {"-0.1", "1.5", "x", "nan", ""}) {
    absl::StatusOr<double> v =
        MustParse({"--timeout", bad}).NumberValue("timeout", 0, 0, 1);
    ASSERT_FALSE(v.ok()) << bad;
    EXPECT_THAT(std::string(v.status().message()),
                HasSubstr("--timeout: expected a number from 0 to 1"));
  }
}

TEST(TakeWordTest, SkipsFlagsAndTheirValues) {
  std::vector<std::string> tokens = {"--timeout", "5",    "--all", "actors",
                                     "--kind=x",  "list", "rest"};
  EXPECT_EQ(TakeWord(&tokens, kSpecs), "actors");
  EXPECT_EQ(TakeWord(&tokens, kSpecs), "list");
  EXPECT_THAT(tokens,
              ElementsAre("--timeout", "5", "--all", "--kind=x", "rest"));
}

TEST(TakeWordTest, NoneLeft) {
  std::vector<std::string> tokens = {"--timeout", "5", "--help"};
  EXPECT_EQ(TakeWord(&tokens, kSpecs), std::nullopt);
  EXPECT_EQ(tokens.size(), 3u);
}

TEST(WantsHelpTest, BeforeDoubleDashOnly) {
  EXPECT_TRUE(WantsHelp({"actors", "--help"}));
  EXPECT_TRUE(WantsHelp({"-h"}));
  EXPECT_FALSE(WantsHelp({"actors", "--", "--help"}));
  EXPECT_FALSE(WantsHelp({"actors", "list"}));
}

}  // namespace
}  // namespace maillage::cli

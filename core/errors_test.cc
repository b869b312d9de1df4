#include "core/errors.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "base/utf8.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"

namespace maillage::core {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

google::rpc::BadRequest BadRequestOf(const absl::Status& status) {
  google::rpc::BadRequest bad;
  auto payload = status.GetPayload(AsAbsl(kBadRequestType));
  EXPECT_TRUE(payload.has_value());
  if (payload.has_value()) {
    EXPECT_TRUE(bad.ParseFromString(std::string(*payload)));
  }
  return bad;
}

TEST(QuoteTest, ShortValuesAreQuotedAsTheyAre) {
  EXPECT_EQ(Quote("knitting"), "'knitting'");
  EXPECT_EQ(Quote("Évry"), "'Évry'");
  EXPECT_EQ(Quote(std::string(ErrorBounds::kEchoMax, 'x')),
            absl::StrCat("'", std::string(ErrorBounds::kEchoMax, 'x'), "'"));
}

TEST(QuoteTest, LongValuesAreCutOnACodePointBoundary) {
  EXPECT_EQ(Quote(std::string(1 << 20, 'x')),
            absl::StrCat("'", std::string(ErrorBounds::kEchoMax, 'x'), "…'"));
  std::string accents;
  for (int i = 0; i < 100; ++i) accents += "é";
  std::string quoted = Quote(accents);
  EXPECT_TRUE(IsValidUtf8(quoted));
  EXPECT_EQ(CodePointCount(quoted), ErrorBounds::kEchoMax + 3);  // '…'
  EXPECT_THAT(quoted, EndsWith("é…'"));
}

TEST(QuoteTest, InvalidBytesAndControlCharactersAreReplaced) {
  EXPECT_EQ(Quote("a\xE9z"), "'a\uFFFDz'");
  EXPECT_EQ(Quote("a\nb\x1b[0m"), "'a\uFFFDb\uFFFD[0m'");
  EXPECT_EQ(Quote(std::string("a\0b", 3)), "'a\uFFFDb'");
}

TEST(FieldViolationsTest, EachViolationIsBounded) {
  FieldViolations v;
  v.Add(std::string(1000, 'f'), std::string(100000, 'd'));
  v.Add("name", "caf\xE9");
  ASSERT_EQ(v.size(), 2u);
  EXPECT_LE(v.list()[0].first.size(), ErrorBounds::kFieldBytesMax);
  EXPECT_LE(v.list()[0].second.size(), ErrorBounds::kDescriptionBytesMax);
  EXPECT_THAT(v.list()[0].second, EndsWith("…"));
  EXPECT_EQ(v.list()[1].second, "caf\uFFFD");
}

TEST(FieldViolationsTest, OneViolationIsNamedInTheMessage) {
  FieldViolations v;
  v.Add("view", "unknown value 99");
  absl::Status status = v.ToStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "invalid request: view: unknown value 99");
  google::rpc::BadRequest bad = BadRequestOf(status);
  ASSERT_EQ(bad.field_violations_size(), 1);
  EXPECT_EQ(bad.field_violations(0).field(), "view");
}

TEST(FieldViolationsTest, AtMostTwentyAreListedAndTheOthersCounted) {
  FieldViolations v;
  for (int i = 0; i < 100; ++i) {
    v.Add(absl::StrCat("actor.themes[", i, "]"), "unknown theme 'x'");
  }
  absl::Status status = v.ToStatus();
  google::rpc::BadRequest bad = BadRequestOf(status);
  ASSERT_EQ(bad.field_violations_size(),
            static_cast<int>(ErrorBounds::kListedMax) + 1);
  EXPECT_EQ(bad.field_violations(0).field(), "actor.themes[0]");
  const auto& last = bad.field_violations(bad.field_violations_size() - 1);
  EXPECT_EQ(last.field(), kMoreViolationsField);
  EXPECT_EQ(last.description(), "80 more invalid fields, not listed");
  const std::string message(status.message());
  EXPECT_THAT(message,
              StartsWith("100 invalid fields in request: actor.themes[0]: "));
  EXPECT_THAT(message, HasSubstr("actor.themes[2]"));
  EXPECT_THAT(message, Not(HasSubstr("actor.themes[3]")));
  EXPECT_THAT(message, EndsWith("; …"));
}

TEST(FieldViolationsTest, LargeViolationsStopAtTheDetailsBudget) {
  FieldViolations v;
  std::string description;
  for (size_t i = 0; i < ErrorBounds::kDescriptionBytesMax; i += 2) {
    description += "é";
  }
  for (int i = 0; i < 30; ++i) {
    v.Add(absl::StrCat(i, std::string(ErrorBounds::kFieldBytesMax, 'f')),
          description);
  }
  absl::Status status = v.ToStatus();
  google::rpc::BadRequest bad = BadRequestOf(status);
  EXPECT_LT(bad.field_violations_size(),
            static_cast<int>(ErrorBounds::kListedMax));
  const auto& last = bad.field_violations(bad.field_violations_size() - 1);
  EXPECT_EQ(last.field(), kMoreViolationsField);
  EXPECT_EQ(last.description(),
            absl::StrCat(30 - (bad.field_violations_size() - 1),
                         " more invalid fields, not listed"));
  bad.mutable_field_violations()->RemoveLast();
  EXPECT_LE(bad.ByteSizeLong(), ErrorBounds::kDetailsBytesMax);
  EXPECT_LE(status.message().size(), ErrorBounds::kMessageBytesMax);
  EXPECT_TRUE(IsValidUtf8(std::string(status.message())));
}

}  // namespace
}  // namespace maillage::core

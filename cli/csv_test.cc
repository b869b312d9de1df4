#include "cli/csv.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace maillage::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

CsvFile MustParse(std::string_view text) {
  absl::StatusOr<CsvFile> file = ParseCsv(text);
  EXPECT_TRUE(file.ok()) << file.status();
  return file.ok() ? *file : CsvFile();
}

TEST(CsvTest, HeaderAndRows) {
  CsvFile file = MustParse("id,title,value\nf1,Chômage,28.5\nf2,,\n");
  EXPECT_EQ(file.separator, ',');
  EXPECT_THAT(file.header, ElementsAre("id", "title", "value"));
  ASSERT_EQ(file.rows.size(), 2u);
  EXPECT_THAT(file.rows[0].fields, ElementsAre("f1", "Chômage", "28.5"));
  EXPECT_EQ(file.rows[0].row_number, 2);
  EXPECT_THAT(file.rows[1].fields, ElementsAre("f2", "", ""));
  EXPECT_EQ(file.rows[1].row_number, 3);
}

TEST(CsvTest, QuotedFields) {
  CsvFile file = MustParse(
      "title,description\n"
      "\"Paris, Île-de-France\",\"il a dit \"\"bonjour\"\"\"\n"
      "\"\",\"x\"\n");
  ASSERT_EQ(file.rows.size(), 2u);
  EXPECT_THAT(file.rows[0].fields,
              ElementsAre("Paris, Île-de-France", "il a dit \"bonjour\""));
  EXPECT_THAT(file.rows[1].fields, ElementsAre("", "x"));
}

TEST(CsvTest, EmbeddedLineBreaks) {
  CsvFile file = MustParse(
      "id,description\r\n"
      "a,\"first line\r\nsecond line\nthird\"\r\n"
      "b,plain\r\n");
  ASSERT_EQ(file.rows.size(), 2u);
  EXPECT_EQ(file.rows[0].fields[1], "first line\r\nsecond line\nthird");
  EXPECT_EQ(file.rows[0].row_number, 2);
  EXPECT_EQ(file.rows[1].fields[1], "plain");
  EXPECT_EQ(file.rows[1].row_number, 5);  // the line it starts on
}

TEST(CsvTest, SemicolonDetected) {
  CsvFile file = MustParse("id;value;unit\nf1;28,5;%\n");
  EXPECT_EQ(file.separator, ';');
  EXPECT_THAT(file.header, ElementsAre("id", "value", "unit"));
  EXPECT_THAT(file.rows[0].fields, ElementsAre("f1", "28,5", "%"));
}

TEST(CsvTest, DetectionIgnoresQuotedSeparators) {
  EXPECT_EQ(DetectSeparator("\"a;b;c\",d\n"), ',');
  EXPECT_EQ(DetectSeparator("\"a,b,c\";d;e\n1,2,3,4,5"), ';');
  EXPECT_EQ(DetectSeparator("single\n"), ',');
}

TEST(CsvTest, ExplicitSeparator) {
  absl::StatusOr<CsvFile> file = ParseCsv("a;b,c\n1;2,3\n", {','});
  ASSERT_TRUE(file.ok());
  EXPECT_THAT(file->header, ElementsAre("a;b", "c"));
}

TEST(CsvTest, ByteOrderMarkStripped) {
  CsvFile file = MustParse("\xEF\xBB\xBFterritory;theme\ncommune:94018;youth");
  EXPECT_EQ(file.separator, ';');
  EXPECT_THAT(file.header, ElementsAre("territory", "theme"));
  EXPECT_EQ(file.ColumnIndex("territory"), 0);
  ASSERT_EQ(file.rows.size(), 1u);  // no final line break
  EXPECT_THAT(file.rows[0].fields, ElementsAre("commune:94018", "youth"));
}

TEST(CsvTest, BlankLinesSkippedButCounted) {
  CsvFile file = MustParse("\r\na;b\n\n1;2\n;\n\"\";\n3;4\n\n");
  EXPECT_EQ(file.separator, ';');
  EXPECT_THAT(file.header, ElementsAre("a", "b"));
  ASSERT_EQ(file.rows.size(), 2u);
  EXPECT_EQ(file.rows[0].row_number, 4);
  EXPECT_EQ(file.rows[1].row_number, 7);
}

TEST(CsvTest, TrailingEmptyField) {
  CsvFile file = MustParse("a,b,c\n1,2,\n");
  EXPECT_THAT(file.rows[0].fields, ElementsAre("1", "2", ""));
}

TEST(CsvTest, EmptyFile) {
  CsvFile file = MustParse("");
  EXPECT_TRUE(file.header.empty());
  EXPECT_TRUE(file.rows.empty());
  EXPECT_TRUE(MustParse("\xEF\xBB\xBF").header.empty());
}

TEST(CsvTest, ColumnIndexIgnoresCaseAndSpaces) {
  CsvFile file = MustParse(" Territory , THEME\n");
  EXPECT_EQ(file.ColumnIndex("territory"), 0);
  EXPECT_EQ(file.ColumnIndex("Theme"), 1);
  EXPECT_EQ(file.ColumnIndex("title"), -1);
}

TEST(CsvTest, UnterminatedQuoteNamesTheRow) {
  absl::StatusOr<CsvFile> file =
      ParseCsv("id,title\na,ok\nb,\"never closed\nc,d\n");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(file.status().message()),
              HasSubstr("row 3, field 2: quoted field never closed"));
}

TEST(CsvTest, TextAfterClosingQuote) {
  absl::StatusOr<CsvFile> file = ParseCsv("id,title\n\"a\"b,c\n");
  ASSERT_FALSE(file.ok());
  EXPECT_THAT(std::string(file.status().message()),
              HasSubstr("row 2, field 1: unexpected 'b' after a closing "
                        "quote"));
}

TEST(CsvTest, QuoteInsideUnquotedField) {
  absl::StatusOr<CsvFile> file = ParseCsv("id;title\nx;5\" écran\n");
  ASSERT_FALSE(file.ok());
  EXPECT_THAT(std::string(file.status().message()),
              HasSubstr("row 2, field 2: quote inside an unquoted field"));
}

TEST(CsvTest, RowNumberAfterMultilineRecord) {
  absl::StatusOr<CsvFile> file = ParseCsv("id,d\na,\"x\ny\"\nb,\"z\"q\n");
  ASSERT_FALSE(file.ok());
  EXPECT_THAT(std::string(file.status().message()),
              HasSubstr("row 4, field 2"));
}

TEST(CsvTest, InvalidUtf8) {
  absl::StatusOr<CsvFile> file = ParseCsv("id,title\na,Ch\xF4mage\n");
  ASSERT_FALSE(file.ok());
  EXPECT_THAT(std::string(file.status().message()),
              HasSubstr("row 2, field 2: not valid UTF-8"));
}

}  // namespace
}  // namespace maillage::cli

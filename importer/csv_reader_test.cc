#include "importer/csv_reader.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace maillage::importer {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Serves a string a few bytes at a time, to exercise every buffer boundary.
class TrickleSource : public ByteSource {
 public:
  TrickleSource(std::string data, size_t chunk)
      : data_(std::move(data)), chunk_(chunk) {}
  absl::StatusOr<size_t> Read(char* buffer, size_t capacity) override {
    size_t n = std::min({capacity, chunk_, data_.size() - offset_});
    std::memcpy(buffer, data_.data() + offset_, n);
    offset_ += n;
    return n;
  }
  const std::string& name() const override { return name_; }

 private:
  std::string data_;
  size_t chunk_;
  size_t offset_ = 0;
  std::string name_ = "<trickle>";
};

// A row as "<row>:a|b|c" or "<row>!error".
struct Parsed {
  std::vector<std::string> header;
  std::vector<std::string> rows;
  char separator = 0;
  Encoding encoding = Encoding::kAuto;
};

Parsed ParseAll(std::unique_ptr<ByteSource> source, CsvOptions options = {}) {
  Parsed out;
  auto reader = CsvReader::FromSource(std::move(source), options);
  EXPECT_TRUE(reader.ok()) << reader.status();
  if (!reader.ok()) return out;
  out.header = (*reader)->header();
  out.separator = (*reader)->separator();
  CsvRecord record;
  while ((*reader)->Next(&record)) {
    std::string row = std::to_string(record.row_number);
    if (!record.ok()) {
      row += "!" + record.error;
    } else {
      row += ":";
      for (size_t i = 0; i < record.fields.size(); ++i) {
        if (i > 0) row += "|";
        row += std::string(record.fields[i]);
      }
    }
    out.rows.push_back(row);
  }
  EXPECT_TRUE((*reader)->status().ok()) << (*reader)->status();
  out.encoding = (*reader)->encoding();
  return out;
}

Parsed ParseText(const std::string& text, CsvOptions options = {}) {
  Parsed whole = ParseAll(StringSource(text), options);
  // The same text served 1, 2 and 7 bytes at a time parses the same.
  for (size_t chunk : {1, 2, 7}) {
    Parsed trickled =
        ParseAll(std::make_unique<TrickleSource>(text, chunk), options);
    EXPECT_EQ(trickled.rows, whole.rows) << "chunk " << chunk;
  }
  return whole;
}

TEST(CsvReaderTest, CommaSeparatedWithRowNumbers) {
  Parsed p = ParseText("name,code\nAtelier,94018\nCentre,94028\n");
  EXPECT_EQ(p.separator, ',');
  EXPECT_THAT(p.header, ElementsAre("name", "code"));
  EXPECT_THAT(p.rows, ElementsAre("2:Atelier|94018", "3:Centre|94028"));
}

TEST(CsvReaderTest, DetectsSemicolonsAndTabsAndHonoursAForcedSeparator) {
  EXPECT_EQ(ParseText("a;b;c\n1;2,5;3\n").separator, ';');
  EXPECT_THAT(ParseText("a;b;c\n1;2,5;3\n").rows, ElementsAre("2:1|2,5|3"));
  EXPECT_EQ(ParseText("a\tb\n1\t2\n").separator, '\t');
  // Semicolons inside quotes do not count.
  EXPECT_EQ(ParseText("\"a;b;c\",d\n1,2\n").separator, ',');
  CsvOptions forced;
  forced.separator = ';';
  EXPECT_THAT(ParseText("a,b;c\n1,2;3\n", forced).rows, ElementsAre("2:1,2|3"));
}

TEST(CsvReaderTest, QuotedFieldsHoldSeparatorsQuotesAndLineBreaks) {
  Parsed p = ParseText(
      "name;description;code\r\n"
      "\"Atelier; du Val\";\"Ateliers \"\"numériques\"\"\r\npour seniors\n"
      "et jeunes\";94018\r\n"
      "Centre;\"\";94028\r\n");
  EXPECT_THAT(p.rows,
              ElementsAre("2:Atelier; du Val|Ateliers \"numériques\"\r\npour "
                          "seniors\net jeunes|94018",
                          "5:Centre||94028"));
}

TEST(CsvReaderTest, LastLineWithoutLineBreak) {
  EXPECT_THAT(ParseText("a,b\n1,2").rows, ElementsAre("2:1|2"));
  EXPECT_THAT(ParseText("a,b\n1,\"2\"").rows, ElementsAre("2:1|2"));
  EXPECT_THAT(ParseText("a,b\r\n1,2\r\n").rows, ElementsAre("2:1|2"));
}

TEST(CsvReaderTest, BlankAndEmptyRecordsAreSkippedButCounted) {
  Parsed p = ParseText("\na,b\n\n1,2\n,\n  \n;\n\r\n3,4\n");
  // "  " is one field (the header has two): it is a record with the wrong
  // number of fields, not a blank line.
  EXPECT_THAT(p.rows, ElementsAre("4:1|2", "6!has 1 field; the header has 2",
                                  "7!has 1 field; the header has 2", "9:3|4"));
}

TEST(CsvReaderTest, MalformedQuotesRejectOneRowAndReadingGoesOn) {
  Parsed p = ParseText(
      "id;name;city\n"
      "1;\"Les amis \"du\" parc\";Paris\n"  // text after a closing quote
      "2;Bad\"quote;Lyon\n"                 // quote in an unquoted field
      "3;Good;Nice\n"
      "4;\"never closed;Brest\n"  // swallows the next lines...
      "5;Also good;Metz\n");      // ...but is re-read alone
  EXPECT_THAT(
      p.rows,
      ElementsAre(
          "2!field 2: a character follows its closing quote (a quote inside "
          "a quoted field must be doubled)",
          "3!field 2: a quote inside an unquoted field (quote the whole field "
          "and double the quote)",
          "4:3|Good|Nice",
          "5!a quoted field is not closed before the end of the file",
          "6:5|Also good|Metz"));
}

TEST(CsvReaderTest, StrayQuoteThatClosesLaterCostsOneRow) {
  // The stray quote of row 2 runs into row 3 and closes before "Lyon":
  // row 2 is rejected and row 3 read again on its own.
  Parsed p = ParseText(
      "id;name;city\n"
      "1;\"Amis du parc;Paris\n"
      "2;Club;\"Lyon\"\n"
      "3;Centre;Nice\n");
  EXPECT_THAT(p.rows,
              ElementsAre("2!field 2: a character follows its closing quote "
                          "(a quote inside a quoted field must be doubled)",
                          "3:2|Club|Lyon", "4:3|Centre|Nice"));
}

TEST(CsvReaderTest, MultiLineRecordOfTheWrongShapeIsOneRejection) {
  Parsed p = ParseText("id;note;city\n1;\"a\nb\"\n2;c;d\n");
  EXPECT_THAT(p.rows,
              ElementsAre("2!has 2 fields; the header has 3", "4:2|c|d"));
}

TEST(CsvReaderTest, FieldCountMustMatchTheHeader) {
  Parsed p = ParseText("a,b,c\n1,2\n1,2,3,4\n1,2,3\n");
  EXPECT_THAT(p.rows,
              ElementsAre("2!has 2 fields; the header has 3",
                          "3!has 4 fields; the header has 3", "4:1|2|3"));
}

TEST(CsvReaderTest, OverlongRecordIsRejectedAndReadingResumes) {
  CsvOptions options;
  options.max_record_bytes = 300000;  // the minimum buffer is 256 KiB
  std::string text = "a,b\n1,\"" + std::string(400000, 'x') + "\n2,3\n";
  Parsed p = ParseAll(StringSource(text), options);
  ASSERT_EQ(p.rows.size(), 2u);
  EXPECT_THAT(p.rows[0], HasSubstr("2!the record is longer than 300000"));
  EXPECT_EQ(p.rows[1], "3:2|3");
}

TEST(CsvReaderTest, ByteOrderMarkIsSkipped) {
  Parsed p = ParseText("\xEF\xBB\xBFname,code\nÉcole,94018\n");
  EXPECT_THAT(p.header, ElementsAre("name", "code"));
  EXPECT_EQ(p.encoding, Encoding::kUtf8);
  EXPECT_THAT(p.rows, ElementsAre("2:École|94018"));
}

TEST(CsvReaderTest, AsciiThenUtf8) {
  Parsed p = ParseText("name\nA\nCœur\n");
  EXPECT_EQ(p.encoding, Encoding::kUtf8);
  EXPECT_THAT(p.rows, ElementsAre("2:A", "3:Cœur"));
}

TEST(CsvReaderTest, Windows1252IsDetectedAndDecoded) {
  // "Thématique;Nom" / "sport;Œuvre des écoles, 10 €" in Windows-1252.
  Parsed p = ParseText(
      "Th\xE9matique;Nom\nsport;\x8Cuvre des \xE9"
      "coles, 10 \x80\n");
  EXPECT_EQ(p.encoding, Encoding::kWindows1252);
  EXPECT_THAT(p.header, ElementsAre("Thématique", "Nom"));
  EXPECT_THAT(p.rows, ElementsAre("2:sport|Œuvre des écoles, 10 €"));
}

TEST(CsvReaderTest, UndecodableRowsAreRejected) {
  // Windows-1252 leaves 0x81 undefined.
  Parsed latin = ParseText("nom\n\xE9t\xE9\nbad \x81 byte\nfin\n");
  EXPECT_EQ(latin.encoding, Encoding::kWindows1252);
  EXPECT_THAT(latin.rows,
              ElementsAre("2:été",
                          "3!field 1 (nom) holds byte 0x81, which is neither "
                          "UTF-8 nor Windows-1252",
                          "4:fin"));
  // A UTF-8 file (its first non-ASCII bytes were UTF-8) with a stray
  // Latin-1 byte later on.
  Parsed utf8 = ParseText("nom\nété à Noël\nd\xE9j\xE0\nfin\n");
  EXPECT_EQ(utf8.encoding, Encoding::kUtf8);
  EXPECT_THAT(utf8.rows,
              ElementsAre("2:été à Noël",
                          "3!field 1 (nom) is not valid UTF-8 (the file is "
                          "read as UTF-8, which most of its text is)",
                          "4:fin"));
}

TEST(CsvReaderTest, ForcedEncoding) {
  CsvOptions options;
  options.encoding = Encoding::kWindows1252;
  // Valid UTF-8 bytes read as Windows-1252 on request.
  EXPECT_THAT(ParseText("n\n\xC3\xA9\n", options).rows, ElementsAre("2:Ã©"));
}

TEST(CsvReaderTest, ColumnsAreFoundCaseAccentAndPunctuationInsensitively) {
  auto reader = CsvReader::FromSource(
      StringSource("Code postal;Thématiques;siret;codeCommuneEtablissement\n"));
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->Column("code_postal"), 0);
  EXPECT_EQ((*reader)->Column("CODE POSTAL"), 0);
  EXPECT_EQ((*reader)->Column("code-postal"), 0);
  EXPECT_EQ((*reader)->Column("thematiques"), 1);
  EXPECT_EQ((*reader)->Column("THÉMATIQUES"), 1);
  EXPECT_EQ((*reader)->Column("SIRET"), 2);
  EXPECT_EQ((*reader)->Column("codeCommuneEtablissement"), 3);
  EXPECT_EQ((*reader)->Column("commune"), -1);
}

TEST(CsvReaderTest, EmptyFileAndHeaderOnly) {
  auto empty = CsvReader::FromSource(StringSource(""));
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(empty.status().message(), HasSubstr("expected a header"));
  EXPECT_THAT(ParseText("a,b\n").rows, IsEmpty());
  auto bad_header = CsvReader::FromSource(StringSource("a,\"b\"c\n1,2\n"));
  EXPECT_THAT(bad_header.status().message(), HasSubstr("1: malformed header"));
}

TEST(CsvReaderTest, GzipFilesReadLikePlainOnes) {
  std::vector<std::string> plain, gz;
  for (auto [path, out] : {std::pair{"/sirene_etablissements.csv", &plain},
                           std::pair{"/sirene_etablissements.csv.gz", &gz}}) {
    auto reader =
        CsvReader::Open(std::string(MAILLAGE_IMPORTER_TESTDATA) + path);
    ASSERT_TRUE(reader.ok()) << reader.status();
    CsvRecord record;
    while ((*reader)->Next(&record)) {
      out->push_back(std::to_string(record.row_number) + " " +
                     std::string(record.raw));
    }
  }
  EXPECT_EQ(plain.size(), 17u);
  EXPECT_EQ(gz, plain);
  EXPECT_EQ(CsvReader::Open("/nonexistent/file.csv").status().code(),
            absl::StatusCode::kNotFound);
}

// Reads a source to its end, `chunk` bytes at a time.
std::string ReadToEnd(ByteSource& source, size_t chunk = 1000) {
  std::string out;
  std::string buffer(chunk, '\0');
  while (true) {
    auto got = source.Read(buffer.data(), buffer.size());
    EXPECT_TRUE(got.ok()) << got.status();
    if (!got.ok() || *got == 0) return out;
    out.append(buffer.data(), *got);
  }
}

TEST(ByteSourceTest, PlainFilesKnowWhatIsLeftAndGzipOnesDoNot) {
  const std::string dir = MAILLAGE_IMPORTER_TESTDATA;
  auto plain = OpenFile(dir + "/sirene_etablissements.csv");
  auto gz = OpenFile(dir + "/sirene_etablissements.csv.gz");
  ASSERT_TRUE(plain.ok() && gz.ok());
  ASSERT_TRUE((*plain)->SizeHint().has_value());
  const size_t size = *(*plain)->SizeHint();
  EXPECT_GT(size, 1000u);
  EXPECT_FALSE((*gz)->SizeHint().has_value());

  std::vector<char> head(100);
  ASSERT_EQ(*(*plain)->Read(head.data(), head.size()), 100u);
  EXPECT_EQ((*plain)->SizeHint(), size - 100);
  std::string text = std::string(head.data(), 100) + ReadToEnd(**plain);
  EXPECT_EQ(text.size(), size);
  EXPECT_EQ((*plain)->SizeHint(), 0u);
  EXPECT_EQ(ReadToEnd(**gz, 7), text);  // the gzip'd copy holds the same
}

TEST(ByteSourceTest, FilesShorterThanGzipsMagicAreReadAsIs) {
  const std::string path =
      ::testing::TempDir() + "/maillage-byte-source-" + std::to_string(getpid());
  for (const std::string content : {"", "\x1f", "a"}) {
    {
      std::ofstream out(path, std::ios::binary);
      out << content;
    }
    auto source = OpenFile(path);
    ASSERT_TRUE(source.ok()) << source.status();
    EXPECT_EQ((*source)->SizeHint(), content.size());
    EXPECT_EQ(ReadToEnd(**source), content);
  }
  std::remove(path.c_str());
}

// A string's bytes with a size hint that understates them: the readers
// must not trust the hint.
class UnderstatingSource : public ByteSource {
 public:
  explicit UnderstatingSource(std::string data)
      : bytes_(StringSource(std::move(data))) {}
  absl::StatusOr<size_t> Read(char* buffer, size_t capacity) override {
    return bytes_->Read(buffer, capacity);
  }
  const std::string& name() const override { return bytes_->name(); }
  std::optional<size_t> SizeHint() const override { return 10; }

 private:
  std::unique_ptr<ByteSource> bytes_;
};

TEST(CsvReaderTest, ASizeHintTooSmallOnlyCostsGrowingTheBuffer) {
  std::string text = "id,name\n";
  for (int i = 0; i < 20000; ++i) {
    text += std::to_string(i) + ",\"Structure " + std::to_string(i) + "\"\n";
  }
  Parsed hinted = ParseAll(std::make_unique<UnderstatingSource>(text));
  Parsed plain = ParseAll(StringSource(text));
  ASSERT_EQ(hinted.rows.size(), 20000u);
  EXPECT_EQ(hinted.rows, plain.rows);
  EXPECT_EQ(hinted.rows.back(), "20001:19999|Structure 19999");
}

TEST(CsvReaderTest, RandomInputParsesTheSameWhateverTheChunkSize) {
  // Every mix of quotes, separators, line ends and non-ASCII bytes parses
  // without crashing, identically however the bytes arrive (ParseText
  // checks the chunk sizes 1, 2 and 7 against the whole text).
  std::mt19937 rng(7);
  const char alphabet[] = {',', ';', '"', '"', '\n', '\r', 'a', 'b', ' ',
                           '\xE9', '\xC3', '\xA9', '\x81'};
  for (int i = 0; i < 300; ++i) {
    std::string text = "h1,h2,h3\n";
    int n = std::uniform_int_distribution<int>(0, 200)(rng);
    for (int k = 0; k < n; ++k) text += alphabet[rng() % sizeof(alphabet)];
    ParseText(text);
  }
}

// A million-row file generated on the fly: the reader never holds it whole
// (the source produces it as it is read).
class GeneratedSource : public ByteSource {
 public:
  explicit GeneratedSource(int rows) : rows_(rows) {
    pending_ = "siret;name;description\n";
  }
  absl::StatusOr<size_t> Read(char* buffer, size_t capacity) override {
    while (pending_.size() - offset_ < capacity && next_ < rows_) {
      pending_.erase(0, offset_);
      offset_ = 0;
      std::string n = std::to_string(next_++);
      pending_ += n + ";\"Structure " + n + "\";\"ligne 1\nligne \"\"2\"\"\"\n";
    }
    size_t k = std::min(capacity, pending_.size() - offset_);
    std::memcpy(buffer, pending_.data() + offset_, k);
    offset_ += k;
    return k;
  }
  const std::string& name() const override { return name_; }

 private:
  int rows_;
  int next_ = 0;
  std::string pending_;
  size_t offset_ = 0;
  std::string name_ = "<generated>";
};

TEST(CsvReaderTest, StreamsAMillionRows) {
  constexpr int kRows = 1000000;
  auto reader = CsvReader::FromSource(std::make_unique<GeneratedSource>(kRows));
  ASSERT_TRUE(reader.ok());
  CsvRecord record;
  int n = 0;
  while ((*reader)->Next(&record)) {
    ASSERT_TRUE(record.ok()) << record.row_number << " " << record.error;
    // Each record spans two lines.
    ASSERT_EQ(record.row_number, 2 + 2 * int64_t{n});
    ASSERT_EQ(record.fields[0], std::to_string(n));
    ASSERT_EQ(record.fields[2], "ligne 1\nligne \"2\"");
    ++n;
  }
  EXPECT_TRUE((*reader)->status().ok());
  EXPECT_EQ(n, kRows);
}

}  // namespace
}  // namespace maillage::importer

#include "importer/mappings.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace maillage::importer {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const Mappings& Shipped() {
  static const Mappings* mappings = [] {
    auto loaded = Mappings::Load(MAILLAGE_REFERENCE_DIR);
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return loaded->release();
  }();
  return *mappings;
}

std::vector<std::string> Offers(const ActivityRule& rule) {
  std::vector<std::string> out;
  for (const OfferRule& o : rule.offers) {
    out.push_back(o.theme.empty() ? o.resource : o.resource + ":" + o.theme);
  }
  return out;
}

TEST(MappingsTest, ShippedFilesLoad) {
  const Mappings& m = Shipped();
  // Legal categories: longest prefix wins.
  ASSERT_NE(m.LegalCategory("9220"), nullptr);
  EXPECT_EQ(m.LegalCategory("9220")->kind, v1::ACTOR_KIND_ASSOCIATION);
  EXPECT_EQ(m.LegalCategory("9300")->subtype, v1::ACTOR_SUBTYPE_FOUNDATION);
  EXPECT_EQ(m.LegalCategory("9221")->subtype,
            v1::ACTOR_SUBTYPE_INSERTION_STRUCTURE);
  EXPECT_EQ(m.LegalCategory("5458")->subtype, v1::ACTOR_SUBTYPE_COOPERATIVE);
  EXPECT_EQ(m.LegalCategory("5710")->kind, v1::ACTOR_KIND_COMPANY);
  EXPECT_EQ(m.LegalCategory("5710")->subtype, v1::ACTOR_SUBTYPE_UNSPECIFIED);
  EXPECT_EQ(m.LegalCategory("7210")->subtype,
            v1::ACTOR_SUBTYPE_LOCAL_AUTHORITY);
  EXPECT_EQ(m.LegalCategory("7383")->kind, v1::ACTOR_KIND_ACADEMIC);
  EXPECT_EQ(m.LegalCategory("8210")->subtype, v1::ACTOR_SUBTYPE_MUTUAL_INSURER);
  EXPECT_TRUE(m.LegalCategory("1000")->skip);
  EXPECT_TRUE(m.LegalCategory(uint16_t{9110})->skip);
  EXPECT_EQ(m.LegalCategory("92"), nullptr);  // not a 4-digit code
  // NAF.
  ASSERT_NE(m.Naf("88.99B"), nullptr);
  EXPECT_THAT(m.Naf("88.99B")->themes,
              ElementsAre("poverty_precarity", "citizenship_social_ties"));
  EXPECT_EQ(m.Naf("8899B"), m.Naf("88.99B"));
  EXPECT_THAT(m.Naf("38.32Z")->themes, ElementsAre("circular_economy"));
  EXPECT_THAT(Offers(*m.Naf("62.01Z")),
              ElementsAre("skills:digital_inclusion"));
  EXPECT_EQ(m.Naf("60.20A")->kind, v1::ACTOR_KIND_MEDIA);
  EXPECT_EQ(m.Naf("94.99Z")->kind, v1::ACTOR_KIND_ASSOCIATION);
  EXPECT_EQ(m.Naf("12.00Z"), nullptr);  // tobacco: no rule
  EXPECT_EQ(m.Naf("88.9"), nullptr);    // not a full code
  // RNA purposes.
  EXPECT_THAT(m.Purpose("011018")->themes, ElementsAre("sport", "disability"));
  EXPECT_THAT(m.Purpose("011075")->themes, ElementsAre("sport"));
  EXPECT_EQ(m.Purpose("050000"), nullptr);
  // Head counts, kind words, vocabulary names.
  EXPECT_EQ(m.HeadCount("NN"), v1::SIZE_BAND_NONE);
  EXPECT_EQ(m.HeadCount("12"), v1::SIZE_BAND_SMALL);
  EXPECT_EQ(m.HeadCount("53"), v1::SIZE_BAND_VERY_LARGE);
  EXPECT_FALSE(m.HeadCount("99").has_value());
  EXPECT_EQ(m.Kind("COLLECTIVITÉ")->kind, v1::ACTOR_KIND_PUBLIC_BODY);
  EXPECT_EQ(m.Kind("collectivite")->subtype, v1::ACTOR_SUBTYPE_LOCAL_AUTHORITY);
  EXPECT_EQ(m.Kind("Entreprise")->kind, v1::ACTOR_KIND_COMPANY);
  EXPECT_EQ(m.Kind("ACTOR_KIND_MEDIA")->kind, v1::ACTOR_KIND_MEDIA);
  EXPECT_EQ(m.Kind("public_body")->kind, v1::ACTOR_KIND_PUBLIC_BODY);
  EXPECT_FALSE(m.Kind("licorne").has_value());
  EXPECT_EQ(m.Theme("Inclusion numérique"), "digital_inclusion");
  EXPECT_EQ(m.Theme("digital inclusion"), "digital_inclusion");
  EXPECT_EQ(m.Theme("JEUNESSE"), "youth");
  EXPECT_EQ(m.Resource("Locaux"), "premises");
  EXPECT_FALSE(m.Theme("tricot").has_value());
}

// A copy of the shipped mapping files in a temporary folder, one of which a
// test spoils.
class MappingFiles {
 public:
  MappingFiles() {
    dir_ = std::filesystem::temp_directory_path() /
           ("maillage-mappings-" + std::to_string(::getpid()) + "-" +
            std::to_string(counter_++));
    std::filesystem::create_directories(dir_);
    for (const auto& entry : std::filesystem::directory_iterator(
             std::string(MAILLAGE_REFERENCE_DIR) + "/mappings")) {
      std::filesystem::copy_file(entry.path(), dir_ / entry.path().filename());
    }
  }
  ~MappingFiles() { std::filesystem::remove_all(dir_); }

  // Appends `line` to `file`; returns its line number.
  int Append(const std::string& file, const std::string& line) {
    std::ifstream in(dir_ / file);
    std::string text((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
    int lines = static_cast<int>(std::count(text.begin(), text.end(), '\n'));
    std::ofstream(dir_ / file, std::ios::app) << line << "\n";
    return lines + 1;
  }
  void Replace(const std::string& file, const std::string& text) {
    std::ofstream(dir_ / file, std::ios::trunc) << text;
  }
  absl::Status Load() const {
    auto vocabulary = matcher::Vocabulary::LoadFromDir(
        std::string(MAILLAGE_REFERENCE_DIR) + "/vocab");
    EXPECT_TRUE(vocabulary.ok());
    return Mappings::LoadFrom(dir_.string(), *vocabulary).status();
  }
  std::string path(const std::string& file) const {
    return (dir_ / file).string();
  }

 private:
  static inline int counter_ = 0;
  std::filesystem::path dir_;
};

TEST(MappingsTest, BadLinesAreReportedWithFileAndLine) {
  struct Case {
    std::string file;
    std::string line;
    std::string error;
  };
  const Case cases[] = {
      {"naf.tsv", "88.99C\tsocail_action\t\t\ttypo",
       "unknown theme \"socail_action\""},
      {"naf.tsv", "86.10Z\thealth\tcare:health\t\t",
       "unknown resource \"care\""},
      {"naf.tsv", "86.10Z\thealth\tservices:healthy\t\t",
       "unknown theme \"healthy\""},
      {"naf.tsv", "86.10Z\thealth\t\tcharity\t", "unknown kind \"charity\""},
      {"naf.tsv", "8x\thealth\t\t\t", "invalid NAF prefix \"8x\""},
      {"naf.tsv", "88.99B\thealth\t\t\tagain", "duplicate code \"88.99B\""},
      {"naf.tsv", "86\thealth\t\t\tlabel\textra", "expected at most 5"},
      {"legal_categories.tsv", "9301\tassociation\tcooperative\tx",
       "subtype \"cooperative\" does not apply to kind ACTOR_KIND_ASSOCIATION"},
      {"legal_categories.tsv", "9302\tassociation\tguild\tx",
       "unknown subtype \"guild\""},
      {"legal_categories.tsv", "93021\tassociation\t\tx",
       "invalid legal category prefix"},
      {"legal_categories.tsv", "9303\tskip\t\t", "a skip rule needs a label"},
      {"rna_purposes.tsv", "011999\tsports\t\tx", "unknown theme \"sports\""},
      {"head_counts.tsv", "99\thuge\tx", "unknown size band \"huge\""},
      {"kind_words.tsv", "Fondation\tassociation\tfoundation",
       "duplicate or empty word"},
  };
  for (const Case& c : cases) {
    MappingFiles files;
    int line = files.Append(c.file, c.line);
    absl::Status status = files.Load();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.line;
    EXPECT_THAT(std::string(status.message()),
                HasSubstr(files.path(c.file) + ":" + std::to_string(line) +
                          ": " + c.error))
        << c.line;
  }
}

TEST(MappingsTest, HeaderAndMissingFiles) {
  {
    MappingFiles files;
    files.Replace("head_counts.tsv", "# comment\ncode\tband\tlabel\n");
    EXPECT_THAT(std::string(files.Load().message()),
                HasSubstr("head_counts.tsv:2: expected the header line "
                          "\"code<TAB>size_band<TAB>label\""));
  }
  {
    MappingFiles files;
    std::filesystem::remove(files.path("naf.tsv"));
    EXPECT_EQ(files.Load().code(), absl::StatusCode::kNotFound);
  }
  EXPECT_EQ(Mappings::Load("/nonexistent").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(MappingsTest, NormalizeNaf) {
  EXPECT_EQ(NormalizeNaf("88.99B"), "8899B");
  EXPECT_EQ(NormalizeNaf(" 88.99b "), "8899B");
  EXPECT_FALSE(NormalizeNaf("85.3K").has_value());  // NAF rev. 1
  EXPECT_FALSE(NormalizeNaf("").has_value());
}

}  // namespace
}  // namespace maillage::importer

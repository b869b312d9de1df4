#include "matcher/vocabulary.h"

#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace maillage::matcher {
namespace {

using ::testing::HasSubstr;

constexpr char kVocabDir[] = MAILLAGE_REFERENCE_DIR "/vocab";

constexpr char kThemes[] =
    "# comment\n"
    "\n"
    "youth\tJeunesse\tYouth\r\n"
    "digital_inclusion\tInclusion numérique\tDigital inclusion\n";
constexpr char kResources[] =
    "funding\tFinancement\tFunding\tmecenat\tfinancial\n"
    "services\tPrestations\tServices\tresponsible_practices\t"
    "responsible_purchasing";

absl::StatusOr<Vocabulary> ParseBoth(const std::string& themes,
                                     const std::string& resources) {
  return Vocabulary::Parse(themes, resources, "themes.tsv", "resources.tsv");
}

TEST(VocabularyTest, LoadsTheReferenceFiles) {
  absl::StatusOr<Vocabulary> vocabulary = Vocabulary::LoadFromDir(kVocabDir);
  ASSERT_TRUE(vocabulary.ok()) << vocabulary.status();
  EXPECT_EQ(vocabulary->theme_count(), 22u);
  EXPECT_EQ(vocabulary->resource_count(), 14u);

  std::optional<uint8_t> digital = vocabulary->Theme("digital_inclusion");
  ASSERT_TRUE(digital.has_value());
  EXPECT_EQ(vocabulary->ThemeCode(*digital), "digital_inclusion");
  EXPECT_EQ(vocabulary->ThemeLabel(*digital), "Inclusion numérique");
  EXPECT_EQ(vocabulary->ThemeLabelEn(*digital), "Digital inclusion");
  EXPECT_EQ(vocabulary->Theme("employment_insertion"), uint8_t{0});

  std::optional<uint8_t> skills = vocabulary->Resource("skills");
  ASSERT_TRUE(skills.has_value());
  EXPECT_EQ(vocabulary->ResourceCategory(*skills), Category::kMecenat);
  EXPECT_EQ(vocabulary->ResourceModality(*skills), Modality::kSkills);
  std::optional<uint8_t> services = vocabulary->Resource("services");
  ASSERT_TRUE(services.has_value());
  EXPECT_EQ(vocabulary->ResourceCategory(*services),
            Category::kResponsiblePractices);
  EXPECT_EQ(vocabulary->ResourceModality(*services),
            Modality::kResponsiblePurchasing);
  EXPECT_EQ(vocabulary->ResourceCode(*services), "services");

  EXPECT_FALSE(vocabulary->Theme("gardening").has_value());
  EXPECT_FALSE(vocabulary->Resource("").has_value());
}

TEST(VocabularyTest, ParsesCommentsBlankLinesAndCrLf) {
  absl::StatusOr<Vocabulary> vocabulary = ParseBoth(kThemes, kResources);
  ASSERT_TRUE(vocabulary.ok()) << vocabulary.status();
  EXPECT_EQ(vocabulary->theme_count(), 2u);
  EXPECT_EQ(vocabulary->ThemeLabelEn(0), "Youth");
  EXPECT_EQ(vocabulary->Theme("digital_inclusion"), uint8_t{1});
  EXPECT_EQ(vocabulary->resource_count(), 2u);
  EXPECT_EQ(vocabulary->ResourceLabel(1), "Prestations");
}

TEST(VocabularyTest, RejectsBadLinesWithFileAndLine) {
  struct Case {
    std::string themes;
    std::string resources;
    std::string error;
  };
  const Case cases[] = {
      {"# c\nyouth\tJeunesse\n", kResources,
       "themes.tsv:2: expected 3 tab-separated fields, got 2"},
      {"Youth\tJeunesse\tYouth\n", kResources, "themes.tsv:1: invalid code"},
      {"youth\tJeunesse\tYouth\nyouth\tJ\tY\n", kResources,
       "themes.tsv:2: duplicate code \"youth\""},
      {"youth\t\tYouth\n", kResources, "themes.tsv:1: empty label"},
      {kThemes, "funding\tF\tF\tgift\tfinancial\n",
       "resources.tsv:1: unknown category \"gift\""},
      {kThemes, "funding\tF\tF\tmecenat\tcash\n",
       "resources.tsv:1: unknown modality \"cash\""},
      {kThemes, "funding\tF\tF\tmecenat\n",
       "resources.tsv:1: expected 5 tab-separated fields, got 4"},
      {"# nothing\n", kResources, "themes.tsv: no theme"},
      {kThemes, "", "resources.tsv: no resource"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<Vocabulary> vocabulary = ParseBoth(c.themes, c.resources);
    ASSERT_FALSE(vocabulary.ok()) << c.error;
    EXPECT_EQ(vocabulary.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(vocabulary.status().message()), HasSubstr(c.error));
  }
}

TEST(VocabularyTest, EnforcesLimits) {
  std::string themes;
  for (int i = 0; i < 65; ++i) {
    themes += "t" + std::to_string(i) + "\tT\tT\n";
  }
  absl::StatusOr<Vocabulary> vocabulary = ParseBoth(themes, kResources);
  ASSERT_FALSE(vocabulary.ok());
  EXPECT_THAT(std::string(vocabulary.status().message()),
              HasSubstr("themes.tsv:65: more than 64 entries"));

  std::string resources;
  for (int i = 0; i < 33; ++i) {
    resources += "r" + std::to_string(i) + "\tR\tR\tmecenat\tfinancial\n";
  }
  vocabulary = ParseBoth(kThemes, resources);
  ASSERT_FALSE(vocabulary.ok());
  EXPECT_THAT(std::string(vocabulary.status().message()),
              HasSubstr("resources.tsv:33: more than 32 entries"));
}

TEST(VocabularyTest, LoadFromDirReportsPathAndMissingFiles) {
  const std::string dir = ::testing::TempDir();
  {
    std::ofstream(dir + "/themes.tsv") << "youth\tJeunesse\tYouth\nbad line\n";
    std::ofstream(dir + "/resources.tsv") << kResources;
  }
  absl::StatusOr<Vocabulary> vocabulary = Vocabulary::LoadFromDir(dir);
  ASSERT_FALSE(vocabulary.ok());
  EXPECT_THAT(std::string(vocabulary.status().message()),
              HasSubstr(dir + "/themes.tsv:2: expected 3"));

  vocabulary = Vocabulary::LoadFromDir(dir + "/does-not-exist");
  ASSERT_FALSE(vocabulary.ok());
  EXPECT_EQ(vocabulary.status().code(), absl::StatusCode::kNotFound);
}

TEST(VocabularyTest, CategoryAndModalityCodesRoundTrip) {
  for (Category category :
       {Category::kMecenat, Category::kResponsiblePractices,
        Category::kEconomicCooperation, Category::kSocietalInnovation}) {
    EXPECT_EQ(ParseCategory(CategoryCode(category)), category);
    EXPECT_FALSE(CategoryLabel(category).empty());
  }
  EXPECT_FALSE(ParseCategory("unspecified").has_value());
  for (int m = 1; m < kModalityCount; ++m) {
    auto modality = static_cast<Modality>(m);
    EXPECT_EQ(ParseModality(ModalityCode(modality)), modality);
  }
  EXPECT_EQ(ModalityLabel(Modality::kSkills), "mécénat de compétences");
}

}  // namespace
}  // namespace maillage::matcher

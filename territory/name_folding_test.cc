#include "territory/name_folding.h"

#include <string>

#include "gtest/gtest.h"
#include "territory/level.h"

namespace maillage::territory {
namespace {

TEST(FoldNameTest, StripsAccentsAndCase) {
  EXPECT_EQ(FoldName("Évry-Courcouronnes"), "evry courcouronnes");
  EXPECT_EQ(FoldName("Île-de-France"), "ile de france");
  EXPECT_EQ(FoldName("Provence-Alpes-Côte d'Azur"),
            "provence alpes cote d azur");
  EXPECT_EQ(FoldName("L'Haÿ-les-Roses"), "l hay les roses");
  EXPECT_EQ(FoldName("SAINT-MAUR-DES-FOSSÉS"), "saint maur des fosses");
  EXPECT_EQ(FoldName("Ça"), "ca");
}

TEST(FoldNameTest, SpellsLigatures) {
  EXPECT_EQ(FoldName("Cœuvres-et-Valsery"), "coeuvres et valsery");
  EXPECT_EQ(FoldName("ŒUF"), "oeuf");
  EXPECT_EQ(FoldName("Lætitia"), "laetitia");
  EXPECT_EQ(FoldName("Straße"), "strasse");
}

TEST(FoldNameTest, PunctuationBecomesSingleSpaces) {
  EXPECT_EQ(FoldName("  Saint -- Maur  "), "saint maur");
  EXPECT_EQ(FoldName("l’Île…d’Yeu"), "l ile d yeu");  // typographic quotes
  EXPECT_EQ(FoldName("a\tb\nc"), "a b c");
  EXPECT_EQ(FoldName("CC Faucigny - Glières"), "cc faucigny glieres");
  EXPECT_EQ(FoldName("Marseille 1er Arrondissement"),
            "marseille 1er arrondissement");
  EXPECT_EQ(FoldName("---"), "");
  EXPECT_EQ(FoldName(""), "");
}

TEST(FoldNameTest, CompatibilityForms) {
  EXPECT_EQ(FoldName("ﬁnistère"), "finistere");  // U+FB01 ligature
  EXPECT_EQ(FoldName("ＰＡＲＩＳ"), "paris");    // full width
}

TEST(FoldNameTest, InvalidUtf8IsSkipped) {
  EXPECT_EQ(FoldName("Orl\xe9"
                     "ans"),
            "orlans");  // Latin-1 é
  EXPECT_EQ(FoldName("\xff\xfe"), "");
  EXPECT_EQ(FoldName("abc\xe2\x82"), "abc");  // truncated sequence
  EXPECT_EQ(FoldName("\xc3"), "");
  EXPECT_EQ(FoldName("a\xed\xa0\x80z"), "az");  // encoded surrogate
  EXPECT_EQ(FoldName(std::string("a\0b", 3)), "a b");
}

TEST(LevelTest, NamesRoundTrip) {
  for (Level level : {Level::kCommune, Level::kEpci, Level::kEpt,
                      Level::kDepartement, Level::kRegion, Level::kCustom}) {
    EXPECT_EQ(ParseLevel(LevelName(level)), level);
  }
  EXPECT_EQ(LevelName(Level::kDepartement), "departement");
  EXPECT_EQ(ParseLevel("département"), Level::kDepartement);
  EXPECT_EQ(ParseLevel("Région"), Level::kRegion);
  EXPECT_EQ(ParseLevel("dep"), Level::kDepartement);
  EXPECT_EQ(ParseLevel("reg"), Level::kRegion);
  EXPECT_EQ(ParseLevel("EPCI"), Level::kEpci);
  EXPECT_EQ(ParseLevel("canton"), Level::kUnspecified);
  EXPECT_EQ(ParseLevel(""), Level::kUnspecified);
}

}  // namespace
}  // namespace maillage::territory

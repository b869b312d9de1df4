#include "matcher/fair_matching.h"

#include <map>
#include <random>

#include "gtest/gtest.h"
#include "matcher/test_util.h"

namespace maillage::matcher {
namespace {

using testing::Geography;
using testing::ProfileBuilder;

TEST(GiniTest, KnownValues) {
  EXPECT_DOUBLE_EQ(Gini({}), 0);
  EXPECT_DOUBLE_EQ(Gini({3, 3, 3}), 0);
  EXPECT_NEAR(Gini({0, 0, 0, 4}), 0.75, 1e-12);
  EXPECT_DOUBLE_EQ(Gini({0, 0}), 0);
}

// Twenty associations of one intercommunality all need funding; one big
// company is everyone's best match, four smaller ones are nearly as good.
class FairMatchingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    geo_ = Geography::Make(1, 1, 2, 10);
    auto home = geo_.Commune(0);
    index_.Upsert(ProfileBuilder("siret:big", Kind::kCompany, home)
                      .Themes({"youth"})
                      .Offer("funding", "youth")
                      .Offer("skills", "youth")
                      .Need("audience_access", "youth")
                      .Capacity(4));
    for (int i = 0; i < 4; ++i) {
      index_.Upsert(ProfileBuilder("siret:small" + std::to_string(i),
                                   Kind::kCompany, geo_.Commune(1 + i))
                        .Themes({"youth"})
                        .Offer("funding", "youth")
                        .Need("audience_access", "youth")
                        .Capacity(5));
    }
    for (int i = 0; i < 20; ++i) {
      auto num =
          index_.Upsert(ProfileBuilder("rna:W" + std::to_string(100000000 + i),
                                       Kind::kAssociation, geo_.Commune(i % 10))
                            .Themes({"youth"})
                            .Need("funding", "youth")
                            .Offer("audience_access", "youth")
                            .Capacity(2));
      associations_.push_back(num);
    }
  }

  Geography geo_;
  ActorIndex index_;
  MatchContext context_{testing::TestVocabulary()};
  std::vector<ActorNum> associations_;
};

TEST_F(FairMatchingTest, CapacitiesHoldAndExposureSpreads) {
  FairMatchingOptions options;
  options.per_actor = 1;
  options.candidates = 5;
  auto result = SuggestForActors(index_, context_, associations_, options);
  ASSERT_TRUE(result.ok()) << result.status();
  std::map<std::string, int> exposure;
  for (size_t i = 0; i < associations_.size(); ++i) {
    EXPECT_LE(result->proposals[i].size(), 1u);
    for (const auto& s : result->proposals[i]) ++exposure[s.partner_id];
  }
  // No partner above its capacity; every association served (24 slots).
  EXPECT_LE(exposure["siret:big"], 4);
  for (int i = 0; i < 4; ++i) {
    EXPECT_LE(exposure["siret:small" + std::to_string(i)], 5);
  }
  EXPECT_EQ(result->actors_without_partner, 0);
  // Independent top-1 lists pile onto the big company (the associations
  // that share a commune with a small one prefer it).
  EXPECT_GE(result->independent.max_exposure, 10);
  EXPECT_LT(result->fair.gini, result->independent.gini);
  EXPECT_LE(result->fair.max_exposure, 5);
}

TEST_F(FairMatchingTest, RejectsBadOptions) {
  FairMatchingOptions options;
  options.per_actor = 0;
  EXPECT_FALSE(SuggestForActors(index_, context_, associations_, options).ok());
  options.per_actor = 3;
  options.candidates = 2;
  EXPECT_FALSE(SuggestForActors(index_, context_, associations_, options).ok());
}

}  // namespace
}  // namespace maillage::matcher

#include "core/weight_book.h"

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"

namespace maillage::core::internal {
namespace {

std::vector<std::string> Ids(int from, int to) {
  std::vector<std::string> ids;
  for (int i = from; i < to; ++i) ids.push_back("rna:W94" + std::to_string(i));
  return ids;
}

std::set<std::string> Kept(const std::vector<std::string>& ids, size_t max) {
  std::vector<std::string_view> views(ids.begin(), ids.end());
  std::vector<size_t> kept = LowestHashing(views, max);
  EXPECT_TRUE(std::is_sorted(kept.begin(), kept.end()));
  std::set<std::string> out;
  for (size_t i : kept) out.insert(ids.at(i));
  EXPECT_EQ(out.size(), kept.size());  // no position twice
  return out;
}

TEST(LowestHashingTest, KeepsEverythingUnderTheBound) {
  EXPECT_EQ(Kept(Ids(0, 10), 0).size(), 10u);
  EXPECT_EQ(Kept(Ids(0, 10), 10).size(), 10u);
  EXPECT_EQ(Kept(Ids(0, 10), 50).size(), 10u);
  EXPECT_TRUE(Kept({}, 3).empty());
}

// Adding askers only replaces kept ones by added ones: the training set of
// successive rounds changes little as outcomes accumulate.
TEST(LowestHashingTest, IsAStableSampleAsIdsAreAdded) {
  const std::vector<std::string> before = Ids(0, 1000);
  std::vector<std::string> after = before;
  for (const std::string& id : Ids(1000, 1500)) after.push_back(id);
  std::reverse(after.begin(), after.end());  // order does not matter
  const std::set<std::string> kept_before = Kept(before, 100);
  const std::set<std::string> kept_after = Kept(after, 100);
  ASSERT_EQ(kept_before.size(), 100u);
  ASSERT_EQ(kept_after.size(), 100u);
  const std::set<std::string> old_ids(before.begin(), before.end());
  int replaced = 0;
  for (const std::string& id : kept_after) {
    if (old_ids.count(id) == 0) continue;  // an added id
    EXPECT_EQ(kept_before.count(id), 1u) << id;
  }
  for (const std::string& id : kept_before) {
    if (kept_after.count(id) == 0) ++replaced;
  }
  // A third of the ids are new: about a third of the sample is replaced.
  EXPECT_GT(replaced, 10);
  EXPECT_LT(replaced, 60);
}

TEST(RelearnDueTest, ANeverLearnedWorkspaceIsDueAtAnyChange) {
  EXPECT_TRUE(RelearnDue(1, std::nullopt, 0.05));
  EXPECT_FALSE(RelearnDue(0, std::nullopt, 0.05));
}

TEST(RelearnDueTest, ALearnedWorkspaceWaitsForItsShareOfGrowth) {
  // 5% of the 2,000 pairs of the last round: 100 changes.
  EXPECT_FALSE(RelearnDue(99, 2000, 0.05));
  EXPECT_TRUE(RelearnDue(100, 2000, 0.05));
  // A last round with no pair (outcomes since withdrawn): any change.
  EXPECT_TRUE(RelearnDue(1, 0, 0.05));
  EXPECT_FALSE(RelearnDue(0, 0, 0.05));
  // 0: after any change.
  EXPECT_TRUE(RelearnDue(1, 2000, 0));
}

}  // namespace
}  // namespace maillage::core::internal

#include "matcher/stable_vector.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace maillage::matcher::internal {
namespace {

using Strings = StableVector<std::string>;

TEST(StableVectorTest, ElementsKeepTheirAddressWhileItGrows) {
  Strings v;
  v.push_back("first");
  const std::string* first = &v[0];
  const char* first_chars = v[0].data();
  for (size_t i = 1; i < 3 * Strings::kChunkSize + 7; ++i) {
    v.push_back(std::to_string(i));
  }
  EXPECT_EQ(&v[0], first);
  EXPECT_EQ(v[0].data(), first_chars);
  EXPECT_EQ(v[0], "first");
  ASSERT_EQ(v.size(), 3 * Strings::kChunkSize + 7);
  EXPECT_EQ(v.capacity(), 4 * Strings::kChunkSize);
  for (size_t i = 1; i < v.size(); ++i) ASSERT_EQ(v[i], std::to_string(i));
  EXPECT_EQ(v.back(), std::to_string(v.size() - 1));
}

TEST(StableVectorTest, ResizeGrowsWithDefaultsAndShrinksWithResets) {
  Strings v;
  v.resize(Strings::kChunkSize + 1);
  EXPECT_EQ(v.size(), Strings::kChunkSize + 1);
  EXPECT_TRUE(v[Strings::kChunkSize].empty());
  v[Strings::kChunkSize] = "last";
  v[3] = "three";
  v.resize(4);
  EXPECT_EQ(v.size(), 4u);
  EXPECT_EQ(v[3], "three");
  // What was past the new size is reset: growing again shows defaults.
  v.resize(Strings::kChunkSize + 1);
  EXPECT_TRUE(v[Strings::kChunkSize].empty());
  v.emplace_back();
  EXPECT_EQ(v.size(), Strings::kChunkSize + 2);
  EXPECT_TRUE(v.back().empty());
}

TEST(StableVectorTest, AssignMovesTheValuesIn) {
  std::vector<std::string> values;
  for (size_t i = 0; i < Strings::kChunkSize + 2; ++i) {
    values.push_back("value " + std::to_string(i));
  }
  Strings v;
  v.push_back("replaced");
  v.Assign(std::move(values));
  EXPECT_TRUE(values.empty());  // NOLINT(bugprone-use-after-move): cleared
  ASSERT_EQ(v.size(), Strings::kChunkSize + 2);
  EXPECT_EQ(v[0], "value 0");
  EXPECT_EQ(v.back(), "value " + std::to_string(Strings::kChunkSize + 1));
  v.clear();
  EXPECT_TRUE(v.empty());
  EXPECT_EQ(v.capacity(), 0u);
}

TEST(StableVectorTest, AMovedFromVectorIsEmpty) {
  Strings v;
  v.push_back("kept");
  const std::string* kept = &v[0];
  Strings w(std::move(v));
  EXPECT_EQ(&w[0], kept);
  EXPECT_TRUE(v.empty());  // NOLINT(bugprone-use-after-move): defined empty
  EXPECT_EQ(v.capacity(), 0u);
  Strings x;
  x = std::move(w);
  EXPECT_EQ(&x[0], kept);
  EXPECT_TRUE(w.empty());  // NOLINT(bugprone-use-after-move): defined empty
}

}  // namespace
}  // namespace maillage::matcher::internal

#include "storage/suggestion_merge.h"

#include <memory>
#include <string>
#include <vector>

#include "base/etag.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "storage/keys.h"
#include "storage/store.h"
#include "tests/support/temp_dir.h"

namespace maillage::storage {
namespace {

using google::protobuf::util::TimeUtil;

v1::Suggestion StoredSuggestion() {
  v1::Suggestion s;
  s.set_id("sg-1");
  s.set_actor_id("rna:W1");
  s.set_partner_id("siret:2");
  s.set_score(0.75);
  s.set_explanation("Ils agissent sur les mêmes thèmes.");
  s.set_state(v1::SUGGESTION_STATE_KEPT);
  s.set_times_shown(4);
  s.set_requested_by("key:first");
  *s.mutable_last_shown() = TimeUtil::SecondsToTimestamp(1000);
  s.set_etag("0123456789abcdef");
  return s;
}

SuggestionShown Shown(int times, int64_t seconds, const std::string& caller) {
  SuggestionShown shown;
  shown.set_times(times);
  *shown.mutable_last_shown() = TimeUtil::SecondsToTimestamp(seconds);
  shown.set_requested_by(caller);
  shown.set_requested_by_name("Name of " + caller);
  shown.set_requested_by_note("note of " + caller);
  shown.mutable_territory()->set_level(v1::TERRITORY_LEVEL_COMMUNE);
  shown.mutable_territory()->set_code("79191");
  return shown;
}

TEST(SuggestionMergeTest, ApplyChangesOnlyTheCountersAndTheLastCaller) {
  v1::Suggestion s = StoredSuggestion();
  ApplyShown(Shown(3, 2000, "key:b"), &s);
  EXPECT_EQ(s.times_shown(), 7);
  EXPECT_EQ(s.requested_by(), "key:b");
  EXPECT_EQ(s.requested_by_name(), "Name of key:b");
  EXPECT_EQ(s.requested_by_note(), "note of key:b");
  EXPECT_EQ(s.territory().code(), "79191");
  EXPECT_EQ(TimeUtil::TimestampToSeconds(s.last_shown()), 2000);
  EXPECT_EQ(TimeUtil::TimestampToSeconds(s.update_time()), 2000);
  EXPECT_EQ(s.state(), v1::SUGGESTION_STATE_KEPT);
  EXPECT_EQ(s.score(), 0.75);
  // A new etag, the one a rewrite of the same record at that time gets.
  v1::Suggestion rewritten = s;
  rewritten.clear_etag();
  EXPECT_EQ(s.etag(), base::MakeEtag(rewritten.SerializeAsString(),
                                     2'000'000'000));
  EXPECT_NE(s.etag(), "0123456789abcdef");
}

TEST(SuggestionMergeTest, CombinedOperandsEqualBothAppliedInOrder) {
  v1::Suggestion one_by_one = StoredSuggestion();
  ApplyShown(Shown(2, 2000, "key:a"), &one_by_one);
  ApplyShown(Shown(5, 3000, "key:b"), &one_by_one);

  SuggestionShown combined = Shown(2, 2000, "key:a");
  CombineShown(Shown(5, 3000, "key:b"), &combined);
  v1::Suggestion at_once = StoredSuggestion();
  ApplyShown(combined, &at_once);
  EXPECT_EQ(at_once.SerializeAsString(), one_by_one.SerializeAsString());
  EXPECT_EQ(at_once.times_shown(), 11);
}

class SuggestionMergeStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void Open() {
    store_.reset();
    Store::Options options;
    options.path = dir_.path();
    auto store = Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }
  void PutRecord(const v1::Suggestion& s) {
    WriteBatch batch;
    batch.PutMessage(Family::kSuggestions, s.id(), s);
    ASSERT_TRUE(store_->Write(batch).ok());
  }
  void MergeShown(const std::string& key, const SuggestionShown& shown) {
    WriteBatch batch;
    batch.Merge(Family::kSuggestions, key, shown.SerializeAsString());
    ASSERT_TRUE(store_->Write(batch, /*sync=*/false).ok());
  }
  v1::Suggestion Read(const std::string& key) {
    v1::Suggestion s;
    auto found = store_->GetMessage(Family::kSuggestions, key, &s);
    EXPECT_TRUE(found.ok()) << found.status();
    EXPECT_TRUE(found.ok() && *found);
    return s;
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(SuggestionMergeStoreTest, EveryReadSeesTheFoldedRecord) {
  v1::Suggestion expected = StoredSuggestion();
  PutRecord(expected);
  // Many more operands than the lifecycle ever leaves over one record.
  for (int i = 1; i <= 100; ++i) {
    const SuggestionShown shown = Shown(1, 1000 + i, "key:" + std::to_string(i));
    MergeShown("sg-1", shown);
    ApplyShown(shown, &expected);
  }
  EXPECT_EQ(Read("sg-1").SerializeAsString(), expected.SerializeAsString());
  EXPECT_EQ(expected.times_shown(), 104);

  const std::vector<std::string> keys = {"sg-0", "sg-1"};
  auto many = store_->MultiGet(Family::kSuggestions, keys);
  ASSERT_TRUE(many.ok());
  ASSERT_TRUE((*many)[1].has_value());
  EXPECT_EQ(*(*many)[1], expected.SerializeAsString());

  int scanned = 0;
  ASSERT_TRUE(store_
                  ->Scan(Family::kSuggestions, "", "",
                         [&](std::string_view key, std::string_view value) {
                           ++scanned;
                           EXPECT_EQ(key, "sg-1");
                           EXPECT_EQ(value, expected.SerializeAsString());
                           return true;
                         })
                  .ok());
  EXPECT_EQ(scanned, 1);
}

TEST_F(SuggestionMergeStoreTest, FoldSurvivesFlushCompactionAndReopen) {
  v1::Suggestion expected = StoredSuggestion();
  PutRecord(expected);
  for (int i = 1; i <= 10; ++i) {
    const SuggestionShown shown = Shown(2, 5000 + i, "key:c");
    MergeShown("sg-1", shown);
    ApplyShown(shown, &expected);
  }
  // Flushes and compacts every table of the family to the last level.
  ASSERT_TRUE(store_->ErasePhysically({Family::kSuggestions}).ok());
  EXPECT_EQ(Read("sg-1").SerializeAsString(), expected.SerializeAsString());
  const SuggestionShown after = Shown(1, 9000, "key:d");
  MergeShown("sg-1", after);
  ApplyShown(after, &expected);
  Open();  // the last operand comes back from the write-ahead log
  EXPECT_EQ(Read("sg-1").SerializeAsString(), expected.SerializeAsString());
  EXPECT_EQ(expected.times_shown(), 25);
}

TEST_F(SuggestionMergeStoreTest, ARewriteOrADeleteHidesEarlierOperands) {
  PutRecord(StoredSuggestion());
  MergeShown("sg-1", Shown(3, 2000, "key:a"));
  v1::Suggestion rewritten = StoredSuggestion();
  rewritten.set_state(v1::SUGGESTION_STATE_DISMISSED);
  PutRecord(rewritten);
  EXPECT_EQ(Read("sg-1").SerializeAsString(), rewritten.SerializeAsString());

  MergeShown("sg-1", Shown(1, 3000, "key:b"));
  WriteBatch del;
  del.Delete(Family::kSuggestions, "sg-1");
  ASSERT_TRUE(store_->Write(del).ok());
  auto absent = store_->Get(Family::kSuggestions, "sg-1");
  ASSERT_TRUE(absent.ok()) << absent.status();
  EXPECT_FALSE(absent->has_value());
}

TEST_F(SuggestionMergeStoreTest, AnOperandWithoutItsRecordIsAnErrorNotARecord) {
  MergeShown("sg-9", Shown(1, 2000, "key:a"));
  auto read = store_->Get(Family::kSuggestions, "sg-9");
  EXPECT_FALSE(read.ok());
}

// A store of schema 2 (before merge operands) opens as schema 3 with its
// records untouched; a build of schema 2 refuses a store of schema 3.
TEST(SuggestionMergeSchemaTest, SchemaTwoStoreOpensAsThree) {
  testing::TempDir dir;
  Store::Options options;
  options.path = dir.path();
  {
    auto store = Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    WriteBatch batch;
    batch.Put(Family::kMeta, keys::kSchemaVersion, "2");
    batch.PutMessage(Family::kSuggestions, "sg-1", StoredSuggestion());
    ASSERT_TRUE((*store)->Write(batch).ok());
  }
  auto store = Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  auto version = (*store)->Get(Family::kMeta, keys::kSchemaVersion);
  ASSERT_TRUE(version.ok() && version->has_value());
  EXPECT_EQ(**version, "3");
  v1::Suggestion read;
  auto found = (*store)->GetMessage(Family::kSuggestions, "sg-1", &read);
  ASSERT_TRUE(found.ok() && *found);
  EXPECT_EQ(read.SerializeAsString(), StoredSuggestion().SerializeAsString());
}

}  // namespace
}  // namespace maillage::storage

#include "core/audit_log.h"

#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "maillage/v1/actor.pb.h"
#include "maillage/v1/lifecycle.pb.h"
#include "tests/support/temp_dir.h"

namespace maillage::core {
namespace {

using google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::unique_ptr<storage::Store> OpenStore(const std::string& path) {
  storage::Store::Options options;
  options.path = path;
  options.sync_writes = false;
  auto store = storage::Store::Open(options);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? std::move(*store) : nullptr;
}

std::unique_ptr<AuditLog> OpenLog(storage::Store* store,
                                  AuditLog::Options options = {}) {
  auto log = AuditLog::Open(store, std::move(options));
  EXPECT_TRUE(log.ok()) << log.status();
  return log.ok() ? std::move(*log) : nullptr;
}

v1::AuditEntry Entry(std::string principal, std::string method,
                     std::string outcome, std::vector<std::string> targets,
                     absl::Time time = absl::Now()) {
  v1::AuditEntry entry;
  entry.set_principal_id(std::move(principal));
  entry.set_workspace("default");
  entry.set_role("admin");
  entry.set_method(std::move(method));
  entry.set_outcome(std::move(outcome));
  for (auto& t : targets) entry.add_target_ids(std::move(t));
  entry.set_target_count(entry.target_ids_size());
  *entry.mutable_time() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(time));
  return entry;
}

std::vector<std::string> Methods(const v1::ListAuditEntriesResponse& r) {
  std::vector<std::string> out;
  for (const auto& e : r.entries()) out.push_back(e.method());
  return out;
}

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenStore(dir_.Sub("db"));
    ASSERT_NE(store_, nullptr);
    log_ = OpenLog(store_.get());
    ASSERT_NE(log_, nullptr);
  }

  v1::ListAuditEntriesResponse MustList(
      const v1::ListAuditEntriesRequest& request) {
    auto listed = log_->List(request);
    EXPECT_TRUE(listed.ok()) << listed.status();
    return listed.ok() ? *listed : v1::ListAuditEntriesResponse();
  }

  testing::TempDir dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<AuditLog> log_;
};

TEST_F(AuditLogTest, RecordsAndListsOldestFirst) {
  log_->Record(Entry("key:a", "CreateActor", "OK", {"ext:x:1"}), true);
  log_->Record(Entry("key:b", "GetActor", "PERMISSION_DENIED", {"ext:x:2"}));
  v1::AuditEntry untimed =
      Entry("anonymous", "DeleteActor", "UNAUTHENTICATED", {});
  untimed.clear_time();
  log_->Record(untimed);
  log_->Flush();
  v1::ListAuditEntriesResponse all = MustList({});
  EXPECT_THAT(Methods(all),
              ElementsAre("CreateActor", "GetActor", "DeleteActor"));
  EXPECT_EQ(all.entries(0).principal_id(), "key:a");
  EXPECT_THAT(all.entries(0).target_ids(), ElementsAre("ext:x:1"));
  EXPECT_EQ(all.entries(1).outcome(), "PERMISSION_DENIED");
  EXPECT_TRUE(all.entries(2).has_time());  // set by Record
  EXPECT_TRUE(all.next_page_token().empty());
}

TEST_F(AuditLogTest, FiltersByPrincipalActorMethodOutcomeAndPeriod) {
  absl::Time t0 = absl::Now() - absl::Hours(3);
  log_->Record(Entry("key:a", "CreateActor", "OK", {"ext:x:1"}, t0));
  log_->Record(
      Entry("key:b", "UpdateActor", "OK", {"ext:x:2"}, t0 + absl::Hours(1)));
  log_->Record(Entry("key:a", "DeleteActor", "PERMISSION_DENIED",
                     {"ext:x:2", "ext:x:3"}, t0 + absl::Hours(2)));
  log_->Flush();

  v1::ListAuditEntriesRequest request;
  request.set_principal_id("key:a");
  EXPECT_THAT(Methods(MustList(request)),
              ElementsAre("CreateActor", "DeleteActor"));

  request.Clear();
  request.set_actor_id("ext:x:2");
  EXPECT_THAT(Methods(MustList(request)),
              ElementsAre("UpdateActor", "DeleteActor"));

  request.Clear();
  request.set_method("UpdateActor");
  EXPECT_THAT(Methods(MustList(request)), ElementsAre("UpdateActor"));

  request.Clear();
  request.set_outcome("PERMISSION_DENIED");
  EXPECT_THAT(Methods(MustList(request)), ElementsAre("DeleteActor"));

  request.Clear();
  *request.mutable_start_time() = TimeUtil::MicrosecondsToTimestamp(
      absl::ToUnixMicros(t0 + absl::Minutes(30)));
  *request.mutable_end_time() = TimeUtil::MicrosecondsToTimestamp(
      absl::ToUnixMicros(t0 + absl::Hours(2)));  // exclusive
  EXPECT_THAT(Methods(MustList(request)), ElementsAre("UpdateActor"));
}

TEST_F(AuditLogTest, PagesWithTokensBoundToTheFilters) {
  for (int i = 0; i < 25; ++i) {
    log_->Record(Entry("key:a", absl::StrCat("M", i), "OK", {}));
  }
  log_->Flush();
  v1::ListAuditEntriesRequest request;
  request.set_page_size(10);
  std::vector<std::string> seen;
  int pages = 0;
  do {
    v1::ListAuditEntriesResponse page = MustList(request);
    for (const auto& e : page.entries()) seen.push_back(e.method());
    request.set_page_token(page.next_page_token());
    ++pages;
  } while (!request.page_token().empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(seen.size(), 25u);
  EXPECT_EQ(seen.front(), "M0");
  EXPECT_EQ(seen.back(), "M24");

  request.clear_page_token();
  std::string token = MustList(request).next_page_token();
  ASSERT_FALSE(token.empty());
  request.set_page_token(token);
  request.set_principal_id("key:b");  // other filters: refused
  EXPECT_EQ(log_->List(request).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(AuditLogTest, RefusesBadRequestsNamingTheFields) {
  v1::ListAuditEntriesRequest request;
  request.set_page_size(-1);
  request.set_outcome("NOPE");
  absl::Status s = log_->List(request).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("page_size"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("outcome"));

  request.Clear();
  *request.mutable_start_time() = TimeUtil::SecondsToTimestamp(2000);
  *request.mutable_end_time() = TimeUtil::SecondsToTimestamp(1000);
  s = log_->List(request).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("end_time"));
}

TEST_F(AuditLogTest, PurgeDeletesWhatRetentionNoLongerCovers) {
  absl::Time now = absl::Now();
  log_->Record(Entry("key:a", "Old", "OK", {}, now - absl::Hours(24 * 400)));
  log_->Record(Entry("key:a", "Recent", "OK", {}, now - absl::Hours(24 * 300)));
  log_->Record(Entry("key:a", "Now", "OK", {}, now));
  log_->Flush();
  bool done = false;
  auto purged = log_->Purge(now, 100, &done);  // default retention: 365 days
  ASSERT_TRUE(purged.ok()) << purged.status();
  EXPECT_EQ(*purged, 1);
  EXPECT_TRUE(done);
  EXPECT_THAT(Methods(MustList({})), ElementsAre("Recent", "Now"));
  purged = log_->Purge(now + absl::Hours(24 * 100), 100, &done);
  ASSERT_TRUE(purged.ok()) << purged.status();
  EXPECT_EQ(*purged, 1);
  EXPECT_THAT(Methods(MustList({})), ElementsAre("Now"));
}

TEST_F(AuditLogTest, PurgeGoesInBatchesOldestFirst) {
  absl::Time now = absl::Now();
  for (int i = 0; i < 5; ++i) {
    log_->Record(Entry("key:a", absl::StrCat("Old", i), "OK", {},
                       now - absl::Hours(24 * 400) + absl::Minutes(i)));
  }
  log_->Record(Entry("key:a", "Now", "OK", {}, now));
  log_->Flush();
  bool done = true;
  auto purged = log_->Purge(now, 2, &done);
  ASSERT_TRUE(purged.ok()) << purged.status();
  EXPECT_EQ(*purged, 2);
  EXPECT_FALSE(done);
  EXPECT_THAT(Methods(MustList({})),
              ElementsAre("Old2", "Old3", "Old4", "Now"));
  int64_t total = *purged;
  while (!done) {
    purged = log_->Purge(now, 2, &done);
    ASSERT_TRUE(purged.ok()) << purged.status();
    total += *purged;
  }
  EXPECT_EQ(total, 5);
  EXPECT_THAT(Methods(MustList({})), ElementsAre("Now"));
}

TEST_F(AuditLogTest, ZeroRetentionKeepsEverything) {
  log_.reset();
  AuditLog::Options options;
  options.retention = absl::ZeroDuration();
  log_ = OpenLog(store_.get(), options);
  ASSERT_NE(log_, nullptr);
  log_->Record(
      Entry("key:a", "Ancient", "OK", {}, absl::UnixEpoch() + absl::Hours(24)));
  log_->Flush();
  bool done = false;
  auto purged = log_->Purge(absl::Now(), 100, &done);
  ASSERT_TRUE(purged.ok()) << purged.status();
  EXPECT_EQ(*purged, 0);
  EXPECT_TRUE(done);
  EXPECT_THAT(Methods(MustList({})), ElementsAre("Ancient"));
}

TEST_F(AuditLogTest, AFullQueueDropsCountsAndLeavesANote) {
  log_.reset();
  AuditLog::Options options;
  options.max_queued = 5;
  options.flush_batch = 1000;
  options.flush_interval = absl::Hours(1);  // only Flush writes
  log_ = OpenLog(store_.get(), options);
  ASSERT_NE(log_, nullptr);
  for (int i = 0; i < 8; ++i) {
    log_->Record(Entry("anonymous", "GetActor", "UNAUTHENTICATED", {}));
  }
  EXPECT_EQ(log_->dropped(), 3u);
  log_->Flush();
  v1::ListAuditEntriesResponse all = MustList({});
  ASSERT_EQ(all.entries_size(), 6);
  const v1::AuditEntry& note = all.entries(5);
  EXPECT_EQ(note.method(), "AuditLog");
  EXPECT_EQ(note.outcome(), "RESOURCE_EXHAUSTED");
  EXPECT_THAT(note.note(), HasSubstr("3 audit entries dropped"));
  // Room again: nothing more is dropped.
  log_->Record(Entry("key:a", "GetActor", "OK", {}));
  log_->Flush();
  EXPECT_EQ(log_->dropped(), 3u);
  EXPECT_EQ(MustList({}).entries_size(), 7);
}

TEST_F(AuditLogTest, DestructionWritesTheQueueAndKeysGoOnAfterReopen) {
  absl::Time t = absl::Now();
  log_->Record(Entry("key:a", "First", "OK", {}, t));
  log_.reset();  // no Flush: the destructor writes
  log_ = OpenLog(store_.get());
  ASSERT_NE(log_, nullptr);
  log_->Record(Entry("key:a", "Second", "OK", {}, t));  // same microsecond
  log_->Flush();
  EXPECT_THAT(Methods(MustList({})), ElementsAre("First", "Second"));
}

// What recording costs the calling thread, and how fast the queue drains;
// printed for BENCHMARKS.md, never asserted.
TEST_F(AuditLogTest, ManyEntriesAreAllWrittenAndListable) {
  constexpr int kEntries = 50000;
  log_.reset();
  AuditLog::Options options;
  options.max_queued = kEntries;
  log_ = OpenLog(store_.get(), options);
  ASSERT_NE(log_, nullptr);
  v1::AuditEntry entry = Entry("key:0123456789abcdef", "UpdateActor", "OK",
                               {"siret:12345678900012"});
  entry.set_peer("ipv4:127.0.0.1:53210");
  entry.clear_time();
  absl::Time start = absl::Now();
  for (int i = 0; i < kEntries; ++i) log_->Record(entry);
  absl::Duration recording = absl::Now() - start;
  log_->Flush();
  absl::Duration total = absl::Now() - start;
  EXPECT_EQ(log_->dropped(), 0u);
  std::printf("recording: %.0f ns an entry; written: %.0f entries/s\n",
              absl::ToDoubleNanoseconds(recording) / kEntries,
              kEntries / absl::ToDoubleSeconds(total));
  v1::ListAuditEntriesRequest request;
  request.set_page_size(1000);
  request.set_method("UpdateActor");
  EXPECT_EQ(MustList(request).entries_size(), 1000);
}

TEST(AuditTargetsTest, FindsIdsAtTheTopAndOneLevelDown) {
  v1::AuditEntry entry;
  v1::GetActorRequest get;
  get.set_id("siret:12345678901234");
  SetAuditTargets(get, &entry);
  EXPECT_THAT(entry.target_ids(), ElementsAre("siret:12345678901234"));
  EXPECT_EQ(entry.target_count(), 1);

  entry.Clear();
  v1::UpdateActorRequest update;
  update.mutable_actor()->set_id("ext:lab:7");
  update.mutable_actor()->set_name("not an id");
  update.set_request_id("r-1");
  SetAuditTargets(update, &entry);
  EXPECT_THAT(entry.target_ids(), ElementsAre("ext:lab:7"));

  entry.Clear();
  v1::CreatePartnershipRequest partnership;
  partnership.mutable_partnership()->add_participants("ext:lab:1");
  partnership.mutable_partnership()->add_participants("ext:lab:2");
  SetAuditTargets(partnership, &entry);
  EXPECT_THAT(entry.target_ids(), ElementsAre("ext:lab:1", "ext:lab:2"));

  entry.Clear();
  v1::DeleteActorRequest long_id;
  long_id.set_id(std::string(5000, 'x'));
  long_id.set_request_id("r-2");
  SetAuditTargets(long_id, &entry);
  ASSERT_EQ(entry.target_ids_size(), 1);
  EXPECT_LT(entry.target_ids(0).size(), 300u);  // quoted and cut
  EXPECT_EQ(entry.request_id(), "r-2");

  entry.Clear();
  v1::ListActorsRequest list;
  list.set_theme("youth");
  SetAuditTargets(list, &entry);
  EXPECT_EQ(entry.target_ids_size(), 0);
  EXPECT_EQ(entry.target_count(), 0);
}

TEST(AuditTargetsTest, CapsTheListButCountsEveryId) {
  v1::BatchGetActorsRequest batch;
  for (int i = 0; i < 30; ++i) batch.add_ids(absl::StrCat("ext:lab:", i));
  batch.add_ids("ext:lab:0");  // repeated: listed once
  v1::AuditEntry entry;
  SetAuditTargets(batch, &entry);
  EXPECT_EQ(entry.target_ids_size(), AuditLog::kTargetsMax);
  EXPECT_EQ(entry.target_ids(0), "ext:lab:0");
  EXPECT_EQ(entry.target_count(), 31);
}

TEST(AuditTargetsTest, RequestsContactsWhenTheViewIsFull) {
  v1::GetActorRequest get;
  EXPECT_FALSE(RequestsContacts(get));
  get.set_view(v1::ACTOR_VIEW_BASIC);
  EXPECT_FALSE(RequestsContacts(get));
  get.set_view(v1::ACTOR_VIEW_FULL);
  EXPECT_TRUE(RequestsContacts(get));
  v1::ExportActorsRequest export_request;
  export_request.set_view(v1::ACTOR_VIEW_FULL);
  EXPECT_TRUE(RequestsContacts(export_request));
  EXPECT_FALSE(RequestsContacts(v1::DeleteActorRequest()));
}

}  // namespace
}  // namespace maillage::core

// Retention through the core on a real store: each kind of record is purged
// or pseudonymised once its period is over (an explicit `now` stands for
// the passing time), what the engine needs survives, batches are bounded, a
// full disk stops a sweep without losing anything, and the background
// thread sweeps at start and stops on demand.
#include "core/retention.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "auth/api_key.h"
#include "auth/principal.h"
#include "auth/pseudonym.h"
#include "core/maillage.h"
#include "core/testing/sample_actors.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "storage/keys.h"
#include "storage/store.h"
#include "tests/support/temp_dir.h"

namespace maillage::core {
namespace {

using testing::Association;
using testing::Company;
using ::testing::Contains;
using ::testing::ElementsAre;
using testing::kAssociation;
using testing::kCompany;
using ::testing::Not;

constexpr char kOtherCompany[] = "siret:22222222200022";
constexpr absl::Duration kDay = absl::Hours(24);

auth::Principal Animator() {
  auth::Principal p;
  p.id = "oidc:https://idp.example#marie";
  p.display_name = "marie.durand@lab.example";
  p.role = auth::Role::kAnimator;
  p.all_territories = true;
  p.workspace = "lab-94";
  return p;
}

// Records what the sweeper reports; WaitForSweep blocks until a sweep ended.
class RecordingReporter : public RetentionReporter {
 public:
  void Purged(RetentionRecord record, int64_t count) override {
    std::lock_guard lock(mu_);
    steps_.push_back({record, count});
  }
  void SweepEnded(absl::Time, absl::Duration,
                  const absl::Status& status) override {
    std::lock_guard lock(mu_);
    ended_.push_back(status);
    changed_.notify_all();
  }
  std::vector<absl::Status> WaitForSweep() {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return !ended_.empty(); });
    return ended_;
  }
  std::vector<std::pair<RetentionRecord, int64_t>> steps() {
    std::lock_guard lock(mu_);
    return steps_;
  }
  std::vector<absl::Status> ended() {
    std::lock_guard lock(mu_);
    return ended_;
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<std::pair<RetentionRecord, int64_t>> steps_;
  std::vector<absl::Status> ended_;
};

class RetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.data_dir = dir_.Sub("store");
    options_.reference_dir = MAILLAGE_REFERENCE_DIR;
    options_.sync_writes = false;
    options_.retention.interval = absl::ZeroDuration();  // Sweep by hand
    options_.retention_reporter = &reporter_;
    options_.disk_probe =
        [this](const std::string&) -> absl::StatusOr<uint64_t> {
      return free_bytes_.load();
    };
    Open();
    v1::Actor other = Company();
    other.set_id(kOtherCompany);
    other.set_name("Autre entreprise du Val");
    for (const v1::Actor& a : {Association(), Company(), other}) {
      v1::CreateActorRequest create;
      *create.mutable_actor() = a;
      ASSERT_TRUE(
          maillage_->actors().Create(create, auth::Principal::System()).ok());
    }
  }

  void Open() {
    maillage_.reset();
    auto opened = Maillage::Open(options_);
    ASSERT_TRUE(opened.ok()) << opened.status();
    maillage_ = std::move(*opened);
  }

  // Serves the association's partners; their suggestion ids by partner.
  std::map<std::string, std::string> Suggest(const std::string& note = "") {
    v1::SuggestPartnersRequest suggest;
    suggest.set_actor_id(kAssociation);
    suggest.set_requested_by(note);
    auto served = maillage_->matching().SuggestPartners(suggest, caller_);
    EXPECT_TRUE(served.ok()) << served.status();
    std::map<std::string, std::string> ids;
    if (served.ok()) {
      for (const auto& p : served->suggestions()) {
        ids[p.partner_id()] = p.suggestion_id();
      }
    }
    return ids;
  }

  absl::StatusOr<v1::Suggestion> Move(const std::string& id,
                                      v1::SuggestionState state,
                                      const std::string& reason = "",
                                      const std::string& note = "") {
    v1::UpdateSuggestionRequest move;
    move.set_id(id);
    move.set_state(state);
    move.set_reason(reason);
    move.set_performed_by(note);
    return maillage_->lifecycle().UpdateSuggestion(move, caller_);
  }

  absl::StatusOr<v1::Suggestion> Get(const std::string& id) {
    v1::GetSuggestionRequest get;
    get.set_id(id);
    return maillage_->lifecycle().GetSuggestion(get, caller_);
  }

  std::vector<std::string> ListedFor(const std::string& actor) {
    v1::ListSuggestionsRequest list;
    list.set_actor_id(actor);
    auto listed = maillage_->lifecycle().ListSuggestions(list, caller_);
    EXPECT_TRUE(listed.ok()) << listed.status();
    std::vector<std::string> ids;
    if (listed.ok()) {
      for (const auto& s : listed->suggestions()) ids.push_back(s.id());
    }
    return ids;
  }

  // Keys in a family of the store.
  int Count(storage::Family family) {
    int n = 0;
    EXPECT_TRUE(maillage_->store()
                    .Scan(family, "", "",
                          [&](std::string_view, std::string_view) {
                            ++n;
                            return true;
                          })
                    .ok());
    return n;
  }

  RetentionCounts MustSweep(absl::Time now) {
    auto swept = maillage_->retention().Sweep(now);
    EXPECT_TRUE(swept.ok()) << swept.status();
    return swept.ok() ? *swept : RetentionCounts();
  }

  maillage::testing::TempDir dir_;
  RecordingReporter reporter_;
  std::atomic<uint64_t> free_bytes_{uint64_t{1} << 40};
  Maillage::Options options_;
  std::unique_ptr<Maillage> maillage_;
  const auth::Principal caller_ = Animator();
};

TEST_F(RetentionTest, UntouchedSuggestionsGoOnceThePeriodIsOver) {
  auto ids = Suggest();
  ASSERT_EQ(ids.size(), 2u);
  const std::string untouched = ids[kCompany];
  const std::string kept = ids[kOtherCompany];
  ASSERT_TRUE(Move(kept, v1::SUGGESTION_STATE_KEPT).ok());
  const absl::Time now = absl::Now();

  EXPECT_EQ(MustSweep(now + 179 * kDay)[RetentionRecord::kSuggestion], 0);
  EXPECT_TRUE(Get(untouched).ok());

  RetentionCounts counts = MustSweep(now + 181 * kDay);
  EXPECT_EQ(counts[RetentionRecord::kSuggestion], 1);
  EXPECT_EQ(Get(untouched).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(Get(kept).ok());
  // Its by-actor index entries went with it.
  EXPECT_THAT(ListedFor(kAssociation), ElementsAre(kept));
  EXPECT_THAT(ListedFor(kCompany), ElementsAre());
  EXPECT_EQ(Count(storage::Family::kSuggestionsByActor), 2);

  // Served again, the pair is a new suggestion, indexed again.
  EXPECT_EQ(Suggest()[kCompany], untouched);
  EXPECT_THAT(ListedFor(kCompany), ElementsAre(untouched));
  EXPECT_EQ(MustSweep(now + 179 * kDay)[RetentionRecord::kSuggestion], 0);
}

TEST_F(RetentionTest, ClosedSuggestionsLoseTheirPeopleButNotTheirHistory) {
  auto ids = Suggest("Marie au tableau de bord");
  ASSERT_EQ(ids.size(), 2u);
  const std::string dismissed = ids[kCompany];
  const std::string open = ids[kOtherCompany];
  ASSERT_TRUE(Move(dismissed, v1::SUGGESTION_STATE_DISMISSED,
                   "M. Martin, le trésorier, n'en veut pas", "Marie D.")
                  .ok());
  ASSERT_TRUE(Move(open, v1::SUGGESTION_STATE_KEPT, "à voir", "Marie D.").ok());
  auto before = Get(dismissed);
  auto open_before = Get(open);
  ASSERT_TRUE(before.ok() && open_before.ok());
  const absl::Time now = absl::Now();

  EXPECT_EQ(
      MustSweep(now + 729 * kDay)[RetentionRecord::kLifecyclePersonalFields],
      0);
  RetentionCounts counts = MustSweep(now + 731 * kDay);
  EXPECT_EQ(counts[RetentionRecord::kLifecyclePersonalFields], 1);
  EXPECT_EQ(counts[RetentionRecord::kSuggestion], 0);  // the KEPT one stays

  auto after = Get(dismissed);
  ASSERT_TRUE(after.ok()) << after.status();
  auto secret = auth::LoadOrCreateDigestSecret(options_.data_dir +
                                               "/api-key-digest.secret");
  ASSERT_TRUE(secret.ok());
  const std::string pseudonym = auth::Pseudonym(*secret, caller_.id);
  EXPECT_EQ(after->requested_by(), pseudonym);
  EXPECT_EQ(after->requested_by_name(), "");
  EXPECT_EQ(after->requested_by_note(), "");
  EXPECT_EQ(after->dismiss_reason(), Lifecycle::kRetentionMarker);
  ASSERT_EQ(after->history_size(), 2);
  for (const auto& t : after->history()) {
    EXPECT_EQ(t.performed_by(), pseudonym);  // one principal, one pseudonym
    EXPECT_EQ(t.performed_by_name(), "");
    EXPECT_EQ(t.performed_by_note(), "");
  }
  EXPECT_EQ(after->history(0).reason(), "");
  EXPECT_EQ(after->history(1).reason(), Lifecycle::kRetentionMarker);
  // What the engine and the metrics use is untouched.
  EXPECT_EQ(after->state(), v1::SUGGESTION_STATE_DISMISSED);
  EXPECT_EQ(after->category(), before->category());
  EXPECT_EQ(after->times_shown(), before->times_shown());
  EXPECT_EQ(after->history(1).to(), v1::SUGGESTION_STATE_DISMISSED);
  EXPECT_EQ(after->history(1).time().seconds(),
            before->history(1).time().seconds());
  EXPECT_EQ(after->update_time().seconds(), before->update_time().seconds());
  EXPECT_NE(after->etag(), before->etag());
  // An open suggestion is live work: left alone.
  auto open_after = Get(open);
  ASSERT_TRUE(open_after.ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*open_after,
                                                                 *open_before));

  // Nothing left to do: the next sweep changes nothing.
  EXPECT_EQ(
      MustSweep(now + 731 * kDay)[RetentionRecord::kLifecyclePersonalFields],
      0);
  // After a restart the dismissed pair still cools (read from the record).
  Open();
  EXPECT_THAT(Suggest(), Not(Contains(::testing::Key(kCompany))));
}

TEST_F(RetentionTest, OldEventsGoAndTokensBeforeThemAreRefused) {
  ASSERT_EQ(Suggest().size(), 2u);
  EventLog& events = maillage_->events();
  const uint64_t last = events.last_sequence();
  ASSERT_EQ(last, 2u);
  auto read = [&](uint64_t after) {
    uint64_t scanned = 0;
    return events.Read(
        after, 100, caller_.workspace,
        [](const storage::EventRecord&) { return true; }, &scanned);
  };
  ASSERT_TRUE(read(0).ok());
  const absl::Time now = absl::Now();

  EXPECT_EQ(MustSweep(now + 89 * kDay)[RetentionRecord::kEvent], 0);
  EXPECT_EQ(MustSweep(now + 91 * kDay)[RetentionRecord::kEvent], 2);
  EXPECT_EQ(Count(storage::Family::kEvents), 0);
  EXPECT_EQ(events.purged_through(), last);
  EXPECT_EQ(read(0).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(read(1).status().code(), absl::StatusCode::kOutOfRange);
  auto from_last = read(last);
  ASSERT_TRUE(from_last.ok()) << from_last.status();
  EXPECT_TRUE(from_last->empty());

  // An event written back below the floor (an erasure rewriting it as it
  // was deleted) goes at the next sweep.
  storage::EventRecord back;
  back.set_workspace(caller_.workspace);
  *back.mutable_event()->mutable_time() =
      google::protobuf::util::TimeUtil::SecondsToTimestamp(
          absl::ToUnixSeconds(now));
  storage::WriteBatch rewrite;
  rewrite.PutMessage(storage::Family::kEvents, storage::keys::Event(1), back);
  ASSERT_TRUE(maillage_->store().Write(rewrite).ok());
  EXPECT_EQ(MustSweep(now + 91 * kDay)[RetentionRecord::kEvent], 1);
  EXPECT_EQ(Count(storage::Family::kEvents), 0);
  EXPECT_EQ(events.purged_through(), last);

  // After a restart with every event gone, sequences go on from the last
  // one issued: an old token never names a new event.
  Open();
  EXPECT_EQ(maillage_->events().last_sequence(), last);
  EXPECT_EQ(maillage_->events().purged_through(), last);
  ASSERT_TRUE(Move(Suggest()[kCompany], v1::SUGGESTION_STATE_KEPT).ok());
  uint64_t scanned = 0;
  auto fresh = maillage_->events().Read(
      last, 100, caller_.workspace,
      [](const storage::EventRecord&) { return true; }, &scanned);
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  ASSERT_FALSE(fresh->empty());
  EXPECT_EQ(fresh->front().token(), EventLog::Token(last + 1));
}

TEST_F(RetentionTest, RetryAnswersGoAfterADay) {
  v1::CreateActorRequest create;
  *create.mutable_actor() = Company();
  create.mutable_actor()->set_id("siret:33333333300033");
  create.set_request_id("retry-1");
  ASSERT_TRUE(
      maillage_->actors().Create(create, auth::Principal::System()).ok());
  ASSERT_EQ(Count(storage::Family::kRequests), 1);
  const absl::Time now = absl::Now();

  EXPECT_EQ(MustSweep(now + absl::Hours(23))[RetentionRecord::kRequest], 0);
  EXPECT_EQ(MustSweep(now + absl::Hours(25))[RetentionRecord::kRequest], 1);
  EXPECT_EQ(Count(storage::Family::kRequests), 0);
}

TEST_F(RetentionTest, AuditEntriesAreCountedAsTheyGo) {
  v1::AuditEntry entry;
  entry.set_principal_id(caller_.id);
  entry.set_method("GetActor");
  entry.set_outcome("OK");
  maillage_->audit().Record(entry);
  maillage_->audit().Record(entry);
  maillage_->audit().Flush();
  const absl::Time now = absl::Now();

  EXPECT_EQ(MustSweep(now + 364 * kDay)[RetentionRecord::kAuditEntry], 0);
  EXPECT_EQ(MustSweep(now + 366 * kDay)[RetentionRecord::kAuditEntry], 2);
  EXPECT_EQ(Count(storage::Family::kAudit), 0);
}

TEST_F(RetentionTest, WorkGoesInBoundedBatchesEachReported) {
  // Two workspaces and both sides: 2 × (2 + 2) untouched suggestions.
  for (const char* workspace : {"lab-94", "lab-77"}) {
    auth::Principal caller = Animator();
    caller.workspace = workspace;
    for (const char* actor : {kCompany, kAssociation}) {
      v1::SuggestPartnersRequest suggest;
      suggest.set_actor_id(actor);
      ASSERT_TRUE(maillage_->matching().SuggestPartners(suggest, caller).ok());
    }
  }
  const int served = Count(storage::Family::kSuggestions);
  ASSERT_GE(served, 5);
  options_.retention.batch = 2;
  Open();
  RetentionCounts counts = MustSweep(absl::Now() + 181 * kDay);
  EXPECT_EQ(counts[RetentionRecord::kSuggestion], served);
  int64_t reported = 0;
  int steps = 0;
  for (const auto& [record, count] : reporter_.steps()) {
    if (record != RetentionRecord::kSuggestion) continue;
    EXPECT_LE(count, 2);
    reported += count;
    ++steps;
  }
  EXPECT_EQ(reported, served);
  EXPECT_GE(steps, (served + 1) / 2);
  ASSERT_FALSE(reporter_.ended().empty());
  EXPECT_TRUE(reporter_.ended().back().ok());
  EXPECT_EQ(Count(storage::Family::kSuggestions), 0);
  EXPECT_EQ(Count(storage::Family::kSuggestionsByActor), 0);
}

TEST_F(RetentionTest, AFullDiskStopsTheSweepAndTheNextOnePurges) {
  auto ids = Suggest();
  ASSERT_EQ(ids.size(), 2u);
  const absl::Time later = absl::Now() + 181 * kDay;
  free_bytes_ = 0;
  maillage_->store().CheckWrites();  // reads the free space now

  auto refused = maillage_->retention().Sweep(later);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  ASSERT_FALSE(reporter_.ended().empty());
  EXPECT_EQ(reporter_.ended().back().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(Get(ids[kCompany]).ok());  // nothing half done

  free_bytes_ = uint64_t{1} << 40;
  maillage_->store().CheckWrites();
  EXPECT_EQ(MustSweep(later)[RetentionRecord::kSuggestion], 2);
  EXPECT_EQ(Get(ids[kCompany]).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(RetentionTest, TheBackgroundThreadSweepsAtStartAndStopsOnDemand) {
  ASSERT_EQ(Suggest().size(), 2u);
  v1::AuditEntry old;
  old.set_principal_id(caller_.id);
  old.set_method("GetActor");
  old.set_outcome("OK");
  *old.mutable_time() = google::protobuf::util::TimeUtil::SecondsToTimestamp(
      absl::ToUnixSeconds(absl::Now() - 400 * kDay));
  maillage_->audit().Record(old);
  maillage_->audit().Flush();

  options_.retention.interval = absl::Hours(1);
  options_.retention.untouched_suggestions = absl::Nanoseconds(1);
  Open();
  std::vector<absl::Status> ended = reporter_.WaitForSweep();
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_TRUE(ended[0].ok()) << ended[0];
  EXPECT_EQ(Count(storage::Family::kSuggestions), 0);
  EXPECT_EQ(Count(storage::Family::kAudit), 0);
  // The thread now waits an hour; closing does not.
  maillage_.reset();
  EXPECT_EQ(reporter_.ended().size(), 1u);
}

TEST_F(RetentionTest, AZeroPeriodKeepsThatKindForever) {
  ASSERT_EQ(Suggest().size(), 2u);
  options_.retention.untouched_suggestions = absl::ZeroDuration();
  options_.retention.events = absl::ZeroDuration();
  Open();
  RetentionCounts counts = MustSweep(absl::Now() + 10000 * kDay);
  EXPECT_EQ(counts[RetentionRecord::kSuggestion], 0);
  EXPECT_EQ(counts[RetentionRecord::kEvent], 0);
  EXPECT_EQ(Count(storage::Family::kSuggestions), 2);
}

TEST(RetentionRecordNameTest, NamesAreTheMetricLabels) {
  std::vector<std::string> names;
  for (size_t i = 0; i < kRetentionRecordCount; ++i) {
    names.emplace_back(RetentionRecordName(static_cast<RetentionRecord>(i)));
  }
  EXPECT_THAT(names, ElementsAre("suggestion", "lifecycle_personal_fields",
                                 "event", "request", "audit_entry"));
}

}  // namespace
}  // namespace maillage::core

// LifecycleService through the stubs: every transition, cooling, the
// partnership registry feeding the engine, watch/resume, metrics.
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "maillage/v1/lifecycle.grpc.pb.h"
#include "maillage/v1/matching.grpc.pb.h"
#include "tests/support/test_server.h"

namespace maillage {
namespace {

using ::testing::ElementsAre;

v1::Actor Assoc(const std::string& id) {
  v1::Actor a;
  a.set_id(id);
  a.set_kind(v1::ACTOR_KIND_ASSOCIATION);
  a.set_name("Association " + id);
  a.set_home_commune("94018");
  a.add_themes("youth");
  auto* n = a.add_needs();
  n->set_resource("funding");
  n->set_theme("youth");
  a.set_capacity(5);
  return a;
}

v1::Actor Company(const std::string& id, const std::string& commune = "94018") {
  v1::Actor a;
  a.set_id(id);
  a.set_kind(v1::ACTOR_KIND_COMPANY);
  a.set_name("Entreprise " + id);
  a.set_home_commune(commune);
  a.add_themes("youth");
  auto* o = a.add_offers();
  o->set_resource("funding");
  o->set_theme("youth");
  auto* n = a.add_needs();
  n->set_resource("audience_access");
  n->set_theme("youth");
  a.set_capacity(5);
  return a;
}

class LifecycleTest : public ::testing::Test {
 protected:
  void Start(absl::Duration cooling = absl::Hours(24 * 90)) {
    server_.options().core.cooling_period = cooling;
    server_.Start();
    match_ = v1::MatchService::NewStub(server_.channel());
    life_ = v1::LifecycleService::NewStub(server_.channel());
  }
  void Create(const v1::Actor& a) {
    grpc::ClientContext ctx;
    v1::CreateActorRequest req;
    *req.mutable_actor() = a;
    v1::Actor out;
    grpc::Status s = server_.actors().CreateActor(&ctx, req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  std::vector<std::string> Partners(
      const std::string& id,
      std::vector<std::string>* suggestion_ids = nullptr) {
    grpc::ClientContext ctx;
    v1::SuggestPartnersRequest req;
    req.set_actor_id(id);
    req.set_requested_by("animatrice@lab");
    v1::SuggestPartnersResponse resp;
    grpc::Status s = match_->SuggestPartners(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<std::string> out;
    for (const auto& p : resp.suggestions()) {
      out.push_back(p.partner_id());
      if (suggestion_ids) suggestion_ids->push_back(p.suggestion_id());
    }
    return out;
  }
  grpc::Status Move(
      const std::string& id, v1::SuggestionState state, v1::Suggestion* out,
      v1::MeetingOutcome outcome = v1::MEETING_OUTCOME_UNSPECIFIED,
      const std::string& reason = "") {
    grpc::ClientContext ctx;
    v1::UpdateSuggestionRequest req;
    req.set_id(id);
    req.set_state(state);
    req.set_outcome(outcome);
    req.set_reason(reason);
    req.set_performed_by("animatrice@lab");
    return life_->UpdateSuggestion(&ctx, req, out);
  }

  // The principal of the test's admin key: "key:<its id>".
  std::string AdminPrincipal() const {
    return "key:" + server_.admin_key().substr(4, 16);
  }

  testing::TestServer server_;
  std::unique_ptr<v1::MatchService::Stub> match_;
  std::unique_ptr<v1::LifecycleService::Stub> life_;
};

TEST_F(LifecycleTest, EveryTransitionAllowedAndRefused) {
  Start();
  Create(Assoc("rna:W941000001"));
  Create(Company("siret:11111111100011"));
  std::vector<std::string> ids;
  ASSERT_THAT(Partners("rna:W941000001", &ids),
              ElementsAre("siret:11111111100011"));
  const std::string id = ids[0];
  v1::Suggestion s;
  {
    grpc::ClientContext ctx;
    v1::GetSuggestionRequest get;
    get.set_id(id);
    ASSERT_TRUE(life_->GetSuggestion(&ctx, get, &s).ok());
    EXPECT_EQ(s.state(), v1::SUGGESTION_STATE_PROPOSED);
    // Who asked is the authenticated caller (the test's admin key); what the
    // client said is a note.
    EXPECT_EQ(s.requested_by(), AdminPrincipal());
    EXPECT_EQ(s.requested_by_note(), "animatrice@lab");
    EXPECT_EQ(s.times_shown(), 1);
  }
  // Refused: no meeting before contact, no outcome before a meeting, no
  // dismissal without a reason.
  EXPECT_EQ(Move(id, v1::SUGGESTION_STATE_MEETING_HELD, &s).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Move(id, v1::SUGGESTION_STATE_OUTCOME_RECORDED, &s,
                 v1::MEETING_OUTCOME_COOPERATION_POSSIBLE)
                .error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Move(id, v1::SUGGESTION_STATE_DISMISSED, &s).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  // The allowed path, to a partnership.
  ASSERT_TRUE(Move(id, v1::SUGGESTION_STATE_KEPT, &s).ok());
  ASSERT_TRUE(Move(id, v1::SUGGESTION_STATE_CONTACTED, &s).ok());
  ASSERT_TRUE(Move(id, v1::SUGGESTION_STATE_NO_ANSWER, &s).ok());
  ASSERT_TRUE(Move(id, v1::SUGGESTION_STATE_CONTACTED, &s).ok());
  ASSERT_TRUE(Move(id, v1::SUGGESTION_STATE_MEETING_HELD, &s).ok());
  EXPECT_EQ(Move(id, v1::SUGGESTION_STATE_OUTCOME_RECORDED, &s).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);  // outcome missing
  ASSERT_TRUE(Move(id, v1::SUGGESTION_STATE_OUTCOME_RECORDED, &s,
                   v1::MEETING_OUTCOME_COOPERATION_POSSIBLE)
                  .ok());
  ASSERT_TRUE(Move(id, v1::SUGGESTION_STATE_PARTNERSHIP_FORMED, &s).ok());
  EXPECT_EQ(s.history_size(), 8);
  for (const auto& t : s.history()) {
    EXPECT_TRUE(t.has_time());
  }
  EXPECT_EQ(s.history(1).performed_by(), AdminPrincipal());
  EXPECT_EQ(s.history(1).performed_by_note(), "animatrice@lab");
  ASSERT_FALSE(s.partnership_id().empty());
  // Final: nothing more.
  EXPECT_EQ(Move(id, v1::SUGGESTION_STATE_KEPT, &s).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  // The partnership exists, is active, and the pair is not proposed again.
  grpc::ClientContext ctx;
  v1::GetPartnershipRequest get;
  get.set_id(s.partnership_id());
  v1::Partnership p;
  ASSERT_TRUE(life_->GetPartnership(&ctx, get, &p).ok());
  EXPECT_TRUE(p.active());
  EXPECT_EQ(p.category(), v1::PARTNERSHIP_CATEGORY_MECENAT);
  EXPECT_TRUE(Partners("rna:W941000001").empty());
}

TEST_F(LifecycleTest, DismissedPairCoolsThenComesBack) {
  Start(absl::Seconds(2));
  Create(Assoc("rna:W941000001"));
  Create(Company("siret:11111111100011"));
  Create(Company("siret:22222222200022", "94028"));
  std::vector<std::string> ids;
  ASSERT_EQ(Partners("rna:W941000001", &ids).size(), 2u);
  v1::Suggestion s;
  ASSERT_TRUE(Move(ids[0], v1::SUGGESTION_STATE_DISMISSED, &s,
                   v1::MEETING_OUTCOME_UNSPECIFIED, "déjà partenaires ailleurs")
                  .ok());
  std::string dismissed = s.partner_id();
  std::vector<std::string> now = Partners("rna:W941000001");
  EXPECT_EQ(now.size(), 1u);
  EXPECT_NE(now[0], dismissed);
  // Symmetric: the company is not offered the association either.
  EXPECT_TRUE(Partners(dismissed).empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_EQ(Partners("rna:W941000001").size(), 2u);
  // Served again: a new cycle starts on the same record.
  grpc::ClientContext ctx;
  v1::GetSuggestionRequest get;
  get.set_id(ids[0]);
  ASSERT_TRUE(life_->GetSuggestion(&ctx, get, &s).ok());
  EXPECT_EQ(s.state(), v1::SUGGESTION_STATE_PROPOSED);
}

TEST_F(LifecycleTest, ImportedActivePartnershipBlocksItsCategory) {
  Start();
  Create(Assoc("rna:W941000001"));
  Create(Company("siret:11111111100011"));
  ASSERT_EQ(Partners("rna:W941000001").size(), 1u);
  v1::ImportPartnershipsRequest req;
  req.set_first_row_number(2);
  auto* p = req.add_partnerships();
  p->set_id("lab:2024-17");
  p->add_participants("rna:W941000001");
  p->add_participants("siret:11111111100011");
  p->set_category(v1::PARTNERSHIP_CATEGORY_MECENAT);
  auto* bad = req.add_partnerships();
  bad->set_id("lab:2024-18");
  bad->add_participants("rna:W941000001");
  bad->add_participants("siret:99999999900099");
  v1::ImportPartnershipsResponse resp;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(life_->ImportPartnerships(&ctx, req, &resp).ok());
  }
  EXPECT_EQ(resp.counts().created(), 1);
  EXPECT_EQ(resp.counts().rejected(), 1);
  std::vector<std::string> errors;
  for (const auto& e : resp.errors()) {
    errors.push_back(std::to_string(e.row_number()) + ":" + e.field());
  }
  EXPECT_THAT(errors, ElementsAre("3:participants[1]", "3:category"));
  EXPECT_TRUE(Partners("rna:W941000001").empty());
  // Survives a restart (the registry is reloaded into the engine).
  server_.Stop();
  server_.Start();
  match_ = v1::MatchService::NewStub(server_.channel());
  EXPECT_TRUE(Partners("rna:W941000001").empty());
}

TEST_F(LifecycleTest, WatchResumesWithoutMissingOrRepeating) {
  Start();
  Create(Assoc("rna:W941000001"));
  for (int i = 0; i < 6; ++i) {
    Create(Company("siret:1111111110" + std::to_string(1000 + i)));
  }
  v1::TerritoryRef dep;
  dep.set_level(v1::TERRITORY_LEVEL_DEPARTEMENT);
  dep.set_code("94");
  // Six suggestions served: six events.
  std::vector<std::string> ids;
  ASSERT_EQ(Partners("rna:W941000001", &ids).size(), 6u);

  std::vector<std::string> seen;
  std::string token = "0";
  auto read = [&](size_t n) {
    grpc::ClientContext ctx;
    v1::WatchSuggestionsRequest req;
    *req.mutable_territory() = dep;
    req.set_resume_token(token);
    auto stream = life_->WatchSuggestions(&ctx, req);
    v1::WatchEvent e;
    for (size_t i = 0; i < n && stream->Read(&e); ++i) {
      seen.push_back(e.has_suggestion()
                         ? e.suggestion().id() + "@" +
                               v1::SuggestionState_Name(e.suggestion().state())
                         : e.partnership().id());
      token = e.token();
    }
    ctx.TryCancel();  // disconnect
    stream->Finish();
  };
  read(4);
  // Changes while disconnected.
  v1::Suggestion s;
  ASSERT_TRUE(Move(ids[0], v1::SUGGESTION_STATE_KEPT, &s).ok());
  ASSERT_TRUE(Move(ids[1], v1::SUGGESTION_STATE_DISMISSED, &s,
                   v1::MEETING_OUTCOME_UNSPECIFIED, "hors sujet")
                  .ok());
  read(4);  // 2 left from before + 2 new
  ASSERT_EQ(seen.size(), 8u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 8u);
  EXPECT_EQ(seen[6], ids[0] + "@SUGGESTION_STATE_KEPT");
  EXPECT_EQ(seen[7], ids[1] + "@SUGGESTION_STATE_DISMISSED");

  // A live watcher gets a new event as it happens; another territory's
  // watcher does not.
  grpc::ClientContext ctx;
  v1::WatchSuggestionsRequest req;
  *req.mutable_territory() = dep;
  req.set_resume_token(token);
  auto stream = life_->WatchSuggestions(&ctx, req);
  std::thread mover([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    v1::Suggestion moved;
    Move(ids[0], v1::SUGGESTION_STATE_CONTACTED, &moved);
  });
  v1::WatchEvent e;
  ASSERT_TRUE(stream->Read(&e));
  EXPECT_EQ(e.suggestion().state(), v1::SUGGESTION_STATE_CONTACTED);
  mover.join();
  ctx.TryCancel();
  stream->Finish();

  grpc::ClientContext other_ctx;
  v1::WatchSuggestionsRequest other;
  other.mutable_territory()->set_level(v1::TERRITORY_LEVEL_DEPARTEMENT);
  other.mutable_territory()->set_code("13");
  other.set_resume_token("0");
  other_ctx.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::milliseconds(500));
  auto other_stream = life_->WatchSuggestions(&other_ctx, other);
  EXPECT_FALSE(other_stream->Read(&e));
}

TEST_F(LifecycleTest, MetricsCountWhatAnimatorsReport) {
  Start();
  Create(Assoc("rna:W941000001"));
  Create(Company("siret:11111111100011"));
  Create(Company("siret:22222222200022"));
  std::vector<std::string> ids;
  ASSERT_EQ(Partners("rna:W941000001", &ids).size(), 2u);
  v1::Suggestion s;
  ASSERT_TRUE(Move(ids[0], v1::SUGGESTION_STATE_KEPT, &s).ok());
  ASSERT_TRUE(Move(ids[0], v1::SUGGESTION_STATE_CONTACTED, &s).ok());
  ASSERT_TRUE(Move(ids[0], v1::SUGGESTION_STATE_MEETING_HELD, &s).ok());
  ASSERT_TRUE(Move(ids[0], v1::SUGGESTION_STATE_OUTCOME_RECORDED, &s,
                   v1::MEETING_OUTCOME_COOPERATION_POSSIBLE)
                  .ok());
  ASSERT_TRUE(Move(ids[0], v1::SUGGESTION_STATE_PARTNERSHIP_FORMED, &s).ok());
  ASSERT_TRUE(Move(ids[1], v1::SUGGESTION_STATE_DISMISSED, &s,
                   v1::MEETING_OUTCOME_UNSPECIFIED, "trop loin")
                  .ok());
  grpc::ClientContext ctx;
  v1::GetTerritoryMetricsRequest req;
  req.mutable_territory()->set_level(v1::TERRITORY_LEVEL_EPCI);
  req.mutable_territory()->set_code("200054781");
  v1::TerritoryMetrics m;
  ASSERT_TRUE(life_->GetTerritoryMetrics(&ctx, req, &m).ok());
  const v1::CategoryMetrics& total = m.categories(m.categories_size() - 1);
  EXPECT_EQ(total.category(), v1::PARTNERSHIP_CATEGORY_UNSPECIFIED);
  EXPECT_EQ(total.suggestions(), 2);
  EXPECT_EQ(total.kept(), 1);
  EXPECT_EQ(total.dismissed(), 1);
  EXPECT_EQ(total.meetings(), 1);
  EXPECT_EQ(total.outcome_cooperation_possible(), 1);
  EXPECT_EQ(total.partnerships_formed(), 1);
  EXPECT_EQ(m.active_partnerships(), 1);
  EXPECT_GT(m.partnership_density(), 0);
}

TEST_F(LifecycleTest, ServingAgainUpdatesOneRecordListedUnderBothActors) {
  Start();
  Create(Assoc("rna:W941000001"));
  Create(Company("siret:11111111100011"));
  std::vector<std::string> first, second;
  Partners("rna:W941000001", &first);
  Partners("rna:W941000001", &second);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first, second);  // the same record, refreshed
  auto list = [&](const std::string& actor) {
    grpc::ClientContext ctx;
    v1::ListSuggestionsRequest req;
    req.set_actor_id(actor);
    v1::ListSuggestionsResponse resp;
    EXPECT_TRUE(life_->ListSuggestions(&ctx, req, &resp).ok());
    return resp;
  };
  for (const char* actor : {"rna:W941000001", "siret:11111111100011"}) {
    v1::ListSuggestionsResponse listed = list(actor);
    ASSERT_EQ(listed.suggestions_size(), 1) << actor;
    EXPECT_EQ(listed.suggestions(0).id(), first[0]);
    EXPECT_EQ(listed.suggestions(0).times_shown(), 2);
  }
}

// Dashboards ask for the same actor's partners from many places at once:
// the calls are recorded in rounds (group commit). Every call counts, no
// call is lost or doubled, and re-serving the same suggestion unchanged
// tells watchers nothing new: one event for the new suggestion only.
TEST_F(LifecycleTest, ConcurrentServingCountsEveryCallAndEventsOnlyChanges) {
  Start();
  Create(Assoc("rna:W941000001"));
  Create(Company("siret:11111111100011"));
  constexpr int kThreads = 8;
  constexpr int kCallsEach = 25;
  std::vector<std::thread> callers;
  std::vector<std::vector<std::string>> ids(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    callers.emplace_back([&, t] {
      for (int i = 0; i < kCallsEach; ++i) Partners("rna:W941000001", &ids[t]);
    });
  }
  for (std::thread& c : callers) c.join();
  for (const auto& served : ids) {
    ASSERT_EQ(served.size(), static_cast<size_t>(kCallsEach));
    for (const std::string& id : served) EXPECT_EQ(id, ids[0][0]);
  }
  v1::Suggestion s;
  {
    grpc::ClientContext ctx;
    v1::GetSuggestionRequest get;
    get.set_id(ids[0][0]);
    ASSERT_TRUE(life_->GetSuggestion(&ctx, get, &s).ok());
  }
  EXPECT_EQ(s.times_shown(), kThreads * kCallsEach);
  EXPECT_EQ(s.history_size(), 1);  // proposed once
  ASSERT_TRUE(Move(ids[0][0], v1::SUGGESTION_STATE_KEPT, &s).ok());

  // The event log from its start: the suggestion proposed, then kept.
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  v1::WatchSuggestionsRequest req;
  req.mutable_territory()->set_level(v1::TERRITORY_LEVEL_DEPARTEMENT);
  req.mutable_territory()->set_code("94");
  req.set_resume_token("0");
  auto stream = life_->WatchSuggestions(&ctx, req);
  std::vector<v1::SuggestionState> states;
  v1::WatchEvent e;
  while (states.size() < 2 && stream->Read(&e)) {
    states.push_back(e.suggestion().state());
  }
  EXPECT_THAT(states, ElementsAre(v1::SUGGESTION_STATE_PROPOSED,
                                  v1::SUGGESTION_STATE_KEPT));
  // Nothing else is waiting: a third read would be the next change.
  ctx.TryCancel();
  stream->Finish();
}

// Serving a suggestion again as it was writes a small merge operand, and
// the round remembers what it served so that the next one needs no read.
// Readers see the folded record; a move forgets what the round remembered,
// so that serving a dismissed suggestion proposes it again.
TEST_F(LifecycleTest, ServedAgainFoldsCountersAndAMoveIsNeverHiddenByIt) {
  Start(/*cooling=*/absl::ZeroDuration());
  Create(Assoc("rna:W941000001"));
  Create(Company("siret:11111111100011"));
  std::vector<std::string> ids;
  auto get = [&](const std::string& id) {
    grpc::ClientContext ctx;
    v1::GetSuggestionRequest req;
    req.set_id(id);
    v1::Suggestion s;
    EXPECT_TRUE(life_->GetSuggestion(&ctx, req, &s).ok());
    return s;
  };
  Partners("rna:W941000001", &ids);
  const v1::Suggestion first = get(ids[0]);
  Partners("rna:W941000001", &ids);
  Partners("rna:W941000001", &ids);
  const v1::Suggestion third = get(ids[0]);
  EXPECT_EQ(third.times_shown(), 3);
  EXPECT_EQ(third.history_size(), 1);
  EXPECT_NE(third.etag(), first.etag());
  EXPECT_EQ(third.requested_by_note(), "animatrice@lab");
  EXPECT_GE(absl::FromUnixMicros(
                google::protobuf::util::TimeUtil::TimestampToMicroseconds(
                    third.last_shown())),
            absl::FromUnixMicros(
                google::protobuf::util::TimeUtil::TimestampToMicroseconds(
                    first.last_shown())));

  // Past the bound on operands over one record (16), the record is read
  // and written whole again: nothing is lost or counted twice.
  for (int i = 3; i < 40; ++i) Partners("rna:W941000001", &ids);
  EXPECT_EQ(get(ids[0]).times_shown(), 40);

  v1::Suggestion moved;
  ASSERT_TRUE(Move(ids[0], v1::SUGGESTION_STATE_DISMISSED, &moved,
                   v1::MEETING_OUTCOME_UNSPECIFIED, "pas le moment")
                  .ok());
  Partners("rna:W941000001", &ids);
  const v1::Suggestion again = get(ids[0]);
  EXPECT_EQ(again.state(), v1::SUGGESTION_STATE_PROPOSED);
  EXPECT_EQ(again.history_size(), 3);  // proposed, dismissed, proposed again
  EXPECT_EQ(again.times_shown(), 41);
}

// The served-again shortcut compares suggestions by a hash of their
// explanation and of every MatchFactor field (core/lifecycle.cc,
// ContentHash): a new field must be added there.
TEST(LifecycleContentHashTest, CoversEveryFactorField) {
  EXPECT_EQ(v1::MatchFactor::descriptor()->field_count(), 5)
      << "MatchFactor gained a field: hash it in ContentHash";
}

TEST_F(LifecycleTest, RepeatedNonAnswersLowerAPartnersResponsiveness) {
  Start(absl::Seconds(1));
  // Two identical companies for one association.
  Create(Assoc("rna:W941000001"));
  Create(Company("siret:11111111100011"));
  Create(Company("siret:22222222200022"));
  auto score_of = [&](const std::string& partner, double* responsiveness) {
    grpc::ClientContext ctx;
    v1::SuggestPartnersRequest req;
    req.set_actor_id("rna:W941000001");
    req.set_preview(true);
    v1::SuggestPartnersResponse resp;
    EXPECT_TRUE(match_->SuggestPartners(&ctx, req, &resp).ok());
    for (const auto& p : resp.suggestions()) {
      if (p.partner_id() != partner) continue;
      for (const auto& f : p.factors()) {
        if (f.code() == "responsiveness") *responsiveness = f.value();
      }
      return p.score();
    }
    return -1.0;
  };
  double r1 = 0, r2 = 0;
  double before1 = score_of("siret:11111111100011", &r1);
  double before2 = score_of("siret:22222222200022", &r2);
  EXPECT_DOUBLE_EQ(before1, before2);
  EXPECT_DOUBLE_EQ(r1, 1.0);
  // Company 1 is contacted three times through suggestions and never answers.
  std::vector<std::string> ids;
  Partners("rna:W941000001", &ids);
  std::string id1;
  for (const auto& id : ids) {
    v1::Suggestion s;
    grpc::ClientContext ctx;
    v1::GetSuggestionRequest get;
    get.set_id(id);
    ASSERT_TRUE(life_->GetSuggestion(&ctx, get, &s).ok());
    if (s.partner_id() == "siret:11111111100011") id1 = id;
  }
  ASSERT_FALSE(id1.empty());
  v1::Suggestion s;
  ASSERT_TRUE(Move(id1, v1::SUGGESTION_STATE_KEPT, &s).ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(Move(id1, v1::SUGGESTION_STATE_CONTACTED, &s).ok());
    ASSERT_TRUE(Move(id1, v1::SUGGESTION_STATE_NO_ANSWER, &s).ok());
  }
  double after1 = score_of("siret:11111111100011", &r1);
  double after2 = score_of("siret:22222222200022", &r2);
  EXPECT_LT(r1, 1.0);
  EXPECT_LT(after1, after2);
  EXPECT_DOUBLE_EQ(after2, before2);
  // Survives a restart (rebuilt from the recorded suggestions).
  server_.Stop();
  server_.Start();
  match_ = v1::MatchService::NewStub(server_.channel());
  EXPECT_DOUBLE_EQ(score_of("siret:11111111100011", &r1), after1);
}

// A move updates the engine's feedback in place (one partner's
// responsiveness, one pair's cooperation signal, or one workspace's signals
// rebuilt when a pair stops going well); a restart rebuilds all of it from
// the records. Both must give the same scores, factors and explanations.
TEST_F(LifecycleTest, FeedbackKeptUpToDateByMovesEqualsTheOneRebuiltAtStart) {
  Start();
  std::vector<std::string> assocs;
  for (int i = 1; i <= 5; ++i) {
    assocs.push_back("rna:W94100000" + std::to_string(i));
    Create(Assoc(assocs.back()));
  }
  for (int i = 0; i < 5; ++i) {
    Create(Company("siret:3333333330000" + std::to_string(i)));
  }
  using S = v1::SuggestionState;
  const std::vector<std::vector<S>> paths = {
      // answered, then a cooperation possible (the pair goes well)...
      {S::SUGGESTION_STATE_KEPT, S::SUGGESTION_STATE_CONTACTED,
       S::SUGGESTION_STATE_MEETING_HELD, S::SUGGESTION_STATE_OUTCOME_RECORDED},
      // ... no answer twice...
      {S::SUGGESTION_STATE_KEPT, S::SUGGESTION_STATE_CONTACTED,
       S::SUGGESTION_STATE_NO_ANSWER, S::SUGGESTION_STATE_CONTACTED,
       S::SUGGESTION_STATE_NO_ANSWER},
      // ... a pair that went well, then not formed (its signal goes)...
      {S::SUGGESTION_STATE_KEPT, S::SUGGESTION_STATE_CONTACTED,
       S::SUGGESTION_STATE_MEETING_HELD, S::SUGGESTION_STATE_OUTCOME_RECORDED,
       S::SUGGESTION_STATE_NOT_FORMED},
      {},  // ... left proposed...
      // ... a partnership formed.
      {S::SUGGESTION_STATE_KEPT, S::SUGGESTION_STATE_CONTACTED,
       S::SUGGESTION_STATE_MEETING_HELD, S::SUGGESTION_STATE_OUTCOME_RECORDED,
       S::SUGGESTION_STATE_PARTNERSHIP_FORMED},
      {S::SUGGESTION_STATE_DISMISSED},
  };
  size_t n = 0;
  for (const std::string& asker : assocs) {
    std::vector<std::string> ids;
    Partners(asker, &ids);
    for (const std::string& id : ids) {
      v1::Suggestion s;
      for (S to : paths[n % paths.size()]) {
        const auto outcome = to == S::SUGGESTION_STATE_OUTCOME_RECORDED
                                 ? v1::MEETING_OUTCOME_COOPERATION_POSSIBLE
                                 : v1::MEETING_OUTCOME_UNSPECIFIED;
        ASSERT_TRUE(
            Move(id, to, &s, outcome,
                 to == S::SUGGESTION_STATE_DISMISSED ? "hors sujet" : "")
                .ok())
            << id << " to " << v1::SuggestionState_Name(to);
      }
      ++n;
    }
  }
  ASSERT_GE(n, 12u);
  // Every asker's candidates with their scores, factors and explanations.
  auto everything = [&] {
    std::string out;
    for (const std::string& asker : assocs) {
      grpc::ClientContext ctx;
      v1::SuggestPartnersRequest req;
      req.set_actor_id(asker);
      req.set_preview(true);
      v1::SuggestPartnersResponse resp;
      grpc::Status status = match_->SuggestPartners(&ctx, req, &resp);
      out += asker + ": " + status.error_message() + "\n";
      for (const auto& p : resp.suggestions()) out += p.DebugString();
    }
    return out;
  };
  const std::string live = everything();
  EXPECT_NE(live.find("responsiveness"), std::string::npos) << live;
  server_.Stop();
  server_.Start();
  match_ = v1::MatchService::NewStub(server_.channel());
  EXPECT_EQ(everything(), live);
}

TEST_F(LifecycleTest, TerritoryWideMatchingRespectsCapacityAndSpreadsExposure) {
  Start();
  // One attractive company with room for 3, four others with room for 4.
  v1::Actor big = Company("siret:10000000000001");
  big.set_capacity(3);
  auto* extra = big.add_offers();
  extra->set_resource("skills");
  extra->set_theme("youth");
  Create(big);
  for (int i = 0; i < 4; ++i) {
    v1::Actor c = Company("siret:2000000000000" + std::to_string(i), "94028");
    c.set_capacity(4);
    Create(c);
  }
  for (int i = 0; i < 12; ++i) {
    Create(Assoc("rna:W94100" + std::to_string(1000 + i)));
  }
  grpc::ClientContext ctx;
  v1::SuggestForTerritoryRequest req;
  req.mutable_territory()->set_level(v1::TERRITORY_LEVEL_DEPARTEMENT);
  req.mutable_territory()->set_code("94");
  req.set_per_actor(1);
  v1::SuggestForTerritoryResponse resp;
  grpc::Status s = life_->SuggestForTerritory(&ctx, req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.actors(), 12);
  std::map<std::string, int> exposure;
  for (const auto& a : resp.assignments()) {
    EXPECT_LE(a.partners_size(), 1);
    for (const auto& p : a.partners()) ++exposure[p.partner_id()];
  }
  EXPECT_LE(exposure["siret:10000000000001"], 3);
  for (int i = 0; i < 4; ++i) {
    EXPECT_LE(exposure["siret:2000000000000" + std::to_string(i)], 4);
  }
  EXPECT_EQ(resp.actors_without_partner(), 0);
  EXPECT_EQ(resp.independent().max_exposure(), 12);
  EXPECT_LT(resp.fair().gini(), resp.independent().gini());
  EXPECT_FALSE(resp.method().empty());
}

}  // namespace
}  // namespace maillage

// Workspaces (tenancy) through the core as services/ calls it: two animator
// teams on one server do not see each other's pipeline, notes, contacts or
// custom zones; who did it comes from the credentials; a schema-1 store
// migrates into the default workspace.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "auth/principal.h"
#include "core/maillage.h"
#include "core/testing/sample_actors.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "maillage/storage/records.pb.h"
#include "storage/keys.h"
#include "storage/store.h"
#include "tests/support/temp_dir.h"

namespace maillage::core {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

using testing::Association;
using testing::Company;
using testing::kAssociation;
using testing::kCompany;

v1::TerritoryRef Departement94() {
  v1::TerritoryRef ref;
  ref.set_level(v1::TERRITORY_LEVEL_DEPARTEMENT);
  ref.set_code("94");
  return ref;
}

auth::Principal Animator(const std::string& workspace) {
  auth::Principal p;
  p.id = "key:" + workspace;
  p.display_name = "Équipe " + workspace;
  p.role = auth::Role::kAnimator;
  p.all_territories = true;
  p.workspace = workspace;
  return p;
}

std::unique_ptr<Maillage> Open(
    const std::string& dir,
    const std::function<void(Maillage::Options*)>& adjust = {}) {
  Maillage::Options options;
  if (adjust) adjust(&options);
  options.data_dir = dir;
  options.reference_dir = MAILLAGE_REFERENCE_DIR;
  options.sync_writes = false;
  auto opened = Maillage::Open(options);
  EXPECT_TRUE(opened.ok()) << opened.status();
  return opened.ok() ? std::move(*opened) : nullptr;
}

class WorkspaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    maillage_ = Open(dir_.Sub("store"));
    ASSERT_NE(maillage_, nullptr);
    for (const v1::Actor& a : {Association(), Company()}) {
      v1::CreateActorRequest create;
      *create.mutable_actor() = a;
      ASSERT_TRUE(
          maillage_->actors().Create(create, auth::Principal::System()).ok());
    }
  }

  // Creates a look-alike of the company; its id.
  std::string CreateTwin() {
    v1::Actor twin = Company();
    twin.set_id("siret:22222222200022");
    twin.set_name("Jumelle du Val");
    v1::CreateActorRequest create;
    *create.mutable_actor() = twin;
    EXPECT_TRUE(
        maillage_->actors().Create(create, auth::Principal::System()).ok());
    return twin.id();
  }

  // Registers partnership `id` between `one` and `other` in `caller`'s
  // workspace.
  void FormPartnership(const std::string& id, const std::string& one,
                       const std::string& other,
                       const auth::Principal& caller) {
    v1::CreatePartnershipRequest create;
    create.mutable_partnership()->set_id(id);
    create.mutable_partnership()->add_participants(one);
    create.mutable_partnership()->add_participants(other);
    create.mutable_partnership()->set_category(
        v1::PARTNERSHIP_CATEGORY_ECONOMIC_COOPERATION);
    ASSERT_TRUE(maillage_->lifecycle().CreatePartnership(create, caller).ok());
  }

  // Serves the association's suggestions to `caller`; the id of the first.
  std::string Suggest(const auth::Principal& caller,
                      const std::string& note = "") {
    v1::SuggestPartnersRequest suggest;
    suggest.set_actor_id(kAssociation);
    suggest.set_requested_by(note);
    auto served = maillage_->matching().SuggestPartners(suggest, caller);
    EXPECT_TRUE(served.ok()) << served.status();
    if (!served.ok() || served->suggestions_size() == 0) return "";
    return served->suggestions(0).suggestion_id();
  }

  absl::StatusOr<v1::Suggestion> Move(const auth::Principal& caller,
                                      const std::string& id,
                                      v1::SuggestionState state,
                                      const std::string& reason = "") {
    v1::UpdateSuggestionRequest move;
    move.set_id(id);
    move.set_state(state);
    move.set_reason(reason);
    return maillage_->lifecycle().UpdateSuggestion(move, caller);
  }

  std::vector<std::string> SuggestionIds(const auth::Principal& caller) {
    v1::ListSuggestionsRequest list;
    auto listed = maillage_->lifecycle().ListSuggestions(list, caller);
    EXPECT_TRUE(listed.ok()) << listed.status();
    std::vector<std::string> ids;
    if (listed.ok()) {
      for (const auto& s : listed->suggestions()) ids.push_back(s.id());
    }
    v1::ListSuggestionsRequest by_actor;
    by_actor.set_actor_id(kCompany);
    auto of_actor = maillage_->lifecycle().ListSuggestions(by_actor, caller);
    EXPECT_TRUE(of_actor.ok()) << of_actor.status();
    EXPECT_EQ(of_actor.ok() ? of_actor->suggestions_size() : -1, ids.size());
    return ids;
  }

  std::vector<v1::WatchEvent> Events(const auth::Principal& caller) {
    uint64_t last = 0;
    auto events = maillage_->events().Read(
        0, 1000, caller.workspace,
        [](const storage::EventRecord&) { return true; }, &last);
    EXPECT_TRUE(events.ok()) << events.status();
    return events.ok() ? *events : std::vector<v1::WatchEvent>();
  }

  int64_t Suggested(const auth::Principal& caller) {
    v1::GetTerritoryMetricsRequest request;
    *request.mutable_territory() = Departement94();
    auto metrics = maillage_->lifecycle().Metrics(request, caller);
    EXPECT_TRUE(metrics.ok()) << metrics.status();
    if (!metrics.ok()) return -1;
    for (const auto& c : metrics->categories()) {
      if (c.category() == v1::PARTNERSHIP_CATEGORY_UNSPECIFIED) {
        return c.suggestions();
      }
    }
    return -1;
  }

  void SetContacts(const auth::Principal& caller, const std::string& name) {
    v1::UpdateActorRequest update;
    *update.mutable_actor() = Association();
    auto* contact = update.mutable_actor()->add_contacts();
    contact->set_name(name);
    contact->set_email(name + "@example.org");
    update.mutable_update_mask()->add_paths("contacts");
    auto updated = maillage_->actors().Update(update, caller);
    ASSERT_TRUE(updated.ok()) << updated.status();
  }

  std::vector<std::string> ContactNames(const auth::Principal& caller) {
    v1::GetActorRequest get;
    get.set_id(kAssociation);
    get.set_view(v1::ACTOR_VIEW_FULL);
    auto actor = maillage_->actors().Get(get, caller);
    EXPECT_TRUE(actor.ok()) << actor.status();
    std::vector<std::string> names;
    if (actor.ok()) {
      for (const auto& c : actor->contacts()) names.push_back(c.name());
    }
    return names;
  }

  maillage::testing::TempDir dir_;
  std::unique_ptr<Maillage> maillage_;
  const auth::Principal a_ = Animator("team-a");
  const auth::Principal b_ = Animator("team-b");
};

TEST_F(WorkspaceTest, SuggestionsOfOneWorkspaceAreInvisibleToAnother) {
  std::string id = Suggest(a_);
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(Move(a_, id, v1::SUGGESTION_STATE_KEPT).ok());

  v1::GetSuggestionRequest get;
  get.set_id(id);
  EXPECT_TRUE(maillage_->lifecycle().GetSuggestion(get, a_).ok());
  auto other = maillage_->lifecycle().GetSuggestion(get, b_);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kNotFound);
  // The same answer as for an id nobody has: no existence leak.
  v1::GetSuggestionRequest absent;
  absent.set_id("s-0000000000000000");
  auto none = maillage_->lifecycle().GetSuggestion(absent, b_);
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound);

  EXPECT_THAT(SuggestionIds(a_), ElementsAre(id));
  EXPECT_THAT(SuggestionIds(b_), IsEmpty());
  EXPECT_EQ(Suggested(a_), 1);
  EXPECT_EQ(Suggested(b_), 0);
  EXPECT_FALSE(Events(a_).empty());
  EXPECT_THAT(Events(b_), IsEmpty());
}

TEST_F(WorkspaceTest, AnotherWorkspaceCannotMoveOrNoteASuggestion) {
  std::string id = Suggest(a_);
  ASSERT_FALSE(id.empty());
  auto moved = Move(b_, id, v1::SUGGESTION_STATE_DISMISSED, "pas pour nous");
  EXPECT_EQ(moved.status().code(), absl::StatusCode::kNotFound);
  v1::GetSuggestionRequest get;
  get.set_id(id);
  auto s = maillage_->lifecycle().GetSuggestion(get, a_);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->state(), v1::SUGGESTION_STATE_PROPOSED);
  EXPECT_EQ(s->history_size(), 1);
}

TEST_F(WorkspaceTest, EachWorkspaceHasItsOwnPipelineForTheSamePair) {
  std::string a = Suggest(a_);
  std::string b = Suggest(b_);
  ASSERT_FALSE(a.empty());
  ASSERT_FALSE(b.empty());
  EXPECT_NE(a, b);  // B cannot derive A's id from its own
  ASSERT_TRUE(Move(a_, a, v1::SUGGESTION_STATE_DISMISSED, "déjà vus").ok());
  // The cooling period is A's: B is still proposed the pair, A is not.
  EXPECT_EQ(Suggest(b_), b);
  EXPECT_EQ(Suggest(a_), "");
}

TEST_F(WorkspaceTest, PerformerAndRequesterComeFromTheCredentials) {
  std::string id = Suggest(a_, "Marie au tableau de bord");
  ASSERT_FALSE(id.empty());
  v1::UpdateSuggestionRequest move;
  move.set_id(id);
  move.set_state(v1::SUGGESTION_STATE_KEPT);
  move.set_performed_by("admin@prefecture.gouv.fr");
  auto s = maillage_->lifecycle().UpdateSuggestion(move, a_);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->requested_by(), "key:team-a");
  EXPECT_EQ(s->requested_by_name(), "Équipe team-a");
  EXPECT_EQ(s->requested_by_note(), "Marie au tableau de bord");
  ASSERT_EQ(s->history_size(), 2);
  EXPECT_EQ(s->history(0).performed_by(), "key:team-a");
  const v1::SuggestionTransition& kept = s->history(1);
  EXPECT_EQ(kept.performed_by(), "key:team-a");
  EXPECT_EQ(kept.performed_by_name(), "Équipe team-a");
  EXPECT_EQ(kept.performed_by_note(), "admin@prefecture.gouv.fr");
}

TEST_F(WorkspaceTest, PartnershipsBelongToTheirWorkspace) {
  v1::CreatePartnershipRequest create;
  create.mutable_partnership()->set_id("p-shared-name");
  create.mutable_partnership()->add_participants(kAssociation);
  create.mutable_partnership()->add_participants(kCompany);
  create.mutable_partnership()->set_category(v1::PARTNERSHIP_CATEGORY_MECENAT);
  ASSERT_TRUE(maillage_->lifecycle().CreatePartnership(create, a_).ok());

  v1::GetPartnershipRequest get;
  get.set_id("p-shared-name");
  EXPECT_TRUE(maillage_->lifecycle().GetPartnership(get, a_).ok());
  EXPECT_EQ(maillage_->lifecycle().GetPartnership(get, b_).status().code(),
            absl::StatusCode::kNotFound);
  v1::UpdatePartnershipRequest update;
  *update.mutable_partnership() = create.partnership();
  update.mutable_partnership()->set_description("changé par B");
  EXPECT_EQ(
      maillage_->lifecycle().UpdatePartnership(update, b_).status().code(),
      absl::StatusCode::kNotFound);

  v1::ListPartnershipsRequest list;
  auto of_a = maillage_->lifecycle().ListPartnerships(list, a_);
  auto of_b = maillage_->lifecycle().ListPartnerships(list, b_);
  ASSERT_TRUE(of_a.ok() && of_b.ok());
  EXPECT_EQ(of_a->partnerships_size(), 1);
  EXPECT_EQ(of_b->partnerships_size(), 0);

  // B may use the same id for its own record, which leaves A's alone.
  ASSERT_TRUE(maillage_->lifecycle().CreatePartnership(create, b_).ok());
  auto a_again = maillage_->lifecycle().GetPartnership(get, a_);
  ASSERT_TRUE(a_again.ok());
  EXPECT_TRUE(a_again->description().empty());
  EXPECT_FALSE(Events(a_).empty());
  EXPECT_EQ(Events(b_).size(), 1u);
}

// A partnership team A registered is a success of team A only: its
// similar-success factor (which names the pair) lifts a look-alike of the
// partner in A's answers, never in B's; and A's outcomes are what A's
// weights are learned from, not B's.
TEST_F(WorkspaceTest, SuccessesAndLearnedWeightsStayInTheirWorkspace) {
  const std::string twin = CreateTwin();
  FormPartnership("p-val", kAssociation, kCompany, a_);

  auto similar = [&](const auth::Principal& caller) {
    v1::ExplainMatchRequest explain;
    explain.set_actor_id(kAssociation);
    explain.set_partner_id(twin);
    auto e = maillage_->matching().ExplainMatch(explain, caller);
    EXPECT_TRUE(e.ok()) << e.status();
    for (const v1::MatchFactor& f : e->suggestion().factors()) {
      if (f.code() == "similar_success") return f;
    }
    return v1::MatchFactor();
  };
  const v1::MatchFactor in_a = similar(a_);
  EXPECT_GT(in_a.value(), 0.9);
  EXPECT_GT(in_a.contribution(), 0);
  EXPECT_THAT(in_a.detail(), ::testing::HasSubstr("Entreprise du Val"));
  const v1::MatchFactor in_b = similar(b_);
  EXPECT_EQ(in_b.value(), 0);
  EXPECT_EQ(in_b.contribution(), 0);
  EXPECT_THAT(in_b.detail(),
              ::testing::Not(::testing::HasSubstr("Entreprise du Val")));

  // The weights: A's one partnership is two labelled pairs (one per
  // participant), too few to learn from; B has none.
  auto learned_a = maillage_->matching().LearnMatchWeights({}, a_);
  auto learned_b = maillage_->matching().LearnMatchWeights({}, b_);
  ASSERT_TRUE(learned_a.ok() && learned_b.ok());
  EXPECT_EQ(learned_a->workspace(), "team-a");
  EXPECT_EQ(
      learned_a->training_positives() + learned_a->with_defaults().pairs(), 2);
  EXPECT_EQ(
      learned_b->training_positives() + learned_b->with_defaults().pairs(), 0);
  for (const auto* w : {&*learned_a, &*learned_b}) {
    EXPECT_EQ(w->source(), v1::MATCH_WEIGHTS_SOURCE_DEFAULTS);
    EXPECT_THAT(w->reason(), ::testing::HasSubstr("not enough outcomes"));
  }
  auto shown = maillage_->matching().GetMatchWeights({}, b_);
  ASSERT_TRUE(shown.ok());
  EXPECT_TRUE(shown->has_learn_time());
  EXPECT_EQ(shown->weights().complementarity(), 0.40);
}

// The background task learns a workspace again only once its outcomes grew
// by --weights_relearn_min_growth of what its last round learned from.
TEST_F(WorkspaceTest, LearnedAgainInTheBackgroundOnceOutcomesGrewEnough) {
  maillage_.reset();
  maillage_ = Open(dir_.Sub("store"), [](Maillage::Options* options) {
    options->weights_relearn_interval = absl::Seconds(1);
    options->weights_relearn_min_growth = 1;  // as many changes as pairs
  });
  ASSERT_NE(maillage_, nullptr);
  const std::string twin = CreateTwin();
  // Each partnership is one change and two labelled pairs.
  auto learn_time = [&]() -> std::optional<int64_t> {
    auto shown = maillage_->matching().GetMatchWeights({}, a_);
    EXPECT_TRUE(shown.ok()) << shown.status();
    if (!shown.ok() || !shown->has_learn_time()) return std::nullopt;
    return google::protobuf::util::TimeUtil::TimestampToMicroseconds(
        shown->learn_time());
  };
  // Waits up to 30 s for a round after `after` (none: any round).
  auto next_round = [&](std::optional<int64_t> after) {
    for (int i = 0; i < 300; ++i) {
      std::optional<int64_t> t = learn_time();
      if (t.has_value() && (!after.has_value() || *t > *after)) return t;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return std::optional<int64_t>();
  };

  FormPartnership("p-1", kAssociation, kCompany, a_);
  const std::optional<int64_t> first = next_round(std::nullopt);
  ASSERT_TRUE(first.has_value()) << "never learned in the background";
  // One change against the two pairs of the first round: not due, however
  // many intervals pass.
  FormPartnership("p-2", kAssociation, twin, a_);
  std::this_thread::sleep_for(std::chrono::milliseconds(3500));
  EXPECT_EQ(learn_time(), first);
  // A second change: due at the next interval.
  FormPartnership("p-3", kCompany, twin, a_);
  EXPECT_TRUE(next_round(first).has_value()) << "not learned again";
}

TEST_F(WorkspaceTest, ContactsBelongToTheWorkspaceThatWroteThem) {
  SetContacts(a_, "Alice");
  SetContacts(b_, "Bruno");
  EXPECT_THAT(ContactNames(a_), ElementsAre("Alice"));
  EXPECT_THAT(ContactNames(b_), ElementsAre("Bruno"));

  // Replacing B's leaves A's.
  SetContacts(b_, "Berthe");
  EXPECT_THAT(ContactNames(a_), ElementsAre("Alice"));
  EXPECT_THAT(ContactNames(b_), ElementsAre("Berthe"));

  // Lists and batch reads too.
  v1::BatchGetActorsRequest batch;
  batch.add_ids(kAssociation);
  batch.set_view(v1::ACTOR_VIEW_FULL);
  auto got = maillage_->actors().BatchGet(batch, b_);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->actors(0).contacts_size(), 1);
  EXPECT_EQ(got->actors(0).contacts(0).name(), "Berthe");
  v1::ListActorsRequest list;
  list.set_view(v1::ACTOR_VIEW_FULL);
  auto listed = maillage_->actors().List(list, a_);
  ASSERT_TRUE(listed.ok());
  for (const auto& actor : listed->actors()) {
    for (const auto& c : actor.contacts()) EXPECT_EQ(c.name(), "Alice");
  }

  // Readers and partner platforms see the public profile only.
  auth::Principal reader = Animator("team-a");
  reader.role = auth::Role::kReader;
  EXPECT_THAT(ContactNames(reader), IsEmpty());
  auth::Principal partner = Animator("team-a");
  partner.role = auth::Role::kPartner;
  EXPECT_THAT(ContactNames(partner), IsEmpty());

  // Deleting the actor (an importer of team A may) erases its contacts in
  // every workspace.
  v1::DeleteActorRequest erase;
  erase.set_id(kAssociation);
  auth::Principal importer = a_;
  importer.role = auth::Role::kImporter;
  ASSERT_TRUE(maillage_->actors().Delete(erase, importer).ok());
  int left = 0;
  ASSERT_TRUE(maillage_->store()
                  .Scan(storage::Family::kContacts, "", "",
                        [&](std::string_view, std::string_view) {
                          ++left;
                          return true;
                        })
                  .ok());
  EXPECT_EQ(left, 0);
}

TEST_F(WorkspaceTest, ImportWritesContactsIntoTheCallersWorkspace) {
  SetContacts(a_, "Alice");
  v1::ImportActorsRequest import;
  *import.add_actors() = Association();
  import.mutable_actors(0)->add_contacts()->set_name("Bérénice");
  auth::Principal importer_b = b_;  // animators import nothing
  importer_b.role = auth::Role::kImporter;
  auto imported = maillage_->actors().ImportBatch(&import, importer_b);
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_THAT(ContactNames(a_), ElementsAre("Alice"));
  EXPECT_THAT(ContactNames(b_), ElementsAre("Bérénice"));
}

TEST_F(WorkspaceTest, CustomZonesBelongToTheirWorkspace) {
  v1::CreateCustomTerritoryRequest create;
  create.mutable_territory()->mutable_ref()->set_level(
      v1::TERRITORY_LEVEL_CUSTOM);
  create.mutable_territory()->mutable_ref()->set_code("quartiers-a");
  create.mutable_territory()->set_name("Quartiers de A");
  create.mutable_territory()->add_communes("94018");
  ASSERT_TRUE(maillage_->territories().CreateCustom(create, a_).ok());

  v1::GetTerritoryRequest get;
  *get.mutable_ref() = create.territory().ref();
  EXPECT_TRUE(maillage_->territories().Get(get, a_).ok());
  EXPECT_EQ(maillage_->territories().Get(get, b_).status().code(),
            absl::StatusCode::kNotFound);

  v1::ListTerritoriesRequest list;
  list.set_level(v1::TERRITORY_LEVEL_CUSTOM);
  auto of_a = maillage_->territories().List(list, a_);
  auto of_b = maillage_->territories().List(list, b_);
  ASSERT_TRUE(of_a.ok() && of_b.ok());
  EXPECT_EQ(of_a->territories_size(), 1);
  EXPECT_EQ(of_b->territories_size(), 0);

  v1::UpdateCustomTerritoryRequest update;
  *update.mutable_territory() = create.territory();
  update.mutable_territory()->set_name("Pris par B");
  EXPECT_EQ(maillage_->territories().UpdateCustom(update, b_).status().code(),
            absl::StatusCode::kNotFound);
  v1::DeleteCustomTerritoryRequest erase;
  erase.set_code("quartiers-a");
  EXPECT_EQ(maillage_->territories().DeleteCustom(erase, b_).code(),
            absl::StatusCode::kNotFound);

  // B cannot use A's zone as a filter either: to B it does not exist.
  v1::GetTerritoryMetricsRequest metrics;
  *metrics.mutable_territory() = create.territory().ref();
  EXPECT_TRUE(maillage_->lifecycle().Metrics(metrics, a_).ok());
  EXPECT_EQ(maillage_->lifecycle().Metrics(metrics, b_).status().code(),
            absl::StatusCode::kInvalidArgument);

  // Codes are one namespace: B's clash is ALREADY_EXISTS, naming no owner.
  auto clash = maillage_->territories().CreateCustom(create, b_);
  EXPECT_EQ(clash.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(std::string(clash.status().message()).find("team-a"),
            std::string::npos);
  EXPECT_TRUE(maillage_->territories().Get(get, a_).ok());
}

TEST_F(WorkspaceTest, WorkspaceRecordsSurviveARestart) {
  std::string id = Suggest(a_);
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(Move(a_, id, v1::SUGGESTION_STATE_DISMISSED, "non").ok());
  SetContacts(b_, "Bruno");
  maillage_.reset();
  maillage_ = Open(dir_.Sub("store"));
  ASSERT_NE(maillage_, nullptr);
  EXPECT_THAT(SuggestionIds(a_), ElementsAre(id));
  EXPECT_THAT(SuggestionIds(b_), IsEmpty());
  EXPECT_THAT(ContactNames(b_), ElementsAre("Bruno"));
  EXPECT_THAT(ContactNames(a_), IsEmpty());
  EXPECT_EQ(Suggest(a_), "");  // still cooling for A
  EXPECT_FALSE(Suggest(b_).empty());
}

// A schema-1 store, written record by record as the previous release laid
// them out (keys without workspaces, events without one). The first
// `already_moved` suggestions are in the new layout, as a migration
// interrupted after its first chunk leaves them.
void WriteSchemaOneStore(const std::string& path, int suggestions,
                         int already_moved = 0) {
  storage::Store::Options options;
  options.path = path;
  options.sync_writes = false;
  auto store = storage::Store::Open(options);  // writes version 2: reset it
  ASSERT_TRUE(store.ok()) << store.status();
  storage::WriteBatch batch;
  batch.Put(storage::Family::kMeta, storage::keys::kSchemaVersion, "1");
  for (const v1::Actor& a : {Association(), Company()}) {
    batch.PutMessage(storage::Family::kActors, a.id(), a);
  }
  storage::ContactRecord contacts;
  contacts.add_contacts()->set_name("Ancienne");
  batch.PutMessage(storage::Family::kContacts, kAssociation, contacts);
  for (int i = 0; i < suggestions; ++i) {
    v1::Suggestion s;
    s.set_id("s-old" + std::to_string(i));
    s.set_actor_id(kAssociation);
    s.set_partner_id(kCompany);
    s.set_category(v1::PARTNERSHIP_CATEGORY_MECENAT);
    s.set_state(v1::SUGGESTION_STATE_PROPOSED);
    // Served now: retention, which sweeps at start, leaves it alone.
    const google::protobuf::Timestamp now =
        google::protobuf::util::TimeUtil::GetCurrentTime();
    *s.mutable_first_shown() = now;
    *s.mutable_last_shown() = now;
    *s.mutable_update_time() = now;
    auto key = [&](std::string_view rest) {
      return i < already_moved ? storage::keys::InWorkspace(
                                     storage::keys::kDefaultWorkspace, rest)
                               : std::string(rest);
    };
    batch.PutMessage(storage::Family::kSuggestions, key(s.id()), s);
    batch.Put(storage::Family::kSuggestionsByActor,
              key(storage::keys::ByActor(kAssociation, s.id())), "");
    batch.Put(storage::Family::kSuggestionsByActor,
              key(storage::keys::ByActor(kCompany, s.id())), "");
    storage::EventRecord event;
    if (i < already_moved) {
      event.set_workspace(std::string(storage::keys::kDefaultWorkspace));
    }
    *event.mutable_event()->mutable_suggestion() = s;
    event.mutable_event()->set_token(std::to_string(i + 1));
    *event.mutable_event()->mutable_time() = now;
    event.add_communes("94018");
    batch.PutMessage(storage::Family::kEvents,
                     storage::keys::Event(static_cast<uint64_t>(i + 1)), event);
  }
  v1::Partnership p;
  p.set_id("p-old");
  p.add_participants(kAssociation);
  p.add_participants(kCompany);
  p.set_category(v1::PARTNERSHIP_CATEGORY_MECENAT);
  batch.PutMessage(storage::Family::kPartnerships, p.id(), p);
  for (const char* a : {kAssociation, kCompany}) {
    batch.Put(storage::Family::kPartnershipsByActor,
              storage::keys::ByActor(a, p.id()), "");
  }
  v1::Territory zone;
  zone.mutable_ref()->set_level(v1::TERRITORY_LEVEL_CUSTOM);
  zone.mutable_ref()->set_code("ancienne-zone");
  zone.set_name("Ancienne zone");
  zone.add_communes("94018");
  batch.PutMessage(storage::Family::kTerritories, "ancienne-zone", zone);
  ASSERT_TRUE((*store)->Write(batch).ok());
}

TEST(WorkspaceMigrationTest, SchemaOneStoreMovesIntoTheDefaultWorkspace) {
  maillage::testing::TempDir dir;
  // More suggestions than one migration chunk holds.
  constexpr int kSuggestions = 2500;
  WriteSchemaOneStore(dir.Sub("store"), kSuggestions);
  auto m = Open(dir.Sub("store"));
  ASSERT_NE(m, nullptr);
  auth::Principal system = auth::Principal::System();
  ASSERT_EQ(system.workspace, auth::kDefaultWorkspace);

  auto version =
      m->store().Get(storage::Family::kMeta, storage::keys::kSchemaVersion);
  ASSERT_TRUE(version.ok() && version->has_value());
  EXPECT_EQ(**version, std::to_string(storage::kSchemaVersion));

  v1::GetSuggestionRequest get;
  get.set_id("s-old7");
  EXPECT_TRUE(m->lifecycle().GetSuggestion(get, system).ok());
  EXPECT_EQ(
      m->lifecycle().GetSuggestion(get, Animator("team-b")).status().code(),
      absl::StatusCode::kNotFound);
  int listed = 0;
  v1::ListSuggestionsRequest list;
  list.set_actor_id(kCompany);
  list.set_page_size(1000);
  for (;;) {
    auto page = m->lifecycle().ListSuggestions(list, system);
    ASSERT_TRUE(page.ok()) << page.status();
    listed += page->suggestions_size();
    if (page->next_page_token().empty()) break;
    list.set_page_token(page->next_page_token());
  }
  EXPECT_EQ(listed, kSuggestions);

  v1::GetPartnershipRequest partnership;
  partnership.set_id("p-old");
  EXPECT_TRUE(m->lifecycle().GetPartnership(partnership, system).ok());

  v1::GetActorRequest actor;
  actor.set_id(kAssociation);
  actor.set_view(v1::ACTOR_VIEW_FULL);
  auto full = m->actors().Get(actor, system);
  ASSERT_TRUE(full.ok());
  ASSERT_EQ(full->contacts_size(), 1);
  EXPECT_EQ(full->contacts(0).name(), "Ancienne");

  v1::GetTerritoryRequest zone;
  zone.mutable_ref()->set_level(v1::TERRITORY_LEVEL_CUSTOM);
  zone.mutable_ref()->set_code("ancienne-zone");
  EXPECT_TRUE(m->territories().Get(zone, system).ok());

  uint64_t last = 0;
  auto events = m->events().Read(
      0, kSuggestions + 10, auth::kDefaultWorkspace,
      [](const storage::EventRecord&) { return true; }, &last);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->size(), static_cast<size_t>(kSuggestions));

  // Every record moved once: no schema-1 key is left, none is doubled.
  size_t old_keys = 0, suggestion_keys = 0;
  ASSERT_TRUE(m->store()
                  .Scan(storage::Family::kSuggestions, "", "",
                        [&](std::string_view key, std::string_view) {
                          ++suggestion_keys;
                          if (key.find('\0') == std::string_view::npos) {
                            ++old_keys;
                          }
                          return true;
                        })
                  .ok());
  EXPECT_EQ(old_keys, 0u);
  EXPECT_EQ(suggestion_keys, static_cast<size_t>(kSuggestions));
}

TEST(WorkspaceMigrationTest, InterruptedMigrationResumes) {
  maillage::testing::TempDir dir;
  WriteSchemaOneStore(dir.Sub("store"), 10, /*already_moved=*/4);
  auto m = Open(dir.Sub("store"));
  ASSERT_NE(m, nullptr);
  v1::ListSuggestionsRequest list;
  auto all = m->lifecycle().ListSuggestions(list, auth::Principal::System());
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->suggestions_size(), 10);
  list.set_actor_id(kAssociation);
  auto of_actor =
      m->lifecycle().ListSuggestions(list, auth::Principal::System());
  ASSERT_TRUE(of_actor.ok());
  EXPECT_EQ(of_actor->suggestions_size(), 10);
  uint64_t last = 0;
  auto events = m->events().Read(
      0, 100, auth::kDefaultWorkspace,
      [](const storage::EventRecord&) { return true; }, &last);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->size(), 10u);
}

TEST(WorkspaceMigrationTest, NewerStoreIsRefused) {
  maillage::testing::TempDir dir;
  {
    storage::Store::Options options;
    options.path = dir.Sub("store");
    auto store = storage::Store::Open(options);
    ASSERT_TRUE(store.ok());
    storage::WriteBatch batch;
    batch.Put(storage::Family::kMeta, storage::keys::kSchemaVersion,
              std::to_string(storage::kSchemaVersion + 1));
    ASSERT_TRUE((*store)->Write(batch).ok());
  }
  storage::Store::Options options;
  options.path = dir.Sub("store");
  auto store = storage::Store::Open(options);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace maillage::core

// Territorial scopes enforced by the core (issue #11), on a real store: what
// an animator, an importer and a partner of the Deux-Sèvres (79) may read,
// list, match and write, and what they get outside it.
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "core/access_scope.h"
#include "core/errors.h"
#include "core/maillage.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace maillage::core {
namespace {

using absl::StatusCode;

// Deux-Sèvres (79, Nouvelle-Aquitaine 75): Niort. Elsewhere: Poitiers (86,
// also 75), Charenton-le-Pont (94, Île-de-France 11).
constexpr char kNiort[] = "79191";
constexpr char kPoitiers[] = "86194";
constexpr char kCharenton[] = "94018";

constexpr char kAssociation79[] = "rna:W791000001";
constexpr char kCompany79[] = "siret:79100000000011";
constexpr char kAssociation94[] = "rna:W941000001";
constexpr char kCompany94[] = "siret:94100000000011";
// Homed in the 94, acting on the whole Deux-Sèvres.
constexpr char kActing79[] = "siret:94100000000029";

v1::TerritoryRef Ref(v1::TerritoryLevel level, std::string code) {
  v1::TerritoryRef ref;
  ref.set_level(level);
  ref.set_code(std::move(code));
  return ref;
}
v1::TerritoryRef Departement(std::string code) {
  return Ref(v1::TERRITORY_LEVEL_DEPARTEMENT, std::move(code));
}

v1::Actor Actor(std::string id, v1::ActorKind kind, std::string commune) {
  v1::Actor a;
  a.set_id(std::move(id));
  a.set_kind(kind);
  a.set_name(absl::StrCat("Acteur ", AsAbsl(a.id())));
  a.set_home_commune(std::move(commune));
  a.add_themes("youth");
  a.set_capacity(50);
  auto* e = kind == v1::ACTOR_KIND_COMPANY ? a.add_offers() : a.add_needs();
  e->set_resource("funding");
  e->set_theme("youth");
  return a;
}

auth::Principal Scoped(auth::Role role, std::vector<std::string> territories) {
  auth::Principal p;
  p.id = "key:test";
  p.role = role;
  p.territories = std::move(territories);
  return p;
}

const auth::Principal kSystem = auth::Principal::System();

class ScopeEnforcementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Maillage::Options options;
    options.data_dir = dir_.Sub("store");
    options.reference_dir = MAILLAGE_REFERENCE_DIR;
    options.sync_writes = false;
    auto opened = Maillage::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    m_ = std::move(*opened);
    v1::Actor acting = Actor(kActing79, v1::ACTOR_KIND_COMPANY, kCharenton);
    *acting.add_action_territories() = Departement("79");
    for (const v1::Actor& a :
         {Actor(kAssociation79, v1::ACTOR_KIND_ASSOCIATION, kNiort),
          Actor(kCompany79, v1::ACTOR_KIND_COMPANY, kNiort),
          Actor(kAssociation94, v1::ACTOR_KIND_ASSOCIATION, kCharenton),
          Actor(kCompany94, v1::ACTOR_KIND_COMPANY, kCharenton), acting}) {
      Seed(a);
    }
  }

  absl::StatusOr<v1::Actor> Create(const v1::Actor& a,
                                   const auth::Principal& caller) {
    v1::CreateActorRequest create;
    *create.mutable_actor() = a;
    return m_->actors().Create(create, caller);
  }
  // Stores `a` as the server itself.
  void Seed(const v1::Actor& a) {
    auto created = Create(a, kSystem);
    ASSERT_TRUE(created.ok()) << created.status();
  }
  absl::StatusOr<v1::Actor> Get(const std::string& id,
                                const auth::Principal& caller) {
    v1::GetActorRequest get;
    get.set_id(id);
    return m_->actors().Get(get, caller);
  }
  absl::StatusOr<v1::Actor> Update(const v1::Actor& a,
                                   std::vector<std::string> mask,
                                   const auth::Principal& caller) {
    v1::UpdateActorRequest update;
    *update.mutable_actor() = a;
    for (auto& path : mask) update.mutable_update_mask()->add_paths(path);
    return m_->actors().Update(update, caller);
  }
  absl::Status Delete(const std::string& id, const auth::Principal& caller) {
    v1::DeleteActorRequest request;
    request.set_id(id);
    return m_->actors().Delete(request, caller);
  }
  // Every id ListActors gives `caller`, page after page.
  std::vector<std::string> ListAll(const auth::Principal& caller,
                                   v1::ListActorsRequest request,
                                   int* empty_pages = nullptr) {
    std::vector<std::string> ids;
    for (int page = 0; page < 10000; ++page) {
      auto answer = m_->actors().List(request, caller);
      EXPECT_TRUE(answer.ok()) << answer.status();
      if (!answer.ok()) break;
      if (answer->actors_size() == 0 && empty_pages != nullptr) ++*empty_pages;
      for (const auto& a : answer->actors()) ids.push_back(a.id());
      if (answer->next_page_token().empty()) break;
      request.set_page_token(answer->next_page_token());
    }
    return ids;
  }

  maillage::testing::TempDir dir_;
  std::unique_ptr<Maillage> m_;
  const auth::Principal animator_ =
      Scoped(auth::Role::kAnimator, {"departement:79"});
  const auth::Principal importer_ =
      Scoped(auth::Role::kImporter, {"departement:79"});
};

TEST_F(ScopeEnforcementTest, GetOutsideIsNotFoundLikeAMissingId) {
  EXPECT_TRUE(Get(kAssociation79, animator_).ok());
  EXPECT_TRUE(Get(kActing79, animator_).ok());  // by its action territory
  auto outside = Get(kAssociation94, animator_);
  EXPECT_EQ(outside.status(), NotFound("actor", kAssociation94));
  const std::string missing = "rna:W940000000";
  EXPECT_EQ(Get(missing, animator_).status(), NotFound("actor", missing));
  EXPECT_TRUE(Get(kAssociation94, kSystem).ok());
  // A scope naming nothing sees nothing.
  EXPECT_EQ(
      Get(kAssociation79, Scoped(auth::Role::kReader, {})).status().code(),
      StatusCode::kNotFound);
}

TEST_F(ScopeEnforcementTest, BatchGetTreatsOutsideAsMissing) {
  v1::BatchGetActorsRequest request;
  request.add_ids(kAssociation79);
  request.add_ids(kAssociation94);
  auto answer = m_->actors().BatchGet(request, animator_);
  EXPECT_EQ(answer.status(), NotFound("actor", kAssociation94));
  request.clear_ids();
  request.add_ids(kAssociation79);
  request.add_ids(kActing79);
  answer = m_->actors().BatchGet(request, animator_);
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->actors_size(), 2);
}

TEST_F(ScopeEnforcementTest, ListsOnlyTheScopeOnEveryPage) {
  const std::vector<std::string> in_scope = {kActing79, kAssociation79,
                                             kCompany79};
  for (int page_size : {1, 2, 100}) {
    v1::ListActorsRequest request;
    request.set_page_size(page_size);
    std::vector<std::string> ids = ListAll(animator_, request);
    std::sort(ids.begin(), ids.end());
    std::vector<std::string> expected = in_scope;
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(ids, expected) << "page_size " << page_size;
    // Filtered (the index path).
    request.set_kind(v1::ACTOR_KIND_COMPANY);
    ids = ListAll(animator_, request);
    std::sort(ids.begin(), ids.end());
    EXPECT_EQ(ids, (std::vector<std::string>{kCompany79, kActing79}));
  }
  v1::ListActorsRequest all;
  EXPECT_EQ(ListAll(kSystem, all).size(), 5u);
}

// Thousands of actors outside the scope before the last ones inside: the
// pages are bounded (some come back empty, with a next page) and the walk
// still finds every actor in scope, unfiltered and filtered alike.
TEST_F(ScopeEnforcementTest, ScopedListingBoundsTheWorkPerPage) {
  constexpr int kOutside = 10500;
  for (int start = 0; start < kOutside; start += 5000) {
    v1::ImportActorsRequest batch;
    for (int i = start; i < std::min(kOutside, start + 5000); ++i) {
      *batch.add_actors() = Actor(absl::StrCat("ext:bulk:a", 100000 + i),
                                  v1::ACTOR_KIND_ASSOCIATION, kCharenton);
    }
    auto imported = m_->actors().ImportBatch(&batch, kSystem);
    ASSERT_TRUE(imported.ok()) << imported.status();
    ASSERT_EQ(imported->counts().created(), std::min(5000, kOutside - start));
  }
  // After every "ext:bulk:a…" in id order.
  Seed(Actor("ext:bulk:z1", v1::ACTOR_KIND_ASSOCIATION, kNiort));
  Seed(Actor("ext:bulk:z2", v1::ACTOR_KIND_ASSOCIATION, kNiort));

  for (bool filtered : {false, true}) {
    SCOPED_TRACE(filtered ? "filtered" : "unfiltered");
    v1::ListActorsRequest request;
    request.set_page_size(50);
    if (filtered) request.set_kind(v1::ACTOR_KIND_ASSOCIATION);
    int empty_pages = 0;
    std::vector<std::string> ids = ListAll(animator_, request, &empty_pages);
    std::set<std::string> got(ids.begin(), ids.end());
    EXPECT_EQ(got.size(), ids.size());
    std::set<std::string> expected = {kAssociation79, "ext:bulk:z1",
                                      "ext:bulk:z2"};
    if (!filtered) {
      expected.insert(kCompany79);
      expected.insert(kActing79);
    }
    EXPECT_EQ(got, expected);
    EXPECT_GE(empty_pages, 1);
  }
}

TEST_F(ScopeEnforcementTest, WritesOutsideArePermissionDenied) {
  // Create: home inside, home outside, home outside but acting inside.
  EXPECT_TRUE(
      Create(Actor("siret:79200000000011", v1::ACTOR_KIND_COMPANY, kNiort),
             importer_)
          .ok());
  auto outside =
      Create(Actor("siret:86200000000011", v1::ACTOR_KIND_COMPANY, kPoitiers),
             importer_);
  EXPECT_EQ(outside.status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(absl::StrContains(outside.status().message(),
                                "outside your territories"));
  v1::Actor acting =
      Actor("siret:86200000000029", v1::ACTOR_KIND_COMPANY, kPoitiers);
  *acting.add_action_territories() = Ref(v1::TERRITORY_LEVEL_COMMUNE, kNiort);
  EXPECT_TRUE(Create(acting, importer_).ok());

  // Update: the stored version outside; the new version moved outside.
  v1::Actor moved = Actor(kAssociation94, v1::ACTOR_KIND_ASSOCIATION, kNiort);
  EXPECT_EQ(Update(moved, {}, importer_).status().code(),
            StatusCode::kPermissionDenied);
  v1::Actor away =
      Actor(kAssociation79, v1::ACTOR_KIND_ASSOCIATION, kCharenton);
  EXPECT_EQ(Update(away, {"home_commune"}, importer_).status().code(),
            StatusCode::kPermissionDenied);
  v1::Actor renamed = Actor(kAssociation79, v1::ACTOR_KIND_ASSOCIATION, kNiort);
  renamed.set_name("Nouveau nom");
  EXPECT_TRUE(Update(renamed, {"name"}, importer_).ok());

  // Delete.
  EXPECT_EQ(Delete(kAssociation94, importer_).code(),
            StatusCode::kPermissionDenied);
  EXPECT_TRUE(Get(kAssociation94, kSystem).ok());
  EXPECT_TRUE(Delete(kCompany79, importer_).ok());
}

TEST_F(ScopeEnforcementTest, PartnerWritesOnlyItsNamespace) {
  auth::Principal partner = Scoped(auth::Role::kPartner, {"departement:79"});
  partner.partner = "benevolat";
  EXPECT_TRUE(
      Create(Actor("ext:benevolat:1", v1::ACTOR_KIND_ASSOCIATION, kNiort),
             partner)
          .ok());
  for (const char* id : {"ext:other:1", "rna:W791000002", "ext:benevolatx:1"}) {
    SCOPED_TRACE(id);
    EXPECT_EQ(Create(Actor(id, v1::ACTOR_KIND_ASSOCIATION, kNiort), partner)
                  .status()
                  .code(),
              StatusCode::kPermissionDenied);
  }
  // In its namespace but outside its territories.
  EXPECT_EQ(
      Create(Actor("ext:benevolat:2", v1::ACTOR_KIND_ASSOCIATION, kCharenton),
             partner)
          .status()
          .code(),
      StatusCode::kPermissionDenied);
  // No id: one of its namespace.
  auto assigned =
      Create(Actor("", v1::ACTOR_KIND_ASSOCIATION, kNiort), partner);
  ASSERT_TRUE(assigned.ok()) << assigned.status();
  EXPECT_TRUE(absl::StartsWith(assigned->id(), "ext:benevolat:"))
      << assigned->id();

  v1::Actor renamed =
      Actor("ext:benevolat:1", v1::ACTOR_KIND_ASSOCIATION, kNiort);
  renamed.set_name("Renommé");
  EXPECT_TRUE(Update(renamed, {"name"}, partner).ok());
  v1::Actor theirs = Actor(kAssociation79, v1::ACTOR_KIND_ASSOCIATION, kNiort);
  EXPECT_EQ(Update(theirs, {"name"}, partner).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(Delete(kAssociation79, partner).code(),
            StatusCode::kPermissionDenied);
  EXPECT_TRUE(Delete("ext:benevolat:1", partner).ok());
  // A partner credential without a namespace writes nothing.
  auth::Principal nameless = Scoped(auth::Role::kPartner, {"departement:79"});
  EXPECT_EQ(Create(Actor("", v1::ACTOR_KIND_ASSOCIATION, kNiort), nameless)
                .status()
                .code(),
            StatusCode::kPermissionDenied);
  nameless.partner = "bad:name";
  EXPECT_EQ(Create(Actor("", v1::ACTOR_KIND_ASSOCIATION, kNiort), nameless)
                .status()
                .code(),
            StatusCode::kPermissionDenied);
}

TEST_F(ScopeEnforcementTest, AnimatorChangesOnlyContacts) {
  v1::Actor a = Actor(kAssociation79, v1::ACTOR_KIND_ASSOCIATION, kNiort);
  auto* contact = a.add_contacts();
  contact->set_name("Camille Martin");
  contact->set_email("camille@example.org");
  EXPECT_TRUE(Update(a, {"contacts"}, animator_).ok());
  for (const auto& mask : std::vector<std::vector<std::string>>{
           {}, {"*"}, {"name"}, {"contacts", "name"}}) {
    SCOPED_TRACE(mask.empty() ? "no mask" : mask.back());
    EXPECT_EQ(Update(a, mask, animator_).status().code(),
              StatusCode::kPermissionDenied);
  }
  // Contacts of an actor outside its territories: denied too.
  v1::Actor other =
      Actor(kAssociation94, v1::ACTOR_KIND_ASSOCIATION, kCharenton);
  *other.add_contacts() = *contact;
  EXPECT_EQ(Update(other, {"contacts"}, animator_).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(
      Create(Actor("siret:79300000000011", v1::ACTOR_KIND_COMPANY, kNiort),
             animator_)
          .status()
          .code(),
      StatusCode::kPermissionDenied);
  EXPECT_EQ(Delete(kAssociation79, animator_).code(),
            StatusCode::kPermissionDenied);
  v1::ImportActorsRequest batch;
  *batch.add_actors() =
      Actor("siret:79300000000011", v1::ACTOR_KIND_COMPANY, kNiort);
  EXPECT_EQ(m_->actors().ImportBatch(&batch, animator_).status().code(),
            StatusCode::kPermissionDenied);
}

TEST_F(ScopeEnforcementTest, ImportRefusesRowsOutsideOneByOne) {
  v1::ImportActorsRequest batch;
  batch.set_first_row_number(1);
  *batch.add_actors() =
      Actor("siret:79400000000011", v1::ACTOR_KIND_COMPANY, kNiort);  // 1
  *batch.add_actors() =
      Actor("siret:86400000000011", v1::ACTOR_KIND_COMPANY, kPoitiers);  // 2
  // 3: an actor stored outside, brought "home" to Niort by the row.
  *batch.add_actors() =
      Actor(kAssociation94, v1::ACTOR_KIND_ASSOCIATION, kNiort);
  v1::Actor renamed = Actor(kCompany79, v1::ACTOR_KIND_COMPANY, kNiort);  // 4
  renamed.set_name("Renommée");
  *batch.add_actors() = renamed;
  auto report = m_->actors().ImportBatch(&batch, importer_);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->counts().created(), 1);
  EXPECT_EQ(report->counts().updated(), 1);
  EXPECT_EQ(report->counts().rejected(), 2);
  ASSERT_EQ(report->errors_size(), 2);
  EXPECT_EQ(report->errors(0).row_number(), 2);
  EXPECT_EQ(report->errors(1).row_number(), 3);
  for (const auto& e : report->errors()) {
    EXPECT_TRUE(absl::StrContains(e.reason(), "outside your territories"))
        << e.reason();
  }
  EXPECT_TRUE(Get("siret:79400000000011", kSystem).ok());
  EXPECT_FALSE(Get("siret:86400000000011", kSystem).ok());
  EXPECT_EQ(Get(kAssociation94, kSystem)->home_commune(), kCharenton);

  // A partner's rows outside its namespace are refused the same way.
  auth::Principal partner = Scoped(auth::Role::kPartner, {"departement:79"});
  partner.partner = "benevolat";
  v1::ImportActorsRequest rows;
  *rows.add_actors() =
      Actor("ext:benevolat:9", v1::ACTOR_KIND_ASSOCIATION, kNiort);
  *rows.add_actors() = Actor("ext:other:9", v1::ACTOR_KIND_ASSOCIATION, kNiort);
  report = m_->actors().ImportBatch(&rows, partner);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->counts().created(), 1);
  EXPECT_EQ(report->counts().rejected(), 1);
}

TEST_F(ScopeEnforcementTest, MatchingSubjectsOutsideAreNotFound) {
  v1::SuggestPartnersRequest suggest;
  suggest.set_actor_id(kAssociation94);
  suggest.set_preview(true);
  EXPECT_EQ(m_->matching().SuggestPartners(suggest, animator_).status(),
            NotFound("actor", kAssociation94));
  v1::ExplainMatchRequest explain;
  explain.set_actor_id(kAssociation79);
  explain.set_partner_id(kCompany94);
  EXPECT_EQ(m_->matching().ExplainMatch(explain, animator_).status(),
            NotFound("actor", kCompany94));
  explain.set_partner_id(kCompany79);
  EXPECT_TRUE(m_->matching().ExplainMatch(explain, animator_).ok());
}

TEST_F(ScopeEnforcementTest, TerritoryReadsNeedTheTerritoryToMeetTheScope) {
  const auto expect_denied = [](const absl::Status& s) {
    EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << s;
  };
  v1::SuggestCoalitionRequest coalition;
  *coalition.mutable_territory() = Departement("94");
  coalition.add_themes("youth");
  expect_denied(m_->matching().SuggestCoalition(coalition, animator_).status());
  v1::SuggestDialoguePanelRequest panel;
  *panel.mutable_territory() = Departement("94");
  panel.add_themes("youth");
  expect_denied(m_->matching().SuggestDialoguePanel(panel, animator_).status());
  v1::SuggestForTerritoryRequest for_territory;
  *for_territory.mutable_territory() = Departement("94");
  expect_denied(
      m_->matching().SuggestForTerritory(for_territory, animator_).status());
  v1::GetTerritoryDiagnosisRequest diagnosis;
  *diagnosis.mutable_territory() = Departement("94");
  expect_denied(m_->territories().Diagnose(diagnosis, animator_).status());
  v1::GetTerritoryMetricsRequest metrics;
  *metrics.mutable_territory() = Departement("94");
  expect_denied(m_->lifecycle().Metrics(metrics, animator_).status());

  // The région around the scope meets it: allowed, restricted to the scope.
  *metrics.mutable_territory() = Ref(v1::TERRITORY_LEVEL_REGION, "75");
  EXPECT_TRUE(m_->lifecycle().Metrics(metrics, animator_).ok());
  Seed(Actor("rna:W861000001", v1::ACTOR_KIND_ASSOCIATION, kPoitiers));
  *diagnosis.mutable_territory() = Ref(v1::TERRITORY_LEVEL_REGION, "75");
  auto scoped = m_->territories().Diagnose(diagnosis, animator_);
  auto everyone = m_->territories().Diagnose(diagnosis, kSystem);
  ASSERT_TRUE(scoped.ok()) << scoped.status();
  ASSERT_TRUE(everyone.ok()) << everyone.status();
  // Niort's two, and the 94 company acting on the 79; Poitiers' not.
  EXPECT_EQ(scoped->actor_count(), 3);
  EXPECT_EQ(everyone->actor_count(), 4);

  *panel.mutable_territory() = Ref(v1::TERRITORY_LEVEL_REGION, "75");
  panel.set_size(20);
  auto invited = m_->matching().SuggestDialoguePanel(panel, animator_);
  ASSERT_TRUE(invited.ok()) << invited.status();
  EXPECT_FALSE(invited->invitations().empty());
  for (const auto& inv : invited->invitations()) {
    EXPECT_NE(inv.actor_id(), "rna:W861000001");
  }
  *coalition.mutable_territory() = Ref(v1::TERRITORY_LEVEL_REGION, "75");
  auto formed = m_->matching().SuggestCoalition(coalition, animator_);
  ASSERT_TRUE(formed.ok()) << formed.status();
  for (const auto& member : formed->coalition().members()) {
    EXPECT_NE(member.actor_id(), "rna:W861000001");
  }
  *for_territory.mutable_territory() = Ref(v1::TERRITORY_LEVEL_REGION, "75");
  auto assigned = m_->matching().SuggestForTerritory(for_territory, animator_);
  ASSERT_TRUE(assigned.ok()) << assigned.status();
  for (const auto& a : assigned->assignments()) {
    EXPECT_NE(a.actor_id(), "rna:W861000001");
  }
}

TEST_F(ScopeEnforcementTest, FactsAreWrittenOnlyInsideTheScope) {
  auto fact_on = [](v1::TerritoryRef ref, std::string title) {
    v1::TerritoryFact f;
    f.set_type(v1::FACT_TYPE_FRAGILITY);
    *f.mutable_territory() = std::move(ref);
    f.set_theme("youth");
    f.set_title(std::move(title));
    return f;
  };
  v1::CreateFactRequest create;
  *create.mutable_fact() = fact_on(Departement("79"), "Chômage des jeunes");
  auto inside = m_->territories().CreateFact(create, importer_);
  ASSERT_TRUE(inside.ok()) << inside.status();
  // The région meets the scope but is not inside it; the 94 is outside.
  for (auto ref : {Ref(v1::TERRITORY_LEVEL_REGION, "75"), Departement("94")}) {
    *create.mutable_fact() = fact_on(ref, "Ailleurs");
    EXPECT_EQ(m_->territories().CreateFact(create, importer_).status().code(),
              StatusCode::kPermissionDenied);
  }
  *create.mutable_fact() = fact_on(Departement("94"), "Dans le 94");
  auto theirs = m_->territories().CreateFact(create, kSystem);
  ASSERT_TRUE(theirs.ok()) << theirs.status();

  v1::UpdateFactRequest update;
  *update.mutable_fact() = *theirs;
  update.mutable_fact()->set_title("Changé");
  update.mutable_update_mask()->add_paths("title");
  EXPECT_EQ(m_->territories().UpdateFact(update, importer_).status().code(),
            StatusCode::kPermissionDenied);
  // Moving a fact of the scope out of it.
  *update.mutable_fact() = *inside;
  *update.mutable_fact()->mutable_territory() = Departement("94");
  update.mutable_update_mask()->set_paths(0, "territory");
  EXPECT_EQ(m_->territories().UpdateFact(update, importer_).status().code(),
            StatusCode::kPermissionDenied);
  v1::DeleteFactRequest del;
  del.set_id(theirs->id());
  EXPECT_EQ(m_->territories().DeleteFact(del, importer_).code(),
            StatusCode::kPermissionDenied);

  v1::ImportFactsRequest import;
  import.set_first_row_number(1);
  *import.add_facts() = fact_on(Ref(v1::TERRITORY_LEVEL_COMMUNE, kNiort), "A");
  *import.add_facts() = fact_on(Departement("86"), "B");
  auto report = m_->territories().ImportFacts(import, importer_);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->created(), 1);
  EXPECT_EQ(report->rejected(), 1);
  ASSERT_EQ(report->errors_size(), 1);
  EXPECT_EQ(report->errors(0).row_number(), 2);
}

TEST_F(ScopeEnforcementTest, SuggestionsNamingAnActorOutsideAreHidden) {
  // Served as the server itself: the 79 association gets the 79 companies
  // and the 94 one; the 94 association gets companies of both.
  for (const char* asker : {kAssociation79, kAssociation94}) {
    v1::SuggestPartnersRequest suggest;
    suggest.set_actor_id(asker);
    auto served = m_->matching().SuggestPartners(suggest, kSystem);
    ASSERT_TRUE(served.ok()) << served.status();
  }
  v1::ListSuggestionsRequest list;
  list.set_page_size(100);
  auto everyone = m_->lifecycle().ListSuggestions(list, kSystem);
  auto mine = m_->lifecycle().ListSuggestions(list, animator_);
  ASSERT_TRUE(everyone.ok()) << everyone.status();
  ASSERT_TRUE(mine.ok()) << mine.status();
  std::shared_ptr<const AccessScope> scope = m_->actors().ScopeOf(animator_);
  int hidden = 0;
  for (const v1::Suggestion& s : everyone->suggestions()) {
    const bool visible = scope->CoversRecord(*Get(s.actor_id(), kSystem)) &&
                         scope->CoversRecord(*Get(s.partner_id(), kSystem));
    bool listed = false;
    for (const v1::Suggestion& m : mine->suggestions()) {
      listed |= m.id() == s.id();
    }
    EXPECT_EQ(listed, visible) << s.actor_id() << " / " << s.partner_id();
    v1::GetSuggestionRequest get;
    get.set_id(s.id());
    auto got = m_->lifecycle().GetSuggestion(get, animator_);
    EXPECT_EQ(got.ok(), visible);
    if (!visible) {
      ++hidden;
      EXPECT_EQ(got.status().code(), StatusCode::kNotFound);
      v1::UpdateSuggestionRequest update;
      update.set_id(s.id());
      update.set_state(v1::SUGGESTION_STATE_KEPT);
      EXPECT_EQ(
          m_->lifecycle().UpdateSuggestion(update, animator_).status().code(),
          StatusCode::kPermissionDenied);
    }
  }
  EXPECT_GT(hidden, 0);
  EXPECT_GT(mine->suggestions_size(), 0);
}

// Property: over many actors spread over four départements, whatever the
// actor asking, SuggestPartners never proposes an actor outside the
// caller's scope, while the same call unscoped does propose some.
TEST_F(ScopeEnforcementTest, MatchingNeverProposesOutsideTheScope) {
  const std::vector<std::string> communes = {kNiort, kPoitiers, kCharenton,
                                             "17300", "79049"};
  const std::vector<std::string> themes = {"youth", "employment_insertion",
                                           "health", "housing"};
  const std::vector<std::string> resources = {"funding", "skills", "volunteers",
                                              "premises"};
  std::mt19937 rng(11);
  auto pick = [&](const std::vector<std::string>& from) {
    return from[rng() % from.size()];
  };
  v1::ImportActorsRequest batch;
  for (int i = 0; i < 400; ++i) {
    const bool company = i % 2 == 1;
    v1::Actor a =
        Actor(absl::StrCat("ext:prop:", 1000 + i),
              company ? v1::ACTOR_KIND_COMPANY : v1::ACTOR_KIND_ASSOCIATION,
              pick(communes));
    a.clear_themes();
    a.add_themes(pick(themes));
    for (int k = 0; k < 2; ++k) {
      auto* e = company ? a.add_offers() : a.add_needs();
      e->set_resource(pick(resources));
      e->set_theme(a.themes(0));
    }
    if (rng() % 5 == 0) {
      // Some act on a département or a région, in or out of the scope.
      *a.add_action_territories() =
          rng() % 2 ? Departement(rng() % 2 ? "79" : "86")
                    : Ref(v1::TERRITORY_LEVEL_REGION, rng() % 2 ? "75" : "11");
    }
    *batch.add_actors() = std::move(a);
  }
  auto imported = m_->actors().ImportBatch(&batch, kSystem);
  ASSERT_TRUE(imported.ok()) << imported.status();
  ASSERT_EQ(imported->counts().rejected(), 0);

  const auth::Principal animator =
      Scoped(auth::Role::kAnimator, {"departement:79", "commune:17300"});
  std::shared_ptr<const AccessScope> scope = m_->actors().ScopeOf(animator);
  int asked = 0, proposed = 0, proposed_outside_unscoped = 0;
  for (int i = 0; i < 400; i += 2) {
    const std::string id = absl::StrCat("ext:prop:", 1000 + i);
    auto record = Get(id, kSystem);
    ASSERT_TRUE(record.ok());
    v1::SuggestPartnersRequest request;
    request.set_actor_id(id);
    request.set_limit(50);
    request.set_preview(true);
    auto scoped = m_->matching().SuggestPartners(request, animator);
    if (!scope->CoversRecord(*record)) {
      EXPECT_EQ(scoped.status().code(), StatusCode::kNotFound) << id;
      continue;
    }
    ASSERT_TRUE(scoped.ok()) << scoped.status();
    ++asked;
    for (const auto& s : scoped->suggestions()) {
      ++proposed;
      auto partner = Get(s.partner_id(), kSystem);
      ASSERT_TRUE(partner.ok());
      EXPECT_TRUE(scope->CoversRecord(*partner))
          << id << " was proposed " << s.partner_id();
    }
    auto unscoped = m_->matching().SuggestPartners(request, kSystem);
    ASSERT_TRUE(unscoped.ok());
    for (const auto& s : unscoped->suggestions()) {
      if (!scope->CoversRecord(*Get(s.partner_id(), kSystem))) {
        ++proposed_outside_unscoped;
      }
    }
  }
  // Not vacuous: the scope held askers and partners, and without it the
  // engine would have proposed actors outside.
  EXPECT_GT(asked, 10);
  EXPECT_GT(proposed, 10);
  EXPECT_GT(proposed_outside_unscoped, 0);
}

}  // namespace
}  // namespace maillage::core

// An organisation's objection to being proposed (ACTOR_STATUS_OPTED_OUT,
// core/objection.h), through the real server: no matching answer proposes
// it, partner platforms never read it, and neither an import nor an update
// that does not name "status" lifts it. Each test first shows the actor
// where the objection must then remove it, so that it fails if the
// exclusion goes.
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "maillage/v1/lifecycle.grpc.pb.h"
#include "maillage/v1/matching.grpc.pb.h"
#include "tests/support/credentials.h"
#include "tests/support/test_server.h"

namespace maillage {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

// The company the tests opt out, and an association asking for partners.
constexpr char kCompany[] = "siret:11111111100011";
constexpr char kOtherCompany[] = "siret:22222222200022";
constexpr char kAssociation[] = "rna:W941000001";
constexpr char kOtherAssociation[] = "rna:W941000002";
constexpr char kPublicBody[] = "siren:219400181";

v1::Exchange Exchange(const std::string& resource, const std::string& theme) {
  v1::Exchange e;
  e.set_resource(resource);
  e.set_theme(theme);
  return e;
}

v1::Actor MakeActor(const std::string& id, v1::ActorKind kind,
                    const std::string& commune,
                    const std::vector<std::string>& needs,
                    const std::vector<std::string>& offers) {
  v1::Actor a;
  a.set_id(id);
  a.set_kind(kind);
  a.set_name("Acteur " + id);
  a.set_home_commune(commune);
  a.add_themes("digital_inclusion");
  a.add_themes("seniors_ageing");
  for (const auto& r : needs) *a.add_needs() = Exchange(r, "digital_inclusion");
  for (const auto& r : offers) {
    *a.add_offers() = Exchange(r, "digital_inclusion");
  }
  return a;
}

// The types of the google.rpc.PreconditionFailure in a status's details,
// as "TYPE subject".
std::vector<std::string> PreconditionViolations(const grpc::Status& status) {
  std::vector<std::string> out;
  google::rpc::Status rich;
  if (!rich.ParseFromString(status.error_details())) return out;
  for (const auto& any : rich.details()) {
    google::rpc::PreconditionFailure failure;
    if (any.type_url() ==
            "type.googleapis.com/google.rpc.PreconditionFailure" &&
        failure.ParseFromString(any.value())) {
      for (const auto& v : failure.violations()) {
        out.push_back(v.type() + " " + v.subject());
      }
    }
  }
  return out;
}

v1::TerritoryRef Departement94() {
  v1::TerritoryRef ref;
  ref.set_level(v1::TERRITORY_LEVEL_DEPARTEMENT);
  ref.set_code("94");
  return ref;
}

class ObjectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Start();
    match_ = v1::MatchService::NewStub(server_.channel());
    lifecycle_ = v1::LifecycleService::NewStub(server_.channel());
  }

  void Create(const v1::Actor& actor) {
    grpc::ClientContext context;
    v1::CreateActorRequest request;
    *request.mutable_actor() = actor;
    v1::Actor created;
    grpc::Status s = server_.actors().CreateActor(&context, request, &created);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  // Two associations needing digital skills and funding, two companies
  // offering them, a public body opening access to seniors: all in the
  // Val-de-Marne.
  void CreateTerritory() {
    using v1::ACTOR_KIND_ASSOCIATION;
    using v1::ACTOR_KIND_COMPANY;
    Create(MakeActor(kAssociation, ACTOR_KIND_ASSOCIATION, "94018",
                     {"skills", "funding"}, {"volunteers"}));
    Create(MakeActor(kOtherAssociation, ACTOR_KIND_ASSOCIATION, "94069",
                     {"skills", "funding"}, {"volunteers"}));
    Create(MakeActor(kCompany, ACTOR_KIND_COMPANY, "94069", {"volunteers"},
                     {"skills", "funding", "in_kind"}));
    Create(MakeActor(kOtherCompany, ACTOR_KIND_COMPANY, "94018", {"volunteers"},
                     {"skills"}));
    Create(MakeActor(kPublicBody, v1::ACTOR_KIND_PUBLIC_BODY, "94018", {},
                     {"audience_access"}));
  }

  // UpdateActor naming "status", the one way to set or lift an objection.
  void SetStatus(const std::string& id, v1::ActorStatus status) {
    grpc::ClientContext context;
    v1::UpdateActorRequest update;
    update.mutable_actor()->set_id(id);
    update.mutable_actor()->set_status(status);
    update.mutable_update_mask()->add_paths("status");
    v1::Actor updated;
    grpc::Status s = server_.actors().UpdateActor(&context, update, &updated);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_EQ(updated.status(), status);
  }

  v1::ActorStatus StatusOf(const std::string& id) {
    grpc::ClientContext context;
    v1::GetActorRequest get;
    get.set_id(id);
    v1::Actor actor;
    grpc::Status s = server_.actors().GetActor(&context, get, &actor);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return actor.status();
  }

  std::vector<std::string> PartnersOf(const std::string& id) {
    grpc::ClientContext context;
    v1::SuggestPartnersRequest request;
    request.set_actor_id(id);
    request.set_preview(true);
    v1::SuggestPartnersResponse response;
    grpc::Status s = match_->SuggestPartners(&context, request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<std::string> ids;
    for (const auto& p : response.suggestions()) ids.push_back(p.partner_id());
    return ids;
  }

  // The members of the best coalition and of its alternatives.
  std::vector<std::string> CoalitionMembers() {
    grpc::ClientContext context;
    v1::SuggestCoalitionRequest request;
    *request.mutable_territory() = Departement94();
    request.add_themes("digital_inclusion");
    for (const char* r : {"skills", "funding", "in_kind", "audience_access"}) {
      request.add_needed_resources(r);
    }
    v1::SuggestCoalitionResponse response;
    grpc::Status s = match_->SuggestCoalition(&context, request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<std::string> ids;
    for (const auto& m : response.coalition().members()) {
      ids.push_back(m.actor_id());
    }
    for (const auto& alternative : response.alternatives()) {
      for (const auto& m : alternative.members()) ids.push_back(m.actor_id());
    }
    return ids;
  }

  std::vector<std::string> PanelInvitations() {
    grpc::ClientContext context;
    v1::SuggestDialoguePanelRequest request;
    *request.mutable_territory() = Departement94();
    request.add_themes("digital_inclusion");
    request.add_themes("seniors_ageing");
    request.set_size(50);
    v1::DialoguePanel response;
    grpc::Status s = match_->SuggestDialoguePanel(&context, request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<std::string> ids;
    for (const auto& i : response.invitations()) ids.push_back(i.actor_id());
    return ids;
  }

  v1::SuggestForTerritoryResponse ForTerritory() {
    grpc::ClientContext context;
    v1::SuggestForTerritoryRequest request;
    *request.mutable_territory() = Departement94();
    request.set_per_actor(3);
    v1::SuggestForTerritoryResponse response;
    grpc::Status s =
        lifecycle_->SuggestForTerritory(&context, request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response;
  }

  testing::TestServer server_;
  std::unique_ptr<v1::MatchService::Stub> match_;
  std::unique_ptr<v1::LifecycleService::Stub> lifecycle_;
};

TEST_F(ObjectionTest, NeverProposedAsAPartner) {
  CreateTerritory();
  ASSERT_THAT(PartnersOf(kAssociation), Contains(kCompany));
  SetStatus(kCompany, v1::ACTOR_STATUS_OPTED_OUT);
  std::vector<std::string> partners = PartnersOf(kAssociation);
  EXPECT_THAT(partners, Not(Contains(kCompany)));
  EXPECT_THAT(partners, Contains(kOtherCompany));  // the others still are
}

TEST_F(ObjectionTest, NeverACoalitionMember) {
  CreateTerritory();
  ASSERT_THAT(CoalitionMembers(), Contains(kCompany));
  SetStatus(kCompany, v1::ACTOR_STATUS_OPTED_OUT);
  std::vector<std::string> members = CoalitionMembers();
  EXPECT_THAT(members, Not(Contains(kCompany)));
  EXPECT_THAT(members, Contains(kOtherCompany));
}

// Named as a coalition's anchor (the animator's lead organisation), an
// organisation that objected is refused, saying why.
TEST_F(ObjectionTest, NeverAnchorsACoalition) {
  CreateTerritory();
  SetStatus(kCompany, v1::ACTOR_STATUS_OPTED_OUT);
  grpc::ClientContext context;
  v1::SuggestCoalitionRequest request;
  *request.mutable_territory() = Departement94();
  request.add_themes("digital_inclusion");
  request.set_anchor_id(kCompany);
  v1::SuggestCoalitionResponse response;
  grpc::Status s = match_->SuggestCoalition(&context, request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("objected"));
  EXPECT_THAT(s.error_details(), HasSubstr("ACTOR_OPTED_OUT"));
}

TEST_F(ObjectionTest, NeverInvitedToADialoguePanel) {
  CreateTerritory();
  ASSERT_THAT(PanelInvitations(), Contains(kCompany));
  SetStatus(kCompany, v1::ACTOR_STATUS_OPTED_OUT);
  std::vector<std::string> invited = PanelInvitations();
  EXPECT_THAT(invited, Not(Contains(kCompany)));
  EXPECT_THAT(invited, Contains(kOtherCompany));
}

// Territory-wide matching proposes an opted-out company to no association,
// and serves no opted-out association either (it would get no partner, and
// would be named in the answer).
TEST_F(ObjectionTest, NeverInTerritoryWideMatching) {
  CreateTerritory();
  auto partners_and_served = [](const v1::SuggestForTerritoryResponse& r) {
    std::set<std::string> partners, served;
    for (const auto& a : r.assignments()) {
      served.insert(a.actor_id());
      for (const auto& p : a.partners()) partners.insert(p.partner_id());
    }
    return std::pair(partners, served);
  };
  v1::SuggestForTerritoryResponse before = ForTerritory();
  auto [partners, served] = partners_and_served(before);
  ASSERT_THAT(partners, Contains(kCompany));
  ASSERT_THAT(served, Contains(kOtherAssociation));
  ASSERT_EQ(before.actors(), 2);

  SetStatus(kCompany, v1::ACTOR_STATUS_OPTED_OUT);
  SetStatus(kOtherAssociation, v1::ACTOR_STATUS_OPTED_OUT);
  v1::SuggestForTerritoryResponse after = ForTerritory();
  std::tie(partners, served) = partners_and_served(after);
  EXPECT_THAT(partners, Not(Contains(kCompany)));
  EXPECT_THAT(partners, Contains(kOtherCompany));
  EXPECT_THAT(served, Not(Contains(kOtherAssociation)));
  EXPECT_THAT(served, Contains(kAssociation));
  EXPECT_EQ(after.actors(), 1);
}

// Asked for partners of itself, an opted-out organisation is a clear
// FAILED_PRECONDITION with a PreconditionFailure naming it, and nothing is
// recorded; lifting the objection brings its partners back.
TEST_F(ObjectionTest, AskingForAnOptedOutActorIsAFailedPrecondition) {
  CreateTerritory();
  SetStatus(kAssociation, v1::ACTOR_STATUS_OPTED_OUT);
  grpc::ClientContext context;
  v1::SuggestPartnersRequest request;
  request.set_actor_id(kAssociation);
  v1::SuggestPartnersResponse response;
  grpc::Status s = match_->SuggestPartners(&context, request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("objected to being proposed"));
  EXPECT_THAT(PreconditionViolations(s),
              Contains(std::string("ACTOR_OPTED_OUT ") + kAssociation));
  {
    grpc::ClientContext list_context;
    v1::ListSuggestionsRequest list;
    list.set_actor_id(kAssociation);
    v1::ListSuggestionsResponse listed;
    ASSERT_TRUE(lifecycle_->ListSuggestions(&list_context, list, &listed).ok());
    EXPECT_EQ(listed.suggestions_size(), 0);
  }

  SetStatus(kAssociation, v1::ACTOR_STATUS_ACTIVE);
  EXPECT_THAT(PartnersOf(kAssociation), Contains(kCompany));
}

// ExplainMatch proposes nothing: it still explains a pair naming an
// opted-out organisation, with the blocker that keeps it from being
// proposed, so that an animator learns why.
TEST_F(ObjectionTest, ExplainMatchNamesTheObjectionAsABlocker) {
  CreateTerritory();
  auto blockers = [&] {
    grpc::ClientContext context;
    v1::ExplainMatchRequest request;
    request.set_actor_id(kAssociation);
    request.set_partner_id(kCompany);
    v1::MatchExplanation explanation;
    grpc::Status s = match_->ExplainMatch(&context, request, &explanation);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return std::vector<std::string>(explanation.blockers().begin(),
                                    explanation.blockers().end());
  };
  ASSERT_TRUE(blockers().empty());
  SetStatus(kCompany, v1::ACTOR_STATUS_OPTED_OUT);
  EXPECT_THAT(blockers(), Contains(HasSubstr("ne souhaite pas être proposé")));
}

// Partner platforms never receive an opted-out organisation, through any
// read, whether their key covers some territories (the scoped listing) or
// all of them (the listing of everything); the other roles still read it.
TEST_F(ObjectionTest, PartnerPlatformsNeverReadIt) {
  CreateTerritory();
  SetStatus(kCompany, v1::ACTOR_STATUS_OPTED_OUT);
  auto stub = [&](const testing::KeySpec& spec) {
    return v1::ActorService::NewStub(testing::ChannelWithToken(
        server_.target(), testing::CreateKey(server_.channel(), spec)));
  };
  // Every id a read returns: Get of each, BatchGet of all, ListActors page
  // by page (unfiltered and filtered by kind), ExportActors (importers and
  // admins only, auth/policy.cc; the others are refused).
  struct Reads {
    std::set<std::string> get, list, list_companies, exported;
    grpc::StatusCode batch_get = grpc::StatusCode::OK;
    grpc::StatusCode exports = grpc::StatusCode::OK;
  };
  const std::vector<std::string> ids = {kAssociation, kOtherAssociation,
                                        kCompany, kOtherCompany, kPublicBody};
  auto read = [&](v1::ActorService::Stub& actors) {
    Reads r;
    for (const std::string& id : ids) {
      grpc::ClientContext context;
      v1::GetActorRequest get;
      get.set_id(id);
      v1::Actor actor;
      grpc::Status s = actors.GetActor(&context, get, &actor);
      if (s.ok()) {
        r.get.insert(id);
      } else {
        EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << id;
      }
    }
    {
      grpc::ClientContext context;
      v1::BatchGetActorsRequest batch;
      for (const std::string& id : ids) batch.add_ids(id);
      v1::BatchGetActorsResponse got;
      r.batch_get = actors.BatchGetActors(&context, batch, &got).error_code();
    }
    for (auto* into : {&r.list, &r.list_companies}) {
      v1::ListActorsRequest list;
      list.set_page_size(1);  // every page boundary
      if (into == &r.list_companies) list.set_kind(v1::ACTOR_KIND_COMPANY);
      do {
        grpc::ClientContext context;
        v1::ListActorsResponse page;
        grpc::Status s = actors.ListActors(&context, list, &page);
        EXPECT_TRUE(s.ok()) << s.error_message();
        if (!s.ok()) break;
        for (const auto& a : page.actors()) into->insert(a.id());
        list.set_page_token(page.next_page_token());
      } while (!list.page_token().empty());
    }
    grpc::ClientContext context;
    auto reader = actors.ExportActors(&context, v1::ExportActorsRequest());
    v1::ExportActorsResponse chunk;
    while (reader->Read(&chunk)) {
      for (const auto& a : chunk.actors()) r.exported.insert(a.id());
    }
    r.exports = reader->Finish().error_code();
    return r;
  };

  for (const testing::KeySpec& spec :
       {testing::KeySpec{"partner", {"departement:94"}, "default", "benev"},
        testing::KeySpec{"partner", {}, "default", "benev"}}) {
    SCOPED_TRACE(spec.territories.empty() ? "all territories"
                                          : spec.territories[0]);
    Reads r = read(*stub(spec));
    EXPECT_EQ(r.get.size(), ids.size() - 1);
    EXPECT_THAT(r.get, Not(Contains(kCompany)));
    EXPECT_EQ(r.batch_get, grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(r.list, r.get);
    EXPECT_EQ(r.list_companies, std::set<std::string>{kOtherCompany});
    // Should partners ever be allowed to export, the listing they would
    // get leaves it out too (ExportActors pages through ListActors).
    if (r.exports == grpc::StatusCode::OK) {
      EXPECT_EQ(r.exported, r.get);
    } else {
      EXPECT_EQ(r.exports, grpc::StatusCode::PERMISSION_DENIED);
    }
  }
  const std::set<std::string> everyone(ids.begin(), ids.end());
  for (const char* role : {"reader", "animator", "importer", "admin"}) {
    SCOPED_TRACE(role);
    // (An admin key covers every territory.)
    std::vector<std::string> territories;
    if (role != std::string("admin")) territories = {"departement:94"};
    Reads r = read(*stub({role, territories, "default", ""}));
    EXPECT_EQ(r.get, everyone);
    EXPECT_EQ(r.batch_get, grpc::StatusCode::OK);
    EXPECT_EQ(r.list, everyone);
    EXPECT_THAT(r.list_companies, Contains(kCompany));
    if (role == std::string("importer") || role == std::string("admin")) {
      EXPECT_EQ(r.exports, grpc::StatusCode::OK);
      EXPECT_EQ(r.exported, everyone);
    }
  }
}

// An update that does not name "status" in its mask keeps the objection,
// even one replacing every field with another status; a mask naming
// "status" lifts it.
TEST_F(ObjectionTest, OnlyAnUpdateNamingStatusLiftsIt) {
  Create(MakeActor(kCompany, v1::ACTOR_KIND_COMPANY, "94069", {}, {"skills"}));
  SetStatus(kCompany, v1::ACTOR_STATUS_OPTED_OUT);
  for (const std::vector<std::string>& mask :
       {std::vector<std::string>{}, {"*"}, {"name", "offers"}}) {
    grpc::ClientContext context;
    v1::UpdateActorRequest update;
    *update.mutable_actor() = MakeActor(kCompany, v1::ACTOR_KIND_COMPANY,
                                        "94069", {}, {"skills", "funding"});
    update.mutable_actor()->set_status(v1::ACTOR_STATUS_ACTIVE);
    for (const auto& path : mask) update.mutable_update_mask()->add_paths(path);
    v1::Actor updated;
    grpc::Status s = server_.actors().UpdateActor(&context, update, &updated);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(updated.status(), v1::ACTOR_STATUS_OPTED_OUT)
        << update.update_mask().ShortDebugString();
    EXPECT_EQ(StatusOf(kCompany), v1::ACTOR_STATUS_OPTED_OUT);
  }
  SetStatus(kCompany, v1::ACTOR_STATUS_ACTIVE);
  EXPECT_EQ(StatusOf(kCompany), v1::ACTOR_STATUS_ACTIVE);
}

struct ImportRun {
  grpc::Status status;
  std::vector<v1::ImportActorsResponse> answers;  // per batch, then totals
};

ImportRun Import(v1::ActorService::Stub& stub,
                 const std::vector<v1::Actor>& rows, v1::ImportMode mode) {
  ImportRun run;
  grpc::ClientContext context;
  auto stream = stub.ImportActors(&context);
  v1::ImportActorsRequest batch;
  batch.set_first_row_number(2);
  batch.set_mode(mode);
  for (const v1::Actor& row : rows) *batch.add_actors() = row;
  stream->Write(batch);
  stream->WritesDone();
  v1::ImportActorsResponse answer;
  while (stream->Read(&answer)) run.answers.push_back(answer);
  run.status = stream->Finish();
  return run;
}

// A row saying ACTIVE, in either mode, keeps an opted-out actor opted out;
// the answer counts and notes the row; the rest of the row is imported.
TEST_F(ObjectionTest, AnImportRowNeverLiftsIt) {
  Create(MakeActor(kCompany, v1::ACTOR_KIND_COMPANY, "94069", {}, {"skills"}));
  Create(MakeActor(kOtherCompany, v1::ACTOR_KIND_COMPANY, "94018", {},
                   {"skills"}));
  SetStatus(kCompany, v1::ACTOR_STATUS_OPTED_OUT);
  for (v1::ImportMode mode : {v1::IMPORT_MODE_MERGE, v1::IMPORT_MODE_REPLACE}) {
    SCOPED_TRACE(v1::ImportMode_Name(mode));
    std::vector<v1::Actor> rows;
    for (const char* id : {kOtherCompany, kCompany}) {
      v1::Actor row = MakeActor(id, v1::ACTOR_KIND_COMPANY, "94069", {},
                                {"skills", "funding"});
      row.set_name(std::string("Renommé ") + v1::ImportMode_Name(mode));
      row.set_status(v1::ACTOR_STATUS_ACTIVE);
      rows.push_back(row);
    }
    ImportRun run = Import(server_.actors(), rows, mode);
    ASSERT_TRUE(run.status.ok()) << run.status.error_message();
    ASSERT_EQ(run.answers.size(), 2u);
    const v1::ImportActorsResponse& batch = run.answers[0];
    EXPECT_EQ(batch.counts().updated(), 2);
    EXPECT_EQ(batch.counts().kept_opted_out(), 1);
    ASSERT_EQ(batch.notes_size(), 1);
    EXPECT_EQ(batch.notes(0).row_number(), 3);  // kCompany, the second row
    EXPECT_EQ(batch.notes(0).field(), "status");
    EXPECT_THAT(batch.notes(0).note(),
                HasSubstr("kept ACTOR_STATUS_OPTED_OUT (the row said "
                          "ACTOR_STATUS_ACTIVE)"));
    EXPECT_EQ(run.answers[1].counts().kept_opted_out(), 1);  // the totals
    EXPECT_EQ(StatusOf(kCompany), v1::ACTOR_STATUS_OPTED_OUT);
    EXPECT_EQ(StatusOf(kOtherCompany), v1::ACTOR_STATUS_ACTIVE);
  }
}

// The notes of one batch are bounded; the count says how many in all.
TEST_F(ObjectionTest, ImportNotesAreBoundedAndCounted) {
  std::vector<v1::Actor> rows;
  for (int i = 0; i < 150; ++i) {
    v1::Actor a = MakeActor("ext:lab:" + std::to_string(1000 + i),
                            v1::ACTOR_KIND_COMPANY, "94018", {}, {"skills"});
    a.set_status(v1::ACTOR_STATUS_OPTED_OUT);  // an import may set it
    rows.push_back(a);
  }
  ImportRun first = Import(server_.actors(), rows, v1::IMPORT_MODE_REPLACE);
  ASSERT_TRUE(first.status.ok()) << first.status.error_message();
  ASSERT_EQ(first.answers[0].counts().created(), 150);
  for (v1::Actor& row : rows) row.clear_status();
  ImportRun again = Import(server_.actors(), rows, v1::IMPORT_MODE_REPLACE);
  ASSERT_TRUE(again.status.ok()) << again.status.error_message();
  const v1::ImportActorsResponse& batch = again.answers[0];
  EXPECT_EQ(batch.counts().unchanged(), 150);
  EXPECT_EQ(batch.counts().kept_opted_out(), 150);
  ASSERT_EQ(batch.notes_size(), 100);
  for (int i = 0; i < batch.notes_size(); ++i) {
    EXPECT_EQ(batch.notes(i).row_number(), 2 + i);  // in row order
  }
}

}  // namespace
}  // namespace maillage

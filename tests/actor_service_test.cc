// ActorService through the generated stubs against the real server.
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "tests/support/test_server.h"

namespace maillage {
namespace {

using testing::BadRequestFields;
using ::testing::Contains;
using ::testing::ElementsAre;
using testing::SampleActor;
using ::testing::UnorderedElementsAre;

class ActorServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { server_.Start(); }

  grpc::Status Create(const v1::Actor& actor, v1::Actor* out,
                      const std::string& request_id = "") {
    grpc::ClientContext ctx;
    v1::CreateActorRequest req;
    *req.mutable_actor() = actor;
    req.set_request_id(request_id);
    return server_.actors().CreateActor(&ctx, req, out);
  }
  v1::Actor MustCreate(const v1::Actor& actor) {
    v1::Actor out;
    grpc::Status s = Create(actor, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }
  grpc::Status Get(const std::string& id, v1::Actor* out,
                   v1::ActorView view = v1::ACTOR_VIEW_UNSPECIFIED) {
    grpc::ClientContext ctx;
    v1::GetActorRequest req;
    req.set_id(id);
    req.set_view(view);
    return server_.actors().GetActor(&ctx, req, out);
  }
  grpc::Status List(const v1::ListActorsRequest& req,
                    v1::ListActorsResponse* out) {
    grpc::ClientContext ctx;
    return server_.actors().ListActors(&ctx, req, out);
  }
  // Every id over all pages of `req`, checking that pages never repeat.
  std::vector<std::string> ListAll(v1::ListActorsRequest req) {
    std::vector<std::string> ids;
    for (int guard = 0; guard < 1000; ++guard) {
      v1::ListActorsResponse page;
      grpc::Status s = List(req, &page);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) break;
      for (const auto& a : page.actors()) ids.push_back(a.id());
      if (page.next_page_token().empty()) break;
      req.set_page_token(page.next_page_token());
    }
    return ids;
  }

  testing::TestServer server_;
};

TEST_F(ActorServiceTest, CreateGetUpdateDelete) {
  v1::Actor in = SampleActor("siret:12345678900011", "Atelier du Val");
  auto* contact = in.add_contacts();
  contact->set_name("Claire Martin");
  contact->set_email("claire@example.org");
  v1::Actor created = MustCreate(in);
  EXPECT_EQ(created.id(), "siret:12345678900011");
  EXPECT_TRUE(created.has_create_time());
  EXPECT_FALSE(created.etag().empty());
  EXPECT_EQ(created.legal_ids().siren(), "123456789");

  v1::Actor got;
  ASSERT_TRUE(Get(created.id(), &got).ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(got, created));
  // Contacts are personal data: not in the basic view.
  ASSERT_TRUE(Get(created.id(), &got, v1::ACTOR_VIEW_BASIC).ok());
  EXPECT_EQ(got.contacts_size(), 0);

  v1::UpdateActorRequest update;
  update.mutable_actor()->set_id(created.id());
  update.mutable_actor()->set_name("Atelier du Val de Marne");
  update.mutable_actor()->set_etag(created.etag());
  update.mutable_update_mask()->add_paths("name");
  v1::Actor updated;
  {
    grpc::ClientContext ctx;
    grpc::Status s = server_.actors().UpdateActor(&ctx, update, &updated);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  EXPECT_EQ(updated.name(), "Atelier du Val de Marne");
  EXPECT_EQ(updated.home_commune(), "94018");  // untouched by the mask
  EXPECT_EQ(updated.contacts_size(), 1);       // untouched by the mask
  EXPECT_NE(updated.etag(), created.etag());
  EXPECT_EQ(updated.create_time().seconds(), created.create_time().seconds());

  v1::DeleteActorRequest del;
  del.set_id(created.id());
  google::protobuf::Empty empty;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(server_.actors().DeleteActor(&ctx, del, &empty).ok());
  }
  EXPECT_EQ(Get(created.id(), &got).error_code(), grpc::StatusCode::NOT_FOUND);
  {
    grpc::ClientContext ctx;
    EXPECT_EQ(server_.actors().DeleteActor(&ctx, del, &empty).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
}

TEST_F(ActorServiceTest, ServerAssignsIdsAndRefusesDuplicates) {
  v1::Actor a = MustCreate(SampleActor("", "Sans identifiant"));
  EXPECT_EQ(a.id().rfind("mlg:", 0), 0u) << a.id();
  v1::Actor out;
  // mlg: ids are the server's to assign, even one it assigned before.
  grpc::Status s = Create(SampleActor(a.id(), "Doublon"), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(BadRequestFields(s), ElementsAre("actor.id"));
  MustCreate(SampleActor("ext:lab:7", "Un"));
  s = Create(SampleActor("ext:lab:7", "Doublon"), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
}

TEST_F(ActorServiceTest, EtagMismatchIsAborted) {
  v1::Actor created = MustCreate(SampleActor("ext:lab:1", "Un"));
  v1::UpdateActorRequest update;
  update.mutable_actor()->set_id(created.id());
  update.mutable_actor()->set_name("Deux");
  update.mutable_actor()->set_etag("not-the-etag");
  update.mutable_update_mask()->add_paths("name");
  v1::Actor out;
  grpc::ClientContext ctx;
  EXPECT_EQ(server_.actors().UpdateActor(&ctx, update, &out).error_code(),
            grpc::StatusCode::ABORTED);
  v1::DeleteActorRequest del;
  del.set_id(created.id());
  del.set_etag("stale");
  google::protobuf::Empty empty;
  grpc::ClientContext ctx2;
  EXPECT_EQ(server_.actors().DeleteActor(&ctx2, del, &empty).error_code(),
            grpc::StatusCode::ABORTED);
}

TEST_F(ActorServiceTest, UpdateMaskErrorsAndNoOpUpdates) {
  v1::Actor created = MustCreate(SampleActor("ext:lab:2", "Deux"));
  v1::UpdateActorRequest update;
  *update.mutable_actor() = created;
  update.mutable_update_mask()->add_paths("no_such_field");
  update.mutable_update_mask()->add_paths("create_time");
  v1::Actor out;
  {
    grpc::ClientContext ctx;
    grpc::Status s = server_.actors().UpdateActor(&ctx, update, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(BadRequestFields(s),
                ElementsAre("update_mask.paths[0]", "update_mask.paths[1]"));
  }
  // Same content: no write, same etag.
  update.mutable_update_mask()->Clear();
  update.mutable_update_mask()->add_paths("name");
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(server_.actors().UpdateActor(&ctx, update, &out).ok());
    EXPECT_EQ(out.etag(), created.etag());
  }
  // An updated field that is invalid is named with its path.
  update.mutable_actor()->set_home_commune("00000");
  update.mutable_update_mask()->add_paths("home_commune");
  {
    grpc::ClientContext ctx;
    grpc::Status s = server_.actors().UpdateActor(&ctx, update, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(BadRequestFields(s), ElementsAre("actor.home_commune"));
  }
}

TEST_F(ActorServiceTest, ValidationErrorsNameEveryField) {
  v1::Actor bad;
  bad.set_id("siret:12");
  bad.add_themes("knitting");
  bad.add_needs()->set_resource("gold");
  v1::Actor out;
  grpc::Status s = Create(bad, &out);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(BadRequestFields(s),
              UnorderedElementsAre("actor.id", "actor.kind", "actor.name",
                                   "actor.home_commune", "actor.themes[0]",
                                   "actor.needs[0].resource"));
  // Nothing was written.
  v1::ListActorsResponse page;
  ASSERT_TRUE(List(v1::ListActorsRequest(), &page).ok());
  EXPECT_EQ(page.actors_size(), 0);
}

TEST_F(ActorServiceTest, IdempotentRetryReturnsFirstAnswer) {
  v1::Actor first, second;
  ASSERT_TRUE(Create(SampleActor("", "Retry"), &first, "req-42").ok());
  ASSERT_TRUE(Create(SampleActor("", "Retry"), &second, "req-42").ok());
  EXPECT_EQ(first.id(), second.id());
  EXPECT_EQ(first.etag(), second.etag());
  EXPECT_EQ(ListAll(v1::ListActorsRequest()).size(), 1u);
  // Same request_id, different request: refused.
  v1::Actor third;
  grpc::Status s = Create(SampleActor("", "Autre"), &third, "req-42");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  // Delete retried: OK both times.
  v1::DeleteActorRequest del;
  del.set_id(first.id());
  del.set_request_id("del-1");
  google::protobuf::Empty empty;
  for (int i = 0; i < 2; ++i) {
    grpc::ClientContext ctx;
    EXPECT_TRUE(server_.actors().DeleteActor(&ctx, del, &empty).ok());
  }
}

TEST_F(ActorServiceTest, PaginationHasNoDuplicatesOrGaps) {
  std::set<std::string> expected;
  for (int i = 0; i < 137; ++i) {
    char id[32];
    snprintf(id, sizeof id, "ext:page:%04d", i);
    MustCreate(SampleActor(id, "Acteur"));
    expected.insert(id);
  }
  v1::ListActorsRequest req;
  req.set_page_size(10);
  std::vector<std::string> ids = ListAll(req);
  EXPECT_EQ(ids.size(), 137u);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), expected);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  // Filtered listing paginates the same way.
  req.set_kind(v1::ACTOR_KIND_COMPANY);
  std::vector<std::string> filtered = ListAll(req);
  EXPECT_EQ(filtered, ids);
}

TEST_F(ActorServiceTest, PageTokenIsTiedToFilters) {
  for (int i = 0; i < 3; ++i) {
    MustCreate(SampleActor("ext:t:" + std::to_string(i), "A"));
  }
  v1::ListActorsRequest req;
  req.set_page_size(1);
  v1::ListActorsResponse page;
  ASSERT_TRUE(List(req, &page).ok());
  req.set_page_token(page.next_page_token());
  req.set_theme("health");
  grpc::Status s = List(req, &page);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(BadRequestFields(s), ElementsAre("page_token"));
  req.set_page_token("garbage!!");
  EXPECT_EQ(List(req, &page).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ActorServiceTest, EachFilter) {
  v1::Actor assoc = SampleActor("rna:W941000001", "Association de Charenton");
  assoc.set_kind(v1::ACTOR_KIND_ASSOCIATION);
  assoc.clear_themes();
  assoc.add_themes("digital_inclusion");
  auto* need = assoc.add_needs();
  need->set_resource("skills");
  need->set_theme("digital_inclusion");
  MustCreate(assoc);

  v1::Actor company = SampleActor("siret:11111111100011", "Entreprise Créteil");
  company.set_home_commune("94028");  // Créteil, also 94
  auto* offer = company.add_offers();
  offer->set_resource("skills");
  MustCreate(company);

  v1::Actor lyon = SampleActor("siret:22222222200022", "Entreprise Lyon");
  lyon.set_home_commune("69123");
  lyon.add_themes("digital_inclusion");
  MustCreate(lyon);

  v1::Actor regional = SampleActor("ext:lab:idf", "Réseau régional");
  regional.set_home_commune("75056");  // Paris
  regional.set_kind(v1::ACTOR_KIND_PUBLIC_BODY);
  auto* area = regional.add_action_territories();
  area->set_level(v1::TERRITORY_LEVEL_REGION);
  area->set_code("11");
  MustCreate(regional);

  auto ids = [&](auto setup) {
    v1::ListActorsRequest req;
    setup(&req);
    return ListAll(req);
  };
  EXPECT_THAT(ids([](auto* r) { r->set_kind(v1::ACTOR_KIND_ASSOCIATION); }),
              ElementsAre("rna:W941000001"));
  EXPECT_THAT(ids([](auto* r) { r->set_theme("digital_inclusion"); }),
              ElementsAre("rna:W941000001", "siret:22222222200022"));
  EXPECT_THAT(ids([](auto* r) { r->set_offered_resource("skills"); }),
              ElementsAre("siret:11111111100011"));
  EXPECT_THAT(ids([](auto* r) { r->set_needed_resource("skills"); }),
              ElementsAre("rna:W941000001"));
  // Département 94: its communes' actors, plus the regional network acting
  // on all of Île-de-France; not Lyon.
  EXPECT_THAT(
      ids([](auto* r) {
        r->mutable_territory()->set_level(v1::TERRITORY_LEVEL_DEPARTEMENT);
        r->mutable_territory()->set_code("94");
      }),
      ElementsAre("ext:lab:idf", "rna:W941000001", "siret:11111111100011"));
  // Commune level.
  EXPECT_THAT(ids([](auto* r) {
                r->mutable_territory()->set_level(v1::TERRITORY_LEVEL_COMMUNE);
                r->mutable_territory()->set_code("94028");
              }),
              ElementsAre("ext:lab:idf", "siret:11111111100011"));
  // Combined filters intersect.
  EXPECT_THAT(
      ids([](auto* r) {
        r->mutable_territory()->set_level(v1::TERRITORY_LEVEL_DEPARTEMENT);
        r->mutable_territory()->set_code("94");
        r->set_theme("digital_inclusion");
      }),
      ElementsAre("rna:W941000001"));
  // Unknown filter values are errors, not empty lists.
  v1::ListActorsRequest bad;
  bad.set_theme("knitting");
  bad.mutable_territory()->set_level(v1::TERRITORY_LEVEL_DEPARTEMENT);
  bad.mutable_territory()->set_code("999");
  v1::ListActorsResponse page;
  grpc::Status s = List(bad, &page);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(BadRequestFields(s),
              UnorderedElementsAre("theme", "territory.code"));
}

TEST_F(ActorServiceTest, BatchGet) {
  MustCreate(SampleActor("ext:b:1", "Un"));
  MustCreate(SampleActor("ext:b:2", "Deux"));
  v1::BatchGetActorsRequest req;
  req.add_ids("ext:b:2");
  req.add_ids("ext:b:1");
  v1::BatchGetActorsResponse resp;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(server_.actors().BatchGetActors(&ctx, req, &resp).ok());
  }
  ASSERT_EQ(resp.actors_size(), 2);
  EXPECT_EQ(resp.actors(0).name(), "Deux");
  EXPECT_EQ(resp.actors(1).name(), "Un");
  req.add_ids("ext:b:404");
  grpc::ClientContext ctx;
  grpc::Status s = server_.actors().BatchGetActors(&ctx, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(s.error_message().find("ext:b:404"), std::string::npos);
}

}  // namespace
}  // namespace maillage

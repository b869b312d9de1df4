// MatchService through the stubs: suggestions reflect acknowledged writes at
// once, explanations add up, coalitions and panels, errors.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "maillage/v1/matching.grpc.pb.h"
#include "tests/support/test_server.h"

namespace maillage {
namespace {

using testing::BadRequestFields;
using ::testing::Contains;
using ::testing::ElementsAre;

v1::Actor MakeActor(const std::string& id, v1::ActorKind kind,
                    const std::string& commune, std::vector<std::string> themes,
                    std::vector<std::pair<std::string, std::string>> needs,
                    std::vector<std::pair<std::string, std::string>> offers) {
  v1::Actor a;
  a.set_id(id);
  a.set_kind(kind);
  a.set_name("Acteur " + id);
  a.set_home_commune(commune);
  for (auto& t : themes) a.add_themes(t);
  for (auto& [r, t] : needs) {
    auto* e = a.add_needs();
    e->set_resource(r);
    e->set_theme(t);
  }
  for (auto& [r, t] : offers) {
    auto* e = a.add_offers();
    e->set_resource(r);
    e->set_theme(t);
  }
  return a;
}

class MatchServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Start();
    match_ = v1::MatchService::NewStub(server_.channel());
  }
  void Create(const v1::Actor& a) {
    grpc::ClientContext ctx;
    v1::CreateActorRequest req;
    *req.mutable_actor() = a;
    v1::Actor out;
    grpc::Status s = server_.actors().CreateActor(&ctx, req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  v1::SuggestPartnersResponse Suggest(
      const std::string& id,
      v1::SuggestionView view = v1::SUGGESTION_VIEW_UNSPECIFIED) {
    grpc::ClientContext ctx;
    v1::SuggestPartnersRequest req;
    req.set_actor_id(id);
    req.set_view(view);
    v1::SuggestPartnersResponse resp;
    grpc::Status s = match_->SuggestPartners(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }

  // An association in Charenton needing digital skills, and a company of
  // the same EPCI offering them.
  void CreateSkillsPair() {
    Create(MakeActor("rna:W941000001", v1::ACTOR_KIND_ASSOCIATION, "94018",
                     {"digital_inclusion"}, {{"skills", "digital_inclusion"}},
                     {{"audience_access", "digital_inclusion"}}));
    Create(MakeActor("siret:11111111100011", v1::ACTOR_KIND_COMPANY, "94069",
                     {"digital_inclusion"},
                     {{"audience_access", "digital_inclusion"}},
                     {{"skills", "digital_inclusion"}}));
  }

  testing::TestServer server_;
  std::unique_ptr<v1::MatchService::Stub> match_;
};

TEST_F(MatchServiceTest, SkillsOfferNearbyRanksFirstAndIsExplained) {
  CreateSkillsPair();
  // Another company offers them far away.
  Create(MakeActor("siret:22222222200022", v1::ACTOR_KIND_COMPANY, "13055",
                   {"digital_inclusion"}, {},
                   {{"skills", "digital_inclusion"}}));
  v1::SuggestPartnersResponse resp = Suggest("rna:W941000001");
  ASSERT_GE(resp.suggestions_size(), 1);
  const v1::PartnerSuggestion& best = resp.suggestions(0);
  EXPECT_EQ(best.partner_id(), "siret:11111111100011");
  EXPECT_EQ(best.partner_name(), "Acteur siret:11111111100011");
  // Where the partner lives (Saint-Maurice), and where the far one does.
  EXPECT_EQ(best.partner_home_commune(), "94069");
  EXPECT_EQ(
      resp.suggestions(resp.suggestions_size() - 1).partner_home_commune(),
      "13055");
  EXPECT_EQ(best.category(), v1::PARTNERSHIP_CATEGORY_MECENAT);
  EXPECT_EQ(best.modality(), v1::PARTNERSHIP_MODALITY_SKILLS);
  EXPECT_FALSE(best.explanation().empty());
  double sum = 0;
  for (const auto& f : best.factors()) sum += f.contribution();
  EXPECT_NEAR(sum, best.score(), 1e-6);
  for (int i = 1; i < resp.suggestions_size(); ++i) {
    EXPECT_GE(resp.suggestions(i - 1).score(), resp.suggestions(i).score());
  }

  // ExplainMatch agrees with the suggestion.
  grpc::ClientContext ctx;
  v1::ExplainMatchRequest explain;
  explain.set_actor_id("rna:W941000001");
  explain.set_partner_id("siret:11111111100011");
  v1::MatchExplanation e;
  ASSERT_TRUE(match_->ExplainMatch(&ctx, explain, &e).ok());
  EXPECT_NEAR(e.suggestion().score(), best.score(), 1e-9);
  EXPECT_TRUE(e.blockers().empty());
}

TEST_F(MatchServiceTest, FullViewAddsFactorDetailsAndChangesNothingElse) {
  CreateSkillsPair();
  v1::SuggestPartnersResponse basic = Suggest("rna:W941000001");
  v1::SuggestPartnersResponse full =
      Suggest("rna:W941000001", v1::SUGGESTION_VIEW_FULL);
  ASSERT_EQ(basic.suggestions_size(), 1);
  ASSERT_EQ(full.suggestions_size(), 1);
  const v1::PartnerSuggestion& b = basic.suggestions(0);
  const v1::PartnerSuggestion& f = full.suggestions(0);
  ASSERT_EQ(b.factors_size(), 9);
  ASSERT_EQ(f.factors_size(), 9);
  for (int i = 0; i < 9; ++i) {
    EXPECT_TRUE(b.factors(i).detail().empty()) << b.factors(i).code();
    EXPECT_FALSE(f.factors(i).detail().empty()) << f.factors(i).code();
  }
  // Everything else is the same (the recorded suggestion ids apart: each
  // call refreshes the same record).
  v1::PartnerSuggestion stripped = f;
  for (auto& factor : *stripped.mutable_factors()) factor.clear_detail();
  EXPECT_EQ(stripped.SerializeAsString(), b.SerializeAsString());
  EXPECT_FALSE(b.explanation().empty());
  EXPECT_EQ(b.suggestion_id(), f.suggestion_id());
  EXPECT_LT(basic.ByteSizeLong(), full.ByteSizeLong());
}

TEST_F(MatchServiceTest, AcknowledgedWritesAreSeenByTheNextQuery) {
  Create(MakeActor("rna:W941000001", v1::ACTOR_KIND_ASSOCIATION, "94018",
                   {"youth"}, {{"funding", "youth"}}, {}));
  EXPECT_EQ(Suggest("rna:W941000001").suggestions_size(), 0);
  Create(MakeActor("siret:11111111100011", v1::ACTOR_KIND_COMPANY, "94018",
                   {"youth"}, {{"audience_access", "youth"}},
                   {{"funding", "youth"}}));
  EXPECT_EQ(Suggest("rna:W941000001").suggestions_size(), 1);
  // Opting out removes it from the very next answer.
  grpc::ClientContext ctx;
  v1::UpdateActorRequest update;
  update.mutable_actor()->set_id("siret:11111111100011");
  update.mutable_actor()->set_status(v1::ACTOR_STATUS_OPTED_OUT);
  update.mutable_update_mask()->add_paths("status");
  v1::Actor out;
  ASSERT_TRUE(server_.actors().UpdateActor(&ctx, update, &out).ok());
  EXPECT_EQ(Suggest("rna:W941000001").suggestions_size(), 0);
}

TEST_F(MatchServiceTest, CoalitionAndPanel) {
  Create(MakeActor("rna:W941000001", v1::ACTOR_KIND_ASSOCIATION, "94018",
                   {"seniors_ageing", "digital_inclusion"},
                   {{"funding", "digital_inclusion"}},
                   {{"volunteers", "digital_inclusion"}}));
  Create(MakeActor(
      "siret:11111111100011", v1::ACTOR_KIND_COMPANY, "94069",
      {"digital_inclusion"}, {},
      {{"funding", "digital_inclusion"}, {"in_kind", "digital_inclusion"}}));
  Create(MakeActor("siren:219400181", v1::ACTOR_KIND_PUBLIC_BODY, "94018",
                   {"seniors_ageing"}, {},
                   {{"audience_access", "seniors_ageing"}}));
  v1::TerritoryRef dep;
  dep.set_level(v1::TERRITORY_LEVEL_DEPARTEMENT);
  dep.set_code("94");
  v1::SuggestCoalitionRequest req;
  *req.mutable_territory() = dep;
  req.add_themes("digital_inclusion");
  req.add_themes("seniors_ageing");
  req.add_needed_resources("funding");
  req.add_needed_resources("volunteers");
  req.add_needed_resources("in_kind");
  req.add_needed_resources("audience_access");
  auto coalition = [&](const v1::SuggestCoalitionRequest& r,
                       v1::SuggestCoalitionResponse* resp) {
    grpc::ClientContext ctx;
    return match_->SuggestCoalition(&ctx, r, resp);
  };
  v1::SuggestCoalitionResponse resp;
  grpc::Status s = coalition(req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.coalition().members_size(), 3);
  EXPECT_TRUE(resp.coalition().uncovered_needs().empty());
  EXPECT_FALSE(resp.method().empty());
  EXPECT_THAT(resp.themes(),
              ElementsAre("digital_inclusion", "seniors_ageing"));
  EXPECT_EQ(resp.distance_origin(), v1::DISTANCE_ORIGIN_UNSPECIFIED);
  double relevance = 0;
  for (const auto& m : resp.coalition().members()) {
    EXPECT_FALSE(m.name().empty());
    EXPECT_FALSE(m.role().empty());
    EXPECT_EQ(m.basis(), v1::COALITION_MEMBER_BASIS_CONTRIBUTES);
    EXPECT_EQ(m.distance_km(), -1);  // no coordinates
    relevance += m.relevance();
    if (m.actor_id() == "rna:W941000001") {
      EXPECT_EQ(m.home_commune(), "94018");
      EXPECT_EQ(m.home_commune_name(), "Charenton-le-Pont");
      EXPECT_THAT(m.brings(), ElementsAre("volunteers"));
    }
    if (m.actor_id() == "siret:11111111100011") {
      // It funds the association, which needs it.
      ASSERT_EQ(m.gives_size(), 1);
      EXPECT_EQ(m.gives(0).receiver_id(), "rna:W941000001");
      EXPECT_EQ(m.gives(0).resource(), "funding");
    }
  }
  EXPECT_NEAR(relevance, resp.coalition().objective(), 1e-9);
  EXPECT_GT(resp.coalition().team_part(), 0);

  // The deprecated single theme still works, as the first theme.
  v1::SuggestCoalitionRequest old_style = req;
  old_style.clear_themes();
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  old_style.set_theme("digital_inclusion");
  v1::SuggestCoalitionResponse old_resp;
  ASSERT_TRUE(coalition(old_style, &old_resp).ok());
  EXPECT_EQ(old_resp.theme(), "digital_inclusion");
#pragma GCC diagnostic pop
  EXPECT_THAT(old_resp.themes(), ElementsAre("digital_inclusion"));

  // An anchor leads; an unknown one is NOT_FOUND.
  req.set_anchor_id("siren:219400181");
  ASSERT_TRUE(coalition(req, &resp).ok());
  EXPECT_EQ(resp.anchor_id(), "siren:219400181");
  EXPECT_EQ(resp.coalition().members(0).actor_id(), "siren:219400181");
  EXPECT_EQ(resp.coalition().members(0).basis(),
            v1::COALITION_MEMBER_BASIS_ANCHOR);
  EXPECT_TRUE(resp.coalition().members(0).lead());
  req.set_anchor_id("siren:219400999");
  EXPECT_EQ(coalition(req, &resp).error_code(), grpc::StatusCode::NOT_FOUND);
  grpc::ClientContext ctx;
  v1::SuggestDialoguePanelRequest panel;
  *panel.mutable_territory() = dep;
  panel.add_themes("seniors_ageing");
  panel.add_themes("digital_inclusion");
  panel.set_size(3);
  v1::DialoguePanel invited;
  ASSERT_TRUE(match_->SuggestDialoguePanel(&ctx, panel, &invited).ok());
  EXPECT_EQ(invited.invitations_size(), 3);
  EXPECT_TRUE(invited.uncovered_themes().empty());
  for (const auto& inv : invited.invitations()) {
    EXPECT_FALSE(inv.reason().empty());
    EXPECT_FALSE(inv.name().empty());
    EXPECT_THAT(inv.home_commune(), ::testing::AnyOf("94018", "94069"));
    EXPECT_FALSE(inv.home_commune_name().empty());
    EXPECT_EQ(inv.distance_km(), -1);
  }
}

TEST_F(MatchServiceTest, Errors) {
  {
    grpc::ClientContext ctx;
    v1::SuggestPartnersRequest req;
    req.set_actor_id("rna:W000000404");
    v1::SuggestPartnersResponse resp;
    EXPECT_EQ(match_->SuggestPartners(&ctx, req, &resp).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  {
    grpc::ClientContext ctx;
    v1::SuggestPartnersRequest req;
    req.set_actor_id("rna:W941000001");
    req.set_limit(-1);
    req.add_themes("knitting");
    req.mutable_scope()->set_level(v1::TERRITORY_LEVEL_REGION);
    req.mutable_scope()->set_code("99");
    req.mutable_weights()->set_proximity(-1);
    req.set_view(static_cast<v1::SuggestionView>(7));
    v1::SuggestPartnersResponse resp;
    grpc::Status s = match_->SuggestPartners(&ctx, req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(BadRequestFields(s),
                ElementsAre("limit", "themes[0]", "scope.code",
                            "weights.proximity", "view"));
  }
  {
    grpc::ClientContext ctx;
    v1::SuggestDialoguePanelRequest req;
    v1::DialoguePanel resp;
    grpc::Status s = match_->SuggestDialoguePanel(&ctx, req, &resp);
    EXPECT_THAT(BadRequestFields(s), Contains("themes"));
  }
}

}  // namespace
}  // namespace maillage

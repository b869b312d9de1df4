#include "core/validation.h"

#include <memory>

#include "absl/strings/escaping.h"
#include "core/testing/hostile_input.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"

namespace maillage::core {
namespace {

using ::testing::Contains;
using ::testing::Key;

class ValidationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto geo = territory::Geography::Load(MAILLAGE_REFERENCE_DIR "/geo");
    ASSERT_TRUE(geo.ok()) << geo.status();
    geography_ = geo->release();
    auto vocab =
        matcher::Vocabulary::LoadFromDir(MAILLAGE_REFERENCE_DIR "/vocab");
    ASSERT_TRUE(vocab.ok()) << vocab.status();
    vocabulary_ = new matcher::Vocabulary(std::move(*vocab));
    registry_ = new TerritoryRegistry(geography_);
  }

  ValidationContext context() const { return {registry_, vocabulary_, {}}; }

  static v1::Actor GoodActor() {
    v1::Actor a;
    a.set_id("siret:12345678900011");
    a.set_kind(v1::ACTOR_KIND_COMPANY);
    a.set_name("  Atelier du Val  ");
    a.set_home_commune("94018");
    a.add_themes("digital_inclusion");
    a.add_themes("digital_inclusion");
    auto* offer = a.add_offers();
    offer->set_resource("skills");
    offer->set_theme("digital_inclusion");
    a.set_naf_code("6202a");
    return a;
  }

  std::vector<std::pair<std::string, std::string>> Check(
      v1::Actor* a, ActorIdRule id_rule = ActorIdRule::kRequired) {
    FieldViolations out;
    ValidateActor(context(), "actor", id_rule, a, &out);
    return out.list();
  }

  static territory::Geography* geography_;
  static matcher::Vocabulary* vocabulary_;
  static TerritoryRegistry* registry_;
};

territory::Geography* ValidationTest::geography_ = nullptr;
matcher::Vocabulary* ValidationTest::vocabulary_ = nullptr;
TerritoryRegistry* ValidationTest::registry_ = nullptr;

TEST_F(ValidationTest, GoodActorIsNormalised) {
  v1::Actor a = GoodActor();
  EXPECT_TRUE(Check(&a).empty());
  EXPECT_EQ(a.name(), "Atelier du Val");
  EXPECT_EQ(a.naf_code(), "62.02A");
  EXPECT_EQ(a.themes_size(), 1);
  EXPECT_EQ(a.legal_ids().siret(), "12345678900011");
  EXPECT_EQ(a.legal_ids().siren(), "123456789");
}

TEST_F(ValidationTest, FormerCommuneCodeResolvesToCurrent) {
  v1::Actor a = GoodActor();
  a.set_home_commune("01340");  // merged into Arboys en Bugey (01015)
  EXPECT_TRUE(Check(&a).empty());
  EXPECT_EQ(a.home_commune(), "01015");
}

TEST_F(ValidationTest, EveryBadFieldIsNamed) {
  v1::Actor a;
  a.set_id("siret:123");
  a.set_kind(static_cast<v1::ActorKind>(42));
  a.set_home_commune("99999");
  a.add_themes("knitting");
  a.add_needs()->set_resource("money");
  a.add_offers();
  a.mutable_location()->set_latitude(123);
  a.add_action_territories()->set_code("94");
  a.set_website("ftp://x");
  a.add_contacts()->set_email("nobody");
  a.set_capacity(-1);
  auto v = Check(&a);
  EXPECT_THAT(v, Contains(Key("actor.id")));
  EXPECT_THAT(v, Contains(Key("actor.kind")));
  EXPECT_THAT(v, Contains(Key("actor.name")));
  EXPECT_THAT(v, Contains(Key("actor.home_commune")));
  EXPECT_THAT(v, Contains(Key("actor.themes[0]")));
  EXPECT_THAT(v, Contains(Key("actor.needs[0].resource")));
  EXPECT_THAT(v, Contains(Key("actor.offers[0].resource")));
  EXPECT_THAT(v, Contains(Key("actor.location.latitude")));
  EXPECT_THAT(v, Contains(Key("actor.action_territories[0].level")));
  EXPECT_THAT(v, Contains(Key("actor.website")));
  EXPECT_THAT(v, Contains(Key("actor.contacts[0].name")));
  EXPECT_THAT(v, Contains(Key("actor.contacts[0].email")));
  EXPECT_THAT(v, Contains(Key("actor.capacity")));
}

TEST_F(ValidationTest, InvalidUtf8AndControlCharactersAreRefused) {
  v1::Actor a = GoodActor();
  a.set_name("Caf\xE9");
  a.set_description(std::string("a\0b", 3));
  auto v = Check(&a);
  EXPECT_THAT(v, Contains(Key("actor.name")));
  EXPECT_THAT(v, Contains(Key("actor.description")));
}

TEST_F(ValidationTest, SubtypeMustFitKind) {
  v1::Actor a = GoodActor();
  a.set_subtype(v1::ACTOR_SUBTYPE_UNIVERSITY);
  EXPECT_THAT(Check(&a), Contains(Key("actor.subtype")));
  a.set_subtype(v1::ACTOR_SUBTYPE_INSERTION_STRUCTURE);
  EXPECT_TRUE(Check(&a).empty());
}

TEST_F(ValidationTest, IdSchemes) {
  std::string why;
  EXPECT_TRUE(IsValidActorId("siret:12345678900011", &why));
  EXPECT_TRUE(IsValidActorId("rna:W751234567", &why));
  EXPECT_TRUE(IsValidActorId("ext:lab-idf:row-42", &why));
  EXPECT_TRUE(IsValidActorId("siren:123456789", &why));
  EXPECT_FALSE(IsValidActorId("rna:X751234567", &why));
  EXPECT_FALSE(IsValidActorId("ext::x", &why));
  EXPECT_FALSE(IsValidActorId("ext:a b:x", &why));
  EXPECT_FALSE(IsValidActorId("hello", &why));
  EXPECT_FALSE(IsValidActorId(std::string(200, 'a'), &why));
}

TEST_F(ValidationTest, ServerNamespaceIsRefusedOnCreateOnly) {
  v1::Actor a = GoodActor();
  a.set_id("mlg:0001");
  EXPECT_THAT(Check(&a, ActorIdRule::kEmptyOrClientKey),
              Contains(Key("actor.id")));
  // An update, or an export imported again, names an assigned id.
  EXPECT_TRUE(Check(&a, ActorIdRule::kRequired).empty());
  a.clear_id();
  EXPECT_TRUE(Check(&a, ActorIdRule::kEmptyOrClientKey).empty());
  EXPECT_THAT(Check(&a, ActorIdRule::kRequired), Contains(Key("actor.id")));
}

// The google.rpc.Status a client receives for `status` (as
// services/status_mapping.cc builds it).
google::rpc::Status WireStatus(const absl::Status& status) {
  google::rpc::Status rich;
  rich.set_code(static_cast<int>(status.code()));
  rich.set_message(std::string(status.message()));
  status.ForEachPayload(
      [&](absl::string_view type_url, const absl::Cord& payload) {
        auto* any = rich.add_details();
        any->set_type_url(std::string(type_url));
        any->set_value(std::string(payload));
      });
  return rich;
}

// Bytes of the two trailers that carry an error: grpc-status-details-bin
// (base64) and grpc-message (percent-encoded outside printable ASCII).
size_t TrailerBytes(const google::rpc::Status& rich) {
  size_t message = 0;
  for (char c : rich.message()) {
    bool plain = c >= 0x20 && c < 0x7F && c != '%';
    message += plain ? 1 : 3;
  }
  return absl::Base64Escape(rich.SerializeAsString()).size() + message;
}

TEST_F(ValidationTest, WorstActorErrorFitsCommonClientsMetadataLimit) {
  v1::Actor a = core::testing::ActorWithEveryFieldBad();
  FieldViolations out;
  ValidateActor(context(), "actor", ActorIdRule::kEmptyOrClientKey, &a, &out);
  ASSERT_GT(out.size(), 500u);
  google::rpc::Status rich = WireStatus(out.ToStatus());
  EXPECT_EQ(rich.code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
  EXPECT_LT(rich.ByteSizeLong(), 8192u);
  EXPECT_LT(TrailerBytes(rich), 8192u - 512u);  // room for the other headers

  ASSERT_EQ(rich.details_size(), 1);
  google::rpc::BadRequest bad;
  ASSERT_TRUE(rich.details(0).UnpackTo(&bad));
  EXPECT_EQ(bad.field_violations(0).field(), "actor.id");
  EXPECT_EQ(bad.field_violations(bad.field_violations_size() - 1).description(),
            absl::StrCat(out.size() - (bad.field_violations_size() - 1),
                         " more invalid fields, not listed"));
}

TEST_F(ValidationTest, TerritoryLevelsAreDistinct) {
  FieldViolations out;
  v1::TerritoryRef dep;
  dep.set_level(v1::TERRITORY_LEVEL_DEPARTEMENT);
  dep.set_code("11");
  ResolvedTerritory r;
  ValidateTerritoryRef(context(), dep, "t", &out, &r);
  EXPECT_TRUE(out.empty());
  v1::TerritoryRef reg = dep;
  reg.set_level(v1::TERRITORY_LEVEL_REGION);
  ResolvedTerritory r2;
  ValidateTerritoryRef(context(), reg, "t", &out, &r2);
  EXPECT_TRUE(out.empty());
  EXPECT_NE(r.level, r2.level);
  v1::TerritoryRef bad = dep;
  bad.set_code("00");
  ValidateTerritoryRef(context(), bad, "t", &out, nullptr);
  EXPECT_THAT(out.list(), Contains(Key("t.code")));
}

TEST_F(ValidationTest, SeverityDerivation) {
  v1::TerritoryFact f;
  f.set_value(28);
  f.set_reference_value(17);
  EXPECT_NEAR(*DeriveSeverity(f), 28.0 / 17.0 - 1.0, 1e-9);
  f.set_value(40);
  EXPECT_DOUBLE_EQ(*DeriveSeverity(f), 1.0);
  f.set_value(10);
  EXPECT_DOUBLE_EQ(*DeriveSeverity(f), 0.0);
  f.set_higher_is_better(true);
  EXPECT_NEAR(*DeriveSeverity(f), 0.7, 1e-9);
  f.clear_reference_value();
  EXPECT_FALSE(DeriveSeverity(f).has_value());
}

TEST_F(ValidationTest, PageSize) {
  FieldViolations out;
  EXPECT_EQ(ValidatePageSize(0, 50, 1000, "page_size", &out), 50);
  EXPECT_EQ(ValidatePageSize(5000, 50, 1000, "page_size", &out), 1000);
  EXPECT_TRUE(out.empty());
  ValidatePageSize(-1, 50, 1000, "page_size", &out);
  EXPECT_FALSE(out.empty());
}

}  // namespace
}  // namespace maillage::core

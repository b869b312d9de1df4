#include "services/method_limits.h"

#include <string>

#include "core/validation.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "maillage/v1/actor.pb.h"
#include "maillage/v1/territory.pb.h"

namespace maillage::services {
namespace {

using ::testing::HasSubstr;

TEST(MethodLimitsTest, OrdinaryMethodsTakeUpToTheDefault) {
  EXPECT_TRUE(CheckRequestSize("GetActor", 0).ok());
  EXPECT_TRUE(CheckRequestSize("CreateActor", kRequestBytesMax).ok());
  EXPECT_EQ(MaxRequestBytes("SuggestPartners"), kRequestBytesMax);
}

TEST(MethodLimitsTest, OrdinaryMethodsRefuseOneByteMore) {
  absl::Status status = CheckRequestSize("CreateActor", kRequestBytesMax + 1);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(status.message(), HasSubstr("CreateActor"));
  EXPECT_THAT(status.message(), HasSubstr(std::to_string(kRequestBytesMax)));
  EXPECT_THAT(status.message(),
              HasSubstr(std::to_string(kRequestBytesMax + 1)));
}

TEST(MethodLimitsTest, BulkImportsAreLeftToTheReceiveLimit) {
  for (const char* method :
       {"ImportActors", "ImportFacts", "ImportPartnerships"}) {
    EXPECT_EQ(MaxRequestBytes(method), std::nullopt) << method;
    EXPECT_TRUE(CheckRequestSize(method, size_t{64} << 20).ok()) << method;
  }
}

TEST(MethodLimitsTest, UnknownAndFullNamesGetTheDefault) {
  // Only the short names RequestHandler uses are bulk; anything else, even a
  // full path, is held to the default rather than let through.
  EXPECT_EQ(MaxRequestBytes("/maillage.v1.ActorService/ImportActors"),
            kRequestBytesMax);
  EXPECT_EQ(MaxRequestBytes(""), kRequestBytesMax);
}

// `n` characters of four bytes each, the worst case of UTF-8.
std::string WideText(size_t n) {
  std::string text;
  for (size_t i = 0; i < n; ++i) text += "\xF0\x9D\x94\xB8";  // U+1D538
  return text;
}

// The limit must let every valid request through. The largest valid actor:
// every text at its maximum length in four-byte characters, every list at
// its maximum count.
TEST(MethodLimitsTest, TheLargestValidActorFits) {
  using core::Limits;
  v1::UpdateActorRequest request;
  v1::Actor& actor = *request.mutable_actor();
  actor.set_id(std::string(Limits::kIdMax, 'x'));
  actor.set_name(WideText(Limits::kNameMax));
  actor.set_description(WideText(Limits::kDescriptionMax));
  actor.set_website(std::string(Limits::kUrlMax, 'w'));
  for (int i = 0; i < Limits::kThemesMax; ++i) {
    actor.add_themes(std::string(40, 't'));
  }
  for (int i = 0; i < Limits::kPurposeCodesMax; ++i) {
    actor.add_association_purpose_codes("012345");
  }
  for (int i = 0; i < Limits::kActionTerritoriesMax; ++i) {
    v1::TerritoryRef* ref = actor.add_action_territories();
    ref->set_level(v1::TERRITORY_LEVEL_CUSTOM);
    ref->set_code(std::string(64, 'z'));
  }
  for (int i = 0; i < 2 * Limits::kExchangesMax; ++i) {
    v1::Exchange* e = i % 2 == 0 ? actor.add_needs() : actor.add_offers();
    e->set_resource(std::string(40, 'r'));
    e->set_theme(std::string(40, 't'));
    e->set_description(WideText(Limits::kShortTextMax));
  }
  for (int i = 0; i < Limits::kContactsMax; ++i) {
    v1::Contact* c = actor.add_contacts();
    c->set_name(WideText(200));
    c->set_role(WideText(200));
    c->set_email(WideText(254));
    c->set_phone(std::string(40, '0'));
  }
  request.mutable_update_mask()->add_paths("*");
  actor.set_etag(std::string(64, 'e'));
  request.set_request_id(std::string(Limits::kRequestIdMax, 'q'));
  size_t bytes = request.ByteSizeLong();
  EXPECT_LT(bytes, kRequestBytesMax / 2) << bytes;
  EXPECT_TRUE(CheckRequestSize("UpdateActor", bytes).ok());
}

TEST(MethodLimitsTest, TheLargestCustomZoneFits) {
  v1::CreateCustomTerritoryRequest request;
  v1::Territory& zone = *request.mutable_territory();
  zone.set_name(WideText(core::Limits::kNameMax));
  zone.set_description(WideText(core::Limits::kDescriptionMax));
  for (int i = 0; i < core::Limits::kCustomCommunesMax; ++i) {
    zone.add_communes("2A004");
  }
  size_t bytes = request.ByteSizeLong();
  EXPECT_LT(bytes, kRequestBytesMax / 2) << bytes;
  EXPECT_TRUE(CheckRequestSize("CreateCustomTerritory", bytes).ok());
}

}  // namespace
}  // namespace maillage::services

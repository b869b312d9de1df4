// AccessScope over the shipped geography: which actors and territories a
// principal's territories cover, at every level and for custom zones.
#include "core/access_scope.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "territory/geography.h"

namespace maillage::core {
namespace {

using territory::Level;

class AccessScopeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto geo = territory::Geography::Load(std::string(MAILLAGE_REFERENCE_DIR) +
                                          "/geo");
    ASSERT_TRUE(geo.ok()) << geo.status();
    geography_ = geo->release();
  }
  static void TearDownTestSuite() {
    delete geography_;
    geography_ = nullptr;
  }

  void SetUp() override {
    registry_ = std::make_unique<TerritoryRegistry>(geography_);
  }

  std::shared_ptr<const AccessScope> Scope(std::vector<std::string> entries) {
    return AccessScope::Build(entries, *registry_);
  }
  uint32_t Commune(std::string_view code) const {
    return *geography_->Find(Level::kCommune, code);
  }
  // The code at `level` of the territory holding `commune` ("79191").
  std::string AncestorOf(std::string_view commune, Level level) const {
    territory::Place p = geography_->PlaceOf(Level::kCommune, Commune(commune));
    return std::string(geography_->Code(level, p.At(level)));
  }
  void PutZone(const std::string& code, std::vector<std::string> communes) {
    v1::Territory zone;
    zone.mutable_ref()->set_level(v1::TERRITORY_LEVEL_CUSTOM);
    zone.mutable_ref()->set_code(code);
    std::vector<uint32_t> numbers;
    for (const auto& c : communes) numbers.push_back(Commune(c));
    std::sort(numbers.begin(), numbers.end());
    registry_->PutCustom(zone, std::move(numbers), auth::kDefaultWorkspace);
  }
  static v1::Actor HomeIn(std::string commune) {
    v1::Actor a;
    a.set_id("ext:test:1");
    a.set_home_commune(std::move(commune));
    return a;
  }
  static void ActsOn(v1::Actor* a, v1::TerritoryLevel level, std::string code) {
    auto* ref = a->add_action_territories();
    ref->set_level(level);
    ref->set_code(std::move(code));
  }
  ResolvedTerritory Resolved(Level level, std::string_view code) const {
    return *registry_->Resolve(level, code);
  }

  static territory::Geography* geography_;
  std::unique_ptr<TerritoryRegistry> registry_;
};

territory::Geography* AccessScopeTest::geography_ = nullptr;

TEST_F(AccessScopeTest, NoTerritoriesCoverNothing) {
  auto scope = Scope({});
  EXPECT_FALSE(scope->all());
  EXPECT_FALSE(scope->CoversRecord(HomeIn("79191")));
  EXPECT_FALSE(scope->CoversCommune(Commune("79191")));
}

TEST_F(AccessScopeTest, UnresolvedEntriesCoverNothing) {
  auto scope = Scope({"departement:999", "commune:00000", "nonsense",
                      "custom:no-such-zone", "planet:earth"});
  EXPECT_FALSE(scope->CoversRecord(HomeIn("79191")));
  EXPECT_FALSE(scope->CoversRecord(HomeIn("94018")));
}

TEST_F(AccessScopeTest, AllCoversEverything) {
  auto scope = AccessScope::All();
  EXPECT_TRUE(scope->all());
  EXPECT_TRUE(scope->CoversRecord(HomeIn("94018")));
  EXPECT_TRUE(scope->ContainsTerritory(Resolved(Level::kRegion, "11")));
}

TEST_F(AccessScopeTest, HomeCommuneAtEveryScopeLevel) {
  for (auto entry : {std::string("commune:79191"),
                     "epci:" + AncestorOf("79191", Level::kEpci),
                     std::string("departement:79"), std::string("region:75")}) {
    SCOPED_TRACE(entry);
    auto scope = Scope({entry});
    EXPECT_TRUE(scope->CoversRecord(HomeIn("79191")));
    EXPECT_FALSE(scope->CoversRecord(HomeIn("94018")));
  }
  // A région holds its départements' communes; a département not its
  // neighbours'.
  EXPECT_TRUE(Scope({"region:75"})->CoversRecord(HomeIn("86194")));
  EXPECT_FALSE(Scope({"departement:79"})->CoversRecord(HomeIn("86194")));
}

TEST_F(AccessScopeTest, ActionTerritoryAtEveryLevelMeetsTheScope) {
  auto scope = Scope({"commune:79191"});
  struct Case {
    v1::TerritoryLevel level;
    std::string code;
    bool covered;
  };
  const std::vector<Case> cases = {
      {v1::TERRITORY_LEVEL_COMMUNE, "79191", true},
      {v1::TERRITORY_LEVEL_COMMUNE, "86194", false},
      {v1::TERRITORY_LEVEL_EPCI, AncestorOf("79191", Level::kEpci), true},
      {v1::TERRITORY_LEVEL_EPCI, AncestorOf("94018", Level::kEpci), false},
      {v1::TERRITORY_LEVEL_DEPARTEMENT, "79", true},
      {v1::TERRITORY_LEVEL_DEPARTEMENT, "86", false},
      {v1::TERRITORY_LEVEL_REGION, "75", true},
      {v1::TERRITORY_LEVEL_REGION, "11", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.code);
    v1::Actor a = HomeIn("94018");  // homed outside
    ActsOn(&a, c.level, c.code);
    EXPECT_EQ(scope->CoversRecord(a), c.covered);
  }
  // An EPT (Paris's inner ring) meets a scope of one of its communes.
  const std::string ept = AncestorOf("94018", Level::kEpt);
  v1::Actor a = HomeIn("79191");
  ActsOn(&a, v1::TERRITORY_LEVEL_EPT, ept);
  EXPECT_TRUE(Scope({"commune:94018"})->CoversRecord(a));
  EXPECT_FALSE(Scope({"commune:86194"})->CoversRecord(a));
}

TEST_F(AccessScopeTest, CustomZonesAsScopeAndAsActionTerritory) {
  PutZone("niort-poitiers", {"79191", "86194"});
  PutZone("val", {"94018"});
  auto zone_scope = Scope({"custom:niort-poitiers"});
  EXPECT_TRUE(zone_scope->CoversRecord(HomeIn("86194")));
  EXPECT_FALSE(zone_scope->CoversRecord(HomeIn("94018")));

  v1::Actor acting = HomeIn("94018");
  ActsOn(&acting, v1::TERRITORY_LEVEL_CUSTOM, "niort-poitiers");
  EXPECT_TRUE(Scope({"departement:86"})->CoversRecord(acting));
  EXPECT_FALSE(Scope({"departement:17"})->CoversRecord(acting));
  v1::Actor val = HomeIn("79191");
  ActsOn(&val, v1::TERRITORY_LEVEL_CUSTOM, "val");
  EXPECT_TRUE(Scope({"departement:94"})->CoversRecord(val));
  EXPECT_FALSE(Scope({"departement:86"})->CoversRecord(val));
}

TEST_F(AccessScopeTest, ProfileAndRecordAgree) {
  PutZone("niort-poitiers", {"79191", "86194"});
  auto scope = Scope({"departement:86"});
  // The same actor as the index holds it.
  matcher::ActorProfile p;
  p.home = geography_->PlaceOf(Level::kCommune, Commune("94018"));
  EXPECT_FALSE(scope->CoversProfile(p));
  matcher::ActionArea area;
  area.level = Level::kCustom;
  area.custom_communes =
      Resolved(Level::kCustom, "niort-poitiers").scope.custom_communes;
  p.action_areas.push_back(area);
  EXPECT_TRUE(scope->CoversProfile(p));
  matcher::ActionArea region;
  region.level = Level::kRegion;
  region.place = Resolved(Level::kRegion, "75").scope.place;
  p.action_areas = {region};
  EXPECT_TRUE(scope->CoversProfile(p));
  region.place = Resolved(Level::kRegion, "11").scope.place;
  p.action_areas = {region};
  EXPECT_FALSE(scope->CoversProfile(p));
}

TEST_F(AccessScopeTest, TerritoryMeetsForReadsAndInsideForWrites) {
  auto scope = Scope({"departement:79"});
  const ResolvedTerritory region = Resolved(Level::kRegion, "75");
  const ResolvedTerritory dep = Resolved(Level::kDepartement, "79");
  const ResolvedTerritory niort = Resolved(Level::kCommune, "79191");
  const ResolvedTerritory other = Resolved(Level::kDepartement, "86");
  EXPECT_TRUE(scope->MeetsTerritory(region));
  EXPECT_FALSE(scope->ContainsTerritory(region));
  EXPECT_TRUE(scope->ContainsTerritory(dep));
  EXPECT_TRUE(scope->ContainsTerritory(niort));
  EXPECT_FALSE(scope->MeetsTerritory(other));
  EXPECT_EQ(CheckTerritoryRead(*scope, other).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(CheckTerritoryRead(*scope, region).ok());
  EXPECT_EQ(CheckTerritoryWrite(*scope, region).code(),
            absl::StatusCode::kPermissionDenied);

  PutZone("straddling", {"79191", "86194"});
  PutZone("inside", {"79191"});
  EXPECT_TRUE(scope->MeetsTerritory(Resolved(Level::kCustom, "straddling")));
  EXPECT_FALSE(
      scope->ContainsTerritory(Resolved(Level::kCustom, "straddling")));
  EXPECT_TRUE(scope->ContainsTerritory(Resolved(Level::kCustom, "inside")));
}

TEST_F(AccessScopeTest, CacheSharesScopesAndFollowsCustomZones) {
  ScopeCache cache(registry_.get(), /*capacity=*/2);
  auth::Principal animator;
  animator.role = auth::Role::kAnimator;
  animator.territories = {"custom:moving"};
  PutZone("moving", {"79191"});
  auto first = cache.For(animator);
  EXPECT_EQ(cache.For(animator), first);  // cached
  EXPECT_TRUE(first->CoversRecord(HomeIn("79191")));

  PutZone("moving", {"94018"});  // the zone changed: rebuilt
  auto second = cache.For(animator);
  EXPECT_NE(second, first);
  EXPECT_FALSE(second->CoversRecord(HomeIn("79191")));
  EXPECT_TRUE(second->CoversRecord(HomeIn("94018")));

  // Bounded: more distinct lists than the capacity still answer right.
  for (const char* dep : {"departement:79", "departement:86", "region:11"}) {
    auth::Principal p;
    p.territories = {dep};
    EXPECT_FALSE(cache.For(p)->all());
  }
  EXPECT_TRUE(cache.For(animator)->CoversRecord(HomeIn("94018")));

  auth::Principal everywhere;
  everywhere.all_territories = true;
  everywhere.territories = {"departement:79"};  // ignored
  EXPECT_TRUE(cache.For(everywhere)->all());
  EXPECT_TRUE(cache.For(auth::Principal::System())->all());
}

}  // namespace
}  // namespace maillage::core

#include "auth/policy.h"

#include <set>
#include <string>

#include "auth/api_methods_testing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace maillage::auth {
namespace {

using testing::ApiMethods;

TEST(PolicyTest, EveryRpcHasARule) {
  for (const auto* method : ApiMethods()) {
    const MethodRule* rule = FindRule(method->name());
    ASSERT_NE(rule, nullptr)
        << method->full_name()
        << " has no rule in auth/policy.cc: every RPC needs one (default "
           "deny)";
    EXPECT_EQ(rule->service, method->service()->full_name())
        << method->full_name();
  }
}

TEST(PolicyTest, EveryRuleNamesAnRpcOnce) {
  std::set<std::string> names;
  for (const auto* method : ApiMethods()) {
    EXPECT_TRUE(names.insert(method->name()).second)
        << "two RPCs are named " << method->name()
        << ": rules are keyed by the short name";
  }
  for (const MethodRule& rule : MethodRules()) {
    EXPECT_EQ(names.count(std::string(rule.method)), 1u)
        << "stale rule for " << rule.method;
  }
}

TEST(PolicyTest, UnknownMethodIsDeniedEvenToAdmins) {
  absl::Status s = Authorize(Principal::System(), "DropEverything");
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
}

TEST(PolicyTest, RolesFollowTheModel) {
  auto allowed = [](Role role, const char* method) {
    Principal p;
    p.role = role;
    return Authorize(p, method).ok();
  };
  EXPECT_TRUE(allowed(Role::kReader, "GetActor"));
  EXPECT_FALSE(allowed(Role::kReader, "CreateActor"));
  EXPECT_FALSE(allowed(Role::kReader, "SuggestPartners"));
  EXPECT_TRUE(allowed(Role::kPartner, "CreateActor"));
  EXPECT_FALSE(allowed(Role::kPartner, "ImportActors"));
  EXPECT_FALSE(allowed(Role::kPartner, "ListSuggestions"));
  EXPECT_TRUE(allowed(Role::kAnimator, "UpdateSuggestion"));
  EXPECT_FALSE(allowed(Role::kAnimator, "ImportActors"));
  EXPECT_FALSE(allowed(Role::kAnimator, "DeleteActor"));
  EXPECT_TRUE(allowed(Role::kImporter, "ImportActors"));
  EXPECT_FALSE(allowed(Role::kImporter, "UpdateSuggestion"));
  EXPECT_TRUE(allowed(Role::kAdmin, "WatchSuggestions"));
  EXPECT_TRUE(allowed(Role::kAdmin, "CreateApiKey"));
  EXPECT_FALSE(allowed(Role::kImporter, "CreateApiKey"));
  EXPECT_FALSE(allowed(Role::kAnimator, "ListApiKeys"));
  EXPECT_TRUE(allowed(Role::kAdmin, "ListAuditEntries"));
  EXPECT_FALSE(allowed(Role::kImporter, "ListAuditEntries"));
  Principal reader;
  reader.role = Role::kReader;
  EXPECT_THAT(std::string(Authorize(reader, "DeleteActor").message()),
              ::testing::HasSubstr("\"reader\" may not call DeleteActor"));
}

TEST(RoleTest, NamesRoundTrip) {
  for (Role role : {Role::kReader, Role::kPartner, Role::kAnimator,
                    Role::kImporter, Role::kAdmin}) {
    EXPECT_EQ(ParseRole(RoleName(role)), role);
  }
  EXPECT_EQ(ParseRole("root"), std::nullopt);
}

}  // namespace
}  // namespace maillage::auth

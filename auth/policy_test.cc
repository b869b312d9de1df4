#include "auth/policy.h"

#include <set>
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "grpc/reflection/v1alpha/reflection.pb.h"
#include "gtest/gtest.h"
#include "maillage/v1/actor.pb.h"
#include "maillage/v1/admin.pb.h"
#include "maillage/v1/audit.pb.h"
#include "maillage/v1/lifecycle.pb.h"
#include "maillage/v1/matching.pb.h"
#include "maillage/v1/territory.pb.h"

namespace maillage::auth {
namespace {

// Every proto file that declares a service of the public API. A new file
// with a service must be added here (the test below checks none is missing
// from the generated pool, so a typo fails too).
const char* const kApiFiles[] = {
    "maillage/v1/actor.proto",
    "maillage/v1/territory.proto",
    "maillage/v1/matching.proto",
    "maillage/v1/lifecycle.proto",
    "maillage/v1/admin.proto",
    // Server reflection, served by services/reflection_service.h (v1 shares
    // v1alpha's rule).
    "grpc/reflection/v1alpha/reflection.proto",
    "maillage/v1/audit.proto",
};

std::vector<const google::protobuf::MethodDescriptor*> ApiMethods() {
  // Referencing a message of each file links its descriptor in.
  (void)v1::Actor::descriptor();
  (void)v1::Territory::descriptor();
  (void)v1::SuggestPartnersRequest::descriptor();
  (void)v1::Suggestion::descriptor();
  (void)v1::ApiKey::descriptor();
  (void)grpc::reflection::v1alpha::ServerReflectionRequest::descriptor();
  (void)v1::AuditEntry::descriptor();
  std::vector<const google::protobuf::MethodDescriptor*> methods;
  for (const char* name : kApiFiles) {
    const google::protobuf::FileDescriptor* file =
        google::protobuf::DescriptorPool::generated_pool()->FindFileByName(
            name);
    EXPECT_NE(file, nullptr) << name;
    if (file == nullptr) continue;
    for (int s = 0; s < file->service_count(); ++s) {
      for (int m = 0; m < file->service(s)->method_count(); ++m) {
        methods.push_back(file->service(s)->method(m));
      }
    }
  }
  return methods;
}

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
              testing::HasSubstr("\"reader\" may not call DeleteActor"));
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

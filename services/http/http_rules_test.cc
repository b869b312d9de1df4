// Every RPC of the API has a google.api.http rule: the HTTP face serves
// exactly the annotated methods, so an RPC without a rule would be missing
// from it (and from the OpenAPI document).
#include <set>
#include <string>

#include "auth/api_methods_testing.h"
#include "google/api/annotations.pb.h"
#include "gtest/gtest.h"

namespace maillage::services::http {
namespace {

// Server reflection is a gRPC protocol of its own; the HTTP face describes
// itself with /v1/openapi.json instead.
bool IsGrpcOnly(const google::protobuf::MethodDescriptor& method) {
  return method.service()->file()->package().rfind("grpc.", 0) == 0;
}

TEST(HttpRulesTest, EveryRpcHasAnHttpRule) {
  int annotated = 0;
  for (const google::protobuf::MethodDescriptor* method :
       auth::testing::ApiMethods()) {
    if (IsGrpcOnly(*method)) continue;
    EXPECT_TRUE(method->options().HasExtension(google::api::http))
        << method->full_name()
        << " has no google.api.http rule: add one following AIP-127 (see "
           "proto/google/api/http.proto)";
    ++annotated;
  }
  EXPECT_GT(annotated, 40);
}

TEST(HttpRulesTest, NoTwoRulesShareAMethodAndTemplate) {
  std::set<std::string> seen;
  for (const google::protobuf::MethodDescriptor* method :
       auth::testing::ApiMethods()) {
    if (!method->options().HasExtension(google::api::http)) continue;
    const google::api::HttpRule& rule =
        method->options().GetExtension(google::api::http);
    std::string key = rule.get() + "|" + rule.post() + "|" + rule.patch() +
                      "|" + rule.put() + "|" + rule.delete_() + "|" +
                      std::to_string(rule.pattern_case());
    EXPECT_TRUE(seen.insert(key).second)
        << method->full_name() << " repeats the rule " << key;
  }
}

}  // namespace
}  // namespace maillage::services::http

#ifndef MAILLAGE_AUTH_API_METHODS_TESTING_H_
#define MAILLAGE_AUTH_API_METHODS_TESTING_H_

#include <vector>

#include "google/protobuf/descriptor.h"
#include "grpc/reflection/v1alpha/reflection.pb.h"
#include "gtest/gtest.h"
#include "maillage/v1/actor.pb.h"
#include "maillage/v1/admin.pb.h"
#include "maillage/v1/audit.pb.h"
#include "maillage/v1/lifecycle.pb.h"
#include "maillage/v1/matching.pb.h"
#include "maillage/v1/privacy.pb.h"
#include "maillage/v1/territory.pb.h"

// For tests: every RPC the server exposes, from the generated descriptors,
// so that the policy test and the deny matrix cover a new RPC without being
// told.
namespace maillage::auth::testing {

// Every proto file that declares a service the server exposes. A new file
// with a service must be added here (ApiMethods fails the test when one is
// missing from the generated pool, so a typo fails too).
inline constexpr const char* kApiFiles[] = {
    "maillage/v1/actor.proto",
    "maillage/v1/territory.proto",
    "maillage/v1/matching.proto",
    "maillage/v1/lifecycle.proto",
    "maillage/v1/admin.proto",
    "maillage/v1/audit.proto",
    "maillage/v1/privacy.proto",
    // Server reflection, served by services/reflection_service.h (v1 shares
    // v1alpha's rule).
    "grpc/reflection/v1alpha/reflection.proto",
};

// The methods of every service of kApiFiles.
inline std::vector<const google::protobuf::MethodDescriptor*> ApiMethods() {
  // Referencing a message of each file links its descriptor in.
  (void)v1::Actor::descriptor();
  (void)v1::Territory::descriptor();
  (void)v1::SuggestPartnersRequest::descriptor();
  (void)v1::Suggestion::descriptor();
  (void)v1::ApiKey::descriptor();
  (void)v1::AuditEntry::descriptor();
  (void)v1::DataSubject::descriptor();
  (void)grpc::reflection::v1alpha::ServerReflectionRequest::descriptor();
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

}  // namespace maillage::auth::testing

#endif  // MAILLAGE_AUTH_API_METHODS_TESTING_H_

#include "services/http/api_services.h"

#include "maillage/v1/actor.pb.h"
#include "maillage/v1/admin.pb.h"
#include "maillage/v1/audit.pb.h"
#include "maillage/v1/lifecycle.pb.h"
#include "maillage/v1/matching.pb.h"
#include "maillage/v1/privacy.pb.h"
#include "maillage/v1/territory.pb.h"

namespace maillage::services::http {

std::vector<const google::protobuf::ServiceDescriptor*> ApiServices() {
  // One message of each file links its descriptor in; every service of
  // those files is served.
  const google::protobuf::FileDescriptor* files[] = {
      v1::Actor::descriptor()->file(),
      v1::Territory::descriptor()->file(),
      v1::SuggestPartnersRequest::descriptor()->file(),
      v1::Suggestion::descriptor()->file(),
      v1::ApiKey::descriptor()->file(),
      v1::AuditEntry::descriptor()->file(),
      v1::DataSubject::descriptor()->file(),
  };
  std::vector<const google::protobuf::ServiceDescriptor*> services;
  for (const auto* file : files) {
    for (int i = 0; i < file->service_count(); ++i) {
      services.push_back(file->service(i));
    }
  }
  return services;
}

}  // namespace maillage::services::http

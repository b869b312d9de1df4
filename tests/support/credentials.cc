#include "tests/support/credentials.h"

#include "auth/credentials_file.h"
#include "cli/bearer_channel.h"
#include "gtest/gtest.h"
#include "maillage/v1/admin.grpc.pb.h"

namespace maillage::testing {

std::string ReadAdminKey(const std::string& credentials_file) {
  return auth::LastStoredKey(credentials_file);
}

std::shared_ptr<grpc::Channel> ChannelWithToken(const std::string& target,
                                                const std::string& token) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  return cli::CreateBearerChannel(target, token, args);
}

std::string CreateKey(const std::shared_ptr<grpc::Channel>& admin_channel,
                      const KeySpec& spec) {
  auto stub = v1::AdminService::NewStub(admin_channel);
  v1::CreateApiKeyRequest request;
  request.set_label("test " + spec.role);
  request.set_role(spec.role);
  for (const std::string& t : spec.territories) request.add_territories(t);
  request.set_all_territories(spec.territories.empty());
  request.set_workspace(spec.workspace);
  request.set_partner(spec.partner);
  grpc::ClientContext context;
  v1::CreateApiKeyResponse response;
  grpc::Status status = stub->CreateApiKey(&context, request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response.secret();
}

}  // namespace maillage::testing

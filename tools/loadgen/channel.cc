#include "tools/loadgen/channel.h"

#include <cstdlib>

#include "auth/credentials_file.h"
#include "cli/bearer_channel.h"

namespace maillage::loadgen {

std::shared_ptr<grpc::Channel> Connect(const std::string& target,
                                       bool own_connection) {
  std::string token;
  if (const char* env = std::getenv("MAILLAGE_TOKEN"); env != nullptr) {
    token = env;
  }
  if (token.empty()) {
    auto stored = auth::FindStoredKey(auth::DefaultCredentialsPath(), target);
    if (stored.ok() && stored->has_value()) token = **stored;
  }
  grpc::ChannelArguments args;
  if (own_connection) args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return cli::CreateBearerChannel(target, token, args);
}

}  // namespace maillage::loadgen

#include "tools/loadgen/channel.h"

#include <cstdlib>

#include "auth/credentials_file.h"
#include "cli/bearer_channel.h"

namespace maillage::loadgen {

std::shared_ptr<grpc::Channel> Connect(const std::string& target) {
  std::string token;
  if (const char* env = std::getenv("MAILLAGE_TOKEN"); env != nullptr) {
    token = env;
  }
  if (token.empty()) {
    auto stored = auth::FindStoredKey(auth::DefaultCredentialsPath(), target);
    if (stored.ok() && stored->has_value()) token = **stored;
  }
  return cli::CreateBearerChannel(target, token);
}

}  // namespace maillage::loadgen

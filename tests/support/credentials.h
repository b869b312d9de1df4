#ifndef MAILLAGE_TESTS_SUPPORT_CREDENTIALS_H_
#define MAILLAGE_TESTS_SUPPORT_CREDENTIALS_H_

#include <memory>
#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"

namespace maillage::testing {

// The admin key a server wrote to its credentials file at first start (the
// file's last entry, whatever its port: a test restarting a server on the
// same store gets a new port but keeps its key); "" when there is none.
std::string ReadAdminKey(const std::string& credentials_file);

// A channel to `target` sending `token` with every call.
std::shared_ptr<grpc::Channel> ChannelWithToken(const std::string& target,
                                                const std::string& token);

// What a test key grants.
struct KeySpec {
  std::string role;                      // "reader" … "admin"
  std::vector<std::string> territories;  // empty: all territories
  std::string workspace = "default";
  std::string partner;
};

// Creates a key through AdminService on `admin_channel`; returns its bearer
// token ("mlg_…"). Fails the current test (and returns "") on error.
std::string CreateKey(const std::shared_ptr<grpc::Channel>& admin_channel,
                      const KeySpec& spec);

}  // namespace maillage::testing

#endif  // MAILLAGE_TESTS_SUPPORT_CREDENTIALS_H_

#ifndef MAILLAGE_CLI_BEARER_CHANNEL_H_
#define MAILLAGE_CLI_BEARER_CHANNEL_H_

#include <memory>
#include <string>

#include "grpcpp/grpcpp.h"

namespace maillage::cli {

// A channel whose every call carries "authorization: Bearer <token>" (none
// when `token` is empty). A client interceptor adds it, so it works on the
// plaintext loopback channels of a local server too (gRPC sends call
// credentials only over secure channels). For tools and tests that use
// generated stubs directly; the CLI adds the header per call.
std::shared_ptr<grpc::Channel> CreateBearerChannel(
    const std::string& target, const std::string& token,
    const grpc::ChannelArguments& args = grpc::ChannelArguments(),
    std::shared_ptr<grpc::ChannelCredentials> credentials =
        grpc::InsecureChannelCredentials());

}  // namespace maillage::cli

#endif  // MAILLAGE_CLI_BEARER_CHANNEL_H_

#ifndef MAILLAGE_TOOLS_LOADGEN_CHANNEL_H_
#define MAILLAGE_TOOLS_LOADGEN_CHANNEL_H_

#include <memory>
#include <string>

#include "grpcpp/grpcpp.h"

namespace maillage::loadgen {

// A channel to `target` whose calls carry the API key found as the CLI finds
// it: $MAILLAGE_TOKEN, else the key stored for `target` in the credentials
// file ($MAILLAGE_CREDENTIALS or the default path). The scripts start the
// server with --admin_credentials_file and point $MAILLAGE_CREDENTIALS at it.
// `own_connection`: the channel gets a connection of its own (gRPC may
// otherwise share one between channels to the same target).
std::shared_ptr<grpc::Channel> Connect(const std::string& target,
                                       bool own_connection = false);

}  // namespace maillage::loadgen

#endif  // MAILLAGE_TOOLS_LOADGEN_CHANNEL_H_

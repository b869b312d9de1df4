#ifndef MAILLAGE_CLI_CLIENT_H_
#define MAILLAGE_CLI_CLIENT_H_

#include <istream>
#include <memory>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "cli/args.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "maillage/v1/actor.grpc.pb.h"
#include "maillage/v1/lifecycle.grpc.pb.h"
#include "maillage/v1/matching.grpc.pb.h"
#include "maillage/v1/territory.grpc.pb.h"

namespace maillage::cli {

// What a command works with: stubs to the server, a deadline per call and
// the standard streams. The channel is made on first use, so commands that
// fail on their arguments never touch the network. Not thread-safe.
class Client {
 public:
  struct Options {
    // HOST:PORT (any gRPC target).
    std::string server = "127.0.0.1:50051";
    // Deadline of each RPC, in seconds.
    double timeout_seconds = 30;
    // Sent as "authorization: Bearer <token>" with every call; none when
    // empty.
    std::string token;
  };

  // The streams must outlive the client.
  Client(Options options, std::istream& in, std::ostream& out,
         std::ostream& err);

  v1::ActorService::Stub& actors();
  v1::TerritoryService::Stub& territories();
  v1::MatchService::Stub& match();
  v1::LifecycleService::Stub& lifecycle();
  // For methods called by name with hand-built bytes (grpc.health.v1).
  grpc::GenericStub& generic();
  // The channel, for the stubs of services used by one command group.
  std::shared_ptr<grpc::Channel> channel_for_stubs() {
    channel();
    return channel_;
  }

  // A fresh context for one call, with its deadline set.
  std::unique_ptr<grpc::ClientContext> NewCall() const;
  // A fresh context for a stream that lasts as long as it has work (import,
  // export, watch): no deadline.
  std::unique_ptr<grpc::ClientContext> NewStream() const;

  // FromGrpc (errors.h), naming the server when it could not be reached or
  // did not answer in time.
  absl::Status Check(const grpc::Status& status) const;

  const Options& options() const { return options_; }
  // Adds the caller's credentials to a context made elsewhere.
  void Authorize(grpc::ClientContext* context) const;
  std::istream& in() { return in_; }
  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }

 private:
  grpc::Channel& channel();

  Options options_;
  std::istream& in_;
  std::ostream& out_;
  std::ostream& err_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::ActorService::Stub> actors_;
  std::unique_ptr<v1::TerritoryService::Stub> territories_;
  std::unique_ptr<v1::MatchService::Stub> match_;
  std::unique_ptr<v1::LifecycleService::Stub> lifecycle_;
  std::unique_ptr<grpc::GenericStub> generic_;
};

// The token of the call: --token, else $MAILLAGE_TOKEN, else the key stored
// for options->server in the credentials file (--credentials_file, else
// auth::DefaultCredentialsPath()). No token is not an error (the server
// says what it wants); an unreadable credentials file is.
absl::Status ResolveToken(const ParsedArgs& args, Client::Options* options);

}  // namespace maillage::cli

#endif  // MAILLAGE_CLI_CLIENT_H_

#ifndef MAILLAGE_TESTS_SUPPORT_TEST_SERVER_H_
#define MAILLAGE_TESTS_SUPPORT_TEST_SERVER_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "maillage/v1/actor.grpc.pb.h"
#include "maillage/v1/territory.grpc.pb.h"
#include "services/server.h"
#include "tests/support/credentials.h"
#include "tests/support/temp_dir.h"

namespace maillage::testing {

// The real server, in-process, on a free port with a RocksDB store in a
// temporary folder, and generated stubs connected to it.
class TestServer {
 public:
  // `data_dir` empty: a fresh temporary folder owned by this object.
  explicit TestServer(std::string data_dir = "");
  ~TestServer();

  // Starts (or restarts, on the same folder) the server; aborts the test on
  // failure.
  void Start();
  // Graceful shutdown: drain, close the store.
  void Stop();

  const std::string& data_dir() const { return data_dir_; }
  int port() const { return server_->port(); }
  std::string target() const;
  // A channel carrying the admin key the server created at first start.
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  const std::string& admin_key() const { return admin_key_; }
  // Where the server writes its admin key (beside the store).
  std::string credentials_file() const { return data_dir_ + ".credentials"; }
  services::Server& server() { return *server_; }

  v1::ActorService::Stub& actors() { return *actors_; }
  v1::TerritoryService::Stub& territories() { return *territories_; }

  services::Server::Options& options() { return options_; }

 private:
  std::unique_ptr<TempDir> temp_;
  std::string data_dir_;
  services::Server::Options options_;
  std::unique_ptr<services::Server> server_;
  std::string admin_key_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::ActorService::Stub> actors_;
  std::unique_ptr<v1::TerritoryService::Stub> territories_;
};

// A minimal valid actor: a company in Charenton-le-Pont (94018).
v1::Actor SampleActor(const std::string& id, const std::string& name);

// Every actor the server exports (ExportActors, FULL view), by id, as
// deterministic serialised bytes without its times and etag: equal maps
// mean equal stored content. Adds a test failure when the export fails.
std::map<std::string, std::string> ExportedContent(
    v1::ActorService::Stub& stub);

// The field paths of the google.rpc.BadRequest in a status's details.
std::vector<std::string> BadRequestFields(const grpc::Status& status);

}  // namespace maillage::testing

#endif  // MAILLAGE_TESTS_SUPPORT_TEST_SERVER_H_

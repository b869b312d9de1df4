#include "tests/support/test_server.h"

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"

namespace maillage::testing {

TestServer::TestServer(std::string data_dir) {
  if (data_dir.empty()) {
    temp_ = std::make_unique<TempDir>();
    data_dir = temp_->Sub("store");
  }
  data_dir_ = data_dir;
  options_.listen_address = "127.0.0.1:0";
  options_.core.data_dir = data_dir_;
  options_.core.reference_dir = MAILLAGE_REFERENCE_DIR;
  options_.worker_threads = 8;
  // Tests restart and kill servers often; fsync adds nothing to what they
  // check except in the durability tests, which turn it back on.
  options_.core.sync_writes = false;
  // ctest runs tests side by side: an import niced below the other test's
  // threads (the server's default) would wait for them.
  options_.core.import_nice = 0;
  options_.admin_credentials_file = credentials_file();
}

TestServer::~TestServer() { Stop(); }

void TestServer::Start() {
  auto server = services::Server::BuildAndStart(options_);
  ASSERT_TRUE(server.ok()) << server.status();
  server_ = std::move(*server);
  admin_key_ = ReadAdminKey(credentials_file());
  ASSERT_FALSE(admin_key_.empty()) << "no admin key in " << credentials_file();
  channel_ = ChannelWithToken(target(), admin_key_);
  actors_ = v1::ActorService::NewStub(channel_);
  territories_ = v1::TerritoryService::NewStub(channel_);
}

void TestServer::Stop() {
  actors_.reset();
  territories_.reset();
  channel_.reset();
  if (server_ != nullptr) server_->Shutdown();
  server_.reset();
}

std::string TestServer::target() const {
  return "127.0.0.1:" + std::to_string(server_->port());
}

std::map<std::string, std::string> ExportedContent(
    v1::ActorService::Stub& stub) {
  std::map<std::string, std::string> out;
  grpc::ClientContext ctx;
  v1::ExportActorsRequest req;
  req.set_view(v1::ACTOR_VIEW_FULL);
  auto reader = stub.ExportActors(&ctx, req);
  v1::ExportActorsResponse chunk;
  while (reader->Read(&chunk)) {
    for (v1::Actor a : chunk.actors()) {
      a.clear_create_time();
      a.clear_update_time();
      a.clear_etag();
      std::string bytes;
      google::protobuf::io::StringOutputStream raw(&bytes);
      google::protobuf::io::CodedOutputStream coded(&raw);
      coded.SetSerializationDeterministic(true);
      a.SerializeToCodedStream(&coded);
      coded.Trim();
      out[a.id()] = bytes;
    }
  }
  EXPECT_TRUE(reader->Finish().ok());
  return out;
}

v1::Actor SampleActor(const std::string& id, const std::string& name) {
  v1::Actor a;
  a.set_id(id);
  a.set_kind(v1::ACTOR_KIND_COMPANY);
  a.set_name(name);
  a.set_home_commune("94018");
  a.add_themes("employment_insertion");
  return a;
}

std::vector<std::string> BadRequestFields(const grpc::Status& status) {
  std::vector<std::string> fields;
  google::rpc::Status rich;
  if (!rich.ParseFromString(status.error_details())) return fields;
  for (const auto& any : rich.details()) {
    google::rpc::BadRequest bad;
    if (any.type_url() == "type.googleapis.com/google.rpc.BadRequest" &&
        bad.ParseFromString(any.value())) {
      for (const auto& v : bad.field_violations()) fields.push_back(v.field());
    }
  }
  return fields;
}

}  // namespace maillage::testing

// Server reflection as a generic client (grpcurl, Postman) uses it: list the
// services, fetch a service's file with everything it imports, build the
// schema from what came back, in both protocol versions; only the API's
// files are shown.
#include <set>
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "grpc/reflection/v1/reflection.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/support/test_server.h"

namespace maillage {
namespace {

namespace pb = google::protobuf;
using ::testing::IsSupersetOf;

// One reflection stream of protocol version `Reflection` (the v1 or v1alpha
// service): a request in, its response out.
template <typename Reflection>
class ReflectionStream {
 public:
  using Request = typename Reflection::ServerReflectionRequest;
  using Response = typename Reflection::ServerReflectionResponse;

  explicit ReflectionStream(const std::shared_ptr<grpc::Channel>& channel)
      : stub_(Reflection::ServerReflection::NewStub(channel)),
        stream_(stub_->ServerReflectionInfo(&context_)) {}

  Response Ask(const Request& request) {
    Response response;
    EXPECT_TRUE(stream_->Write(request));
    EXPECT_TRUE(stream_->Read(&response));
    return response;
  }

  grpc::Status Close() {
    stream_->WritesDone();
    return stream_->Finish();
  }

 private:
  std::unique_ptr<typename Reflection::ServerReflection::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<Request, Response>> stream_;
};

struct V1 {
  using ServerReflection = grpc::reflection::v1::ServerReflection;
  using ServerReflectionRequest = grpc::reflection::v1::ServerReflectionRequest;
  using ServerReflectionResponse =
      grpc::reflection::v1::ServerReflectionResponse;
};
struct V1Alpha {
  using ServerReflection = grpc::reflection::v1alpha::ServerReflection;
  using ServerReflectionRequest =
      grpc::reflection::v1alpha::ServerReflectionRequest;
  using ServerReflectionResponse =
      grpc::reflection::v1alpha::ServerReflectionResponse;
};

template <typename Version>
class ReflectionTest : public ::testing::Test {};
using Versions = ::testing::Types<V1, V1Alpha>;
TYPED_TEST_SUITE(ReflectionTest, Versions);

TYPED_TEST(ReflectionTest, ListsTheServices) {
  testing::TestServer server;
  server.Start();
  ReflectionStream<TypeParam> stream(server.channel());
  typename TypeParam::ServerReflectionRequest request;
  request.set_list_services("");
  auto response = stream.Ask(request);
  std::set<std::string> names;
  for (const auto& service : response.list_services_response().service()) {
    names.insert(service.name());
  }
  EXPECT_THAT(
      names,
      IsSupersetOf({"maillage.v1.ActorService", "maillage.v1.TerritoryService",
                    "maillage.v1.MatchService", "maillage.v1.LifecycleService",
                    "grpc.health.v1.Health",
                    "grpc.reflection.v1.ServerReflection",
                    "grpc.reflection.v1alpha.ServerReflection"}));
  EXPECT_TRUE(stream.Close().ok());
}

TYPED_TEST(ReflectionTest, DescribesAServiceWithEverythingItImports) {
  testing::TestServer server;
  server.Start();
  ReflectionStream<TypeParam> stream(server.channel());
  typename TypeParam::ServerReflectionRequest request;
  request.set_file_containing_symbol("maillage.v1.ActorService.GetActor");
  auto response = stream.Ask(request);
  ASSERT_TRUE(response.has_file_descriptor_response())
      << response.error_response().error_message();
  // What a generic client does: build the schema from the files alone.
  pb::DescriptorPool pool;
  std::set<std::string> names;
  const auto& files = response.file_descriptor_response();
  std::vector<pb::FileDescriptorProto> protos(
      files.file_descriptor_proto_size());
  for (int i = 0; i < files.file_descriptor_proto_size(); ++i) {
    ASSERT_TRUE(protos[i].ParseFromString(files.file_descriptor_proto(i)));
    names.insert(protos[i].name());
  }
  EXPECT_EQ(protos.front().name(), "maillage/v1/actor.proto");
  // Dependencies first, as a pool needs them.
  for (auto it = protos.rbegin(); it != protos.rend(); ++it) {
    pool.BuildFile(*it);
  }
  const pb::MethodDescriptor* method =
      pool.FindMethodByName("maillage.v1.ActorService.GetActor");
  ASSERT_NE(method, nullptr) << "files: " << names.size();
  EXPECT_NE(method->output_type()->FindFieldByName("name"), nullptr);

  // The same file again on this stream: only itself, its imports were sent.
  request.set_file_by_filename("maillage/v1/actor.proto");
  response = stream.Ask(request);
  EXPECT_EQ(response.file_descriptor_response().file_descriptor_proto_size(),
            1);
  EXPECT_TRUE(stream.Close().ok());
}

TYPED_TEST(ReflectionTest, ShowsOnlyTheApi) {
  testing::TestServer server;
  server.Start();
  ReflectionStream<TypeParam> stream(server.channel());
  typename TypeParam::ServerReflectionRequest request;
  // Linked into the server, but the storage format is not the API.
  request.set_file_by_filename("maillage/storage/records.proto");
  auto hidden = stream.Ask(request);
  EXPECT_EQ(hidden.error_response().error_code(),
            static_cast<int>(grpc::StatusCode::NOT_FOUND));
  request.set_file_containing_symbol("maillage.v1.NoSuchService");
  auto unknown = stream.Ask(request);
  EXPECT_EQ(unknown.error_response().error_code(),
            static_cast<int>(grpc::StatusCode::NOT_FOUND));
  // The stream goes on after errors.
  request.set_all_extension_numbers_of_type("maillage.v1.Actor");
  auto extensions = stream.Ask(request);
  EXPECT_EQ(extensions.all_extension_numbers_response().base_type_name(),
            "maillage.v1.Actor");
  EXPECT_TRUE(stream.Close().ok());
}

// Reflection is behind authentication like every call.
TEST(ReflectionAuthTest, AnAnonymousCallerIsRefused) {
  testing::TestServer server;
  server.Start();
  auto anonymous =
      grpc::CreateChannel(server.target(), grpc::InsecureChannelCredentials());
  auto stub = grpc::reflection::v1alpha::ServerReflection::NewStub(anonymous);
  grpc::ClientContext ctx;
  auto stream = stub->ServerReflectionInfo(&ctx);
  grpc::reflection::v1alpha::ServerReflectionRequest request;
  request.set_list_services("");
  grpc::reflection::v1alpha::ServerReflectionResponse response;
  stream->Write(request);
  EXPECT_FALSE(stream->Read(&response));
  stream->WritesDone();
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

}  // namespace
}  // namespace maillage

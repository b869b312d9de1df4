// Transport security end to end: the real server with TLS from certificate
// files made in the test (tests/support/test_pki.h), clients over TLS, mTLS
// with the client certificate mapped to a principal, a certificate replaced
// on disk while serving, and the loopback rule.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "grpc/grpc_security_constants.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "gtest/gtest.h"
#include "maillage/v1/actor.grpc.pb.h"
#include "tests/support/test_pki.h"
#include "tests/support/test_server.h"

namespace maillage {
namespace {

using testing::CertificateFiles;
using ::testing::HasSubstr;
using testing::TestPki;

// What a test call saw: its status and the server certificate's CN.
struct CallResult {
  grpc::Status status;
  std::string server_name;
};

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ca_ = pki_.MakeAuthority("test-ca");
    server_a_ = pki_.MakeServer("maillage-a", ca_);
    client_ = pki_.MakeClient("platform.example.org", ca_);
    ASSERT_FALSE(HasFailure());
    // The files the server is given: copies, so that a test can replace
    // them.
    served_ = {pki_.Path("served.pem"), pki_.Path("served.key")};
    Install(server_a_);
  }

  // Replaces the served certificate and key the way a renewal does: each
  // file written aside, then renamed over the old one.
  void Install(const CertificateFiles& files) {
    for (const auto& [from, to] :
         {std::pair{files.cert, served_.cert}, {files.key, served_.key}}) {
      std::filesystem::copy_file(
          from, to + ".new", std::filesystem::copy_options::overwrite_existing);
      std::filesystem::rename(to + ".new", to);
    }
  }

  services::TlsOptions ServerTls() const {
    services::TlsOptions tls;
    tls.cert_file = served_.cert;
    tls.key_file = served_.key;
    tls.reload_interval = absl::Seconds(1);
    return tls;
  }

  // A channel of its own (never a connection shared with another channel)
  // trusting the test CA, presenting `client` when given.
  std::shared_ptr<grpc::Channel> TlsChannel(
      const testing::TestServer& server,
      const CertificateFiles* client = nullptr) const {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = TestPki::Read(ca_.cert);
    if (client != nullptr) {
      ssl.pem_private_key = TestPki::Read(client->key);
      ssl.pem_cert_chain = TestPki::Read(client->cert);
    }
    return grpc::CreateCustomChannel(server.target(), grpc::SslCredentials(ssl),
                                     FreshArgs());
  }

  static grpc::ChannelArguments FreshArgs() {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    return args;
  }

  // A read (ListActors, one actor) through `channel`, with `token` as its
  // bearer when not empty (else the client certificate, if any, is the
  // caller).
  static CallResult List(const std::shared_ptr<grpc::Channel>& channel,
                         const std::string& token = "") {
    auto stub = v1::ActorService::NewStub(channel);
    grpc::ClientContext ctx;
    if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(10));
    v1::ListActorsRequest req;
    req.set_page_size(1);
    v1::ListActorsResponse resp;
    CallResult result;
    result.status = stub->ListActors(&ctx, req, &resp);
    if (auto auth = ctx.auth_context(); auth != nullptr) {
      for (const auto& cn :
           auth->FindPropertyValues(GRPC_X509_CN_PROPERTY_NAME)) {
        result.server_name.assign(cn.data(), cn.size());
      }
    }
    return result;
  }

  // A write (CreateActor) through `channel`.
  static grpc::Status Create(const std::shared_ptr<grpc::Channel>& channel,
                             const std::string& id) {
    auto stub = v1::ActorService::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(10));
    v1::CreateActorRequest req;
    *req.mutable_actor() = testing::SampleActor(id, "Acteur TLS");
    v1::Actor out;
    return stub->CreateActor(&ctx, req, &out);
  }

  TestPki pki_;
  CertificateFiles ca_;
  CertificateFiles server_a_;
  CertificateFiles client_;
  CertificateFiles served_;
};

TEST_F(TlsTest, TlsClientIsServed) {
  testing::TestServer server;
  server.options().tls = ServerTls();
  server.Start();
  CallResult result = List(TlsChannel(server), server.admin_key());
  EXPECT_TRUE(result.status.ok()) << result.status.error_message();
  EXPECT_EQ(result.server_name, "maillage-a");
}

TEST_F(TlsTest, PlaintextClientAgainstTlsPortFailsCleanly) {
  testing::TestServer server;
  server.options().tls = ServerTls();
  server.Start();
  auto plaintext = grpc::CreateCustomChannel(
      server.target(), grpc::InsecureChannelCredentials(), FreshArgs());
  CallResult refused = List(plaintext, server.admin_key());
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << refused.status.error_message();
  // A client that does not trust the server's authority fails the same way.
  grpc::SslCredentialsOptions untrusted;
  untrusted.pem_root_certs = TestPki::Read(pki_.MakeAuthority("other-ca").cert);
  CallResult mistrusted = List(grpc::CreateCustomChannel(
      server.target(), grpc::SslCredentials(untrusted), FreshArgs()));
  EXPECT_EQ(mistrusted.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  // The server is fine after both.
  EXPECT_TRUE(List(TlsChannel(server), server.admin_key()).status.ok());
}

TEST_F(TlsTest, RequiredClientCertificateIsVerifiedAndMapsToItsPrincipal) {
  CertificateFiles stranger =
      pki_.MakeClient("platform.example.org", pki_.MakeAuthority("rogue-ca"));
  CertificateFiles unmapped = pki_.MakeClient("unmapped.example.org", ca_);
  std::string mapping = pki_.Path("principals.txt");
  std::ofstream(mapping) << "# test mapping\n"
                            "CN=platform.example.org role=reader scope=*\n";
  testing::TestServer server;
  server.options().tls = ServerTls();
  server.options().tls.client_ca_file = ca_.cert;
  server.options().tls.require_client_certificate = true;
  server.options().client_cert_principals = mapping;
  server.Start();

  EXPECT_EQ(List(TlsChannel(server)).status.error_code(),
            grpc::StatusCode::UNAVAILABLE)
      << "no client certificate";
  EXPECT_EQ(List(TlsChannel(server, &stranger)).status.error_code(),
            grpc::StatusCode::UNAVAILABLE)
      << "a certificate of another authority, same name";

  // The verified certificate is its mapped principal: a reader may list
  // but not write.
  auto mapped = TlsChannel(server, &client_);
  CallResult read = List(mapped);
  EXPECT_TRUE(read.status.ok()) << read.status.error_message();
  grpc::Status write = Create(mapped, "ext:tls:1");
  EXPECT_EQ(write.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(write.error_message(), HasSubstr("\"reader\""));

  // A certificate of the right authority that the mapping does not know
  // authenticates nobody.
  grpc::Status unknown = List(TlsChannel(server, &unmapped)).status;
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(unknown.error_message(), HasSubstr("CN=unmapped.example.org"));
}

TEST_F(TlsTest, OptionalClientCertificate) {
  std::string mapping = pki_.Path("principals.txt");
  std::ofstream(mapping) << "DNS:platform.example.org role=reader "
                            "scope=departement:94\n";
  testing::TestServer server;
  server.options().tls = ServerTls();
  server.options().tls.client_ca_file = ca_.cert;
  server.options().client_cert_principals = mapping;
  server.Start();
  // Without a certificate, the other credentials: an API key, or nothing.
  EXPECT_TRUE(List(TlsChannel(server), server.admin_key()).status.ok());
  EXPECT_EQ(List(TlsChannel(server)).status.error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // With one, it is the mapped principal (here through its DNS name).
  EXPECT_EQ(Create(TlsChannel(server, &client_), "ext:tls:2").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

// Reflection goes through the request handler like every call: a caller
// the authenticator refuses gets nothing (reflection_test: an anonymous one
// neither).
TEST_F(TlsTest, ReflectionNeedsAnAuthenticatedCaller) {
  CertificateFiles unmapped = pki_.MakeClient("unmapped.example.org", ca_);
  std::string mapping = pki_.Path("principals.txt");
  std::ofstream(mapping) << "CN=platform.example.org role=reader scope=*\n";
  testing::TestServer server;
  server.options().tls = ServerTls();
  server.options().tls.client_ca_file = ca_.cert;
  server.options().client_cert_principals = mapping;
  server.Start();
  auto list_services = [&](const CertificateFiles& client) {
    auto stub = grpc::reflection::v1alpha::ServerReflection::NewStub(
        TlsChannel(server, &client));
    grpc::ClientContext ctx;
    auto stream = stub->ServerReflectionInfo(&ctx);
    grpc::reflection::v1alpha::ServerReflectionRequest req;
    req.set_list_services("");
    grpc::reflection::v1alpha::ServerReflectionResponse resp;
    int services = 0;
    if (stream->Write(req) && stream->Read(&resp)) {
      services = resp.list_services_response().service_size();
    }
    stream->WritesDone();
    grpc::Status status = stream->Finish();
    return std::make_pair(status, services);
  };
  auto [refused, none] = list_services(unmapped);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << refused.error_message();
  EXPECT_EQ(none, 0);
  auto [allowed, listed] = list_services(client_);
  EXPECT_TRUE(allowed.ok()) << allowed.error_message();
  EXPECT_GE(listed, 4);
}

TEST_F(TlsTest, ReplacedCertificateIsServedWithoutRestart) {
  CertificateFiles server_b = pki_.MakeServer("maillage-b", ca_);
  testing::TestServer server;
  server.options().tls = ServerTls();
  server.Start();
  auto before = TlsChannel(server);
  ASSERT_EQ(List(before, server.admin_key()).server_name, "maillage-a");

  Install(server_b);
  std::string seen;
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (seen != "maillage-b" && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    CallResult result = List(TlsChannel(server), server.admin_key());
    ASSERT_TRUE(result.status.ok()) << result.status.error_message();
    seen = result.server_name;
  }
  EXPECT_EQ(seen, "maillage-b");
  // The connection made before keeps working.
  EXPECT_TRUE(List(before, server.admin_key()).status.ok());
}

// The cost of a new connection, for docs/SECURITY.md: the median of a
// first call on fresh channels, plaintext and TLS (P-256 certificates),
// printed. Checks only that every call succeeds.
TEST_F(TlsTest, HandshakeCost) {
  testing::TestServer plain;
  plain.Start();
  testing::TestServer tls;
  tls.options().tls = ServerTls();
  tls.Start();
  constexpr int kConnections = 30;
  auto median_ms = [&](auto make_channel, const std::string& token) {
    std::vector<double> ms;
    for (int i = 0; i < kConnections; ++i) {
      auto start = std::chrono::steady_clock::now();
      grpc::Status status = List(make_channel(), token).status;
      ms.push_back(std::chrono::duration<double, std::milli>(
                       std::chrono::steady_clock::now() - start)
                       .count());
      EXPECT_TRUE(status.ok()) << status.error_message();
    }
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
  };
  double plaintext = median_ms(
      [&] {
        return grpc::CreateCustomChannel(
            plain.target(), grpc::InsecureChannelCredentials(), FreshArgs());
      },
      plain.admin_key());
  double with_tls = median_ms([&] { return TlsChannel(tls); }, tls.admin_key());
  std::printf(
      "first call on a new connection, median of %d: plaintext "
      "%.2f ms, TLS %.2f ms\n",
      kConnections, plaintext, with_tls);
}

TEST_F(TlsTest, BadFilesAreRefusedAtStartNamingTheFlag) {
  services::Server::Options options = testing::TestServer().options();
  options.tls = ServerTls();
  options.tls.cert_file = pki_.Path("missing.pem");
  auto missing = services::Server::BuildAndStart(options);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("--tls_cert="));

  options.tls = ServerTls();
  options.tls.key_file = client_.key;
  auto mismatch = services::Server::BuildAndStart(options);
  EXPECT_EQ(mismatch.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(mismatch.status().message(), HasSubstr("--tls_key="));

  options.tls = ServerTls();
  options.tls.client_ca_file = served_.key;  // a key, not certificates
  auto not_ca = services::Server::BuildAndStart(options);
  EXPECT_THAT(not_ca.status().message(), HasSubstr("--tls_client_ca="));

  options.tls = ServerTls();
  options.client_cert_principals = pki_.Path("principals.txt");
  auto no_ca = services::Server::BuildAndStart(options);
  EXPECT_THAT(no_ca.status().message(), HasSubstr("needs --tls_client_ca"));

  options.tls.client_ca_file = ca_.cert;
  std::ofstream(options.client_cert_principals) << "CN=x role=god scope=*\n";
  auto bad_mapping = services::Server::BuildAndStart(options);
  EXPECT_THAT(bad_mapping.status().message(),
              HasSubstr("principals.txt:1: unknown role"));
}

TEST(PlaintextRuleTest, NonLoopbackNeedsTlsOrInsecure) {
  testing::TestServer reference;
  services::Server::Options options = reference.options();
  options.listen_address = "0.0.0.0:0";
  auto refused = services::Server::BuildAndStart(options);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("--insecure"));
  EXPECT_THAT(refused.status().message(), HasSubstr("--tls_cert"));

  options.insecure = true;
  auto allowed = services::Server::BuildAndStart(options);
  ASSERT_TRUE(allowed.ok()) << allowed.status();
  (*allowed)->Shutdown(absl::ZeroDuration());
}

}  // namespace
}  // namespace maillage

#include "services/tls.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace maillage::services {
namespace {

using ::testing::HasSubstr;

TEST(TlsTest, LoopbackAddresses) {
  for (const char* address :
       {"127.0.0.1:50051", "127.0.0.1:0", "127.1.2.3:80", "localhost:50051",
        "LOCALHOST:1", "[::1]:50051", "::1", "[::ffff:127.0.0.1]:5",
        "unix:/run/maillage.sock", "unix-abstract:maillage",
        "ipv4:127.0.0.1:50051", "dns:localhost:50051"}) {
    EXPECT_TRUE(IsLoopbackAddress(address)) << address;
  }
}

TEST(TlsTest, NonLoopbackAddresses) {
  for (const char* address :
       {"0.0.0.0:50051", "[::]:50051", ":50051", "192.168.1.10:50051",
        "10.0.0.1:1", "128.0.0.1:1", "[::2]:1", "[::ffff:10.0.0.1]:5",
        "maillage.example.org:443", "localhost.example.org:1", "",
        "ipv4:0.0.0.0:1"}) {
    EXPECT_FALSE(IsLoopbackAddress(address)) << address;
  }
}

TEST(TlsTest, PlaintextRule) {
  TlsOptions none;
  EXPECT_TRUE(CheckPlaintextAllowed("127.0.0.1:1", none, false).ok());
  absl::Status refused = CheckPlaintextAllowed("0.0.0.0:1", none, false);
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.message(), HasSubstr("--insecure"));
  EXPECT_TRUE(CheckPlaintextAllowed("0.0.0.0:1", none, true).ok());
  TlsOptions tls;
  tls.cert_file = "server.pem";
  EXPECT_TRUE(CheckPlaintextAllowed("0.0.0.0:1", tls, false).ok());
}

TEST(TlsTest, InconsistentOptionsNameTheFlags) {
  TlsOptions tls;
  tls.cert_file = "server.pem";
  EXPECT_THAT(ValidateTlsOptions(tls).message(), HasSubstr("--tls_key"));
  tls.key_file = "server.key";
  tls.require_client_certificate = true;
  EXPECT_THAT(ValidateTlsOptions(tls).message(),
              HasSubstr("--tls_require_client_cert needs --tls_client_ca"));
  tls.require_client_certificate = false;
  tls.reload_interval = absl::Milliseconds(10);
  EXPECT_THAT(ValidateTlsOptions(tls).message(),
              HasSubstr("--tls_reload_interval"));
}

}  // namespace
}  // namespace maillage::services

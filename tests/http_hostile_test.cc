// The HTTP face against hostile or broken clients, on loopback, bounded:
// oversized bodies and headers, malformed chunked encoding, 1,000 idle
// connections, slowloris clients, a connection cap and an event-stream cap;
// the server keeps answering others throughout. Also its CORS allow-list and
// TLS on the HTTP port.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/http_client.h"
#include "tests/support/test_pki.h"
#include "tests/support/test_server.h"

namespace maillage {
namespace {

using testing::Bearer;
using ::testing::HasSubstr;
using testing::HttpCall;
using testing::HttpConnection;
using testing::HttpResponse;

// Generous bound for "the server closes it" (its timeouts are 1 s here).
constexpr int kCloseWithinMs = 30000;

class HttpHostileTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new testing::TestServer();
    auto& http = server_->options().http;
    http.listen_address = "127.0.0.1:0";
    http.idle_timeout = absl::Seconds(1);
    http.body_timeout = absl::Seconds(1);
    http.max_body_bytes = 64 << 10;
    http.max_connections = 1100;
    http.dispatch.max_event_streams = 2;
    http.cors_origins = {"https://dashboard.example.org"};
    server_->Start();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static int port() { return server_->server().http_port(); }

  // A normal client is served.
  static void ExpectServed() {
    HttpResponse r = HttpCall(port(), "GET", "/v1/postalCodes/94220", "",
                              {Bearer(server_->admin_key())});
    EXPECT_EQ(r.status, 200) << r.body;
  }

  static testing::TestServer* server_;
};
testing::TestServer* HttpHostileTest::server_ = nullptr;

TEST_F(HttpHostileTest, OversizedBodyIsRefusedAndOthersAreServed) {
  HttpResponse r =
      HttpCall(port(), "POST", "/v1/actors", std::string(1 << 20, 'x'),
               {Bearer(server_->admin_key())});
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.headers["connection"], "close");
  ExpectServed();
}

TEST_F(HttpHostileTest, HeaderFloodIsRefused) {
  testing::HttpHeaders flood;
  for (int i = 0; i < 500; ++i) {
    flood.push_back({absl::StrCat("X-Flood-", i), std::string(20, 'y')});
  }
  HttpResponse r = HttpCall(port(), "GET", "/healthz", "", flood);
  EXPECT_EQ(r.status, 431);
  ExpectServed();
}

TEST_F(HttpHostileTest, MalformedChunkedEncodingIsABadRequest) {
  HttpConnection c(port());
  ASSERT_TRUE(c.SendRaw(
      "POST /v1/actors HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
      "\r\nzz\r\nnot a chunk\r\n0\r\n\r\n"));
  HttpResponse r = c.ReadResponse();
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("malformed"));
  HttpConnection garbage(port());
  ASSERT_TRUE(garbage.SendRaw("\x16\x03\x01 not http at all\r\n\r\n"));
  EXPECT_EQ(garbage.ReadResponse().status, 400);
  ExpectServed();
}

// 1,000 connections that say nothing: others are served meanwhile, and
// every one of them is closed by the idle timeout.
TEST_F(HttpHostileTest, ThousandIdleConnections) {
  std::vector<std::unique_ptr<HttpConnection>> idle;
  for (int i = 0; i < 1000; ++i) {
    idle.push_back(std::make_unique<HttpConnection>(port()));
    ASSERT_TRUE(idle.back()->ok()) << i;
  }
  ExpectServed();
  int closed = 0;
  for (auto& c : idle) closed += c->WaitClosed(kCloseWithinMs);
  EXPECT_EQ(closed, 1000);
  ExpectServed();
}

// Slowloris: headers a byte at a time, never finished; a body that never
// comes. Both are closed by their timeouts while others are served.
TEST_F(HttpHostileTest, SlowClientsAreClosed) {
  HttpConnection slow_headers(port());
  HttpConnection slow_body(port());
  ASSERT_TRUE(slow_body.SendRaw(
      "POST /v1/actors HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"));
  const std::string line = "GET /healthz HTTP/1.1\r\nX-Slow: ";
  bool closed = false;
  for (size_t i = 0; i < 200 && !closed; ++i) {
    if (!slow_headers.SendRaw(std::string(1, line[i % line.size()]))) break;
    closed = slow_headers.WaitClosed(100);
  }
  EXPECT_TRUE(closed || slow_headers.WaitClosed(kCloseWithinMs));
  EXPECT_TRUE(slow_body.WaitClosed(kCloseWithinMs));
  ExpectServed();
}

TEST_F(HttpHostileTest, EventStreamsAreBounded) {
  const std::string watch =
      "/v1/suggestions:watch?territory.level=TERRITORY_LEVEL_DEPARTEMENT&"
      "territory.code=94";
  testing::HttpHeaders headers = {Bearer(server_->admin_key()),
                                  {"Accept", "text/event-stream"}};
  std::vector<std::unique_ptr<HttpConnection>> open;
  for (int i = 0; i < 2; ++i) {
    open.push_back(std::make_unique<HttpConnection>(port()));
    ASSERT_TRUE(open.back()->SendRequest("GET", watch, "", headers));
    EXPECT_EQ(open.back()->ReadHead().status, 200);
  }
  HttpResponse third = HttpCall(port(), "GET", watch, "", headers);
  EXPECT_EQ(third.status, 503);
  EXPECT_THAT(third.body, HasSubstr("too many event streams"));
  open.clear();  // the clients go; their slots come back
  HttpResponse again;
  for (int attempt = 0; attempt < 100 && again.status != 200; ++attempt) {
    HttpConnection c(port());
    c.SendRequest("GET", watch, "", headers);
    again = c.ReadHead();
    if (again.status != 200) absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(again.status, 200);
}

TEST_F(HttpHostileTest, CorsAllowsTheListedOriginsOnly) {
  HttpResponse preflight =
      HttpCall(port(), "OPTIONS", "/v1/actors", "",
               {{"Origin", "https://dashboard.example.org"},
                {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(preflight.status, 204);
  EXPECT_EQ(preflight.headers["access-control-allow-origin"],
            "https://dashboard.example.org");
  EXPECT_THAT(preflight.headers["access-control-allow-headers"],
              HasSubstr("Authorization"));
  HttpResponse listed = HttpCall(port(), "GET", "/healthz", "",
                                 {{"Origin", "https://dashboard.example.org"}});
  EXPECT_EQ(listed.headers["access-control-allow-origin"],
            "https://dashboard.example.org");
  HttpResponse other = HttpCall(port(), "GET", "/healthz", "",
                                {{"Origin", "https://evil.example"}});
  EXPECT_EQ(other.headers.count("access-control-allow-origin"), 0u);
  HttpResponse other_preflight = HttpCall(port(), "OPTIONS", "/v1/actors", "",
                                          {{"Origin", "https://evil.example"}});
  EXPECT_EQ(other_preflight.status, 405);
}

// Beyond the connection cap, a new connection gets 503 and is closed; once
// connections go, new ones are served again.
TEST(HttpLimitsTest, ConnectionsAreCapped) {
  testing::TestServer server;
  server.options().http.listen_address = "127.0.0.1:0";
  server.options().http.max_connections = 20;
  server.Start();
  const int port = server.server().http_port();
  std::vector<std::unique_ptr<HttpConnection>> held;
  for (int i = 0; i < 20; ++i) {
    held.push_back(std::make_unique<HttpConnection>(port));
  }
  HttpResponse refused = HttpCall(port, "GET", "/healthz");
  EXPECT_EQ(refused.status, 503);
  EXPECT_THAT(refused.body, HasSubstr("too many connections"));
  held.clear();
  HttpResponse served;
  for (int attempt = 0; attempt < 100 && served.status != 200; ++attempt) {
    served = HttpCall(port, "GET", "/healthz");
    if (served.status != 200) absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(served.status, 200);
}

// TLS on the HTTP port with the gRPC port's certificate files, checked
// with curl (an independent client) trusting the test authority.
TEST(HttpTlsTest, ServesHttpsWithTheServersCertificate) {
  testing::TestPki pki;
  testing::CertificateFiles ca = pki.MakeAuthority("test-ca");
  testing::CertificateFiles cert = pki.MakeServer("maillage", ca);
  testing::TestServer server;
  server.options().tls.cert_file = cert.cert;
  server.options().tls.key_file = cert.key;
  server.options().http.listen_address = "127.0.0.1:0";
  server.options().tls.reload_interval = absl::Seconds(1);
  server.options().http.tls = server.options().tls;
  server.Start();
  const std::string url = absl::StrCat(
      "https://127.0.0.1:", server.server().http_port(), "/healthz");
  std::string command =
      absl::StrCat("curl -s --max-time 20 --cacert ", ca.cert, " ", url);
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char buffer[256] = {};
  size_t n = fread(buffer, 1, sizeof buffer - 1, pipe);
  pclose(pipe);
  EXPECT_THAT(std::string(buffer, n), HasSubstr("SERVING"));
  // Plaintext on the TLS port is not answered as HTTP.
  HttpResponse plain = HttpCall(server.server().http_port(), "GET", "/healthz");
  EXPECT_NE(plain.status, 200);

  // A renewed certificate (from another authority) replaces the files: new
  // connections get it within the reload interval, without restart.
  testing::CertificateFiles ca2 = pki.MakeAuthority("test-ca-2");
  testing::CertificateFiles renewed = pki.MakeServer("maillage-2", ca2);
  ASSERT_EQ(std::rename(renewed.key.c_str(), cert.key.c_str()), 0);
  ASSERT_EQ(std::rename(renewed.cert.c_str(), cert.cert.c_str()), 0);
  std::string with_new_ca = absl::StrCat(
      "curl -s -o /dev/null --max-time 20 --cacert ", ca2.cert, " ", url);
  bool renewed_served = false;
  for (int attempt = 0; attempt < 100 && !renewed_served; ++attempt) {
    renewed_served = std::system(with_new_ca.c_str()) == 0;
    if (!renewed_served) absl::SleepFor(absl::Milliseconds(200));
  }
  EXPECT_TRUE(renewed_served);
}

}  // namespace
}  // namespace maillage

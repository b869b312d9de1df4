#ifndef MAILLAGE_SERVICES_HTTP_HTTP_SERVER_H_
#define MAILLAGE_SERVICES_HTTP_HTTP_SERVER_H_

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/http/dispatcher.h"
#include "services/tls.h"

// The HTTP/1.1 listener of the HTTP face (Boost.Beast on Boost.Asio): reads
// requests within bounds, hands them to the Dispatcher, writes its answers.
// Asynchronous: a few threads serve every connection, so idle, slow or
// streaming clients hold no thread.
namespace maillage::services::http {

struct HttpOptions {
  // host:port; port 0 picks a free one. Empty: no HTTP face (the server
  // binary's --http_listen defaults to 127.0.0.1:8080).
  std::string listen_address;
  // TLS, with the gRPC port's certificate files (services/tls.h); the
  // loopback rule applies the same way (plaintext elsewhere needs
  // `insecure`). Files are re-read every tls.reload_interval.
  TlsOptions tls;
  bool insecure = false;
  // Origins allowed to call from a browser (CORS), exactly as sent in
  // Origin ("https://dashboard.example.org"); "*" allows any. Empty: no
  // CORS headers, browsers refuse cross-origin calls.
  std::vector<std::string> cors_origins;
  // Largest request line and headers, bytes (431 beyond).
  size_t max_header_bytes = 8 << 10;
  // Largest body, bytes (413 beyond): JSON is larger than the protobuf the
  // gRPC port bounds at 2 MiB.
  size_t max_body_bytes = 4 << 20;
  // Largest upload to an import route, bytes.
  size_t max_upload_bytes = 64 << 20;
  // A connection must send a whole request line and headers within this
  // long of opening or of its previous answer: the bound on idle keep-alive
  // connections and on slowloris clients.
  absl::Duration idle_timeout = absl::Seconds(30);
  // The body must then arrive within this long.
  absl::Duration body_timeout = absl::Seconds(60);
  // Each write (an answer, a chunk, an event) must be taken by the client
  // within this long, or the connection is closed.
  absl::Duration write_timeout = absl::Seconds(30);
  // Connections open at once; beyond, new ones get 503 and are closed.
  int max_connections = 4096;
  // Threads of the event loop (they only parse, route and copy bytes; the
  // work runs on the request handler's workers).
  int threads = 2;
  Dispatcher::Options dispatch;
};

class HttpServer {
 public:
  // Binds and starts serving; requests go to `dispatcher` (not owned, must
  // outlive the server).
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      const HttpOptions& options, Dispatcher* dispatcher);
  ~HttpServer();

  int port() const { return port_; }
  int connections() const { return connections_->load(); }
  // Stops accepting, closes every connection, joins the threads.
  // Idempotent.
  void Stop();

 private:
  struct Impl;
  HttpServer() = default;

  std::unique_ptr<Impl> impl_;
  std::shared_ptr<std::atomic<int>> connections_ =
      std::make_shared<std::atomic<int>>(0);
  std::vector<std::thread> threads_;
  int port_ = 0;
};

}  // namespace maillage::services::http

#endif  // MAILLAGE_SERVICES_HTTP_HTTP_SERVER_H_

#include "services/http/http_server.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/ssl.hpp"
#include "boost/asio/strand.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "boost/beast/ssl.hpp"
#include "services/http/json_mapping.h"

namespace maillage::services::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

std::chrono::milliseconds Chrono(absl::Duration d) {
  return std::chrono::milliseconds(absl::ToInt64Milliseconds(d));
}

std::string_view View(beast::string_view s) { return {s.data(), s.size()}; }

// CORS headers for `origin` when the allow-list has it.
Headers CorsHeaders(const std::vector<std::string>& allowed,
                    std::string_view origin) {
  if (origin.empty()) return {};
  for (const std::string& a : allowed) {
    if (a == "*" || a == origin) {
      return {{"Access-Control-Allow-Origin", std::string(origin)},
              {"Vary", "Origin"},
              {"Access-Control-Expose-Headers",
               "Allow, Retry-After, X-Request-Id"}};
    }
  }
  return {};
}

// One write the connection has to make, in order.
struct Write {
  enum Kind { kWhole, kHead, kChunk, kLast } kind;
  std::shared_ptr<bhttp::response<bhttp::string_body>> whole;
  std::string data;                   // kChunk
  std::function<void(bool)> written;  // kChunk
};

// One connection: reads a request within the limits, hands it to the
// dispatcher, writes its answer (whole or streamed), then the next request
// (keep-alive). Everything runs on the connection's strand; the
// ResponseSink methods post there from any thread.
template <class Stream>
class Session : public ResponseSink,
                public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Stream stream, const HttpOptions& options, Dispatcher* dispatcher,
          std::shared_ptr<std::atomic<int>> connections, std::string peer)
      : stream_(std::move(stream)),
        options_(options),
        dispatcher_(dispatcher),
        connections_(std::move(connections)),
        peer_(std::move(peer)) {}
  ~Session() override { connections_->fetch_sub(1); }

  void Run() {
    asio::dispatch(stream_.get_executor(),
                   [self = this->shared_from_this()] { self->Handshake(); });
  }

  void Send(int status, std::string content_type, std::string body,
            Headers headers) override {
    Post([this, status, content_type = std::move(content_type),
          body = std::move(body), headers = std::move(headers)]() mutable {
      auto res = std::make_shared<bhttp::response<bhttp::string_body>>(
          static_cast<bhttp::status>(status), 11);
      res->set(bhttp::field::content_type, content_type);
      res->set(bhttp::field::server, "maillage");
      for (auto& [name, value] : headers) res->set(name, value);
      for (auto& [name, value] : cors_) res->set(name, value);
      res->keep_alive(keep_alive_);
      res->body() = std::move(body);
      res->prepare_payload();
      Queue(Write{Write::kWhole, std::move(res), {}, nullptr});
    });
  }

  void Begin(int status, std::string content_type) override {
    Post([this, status, content_type = std::move(content_type)] {
      head_.emplace(static_cast<bhttp::status>(status), 11);
      head_->set(bhttp::field::content_type, content_type);
      head_->set(bhttp::field::server, "maillage");
      head_->set(bhttp::field::cache_control, "no-cache");
      for (auto& [name, value] : cors_) head_->set(name, value);
      head_->keep_alive(keep_alive_);
      head_->chunked(true);
      Queue(Write{Write::kHead, nullptr, {}, nullptr});
    });
  }

  void Chunk(std::string data, std::function<void(bool)> written) override {
    Post([this, data = std::move(data), written = std::move(written)] {
      Queue(Write{Write::kChunk, nullptr, data, written});
    });
  }

  void End() override {
    Post([this] { Queue(Write{Write::kLast, nullptr, {}, nullptr}); });
  }

  void OnClientGone(std::function<void()> gone) override {
    Post([this, gone = std::move(gone)] { client_gone_ = std::move(gone); });
  }

 private:
  template <class F>
  void Post(F f) {
    asio::post(stream_.get_executor(), [self = this->shared_from_this(),
                                        f = std::move(f)]() mutable { f(); });
  }

  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }

  void Handshake() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      ReadHeader();
    } else {
      Tcp().expires_after(Chrono(options_.idle_timeout));
      stream_.async_handshake(
          asio::ssl::stream_base::server,
          [self = this->shared_from_this()](beast::error_code ec) {
            if (ec) return self->Close();
            self->ReadHeader();
          });
    }
  }

  void ReadHeader() {
    parser_.emplace();
    parser_->header_limit(
        static_cast<std::uint32_t>(options_.max_header_bytes));
    parser_->body_limit(options_.max_body_bytes);
    Tcp().expires_after(Chrono(options_.idle_timeout));
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) {
          self->OnHeader(ec);
        });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return RefuseOrClose(ec);
    const auto& req = parser_->get();
    std::string_view target = View(req.target());
    if (absl::StrContains(AsAbsl(target.substr(0, target.find('?'))),
                          ":import")) {
      parser_->body_limit(options_.max_upload_bytes);
    }
    Tcp().expires_after(Chrono(options_.body_timeout));
    if (absl::EqualsIgnoreCase(AsAbsl(View(req[bhttp::field::expect])),
                               "100-continue")) {
      // curl and others wait for it (a second) before sending a body.
      continue_.emplace(bhttp::status::continue_, 11);
      bhttp::async_write(
          stream_, *continue_,
          [self = this->shared_from_this()](beast::error_code sent, size_t) {
            if (sent) return self->Close();
            self->ReadBody();
          });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code read, size_t) {
          self->OnBody(read);
        });
  }

  // A request that could not be read: answered when the client can still
  // read an answer (too large, malformed), closed otherwise.
  void RefuseOrClose(beast::error_code ec) {
    keep_alive_ = false;
    if (ec == bhttp::error::header_limit) {
      return SendPlain(431, "the request line and headers exceed " +
                                std::to_string(options_.max_header_bytes) +
                                " bytes");
    }
    if (ec == bhttp::error::body_limit) {
      return SendPlain(413, "the body is too large");
    }
    if (ec.category() ==
            bhttp::make_error_code(bhttp::error::bad_method).category() &&
        ec != bhttp::error::end_of_stream &&
        ec != bhttp::error::partial_message) {
      return SendPlain(400, "malformed HTTP request: " + ec.message());
    }
    Close();
  }

  // An error the connection itself answers (the request never reached the
  // dispatcher): `status` with a google.rpc.Status body.
  void SendPlain(int status, std::string message) {
    grpc::StatusCode code = status == 400
                                ? grpc::StatusCode::INVALID_ARGUMENT
                                : grpc::StatusCode::RESOURCE_EXHAUSTED;
    Send(status, "application/json",
         ErrorJson(grpc::Status(code, std::move(message))) + "\n", {});
  }

  void OnBody(beast::error_code ec) {
    if (ec) return RefuseOrClose(ec);
    Tcp().expires_never();
    bhttp::request<bhttp::string_body> req = parser_->release();
    keep_alive_ = req.keep_alive();
    HttpRequest request = ToRequest(req);
    cors_ = CorsHeaders(options_.cors_origins, View(req[bhttp::field::origin]));
    if (req.method() == bhttp::verb::options && !cors_.empty()) {
      return Send(204, "text/plain", "",
                  {{"Access-Control-Allow-Methods",
                    "GET, POST, PATCH, PUT, DELETE, OPTIONS"},
                   {"Access-Control-Allow-Headers",
                    "Authorization, Content-Type, Last-Event-ID, "
                    "X-Maillage-CSRF, traceparent"},
                   {"Access-Control-Max-Age", "600"}});
    }
    // Watched while the call runs: a client that goes away cancels it.
    WatchClient();
    dispatcher_->Handle(std::move(request), this->shared_from_this());
  }

  HttpRequest ToRequest(bhttp::request<bhttp::string_body>& req) {
    HttpRequest request;
    request.method = std::string(View(req.method_string()));
    std::string_view target = View(req.target());
    size_t q = target.find('?');
    request.path = std::string(target.substr(0, q));
    if (q != target.npos) request.query = std::string(target.substr(q + 1));
    request.body = std::move(req.body());
    request.authorization = std::string(View(req[bhttp::field::authorization]));
    request.accept = std::string(View(req[bhttp::field::accept]));
    request.content_type = std::string(View(req[bhttp::field::content_type]));
    request.last_event_id = std::string(View(req["Last-Event-ID"]));
    request.traceparent = std::string(View(req["traceparent"]));
    request.peer = peer_;
    request.accept_encoding =
        std::string(View(req[bhttp::field::accept_encoding]));
    request.if_none_match = std::string(View(req[bhttp::field::if_none_match]));
    request.host = std::string(View(req[bhttp::field::host]));
    request.cookie = std::string(View(req[bhttp::field::cookie]));
    request.csrf_token = std::string(View(req["X-Maillage-CSRF"]));
    return request;
  }

  void Queue(Write write) {
    writes_.push_back(std::move(write));
    if (!writing_) WriteNext();
  }

  void WriteNext() {
    if (closed_) FailWrites();
    if (writes_.empty()) {
      writing_ = false;
      return;
    }
    writing_ = true;
    Write& w = writes_.front();
    auto self = this->shared_from_this();
    auto done = [self](beast::error_code ec, size_t) { self->OnWritten(ec); };
    Tcp().expires_after(Chrono(options_.write_timeout));
    switch (w.kind) {
      case Write::kWhole:
        bhttp::async_write(stream_, *w.whole, done);
        break;
      case Write::kHead:
        serializer_.emplace(*head_);
        bhttp::async_write_header(stream_, *serializer_, done);
        break;
      case Write::kChunk:
        asio::async_write(stream_, bhttp::make_chunk(asio::buffer(w.data)),
                          done);
        break;
      case Write::kLast:
        asio::async_write(stream_, bhttp::make_chunk_last(), done);
        break;
    }
  }

  void OnWritten(beast::error_code ec) {
    Write w = std::move(writes_.front());
    writes_.pop_front();
    Tcp().expires_never();
    if (w.written) w.written(!ec);
    if (ec) return Close();
    const bool answered = w.kind == Write::kWhole || w.kind == Write::kLast;
    if (answered) {
      watching_ = false;
      ++watch_generation_;
      client_gone_ = nullptr;  // that call is over
      if (!keep_alive_) return Close();
      writing_ = false;
      ReadHeader();
      return;
    }
    WriteNext();
  }

  // While its call runs and its answer streams, the client sends nothing:
  // readable means it closed (or reset) the connection, and the call it
  // waits on is cancelled. Watched on the raw socket so that the write
  // timeouts stay apart; a client that sends more (pipelining) is not
  // watched further.
  void WatchClient() {
    if (watching_) return;
    watching_ = true;
    WaitReadable(++watch_generation_);
  }

  // One wait per watch: a wait left from an earlier call (its generation
  // passed) ends without effect.
  void WaitReadable(uint64_t generation) {
    Tcp().socket().async_wait(
        tcp::socket::wait_read,
        [self = this->shared_from_this(), generation](beast::error_code ec) {
          self->OnReadable(ec, generation);
        });
  }

  void OnReadable(beast::error_code ec, uint64_t generation) {
    if (generation != watch_generation_ || !watching_ || closed_) return;
    char byte;
    ssize_t n = ec ? -1
                   : ::recv(Tcp().socket().native_handle(), &byte, 1,
                            MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && !ec && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return WaitReadable(generation);
    }
    if (n > 0) return;  // the client sent more; nothing to watch for
    keep_alive_ = false;
    if (client_gone_) std::exchange(client_gone_, nullptr)();
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    if (client_gone_) std::exchange(client_gone_, nullptr)();
    FailWrites();
    beast::error_code ignored;
    Tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
    Tcp().close();
  }

  // Writes that will never be made (closed): their callbacks learn it.
  void FailWrites() {
    std::deque<Write> failed = std::move(writes_);
    writes_.clear();
    for (Write& w : failed) {
      if (w.written) w.written(false);
    }
  }

  Stream stream_;
  const HttpOptions& options_;
  Dispatcher* dispatcher_;
  std::shared_ptr<std::atomic<int>> connections_;
  const std::string peer_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::response<bhttp::empty_body>> continue_;
  std::optional<bhttp::response<bhttp::empty_body>> head_;
  std::optional<bhttp::response_serializer<bhttp::empty_body>> serializer_;
  std::deque<Write> writes_;
  Headers cors_;
  std::function<void()> client_gone_;
  bool keep_alive_ = true;
  bool writing_ = false;
  bool watching_ = false;
  uint64_t watch_generation_ = 0;
  bool closed_ = false;
};

// The TLS context of new connections, rebuilt when the certificate or key
// file changes (checked at most every reload interval).
class TlsContexts {
 public:
  explicit TlsContexts(TlsOptions options) : options_(std::move(options)) {}

  absl::Status Load() {
    auto context = Build();
    if (!context.ok()) return context.status();
    current_ = *std::move(context);
    stamp_ = Stamp();
    checked_ = absl::Now();
    return absl::OkStatus();
  }

  // The context for a new connection.
  std::shared_ptr<asio::ssl::context> Current() {
    std::lock_guard lock(mu_);
    if (absl::Now() - checked_ >= options_.reload_interval) {
      checked_ = absl::Now();
      if (std::string stamp = Stamp(); stamp != stamp_) {
        // A file being replaced may not parse yet: keep the last good one.
        if (auto context = Build(); context.ok()) {
          current_ = *std::move(context);
          stamp_ = stamp;
        }
      }
    }
    return current_;
  }

 private:
  std::string Stamp() const {
    std::string stamp;
    for (const std::string& file :
         {options_.cert_file, options_.key_file, options_.client_ca_file}) {
      struct stat st {};
      if (!file.empty() && ::stat(file.c_str(), &st) == 0) {
        absl::StrAppend(&stamp, st.st_mtim.tv_sec, ".", st.st_mtim.tv_nsec, ":",
                        st.st_size, ";");
      }
    }
    return stamp;
  }

  absl::StatusOr<std::shared_ptr<asio::ssl::context>> Build() const {
    auto context =
        std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
    beast::error_code ec;
    context->set_options(
        asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
            asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
            asio::ssl::context::no_tlsv1_1,
        ec);
    context->use_certificate_chain_file(options_.cert_file, ec);
    if (!ec)
      context->use_private_key_file(options_.key_file, asio::ssl::context::pem,
                                    ec);
    if (!ec && !options_.client_ca_file.empty()) {
      context->load_verify_file(options_.client_ca_file, ec);
      int mode = asio::ssl::verify_peer;
      if (options_.require_client_certificate) {
        mode |= asio::ssl::verify_fail_if_no_peer_cert;
      }
      if (!ec) context->set_verify_mode(mode, ec);
    }
    if (ec) {
      return absl::InvalidArgumentError(
          absl::StrCat("the HTTP port's TLS files: ", ec.message()));
    }
    return context;
  }

  const TlsOptions options_;
  std::mutex mu_;
  std::shared_ptr<asio::ssl::context> current_;  // guarded by mu_
  std::string stamp_;                            // guarded by mu_
  absl::Time checked_;                           // guarded by mu_
};

// host:port (or [v6]:port) as an endpoint.
absl::StatusOr<tcp::endpoint> Endpoint(const std::string& address) {
  size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(AsAbsl(std::string_view(address).substr(colon + 1)),
                        &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--http_listen=", address, ": expected host:port (port 0: any)"));
  }
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[')
    host = host.substr(1, host.size() - 2);
  if (host.empty() || host == "localhost") host = "127.0.0.1";
  beast::error_code ec;
  asio::ip::address ip = asio::ip::make_address(host, ec);
  if (ec) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--http_listen=", address, ": the host must be an IP address"));
  }
  return tcp::endpoint(ip, static_cast<unsigned short>(port));
}

std::string PeerName(const tcp::socket& socket) {
  beast::error_code ec;
  tcp::endpoint remote = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  return absl::StrCat(remote.address().is_v6() ? "ipv6:[" : "ipv4:",
                      remote.address().to_string(),
                      remote.address().is_v6() ? "]:" : ":", remote.port());
}

}  // namespace

struct HttpServer::Impl {
  Impl(const HttpOptions& o, Dispatcher* d)
      : options(o), dispatcher(d), acceptor(context) {}

  void Accept(std::shared_ptr<std::atomic<int>> connections) {
    acceptor.async_accept(
        asio::make_strand(context),
        [this, connections](beast::error_code ec, tcp::socket socket) {
          if (ec == asio::error::operation_aborted) return;
          if (!ec) Serve(std::move(socket), connections);
          Accept(connections);
        });
  }

  void Serve(tcp::socket socket,
             std::shared_ptr<std::atomic<int>> connections) {
    if (connections->fetch_add(1) >= options.max_connections) {
      connections->fetch_sub(1);
      Refuse(std::move(socket));
      return;
    }
    std::string peer = PeerName(socket);
    beast::tcp_stream stream(std::move(socket));
    if (tls == nullptr) {
      std::make_shared<Session<beast::tcp_stream>>(
          std::move(stream), options, dispatcher, connections, std::move(peer))
          ->Run();
      return;
    }
    std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
        beast::ssl_stream<beast::tcp_stream>(std::move(stream),
                                             *tls->Current()),
        options, dispatcher, connections, std::move(peer))
        ->Run();
  }

  // Over max_connections: a short 503, then closed.
  static void Refuse(tcp::socket socket) {
    static const std::string* const kAnswer = [] {
      const std::string body =
          "{\"code\":14,\"message\":\"too many connections are open; "
          "retry later\"}\n";
      return new std::string(absl::StrCat(
          "HTTP/1.1 503 Service Unavailable\r\nContent-Type: "
          "application/json\r\nConnection: close\r\nRetry-After: 1\r\n"
          "Content-Length: ",
          body.size(), "\r\n\r\n", body));
    }();
    auto s = std::make_shared<tcp::socket>(std::move(socket));
    asio::async_write(*s, asio::buffer(*kAnswer),
                      [s](beast::error_code, size_t) {
                        beast::error_code ignored;
                        s->shutdown(tcp::socket::shutdown_both, ignored);
                        s->close(ignored);
                      });
  }

  const HttpOptions options;
  Dispatcher* dispatcher;
  asio::io_context context;
  tcp::acceptor acceptor;
  std::unique_ptr<TlsContexts> tls;
};

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    const HttpOptions& options, Dispatcher* dispatcher) {
  std::unique_ptr<HttpServer> server(new HttpServer());
  server->impl_ = std::make_unique<Impl>(options, dispatcher);
  Impl& impl = *server->impl_;
  if (options.tls.enabled()) {
    impl.tls = std::make_unique<TlsContexts>(options.tls);
    if (absl::Status s = impl.tls->Load(); !s.ok()) return s;
  } else if (absl::Status s = CheckPlaintextAllowed(
                 options.listen_address, options.tls, options.insecure);
             !s.ok()) {
    return s;
  }
  absl::StatusOr<tcp::endpoint> endpoint = Endpoint(options.listen_address);
  if (!endpoint.ok()) return endpoint.status();
  beast::error_code ec;
  impl.acceptor.open(endpoint->protocol(), ec);
  if (!ec) impl.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl.acceptor.bind(*endpoint, ec);
  if (!ec) impl.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", options.listen_address,
        " for the HTTP/JSON face: ", ec.message(),
        " (choose another with --http_listen=127.0.0.1:PORT, or turn it off "
        "with --http_listen=)"));
  }
  server->port_ = impl.acceptor.local_endpoint().port();
  impl.Accept(server->connections_);
  for (int i = 0; i < std::max(1, options.threads); ++i) {
    server->threads_.emplace_back([&impl] { impl.context.run(); });
  }
  return server;
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Stop() {
  if (impl_ == nullptr || threads_.empty()) return;
  impl_->context.stop();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  beast::error_code ignored;  // the threads are gone: no one else uses it
  impl_->acceptor.close(ignored);
}

}  // namespace maillage::services::http

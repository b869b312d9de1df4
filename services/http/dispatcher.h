#ifndef MAILLAGE_SERVICES_HTTP_DISPATCHER_H_
#define MAILLAGE_SERVICES_HTTP_DISPATCHER_H_

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "services/http/grpc_bridge.h"
#include "services/http/routes.h"

namespace maillage::importer {
class Mappings;
}  // namespace maillage::importer
namespace maillage::territory {
class Geography;
}  // namespace maillage::territory

// What the HTTP face answers to one request, whatever the connection it
// came on (services/http/http_server.h reads and writes the bytes).
namespace maillage::services::http {

class StaticFiles;
class WebSignIn;

// What the importer needs besides an upload (services/http/import_upload.h):
// the mapping rules and the geography (the server's own, once the store is
// open; null before). Both outlive the imports.
struct ImportReference {
  const importer::Mappings* mappings = nullptr;
  const territory::Geography* geography = nullptr;
};

// One HTTP request, read whole (bodies are bounded).
struct HttpRequest {
  std::string method;  // "GET"
  std::string path;    // percent-encoded, without the query
  std::string query;   // after '?', percent-encoded
  std::string body;
  std::string authorization;  // the Authorization header
  std::string accept;
  std::string content_type;
  std::string last_event_id;  // Server-Sent Events resumption
  std::string traceparent;    // W3C Trace Context, passed on to the call
  std::string peer;           // "ipv4:127.0.0.1:53211"
  // For the dashboard's files (services/http/static_files.h).
  std::string accept_encoding;
  std::string if_none_match;
  // For the dashboard's sign-in session (services/http/web_sign_in.h).
  std::string host;
  std::string cookie;
  std::string csrf_token;  // the X-Maillage-CSRF header
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// Where the answer goes: the connection. Every method is thread-safe and may
// be called from any thread; the connection serialises them.
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  // A whole response.
  virtual void Send(int status, std::string content_type, std::string body,
                    Headers headers) = 0;
  // A streamed response: the status line and headers (chunked body), then
  // chunks one at a time (`written` says whether the chunk reached the
  // client; call Chunk again only after it), then End.
  virtual void Begin(int status, std::string content_type) = 0;
  virtual void Chunk(std::string data, std::function<void(bool)> written) = 0;
  virtual void End() = 0;
  // Called once when the client goes away during a streamed response (the
  // connection watches its socket while it streams).
  virtual void OnClientGone(std::function<void()> gone) = 0;
};

// The Server-Sent Events text of recent events, shared by every subscriber:
// the same event (the same bytes) goes to many subscribers and is printed
// once. Bounded (the oldest entries go first). Thread-safe.
class EventTextCache {
 public:
  // The text of `bytes`, made by `make` when not cached ("" is not cached).
  std::string Get(const std::string& bytes,
                  const std::function<std::string()>& make);

 private:
  static constexpr size_t kEntries = 1024;
  std::mutex mu_;
  std::unordered_map<std::string, std::string> texts_;  // guarded by mu_
  std::deque<std::string> order_;                       // guarded by mu_
};

class Dispatcher {
 public:
  struct Options {
    // Server-Sent Events streams open at once; beyond, 503.
    int max_event_streams = 1000;
    // Import uploads: rows per ImportActors batch.
    int import_batch_rows = 2000;
  };
  // What the server tells the dispatcher.
  struct Environment {
    GrpcBridge* bridge = nullptr;
    const RouteTable* routes = nullptr;
    std::string openapi_json;     // served at /v1/openapi.json
    std::function<bool()> ready;  // /readyz
    // What imports read uploads with (the geography once the store is
    // open: null before).
    std::function<ImportReference()> import_reference;
    // GET /metrics: the scrape, in Prometheus' text format, for a request
    // with this Authorization header, or why it is refused
    // (UNAUTHENTICATED, PERMISSION_DENIED, UNAVAILABLE). Empty: no
    // /metrics on this port.
    std::function<absl::StatusOr<std::string>(const std::string&)> metrics;
    // The dashboard's files, served on GET outside /v1/ (null: none).
    const StaticFiles* web = nullptr;
    // The dashboard's OpenID Connect sign-in and sessions (null: none).
    WebSignIn* sign_in = nullptr;
  };

  Dispatcher(Environment environment, Options options)
      : env_(std::move(environment)), options_(options) {}

  // Answers `request` on `sink`: at once for the operational endpoints and
  // errors, or when the gRPC call it becomes answers.
  void Handle(HttpRequest request, std::shared_ptr<ResponseSink> sink);

  int event_streams() const { return event_streams_.load(); }

 private:
  void Upload(const Route& route, HttpRequest request,
              std::shared_ptr<ResponseSink> sink);
  void Unary(const Route& route, const HttpRequest& request,
             std::unique_ptr<google::protobuf::Message> message,
             std::shared_ptr<ResponseSink> sink);
  void ServerStream(const Route& route, const HttpRequest& request,
                    std::unique_ptr<google::protobuf::Message> message,
                    std::shared_ptr<ResponseSink> sink);

  Environment env_;
  const Options options_;
  std::atomic<int> event_streams_{0};
  EventTextCache event_texts_;
};

// Sends a JSON error (google.rpc.Status) with the mapped HTTP status (and
// `headers`).
void SendError(ResponseSink& sink, const grpc::Status& status,
               Headers headers = {});
void SendError(ResponseSink& sink, const absl::Status& status);

// Who makes the gRPC call `request` becomes: its credentials, peer and
// traceparent.
CallOrigin OriginOf(const HttpRequest& request);

}  // namespace maillage::services::http

#endif  // MAILLAGE_SERVICES_HTTP_DISPATCHER_H_

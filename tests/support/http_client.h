#ifndef MAILLAGE_TESTS_SUPPORT_HTTP_CLIENT_H_
#define MAILLAGE_TESTS_SUPPORT_HTTP_CLIENT_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// For tests: an HTTP/1.1 client on raw sockets, so that tests control every
// byte (hostile input included) and depend on nothing the server uses.
namespace maillage::testing {

struct HttpResponse {
  int status = 0;  // 0: no answer (connection closed, timeout)
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;                            // de-chunked
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// One connection to 127.0.0.1:port.
class HttpConnection {
 public:
  // Connects; check ok().
  explicit HttpConnection(int port);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  bool ok() const { return fd_ >= 0; }

  // Sends bytes as they are; false when the connection refuses them.
  bool SendRaw(std::string_view bytes);
  // Sends a request (Content-Length set from `body`, Host added).
  bool SendRequest(std::string_view method, std::string_view target,
                   std::string_view body = "", const HttpHeaders& headers = {});

  // Reads one whole answer (Content-Length, chunked, or until close), each
  // read waiting at most `timeout_ms`.
  HttpResponse ReadResponse(int timeout_ms = 30000);
  // For streamed answers: the status line and headers, then one chunk's data
  // at a time (nullopt after the last chunk, or when the connection ends or
  // nothing comes within `timeout_ms`).
  HttpResponse ReadHead(int timeout_ms = 30000);
  std::optional<std::string> ReadChunk(int timeout_ms = 30000);

  // Whether the server closes the connection within `timeout_ms` (bytes it
  // sends meanwhile are read and dropped).
  bool WaitClosed(int timeout_ms);
  // Closes the connection now.
  void Close();

 private:
  // Reads until `buffer_` holds `needle` (or `bytes` bytes); false on close
  // or timeout.
  bool FillUntil(std::string_view needle, int timeout_ms);
  bool FillBytes(size_t bytes, int timeout_ms);
  bool ReadMore(int timeout_ms);

  int fd_ = -1;
  std::string buffer_;
};

// One request on a new connection.
HttpResponse HttpCall(int port, std::string_view method,
                      std::string_view target, std::string_view body = "",
                      const HttpHeaders& headers = {});

// {"Authorization", "Bearer <token>"}.
std::pair<std::string, std::string> Bearer(const std::string& token);

}  // namespace maillage::testing

#endif  // MAILLAGE_TESTS_SUPPORT_HTTP_CLIENT_H_

#include "tests/support/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/strings.h"

namespace maillage::testing {

HttpConnection::HttpConnection(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) return;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) !=
      0) {
    Close();
  }
}

HttpConnection::~HttpConnection() { Close(); }

void HttpConnection::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool HttpConnection::SendRaw(std::string_view bytes) {
  while (!bytes.empty() && fd_ >= 0) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return fd_ >= 0;
}

bool HttpConnection::SendRequest(std::string_view method,
                                 std::string_view target, std::string_view body,
                                 const HttpHeaders& headers) {
  std::string request = absl::StrCat(
      AsAbsl(method), " ", AsAbsl(target),
      " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ", body.size(), "\r\n");
  for (const auto& [name, value] : headers) {
    absl::StrAppend(&request, name, ": ", value, "\r\n");
  }
  absl::StrAppend(&request, "\r\n", AsAbsl(body));
  return SendRaw(request);
}

bool HttpConnection::ReadMore(int timeout_ms) {
  if (fd_ < 0) return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return false;
  char chunk[16384];
  ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
  if (n <= 0) return false;
  buffer_.append(chunk, static_cast<size_t>(n));
  return true;
}

bool HttpConnection::FillUntil(std::string_view needle, int timeout_ms) {
  while (buffer_.find(needle) == std::string::npos) {
    if (!ReadMore(timeout_ms)) return false;
  }
  return true;
}

bool HttpConnection::FillBytes(size_t bytes, int timeout_ms) {
  while (buffer_.size() < bytes) {
    if (!ReadMore(timeout_ms)) return false;
  }
  return true;
}

HttpResponse HttpConnection::ReadHead(int timeout_ms) {
  HttpResponse response;
  if (!FillUntil("\r\n\r\n", timeout_ms)) return response;
  size_t end = buffer_.find("\r\n\r\n");
  std::string head = buffer_.substr(0, end);
  buffer_.erase(0, end + 4);
  std::vector<std::string> lines = absl::StrSplit(head, "\r\n");
  std::vector<std::string> status_line = absl::StrSplit(lines[0], ' ');
  if (status_line.size() < 2 ||
      !absl::SimpleAtoi(status_line[1], &response.status)) {
    response.status = 0;
    return response;
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    size_t colon = lines[i].find(':');
    if (colon == std::string::npos) continue;
    response.headers[absl::AsciiStrToLower(lines[i].substr(0, colon))] =
        std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
  }
  return response;
}

std::optional<std::string> HttpConnection::ReadChunk(int timeout_ms) {
  if (!FillUntil("\r\n", timeout_ms)) return std::nullopt;
  size_t line_end = buffer_.find("\r\n");
  size_t size = std::strtoul(buffer_.substr(0, line_end).c_str(), nullptr, 16);
  if (size == 0) {
    FillUntil("\r\n\r\n", timeout_ms);
    size_t end = buffer_.find("\r\n\r\n");
    buffer_.erase(0, end == std::string::npos ? buffer_.size() : end + 4);
    return std::nullopt;
  }
  if (!FillBytes(line_end + 2 + size + 2, timeout_ms)) return std::nullopt;
  std::string data = buffer_.substr(line_end + 2, size);
  buffer_.erase(0, line_end + 2 + size + 2);
  return data;
}

HttpResponse HttpConnection::ReadResponse(int timeout_ms) {
  HttpResponse response = ReadHead(timeout_ms);
  if (response.status == 0) return response;
  if (response.headers["transfer-encoding"] == "chunked") {
    while (std::optional<std::string> chunk = ReadChunk(timeout_ms)) {
      response.body += *chunk;
    }
    return response;
  }
  auto length = response.headers.find("content-length");
  if (length != response.headers.end()) {
    size_t size = std::strtoul(length->second.c_str(), nullptr, 10);
    FillBytes(size, timeout_ms);
    response.body = buffer_.substr(0, size);
    buffer_.erase(0, std::min(size, buffer_.size()));
    return response;
  }
  while (ReadMore(timeout_ms)) {
  }
  response.body = std::move(buffer_);
  buffer_.clear();
  return response;
}

bool HttpConnection::WaitClosed(int timeout_ms) {
  while (fd_ >= 0) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return false;
    char chunk[4096];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return true;
  }
  return true;
}

HttpResponse HttpCall(int port, std::string_view method,
                      std::string_view target, std::string_view body,
                      const HttpHeaders& headers) {
  HttpConnection connection(port);
  if (!connection.ok() ||
      !connection.SendRequest(method, target, body, headers)) {
    return HttpResponse();
  }
  return connection.ReadResponse();
}

std::pair<std::string, std::string> Bearer(const std::string& token) {
  return {"Authorization", "Bearer " + token};
}

}  // namespace maillage::testing

#include "services/http/token_endpoint.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace maillage::services::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

struct Url {
  bool tls = true;
  std::string host;
  std::string port;
  std::string target;  // path and query
};

// Removes `prefix` from the front of `text`; whether it was there.
bool Consume(std::string_view* text, std::string_view prefix) {
  if (text->substr(0, prefix.size()) != prefix) return false;
  text->remove_prefix(prefix.size());
  return true;
}

absl::StatusOr<Url> ParseUrl(std::string_view text) {
  Url url;
  if (Consume(&text, "https://")) {
    url.port = "443";
  } else if (Consume(&text, "http://")) {
    url.tls = false;
    url.port = "80";
  } else {
    return absl::InvalidArgumentError(
        "the token endpoint must be an http(s) URL");
  }
  size_t slash = text.find('/');
  std::string_view authority = text.substr(0, slash);
  url.target = slash == text.npos ? "/" : std::string(text.substr(slash));
  size_t colon = authority.rfind(':');
  int port = 0;
  if (colon != authority.npos && authority.find(']', colon) == authority.npos) {
    if (!absl::SimpleAtoi(std::string(authority.substr(colon + 1)), &port) ||
        port <= 0 || port > 65535) {
      return absl::InvalidArgumentError("the token endpoint's port is invalid");
    }
    url.port = std::to_string(port);
    authority = authority.substr(0, colon);
  }
  url.host = std::string(authority);
  if (url.host.empty()) {
    return absl::InvalidArgumentError("the token endpoint has no host");
  }
  return url;
}

// Sends `request` on `stream` and reads the answer; every step is bounded by
// the stream's deadline (set by the caller).
template <class Stream>
bhttp::response<bhttp::string_body> Exchange(
    Stream& stream, bhttp::request<bhttp::string_body>& request) {
  bhttp::write(stream, request);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(1 << 20);
  bhttp::read(stream, buffer, parser);
  return parser.release();
}

}  // namespace

absl::StatusOr<std::string> PostTokenRequest(const std::string& url_text,
                                             const std::string& form,
                                             const std::string& authorization,
                                             absl::Duration timeout) {
  absl::StatusOr<Url> url = ParseUrl(url_text);
  if (!url.ok()) return url.status();
  bhttp::request<bhttp::string_body> request(bhttp::verb::post, url->target,
                                             11);
  request.set(bhttp::field::host, url->host);
  request.set(bhttp::field::content_type, "application/x-www-form-urlencoded");
  request.set(bhttp::field::accept, "application/json");
  request.set(bhttp::field::authorization, authorization);
  request.set(bhttp::field::user_agent, "maillage");
  request.body() = form;
  request.prepare_payload();

  const auto deadline =
      std::chrono::milliseconds(absl::ToInt64Milliseconds(timeout));
  bhttp::response<bhttp::string_body> response;
  try {
    asio::io_context context;
    tcp::resolver resolver(context);
    auto endpoints = resolver.resolve(url->host, url->port);
    if (url->tls) {
      asio::ssl::context tls(asio::ssl::context::tls_client);
      tls.set_default_verify_paths();
      tls.set_verify_mode(asio::ssl::verify_peer);
      beast::ssl_stream<beast::tcp_stream> stream(context, tls);
      if (!SSL_set_tlsext_host_name(stream.native_handle(),
                                    url->host.c_str())) {
        return absl::UnavailableError("cannot set the provider's TLS name");
      }
      stream.set_verify_callback(asio::ssl::host_name_verification(url->host));
      beast::get_lowest_layer(stream).expires_after(deadline);
      beast::get_lowest_layer(stream).connect(endpoints);
      stream.handshake(asio::ssl::stream_base::client);
      response = Exchange(stream, request);
    } else {
      beast::tcp_stream stream(context);
      stream.expires_after(deadline);
      stream.connect(endpoints);
      response = Exchange(stream, request);
    }
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("the identity provider's token endpoint (", url->host,
                     ") could not be reached: ", e.what()));
  }
  if (response.result() != bhttp::status::ok) {
    return absl::UnavailableError(
        absl::StrCat("the identity provider's token endpoint answered HTTP ",
                     response.result_int()));
  }
  return std::move(response.body());
}

}  // namespace maillage::services::http

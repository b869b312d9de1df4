#include "ops/metrics_testing.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace maillage::ops::testing {
namespace {

absl::string_view Absl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

// Everything the peer sends on `fd` until it closes.
absl::StatusOr<std::string> ReadAll(int fd) {
  std::string out;
  char buffer[8192];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n == 0) return out;
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::UnavailableError(
          absl::StrCat("read failed: ", std::strerror(errno)));
    }
    out.append(buffer, static_cast<size_t>(n));
  }
}

// The body of a chunked transfer encoding, decoded.
absl::StatusOr<std::string> Dechunk(std::string_view body) {
  std::string out;
  for (;;) {
    size_t line_end = body.find("\r\n");
    if (line_end == std::string_view::npos) {
      return absl::DataLossError("truncated chunk size");
    }
    std::string_view size_text = body.substr(0, line_end);
    size_text = size_text.substr(0, size_text.find(';'));
    uint64_t size = 0;
    if (!absl::SimpleHexAtoi(Absl(size_text), &size)) {
      return absl::DataLossError("bad chunk size");
    }
    body.remove_prefix(line_end + 2);
    if (size == 0) return out;
    if (body.size() < size + 2) return absl::DataLossError("truncated chunk");
    out.append(body.substr(0, size));
    body.remove_prefix(size + 2);
  }
}

// Parses `value` as the exposition format writes numbers.
bool ParseValue(std::string_view text, double* value) {
  std::string lower = absl::AsciiStrToLower(Absl(text));
  if (lower == "nan") {
    *value = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (lower == "+inf" || lower == "inf") {
    *value = std::numeric_limits<double>::infinity();
    return true;
  }
  if (lower == "-inf") {
    *value = -std::numeric_limits<double>::infinity();
    return true;
  }
  return absl::SimpleAtod(Absl(text), value);
}

// Parses `text` (what follows '{' up to the closing '}') into `labels`;
// returns the number of characters consumed including the '}', or 0 when
// malformed.
size_t ParseLabels(std::string_view text,
                   std::map<std::string, std::string>* labels) {
  size_t i = 0;
  for (;;) {
    if (i < text.size() && text[i] == '}') return i + 1;
    size_t eq = text.find('=', i);
    if (eq == std::string_view::npos || eq + 1 >= text.size() ||
        text[eq + 1] != '"') {
      return 0;
    }
    std::string name(absl::StripAsciiWhitespace(Absl(text.substr(i, eq - i))));
    std::string value;
    size_t j = eq + 2;
    for (; j < text.size() && text[j] != '"'; ++j) {
      if (text[j] == '\\' && j + 1 < text.size()) value.push_back(text[j++]);
      value.push_back(text[j]);
    }
    if (j >= text.size() || name.empty()) return 0;
    (*labels)[name] = value;
    i = j + 1;
    if (i < text.size() && text[i] == ',') ++i;
  }
}

}  // namespace

absl::StatusOr<std::string> HttpGet(const std::string& host, int port,
                                    const std::string& path) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("not an IPv4 address: ", host));
  }
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::UnavailableError("socket failed");
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) !=
      0) {
    std::string error = std::strerror(errno);
    ::close(fd);
    return absl::UnavailableError(
        absl::StrCat("cannot connect to ", host, ":", port, ": ", error));
  }
  std::string request =
      absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: ", host, ":", port,
                   "\r\nConnection: close\r\n\r\n");
  bool sent = ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
              static_cast<ssize_t>(request.size());
  absl::StatusOr<std::string> answer =
      sent ? ReadAll(fd) : absl::UnavailableError("send failed");
  ::close(fd);
  if (!answer.ok()) return answer.status();
  size_t head_end = answer->find("\r\n\r\n");
  if (head_end == std::string::npos) {
    return absl::DataLossError("no end of headers in the answer");
  }
  std::string_view head(answer->data(), head_end);
  std::string_view status_line = head.substr(0, head.find("\r\n"));
  if (!absl::StartsWith(Absl(status_line), "HTTP/1.1 200") &&
      !absl::StartsWith(Absl(status_line), "HTTP/1.0 200")) {
    return absl::FailedPreconditionError(
        absl::StrCat("GET ", path, " answered ", Absl(status_line)));
  }
  std::string_view body = std::string_view(*answer).substr(head_end + 4);
  if (absl::StrContains(absl::AsciiStrToLower(Absl(head)),
                        "transfer-encoding: chunked")) {
    return Dechunk(body);
  }
  return std::string(body);
}

std::string SampleKey(std::string_view name,
                      const std::map<std::string, std::string>& labels) {
  std::string key(name);
  if (labels.empty()) return key;
  key += '{';
  bool first = true;
  for (const auto& [label, value] : labels) {
    if (!first) key += ',';
    first = false;
    absl::StrAppend(&key, label, "=\"", value, "\"");
  }
  key += '}';
  return key;
}

absl::StatusOr<Scrape> ParseScrape(std::string_view text) {
  Scrape scrape;
  int number = 0;
  for (absl::string_view line : absl::StrSplit(Absl(text), '\n')) {
    ++number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    auto bad = [&] {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", number, " is not a sample: ", line));
    };
    if (line[0] == '#') {
      std::vector<absl::string_view> words =
          absl::StrSplit(line, ' ', absl::SkipEmpty());
      if (words.size() >= 4 && words[1] == "TYPE") {
        scrape.types[std::string(words[2])] = std::string(words[3]);
      }
      continue;
    }
    size_t name_end = line.find_first_of("{ ");
    if (name_end == absl::string_view::npos || name_end == 0) return bad();
    std::string name(line.substr(0, name_end));
    std::map<std::string, std::string> labels;
    size_t rest = name_end;
    if (line[name_end] == '{') {
      size_t used = ParseLabels(std::string_view(line.data() + name_end + 1,
                                                 line.size() - name_end - 1),
                                &labels);
      if (used == 0) return bad();
      rest = name_end + 1 + used;
    }
    std::vector<absl::string_view> fields =
        absl::StrSplit(line.substr(rest), ' ', absl::SkipEmpty());
    double value = 0;
    if (fields.empty() || fields.size() > 2 ||
        !ParseValue(std::string_view(fields[0].data(), fields[0].size()),
                    &value)) {
      return bad();
    }
    scrape.samples[SampleKey(name, labels)] = value;
  }
  return scrape;
}

}  // namespace maillage::ops::testing

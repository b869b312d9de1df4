// http_sse_fanout: how soon N Server-Sent Events subscribers of the HTTP face
// receive an event after the write that makes it (scripts/http-bench.sh;
// figures in BENCHMARKS.md).
//
//   http_sse_fanout --port=HTTP_PORT --token=KEY [--subscribers=500]
//                   [--writes=20] [--actor=ext:demo:1000]
//
// Opens the subscribers (GET /v1/suggestions:watch of the Val-de-Marne,
// Accept: text/event-stream), then, one write at a time, serves partners of
// an actor of the demo territory over HTTP (each served suggestion is
// recorded and becomes an event) and times, for every subscriber, the first
// byte of the event after the moment the write was sent. A write's latency
// includes the write itself (the suggestion's scoring and recording).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"

ABSL_FLAG(int, port, 0, "HTTP port of the server.");
ABSL_FLAG(std::string, token, "", "API key (an animator or admin).");
ABSL_FLAG(int, subscribers, 500, "Event streams to open.");
ABSL_FLAG(int, writes, 20, "Writes to time, one after the other.");
ABSL_FLAG(
    std::string, actors, "ext:demo:1000,ext:demo:1001,ext:demo:1002",
    "Actors whose partners are served in turn (each write makes events).");

namespace {

using Clock = std::chrono::steady_clock;

int Connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) !=
      0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n =
        ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

// Reads what is there (the event stream's bytes are only counted).
bool Drain(int fd) {
  char buffer[65536];
  ssize_t n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
  return n > 0;
}

// Opens one subscriber and waits for its response head.
int Subscribe(int port, const std::string& token) {
  int fd = Connect(port);
  if (fd < 0) return -1;
  SendAll(fd, absl::StrCat(
                  "GET /v1/suggestions:watch?territory.level=TERRITORY_LEVEL_"
                  "DEPARTEMENT&territory.code=94 HTTP/1.1\r\nHost: x\r\n"
                  "Accept: text/event-stream\r\nAuthorization: Bearer ",
                  token, "\r\n\r\n"));
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 10000) <= 0 || !Drain(fd)) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Serves partners of `actor` over HTTP (a recorded suggestion each).
void Write(int port, const std::string& token, const std::string& actor) {
  int fd = Connect(port);
  const std::string body = R"({"limit": 5})";
  SendAll(fd, absl::StrCat("POST /v1/actors/", actor,
                           ":suggestPartners HTTP/1.1\r\nHost: x\r\n"
                           "Connection: close\r\nAuthorization: Bearer ",
                           token, "\r\nContent-Length: ", body.size(),
                           "\r\n\r\n", body));
  while (true) {
    char buffer[4096];
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
  }
  ::close(fd);
}

double Percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(values.size() - 1));
  return values[i];
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int port = absl::GetFlag(FLAGS_port);
  const std::string token = absl::GetFlag(FLAGS_token);
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  setrlimit(RLIMIT_NOFILE, &files);

  std::vector<pollfd> subscribers;
  for (int i = 0; i < absl::GetFlag(FLAGS_subscribers); ++i) {
    int fd = Subscribe(port, token);
    if (fd < 0) {
      std::fprintf(stderr, "subscriber %d could not open its stream\n", i);
      return 1;
    }
    subscribers.push_back({fd, POLLIN, 0});
  }
  std::vector<std::string> actors;
  for (std::string_view a : {absl::GetFlag(FLAGS_actors)}) {
    size_t start = 0;
    while (start <= a.size()) {
      size_t comma = a.find(',', start);
      actors.emplace_back(a.substr(start, comma - start));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
  }
  std::vector<double> latencies;  // ms, every subscriber of every write
  int missed = 0;
  for (int w = 0; w < absl::GetFlag(FLAGS_writes); ++w) {
    for (auto& s : subscribers) Drain(s.fd);
    const Clock::time_point sent = Clock::now();
    Write(port, token, actors[static_cast<size_t>(w) % actors.size()]);
    std::vector<bool> got(subscribers.size(), false);
    size_t pending = subscribers.size();
    while (pending > 0) {
      if (::poll(subscribers.data(), subscribers.size(), 5000) <= 0) break;
      const Clock::time_point now = Clock::now();
      for (size_t i = 0; i < subscribers.size(); ++i) {
        if (!(subscribers[i].revents & POLLIN)) continue;
        Drain(subscribers[i].fd);
        if (got[i]) continue;
        got[i] = true;
        --pending;
        latencies.push_back(
            std::chrono::duration<double, std::milli>(now - sent).count());
      }
    }
    missed += static_cast<int>(pending);
  }
  std::printf(
      "%zu subscribers, %d writes: event after the write p50 %.1f ms, p99 "
      "%.1f ms, max %.1f ms; within 100 ms: %.1f%%; missed %d\n",
      subscribers.size(), absl::GetFlag(FLAGS_writes),
      Percentile(latencies, 0.5), Percentile(latencies, 0.99),
      Percentile(latencies, 1.0),
      100.0 *
          static_cast<double>(
              std::count_if(latencies.begin(), latencies.end(),
                            [](double l) { return l <= 100; })) /
          static_cast<double>(latencies.size()),
      missed);
  for (auto& s : subscribers) ::close(s.fd);
  return missed == 0 ? 0 : 1;
}

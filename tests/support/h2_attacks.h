#ifndef MAILLAGE_TESTS_SUPPORT_H2_ATTACKS_H_
#define MAILLAGE_TESTS_SUPPORT_H2_ATTACKS_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

// The HTTP/2 abuse of issue 18, replayed against a server process on
// loopback, each bounded in count and time. Shared by
// tests/transport_limits_test.cc, which asserts on the reports, and
// tests/h2_probe.cc, which prints them for docs/SECURITY.md.
namespace maillage::testing {

inline constexpr char kGetActorPath[] = "/maillage.v1.ActorService/GetActor";

// The server under attack: the port attacked, the server's process id (for
// /proc/PID/status), and the port the bystander uses (0: `port`; the
// server's own port when `port` is a proxy's).
struct Target {
  int port = 0;
  int pid = 0;
  int bystander_port = 0;
  // The API key the bystander and the well-formed attack calls send.
  std::string token;
};

// Memory of the server process around an attack, bytes.
struct Memory {
  int64_t before = 0;  // VmRSS before the attack
  int64_t peak = 0;    // highest VmRSS sampled during it (every 20 ms)
  int64_t after = 0;   // VmRSS once the attack is over and 1 s has passed
};

// How another, well-behaved client fared during the attack: GetActor on an
// existing actor, one call at a time, each with a 20 s deadline.
struct Bystander {
  int calls = 0;
  int failures = 0;
  std::string first_failure;
};

// What the server did to the attacking connection(s).
struct Reaction {
  int goaways = 0;
  uint32_t goaway_error = 0;  // HTTP/2 error code of the last GOAWAY
  std::string goaway_debug;   // its debug data ("too_many_pings", ...)
  int rst_streams = 0;        // RST_STREAM frames received
  bool closed = false;        // the server closed the (last) connection
  // From the attack's first frame to the first GOAWAY, and to the close;
  // negative when it did not happen.
  double seconds_to_goaway = -1;
  double seconds_to_close = -1;
};

struct Report {
  std::string attack;
  int64_t streams = 0;                  // streams opened (HEADERS sent)
  int64_t bytes_sent = 0;               // attack payload sent
  int connections = 0;                  // connections the attack used
  uint32_t advertised_max_streams = 0;  // SETTINGS_MAX_CONCURRENT_STREAMS
  uint32_t advertised_max_header_list = 0;
  std::string outcome;  // gRPC status of the attack's own call(s), if any
  double seconds = 0;
  Reaction reaction;
  Memory memory;
  Bystander bystander;
};

// One line per figure, for a terminal or docs/SECURITY.md.
std::string Describe(const Report& report);

// Creates the actor the bystander reads. False when the server refuses.
bool PrepareBystander(const Target& target);

// HTTP/2 rapid reset (CVE-2023-44487): HEADERS then RST_STREAM(CANCEL), in
// batches of 100 streams, until `max_streams` or `budget` is spent. With
// `reconnect`, a closed connection is replaced by a new one, as an attacker
// would; without, the attack stops at the first GOAWAY or close. The
// streams call `path` without credentials: GetActor by default; a streaming
// method's reactor is built (and refuses) before the reset reaches it.
Report RapidReset(const Target& target, int64_t max_streams,
                  std::chrono::milliseconds budget, bool reconnect,
                  std::string_view path = kGetActorPath);

// A header block spread over CONTINUATION frames (CVE-2023-33953 vectors):
// one header whose value is `header_bytes` long (`one_header`), or as many
// 100-byte headers as make `header_bytes`. Stops sending when the server
// resets the stream or closes the connection; then waits up to `wait` for
// the server to close it.
Report ContinuationFlood(const Target& target, int64_t header_bytes,
                         bool one_header, std::chrono::milliseconds wait);

// `concurrency` CreateActor calls at once, each an actor with as many small
// contacts as make `request_bytes`, through a gRPC client allowed to send
// it. outcome: each call's status code, e.g. "RESOURCE_EXHAUSTED x3".
Report LargeRequest(const Target& target, int64_t request_bytes,
                    int concurrency);

// One connection opens `streams` GetActor streams (HEADERS only) and never
// writes to them, then waits up to `wait` for the server to close it.
Report SilentStreams(const Target& target, int streams,
                     std::chrono::milliseconds wait);

// `connections` connections that send the preface and SETTINGS
// (`with_preface`) or nothing at all, then stay silent; waits up to `wait`
// for the server to close them all. reaction.closed: all were closed;
// seconds_to_close: when the last one was.
Report IdleConnections(const Target& target, int connections, bool with_preface,
                       std::chrono::milliseconds wait);

// A peer that vanished: one connection opens a GetActor stream, then reads
// nothing (so acknowledges no PING) for `silence`, then looks at what came.
// reaction.closed: the server gave up on it.
Report UnresponsivePeer(const Target& target,
                        std::chrono::milliseconds silence);

// `pings` PING frames back to back on a connection with no call.
Report PingFlood(const Target& target, int pings);

}  // namespace maillage::testing

#endif  // MAILLAGE_TESTS_SUPPORT_H2_ATTACKS_H_

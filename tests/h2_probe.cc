// h2_probe: replays one of issue 18's HTTP/2 attacks against a fresh
// maillage_server on loopback and prints what happened (the figures of
// docs/SECURITY.md). Each attack is bounded in count and time.
//
//   build/tests/h2_probe --attack=rapid_reset
//   build/tests/h2_probe --attack=rapid_reset -- --max_concurrent_streams=0
//
// Arguments after "--" go to the server (to measure without a limit, set it
// to 0).
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "tests/support/h2_attacks.h"
#include "tests/support/h2_client.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

ABSL_FLAG(std::string, attack, "rapid_reset",
          "rapid_reset, rapid_reset_reconnect, continuation_one_header, "
          "continuation_many_headers, large_request, large_request_x3, "
          "silent_streams, idle_connections, idle_no_preface, ping_flood, "
          "unresponsive_peer");
ABSL_FLAG(std::string, server, MAILLAGE_SERVER_BINARY,
          "The maillage_server binary to attack.");
ABSL_FLAG(std::string, token, "",
          "With --pid: the API key the bystander sends (an admin key of the "
          "server under test).");
ABSL_FLAG(int, pid, 0,
          "Attack a server already running with this process id, on "
          "--via_port, instead of starting one (tests/proxy_test.sh, with "
          "H2_PROBE set, attacks through nginx this way).");
ABSL_FLAG(int, bystander_port, 0,
          "The port the bystander calls (0: the attacked port); with "
          "--via_port, the server's own port measures the server rather "
          "than the proxy's per-client limits.");
ABSL_FLAG(int, via_port, 0,
          "Attack (and serve the bystander) through this port, e.g. a proxy "
          "in front of the server; 0: the server's own port.");
ABSL_FLAG(int64_t, streams, 200000, "rapid_reset: streams to open at most.");
ABSL_FLAG(int, seconds, 10, "rapid_reset: seconds to run at most.");
ABSL_FLAG(std::string, path, "/maillage.v1.ActorService/GetActor",
          "rapid_reset: the method the streams call (without credentials).");
ABSL_FLAG(int64_t, header_mb, 21, "continuation_*: MiB of header block.");
ABSL_FLAG(int64_t, request_mb, 54, "large_request*: MiB of request.");
ABSL_FLAG(int, count, 400,
          "silent_streams: streams; idle_*: connections; ping_flood: pings.");
ABSL_FLAG(int, repeat, 1,
          "Run the attack this many times on the same server (whether memory "
          "kept after one is reused by the next).");
ABSL_FLAG(int, settle_seconds, 0,
          "After the attack, wait this long and print the server's RSS again "
          "(whether the memory is given back).");
ABSL_FLAG(int, wait_seconds, 30,
          "continuation_*, silent_streams, idle_*: how long to wait for the "
          "server to close the connection(s); unresponsive_peer: how long "
          "to stay silent.");

namespace maillage::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// The attacks by name, with their flags bound.
std::map<std::string, std::function<Report(const Target&)>> Attacks() {
  const int64_t mib = 1 << 20;
  const int count = absl::GetFlag(FLAGS_count);
  const milliseconds wait = seconds(absl::GetFlag(FLAGS_wait_seconds));
  return {
      {"rapid_reset",
       [](const Target& t) {
         return RapidReset(t, absl::GetFlag(FLAGS_streams),
                           seconds(absl::GetFlag(FLAGS_seconds)), false,
                           absl::GetFlag(FLAGS_path));
       }},
      {"rapid_reset_reconnect",
       [](const Target& t) {
         return RapidReset(t, absl::GetFlag(FLAGS_streams),
                           seconds(absl::GetFlag(FLAGS_seconds)), true,
                           absl::GetFlag(FLAGS_path));
       }},
      {"continuation_one_header",
       [=](const Target& t) {
         return ContinuationFlood(t, absl::GetFlag(FLAGS_header_mb) * mib, true,
                                  wait);
       }},
      {"continuation_many_headers",
       [=](const Target& t) {
         return ContinuationFlood(t, absl::GetFlag(FLAGS_header_mb) * mib,
                                  false, wait);
       }},
      {"large_request",
       [=](const Target& t) {
         return LargeRequest(t, absl::GetFlag(FLAGS_request_mb) * mib, 1);
       }},
      {"large_request_x3",
       [=](const Target& t) {
         return LargeRequest(t, absl::GetFlag(FLAGS_request_mb) * mib, 3);
       }},
      {"silent_streams",
       [=](const Target& t) { return SilentStreams(t, count, wait); }},
      {"idle_connections",
       [=](const Target& t) { return IdleConnections(t, count, true, wait); }},
      {"idle_no_preface",
       [=](const Target& t) { return IdleConnections(t, count, false, wait); }},
      {"ping_flood", [=](const Target& t) { return PingFlood(t, count); }},
      {"unresponsive_peer",
       [=](const Target& t) { return UnresponsivePeer(t, wait); }},
  };
}

// Whether the child is still running (not exited, not killed).
bool StillRunning(pid_t pid) {
  int status = 0;
  return waitpid(pid, &status, WNOHANG) == 0;
}

// Runs the attack --repeat times against `target` and prints each report.
void Attack(const std::function<Report(const Target&)>& attack,
            const Target& target) {
  for (int i = 0; i < absl::GetFlag(FLAGS_repeat); ++i) {
    Report report = attack(target);
    std::printf("%s", Describe(report).c_str());
    if (int settle = absl::GetFlag(FLAGS_settle_seconds); settle > 0) {
      std::this_thread::sleep_for(std::chrono::seconds(settle));
      std::printf("  server RSS %d s later: %.0f MiB\n", settle,
                  ResidentBytes(target.pid) / double(1 << 20));
    }
  }
}

int Run(const std::vector<std::string>& server_flags) {
  auto attacks = Attacks();
  auto attack = attacks.find(absl::GetFlag(FLAGS_attack));
  if (attack == attacks.end()) {
    std::fprintf(stderr, "h2_probe: unknown --attack\n");
    return 2;
  }
  const int via = absl::GetFlag(FLAGS_via_port);
  if (int pid = absl::GetFlag(FLAGS_pid); pid > 0) {
    // A server someone else started, e.g. behind a proxy on --via_port.
    Target target{via, pid, absl::GetFlag(FLAGS_bystander_port),
                  absl::GetFlag(FLAGS_token)};
    if (!PrepareBystander(target)) return 1;
    Attack(attack->second, target);
    std::printf("  server alive afterwards: %s\n",
                kill(pid, 0) == 0 ? "yes" : "NO");
    return 0;
  }
  TempDir dir;
  std::vector<std::string> args = {"--listen=127.0.0.1:0",
                                   "--data_dir=" + dir.Sub("store"),
                                   "--sync_writes=false"};
  args.insert(args.end(), server_flags.begin(), server_flags.end());
  ServerProcess server(absl::GetFlag(FLAGS_server), args);
  if (!server.Start()) {
    std::fprintf(stderr, "h2_probe: %s\n", server.error().c_str());
    return 1;
  }
  Target target{via > 0 ? via : server.port(), server.pid(), 0,
                server.admin_key()};
  if (!PrepareBystander(target)) {
    std::fprintf(stderr, "h2_probe: the server refused the bystander actor\n");
    return 1;
  }
  Attack(attack->second, target);
  std::printf("  server alive afterwards: %s\n",
              StillRunning(server.pid()) ? "yes" : "NO");
  return 0;
}

}  // namespace
}  // namespace maillage::testing

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Replays an HTTP/2 attack against a fresh maillage_server and prints "
      "what happened.\nUsage: h2_probe --attack=NAME [-- SERVER_FLAGS...]");
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  // absl keeps what follows "--" as positional arguments, after argv[0].
  std::vector<std::string> server_flags(rest.begin() + 1, rest.end());
  return maillage::testing::Run(server_flags);
}

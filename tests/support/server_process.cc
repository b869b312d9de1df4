#include "tests/support/server_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <string_view>

#include "absl/strings/numbers.h"
#include "base/strings.h"
#include "tests/support/credentials.h"

namespace maillage::testing {
namespace {

// The port of the start-up line "maillage listening on HOST:PORT; ...", or 0
// while that line has not been read up to its ';' (a read may end inside the
// port number).
int ListeningPort(std::string_view output) {
  constexpr std::string_view kListening = "listening on ";
  size_t begin = output.find(kListening);
  if (begin == std::string_view::npos) return 0;
  begin += kListening.size();
  size_t end = output.find(';', begin);
  if (end == std::string_view::npos) return 0;
  size_t colon = output.rfind(':', end);
  int port = 0;
  if (colon == std::string_view::npos || colon < begin ||
      !absl::SimpleAtoi(AsAbsl(output.substr(colon + 1, end - colon - 1)),
                        &port)) {
    return 0;
  }
  return port;
}

// The port of "HTTP/JSON on host:port" in the start-up line; 0 when absent.
int HttpPort(std::string_view output) {
  constexpr std::string_view kHttp = "HTTP/JSON on ";
  size_t begin = output.find(kHttp);
  if (begin == std::string_view::npos) return 0;
  // The address ends the line, or the JSON string it is in.
  size_t end = output.find_first_of("\n\"", begin);
  std::string_view address =
      output.substr(begin + kHttp.size(), end - begin - kHttp.size());
  int port = 0;
  if (!absl::SimpleAtoi(AsAbsl(address.substr(address.rfind(':') + 1)),
                        &port)) {
    return 0;
  }
  return port;
}

// The port of "metrics on http://HOST:PORT/metrics" in the server's log; 0
// when absent.
int MetricsPortIn(std::string_view output) {
  constexpr std::string_view kLine = "metrics on http://";
  size_t at = output.find(kLine);
  if (at == std::string_view::npos) return 0;
  size_t colon = output.find(':', at + kLine.size());
  size_t slash = output.find('/', colon);
  int port = 0;
  if (colon == std::string_view::npos || slash == std::string_view::npos ||
      !absl::SimpleAtoi(AsAbsl(output.substr(colon + 1, slash - colon - 1)),
                        &port)) {
    return 0;
  }
  return port;
}

}  // namespace

ServerProcess::ServerProcess(std::string binary, std::vector<std::string> args)
    : binary_(std::move(binary)), args_(std::move(args)) {
  std::string data_dir = "maillage-data";
  for (const std::string& arg : args_) {
    constexpr std::string_view kData = "--data_dir=";
    constexpr std::string_view kCredentials = "--admin_credentials_file=";
    if (arg.compare(0, kData.size(), kData) == 0) {
      data_dir = arg.substr(kData.size());
    } else if (arg.compare(0, kCredentials.size(), kCredentials) == 0) {
      credentials_file_ = arg.substr(kCredentials.size());
    }
  }
  if (credentials_file_.empty()) {
    credentials_file_ = data_dir + ".credentials";
    args_.push_back("--admin_credentials_file=" + credentials_file_);
  }
  // Defaults for tests that run side by side, unless the test names them:
  // the HTTP face on a free port (the binary's default is 8080), and
  // imports at the queries' priority (niced, the server's default, an
  // import would wait for the other test's processes).
  auto named = [this](std::string_view flag) {
    return std::any_of(args_.begin(), args_.end(), [&](const std::string& arg) {
      return arg.rfind(flag, 0) == 0;
    });
  };
  if (!named("--http_listen=")) args_.push_back("--http_listen=127.0.0.1:0");
  if (!named("--import_nice=")) args_.push_back("--import_nice=0");
}

std::string ServerProcess::admin_key() const {
  return ReadAdminKey(credentials_file_);
}

std::shared_ptr<grpc::Channel> ServerProcess::channel() const {
  return ChannelWithToken(target(), admin_key());
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Signal(SIGKILL);
  if (stderr_fd_ >= 0) close(stderr_fd_);
}

bool ServerProcess::Start() {
  int fds[2];
  if (pipe(fds) != 0) {
    error_ = "pipe failed";
    return false;
  }
  pid_ = fork();
  if (pid_ == 0) {
    dup2(fds[1], STDERR_FILENO);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> argv;
    argv.push_back(binary_.data());
    for (auto& a : args_) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(binary_.c_str(), argv.data());
    _exit(127);
  }
  close(fds[1]);
  stderr_fd_ = fds[0];
  // Wait up to 60 s for the start-up line.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{stderr_fd_, POLLIN, 0};
    if (poll(&p, 1, 200) > 0) {
      char buf[4096];
      ssize_t n = read(stderr_fd_, buf, sizeof buf);
      if (n <= 0) break;
      output_.append(buf, static_cast<size_t>(n));
      port_ = ListeningPort(output_);
      if (port_ != 0) {
        http_port_ = HttpPort(output_);
        return true;
      }
    }
  }
  error_ = "server did not start: " + output_;
  return false;
}

std::string ServerProcess::output() {
  if (stderr_fd_ >= 0) {
    int flags = fcntl(stderr_fd_, F_GETFL);
    fcntl(stderr_fd_, F_SETFL, flags | O_NONBLOCK);
    char buf[4096];
    ssize_t n;
    while ((n = read(stderr_fd_, buf, sizeof buf)) > 0) {
      output_.append(buf, static_cast<size_t>(n));
    }
  }
  return output_;
}

int ServerProcess::metrics_port() { return MetricsPortIn(output()); }

int ServerProcess::Signal(int signal) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  output();
  return status;
}

}  // namespace maillage::testing

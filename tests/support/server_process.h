#ifndef MAILLAGE_TESTS_SUPPORT_SERVER_PROCESS_H_
#define MAILLAGE_TESTS_SUPPORT_SERVER_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"

namespace maillage::testing {

// The real maillage_server binary as a child process, for tests that must
// kill it for real (kill -9) or stop it with a signal.
class ServerProcess {
 public:
  ServerProcess(std::string binary, std::vector<std::string> args);
  ~ServerProcess();  // SIGKILL if still running

  // Starts it and waits for its "listening on" line; false on failure
  // (the child's output is in error()). Unless the arguments name one, the
  // server writes its admin key to "<--data_dir>.credentials" (never to the
  // user's own credentials file).
  bool Start();
  // The admin key of the server's store (see Start).
  std::string admin_key() const;
  // A channel to the server carrying the admin key.
  std::shared_ptr<grpc::Channel> channel() const;
  int port() const { return port_; }
  // The HTTP face's port (from the start-up line); 0 when it is off.
  int http_port() const { return http_port_; }
  // The metrics endpoint's port (--metrics_address), read from the server's
  // log; 0 when it is off.
  int metrics_port();
  // The child's process id; -1 before Start and after Signal.
  pid_t pid() const { return pid_; }
  std::string target() const { return "127.0.0.1:" + std::to_string(port_); }

  // Sends `signal` and waits for the exit; returns the wait status.
  int Signal(int signal);
  const std::string& error() const { return error_; }
  // Everything the child wrote to stderr up to now (after Signal: all).
  std::string output();

 private:
  std::string binary_;
  std::vector<std::string> args_;
  std::string credentials_file_;
  pid_t pid_ = -1;
  int stderr_fd_ = -1;
  int port_ = 0;
  int http_port_ = 0;
  std::string output_;
  std::string error_;
};

}  // namespace maillage::testing

#endif  // MAILLAGE_TESTS_SUPPORT_SERVER_PROCESS_H_

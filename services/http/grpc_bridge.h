#ifndef MAILLAGE_SERVICES_HTTP_GRPC_BRIDGE_H_
#define MAILLAGE_SERVICES_HTTP_GRPC_BRIDGE_H_

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "services/request_handler.h"

// How an HTTP request reaches the API: as a call of the server's own gRPC
// method, made over the server's in-process channel
// (grpc::Server::InProcessChannel). The call is then admitted, authenticated
// (the HTTP Authorization header travels as the call's "authorization"),
// authorised, rate limited, shed, audited, decoded, run and cancelled by the
// very code every gRPC call goes through (services::RequestHandler and the
// services' reactors): the HTTP face adds no second path to the core.
namespace maillage::services::http {

// Calls made and not yet over, to wait for at shutdown.
class InFlight {
 public:
  void Add() {
    std::lock_guard lock(mu_);
    ++count_;
  }
  void Remove() {
    std::lock_guard lock(mu_);
    if (--count_ == 0) idle_.notify_all();
  }
  // Whether every call ended within `timeout`.
  bool WaitIdle(absl::Duration timeout) {
    std::unique_lock lock(mu_);
    return idle_.wait_for(lock, absl::ToChronoMilliseconds(timeout),
                          [this] { return count_ == 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable idle_;
  int count_ = 0;  // guarded by mu_
};

// Who makes an HTTP call, for the gRPC call it becomes.
struct CallOrigin {
  std::string authorization;  // the Authorization header, as sent
  std::string peer;           // "ipv4:127.0.0.1:53211"
  std::string traceparent;    // the traceparent header, as sent ("" if none)
};

// One streaming call (server or bidirectional streaming). The HTTP side
// drives it: Read() asks for the next response message (one at a time: the
// server's stream is flow-controlled by the HTTP client's pace), Write()
// sends a request message. Callbacks run on gRPC's threads. Thread-safe.
class StreamCall
    : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  struct Callbacks {
    // A response message arrived; call Read() for the next one.
    std::function<void(grpc::ByteBuffer)> on_message;
    // A Write() completed (ok: sent).
    std::function<void(bool ok)> on_written;
    // The server said the stream is open (kStreamOpenMetadata) before any
    // message.
    std::function<void()> on_open;
    // The call ended; nothing is called after this.
    std::function<void(const grpc::Status&)> on_done;
  };

  // Prepares the call; Go() starts it (callbacks may run from then on, on
  // any thread: keep the returned pointer first). Write, WritesDone and Read
  // may be called before Go. The StreamCall keeps itself alive until its
  // on_done has run and the caller's reference is gone.
  static std::shared_ptr<StreamCall> Start(grpc::GenericStub* stub,
                                           const std::string& method_path,
                                           const CallOrigin& origin,
                                           Callbacks callbacks,
                                           std::shared_ptr<InFlight> in_flight);

  void Go() { StartCall(); }
  // Asks for the next response message (no-op once done).
  void Read();
  // Sends `message` (one outstanding at a time; on_written says when).
  void Write(grpc::ByteBuffer message);
  // No more request messages.
  void WritesDone();
  // Cancels the call (the HTTP client went away): the server sees it as
  // cancelled and stops its work.
  void Cancel() { context_.TryCancel(); }

  void OnReadInitialMetadataDone(bool ok) override;
  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  explicit StreamCall(Callbacks callbacks) : callbacks_(std::move(callbacks)) {}

  grpc::ClientContext context_;
  Callbacks callbacks_;
  std::mutex mu_;
  bool done_ = false;                 // guarded by mu_
  grpc::ByteBuffer incoming_;         // owned by the outstanding read
  grpc::ByteBuffer outgoing_;         // owned by the outstanding write
  std::shared_ptr<StreamCall> self_;  // until OnDone
  std::shared_ptr<InFlight> in_flight_;
};

// Calls the server's methods in-process.
class GrpcBridge {
 public:
  explicit GrpcBridge(std::shared_ptr<grpc::Channel> channel)
      : channel_(std::move(channel)), stub_(channel_) {}

  // A unary call: `done` runs on a gRPC thread with the status, the call's
  // request id (kRequestIdMetadata; "" when the server sent none) and,
  // when OK, the response decoded into `response` (owned by the caller,
  // alive until `done`). Returns what cancels the call (the HTTP client
  // went away; a no-op once it is over).
  using UnaryDone =
      std::function<void(const grpc::Status&, const std::string& request_id)>;
  std::function<void()> Unary(const google::protobuf::MethodDescriptor& method,
                              const google::protobuf::Message& request,
                              const CallOrigin& origin,
                              google::protobuf::Message* response,
                              UnaryDone done);

  // A streaming call of `method`; see StreamCall.
  std::shared_ptr<StreamCall> Stream(
      const google::protobuf::MethodDescriptor& method,
      const CallOrigin& origin, StreamCall::Callbacks callbacks) {
    return StreamCall::Start(&stub_, MethodPath(method), origin,
                             std::move(callbacks), in_flight_);
  }

  // Waits up to `timeout` for the calls made to be over (at shutdown, once
  // the gRPC server has cancelled them).
  bool WaitIdle(absl::Duration timeout) {
    return in_flight_->WaitIdle(timeout);
  }

  // "/maillage.v1.ActorService/GetActor".
  static std::string MethodPath(
      const google::protobuf::MethodDescriptor& method);

 private:
  std::shared_ptr<grpc::Channel> channel_;
  grpc::GenericStub stub_;
  std::shared_ptr<InFlight> in_flight_ = std::make_shared<InFlight>();
};

// Serialises `message` into a ByteBuffer.
grpc::ByteBuffer Serialize(const google::protobuf::Message& message);
// Parses `bytes` into `message`; false when they do not decode.
bool Parse(const grpc::ByteBuffer& bytes, google::protobuf::Message* message);

}  // namespace maillage::services::http

#endif  // MAILLAGE_SERVICES_HTTP_GRPC_BRIDGE_H_

#include "services/http/grpc_bridge.h"

#include <utility>

#include "grpcpp/impl/codegen/proto_utils.h"
#include "grpcpp/support/proto_buffer_reader.h"

namespace maillage::services::http {
namespace {

void SetOrigin(const CallOrigin& origin, grpc::ClientContext* context) {
  if (!origin.authorization.empty()) {
    context->AddMetadata("authorization", origin.authorization);
  }
  context->AddMetadata(kHttpPeerMetadata, InProcessToken() + " " + origin.peer);
  // Passed on as sent: the request handler validates it (an invalid one is
  // ignored there, as a gRPC client's would be).
  if (!origin.traceparent.empty()) {
    context->AddMetadata("traceparent", origin.traceparent);
  }
}

// The kRequestIdMetadata the server sent, "" if none.
std::string RequestIdOf(const grpc::ClientContext& context) {
  const auto& metadata = context.GetServerInitialMetadata();
  auto it = metadata.find(kRequestIdMetadata);
  if (it == metadata.end()) return {};
  return std::string(it->second.data(), it->second.size());
}

// State of one unary call, alive until its completion.
struct UnaryCall {
  grpc::ClientContext context;
  grpc::ByteBuffer request;
  grpc::ByteBuffer response;
};

}  // namespace

grpc::ByteBuffer Serialize(const google::protobuf::Message& message) {
  grpc::ByteBuffer bytes;
  bool own_buffer = false;
  // Serialising a message we hold cannot fail.
  grpc::SerializationTraits<google::protobuf::Message>::Serialize(
      message, &bytes, &own_buffer)
      .ok();
  return bytes;
}

bool Parse(const grpc::ByteBuffer& bytes, google::protobuf::Message* message) {
  grpc::ByteBuffer copy(bytes);  // shares the slices; the reader consumes
  grpc::ProtoBufferReader reader(&copy);
  return reader.status().ok() && message->ParseFromZeroCopyStream(&reader);
}

std::string GrpcBridge::MethodPath(
    const google::protobuf::MethodDescriptor& method) {
  return "/" + method.service()->full_name() + "/" + method.name();
}

std::function<void()> GrpcBridge::Unary(
    const google::protobuf::MethodDescriptor& method,
    const google::protobuf::Message& request, const CallOrigin& origin,
    google::protobuf::Message* response, UnaryDone done) {
  auto call = std::make_shared<UnaryCall>();
  SetOrigin(origin, &call->context);
  in_flight_->Add();
  call->request = Serialize(request);
  stub_.UnaryCall(&call->context, MethodPath(method), grpc::StubOptions(),
                  &call->request, &call->response,
                  [call, response, done = std::move(done),
                   in_flight = in_flight_](grpc::Status status) {
                    if (status.ok() && !Parse(call->response, response)) {
                      status =
                          grpc::Status(grpc::StatusCode::INTERNAL,
                                       "the server's answer does not decode");
                    }
                    done(status, RequestIdOf(call->context));
                    in_flight->Remove();
                  });
  std::weak_ptr<UnaryCall> weak = call;
  return [weak] {
    if (auto running = weak.lock()) running->context.TryCancel();
  };
}

std::shared_ptr<StreamCall> StreamCall::Start(
    grpc::GenericStub* stub, const std::string& method_path,
    const CallOrigin& origin, Callbacks callbacks,
    std::shared_ptr<InFlight> in_flight) {
  std::shared_ptr<StreamCall> call(new StreamCall(std::move(callbacks)));
  call->self_ = call;
  call->in_flight_ = std::move(in_flight);
  call->in_flight_->Add();
  SetOrigin(origin, &call->context_);
  stub->PrepareBidiStreamingCall(&call->context_, method_path,
                                 grpc::StubOptions(), call.get());
  return call;
}

void StreamCall::Read() {
  std::lock_guard lock(mu_);
  if (done_) return;
  StartRead(&incoming_);
}

void StreamCall::Write(grpc::ByteBuffer message) {
  std::lock_guard lock(mu_);
  if (done_) return;
  outgoing_ = std::move(message);
  StartWrite(&outgoing_);
}

void StreamCall::WritesDone() {
  std::lock_guard lock(mu_);
  if (done_) return;
  StartWritesDone();
}

void StreamCall::OnReadInitialMetadataDone(bool ok) {
  if (!ok || !callbacks_.on_open) return;
  const auto& metadata = context_.GetServerInitialMetadata();
  if (metadata.find(kStreamOpenMetadata) != metadata.end()) {
    callbacks_.on_open();
  }
}

void StreamCall::OnReadDone(bool ok) {
  // Not ok: the stream is over; OnDone follows with the status.
  if (ok && callbacks_.on_message) callbacks_.on_message(std::move(incoming_));
}

void StreamCall::OnWriteDone(bool ok) {
  if (callbacks_.on_written) callbacks_.on_written(ok);
}

void StreamCall::OnDone(const grpc::Status& status) {
  {
    std::lock_guard lock(mu_);
    done_ = true;
  }
  if (callbacks_.on_done) callbacks_.on_done(status);
  callbacks_ = Callbacks();  // drop what the callbacks hold
  std::shared_ptr<InFlight> in_flight = std::move(in_flight_);
  self_.reset();  // may delete this
  in_flight->Remove();
}

}  // namespace maillage::services::http

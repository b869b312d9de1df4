#include "services/http/dispatcher.h"

#include <mutex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/strings.h"
#include "google/protobuf/message.h"
#include "maillage/v1/actor.pb.h"
#include "services/http/import_upload.h"
#include "services/http/json_mapping.h"
#include "services/http/static_files.h"
#include "services/http/stream_format.h"
#include "services/http/web_sign_in.h"
#include "services/status_mapping.h"

namespace maillage::services::http {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

constexpr char kJson[] = "application/json";
// Prometheus' text exposition format.
constexpr char kPrometheusText[] = "text/plain; version=0.0.4; charset=utf-8";
constexpr char kNdjson[] = "application/x-ndjson";
constexpr char kEventStream[] = "text/event-stream";

std::unique_ptr<Message> NewMessage(const Descriptor& type) {
  return std::unique_ptr<Message>(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(&type)
          ->New());
}

// The string field `name` of `type`, or nullptr.
const FieldDescriptor* StringField(const Descriptor& type,
                                   std::string_view name) {
  const FieldDescriptor* field = type.FindFieldByName(std::string(name));
  return field != nullptr && !field->is_repeated() &&
                 field->type() == FieldDescriptor::TYPE_STRING
             ? field
             : nullptr;
}

// An event stream answers in Server-Sent Events when the client asks for
// them (EventSource sends Accept: text/event-stream), in NDJSON otherwise.
bool WantsEvents(const HttpRequest& request) {
  return absl::StrContains(AsAbsl(request.accept), kEventStream);
}

// The NDJSON lines or the SSE event of one response message.
std::string Format(const Message& message, bool events) {
  const Descriptor& type = *message.GetDescriptor();
  if (events) {
    std::string out;
    if (const FieldDescriptor* token = StringField(type, "token")) {
      absl::StrAppend(&out, "id: ",
                      message.GetReflection()->GetString(message, token), "\n");
    }
    absl::StrAppend(&out, "data: ", ToJson(message), "\n\n");
    return out;
  }
  const FieldDescriptor* elements = StreamElements(type);
  if (elements == nullptr) return ToJson(message) + "\n";
  std::string out;
  const auto& reflection = *message.GetReflection();
  for (int i = 0; i < reflection.FieldSize(message, elements); ++i) {
    absl::StrAppend(&out,
                    ToJson(reflection.GetRepeatedMessage(message, elements, i)),
                    "\n");
  }
  return out;
}

// The text that ends a stream broken by `status` after its headers went
// out: an NDJSON line {"error": Status} or an SSE "error" event.
std::string StreamError(const grpc::Status& status, bool events) {
  std::string error = ErrorJson(status);
  if (events) return absl::StrCat("event: error\ndata: ", error, "\n\n");
  return absl::StrCat("{\"error\":", error, "}\n");
}

// Relays one server-streaming call to the HTTP client, one message at a
// time: the next message is read from the server only once the previous one
// was written to the client, so memory stays constant whatever the stream's
// length and a slow client slows the server's stream (gRPC flow control)
// instead of piling up answers.
class StreamRelay : public std::enable_shared_from_this<StreamRelay> {
 public:
  StreamRelay(const Descriptor& response, bool events,
              EventTextCache* event_texts, std::shared_ptr<ResponseSink> sink,
              std::function<void()> on_finished)
      : response_(response),
        events_(events),
        event_texts_(event_texts),
        sink_(std::move(sink)),
        on_finished_(std::move(on_finished)) {}

  ~StreamRelay() {
    if (on_finished_) on_finished_();
  }

  void Start(GrpcBridge& bridge, const google::protobuf::MethodDescriptor& m,
             const CallOrigin& origin, const Message& request) {
    std::shared_ptr<StreamRelay> self = shared_from_this();
    StreamCall::Callbacks callbacks;
    callbacks.on_open = [self] { self->BeginOnce(); };
    callbacks.on_message = [self](grpc::ByteBuffer bytes) {
      self->OnMessage(bytes);
    };
    callbacks.on_done = [self](const grpc::Status& s) { self->OnDone(s); };
    call_ = bridge.Stream(m, origin, std::move(callbacks));
    std::weak_ptr<StreamCall> weak = call_;
    sink_->OnClientGone([weak] {
      if (auto call = weak.lock()) call->Cancel();
    });
    call_->Write(Serialize(request));
    call_->WritesDone();
    call_->Read();
    call_->Go();
  }

 private:
  void BeginOnce() {
    std::lock_guard lock(mu_);
    if (begun_) return;
    begun_ = true;
    sink_->Begin(200, events_ ? kEventStream : kNdjson);
  }

  void OnMessage(const grpc::ByteBuffer& bytes) {
    std::string text =
        events_ ? event_texts_->Get(Flatten(bytes), [&] { return Text(bytes); })
                : Text(bytes);
    if (text.empty()) {
      call_->Cancel();
      return;
    }
    BeginOnce();
    std::weak_ptr<StreamCall> weak = call_;
    sink_->Chunk(std::move(text), [weak](bool ok) {
      auto call = weak.lock();
      if (call == nullptr) return;
      if (ok) {
        call->Read();
      } else {
        call->Cancel();
      }
    });
  }

  // The NDJSON lines or SSE event of a message; "" when it does not decode.
  std::string Text(const grpc::ByteBuffer& bytes) const {
    std::unique_ptr<Message> message = NewMessage(response_);
    if (!Parse(bytes, message.get())) return "";
    return Format(*message, events_);
  }

  static std::string Flatten(const grpc::ByteBuffer& bytes) {
    std::vector<grpc::Slice> slices;
    std::string flat;
    if (!bytes.Dump(&slices).ok()) return flat;
    for (const grpc::Slice& slice : slices) {
      flat.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
    }
    return flat;
  }

  void OnDone(const grpc::Status& status) {
    bool begun;
    {
      std::lock_guard lock(mu_);
      begun = begun_;
      begun_ = true;
    }
    if (!begun) {
      if (status.ok()) {
        sink_->Begin(200, events_ ? kEventStream : kNdjson);
        sink_->End();
      } else {
        SendError(*sink_, status);
      }
      return;
    }
    if (status.ok() || status.error_code() == grpc::StatusCode::CANCELLED) {
      sink_->End();
      return;
    }
    std::shared_ptr<ResponseSink> sink = sink_;
    sink_->Chunk(StreamError(status, events_), [sink](bool) { sink->End(); });
  }

  const Descriptor& response_;
  const bool events_;
  EventTextCache* const event_texts_;
  std::shared_ptr<ResponseSink> sink_;
  std::function<void()> on_finished_;
  std::shared_ptr<StreamCall> call_;
  std::mutex mu_;
  bool begun_ = false;  // guarded by mu_
};

// Health of the process (it answers) and readiness (the store is open).
bool ServeOperational(const HttpRequest& request,
                      const std::function<bool()>& ready, ResponseSink& sink) {
  if (request.method != "GET" && request.method != "HEAD") return false;
  if (request.path == "/healthz") {
    sink.Send(200, kJson, "{\"status\":\"SERVING\"}\n", {});
    return true;
  }
  if (request.path == "/readyz") {
    const bool ok = ready && ready();
    sink.Send(
        ok ? 200 : 503, kJson,
        ok ? "{\"status\":\"SERVING\"}\n" : "{\"status\":\"NOT_SERVING\"}\n",
        {});
    return true;
  }
  return false;
}

// The dashboard's file at the request's path, if any: gzipped when the
// client takes it and the build compressed it, 304 when the client's copy
// is current. Pages get a Content-Security-Policy that keeps them to this
// origin (no CDN, no inline script).
bool ServeStatic(const HttpRequest& request, const StaticFiles* web,
                 ResponseSink& sink) {
  if (web == nullptr || request.method != "GET") return false;
  const StaticFile* file = web->Find(request.path);
  if (file == nullptr) return false;
  Headers headers = {
      {"ETag", file->etag},
      {"Cache-Control",
       file->immutable ? "public, max-age=31536000, immutable" : "no-cache"},
      {"Vary", "Accept-Encoding"},
      {"X-Content-Type-Options", "nosniff"},
  };
  if (absl::StartsWith(file->content_type, "text/html")) {
    headers.emplace_back(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self' "
        "'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    headers.emplace_back("Referrer-Policy", "no-referrer");
  }
  if (request.if_none_match == file->etag) {
    sink.Send(304, file->content_type, "", std::move(headers));
    return true;
  }
  const bool gzip = !file->gzip_body.empty() &&
                    absl::StrContains(request.accept_encoding, "gzip");
  if (gzip) headers.emplace_back("Content-Encoding", "gzip");
  sink.Send(200, file->content_type, gzip ? file->gzip_body : file->body,
            std::move(headers));
  return true;
}

}  // namespace

std::string EventTextCache::Get(const std::string& bytes,
                                const std::function<std::string()>& make) {
  {
    std::lock_guard lock(mu_);
    auto it = texts_.find(bytes);
    if (it != texts_.end()) return it->second;
  }
  std::string text = make();  // outside the lock: others print meanwhile
  if (text.empty()) return text;
  std::lock_guard lock(mu_);
  if (texts_.emplace(bytes, text).second) {
    order_.push_back(bytes);
    if (order_.size() > kEntries) {
      texts_.erase(order_.front());
      order_.pop_front();
    }
  }
  return text;
}

void SendError(ResponseSink& sink, const grpc::Status& status,
               Headers headers) {
  if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
    headers.emplace_back("WWW-Authenticate", "Bearer");
  }
  sink.Send(HttpStatusOf(status.error_code()), kJson, ErrorJson(status) + "\n",
            std::move(headers));
}

CallOrigin OriginOf(const HttpRequest& request) {
  return CallOrigin{request.authorization, request.peer, request.traceparent};
}

void SendError(ResponseSink& sink, const absl::Status& status) {
  SendError(sink, ToGrpcStatus(status));
}

void Dispatcher::Handle(HttpRequest request,
                        std::shared_ptr<ResponseSink> sink) {
  if (ServeOperational(request, env_.ready, *sink)) return;
  if (env_.metrics && (request.method == "GET" || request.method == "HEAD") &&
      request.path == "/metrics") {
    absl::StatusOr<std::string> scrape = env_.metrics(request.authorization);
    if (!scrape.ok()) {
      SendError(*sink, scrape.status());
      return;
    }
    sink->Send(200, kPrometheusText, *std::move(scrape), {});
    return;
  }
  if (ServeStatic(request, env_.web, *sink)) return;
  if (env_.sign_in != nullptr) {
    if (env_.sign_in->Handle(request, sink)) return;
    // A signed-in page calls the API with its session cookie.
    env_.sign_in->Authorize(&request);
  }
  if (request.method == "GET" && request.path == "/v1/openapi.json") {
    sink->Send(200, kJson, env_.openapi_json, {});
    return;
  }
  RouteLookup lookup = env_.routes->Find(request.method, request.path);
  if (lookup.route == nullptr) {
    if (lookup.allowed_methods.empty()) {
      SendError(*sink, absl::NotFoundError(absl::StrCat(
                           "no route for ", request.method, " ", request.path,
                           ": see /v1/openapi.json")));
      return;
    }
    std::string allow = absl::StrJoin(lookup.allowed_methods, ", ");
    grpc::Status status(grpc::StatusCode::UNIMPLEMENTED,
                        absl::StrCat(request.method, " is not allowed on ",
                                     request.path, " (allowed: ", allow, ")"));
    sink->Send(405, kJson, ErrorJson(status) + "\n", {{"Allow", allow}});
    return;
  }
  const Route& route = *lookup.route;
  std::unique_ptr<Message> message = NewMessage(*route.method->input_type());
  if (route.streams_requests()) {
    Upload(route, std::move(request), std::move(sink));
    return;
  }
  absl::Status decoded = DecodeRequest(route, lookup.bindings, request.query,
                                       request.body, message.get());
  if (!decoded.ok()) {
    SendError(*sink, decoded);
    return;
  }
  if (route.streams_responses()) {
    ServerStream(route, request, std::move(message), std::move(sink));
  } else {
    Unary(route, request, std::move(message), std::move(sink));
  }
}

void Dispatcher::Upload(const Route& route, HttpRequest request,
                        std::shared_ptr<ResponseSink> sink) {
  // The upload's rows are actors (importer::DirectoryReader): the one
  // client-streaming method there is.
  if (route.method->input_type() != v1::ImportActorsRequest::descriptor()) {
    SendError(*sink, absl::UnimplementedError(absl::StrCat(
                         "no upload format for ", route.method->full_name())));
    return;
  }
  RelayImport(
      route, std::move(request),
      env_.import_reference ? env_.import_reference() : ImportReference(),
      *env_.bridge, std::move(sink));
}

void Dispatcher::Unary(const Route& route, const HttpRequest& request,
                       std::unique_ptr<Message> message,
                       std::shared_ptr<ResponseSink> sink) {
  std::shared_ptr<Message> response(NewMessage(*route.method->output_type()));
  std::function<void()> cancel = env_.bridge->Unary(
      *route.method, *message, OriginOf(request), response.get(),
      [response, sink](const grpc::Status& status,
                       const std::string& request_id) {
        Headers headers;
        if (!request_id.empty())
          headers.emplace_back("X-Request-Id", request_id);
        if (!status.ok()) {
          SendError(*sink, status, std::move(headers));
          return;
        }
        sink->Send(200, kJson, ToJson(*response) + "\n", std::move(headers));
      });
  sink->OnClientGone(std::move(cancel));
}

void Dispatcher::ServerStream(const Route& route, const HttpRequest& request,
                              std::unique_ptr<Message> message,
                              std::shared_ptr<ResponseSink> sink) {
  const bool events = WantsEvents(request);
  std::function<void()> on_finished;
  if (events) {
    if (event_streams_.fetch_add(1) >= options_.max_event_streams) {
      event_streams_.fetch_sub(1);
      SendError(*sink, absl::UnavailableError(absl::StrCat(
                           "too many event streams are open (",
                           options_.max_event_streams, "); retry later")));
      return;
    }
    on_finished = [this] { event_streams_.fetch_sub(1); };
    // Last-Event-ID resumes where the client's EventSource stopped.
    const FieldDescriptor* resume =
        StringField(*message->GetDescriptor(), "resume_token");
    if (resume != nullptr && !request.last_event_id.empty()) {
      message->GetReflection()->SetString(message.get(), resume,
                                          request.last_event_id);
    }
  }
  auto relay = std::make_shared<StreamRelay>(
      *route.method->output_type(), events, &event_texts_, std::move(sink),
      std::move(on_finished));
  relay->Start(*env_.bridge, *route.method, OriginOf(request), *message);
}

}  // namespace maillage::services::http

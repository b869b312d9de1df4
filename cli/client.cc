#include "cli/client.h"

#include <chrono>
#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "auth/credentials_file.h"
#include "cli/errors.h"

namespace maillage::cli {
namespace {

// The server's default largest response (--max_send_message_bytes); its
// requests are bounded by the server (16 MiB, 2 MiB for most methods).
constexpr int kMaxMessageBytes = 64 << 20;

}  // namespace

Client::Client(Options options, std::istream& in, std::ostream& out,
               std::ostream& err)
    : options_(std::move(options)), in_(in), out_(out), err_(err) {}

grpc::Channel& Client::channel() {
  if (channel_ == nullptr) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(kMaxMessageBytes);
    args.SetMaxSendMessageSize(kMaxMessageBytes);
    channel_ = grpc::CreateCustomChannel(
        options_.server, grpc::InsecureChannelCredentials(), args);
  }
  return *channel_;
}

v1::ActorService::Stub& Client::actors() {
  if (actors_ == nullptr) {
    channel();
    actors_ = v1::ActorService::NewStub(channel_);
  }
  return *actors_;
}

v1::TerritoryService::Stub& Client::territories() {
  if (territories_ == nullptr) {
    channel();
    territories_ = v1::TerritoryService::NewStub(channel_);
  }
  return *territories_;
}

v1::MatchService::Stub& Client::match() {
  if (match_ == nullptr) {
    channel();
    match_ = v1::MatchService::NewStub(channel_);
  }
  return *match_;
}

v1::LifecycleService::Stub& Client::lifecycle() {
  if (lifecycle_ == nullptr) {
    channel();
    lifecycle_ = v1::LifecycleService::NewStub(channel_);
  }
  return *lifecycle_;
}

grpc::GenericStub& Client::generic() {
  if (generic_ == nullptr) {
    channel();
    generic_ = std::make_unique<grpc::GenericStub>(channel_);
  }
  return *generic_;
}

void Client::Authorize(grpc::ClientContext* context) const {
  if (!options_.token.empty()) {
    context->AddMetadata("authorization", "Bearer " + options_.token);
  }
}

std::unique_ptr<grpc::ClientContext> Client::NewStream() const {
  auto context = std::make_unique<grpc::ClientContext>();
  Authorize(context.get());
  return context;
}

std::unique_ptr<grpc::ClientContext> Client::NewCall() const {
  auto context = std::make_unique<grpc::ClientContext>();
  Authorize(context.get());
  context->set_deadline(
      std::chrono::system_clock::now() +
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::duration<double>(options_.timeout_seconds)));
  return context;
}

absl::Status Client::Check(const grpc::Status& status) const {
  absl::Status result = FromGrpc(status);
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      return absl::Status(
          result.code(),
          absl::StrCat("cannot reach the server at ", options_.server, " (",
                       result.message(),
                       "); is it running? Set --server or MAILLAGE_SERVER"));
    case grpc::StatusCode::UNIMPLEMENTED:
      if (!result.message().empty()) return result;
      return absl::Status(
          result.code(),
          absl::StrCat("the server at ", options_.server,
                       " does not implement this call (an older version?)"));
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return absl::Status(
          result.code(),
          absl::StrCat("no answer from ", options_.server, " within ",
                       options_.timeout_seconds, " s (--timeout)"));
    default:
      return result;
  }
}

absl::Status ResolveToken(const ParsedArgs& args, Client::Options* options) {
  if (const char* env = std::getenv("MAILLAGE_TOKEN");
      env != nullptr && *env != '\0') {
    options->token = env;
  }
  options->token = args.ValueOr("token", options->token);
  if (!options->token.empty()) return absl::OkStatus();
  std::string path =
      args.ValueOr("credentials_file", auth::DefaultCredentialsPath());
  if (path.empty()) return absl::OkStatus();
  auto stored = auth::FindStoredKey(path, options->server);
  if (!stored.ok()) return stored.status();
  if (stored->has_value()) options->token = **stored;
  return absl::OkStatus();
}

}  // namespace maillage::cli

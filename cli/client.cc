#include "cli/client.h"

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "auth/credentials_file.h"
#include "base/strings.h"
#include "cli/errors.h"

namespace maillage::cli {
namespace {

// The server's default largest response (--max_send_message_bytes); its
// requests are bounded by the server (16 MiB, 2 MiB for most methods).
constexpr int kMaxMessageBytes = 64 << 20;

// The value of `flag`, else of the environment variable `env` when set and
// not empty.
std::optional<std::string> FlagOrEnv(const ParsedArgs& args,
                                     std::string_view flag, const char* env) {
  if (std::optional<std::string> value = args.Value(flag)) return value;
  const char* from_env = std::getenv(env);
  if (from_env != nullptr && *from_env != '\0') return std::string(from_env);
  return std::nullopt;
}

// The contents of the PEM file given to `flag`.
absl::StatusOr<std::string> ReadPem(std::string_view flag,
                                    const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("--", AsAbsl(flag), ": cannot read \"", path, "\""));
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

}  // namespace

absl::Status ApplyTlsArgs(const ParsedArgs& args, Client::Options* options) {
  bool tls = args.Has("tls");
  for (std::string_view scheme : {"https://", "http://"}) {
    if (absl::StartsWith(options->server, AsAbsl(scheme))) {
      tls = tls || scheme == "https://";
      options->server.erase(0, scheme.size());
    }
  }
  std::optional<std::string> ca = FlagOrEnv(args, "tls_ca", "MAILLAGE_TLS_CA");
  std::optional<std::string> cert =
      FlagOrEnv(args, "tls_cert", "MAILLAGE_TLS_CERT");
  std::optional<std::string> key =
      FlagOrEnv(args, "tls_key", "MAILLAGE_TLS_KEY");
  if (cert.has_value() != key.has_value()) {
    return UsageError(
        "--tls_cert and --tls_key go together (a client certificate and its "
        "private key)");
  }
  if (!tls && !ca && !cert) return absl::OkStatus();
  grpc::SslCredentialsOptions ssl;  // empty roots: the system's
  if (ca.has_value()) {
    absl::StatusOr<std::string> roots = ReadPem("tls_ca", *ca);
    if (!roots.ok()) return roots.status();
    ssl.pem_root_certs = *std::move(roots);
  }
  if (cert.has_value()) {
    absl::StatusOr<std::string> chain = ReadPem("tls_cert", *cert);
    if (!chain.ok()) return chain.status();
    absl::StatusOr<std::string> private_key = ReadPem("tls_key", *key);
    if (!private_key.ok()) return private_key.status();
    ssl.pem_cert_chain = *std::move(chain);
    ssl.pem_private_key = *std::move(private_key);
  }
  options->tls = grpc::SslCredentials(ssl);
  return absl::OkStatus();
}

Client::Client(Options options, std::istream& in, std::ostream& out,
               std::ostream& err)
    : options_(std::move(options)), in_(in), out_(out), err_(err) {}

grpc::Channel& Client::channel() {
  if (channel_ == nullptr) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(kMaxMessageBytes);
    args.SetMaxSendMessageSize(kMaxMessageBytes);
    channel_ = grpc::CreateCustomChannel(
        options_.server,
        options_.tls != nullptr ? options_.tls
                                : grpc::InsecureChannelCredentials(),
        args);
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
                       "); is it running? Set --server or MAILLAGE_SERVER",
                       options_.tls != nullptr
                           ? "; over TLS, check that --tls_ca trusts its "
                             "certificate (and --tls_cert if it asks for one)"
                           : "; if it serves TLS, add --tls or --tls_ca"));
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

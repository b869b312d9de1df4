// maillage health: the standard grpc.health.v1.Health/Check, called by name
// with hand-built bytes (no generated code for it in the client).
#include <future>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "cli/commands.h"
#include "cli/errors.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"

namespace maillage::cli {
namespace {

constexpr char kCheckMethod[] = "/grpc.health.v1.Health/Check";

// grpc.health.v1.HealthCheckResponse.ServingStatus.
constexpr const char* kStatusNames[] = {"UNKNOWN", "SERVING", "NOT_SERVING",
                                        "SERVICE_UNKNOWN"};

// HealthCheckRequest{service}: field 1, length-delimited.
std::string EncodeRequest(const std::string& service) {
  std::string bytes;
  if (service.empty()) return bytes;
  bytes.push_back('\x0A');
  size_t length = service.size();
  while (length >= 0x80) {
    bytes.push_back(static_cast<char>((length & 0x7F) | 0x80));
    length >>= 7;
  }
  bytes.push_back(static_cast<char>(length));
  return bytes + service;
}

bool ReadVarint(const std::string& bytes, size_t* pos, uint64_t* value) {
  *value = 0;
  for (int shift = 0; shift < 64 && *pos < bytes.size(); shift += 7) {
    auto byte = static_cast<unsigned char>(bytes[(*pos)++]);
    *value |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

// HealthCheckResponse.status (field 1, varint); 0 when absent; nullopt for
// bytes that are not such a message.
std::optional<uint64_t> DecodeStatus(const std::string& bytes) {
  uint64_t status = 0;
  size_t pos = 0;
  while (pos < bytes.size()) {
    uint64_t key = 0;
    if (!ReadVarint(bytes, &pos, &key)) return std::nullopt;
    uint64_t value = 0;
    switch (key & 7) {
      case 0:  // varint
        if (!ReadVarint(bytes, &pos, &value)) return std::nullopt;
        if ((key >> 3) == 1) status = value;
        break;
      case 2:  // length-delimited: skipped
        if (!ReadVarint(bytes, &pos, &value) || value > bytes.size() - pos) {
          return std::nullopt;
        }
        pos += value;
        break;
      default:
        return std::nullopt;
    }
  }
  return status;
}

absl::Status Health(Client& client, const ParsedArgs& args) {
  std::string service = args.ValueOr("service", "");
  std::string request_bytes = EncodeRequest(service);
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  std::unique_ptr<grpc::ClientContext> context = client.NewCall();
  std::promise<grpc::Status> done;
  client.generic().UnaryCall(
      context.get(), kCheckMethod, grpc::StubOptions(), &request, &response,
      [&done](grpc::Status status) { done.set_value(std::move(status)); });
  RETURN_IF_ERROR(client.Check(done.get_future().get()));

  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!response.Dump(&slices).ok()) {
    return absl::InternalError("unreadable health answer");
  }
  for (const grpc::Slice& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  std::optional<uint64_t> status = DecodeStatus(bytes);
  if (!status.has_value()) {
    return absl::InternalError("unreadable health answer");
  }
  std::string name =
      *status < 4 ? kStatusNames[*status] : absl::StrCat("status ", *status);
  client.out() << name << "\n";
  if (*status != 1) {
    return absl::UnavailableError(absl::StrCat(
        service.empty() ? std::string("the server")
                        : absl::StrCat("the service ", service),
        " at ", client.options().server, " is not serving (", name, ")"));
  }
  return absl::OkStatus();
}

}  // namespace

CommandGroup HealthGroup() {
  CommandGroup group;
  group.name = "health";
  group.summary = "whether the server is up and serving.";
  Command health;
  health.summary = "Check the server's health (exit 0 only when SERVING).";
  health.description =
      "Ask the server's standard gRPC health service "
      "(grpc.health.v1.Health/Check) and print SERVING or NOT_SERVING. The "
      "exit code is 0 only when SERVING (1 otherwise, or when the server "
      "cannot be reached), for container health checks.";
  health.flags = {{"service", "NAME",
                   "A service's health (\"maillage.v1.ActorService\") rather "
                   "than the server's."}};
  health.details =
      "The service maillage.v1.Writes says whether writes are accepted: "
      "NOT_SERVING while they are refused (a full disk), while reads go "
      "on.\n"
      "Example: maillage --server 127.0.0.1:50051 --timeout 3 health\n"
      "         maillage health --service maillage.v1.Writes\n";
  health.run = Health;
  group.commands.push_back(std::move(health));
  return group;
}

}  // namespace maillage::cli

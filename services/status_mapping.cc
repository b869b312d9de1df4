#include "services/status_mapping.h"

#include <string>

#include "google/rpc/status.pb.h"

namespace maillage::services {
namespace {

// grpc-status-details-bin and grpc-message travel in the trailers, which
// common clients cap at 8 KiB of metadata in all (gRPC's default): an error
// larger than that reaches the client as RESOURCE_EXHAUSTED "received
// metadata size exceeds limit" instead of itself. The core keeps its errors
// small (core/errors.h); this is the last guard. The message travels twice
// (grpc-message, percent-encoded: up to 3 times its size, and inside the
// details), the details base64-encoded (4/3 of their size): at most
// 3 × 512 + 512 + 4/3 × 4096 ≈ 7.5 KiB.
constexpr size_t kMaxMessageBytes = 512;
constexpr size_t kMaxDetailsBytes = 4 * 1024;

// `s` cut to at most `max` bytes without splitting a UTF-8 sequence.
std::string Truncated(std::string_view s, size_t max) {
  if (s.size() <= max) return std::string(s);
  size_t end = max - 3;  // room for "…"
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return std::string(s.substr(0, end)) + "…";
}

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  absl::string_view full = status.message();
  std::string message =
      Truncated(std::string_view(full.data(), full.size()), kMaxMessageBytes);
  google::rpc::Status rich;
  rich.set_code(static_cast<int>(status.code()));
  rich.set_message(message);
  size_t details_bytes = 0;
  status.ForEachPayload(
      [&](absl::string_view type_url, const absl::Cord& payload) {
        details_bytes += type_url.size() + payload.size();
        if (details_bytes > kMaxDetailsBytes) return;  // left out
        auto* any = rich.add_details();
        any->set_type_url(std::string(type_url));
        any->set_value(std::string(payload));
      });
  return grpc::Status(
      static_cast<grpc::StatusCode>(status.code()), message,
      rich.details_size() > 0 ? rich.SerializeAsString() : std::string());
}

}  // namespace maillage::services

#ifndef MAILLAGE_SERVICES_METHOD_LIMITS_H_
#define MAILLAGE_SERVICES_METHOD_LIMITS_H_

#include <cstddef>
#include <optional>
#include <string_view>

#include "absl/status/status.h"

// Per-method request size limits.
//
// A gRPC server has a single receive limit for every method
// (Server::Options::Limits::max_receive_message_bytes), enforced by the
// transport before a message is decoded; it is sized for the bulk imports.
// Every other method has no use for a request that large: RequestHandler
// refuses anything larger than kRequestBytesMax before decoding it (every
// method is registered raw), once gRPC has received its bytes.
namespace maillage::services {

// The largest request a method that is not a bulk import accepts, bytes.
// The largest valid actor (5,000-character description, 50 needs and 50
// offers with 1,000-character descriptions, 20 contacts, 100 action
// territories) is about 0.5 MB of UTF-8; a custom zone of 40,000 communes
// about 0.3 MB. Four times the larger of the two.
inline constexpr size_t kRequestBytesMax = 2 << 20;

// The limit of `method`, the short RPC name RequestHandler is given
// ("CreateActor", "ImportFacts"): kRequestBytesMax, or nullopt for the bulk
// imports (ImportActors per stream message, ImportFacts,
// ImportPartnerships), bounded only by the server's receive limit.
std::optional<size_t> MaxRequestBytes(std::string_view method);

// OK when a request of `bytes` (its ByteSizeLong(), which is its size on the
// wire) fits `method`'s limit; otherwise RESOURCE_EXHAUSTED naming the
// method, the size and the limit. Thread-safe.
absl::Status CheckRequestSize(std::string_view method, size_t bytes);

}  // namespace maillage::services

#endif  // MAILLAGE_SERVICES_METHOD_LIMITS_H_

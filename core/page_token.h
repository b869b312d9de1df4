#ifndef MAILLAGE_CORE_PAGE_TOKEN_H_
#define MAILLAGE_CORE_PAGE_TOKEN_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"

namespace maillage::core {

// Opaque page tokens (AIP-158): where the next page starts, bound to the
// request's filters so that a token cannot be replayed with other filters.
// The token is URL-safe base64 of "<filters fingerprint hex>:<position>".

// Fingerprint of a list request without its page_size, page_token and view
// fields.
uint64_t FiltersFingerprint(const google::protobuf::Message& request);

std::string EncodePageToken(uint64_t filters, std::string_view position);

// The position; "" (the first page) for an empty token; INVALID_ARGUMENT
// naming "page_token" when the token is malformed (or longer than
// Limits::kPageTokenMax) or was issued for other filters.
absl::StatusOr<std::string> DecodePageToken(std::string_view token,
                                            uint64_t filters);

}  // namespace maillage::core

#endif  // MAILLAGE_CORE_PAGE_TOKEN_H_

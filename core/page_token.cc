#include "core/page_token.h"

#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "core/errors.h"
#include "core/request_log.h"
#include "core/validation.h"

namespace maillage::core {

uint64_t FiltersFingerprint(const google::protobuf::Message& request) {
  std::unique_ptr<google::protobuf::Message> copy(request.New());
  copy->CopyFrom(request);
  const auto* descriptor = copy->GetDescriptor();
  for (const char* name : {"page_size", "page_token", "view"}) {
    if (const auto* field = descriptor->FindFieldByName(name)) {
      copy->GetReflection()->ClearField(copy.get(), field);
    }
  }
  return RequestLog::Fingerprint(*copy);
}

std::string EncodePageToken(uint64_t filters, std::string_view position) {
  return absl::WebSafeBase64Escape(
      absl::StrCat(absl::Hex(filters), ":", AsAbsl(position)));
}

absl::StatusOr<std::string> DecodePageToken(std::string_view token,
                                            uint64_t filters) {
  if (token.empty()) return std::string();
  if (token.size() > Limits::kPageTokenMax) {
    return InvalidField("page_token", "is not a token this server issued");
  }
  std::string raw;
  if (!absl::WebSafeBase64Unescape(AsAbsl(token), &raw)) {
    return InvalidField("page_token", "is not a token this server issued");
  }
  size_t colon = raw.find(':');
  uint64_t fp = 0;
  if (colon == std::string::npos ||
      !absl::SimpleHexAtoi(absl::string_view(raw).substr(0, colon), &fp)) {
    return InvalidField("page_token", "is not a token this server issued");
  }
  if (fp != filters) {
    return InvalidField("page_token",
                        "was issued for different filters: keep the filters "
                        "of the first page, or start again without a token");
  }
  return raw.substr(colon + 1);
}

}  // namespace maillage::core

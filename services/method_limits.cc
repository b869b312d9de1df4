#include "services/method_limits.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "core/errors.h"

namespace maillage::services {
namespace {

// Methods whose request is a batch of rows (up to core::Limits::
// kImportRowsMax): a typical 2,000-actor batch of the CLI is 0.5–2 MB, a
// batch of large actors can reach the receive limit.
constexpr std::string_view kBulkMethods[] = {
    "ImportActors",
    "ImportFacts",
    "ImportPartnerships",
};

}  // namespace

std::optional<size_t> MaxRequestBytes(std::string_view method) {
  for (std::string_view bulk : kBulkMethods) {
    if (method == bulk) return std::nullopt;
  }
  return kRequestBytesMax;
}

absl::Status CheckRequestSize(std::string_view method, size_t bytes) {
  std::optional<size_t> limit = MaxRequestBytes(method);
  if (!limit.has_value() || bytes <= *limit) return absl::OkStatus();
  return core::OverBudget(
      "request size",
      absl::StrCat(std::string(method), " takes requests of at most ", *limit,
                   " bytes; this one has ", bytes,
                   " (bulk data goes through the import methods)"));
}

}  // namespace maillage::services

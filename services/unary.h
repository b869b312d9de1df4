#ifndef MAILLAGE_SERVICES_UNARY_H_
#define MAILLAGE_SERVICES_UNARY_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace maillage::services {

// Moves a core result into the gRPC response message and returns its status,
// the shape every unary adapter needs.
template <typename Response, typename Result>
absl::Status Deliver(absl::StatusOr<Result> result, Response* response) {
  if (!result.ok()) return result.status();
  *response = std::move(*result);
  return absl::OkStatus();
}

}  // namespace maillage::services

#endif  // MAILLAGE_SERVICES_UNARY_H_

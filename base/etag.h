#ifndef MAILLAGE_BASE_ETAG_H_
#define MAILLAGE_BASE_ETAG_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace maillage::base {

// A new etag for a record's serialized content (etag field cleared) and
// update time: 16 hex digits of a 64-bit hash of both. Deterministic, so
// that a record folded from merge operands gets the etag a plain write of
// the same record would have.
std::string MakeEtag(std::string_view content, int64_t update_micros);

}  // namespace maillage::base

#endif  // MAILLAGE_BASE_ETAG_H_

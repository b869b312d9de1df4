#include "base/etag.h"

#include <xxhash.h>

#include "absl/strings/str_cat.h"

namespace maillage::base {

std::string MakeEtag(std::string_view content, int64_t update_micros) {
  XXH64_hash_t h = XXH3_64bits_withSeed(content.data(), content.size(),
                                        static_cast<uint64_t>(update_micros));
  return absl::StrCat(absl::Hex(h, absl::kZeroPad16));
}

}  // namespace maillage::base

#ifndef MAILLAGE_BASE_STRINGS_H_
#define MAILLAGE_BASE_STRINGS_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace maillage {

// Debian's Abseil is built with its own absl::string_view (not an alias of
// std::string_view). Maillage's interfaces use std::string_view; this adapts
// one for absl::StrCat and friends without a copy.
inline absl::string_view AsAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

}  // namespace maillage

#endif  // MAILLAGE_BASE_STRINGS_H_

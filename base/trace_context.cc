#include "base/trace_context.h"

namespace maillage::base {
namespace {

// Whether `text` is `size` lower-case hex digits.
bool LowerHex(std::string_view text, size_t size) {
  if (text.size() != size) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool AllZero(std::string_view text) {
  return text.find_first_not_of('0') == std::string_view::npos;
}

int HexValue(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

}  // namespace

std::optional<TraceParent> ParseTraceParent(std::string_view value) {
  // version "-" trace-id "-" parent-id "-" trace-flags: 2+1+32+1+16+1+2.
  constexpr size_t kVersion00Size = 55;
  if (value.size() < kVersion00Size) return std::nullopt;
  std::string_view version = value.substr(0, 2);
  if (!LowerHex(version, 2) || version == "ff") return std::nullopt;
  if (version == "00" && value.size() != kVersion00Size) return std::nullopt;
  if (value.size() > kVersion00Size && value[kVersion00Size] != '-') {
    return std::nullopt;
  }
  if (value[2] != '-' || value[35] != '-' || value[52] != '-') {
    return std::nullopt;
  }
  std::string_view trace_id = value.substr(3, 32);
  std::string_view parent_id = value.substr(36, 16);
  std::string_view flags = value.substr(53, 2);
  if (!LowerHex(trace_id, 32) || AllZero(trace_id) ||
      !LowerHex(parent_id, 16) || AllZero(parent_id) || !LowerHex(flags, 2)) {
    return std::nullopt;
  }
  TraceParent parsed;
  parsed.trace_id = std::string(trace_id);
  parsed.parent_id = std::string(parent_id);
  parsed.sampled = (HexValue(flags[1]) & 1) != 0;
  return parsed;
}

}  // namespace maillage::base

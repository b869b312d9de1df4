#include "base/utf8.h"

#include <cstdint>

#include "simdjson.h"

namespace maillage {

int Utf8SequenceLength(const unsigned char* p, const unsigned char* end) {
  unsigned char c = *p;
  int extra;
  uint32_t cp;
  if ((c & 0xE0) == 0xC0) {
    extra = 1;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    extra = 2;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    extra = 3;
    cp = c & 0x07;
  } else {
    return 0;
  }
  for (int i = 1; i <= extra; ++i) {
    if (p + i >= end) return -1;
    if ((p[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return extra + 1;
}

// simdjson's validator (SIMD, chosen for the CPU at run time) checks the
// same rules as Utf8SequenceLength: no overlong forms, no surrogates,
// nothing above U+10FFFF. Short texts, the most common in requests, skip
// the dispatch.
bool IsValidUtf8(std::string_view s) {
  if (s.size() >= 64) return simdjson::validate_utf8(s.data(), s.size());
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    if (*p < 0x80) {
      ++p;
      continue;
    }
    int length = Utf8SequenceLength(p, end);
    if (length <= 0) return false;
    p += length;
  }
  return true;
}

size_t CodePointCount(std::string_view s) {
  size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

bool HasControlChars(std::string_view s) {
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if ((u < 0x20 && u != '\t' && u != '\n' && u != '\r') || u == 0x7F) {
      return true;
    }
  }
  return false;
}

std::string ToValidUtf8(std::string_view s) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
  std::string out;
  out.reserve(s.size());
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    int length = *p < 0x80 ? 1 : Utf8SequenceLength(p, end);
    if (length <= 0) {
      out.append(kReplacement);
      ++p;
      continue;
    }
    out.append(reinterpret_cast<const char*>(p), static_cast<size_t>(length));
    p += length;
  }
  return out;
}

size_t Utf8PrefixLength(std::string_view s, size_t max_code_points,
                        size_t max_bytes) {
  size_t bytes = 0;
  size_t code_points = 0;
  while (bytes < s.size() && code_points < max_code_points) {
    size_t next = bytes + 1;
    while (next < s.size() &&
           (static_cast<unsigned char>(s[next]) & 0xC0) == 0x80) {
      ++next;
    }
    if (next > max_bytes) break;
    bytes = next;
    ++code_points;
  }
  return bytes;
}

}  // namespace maillage

#ifndef MAILLAGE_BASE_UTF8_H_
#define MAILLAGE_BASE_UTF8_H_

#include <cstddef>
#include <string_view>

namespace maillage {

// Whether `s` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool IsValidUtf8(std::string_view s);

// Number of code points in `s`, which must be valid UTF-8.
size_t CodePointCount(std::string_view s);

// Whether `s` contains an ASCII control character other than tab, newline
// and carriage return.
bool HasControlChars(std::string_view s);

}  // namespace maillage

#endif  // MAILLAGE_BASE_UTF8_H_

#ifndef MAILLAGE_BASE_UTF8_H_
#define MAILLAGE_BASE_UTF8_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace maillage {

// Whether `s` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool IsValidUtf8(std::string_view s);

// The length (2 to 4) of the well-formed UTF-8 multi-byte sequence starting
// at p[0] (no overlongs, surrogates or code points above U+10FFFF); 0 when it
// is malformed (or p[0] is ASCII or a continuation byte); -1 when it is cut
// short by `end` (more bytes may complete it).
int Utf8SequenceLength(const unsigned char* p, const unsigned char* end);

// Number of code points in `s`, which must be valid UTF-8.
size_t CodePointCount(std::string_view s);

// Whether `s` contains an ASCII control character other than tab, newline
// and carriage return.
bool HasControlChars(std::string_view s);

// `s` with every byte that does not start a well-formed sequence (see
// Utf8SequenceLength) replaced by U+FFFD. Valid UTF-8 comes back unchanged.
std::string ToValidUtf8(std::string_view s);

// The length in bytes of the longest prefix of `s` (valid UTF-8) that ends on
// a code point boundary and has at most `max_code_points` code points and at
// most `max_bytes` bytes.
size_t Utf8PrefixLength(std::string_view s, size_t max_code_points,
                        size_t max_bytes);

}  // namespace maillage

#endif  // MAILLAGE_BASE_UTF8_H_

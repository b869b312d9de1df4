#ifndef MAILLAGE_BASE_UTF8_H_
#define MAILLAGE_BASE_UTF8_H_

#include <cstddef>
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

}  // namespace maillage

#endif  // MAILLAGE_BASE_UTF8_H_

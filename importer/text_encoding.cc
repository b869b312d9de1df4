#include "importer/text_encoding.h"

#include <cstdint>
#include <cstring>

#include "base/utf8.h"

namespace maillage::importer {
namespace {

// Windows-1252 0x80..0x9F as code points; 0 for the five undefined bytes.
constexpr uint16_t kHighControls[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
    0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

void AppendCodePoint(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace

std::string_view EncodingName(Encoding encoding) {
  switch (encoding) {
    case Encoding::kAuto:
      return "auto";
    case Encoding::kUtf8:
      return "utf-8";
    case Encoding::kWindows1252:
      return "windows-1252";
  }
  return "?";
}

bool IsAscii(std::string_view s) {
  // Eight bytes at a time: most directory fields are ASCII.
  const char* p = s.data();
  size_t n = s.size();
  while (n >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    if (word & 0x8080808080808080ull) return false;
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    if (static_cast<unsigned char>(*p) >= 0x80) return false;
    ++p;
    --n;
  }
  return true;
}

Encoding DetectEncoding(std::string_view sample) {
  const auto* p = reinterpret_cast<const unsigned char*>(sample.data());
  const auto* end = p + sample.size();
  size_t good = 0, bad = 0;
  while (p < end) {
    if (*p < 0x80) {
      ++p;
      continue;
    }
    int length = Utf8SequenceLength(p, end);
    if (length < 0) break;  // cut by the end of the sample
    if (length == 0) {
      ++bad;
      ++p;
    } else {
      ++good;
      p += length;
    }
  }
  return good > bad ? Encoding::kUtf8 : Encoding::kWindows1252;
}

bool AppendWindows1252AsUtf8(std::string_view text, std::string* out,
                             unsigned char* bad_byte) {
  out->reserve(out->size() + text.size() + text.size() / 4);
  for (char ch : text) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out->push_back(ch);
    } else if (c < 0xA0) {
      uint16_t cp = kHighControls[c - 0x80];
      if (cp == 0) {
        *bad_byte = c;
        return false;
      }
      AppendCodePoint(cp, out);
    } else {
      AppendCodePoint(c, out);  // Latin-1 = the first 256 code points
    }
  }
  return true;
}

}  // namespace maillage::importer

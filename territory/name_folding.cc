#include "territory/name_folding.h"

#include <utf8proc.h>

#include <cstdint>

namespace maillage::territory {
namespace {

constexpr utf8proc_option_t kFoldOptions =
    static_cast<utf8proc_option_t>(UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE |
                                   UTF8PROC_STRIPMARK | UTF8PROC_CASEFOLD);

bool IsWordCharacter(utf8proc_int32_t cp) {
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      return true;
    default:
      return false;
  }
}

// Appends folded code points, turning each run of separators into one space
// and dropping separators at the start; the caller trims the end.
class FoldedWriter {
 public:
  explicit FoldedWriter(std::string* out) : out_(out) {}

  void Separator() { pending_space_ = !out_->empty(); }

  void Character(utf8proc_int32_t cp) {
    // Casefolding leaves the French ligatures alone (they have no
    // decomposition); people type them as two letters.
    if (cp == 0x0153) {  // œ
      Ascii("oe");
    } else if (cp == 0x00E6) {  // æ
      Ascii("ae");
    } else if (IsWordCharacter(cp)) {
      Flush();
      utf8proc_uint8_t buf[4];
      utf8proc_ssize_t n = utf8proc_encode_char(cp, buf);
      out_->append(reinterpret_cast<const char*>(buf), n);
    } else {
      Separator();
    }
  }

 private:
  void Ascii(const char* s) {
    Flush();
    out_->append(s);
  }
  void Flush() {
    if (pending_space_) out_->push_back(' ');
    pending_space_ = false;
  }

  std::string* out_;
  bool pending_space_ = false;
};

}  // namespace

std::string FoldName(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  FoldedWriter writer(&out);
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(utf8.data());
  utf8proc_ssize_t remaining = static_cast<utf8proc_ssize_t>(utf8.size());
  while (remaining > 0) {
    utf8proc_int32_t cp;
    utf8proc_ssize_t len = utf8proc_iterate(p, remaining, &cp);
    if (len <= 0) {  // Invalid sequence: skip one byte and resynchronise.
      ++p;
      --remaining;
      continue;
    }
    p += len;
    remaining -= len;
    // The longest full decomposition + casefold of one code point is 18 code
    // points (U+FDFA); leave room.
    utf8proc_int32_t decomposed[32];
    int boundclass = 0;
    utf8proc_ssize_t n =
        utf8proc_decompose_char(cp, decomposed, 32, kFoldOptions, &boundclass);
    if (n < 0 || n > 32) {
      writer.Separator();
      continue;
    }
    for (utf8proc_ssize_t i = 0; i < n; ++i) writer.Character(decomposed[i]);
  }
  return out;
}

}  // namespace maillage::territory

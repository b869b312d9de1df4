#ifndef MAILLAGE_IMPORTER_TEXT_ENCODING_H_
#define MAILLAGE_IMPORTER_TEXT_ENCODING_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace maillage::importer {

// The character encoding of a text file. Directory files come in UTF-8 or,
// when exported from older tools or Excel, in Windows-1252 (a superset of
// Latin-1 on printable characters).
enum class Encoding {
  kAuto = 0,  // detect (as an option); "not decided yet" (as a result)
  kUtf8,
  kWindows1252,
};

// "auto", "utf-8", "windows-1252".
std::string_view EncodingName(Encoding encoding);

// Whether every byte of `s` is ASCII.
bool IsAscii(std::string_view s);

// Judges a sample of a file that holds non-ASCII bytes: kUtf8 when it has
// more well-formed UTF-8 multi-byte sequences than bytes that cannot be
// UTF-8, kWindows1252 otherwise. Text written in Windows-1252 or Latin-1
// practically never forms valid UTF-8 sequences ("é" then a letter is not
// one), while a UTF-8 file with a few stray Latin-1 bytes stays UTF-8 (and
// the rows holding them are rejected). Both encodings agree on ASCII, so
// rows read before the decision are unaffected by it.
Encoding DetectEncoding(std::string_view sample);

// Appends `text`, read as Windows-1252, to `out` as UTF-8. Returns false,
// leaving `*bad_byte` set, when `text` holds one of the five bytes that
// Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D); `out` then
// holds a partial conversion.
bool AppendWindows1252AsUtf8(std::string_view text, std::string* out,
                             unsigned char* bad_byte);

}  // namespace maillage::importer

#endif  // MAILLAGE_IMPORTER_TEXT_ENCODING_H_

#ifndef MAILLAGE_FUZZ_FUZZ_SUPPORT_H_
#define MAILLAGE_FUZZ_FUZZ_SUPPORT_H_

// What the libFuzzer targets in fuzz/ share: the reference data, loaded once
// per process, a scratch file for the readers that open paths, and checks
// that abort (so that libFuzzer records a crash) when an invariant breaks.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "google/protobuf/message.h"
#include "importer/directory_reader.h"
#include "importer/mappings.h"
#include "matcher/vocabulary.h"
#include "territory/geography.h"

namespace maillage::fuzz {

// Prints the failed condition and aborts. Not for input errors: only for
// broken invariants, which are bugs.
[[noreturn]] void Fail(const char* condition, const char* file, int line);

#define FUZZ_CHECK(condition)         \
  ((condition) ? static_cast<void>(0) \
               : ::maillage::fuzz::Fail(#condition, __FILE__, __LINE__))

// The shipped reference data of the source tree (reference/geo,
// reference/vocab, reference/mappings), loaded at the first call and kept
// for the life of the process; aborts when it cannot be loaded.
const territory::Geography& ReferenceGeography();
const matcher::Vocabulary& ReferenceVocabulary();
const importer::Mappings& ReferenceMappings();

// The path of a file of importer/testdata.
std::string TestdataPath(std::string_view name);

// A file of its own in $TMPDIR (default /tmp) that each input is written to,
// for the directory readers, which read files. Removed by the destructor.
// Not thread-safe.
class ScratchFile {
 public:
  explicit ScratchFile(std::string_view suffix);
  ~ScratchFile();
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;

  // Replaces the file's content; aborts on an I/O error.
  void Write(const uint8_t* data, size_t size);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Makes `data` the input of `options`: in memory (options->content, as an
// upload to the HTTP face is read), or, when it starts with gzip's magic
// bytes, written to `file` and read from there (only files are gunzipped).
// In memory is what keeps the directory-reader targets fast: no file
// written, opened and closed per input.
void UseAsInput(const uint8_t* data, size_t size, ScratchFile& file,
                importer::DirectoryOptions* options);

// Whether every string field of `message`, nested messages included, is
// well-formed UTF-8 (what proto3 requires of a string before it is sent).
bool StringsAreUtf8(const google::protobuf::Message& message);

// Reads every row of `options` and checks what any directory reader
// promises: rows numbered in increasing order, counters that add up, a
// reason for every row left out, and actors with an id, valid UTF-8 text,
// names within the API limit and a current commune code (CSV formats).
// `check`, when given, sees every row too. Returns the number of rows read
// (0 when the file cannot be opened: no header, missing columns...).
int64_t ReadAndCheckRows(
    const importer::DirectoryOptions& options,
    const std::function<void(const importer::Row&)>& check = nullptr);

}  // namespace maillage::fuzz

#endif  // MAILLAGE_FUZZ_FUZZ_SUPPORT_H_

#ifndef MAILLAGE_IMPORTER_BYTE_SOURCE_H_
#define MAILLAGE_IMPORTER_BYTE_SOURCE_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace maillage::importer {

// A forward-only stream of bytes: a file, gzip'd or not, or a string.
// Not thread-safe.
class ByteSource {
 public:
  virtual ~ByteSource() = default;

  // Reads up to `capacity` bytes into `buffer`. Returns how many were read;
  // 0 means the end of the data. DataLoss on a corrupt gzip stream,
  // Unavailable on an I/O error; the message names the file.
  virtual absl::StatusOr<size_t> Read(char* buffer, size_t capacity) = 0;

  // The file name for messages ("<string>" for in-memory data).
  virtual const std::string& name() const = 0;

  // The bytes left to read when known without reading them (in-memory
  // data, a plain file's size), else nullopt (gzip'd data). A hint for
  // sizing buffers: a file may still grow or shrink while it is read.
  virtual std::optional<size_t> SizeHint() const { return std::nullopt; }
};

// Opens `path` for reading. The content is gunzipped when it starts with the
// gzip magic bytes (whatever the file is called), read as is otherwise (with
// read(2), without zlib's buffers).
// NotFound when the file is missing, PermissionDenied when unreadable.
absl::StatusOr<std::unique_ptr<ByteSource>> OpenFile(const std::string& path);

// The bytes of `data` (shared, not copied: an upload held by the HTTP face),
// named `name` in messages.
std::unique_ptr<ByteSource> SharedStringSource(
    std::shared_ptr<const std::string> data, std::string name);

// The bytes of `data` (copied), named `name` in messages.
std::unique_ptr<ByteSource> StringSource(std::string data,
                                         std::string name = "<string>");

}  // namespace maillage::importer

#endif  // MAILLAGE_IMPORTER_BYTE_SOURCE_H_

#ifndef MAILLAGE_SERVICES_HTTP_STATIC_FILES_H_
#define MAILLAGE_SERVICES_HTTP_STATIC_FILES_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

// The dashboard's files (web/, built into build/web/dist), served by the HTTP
// face next to the API.
namespace maillage::services::http {

// One file as it is answered.
struct StaticFile {
  std::string content_type;
  std::string body;
  std::string gzip_body;  // the build's precompressed ".gz" twin, or empty
  std::string etag;       // quoted, from the content's digest
  // Files under /assets/ carry a digest in their names (the bundler's
  // output): cached for a year. Anything else is revalidated each time.
  bool immutable = false;
};

// What GET asks of the files. Thread-safe once loaded (read-only).
//
// Every file of the folder is read into memory at start: a request can only
// name one of those (a map lookup on the URL path), so no request reaches the
// file system and no path can climb out of the folder ("..", "%2e%2e",
// symbolic links: none of them is a key). The folder is small (a few hundred
// KB).
class StaticFiles {
 public:
  // Reads `dir` recursively. NOT_FOUND when it does not exist (the
  // dashboard was not built); files over 16 MiB are refused.
  static absl::StatusOr<std::unique_ptr<StaticFiles>> Load(
      const std::string& dir);

  // The file at URL path `path` ("/" is "/index.html"); nullptr when there
  // is none. Paths under /v1/ and /auth/ are never files.
  const StaticFile* Find(std::string_view path) const;

  size_t size() const { return files_.size(); }

  // The content type of a file name, by its extension
  // ("application/octet-stream" for an unknown one).
  static std::string ContentTypeOf(std::string_view name);

 private:
  absl::flat_hash_map<std::string, StaticFile> files_;  // by URL path
};

}  // namespace maillage::services::http

#endif  // MAILLAGE_SERVICES_HTTP_STATIC_FILES_H_

#include "services/http/static_files.h"

#include <openssl/evp.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace maillage::services::http {
namespace {

namespace fs = std::filesystem;

constexpr uintmax_t kMaxFileBytes = 16 << 20;

// A strong validator: the first 16 bytes of the content's SHA-256, in hex.
std::string EtagOf(const std::string& content) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(content.data(), content.size(), digest, &length, EVP_sha256(),
             nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string etag = "\"";
  for (unsigned int i = 0; i < 16 && i < length; ++i) {
    etag.push_back(kHex[digest[i] >> 4]);
    etag.push_back(kHex[digest[i] & 15]);
  }
  etag.push_back('"');
  return etag;
}

absl::StatusOr<std::string> ReadWhole(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  if (!in && !in.eof()) {
    return absl::InternalError(absl::StrCat("cannot read ", path.string()));
  }
  return content.str();
}

}  // namespace

std::string StaticFiles::ContentTypeOf(std::string_view name) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"},
      {".md", "text/plain; charset=utf-8"},
      {".map", "application/json"},
      {".woff2", "font/woff2"},
  };
  std::string lower = absl::AsciiStrToLower(std::string(name));
  for (const auto& [extension, type] : kTypes) {
    if (lower.size() >= extension.size() &&
        lower.compare(lower.size() - extension.size(), extension.size(),
                      extension) == 0) {
      return std::string(type);
    }
  }
  return "application/octet-stream";
}

absl::StatusOr<std::unique_ptr<StaticFiles>> StaticFiles::Load(
    const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return absl::NotFoundError(absl::StrCat("no dashboard folder at ", dir));
  }
  auto files = std::unique_ptr<StaticFiles>(new StaticFiles());
  // The ".gz" twins, attached to their files once every file is read.
  absl::flat_hash_map<std::string, std::string> compressed;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    if (it->file_size(ec) > kMaxFileBytes) {
      return absl::FailedPreconditionError(
          absl::StrCat(it->path().string(), " is over 16 MiB"));
    }
    absl::StatusOr<std::string> content = ReadWhole(it->path());
    if (!content.ok()) return content.status();
    std::string url = "/" + fs::relative(it->path(), dir, ec).generic_string();
    if (absl::EndsWith(url, ".gz")) {
      compressed[url.substr(0, url.size() - 3)] = *std::move(content);
      continue;
    }
    StaticFile file;
    file.content_type = ContentTypeOf(url);
    file.etag = EtagOf(*content);
    file.immutable = absl::StartsWith(url, "/assets/");
    file.body = *std::move(content);
    files->files_[url] = std::move(file);
  }
  if (ec) {
    return absl::InternalError(
        absl::StrCat("cannot list ", dir, ": ", ec.message()));
  }
  for (auto& [url, body] : compressed) {
    auto it = files->files_.find(url);
    if (it != files->files_.end()) it->second.gzip_body = std::move(body);
  }
  return files;
}

const StaticFile* StaticFiles::Find(std::string_view path) const {
  if (path.substr(0, 4) == "/v1/" || path.substr(0, 6) == "/auth/") {
    return nullptr;
  }
  if (path == "/") path = "/index.html";
  auto it = files_.find(std::string(path));
  return it == files_.end() ? nullptr : &it->second;
}

}  // namespace maillage::services::http

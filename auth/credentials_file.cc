#include "auth/credentials_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/strings.h"

namespace maillage::auth {
namespace {

// "localhost:50051" and "127.0.0.1:50051" are the same server.
std::string CanonicalServer(std::string_view server) {
  std::string s(server);
  constexpr std::string_view kLocalhost = "localhost:";
  if (s.compare(0, kLocalhost.size(), kLocalhost) == 0) {
    s = "127.0.0.1:" + s.substr(kLocalhost.size());
  }
  return s;
}

absl::StatusOr<std::vector<std::string>> ReadLines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return lines;
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
  }
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The server and key of a line; nullopt for comments and blank lines.
std::optional<std::pair<std::string, std::string>> ParseLine(
    std::string_view line) {
  absl::string_view stripped = absl::StripAsciiWhitespace(AsAbsl(line));
  if (stripped.empty() || stripped[0] == '#') return std::nullopt;
  size_t space = stripped.find_first_of(" \t");
  if (space == absl::string_view::npos) return std::nullopt;
  std::string key(absl::StripAsciiWhitespace(stripped.substr(space)));
  return std::make_pair(
      CanonicalServer(std::string_view(stripped.data(), space)), key);
}

}  // namespace

std::string DefaultCredentialsPath() {
  if (const char* explicit_path = std::getenv("MAILLAGE_CREDENTIALS")) {
    return explicit_path;
  }
  if (const char* config = std::getenv("XDG_CONFIG_HOME");
      config != nullptr && *config != '\0') {
    return absl::StrCat(config, "/maillage/credentials");
  }
  if (const char* home = std::getenv("HOME");
      home != nullptr && *home != '\0') {
    return absl::StrCat(home, "/.config/maillage/credentials");
  }
  return "";
}

absl::StatusOr<std::optional<std::string>> FindStoredKey(
    const std::string& path, std::string_view server) {
  auto lines = ReadLines(path);
  if (!lines.ok()) return lines.status();
  std::string wanted = CanonicalServer(server);
  for (const std::string& line : *lines) {
    auto entry = ParseLine(line);
    if (entry && entry->first == wanted) return entry->second;
  }
  return std::nullopt;
}

std::string LastStoredKey(const std::string& path) {
  auto lines = ReadLines(path);
  std::string key;
  if (!lines.ok()) return key;
  for (const std::string& line : *lines) {
    if (auto entry = ParseLine(line)) key = entry->second;
  }
  return key;
}

absl::Status StoreKey(const std::string& path, std::string_view server,
                      std::string_view key) {
  std::filesystem::path folder = std::filesystem::path(path).parent_path();
  if (!folder.empty() && !std::filesystem::exists(folder)) {
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    if (ec) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot create ", folder.string(), ": ", ec.message()));
    }
    std::filesystem::permissions(folder, std::filesystem::perms::owner_all, ec);
  }
  auto lines = ReadLines(path);
  if (!lines.ok()) return lines.status();
  std::string canonical = CanonicalServer(server);
  std::string content =
      "# Maillage API keys, one per server: <host:port> <key>. Keep this file "
      "private.\n";
  for (const std::string& line : *lines) {
    auto entry = ParseLine(line);
    if (entry && entry->first != canonical)
      absl::StrAppend(&content, line, "\n");
  }
  absl::StrAppend(&content, canonical, " ", AsAbsl(key), "\n");

  std::string temporary = path + ".tmp";
  int fd =
      ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot write ", temporary, ": ", std::strerror(errno)));
  }
  bool written = ::write(fd, content.data(), content.size()) ==
                     static_cast<ssize_t>(content.size()) &&
                 ::fsync(fd) == 0;
  ::close(fd);
  if (!written || std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    return absl::FailedPreconditionError(absl::StrCat("cannot write ", path));
  }
  return absl::OkStatus();
}

}  // namespace maillage::auth

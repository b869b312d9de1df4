#include "cli/progress.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cli/output.h"

namespace maillage::cli {
namespace {

constexpr auto kRedrawEvery = std::chrono::milliseconds(250);

std::optional<int64_t> ReadFdPosition(int fd) {
  std::ifstream info(absl::StrCat("/proc/self/fdinfo/", fd));
  std::string key;
  int64_t value = 0;
  while (info >> key) {
    if (key == "pos:") {
      if (info >> value) return value;
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace

FileOffset FindFileOffset(const std::string& path) {
  char resolved[PATH_MAX];
  if (realpath(path.c_str(), resolved) == nullptr) return nullptr;
  std::string target = resolved;
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return nullptr;
  int found = -1;
  while (const dirent* entry = readdir(dir)) {
    int fd = 0;
    if (!absl::SimpleAtoi(entry->d_name, &fd)) continue;
    char link[PATH_MAX];
    std::string fd_path = absl::StrCat("/proc/self/fd/", fd);
    ssize_t n = readlink(fd_path.c_str(), link, sizeof link - 1);
    if (n <= 0) continue;
    if (std::string(link, static_cast<size_t>(n)) == target && fd > found) {
      found = fd;
    }
  }
  closedir(dir);
  if (found < 0 || !ReadFdPosition(found).has_value()) return nullptr;
  return [found] { return ReadFdPosition(found); };
}

std::string ProgressText(int64_t rows, double seconds, int64_t done_bytes,
                         int64_t total_bytes) {
  std::string text = absl::StrCat(FormatCount(rows), " rows");
  if (seconds > 0.5) {
    absl::StrAppend(&text, "  ",
                    FormatCount(static_cast<int64_t>(rows / seconds)),
                    " rows/s");
  }
  if (total_bytes > 0 && done_bytes > 0) {
    double share = std::min(1.0, static_cast<double>(done_bytes) /
                                     static_cast<double>(total_bytes));
    absl::StrAppend(&text, "  ", FormatPercent(share));
    if (seconds > 0.5 && share > 0) {
      absl::StrAppend(&text, "  ETA ",
                      FormatDuration(seconds * (1 - share) / share));
    }
  }
  return text;
}

ProgressLine::ProgressLine(std::ostream& out, int64_t total_bytes,
                           FileOffset offset)
    : out_(out),
      total_bytes_(total_bytes),
      offset_(std::move(offset)),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

void ProgressLine::Update(int64_t rows) {
  auto now = std::chrono::steady_clock::now();
  if (now - last_ < kRedrawEvery) return;
  last_ = now;
  int64_t done = 0;
  if (offset_ != nullptr) done = offset_().value_or(0);
  double seconds = std::chrono::duration<double>(now - start_).count();
  // "\r", the text, then erase what a longer previous text left.
  out_ << '\r' << ProgressText(rows, seconds, done, total_bytes_) << "\x1b[K"
       << std::flush;
  drawn_ = true;
}

void ProgressLine::Clear() {
  if (!drawn_) return;
  out_ << "\r\x1b[K" << std::flush;
  drawn_ = false;
}

}  // namespace maillage::cli

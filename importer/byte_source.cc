#include "importer/byte_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace maillage::importer {
namespace {

// A gzip'd file; a 256 KiB buffer keeps read(2) calls rare.
class GzipFileSource final : public ByteSource {
 public:
  GzipFileSource(gzFile file, std::string name)
      : file_(file), name_(std::move(name)) {}
  ~GzipFileSource() override { gzclose(file_); }

  absl::StatusOr<size_t> Read(char* buffer, size_t capacity) override {
    unsigned want =
        static_cast<unsigned>(std::min<size_t>(capacity, INT_MAX / 2));
    int got = gzread(file_, buffer, want);
    if (got >= 0) return static_cast<size_t>(got);
    int code = Z_OK;
    const char* message = gzerror(file_, &code);
    if (code == Z_ERRNO) {
      return absl::UnavailableError(
          absl::StrCat("cannot read ", name_, ": ", std::strerror(errno)));
    }
    return absl::DataLossError(absl::StrCat(name_, ": corrupt gzip data (",
                                            message != nullptr ? message : "?",
                                            ")"));
  }

  const std::string& name() const override { return name_; }

 private:
  gzFile file_;
  std::string name_;
};

// A plain file, read straight into the reader's buffer.
class PlainFileSource final : public ByteSource {
 public:
  PlainFileSource(int fd, std::optional<size_t> size, std::string name)
      : fd_(fd), size_(size), name_(std::move(name)) {}
  ~PlainFileSource() override { close(fd_); }

  absl::StatusOr<size_t> Read(char* buffer, size_t capacity) override {
    while (true) {
      ssize_t got = read(fd_, buffer, std::min<size_t>(capacity, INT_MAX / 2));
      if (got >= 0) {
        read_ += static_cast<size_t>(got);
        return static_cast<size_t>(got);
      }
      if (errno != EINTR) {
        return absl::UnavailableError(
            absl::StrCat("cannot read ", name_, ": ", std::strerror(errno)));
      }
    }
  }

  const std::string& name() const override { return name_; }

  std::optional<size_t> SizeHint() const override {
    if (!size_.has_value()) return std::nullopt;
    return *size_ > read_ ? *size_ - read_ : 0;
  }

 private:
  int fd_;
  std::optional<size_t> size_;  // a regular file's size when opened
  size_t read_ = 0;
  std::string name_;
};

class InMemorySource final : public ByteSource {
 public:
  InMemorySource(std::string data, std::string name)
      : data_(std::move(data)), name_(std::move(name)) {}

  absl::StatusOr<size_t> Read(char* buffer, size_t capacity) override {
    size_t n = std::min(capacity, data_.size() - offset_);
    std::memcpy(buffer, data_.data() + offset_, n);
    offset_ += n;
    return n;
  }

  const std::string& name() const override { return name_; }
  std::optional<size_t> SizeHint() const override {
    return data_.size() - offset_;
  }

 private:
  std::string data_;
  size_t offset_ = 0;
  std::string name_;
};

// The bytes of a string owned elsewhere.
class SharedSource final : public ByteSource {
 public:
  SharedSource(std::shared_ptr<const std::string> data, std::string name)
      : data_(std::move(data)), name_(std::move(name)) {}

  absl::StatusOr<size_t> Read(char* buffer, size_t capacity) override {
    size_t n = std::min(capacity, data_->size() - offset_);
    std::memcpy(buffer, data_->data() + offset_, n);
    offset_ += n;
    return n;
  }

  const std::string& name() const override { return name_; }
  std::optional<size_t> SizeHint() const override {
    return data_->size() - offset_;
  }

 private:
  std::shared_ptr<const std::string> data_;
  size_t offset_ = 0;
  std::string name_;
};

absl::Status OpenError(const std::string& path, int err) {
  std::string message = absl::StrCat("cannot open ", path, ": ",
                                     err != 0 ? std::strerror(err) : "?");
  if (err == ENOENT) return absl::NotFoundError(message);
  if (err == EACCES) return absl::PermissionDeniedError(message);
  return absl::UnavailableError(message);
}

// Whether the file starts with gzip's magic bytes; reads from its start
// with pread, so the offset stays at 0.
absl::StatusOr<bool> StartsLikeGzip(int fd, const std::string& path) {
  unsigned char magic[2] = {0, 0};
  ssize_t got;
  do {
    got = pread(fd, magic, sizeof magic, 0);
  } while (got < 0 && errno == EINTR);
  if (got < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
  }
  return got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ByteSource>> OpenFile(const std::string& path) {
  int fd;
  do {
    fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return OpenError(path, errno);
  auto gzip = StartsLikeGzip(fd, path);
  if (!gzip.ok()) {
    close(fd);
    return gzip.status();
  }
  if (!*gzip) {
    struct stat info {};
    std::optional<size_t> size;
    if (fstat(fd, &info) == 0 && S_ISREG(info.st_mode)) {
      size = static_cast<size_t>(info.st_size);
    }
    return std::make_unique<PlainFileSource>(fd, size, path);
  }
  gzFile file = gzdopen(fd, "rb");  // closes fd from gzclose on
  if (file == nullptr) {
    close(fd);
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot open ", path, ": out of memory"));
  }
  gzbuffer(file, 256 << 10);
  return std::make_unique<GzipFileSource>(file, path);
}

std::unique_ptr<ByteSource> SharedStringSource(
    std::shared_ptr<const std::string> data, std::string name) {
  return std::make_unique<SharedSource>(std::move(data), std::move(name));
}

std::unique_ptr<ByteSource> StringSource(std::string data, std::string name) {
  return std::make_unique<InMemorySource>(std::move(data), std::move(name));
}

}  // namespace maillage::importer

#include "importer/byte_source.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace maillage::importer {
namespace {

// zlib's gz* functions read plain files transparently, so one class serves
// both; a 256 KiB buffer keeps read(2) calls rare.
class FileSource final : public ByteSource {
 public:
  FileSource(gzFile file, std::string name)
      : file_(file), name_(std::move(name)) {}
  ~FileSource() override { gzclose(file_); }

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

 private:
  std::shared_ptr<const std::string> data_;
  size_t offset_ = 0;
  std::string name_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<ByteSource>> OpenFile(const std::string& path) {
  errno = 0;
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) {
    int err = errno;
    std::string message =
        absl::StrCat("cannot open ", path, ": ",
                     err != 0 ? std::strerror(err) : "out of memory");
    if (err == ENOENT) return absl::NotFoundError(message);
    if (err == EACCES) return absl::PermissionDeniedError(message);
    return absl::UnavailableError(message);
  }
  gzbuffer(file, 256 << 10);
  return std::make_unique<FileSource>(file, path);
}

std::unique_ptr<ByteSource> SharedStringSource(
    std::shared_ptr<const std::string> data, std::string name) {
  return std::make_unique<SharedSource>(std::move(data), std::move(name));
}

std::unique_ptr<ByteSource> StringSource(std::string data, std::string name) {
  return std::make_unique<InMemorySource>(std::move(data), std::move(name));
}

}  // namespace maillage::importer

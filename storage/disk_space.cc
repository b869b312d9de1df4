#include "storage/disk_space.h"

#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace maillage::storage {

absl::StatusOr<uint64_t> AvailableDiskBytes(const std::string& path) {
  struct statvfs fs;
  if (statvfs(path.c_str(), &fs) != 0) {
    return absl::UnavailableError(
        absl::StrCat("statvfs ", path, ": ", std::strerror(errno)));
  }
  return static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
}

DiskSpaceGuard::DiskSpaceGuard(Options options, Probe probe)
    : options_(std::move(options)), probe_(std::move(probe)) {}

bool DiskSpaceGuard::Admit(uint64_t bytes) {
  std::lock_guard lock(mu_);
  absl::Time now = absl::Now();
  bool fresh = false;
  if (now - read_at_ >= options_.refresh_interval ||
      admitted_since_ >= options_.refresh_bytes) {
    ReadLocked(now);
    fresh = true;
  }
  if (!FitsLocked(bytes) && !fresh && !refusing_) {
    // About to start refusing on an estimate: confirm with a reading.
    ReadLocked(now);
  }
  refusing_ = !FitsLocked(bytes);
  if (!refusing_) admitted_since_ += bytes;
  return !refusing_;
}

bool DiskSpaceGuard::Refresh() {
  std::lock_guard lock(mu_);
  ReadLocked(absl::Now());
  refusing_ = !FitsLocked(0);
  return !refusing_;
}

bool DiskSpaceGuard::refusing() const {
  std::lock_guard lock(mu_);
  return refusing_;
}

void DiskSpaceGuard::ReadLocked(absl::Time now) {
  absl::StatusOr<uint64_t> available = probe_(options_.path);
  read_at_ = now;
  admitted_since_ = 0;
  have_reading_ = available.ok();
  if (have_reading_) available_ = *available;
}

bool DiskSpaceGuard::FitsLocked(uint64_t bytes) const {
  if (!have_reading_) return true;
  uint64_t needed = options_.reserve_bytes + admitted_since_ + bytes;
  if (refusing_) needed += options_.resume_margin_bytes;
  return available_ >= needed;
}

}  // namespace maillage::storage

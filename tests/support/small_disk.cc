#include "tests/support/small_disk.h"

#include <sys/mount.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

namespace maillage::testing {

SmallDisk::SmallDisk(uint64_t mib) {
  std::string options = "size=" + std::to_string(mib) + "m,mode=0700";
  if (dir_.path().empty()) {
    error_ = "no temporary folder";
  } else if (mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, options.c_str()) !=
             0) {
    error_ = std::string("mount -t tmpfs: ") + std::strerror(errno);
  } else {
    mounted_ = true;
  }
}

SmallDisk::~SmallDisk() {
  // Lazily, in case a child process still holds a file open.
  if (mounted_) umount2(dir_.path().c_str(), MNT_DETACH);
}

bool SmallDisk::WriteBallast(const std::string& name, uint64_t mib) const {
  std::ofstream out(Sub(name), std::ios::binary);
  std::vector<char> chunk(1 << 20, '\0');
  for (uint64_t i = 0; i < mib && out; ++i) {
    out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
  }
  out.flush();
  return static_cast<bool>(out);
}

uint64_t SmallDisk::Available() const {
  struct statvfs fs;
  if (statvfs(dir_.path().c_str(), &fs) != 0) return 0;
  return static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
}

}  // namespace maillage::testing

#ifndef MAILLAGE_TESTS_SUPPORT_SMALL_DISK_H_
#define MAILLAGE_TESTS_SUPPORT_SMALL_DISK_H_

#include <cstdint>
#include <string>

#include "tests/support/temp_dir.h"

namespace maillage::testing {

// A tmpfs of a few MiB mounted on a fresh folder, for the tests of a full
// disk; unmounted (and its content gone) when the object goes away. Mounting
// needs root or CAP_SYS_ADMIN: check mounted() and skip the test with
// error() otherwise.
class SmallDisk {
 public:
  explicit SmallDisk(uint64_t mib);
  ~SmallDisk();
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;

  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  const std::string& path() const { return dir_.path(); }
  std::string Sub(const std::string& name) const { return dir_.Sub(name); }

  // Writes a file of `mib` MiB of zeros (real pages on a tmpfs): the
  // ballast a test deletes to free space. False when it does not fit.
  bool WriteBallast(const std::string& name, uint64_t mib) const;
  // Bytes still available on the disk.
  uint64_t Available() const;

 private:
  TempDir dir_;
  bool mounted_ = false;
  std::string error_;
};

}  // namespace maillage::testing

#endif  // MAILLAGE_TESTS_SUPPORT_SMALL_DISK_H_

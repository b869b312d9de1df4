#include "base/install_dirs.h"

#include <filesystem>
#include <system_error>

namespace maillage::base {

std::string InstalledShareDir(const std::string& folder,
                              const std::string& must_hold) {
  std::error_code ec;
  std::filesystem::path program =
      std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  std::filesystem::path installed =
      program.parent_path().parent_path() / "share" / "maillage" / folder;
  if (!std::filesystem::exists(installed / must_hold, ec)) return "";
  return installed.string();
}

std::string InstalledReferenceDir(const std::string& must_hold) {
  return InstalledShareDir("reference", must_hold);
}

}  // namespace maillage::base

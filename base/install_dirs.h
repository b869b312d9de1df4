#ifndef MAILLAGE_BASE_INSTALL_DIRS_H_
#define MAILLAGE_BASE_INSTALL_DIRS_H_

#include <string>

namespace maillage::base {

// The reference data installed beside the running program: `cmake
// --install` puts the binaries in <prefix>/bin and the data in
// <prefix>/share/maillage/reference (the Docker image: /usr). Empty when the
// program does not run from such a tree (a build tree), or when the folder
// lacks `must_hold` (a subfolder, "geo" or "mappings").
std::string InstalledReferenceDir(const std::string& must_hold);

// The same for any folder of <prefix>/share/maillage beside the running
// program: `folder` ("reference", "web"), which must hold `must_hold` (a
// file or a subfolder). Empty otherwise.
std::string InstalledShareDir(const std::string& folder,
                              const std::string& must_hold);

}  // namespace maillage::base

#endif  // MAILLAGE_BASE_INSTALL_DIRS_H_

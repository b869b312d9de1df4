#include "tests/support/test_pki.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"

namespace maillage::testing {
namespace {

constexpr char kNewKey[] =
    "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";

void Write(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
}

}  // namespace

bool TestPki::Run(const std::string& arguments) const {
  std::string command =
      "openssl " + arguments + " >" + dir_.Sub("openssl.log") + " 2>&1";
  if (std::system(command.c_str()) == 0) return true;
  ADD_FAILURE() << command << " failed:\n" << Read(dir_.Sub("openssl.log"));
  return false;
}

CertificateFiles TestPki::MakeAuthority(const std::string& name) {
  CertificateFiles ca{Path(name + ".pem"), Path(name + ".key")};
  Run("req -x509 " + std::string(kNewKey) + " -days 2 -subj '/CN=" + name +
      "' -addext basicConstraints=critical,CA:TRUE"
      " -addext keyUsage=critical,keyCertSign,cRLSign -keyout " +
      ca.key + " -out " + ca.cert);
  return ca;
}

CertificateFiles TestPki::MakeServer(const std::string& name,
                                     const CertificateFiles& ca) {
  return MakeLeaf(name, ca,
                  "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                  "extendedKeyUsage=serverAuth\n");
}

CertificateFiles TestPki::MakeClient(const std::string& name,
                                     const CertificateFiles& ca) {
  return MakeLeaf(
      name, ca,
      "subjectAltName=DNS:" + name + "\nextendedKeyUsage=clientAuth\n");
}

CertificateFiles TestPki::MakeLeaf(const std::string& name,
                                   const CertificateFiles& ca,
                                   const std::string& extensions) {
  // Files named after the serial too: two certificates may share a name.
  std::string serial = std::to_string(++serial_);
  std::string base = name + "-" + serial;
  CertificateFiles leaf{Path(base + ".pem"), Path(base + ".key")};
  std::string csr = Path(base + ".csr");
  std::string ext = Path(base + ".ext");
  Write(ext, "basicConstraints=CA:FALSE\n" + extensions);
  if (!Run("req -new " + std::string(kNewKey) + " -subj '/CN=" + name +
           "' -keyout " + leaf.key + " -out " + csr)) {
    return leaf;
  }
  Run("x509 -req -in " + csr + " -CA " + ca.cert + " -CAkey " + ca.key +
      " -set_serial " + serial + " -days 2 -extfile " + ext + " -out " +
      leaf.cert);
  return leaf;
}

std::string TestPki::Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

}  // namespace maillage::testing

#ifndef MAILLAGE_TESTS_SUPPORT_TEST_PKI_H_
#define MAILLAGE_TESTS_SUPPORT_TEST_PKI_H_

#include <string>

#include "tests/support/temp_dir.h"

namespace maillage::testing {

// PEM files of one certificate and its key.
struct CertificateFiles {
  std::string cert;
  std::string key;
};

// A throwaway public key infrastructure for TLS tests, made with the
// `openssl` command in a temporary folder: certificate authorities, and
// certificates they sign (P-256 keys, valid two days). Files stay until the
// object goes away. Failures are test failures (gtest), and leave the files
// empty.
class TestPki {
 public:
  TestPki() = default;

  // A self-signed certificate authority named `name` (subject CN=<name>);
  // its certificate and key.
  CertificateFiles MakeAuthority(const std::string& name);
  // A server certificate for 127.0.0.1 and localhost (subject CN=<name>,
  // subject alternative names IP:127.0.0.1, DNS:localhost), signed by `ca`.
  CertificateFiles MakeServer(const std::string& name,
                              const CertificateFiles& ca);
  // A client certificate (subject CN=<name>, subject alternative name
  // DNS:<name>) signed by `ca`.
  CertificateFiles MakeClient(const std::string& name,
                              const CertificateFiles& ca);

  // The contents of a file ("" when it cannot be read).
  static std::string Read(const std::string& path);
  std::string Path(const std::string& name) const { return dir_.Sub(name); }

 private:
  CertificateFiles MakeLeaf(const std::string& name, const CertificateFiles& ca,
                            const std::string& extensions);
  // Runs an openssl command line (output discarded); false on failure.
  bool Run(const std::string& arguments) const;

  TempDir dir_;
  int serial_ = 1000;
};

}  // namespace maillage::testing

#endif  // MAILLAGE_TESTS_SUPPORT_TEST_PKI_H_

#ifndef MAILLAGE_AUTH_CERT_PRINCIPALS_H_
#define MAILLAGE_AUTH_CERT_PRINCIPALS_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "auth/authenticator.h"
#include "auth/principal.h"

namespace maillage::auth {

// The principals of client certificates (mTLS): which verified certificate
// identity acts as whom. Loaded from a mapping file, one identity a line:
//
//   # comment lines and blank lines are ignored
//   CN=platform.example.org role=partner partner=benevolat
//   scope=departement:79,departement:86 workspace=w1 DNS:importer.lab.example
//   scope=* role=importer name="Import nightly" "CN=Lab Nouvelle-Aquitaine"
//   role=animator scope=region:75 workspace=lab-na
//
// The first token is the identity, as the server reads it from a verified
// certificate (services::PeerIdentities): "CN=<common name>", "DNS:<name>"
// or "URI:<uri>", in double quotes when it holds spaces. Then key=value
// attributes, in any order, each at most once (a value in double quotes may
// hold spaces; no escapes):
//  - role (required): reader, partner, animator, importer or admin;
//  - scope (required): territories "level:code" separated by commas, or "*"
//    for every territory (the default is not "everything");
//  - workspace: the principal's workspace (default "default");
//  - partner: the namespace of a partner's actors (ext:<partner>:…),
//    required for role=partner and refused for the other roles;
//  - name: a display name (default: the identity).
// An identity may appear once. The principal's id is "cert:<identity>".
//
// Immutable once loaded; thread-safe.
class CertificatePrincipals final : public Authenticator {
 public:
  // Parses mapping text; INVALID_ARGUMENT naming `source` (a file name, for
  // messages), the line number and what is wrong, at the first bad line.
  static absl::StatusOr<std::unique_ptr<CertificatePrincipals>> Parse(
      std::string_view text, std::string_view source);
  // Reads and parses the file at `path` (NOT_FOUND when it cannot be read).
  static absl::StatusOr<std::unique_ptr<CertificatePrincipals>> Load(
      const std::string& path);

  // The principal of the first of credentials.peer_identities that the
  // mapping knows. UNAUTHENTICATED when the call has no verified client
  // certificate, or when none of its identities is mapped (the message names
  // them: certificate identities are not secrets). The bearer is ignored.
  absl::StatusOr<Principal> Authenticate(
      const Credentials& credentials) const override;

  size_t size() const { return principals_.size(); }

 private:
  explicit CertificatePrincipals(std::map<std::string, Principal> principals)
      : principals_(std::move(principals)) {}

  // Identity ("CN=…") -> its principal.
  const std::map<std::string, Principal> principals_;
};

}  // namespace maillage::auth

#endif  // MAILLAGE_AUTH_CERT_PRINCIPALS_H_

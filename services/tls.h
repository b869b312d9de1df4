#ifndef MAILLAGE_SERVICES_TLS_H_
#define MAILLAGE_SERVICES_TLS_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/security/auth_context.h"
#include "grpcpp/security/server_credentials.h"

// Transport security of the server: TLS from certificate files reloaded while
// serving, optional client certificates (mTLS), the identities of a verified
// client certificate, and which listening addresses may go without TLS.
namespace maillage::services {

struct TlsOptions {
  // PEM files of the server's certificate chain (leaf first) and its private
  // key. An empty cert_file means no TLS.
  std::string cert_file;
  std::string key_file;
  // PEM file of the certificate authorities whose client certificates are
  // accepted. Empty: clients are not asked for a certificate. Set: a client
  // certificate, when presented, must verify against it.
  std::string client_ca_file;
  // With client_ca_file: a client without a verified certificate is refused
  // during the handshake.
  bool require_client_certificate = false;
  // How often the files are read again: a certificate replaced on disk is
  // served to new connections within this long, without restart (whole
  // seconds, at least 1). Established connections keep their certificate.
  absl::Duration reload_interval = absl::Seconds(10);

  bool enabled() const { return !cert_file.empty(); }
};

// Checks that the files of `options` exist and hold what they should (a PEM
// certificate chain, a private key matching its first certificate, CA
// certificates) and that the options are consistent. INVALID_ARGUMENT or
// NOT_FOUND naming the server flag (--tls_cert, --tls_key, --tls_client_ca,
// --tls_require_client_cert) and the file otherwise. Only meaningful when
// options.enabled().
absl::Status ValidateTlsOptions(const TlsOptions& options);

// Server credentials for `options` (validated first, see above): TLS 1.2+
// with the certificate and key files (and the client CA file) watched by
// gRPC and reloaded every reload_interval. A file that becomes unreadable or
// invalid later leaves the last good certificate in use (gRPC logs it).
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> TlsServerCredentials(
    const TlsOptions& options);

// Whether `listen_address` (a gRPC server address: "host:port", "[v6]:port",
// "unix:path") only accepts connections from this machine: 127.0.0.0/8, ::1
// (and ::ffff:127.x.y.z), "localhost" and unix sockets. 0.0.0.0, [::], an
// empty host, any other name or address are not.
bool IsLoopbackAddress(std::string_view listen_address);

// Refuses a plaintext listener on a non-loopback address: OK when TLS is
// enabled, when the address is loopback, or when `insecure` says so (then a
// warning goes to stderr); FAILED_PRECONDITION naming --tls_cert and
// --insecure otherwise.
absl::Status CheckPlaintextAllowed(std::string_view listen_address,
                                   const TlsOptions& tls, bool insecure);

// The identities of the call's client certificate, when the connection is
// TLS and the certificate was verified against the client CA: "CN=<subject
// common name>", then "DNS:<name>" and "URI:<uri>" for its subject
// alternative names, in the certificate's order. Empty otherwise (plaintext,
// no client certificate). What auth::Credentials::peer_identities holds.
std::vector<std::string> PeerIdentities(const grpc::AuthContext& context);

}  // namespace maillage::services

#endif  // MAILLAGE_SERVICES_TLS_H_

#include "services/tls.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/log.h"
#include "base/strings.h"
#include "grpc/grpc_security_constants.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"

namespace maillage::services {
namespace {

// What a file is, for error messages: "the TLS certificate (--tls_cert)".
struct FileRole {
  const char* what;
  const char* flag;
};
constexpr FileRole kCertRole{"the TLS certificate", "--tls_cert"};
constexpr FileRole kKeyRole{"the TLS private key", "--tls_key"};
constexpr FileRole kClientCaRole{"the client CA certificates",
                                 "--tls_client_ca"};

std::string Describe(const FileRole& role, const std::string& path) {
  return absl::StrCat(role.what, " (", role.flag, "=", path, ")");
}

absl::StatusOr<std::string> ReadFile(const FileRole& role,
                                     const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat(Describe(role, path), " cannot be read"));
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Deleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct KeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Certificate = std::unique_ptr<X509, X509Deleter>;

// The PEM certificates of `pem`, in order; INVALID_ARGUMENT when there is
// none.
absl::StatusOr<std::vector<Certificate>> ParseCertificates(
    const FileRole& role, const std::string& path, const std::string& pem) {
  std::unique_ptr<BIO, BioDeleter> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  std::vector<Certificate> certificates;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    certificates.emplace_back(cert);
  }
  ERR_clear_error();  // the end of the file reads as an error
  if (certificates.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(Describe(role, path),
                     " holds no PEM certificate (\"-----BEGIN "
                     "CERTIFICATE-----\")"));
  }
  return certificates;
}

absl::Status CheckKeyMatches(const std::string& key_path,
                             const std::string& key_pem,
                             const std::string& cert_path, X509* leaf) {
  std::unique_ptr<BIO, BioDeleter> bio(
      BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())));
  std::unique_ptr<EVP_PKEY, KeyDeleter> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (key == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        Describe(kKeyRole, key_path),
        " holds no unencrypted PEM private key (\"-----BEGIN PRIVATE "
        "KEY-----\")"));
  }
  if (X509_check_private_key(leaf, key.get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        absl::StrCat(Describe(kKeyRole, key_path),
                     " is not the key of the first certificate of ",
                     Describe(kCertRole, cert_path)));
  }
  return absl::OkStatus();
}

absl::Status CheckConsistency(const TlsOptions& options) {
  if (options.key_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls_cert needs --tls_key (the certificate's private key)");
  }
  if (options.require_client_certificate && options.client_ca_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls_require_client_cert needs --tls_client_ca (the authorities "
        "whose client certificates are accepted)");
  }
  if (options.reload_interval < absl::Seconds(1)) {
    return absl::InvalidArgumentError(
        "--tls_reload_interval must be at least 1s");
  }
  return absl::OkStatus();
}

unsigned ReloadSeconds(absl::Duration interval) {
  int64_t seconds = absl::ToInt64Seconds(interval);
  return static_cast<unsigned>(std::clamp<int64_t>(seconds, 1, 86400));
}

// "host" of "host:port", "[v6]:port" or "v6" (no port); the address itself
// otherwise.
std::string_view HostOf(std::string_view address) {
  if (!address.empty() && address.front() == '[') {
    size_t end = address.find(']');
    return end == std::string_view::npos ? address.substr(1)
                                         : address.substr(1, end - 1);
  }
  size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return address;
  if (address.find(':') != colon) return address;  // bare IPv6, no port
  return address.substr(0, colon);
}

bool IsLoopbackHost(std::string_view host) {
  std::string name(host);
  if (absl::AsciiStrToLower(name) == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, name.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, name.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

}  // namespace

absl::Status ValidateTlsOptions(const TlsOptions& options) {
  if (absl::Status s = CheckConsistency(options); !s.ok()) return s;
  absl::StatusOr<std::string> cert_pem = ReadFile(kCertRole, options.cert_file);
  if (!cert_pem.ok()) return cert_pem.status();
  auto chain = ParseCertificates(kCertRole, options.cert_file, *cert_pem);
  if (!chain.ok()) return chain.status();
  absl::StatusOr<std::string> key_pem = ReadFile(kKeyRole, options.key_file);
  if (!key_pem.ok()) return key_pem.status();
  if (absl::Status s = CheckKeyMatches(options.key_file, *key_pem,
                                       options.cert_file, chain->front().get());
      !s.ok()) {
    return s;
  }
  if (options.client_ca_file.empty()) return absl::OkStatus();
  absl::StatusOr<std::string> ca_pem =
      ReadFile(kClientCaRole, options.client_ca_file);
  if (!ca_pem.ok()) return ca_pem.status();
  return ParseCertificates(kClientCaRole, options.client_ca_file, *ca_pem)
      .status();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> TlsServerCredentials(
    const TlsOptions& options) {
  if (absl::Status s = ValidateTlsOptions(options); !s.ok()) return s;
  auto provider =
      std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
          options.key_file, options.cert_file, options.client_ca_file,
          ReloadSeconds(options.reload_interval));
  grpc::experimental::TlsServerCredentialsOptions tls(provider);
  tls.watch_identity_key_cert_pairs();
  if (options.client_ca_file.empty()) {
    tls.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  } else {
    tls.watch_root_certs();
    tls.set_cert_request_type(
        options.require_client_certificate
            ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
            : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
  }
  return grpc::experimental::TlsServerCredentials(tls);
}

bool IsLoopbackAddress(std::string_view listen_address) {
  if (absl::StartsWith(AsAbsl(listen_address), "unix:") ||
      absl::StartsWith(AsAbsl(listen_address), "unix-abstract:")) {
    return true;
  }
  std::string_view address = listen_address;
  for (std::string_view scheme : {"ipv4:", "ipv6:", "dns:"}) {
    if (absl::StartsWith(AsAbsl(address), AsAbsl(scheme))) {
      address.remove_prefix(scheme.size());
    }
  }
  return IsLoopbackHost(HostOf(address));
}

absl::Status CheckPlaintextAllowed(std::string_view listen_address,
                                   const TlsOptions& tls, bool insecure) {
  if (tls.enabled() || IsLoopbackAddress(listen_address)) {
    return absl::OkStatus();
  }
  if (!insecure) {
    return absl::FailedPreconditionError(absl::StrCat(
        "refusing to listen on ", AsAbsl(listen_address),
        " without TLS: it is not a loopback address, and calls, API keys "
        "and tokens would cross the network in clear. Give --tls_cert and "
        "--tls_key, or --insecure if a TLS proxy or a private network "
        "protects this port"));
  }
  base::Log(base::LogLevel::kWarning, "startup.insecure")
      .Add("address", listen_address)
      .Add("message",
           "without TLS (--insecure): calls, API keys and tokens travel in "
           "clear");
  return absl::OkStatus();
}

std::vector<std::string> PeerIdentities(const grpc::AuthContext& context) {
  std::vector<std::string> identities;
  if (!context.IsPeerAuthenticated()) return identities;
  auto security =
      context.FindPropertyValues(GRPC_TRANSPORT_SECURITY_TYPE_PROPERTY_NAME);
  // "tls" under grpc::experimental::TlsServerCredentials, "ssl" under
  // grpc::SslServerCredentials.
  if (security.empty() ||
      (security.front() != GRPC_TLS_TRANSPORT_SECURITY_TYPE &&
       security.front() != GRPC_SSL_TRANSPORT_SECURITY_TYPE)) {
    return identities;
  }
  auto add = [&](const char* property, std::string_view prefix) {
    for (const grpc::string_ref& value : context.FindPropertyValues(property)) {
      identities.push_back(absl::StrCat(
          AsAbsl(prefix), absl::string_view(value.data(), value.size())));
    }
  };
  add(GRPC_X509_CN_PROPERTY_NAME, "CN=");
  add(GRPC_PEER_DNS_PROPERTY_NAME, "DNS:");
  add(GRPC_PEER_URI_PROPERTY_NAME, "URI:");
  return identities;
}

}  // namespace maillage::services

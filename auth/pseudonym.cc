#include "auth/pseudonym.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "base/strings.h"

namespace maillage::auth {
namespace {

// Keeps these digests apart from every other use of the same secret (the
// API key digests hash "<id>:<secret>", which never starts like this).
constexpr std::string_view kContext = "maillage pseudonym v1";
constexpr size_t kDigestBytesKept = 16;

}  // namespace

bool IsPseudonym(std::string_view id) {
  return id.substr(0, kPseudonymPrefix.size()) == kPseudonymPrefix;
}

std::string Pseudonym(std::string_view secret, std::string_view principal_id) {
  if (principal_id.empty() || IsPseudonym(principal_id)) {
    return std::string(principal_id);
  }
  std::string message(kContext);
  message.push_back('\0');
  message.append(principal_id);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
       digest, &length);
  return absl::StrCat(
      AsAbsl(kPseudonymPrefix),
      absl::BytesToHexString(absl::string_view(
          reinterpret_cast<const char*>(digest), kDigestBytesKept)));
}

}  // namespace maillage::auth

#include "auth/api_key.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "openssl/crypto.h"
#include "openssl/evp.h"
#include "openssl/hmac.h"
#include "openssl/rand.h"

namespace maillage::auth {
namespace {

constexpr size_t kIdBytes = 8;
constexpr size_t kSecretBytes = 32;
constexpr size_t kIdChars = 2 * kIdBytes;
constexpr size_t kSecretChars = 43;  // base64url of 32 bytes, unpadded
constexpr size_t kDigestSecretBytes = 32;

std::string RandomBytes(size_t n) {
  std::string bytes(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()),
                 static_cast<int>(n)) != 1) {
    std::fprintf(stderr, "maillage: the random generator failed\n");
    std::abort();
  }
  return bytes;
}

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool IsBase64Url(std::string_view s) {
  for (char c : s) {
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' ||
          c == '_')) {
      return false;
    }
  }
  return true;
}

std::string ErrnoText() { return std::strerror(errno); }

}  // namespace

std::string ApiKeyToken::ToString() const {
  return absl::StrCat(kApiKeyPrefix.data(), id, "_", secret);
}

ApiKeyToken NewApiKeyToken() {
  ApiKeyToken token;
  token.id = absl::BytesToHexString(RandomBytes(kIdBytes));
  token.secret = absl::WebSafeBase64Escape(RandomBytes(kSecretBytes));
  return token;
}

std::optional<ApiKeyToken> ParseApiKeyToken(std::string_view bearer) {
  constexpr size_t kLength = kApiKeyPrefix.size() + kIdChars + 1 + kSecretChars;
  if (bearer.size() != kLength ||
      bearer.substr(0, kApiKeyPrefix.size()) != kApiKeyPrefix) {
    return std::nullopt;
  }
  std::string_view rest = bearer.substr(kApiKeyPrefix.size());
  std::string_view id = rest.substr(0, kIdChars);
  std::string_view secret = rest.substr(kIdChars + 1);
  if (rest[kIdChars] != '_' || !IsLowerHex(id) || !IsBase64Url(secret)) {
    return std::nullopt;
  }
  return ApiKeyToken{std::string(id), std::string(secret)};
}

std::string ApiKeyDigest(std::string_view digest_secret,
                         const ApiKeyToken& token) {
  std::string message = absl::StrCat(token.id, ":", token.secret);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), digest_secret.data(),
       static_cast<int>(digest_secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
       digest, &length);
  OPENSSL_cleanse(message.data(), message.size());
  return std::string(reinterpret_cast<const char*>(digest), length);
}

bool DigestsEqual(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

absl::StatusOr<std::string> LoadOrCreateDigestSecret(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (in) {
    std::stringstream content;
    content << in.rdbuf();
    std::string secret = content.str();
    if (secret.size() != kDigestSecretBytes) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the key-digest secret ", path, " holds ", secret.size(),
          " bytes, not ", kDigestSecretBytes,
          ": restore it from a backup (API keys cannot be verified without "
          "it)"));
    }
    return secret;
  }
  std::string secret = RandomBytes(kDigestSecretBytes);
  std::string temporary = path + ".tmp";
  int fd =
      ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create ", temporary, ": ", ErrnoText()));
  }
  bool written = ::write(fd, secret.data(), secret.size()) ==
                     static_cast<ssize_t>(secret.size()) &&
                 ::fsync(fd) == 0;
  std::string write_error = ErrnoText();
  ::close(fd);
  if (!written || std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    return absl::FailedPreconditionError(
        absl::StrCat("cannot write ", path, ": ", write_error));
  }
  return secret;
}

}  // namespace maillage::auth

#ifndef MAILLAGE_AUTH_BASE64URL_H_
#define MAILLAGE_AUTH_BASE64URL_H_

#include <optional>
#include <string>
#include <string_view>

namespace maillage::auth {

// Decodes unpadded base64url (RFC 4648 §5, as JWS and JWK use it). Strict:
// nullopt for padding, white space or any byte outside the alphabet, a length
// that no encoding has (4n + 1) and unused trailing bits that are not zero,
// so that every byte string has exactly one accepted encoding.
std::optional<std::string> DecodeBase64Url(std::string_view text);

// The unpadded base64url encoding of `bytes`.
std::string EncodeBase64Url(std::string_view bytes);

}  // namespace maillage::auth

#endif  // MAILLAGE_AUTH_BASE64URL_H_

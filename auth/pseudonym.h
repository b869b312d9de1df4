#ifndef MAILLAGE_AUTH_PSEUDONYM_H_
#define MAILLAGE_AUTH_PSEUDONYM_H_

#include <string>
#include <string_view>

namespace maillage::auth {

// What every pseudonym starts with: no principal id does ("key:", "oidc:",
// "cert:", "local:", "anonymous"), so a pseudonym is never mistaken for a
// principal and is recognised as already pseudonymised.
inline constexpr std::string_view kPseudonymPrefix = "pseudonym:";

// The stable pseudonym of a principal id: kPseudonymPrefix followed by 32
// lower-case hexadecimal digits, the first 16 bytes of HMAC-SHA-256(`secret`,
// a fixed context string, `principal_id`).
//
// The same id and secret always give the same pseudonym (records of one
// principal can still be counted together); without the secret it cannot be
// reversed, nor a guessed id confirmed. The server keys it with its
// key-digest secret (auth/api_key.h), so losing that file makes new
// pseudonyms differ from the old ones. A pseudonym passed in is returned
// unchanged; an empty id stays empty.
std::string Pseudonym(std::string_view secret, std::string_view principal_id);

// Whether `id` is a pseudonym (has kPseudonymPrefix).
bool IsPseudonym(std::string_view id);

}  // namespace maillage::auth

#endif  // MAILLAGE_AUTH_PSEUDONYM_H_

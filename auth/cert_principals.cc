#include "auth/cert_principals.h"

#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/strings.h"

namespace maillage::auth {
namespace {

constexpr size_t kMaxNameLength = 64;

// The whitespace-separated tokens of `line`, with double quotes removed (a
// quoted part may hold spaces). nullopt when a quote is not closed.
std::optional<std::vector<std::string>> Tokenize(std::string_view line) {
  std::vector<std::string> tokens;
  std::string token;
  bool in_token = false;
  bool quoted = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
      in_token = true;
    } else if (!quoted && absl::ascii_isspace(static_cast<unsigned char>(c))) {
      if (in_token) tokens.push_back(std::move(token));
      token.clear();
      in_token = false;
    } else {
      token.push_back(c);
      in_token = true;
    }
  }
  if (quoted) return std::nullopt;
  if (in_token) tokens.push_back(std::move(token));
  return tokens;
}

bool IsValidIdentity(std::string_view identity) {
  for (std::string_view prefix : {"CN=", "DNS:", "URI:"}) {
    if (absl::StartsWith(AsAbsl(identity), AsAbsl(prefix))) {
      return identity.size() > prefix.size();
    }
  }
  return false;
}

// Workspace and partner names: what may go into keys and actor ids.
bool IsValidName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' &&
        c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

// A territory reference "level:code", both parts non-empty, no space.
bool IsValidTerritory(std::string_view ref) {
  size_t colon = ref.find(':');
  if (colon == std::string_view::npos || colon == 0 ||
      colon + 1 == ref.size()) {
    return false;
  }
  for (char c : ref) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Builds one line's principal from its attributes, checking each.
class LineParser {
 public:
  explicit LineParser(std::string identity) {
    principal_.id = absl::StrCat("cert:", identity);
    principal_.display_name = std::move(identity);
  }

  // Takes one "key=value" token; an error message when it is not valid.
  std::optional<std::string> Take(const std::string& token) {
    size_t eq = token.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::StrCat("\"", token, "\" is not key=value");
    }
    std::string key = token.substr(0, eq);
    std::string value = token.substr(eq + 1);
    if (!seen_.insert(key).second) {
      return absl::StrCat(key, "= is given twice");
    }
    if (value.empty()) return absl::StrCat(key, "= has no value");
    if (key == "role") return TakeRole(value);
    if (key == "scope") return TakeScope(value);
    if (key == "workspace") return TakeName(value, &principal_.workspace, key);
    if (key == "partner") return TakeName(value, &principal_.partner, key);
    if (key == "name") {
      principal_.display_name = value;
      return std::nullopt;
    }
    return absl::StrCat("unknown attribute \"", key,
                        "\" (role, scope, workspace, partner, name)");
  }

  // The principal once every token is taken, or what is missing.
  std::optional<std::string> Finish() {
    if (seen_.count("role") == 0) return "role= is missing";
    if (seen_.count("scope") == 0) {
      return "scope= is missing (territories \"level:code,…\", or * for all)";
    }
    bool partner = principal_.role == Role::kPartner;
    if (partner && principal_.partner.empty()) {
      return "role=partner needs partner= (its actors' namespace)";
    }
    if (!partner && !principal_.partner.empty()) {
      return "partner= is only for role=partner";
    }
    return std::nullopt;
  }

  Principal& principal() { return principal_; }

 private:
  std::optional<std::string> TakeRole(const std::string& value) {
    std::optional<Role> role = ParseRole(value);
    if (!role.has_value()) {
      return absl::StrCat("unknown role \"", value,
                          "\" (reader, partner, animator, importer, admin)");
    }
    principal_.role = *role;
    return std::nullopt;
  }

  std::optional<std::string> TakeScope(const std::string& value) {
    if (value == "*") {
      principal_.all_territories = true;
      return std::nullopt;
    }
    std::set<std::string> unique;
    for (absl::string_view part : absl::StrSplit(value, ',')) {
      std::string ref(absl::StripAsciiWhitespace(part));
      if (!IsValidTerritory(ref)) {
        return absl::StrCat("scope: \"", ref,
                            "\" is not a territory \"level:code\" (or use * "
                            "alone for every territory)");
      }
      if (unique.insert(ref).second) principal_.territories.push_back(ref);
    }
    return std::nullopt;
  }

  static std::optional<std::string> TakeName(const std::string& value,
                                             std::string* field,
                                             const std::string& key) {
    if (!IsValidName(value)) {
      return absl::StrCat(key, "=\"", value,
                          "\": letters, digits, '-', '_' and '.' only, at "
                          "most ",
                          kMaxNameLength, " characters");
    }
    *field = value;
    return std::nullopt;
  }

  Principal principal_;
  std::set<std::string> seen_;
};

// One non-blank, non-comment line: its identity and principal, or an error
// message.
absl::StatusOr<std::pair<std::string, Principal>> ParseLine(
    std::string_view line) {
  std::optional<std::vector<std::string>> tokens = Tokenize(line);
  if (!tokens.has_value()) {
    return absl::InvalidArgumentError("a double quote is not closed");
  }
  const std::string& identity = tokens->front();
  if (!IsValidIdentity(identity)) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", identity,
                     "\" is not a certificate identity (CN=<common name>, "
                     "DNS:<name> or URI:<uri>)"));
  }
  LineParser parser(identity);
  for (size_t i = 1; i < tokens->size(); ++i) {
    if (auto error = parser.Take((*tokens)[i])) {
      return absl::InvalidArgumentError(*error);
    }
  }
  if (auto error = parser.Finish()) return absl::InvalidArgumentError(*error);
  return std::make_pair(identity, std::move(parser.principal()));
}

}  // namespace

absl::StatusOr<std::unique_ptr<CertificatePrincipals>>
CertificatePrincipals::Parse(std::string_view text, std::string_view source) {
  std::map<std::string, Principal> principals;
  int number = 0;
  for (absl::string_view raw : absl::StrSplit(AsAbsl(text), '\n')) {
    ++number;
    absl::string_view line = absl::StripAsciiWhitespace(raw);
    if (line.empty() || line.front() == '#') continue;
    auto entry = ParseLine(std::string_view(line.data(), line.size()));
    if (entry.ok() && principals.count(entry->first) != 0) {
      entry = absl::InvalidArgumentError(
          absl::StrCat("\"", entry->first, "\" is mapped twice"));
    }
    if (!entry.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          AsAbsl(source), ":", number, ": ", entry.status().message()));
    }
    principals.insert(*std::move(entry));
  }
  return std::unique_ptr<CertificatePrincipals>(
      new CertificatePrincipals(std::move(principals)));
}

absl::StatusOr<std::unique_ptr<CertificatePrincipals>>
CertificatePrincipals::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(
        "the client certificate principals (--client_cert_principals=", path,
        ") cannot be read"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path);
}

absl::StatusOr<Principal> CertificatePrincipals::Authenticate(
    const Credentials& credentials) const {
  if (credentials.peer_identities.empty()) {
    return absl::UnauthenticatedError(
        "no verified client certificate on this connection");
  }
  for (const std::string& identity : credentials.peer_identities) {
    auto found = principals_.find(identity);
    if (found != principals_.end()) return found->second;
  }
  return absl::UnauthenticatedError(
      absl::StrCat("the client certificate (",
                   absl::StrJoin(credentials.peer_identities, ", "),
                   ") is not mapped to a principal"));
}

}  // namespace maillage::auth

#ifndef MAILLAGE_AUTH_CLAIM_RULES_H_
#define MAILLAGE_AUTH_CLAIM_RULES_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "auth/principal.h"
#include "auth/strict_json.h"

namespace maillage::auth {

// What a rule gives the principal of a token it matches.
struct Grant {
  Role role = Role::kReader;
  std::vector<std::string> territories;  // "level:code"
  bool all_territories = false;
  std::string workspace = std::string(kDefaultWorkspace);
  std::string partner;  // for Role::kPartner only
};

// The conditions of a rule; all must hold (an empty set matches every
// token). E-mail conditions compare case-insensitively and never hold when
// the token says "email_verified": false.
struct ClaimConditions {
  std::string email;         // the "email" claim equals it
  std::string email_domain;  // the part after its '@' equals it
  std::string email_suffix;  // it ends with it
  // Each (claim, value): the top-level claim is the string `value`, or an
  // array of strings holding it ("groups", "siret", "organization"...).
  std::vector<std::pair<std::string, std::string>> claims;
};

struct ClaimRule {
  std::string name;  // for messages; "rule <index>" when the file gives none
  ClaimConditions when;
  Grant grant;
};

// The ordered rules that turn an identity provider's claims into a role, a
// territorial scope, a workspace and a partner namespace. The file:
//
//   {"rules": [
//     {"name": "ANCT staff",
//      "when": {"email_domain": "anct.gouv.fr",
//               "claims": {"groups": "maillage-admins"}},
//      "grant": {"role": "admin", "all_territories": true}},
//     {"name": "Deux-Sèvres animators",
//      "when": {"claims": {"siret": "22790001500018"}},
//      "grant": {"role": "animator", "territories": ["departement:79"],
//                "workspace": "cd79"}},
//     {"name": "Partner",
//      "when": {"claims": {"azp": "partner-app"}},
//      "grant": {"role": "partner", "territories": ["region:75"],
//                "partner": "partnerapp"}}]}
//
// Immutable once parsed; thread-safe.
class ClaimRules {
 public:
  // Parses and validates a rules document: unknown members, an unknown role,
  // a territory not "level:code" (levels commune, epci, ept, departement,
  // region, custom; codes [A-Za-z0-9_.-]{1,64}), territories missing or given
  // with all_territories, a partner missing for the partner role or given to
  // another, an invalid workspace or partner name ([A-Za-z0-9_.-]{1,32}) make
  // it INVALID_ARGUMENT naming the rule's index and name.
  static absl::StatusOr<ClaimRules> Parse(std::string_view text);
  // Parse on the file at `path` (errors name the path).
  static absl::StatusOr<ClaimRules> LoadFile(const std::string& path);

  // The first rule whose conditions all hold for `claims` (the verified
  // token's payload, an object), or nullptr when none does.
  const ClaimRule* Match(const json::Value& claims) const;

  const std::vector<ClaimRule>& rules() const { return rules_; }

 private:
  static absl::StatusOr<ClaimRules> FromDocument(const json::Value& document);
  explicit ClaimRules(std::vector<ClaimRule> rules)
      : rules_(std::move(rules)) {}
  std::vector<ClaimRule> rules_;
};

}  // namespace maillage::auth

#endif  // MAILLAGE_AUTH_CLAIM_RULES_H_

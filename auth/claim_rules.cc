#include "auth/claim_rules.h"

#include <algorithm>
#include <initializer_list>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/strings.h"

namespace maillage::auth {
namespace {

// Rules files are written by hand and hold tens of rules.
constexpr size_t kMaxRulesBytes = 1 << 20;

constexpr std::string_view kTerritoryLevels[] = {
    "commune", "epci", "ept", "departement", "region", "custom"};

bool IsNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' ||
         c == '.' || c == '-';
}

bool IsName(std::string_view s, size_t max) {
  return !s.empty() && s.size() <= max &&
         std::all_of(s.begin(), s.end(), IsNameChar);
}

// "level:code" with a known level and a code of [A-Za-z0-9_.-]{1,64}.
bool IsTerritoryRef(std::string_view ref) {
  size_t colon = ref.find(':');
  if (colon == std::string_view::npos) return false;
  std::string_view level = ref.substr(0, colon);
  return std::find(std::begin(kTerritoryLevels), std::end(kTerritoryLevels),
                   level) != std::end(kTerritoryLevels) &&
         IsName(ref.substr(colon + 1), 64);
}

// Reads one rule; errors say what is wrong, the caller says which rule.
class RuleReader {
 public:
  absl::StatusOr<ClaimRule> Read(const json::Value& rule) {
    if (!rule.is_object()) return Invalid("not an object");
    RETURN_IF_ERROR(OnlyMembers(rule, {"name", "when", "grant"}));
    ClaimRule out;
    if (const json::Value* name = rule.Find("name")) {
      if (!name->is_string()) return Invalid("\"name\" must be a string");
      out.name = name->string();
    }
    const json::Value* when = rule.Find("when");
    if (when == nullptr) return Invalid("\"when\" is missing");
    ASSIGN_OR_RETURN(out.when, ReadConditions(*when));
    const json::Value* grant = rule.Find("grant");
    if (grant == nullptr) return Invalid("\"grant\" is missing");
    ASSIGN_OR_RETURN(out.grant, ReadGrant(*grant));
    return out;
  }

 private:
  static absl::Status Invalid(std::string_view what) {
    return absl::InvalidArgumentError(AsAbsl(what));
  }

  // Refuses members other than `allowed`: a typo in a condition must not
  // silently widen a rule.
  static absl::Status OnlyMembers(
      const json::Value& object,
      std::initializer_list<std::string_view> allowed) {
    for (const auto& member : object.members()) {
      if (std::find(allowed.begin(), allowed.end(), member.first) ==
          allowed.end()) {
        std::string known;
        for (std::string_view name : allowed) {
          absl::StrAppend(&known, known.empty() ? "" : ", ", AsAbsl(name));
        }
        return Invalid(absl::StrCat("unknown member \"", member.first,
                                    "\" (known: ", known, ")"));
      }
    }
    return absl::OkStatus();
  }

  // The optional string member `name` of `object` into *out.
  static absl::Status OptionalString(const json::Value& object,
                                     std::string_view name, std::string* out) {
    const json::Value* value = object.Find(name);
    if (value == nullptr) return absl::OkStatus();
    if (!value->is_string() || value->string().empty()) {
      return Invalid(
          absl::StrCat("\"", AsAbsl(name), "\" must be a non-empty string"));
    }
    *out = value->string();
    return absl::OkStatus();
  }

  static absl::StatusOr<ClaimConditions> ReadConditions(
      const json::Value& when) {
    if (!when.is_object()) return Invalid("\"when\" must be an object");
    RETURN_IF_ERROR(
        OnlyMembers(when, {"email", "email_domain", "email_suffix", "claims"}));
    ClaimConditions out;
    RETURN_IF_ERROR(OptionalString(when, "email", &out.email));
    RETURN_IF_ERROR(OptionalString(when, "email_domain", &out.email_domain));
    RETURN_IF_ERROR(OptionalString(when, "email_suffix", &out.email_suffix));
    if (const json::Value* claims = when.Find("claims")) {
      if (!claims->is_object()) {
        return Invalid("\"claims\" must be an object of claim: value");
      }
      for (const auto& [claim, value] : claims->members()) {
        if (!value.is_string() || value.string().empty()) {
          return Invalid(absl::StrCat(
              "claim \"", claim, "\": the value must be a non-empty string"));
        }
        out.claims.emplace_back(claim, value.string());
      }
    }
    return out;
  }

  static absl::Status ReadTerritories(const json::Value& grant, Grant* out) {
    if (const json::Value* all = grant.Find("all_territories")) {
      if (!all->is_bool()) return Invalid("\"all_territories\" must be a bool");
      out->all_territories = all->boolean();
    }
    const json::Value* list = grant.Find("territories");
    if (list != nullptr && !list->is_array()) {
      return Invalid("\"territories\" must be an array of \"level:code\"");
    }
    if (list != nullptr) {
      for (const json::Value& ref : list->items()) {
        if (!ref.is_string() || !IsTerritoryRef(ref.string())) {
          return Invalid(
              "\"territories\": every entry must be \"level:code\" (levels "
              "commune, epci, ept, departement, region, custom)");
        }
        out->territories.push_back(ref.string());
      }
    }
    if (out->all_territories == !out->territories.empty()) {
      return Invalid(
          "give either \"territories\" (non-empty) or \"all_territories\": "
          "true");
    }
    return absl::OkStatus();
  }

  static absl::StatusOr<Grant> ReadGrant(const json::Value& grant) {
    if (!grant.is_object()) return Invalid("\"grant\" must be an object");
    RETURN_IF_ERROR(OnlyMembers(
        grant,
        {"role", "territories", "all_territories", "workspace", "partner"}));
    Grant out;
    const std::string* role_name = grant.FindString("role");
    std::optional<Role> role;
    if (role_name != nullptr) role = ParseRole(*role_name);
    if (!role.has_value()) {
      return Invalid(
          "\"role\" must be reader, partner, animator, importer or admin");
    }
    out.role = *role;
    RETURN_IF_ERROR(ReadTerritories(grant, &out));
    RETURN_IF_ERROR(OptionalString(grant, "workspace", &out.workspace));
    if (!IsName(out.workspace, 32)) {
      return Invalid("\"workspace\" must be [A-Za-z0-9_.-]{1,32}");
    }
    RETURN_IF_ERROR(OptionalString(grant, "partner", &out.partner));
    if ((out.role == Role::kPartner) == out.partner.empty()) {
      return Invalid("\"partner\" is required for the partner role only");
    }
    if (!out.partner.empty() && !IsName(out.partner, 32)) {
      return Invalid("\"partner\" must be [A-Za-z0-9_.-]{1,32}");
    }
    return out;
  }
};

// The e-mail conditions may only look at an address the provider did not
// declare unverified.
const std::string* UsableEmail(const json::Value& claims) {
  const json::Value* verified = claims.Find("email_verified");
  if (verified != nullptr && verified->is_bool() && !verified->boolean()) {
    return nullptr;
  }
  return claims.FindString("email");
}

bool ClaimHolds(const json::Value& claims, const std::string& name,
                const std::string& wanted) {
  const json::Value* value = claims.Find(name);
  if (value == nullptr) return false;
  if (value->is_string()) return value->string() == wanted;
  if (!value->is_array()) return false;
  return std::any_of(value->items().begin(), value->items().end(),
                     [&](const json::Value& item) {
                       return item.is_string() && item.string() == wanted;
                     });
}

bool EmailHolds(const ClaimConditions& when, const json::Value& claims) {
  if (when.email.empty() && when.email_domain.empty() &&
      when.email_suffix.empty()) {
    return true;
  }
  const std::string* email = UsableEmail(claims);
  if (email == nullptr) return false;
  absl::string_view address = AsAbsl(*email);
  if (!when.email.empty() && !absl::EqualsIgnoreCase(address, when.email)) {
    return false;
  }
  if (!when.email_domain.empty()) {
    size_t at = address.rfind('@');
    if (at == absl::string_view::npos ||
        !absl::EqualsIgnoreCase(address.substr(at + 1), when.email_domain)) {
      return false;
    }
  }
  return when.email_suffix.empty() ||
         absl::EndsWithIgnoreCase(address, when.email_suffix);
}

bool Holds(const ClaimConditions& when, const json::Value& claims) {
  if (!EmailHolds(when, claims)) return false;
  return std::all_of(
      when.claims.begin(), when.claims.end(), [&](const auto& condition) {
        return ClaimHolds(claims, condition.first, condition.second);
      });
}

}  // namespace

absl::StatusOr<ClaimRules> ClaimRules::Parse(std::string_view text) {
  ASSIGN_OR_RETURN(json::Value document, json::Parse(text));
  return FromDocument(document);
}

absl::StatusOr<ClaimRules> ClaimRules::LoadFile(const std::string& path) {
  ASSIGN_OR_RETURN(json::Value document, json::ParseFile(path, kMaxRulesBytes));
  auto rules = FromDocument(document);
  if (!rules.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", rules.status().message()));
  }
  return rules;
}

absl::StatusOr<ClaimRules> ClaimRules::FromDocument(
    const json::Value& document) {
  const json::Value* list = document.Find("rules");
  if (list == nullptr || !list->is_array() || document.members().size() != 1) {
    return absl::InvalidArgumentError(
        "claim rules: expected an object with a \"rules\" array only");
  }
  std::vector<ClaimRule> rules;
  for (size_t i = 0; i < list->items().size(); ++i) {
    auto rule = RuleReader().Read(list->items()[i]);
    if (!rule.ok()) {
      const std::string* name = list->items()[i].FindString("name");
      return absl::InvalidArgumentError(absl::StrCat(
          "claim rules: rule ", i,
          name != nullptr ? absl::StrCat(" (\"", *name, "\")") : "", ": ",
          rule.status().message()));
    }
    if (rule->name.empty()) rule->name = absl::StrCat("rule ", i);
    rules.push_back(*std::move(rule));
  }
  return ClaimRules(std::move(rules));
}

const ClaimRule* ClaimRules::Match(const json::Value& claims) const {
  for (const ClaimRule& rule : rules_) {
    if (Holds(rule.when, claims)) return &rule;
  }
  return nullptr;
}

}  // namespace maillage::auth

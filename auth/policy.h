#ifndef MAILLAGE_AUTH_POLICY_H_
#define MAILLAGE_AUTH_POLICY_H_

#include <initializer_list>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "auth/principal.h"

namespace maillage::auth {

// What a method does, for the audit trail and the rate limits.
enum class Effect {
  kRead,   // reads only (a preview suggestion included)
  kWrite,  // changes stored data
  kAdmin,  // keys and audit: recorded whatever the outcome
};

// The rule of one RPC: which roles may call it at all. What a role may then
// see or change (territorial scope, workspace, partner namespace) is decided
// by the core on the data itself.
struct MethodRule {
  std::string_view service;  // "maillage.v1.ActorService"
  std::string_view method;   // "GetActor": unique across the services
  Effect effect;
  unsigned roles;  // bit set of Role values, see Roles()
};

// The bit set of `roles`, for MethodRule::roles.
constexpr unsigned Roles(std::initializer_list<Role> roles) {
  unsigned bits = 0;
  for (Role role : roles) bits |= 1u << static_cast<unsigned>(role);
  return bits;
}

// Every RPC's rule. An RPC absent from this table is denied to everyone
// (default deny); policy_test fails when a method of a maillage.v1 service
// has no rule.
const std::vector<MethodRule>& MethodRules();

// The rule of `method` (short name, as RequestHandler gets it), or nullptr.
const MethodRule* FindRule(std::string_view method);

// OK when `principal`'s role may call `method`; PERMISSION_DENIED naming the
// role and the method otherwise (and for a method without a rule).
absl::Status Authorize(const Principal& principal, std::string_view method);

}  // namespace maillage::auth

#endif  // MAILLAGE_AUTH_POLICY_H_

#ifndef MAILLAGE_AUTH_PRINCIPAL_H_
#define MAILLAGE_AUTH_PRINCIPAL_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace maillage::auth {

// What a principal may do (auth/policy.h holds the rule of every RPC).
//  - kReader: read public profiles, territories, facts and diagnoses in its
//    scope.
//  - kPartner: a partner platform: what a reader may, plus create, update and
//    delete the actors of its own namespace (ids "ext:<partner>:…") in its
//    scope.
//  - kAnimator: read in its scope (contacts of its workspace included), ask
//    for suggestions, coalitions and panels, move its workspace's
//    suggestions and partnerships through their lifecycle, keep its
//    workspace's contacts and custom zones.
//  - kImporter: bulk import and export of actors, facts, in its scope.
//  - kAdmin: everything, keys and audit included (of every workspace). Its
//    pipeline, contacts and custom zones are its credential's workspace's,
//    like everyone's (core/workspace.h): an admin acts on another
//    workspace's with a credential for that workspace.
enum class Role { kReader, kPartner, kAnimator, kImporter, kAdmin };

// "reader", "partner", "animator", "importer", "admin".
std::string_view RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);

// The workspace of stores written before workspaces existed, and of
// principals that name none.
inline constexpr std::string_view kDefaultWorkspace = "default";

// Who is calling, established from the call's credentials (an API key, a
// bearer JWT or a client certificate), never from a request field.
struct Principal {
  // Stable and unique: "key:<key id>", "oidc:<issuer>#<subject>",
  // "cert:<subject>", "local:admin". What audit entries, performed_by and
  // requested_by record.
  std::string id;
  // For people: a key's label, a token's e-mail, a certificate's subject.
  std::string display_name;
  Role role = Role::kReader;
  // Territories the principal works on, as "level:code" references
  // ("departement:79", "region:75", "commune:79191", "custom:<code>").
  // Ignored when all_territories is set.
  std::vector<std::string> territories;
  bool all_territories = false;
  // Tenancy: suggestions, lifecycle, notes, partnerships, contacts and
  // custom zones belong to the workspace that wrote them.
  std::string workspace = std::string(kDefaultWorkspace);
  // For kPartner: the namespace of the actors it owns ("ext:<partner>:…").
  std::string partner;

  // The server itself (start-up tasks, the demo loader, in-process tools):
  // an admin of every territory in the default workspace.
  static Principal System();
};

}  // namespace maillage::auth

#endif  // MAILLAGE_AUTH_PRINCIPAL_H_

#include "auth/principal.h"

namespace maillage::auth {

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kReader:
      return "reader";
    case Role::kPartner:
      return "partner";
    case Role::kAnimator:
      return "animator";
    case Role::kImporter:
      return "importer";
    case Role::kAdmin:
      return "admin";
  }
  return "reader";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (Role role : {Role::kReader, Role::kPartner, Role::kAnimator,
                    Role::kImporter, Role::kAdmin}) {
    if (RoleName(role) == name) return role;
  }
  return std::nullopt;
}

Principal Principal::System() {
  Principal p;
  p.id = "local:system";
  p.display_name = "Maillage server";
  p.role = Role::kAdmin;
  p.all_territories = true;
  return p;
}

}  // namespace maillage::auth

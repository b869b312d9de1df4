#ifndef MAILLAGE_CORE_WORKSPACE_H_
#define MAILLAGE_CORE_WORKSPACE_H_

#include <string_view>

#include "auth/principal.h"
#include "core/validation.h"
#include "storage/keys.h"

// Tenancy, as the core applies it. Suggestions and their lifecycle (states,
// notes, outcome ratings), partnerships, their events, contact persons and
// custom zones belong to the workspace of the principal that wrote them;
// actors' public profiles, facts and the geography are shared.
//  - A caller reads and changes only its own workspace's records: another
//    workspace's record answers NOT_FOUND, exactly as an absent one, and
//    lists, metrics and watches leave them out.
//  - Admins are no exception: an admin works in the workspace of its
//    credential, so that pipelines are not mixed by accident; to act on
//    another workspace it uses a credential for that workspace.
//  - What the ranking learns from outcomes pools every workspace only as an
//    aggregate: a partner's responsiveness (meetings held, no answers).
//    Pairs whose meeting went well (the "similar_success" factor) are not
//    shared, since the engine's explanations name them; the factor stays
//    neutral until the engine keeps such signals per workspace.
//  - Partnerships pool every workspace as links between actors: the engine
//    counts them (capacity used, common partners) and does not propose a
//    pair again in a category where it is active. Known limit: that
//    exclusion (and ExplainMatch's blocker) lets a workspace infer that
//    some workspace recorded an active partnership for a pair it asks
//    about, never which workspace nor its content.
namespace maillage::core {

static_assert(auth::kDefaultWorkspace == storage::keys::kDefaultWorkspace,
              "stores migrate into the principals' default workspace");

// The workspace the caller works in (the default one when its credential
// names none).
inline std::string_view WorkspaceOf(const auth::Principal& caller) {
  return caller.workspace.empty() ? auth::kDefaultWorkspace
                                  : std::string_view(caller.workspace);
}

// Whether the caller may read contact persons (those of its workspace):
// animators, importers and admins. Readers and partner platforms see public
// profiles only: ACTOR_VIEW_FULL answers them without contacts.
inline bool MaySeeContacts(const auth::Principal& caller) {
  return caller.role == auth::Role::kAnimator ||
         caller.role == auth::Role::kImporter ||
         caller.role == auth::Role::kAdmin;
}

// `base` resolving custom zones in the caller's workspace.
inline ValidationContext ForCaller(ValidationContext base,
                                   const auth::Principal& caller) {
  base.workspace = WorkspaceOf(caller);
  return base;
}

}  // namespace maillage::core

#endif  // MAILLAGE_CORE_WORKSPACE_H_

#ifndef MAILLAGE_CORE_OBJECTION_H_
#define MAILLAGE_CORE_OBJECTION_H_

#include "auth/principal.h"
#include "maillage/v1/actor.pb.h"

// An organisation's objection to being proposed (GDPR art. 21), stored as
// ACTOR_STATUS_OPTED_OUT, as the core applies it:
//  - Matching: its index profile is unavailable (ActorDirectory::ToProfile),
//    and the engine proposes no unavailable actor: not as a partner, a
//    coalition member, a panel invitation, nor in territory-wide matching,
//    where it is not among the associations served either. Asked about
//    itself, SuggestPartners answers FAILED_PRECONDITION with a
//    PreconditionFailure of type "ACTOR_OPTED_OUT"; so does SuggestCoalition
//    naming it as the anchor (the animator's lead organisation). ExplainMatch
//    still explains a pair naming it, with the blocker that keeps it from being
//    proposed: an animator learns why, and nothing is proposed.
//  - Reads: partner platforms never receive it (GetActor and
//    BatchGetActors answer NOT_FOUND, as outside their territories;
//    ListActors and ExportActors leave it out). Readers, animators,
//    importers and admins still read it: they manage the objection. A
//    partner platform still writes the actors of its own namespace, and
//    the answer to such a write shows what it wrote.
//  - Writes: an import never lifts it, whatever the row's status and the
//    mode (the row is imported with the status kept, counted and noted in
//    the answer); neither does an UpdateActor that does not name "status"
//    in its update_mask (an empty mask or "*" included). An UpdateActor
//    naming "status", by a writer of the actor, lifts it.
// Suggestions recorded before the objection stay in their workspace's
// pipeline (its history); nothing new is proposed with the organisation.
namespace maillage::core {

inline bool IsOptedOut(const v1::Actor& actor) {
  return actor.status() == v1::ACTOR_STATUS_OPTED_OUT;
}

// Whether `caller` reads organisations that opted out: every role but
// partner platforms.
inline bool ReadsOptedOut(const auth::Principal& caller) {
  return caller.role != auth::Role::kPartner;
}

// Whether a read of `caller` leaves `actor` out (or answers NOT_FOUND).
inline bool HiddenByObjection(const v1::Actor& actor,
                              const auth::Principal& caller) {
  return IsOptedOut(actor) && !ReadsOptedOut(caller);
}

// Keeps the objection of `stored` in the version `next` a write makes of
// it, unless the write names the status explicitly (an UpdateActor with
// "status" in its update_mask). True when `next` said another status and
// was changed back to ACTOR_STATUS_OPTED_OUT.
inline bool KeepObjection(const v1::Actor& stored, bool status_named,
                          v1::Actor* next) {
  if (status_named || !IsOptedOut(stored) || IsOptedOut(*next)) return false;
  next->set_status(v1::ACTOR_STATUS_OPTED_OUT);
  return true;
}

}  // namespace maillage::core

#endif  // MAILLAGE_CORE_OBJECTION_H_

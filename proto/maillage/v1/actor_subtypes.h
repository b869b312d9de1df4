#ifndef MAILLAGE_PROTO_MAILLAGE_V1_ACTOR_SUBTYPES_H_
#define MAILLAGE_PROTO_MAILLAGE_V1_ACTOR_SUBTYPES_H_

#include "maillage/v1/actor.pb.h"

namespace maillage::v1 {

// Which kind each ActorSubtype belongs to (the table in actor.proto's
// comments): the one place this rule is written, for validation and the
// importers.
inline bool SubtypeFitsKind(ActorKind kind, ActorSubtype subtype) {
  switch (subtype) {
    case ACTOR_SUBTYPE_UNSPECIFIED:
      return true;
    case ACTOR_SUBTYPE_FOUNDATION:
    case ACTOR_SUBTYPE_FEDERATION:
      return kind == ACTOR_KIND_ASSOCIATION;
    case ACTOR_SUBTYPE_INSERTION_STRUCTURE:
      return kind == ACTOR_KIND_ASSOCIATION || kind == ACTOR_KIND_COMPANY;
    case ACTOR_SUBTYPE_SOCIAL_ECONOMY_COMPANY:
    case ACTOR_SUBTYPE_MUTUAL_INSURER:
    case ACTOR_SUBTYPE_COOPERATIVE:
      return kind == ACTOR_KIND_COMPANY;
    case ACTOR_SUBTYPE_LOCAL_AUTHORITY:
    case ACTOR_SUBTYPE_STATE_SERVICE:
    case ACTOR_SUBTYPE_PUBLIC_OPERATOR:
      return kind == ACTOR_KIND_PUBLIC_BODY;
    case ACTOR_SUBTYPE_UNIVERSITY:
    case ACTOR_SUBTYPE_SCHOOL:
    case ACTOR_SUBTYPE_RESEARCH_LAB:
      return kind == ACTOR_KIND_ACADEMIC;
    default:
      return false;
  }
}

}  // namespace maillage::v1

#endif  // MAILLAGE_PROTO_MAILLAGE_V1_ACTOR_SUBTYPES_H_

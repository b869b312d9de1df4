#ifndef MAILLAGE_CORE_TESTING_SAMPLE_ACTORS_H_
#define MAILLAGE_CORE_TESTING_SAMPLE_ACTORS_H_

#include "maillage/v1/actor.pb.h"

// Two actors of Charenton-le-Pont (94018) that the engine pairs: an
// association that needs funding for youth, a company that offers it. Shared
// by the core's tests.
namespace maillage::core::testing {

inline constexpr char kAssociation[] = "rna:W941000001";
inline constexpr char kCompany[] = "siret:11111111100011";

inline v1::Actor Association() {
  v1::Actor a;
  a.set_id(kAssociation);
  a.set_kind(v1::ACTOR_KIND_ASSOCIATION);
  a.set_name("Association du Val");
  a.set_home_commune("94018");
  a.add_themes("youth");
  auto* need = a.add_needs();
  need->set_resource("funding");
  need->set_theme("youth");
  a.set_capacity(5);
  return a;
}

inline v1::Actor Company() {
  v1::Actor a;
  a.set_id(kCompany);
  a.set_kind(v1::ACTOR_KIND_COMPANY);
  a.set_name("Entreprise du Val");
  a.set_home_commune("94018");
  a.add_themes("youth");
  auto* offer = a.add_offers();
  offer->set_resource("funding");
  offer->set_theme("youth");
  a.set_capacity(5);
  return a;
}

}  // namespace maillage::core::testing

#endif  // MAILLAGE_CORE_TESTING_SAMPLE_ACTORS_H_

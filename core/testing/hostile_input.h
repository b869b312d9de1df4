#ifndef MAILLAGE_CORE_TESTING_HOSTILE_INPUT_H_
#define MAILLAGE_CORE_TESTING_HOSTILE_INPUT_H_

#include <string>

#include "core/validation.h"
#include "maillage/v1/actor.pb.h"

// Requests a hostile client could send, shared by the unit tests of core/
// and the integration tests of tests/.
namespace maillage::core::testing {

// `count` copies of `unit` (a code point in UTF-8, or ASCII).
inline std::string Repeat(std::string_view unit, size_t count) {
  std::string out;
  out.reserve(unit.size() * count);
  for (size_t i = 0; i < count; ++i) out.append(unit);
  return out;
}

// The worst case for the size of an INVALID_ARGUMENT: every field of the
// actor is bad, every list is as long as allowed, and every code is as long
// as allowed (then its value is echoed in the error) or longer (the finding
// of issue 18: 50 needs and 50 offers with resource codes of 100
// characters). Several hundred violations.
inline v1::Actor ActorWithEveryFieldBad() {
  const std::string longest_code = Repeat("é", Limits::kVocabularyCodeMax / 2);
  v1::Actor a;
  a.set_id(Repeat("s", 100) + ":" + Repeat("k", 20));
  a.set_kind(static_cast<v1::ActorKind>(42));
  a.set_subtype(static_cast<v1::ActorSubtype>(99));
  a.set_name(Repeat("N", Limits::kNameMax + 1));
  a.mutable_legal_ids()->set_siren("12");
  a.mutable_legal_ids()->set_siret("34");
  a.mutable_legal_ids()->set_rna("X");
  a.set_naf_code("zz.zzz");
  for (int i = 0; i < Limits::kPurposeCodesMax; ++i) {
    a.add_association_purpose_codes(Repeat("!", Limits::kPurposeCodeMax + 1));
  }
  a.set_size_band(static_cast<v1::SizeBand>(99));
  a.set_home_commune(Repeat("9", Limits::kTerritoryCodeMax));
  a.mutable_location()->set_latitude(123);
  a.mutable_location()->set_longitude(999);
  for (int i = 0; i < Limits::kActionTerritoriesMax; ++i) {
    auto* ref = a.add_action_territories();
    ref->set_level(v1::TERRITORY_LEVEL_COMMUNE);
    ref->set_code(Repeat("à", Limits::kTerritoryCodeMax / 2));
  }
  for (int i = 0; i < Limits::kThemesMax; ++i) a.add_themes(longest_code);
  for (auto* list : {a.mutable_needs(), a.mutable_offers()}) {
    for (int i = 0; i < Limits::kExchangesMax; ++i) {
      v1::Exchange* e = list->Add();
      e->set_resource(Repeat("r", 100));
      e->set_theme(longest_code);
      e->set_description(Repeat("d", Limits::kShortTextMax + 1));
    }
  }
  for (int i = 0; i < Limits::kCategoriesMax; ++i) {
    a.add_accepted_categories(static_cast<v1::PartnershipCategory>(42));
  }
  a.set_capacity(-1);
  a.set_description(Repeat("D", Limits::kDescriptionMax + 1));
  a.set_website("ftp://" + Repeat("w", Limits::kUrlMax));
  for (int i = 0; i < Limits::kContactsMax; ++i) {
    v1::Contact* c = a.add_contacts();
    c->set_role(Repeat("R", Limits::kPersonMax + 1));
    c->set_email("nobody");
    c->set_phone("call me");
  }
  a.set_status(static_cast<v1::ActorStatus>(99));
  a.set_source(Repeat("S", Limits::kSourceMax + 1));
  return a;
}

}  // namespace maillage::core::testing

#endif  // MAILLAGE_CORE_TESTING_HOSTILE_INPUT_H_

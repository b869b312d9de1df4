#include "tools/loadgen/synthetic_actors.h"

#include "absl/strings/str_cat.h"

namespace maillage::loadgen {
namespace {

using territory::Level;

// The first `count` communes of a département, by code.
void AddCommunes(const territory::Geography& geography,
                 const std::string& departement, size_t count,
                 std::vector<std::string>* out) {
  auto d = geography.Find(Level::kDepartement, departement);
  if (!d.has_value()) return;
  size_t added = 0;
  for (uint32_t c : geography.Communes(Level::kDepartement, *d)) {
    if (added++ == count) break;
    out->emplace_back(geography.Code(Level::kCommune, c));
  }
}

v1::TerritoryRef Ref(v1::TerritoryLevel level, const std::string& code) {
  v1::TerritoryRef ref;
  ref.set_level(level);
  ref.set_code(code);
  return ref;
}

constexpr v1::ActorKind kKinds[] = {
    v1::ACTOR_KIND_ASSOCIATION, v1::ACTOR_KIND_COMPANY,
    v1::ACTOR_KIND_PUBLIC_BODY, v1::ACTOR_KIND_ACADEMIC, v1::ACTOR_KIND_MEDIA};

}  // namespace

WorkloadPlaces WorkloadPlaces::From(const territory::Geography& geography) {
  WorkloadPlaces places;
  places.departements = {"75", "92", "93", "94"};
  places.region = "11";
  for (const std::string& d : places.departements) {
    AddCommunes(geography, d, 6, &places.communes);
  }
  places.lifecycle_departement = "69";
  AddCommunes(geography, places.lifecycle_departement, 8,
              &places.lifecycle_communes);
  return places;
}

const std::vector<std::string>& WorkloadThemes() {
  static const auto* themes = new std::vector<std::string>{
      "youth",   "employment_insertion", "digital_inclusion",
      "health",  "environment_climate",  "culture_heritage",
      "housing", "education_training"};
  return *themes;
}

const std::vector<std::string>& WorkloadResources() {
  static const auto* resources = new std::vector<std::string>{
      "funding", "skills",    "volunteers", "in_kind",
      "hiring",  "expertise", "network",    "audience_access"};
  return *resources;
}

ActorFactory::ActorFactory(const WorkloadPlaces* places, uint64_t seed)
    : places_(places), rng_(seed) {}

size_t ActorFactory::Below(size_t n) {
  return std::uniform_int_distribution<size_t>(0, n - 1)(rng_);
}

bool ActorFactory::Chance(double p) {
  return std::bernoulli_distribution(p)(rng_);
}

v1::Actor ActorFactory::Churned(const std::string& id,
                                const std::string& token) {
  v1::Actor a;
  a.set_id(id);
  a.set_kind(kKinds[Below(std::size(kKinds))]);
  a.set_name(
      absl::StrCat("Acteur ", id.substr(id.rfind(':') + 1), " (", token, ")"));
  a.set_home_commune(places_->communes[Below(places_->communes.size())]);
  AddChurnedTerritories(&a);
  const auto& themes = WorkloadThemes();
  size_t first = Below(themes.size());
  for (size_t i = 0, n = 1 + Below(3); i < n; ++i) {
    a.add_themes(themes[(first + i) % themes.size()]);
  }
  AddChurnedExchanges(&a);
  a.set_capacity(static_cast<int>(1 + Below(9)));
  a.set_description(absl::StrCat("Écriture ", token, " de la charge de test."));
  for (size_t i = 0, n = 1 + Below(2); i < n; ++i) {
    v1::Contact* c = a.add_contacts();
    c->set_name(absl::StrCat("Contact ", i, " ", token));
    c->set_role("Chargée de partenariats");
    c->set_email(absl::StrCat("c", i, "-", token, "@exemple.org"));
  }
  a.set_source("loadgen");
  return a;
}

void ActorFactory::AddChurnedTerritories(v1::Actor* a) {
  for (size_t i = 0, n = 1 + Below(2); i < n; ++i) {
    switch (Below(3)) {
      case 0:
        *a->add_action_territories() =
            Ref(v1::TERRITORY_LEVEL_COMMUNE,
                places_->communes[Below(places_->communes.size())]);
        break;
      case 1:
        *a->add_action_territories() =
            Ref(v1::TERRITORY_LEVEL_DEPARTEMENT,
                places_->departements[Below(places_->departements.size())]);
        break;
      default:
        *a->add_action_territories() =
            Ref(v1::TERRITORY_LEVEL_REGION, places_->region);
    }
  }
}

void ActorFactory::AddChurnedExchanges(v1::Actor* a) {
  const auto& resources = WorkloadResources();
  const auto& themes = WorkloadThemes();
  for (auto* list : {a->mutable_needs(), a->mutable_offers()}) {
    for (size_t i = 0, n = 1 + Below(2); i < n; ++i) {
      v1::Exchange* e = list->Add();
      e->set_resource(resources[Below(resources.size())]);
      // Sometimes on a theme the actor does not declare: the theme filter
      // must find it through the exchange.
      if (Chance(0.6)) e->set_theme(themes[Below(themes.size())]);
    }
  }
}

std::string ActorFactory::LifecycleAssociationId(int index) {
  return absl::StrCat("ext:loadgen:asso", index);
}

std::string ActorFactory::LifecycleCompanyId(int index) {
  return absl::StrCat("ext:loadgen:entreprise", index);
}

v1::Actor ActorFactory::LifecycleAssociation(int index) const {
  const auto& themes = WorkloadThemes();
  v1::Actor a;
  a.set_id(LifecycleAssociationId(index));
  a.set_kind(v1::ACTOR_KIND_ASSOCIATION);
  a.set_name(absl::StrCat("Association du Rhône ", index));
  a.set_home_commune(
      places_->lifecycle_communes[index % places_->lifecycle_communes.size()]);
  const std::string& theme = themes[index % 4];
  a.add_themes(theme);
  for (const char* resource : {"funding", "skills", "volunteers"}) {
    v1::Exchange* e = a.add_needs();
    e->set_resource(resource);
    e->set_theme(theme);
  }
  v1::Exchange* offer = a.add_offers();
  offer->set_resource("audience_access");
  offer->set_theme(theme);
  a.set_capacity(50);
  a.set_source("loadgen");
  return a;
}

v1::Actor ActorFactory::LifecycleCompany(int index) const {
  const auto& themes = WorkloadThemes();
  v1::Actor a;
  a.set_id(LifecycleCompanyId(index));
  a.set_kind(v1::ACTOR_KIND_COMPANY);
  a.set_name(absl::StrCat("Entreprise du Rhône ", index));
  a.set_home_commune(
      places_->lifecycle_communes[(index + 3) %
                                  places_->lifecycle_communes.size()]);
  for (int t = 0; t < 2; ++t) {
    const std::string& theme = themes[(index + t) % 4];
    a.add_themes(theme);
    for (const char* resource : {"funding", "skills", "hiring"}) {
      v1::Exchange* e = a.add_offers();
      e->set_resource(resource);
      e->set_theme(theme);
    }
  }
  v1::Exchange* need = a.add_needs();
  need->set_resource("audience_access");
  a.set_capacity(50);
  a.set_source("loadgen");
  return a;
}

}  // namespace maillage::loadgen

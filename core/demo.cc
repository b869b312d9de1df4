#include "core/demo.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "base/status_macros.h"
#include "base/strings.h"

namespace maillage::core {
namespace {

using territory::Level;

struct KindPlan {
  v1::ActorKind kind;
  int share;  // out of 100
  std::vector<const char*> names;
  std::vector<const char*> needs;
  std::vector<const char*> offers;
};

const std::vector<KindPlan>& Plans() {
  static const std::vector<KindPlan> plans = {
      {v1::ACTOR_KIND_ASSOCIATION,
       45,
       {"Association Jeunesse et Avenir", "Les Ateliers Solidaires",
        "Réseau Entraide Seniors", "Collectif Quartiers Vivants",
        "Insertion Val Emploi", "Club Sportif Populaire", "Maison des Familles",
        "Culture en Partage", "Repair Café", "Numérique pour Tous"},
       {"funding", "skills", "volunteers", "in_kind", "premises", "visibility",
        "network"},
       {"audience_access", "services", "volunteers", "hiring", "expertise"}},
      {v1::ACTOR_KIND_COMPANY,
       30,
       {"Atelier Numérique SAS", "BTP Val Construction", "Transports Urbains",
        "Banque Coopérative", "Imprimerie Moderne", "Restauration Collective",
        "Conseil & Stratégie", "Énergies Locales", "Logistique Express",
        "Recyclage Francilien"},
       {"hiring", "services", "audience_access", "visibility", "evaluation",
        "purchasing"},
       {"funding", "skills", "in_kind", "volunteers", "purchasing", "hiring",
        "premises"}},
      {v1::ACTOR_KIND_PUBLIC_BODY,
       13,
       {"Centre Communal d'Action Sociale", "Mission Locale", "Médiathèque",
        "Service Jeunesse de la Ville", "Maison France Services",
        "Agence Départementale de l'Insertion"},
       {"evaluation", "network", "services", "volunteers"},
       {"public_support", "premises", "funding", "network", "audience_access"}},
      {v1::ACTOR_KIND_ACADEMIC,
       7,
       {"Laboratoire d'Innovation Sociale", "Lycée Professionnel",
        "IUT Génie Urbain", "École d'Ingénieurs"},
       {"audience_access", "network", "funding"},
       {"expertise", "evaluation", "volunteers", "skills"}},
      {v1::ACTOR_KIND_MEDIA,
       5,
       {"Radio Locale", "Journal du Quartier", "Web TV Citoyenne"},
       {"network", "funding"},
       {"visibility"}},
  };
  return plans;
}

constexpr const char* kThemes[] = {"employment_insertion",
                                   "youth",
                                   "education_training",
                                   "disability",
                                   "seniors_ageing",
                                   "health",
                                   "poverty_precarity",
                                   "housing",
                                   "mobility",
                                   "digital_inclusion",
                                   "environment_climate",
                                   "circular_economy",
                                   "culture_heritage",
                                   "sport",
                                   "citizenship_social_ties",
                                   "childhood_family"};

struct DemoFact {
  const char* theme;
  const char* title;
  const char* indicator;
  double value;
  double reference;
  const char* unit;
};

constexpr DemoFact kFragilities[] = {
    {"employment_insertion", "Chômage des jeunes",
     "taux de chômage des 15-24 ans", 27.5, 17.0, "%"},
    {"digital_inclusion", "Seniors sans accès à internet",
     "part des 75 ans et plus sans connexion", 38.0, 27.0, "%"},
    {"poverty_precarity", "Pauvreté", "taux de pauvreté", 16.8, 14.5, "%"},
    {"housing", "Suroccupation des logements",
     "part des résidences principales suroccupées", 12.1, 8.7, "%"},
    {"youth", "Décrochage scolaire",
     "part des 16-25 ans non scolarisés sans "
     "diplôme",
     14.0, 11.0, "%"},
    {"mobility", "Dépendance à la voiture",
     "part des actifs sans transport en commun à moins de 10 min", 9.0, 12.0,
     "%"},
};

// The demo's draws, from one seeded generator: the same actors on every
// run. The order of the draws is part of that contract.
class DemoDraw {
 public:
  DemoDraw(const territory::Geography& geo, absl::Span<const uint32_t> communes)
      : geo_(geo), communes_(communes), rng_(20261126) {
    std::vector<double> weights;
    for (uint32_t c : communes_) {
      weights.push_back(
          static_cast<double>(geo_.Population(Level::kCommune, c)));
    }
    pick_commune_ =
        std::discrete_distribution<size_t>(weights.begin(), weights.end());
    std::vector<int> shares;
    for (const auto& p : Plans()) shares.push_back(p.share);
    pick_kind_ =
        std::discrete_distribution<size_t>(shares.begin(), shares.end());
  }

  // The demo's i-th actor: a kind by its share, a commune by population.
  void Actor(int i, v1::Actor* a) {
    const KindPlan& plan = Plans()[pick_kind_(rng_)];
    uint32_t commune = communes_[pick_commune_(rng_)];
    a->set_id(absl::StrCat("ext:demo:", 1000 + i));
    a->set_kind(plan.kind);
    a->set_source("demo");
    a->set_home_commune(std::string(geo_.Code(Level::kCommune, commune)));
    a->set_name(absl::StrCat(plan.names[Pick(plan.names.size())], " ",
                             AsAbsl(geo_.Name(Level::kCommune, commune)),
                             " (démo)"));
    a->set_description(
        "Acteur fictif du territoire de démonstration de Maillage.");
    if (plan.kind == v1::ACTOR_KIND_ASSOCIATION && i % 7 == 0) {
      a->set_subtype(v1::ACTOR_SUBTYPE_INSERTION_STRUCTURE);
    }
    if (plan.kind == v1::ACTOR_KIND_COMPANY && i % 9 == 0) {
      a->set_subtype(v1::ACTOR_SUBTYPE_SOCIAL_ECONOMY_COMPANY);
    }
    std::vector<std::string> themes = Themes();
    for (const auto& t : themes) a->add_themes(t);
    int needs = 1 + static_cast<int>(Pick(2));
    Exchanges(plan.needs, needs, themes, a->mutable_needs());
    int offers = 1 + static_cast<int>(Pick(2));
    Exchanges(plan.offers, offers, themes, a->mutable_offers());
    a->set_capacity(1 + static_cast<int>(Pick(4)));
    if (plan.kind == v1::ACTOR_KIND_PUBLIC_BODY) {
      auto* area = a->add_action_territories();
      area->set_level(v1::TERRITORY_LEVEL_COMMUNE);
      area->set_code(a->home_commune());
    }
  }

 private:
  size_t Pick(size_t n) {
    return std::uniform_int_distribution<size_t>(0, n - 1)(rng_);
  }

  // One to three distinct themes.
  std::vector<std::string> Themes() {
    size_t count = 1 + Pick(3);
    std::vector<std::string> themes;
    while (themes.size() < count) {
      std::string t = kThemes[Pick(std::size(kThemes))];
      if (std::find(themes.begin(), themes.end(), t) == themes.end()) {
        themes.push_back(t);
      }
    }
    return themes;
  }

  // `n` needs or offers: a resource of the kind's, on one of the themes.
  template <typename List>
  void Exchanges(const std::vector<const char*>& resources, int n,
                 const std::vector<std::string>& themes, List* list) {
    for (int k = 0; k < n; ++k) {
      auto* e = list->Add();
      e->set_resource(resources[Pick(resources.size())]);
      e->set_theme(themes[Pick(themes.size())]);
    }
  }

  const territory::Geography& geo_;
  const absl::Span<const uint32_t> communes_;  // the geography's
  std::mt19937 rng_;
  std::discrete_distribution<size_t> pick_commune_;
  std::discrete_distribution<size_t> pick_kind_;
};

// The département's fragilities and one asset.
v1::ImportFactsRequest DemoFacts() {
  v1::ImportFactsRequest facts;
  for (const DemoFact& f : kFragilities) {
    v1::TerritoryFact* fact = facts.add_facts();
    fact->set_type(v1::FACT_TYPE_FRAGILITY);
    fact->mutable_territory()->set_level(v1::TERRITORY_LEVEL_DEPARTEMENT);
    fact->mutable_territory()->set_code("94");
    fact->set_theme(f.theme);
    fact->set_title(absl::StrCat(f.title, " (démo)"));
    fact->set_indicator(f.indicator);
    fact->set_value(f.value);
    fact->set_reference_value(f.reference);
    fact->set_unit(f.unit);
    fact->set_year(2025);
    fact->set_source("Données fictives (démo)");
  }
  v1::TerritoryFact* asset = facts.add_facts();
  asset->set_type(v1::FACT_TYPE_ASSET);
  asset->mutable_territory()->set_level(v1::TERRITORY_LEVEL_DEPARTEMENT);
  asset->mutable_territory()->set_code("94");
  asset->set_theme("education_training");
  asset->set_title("Pôle universitaire (démo)");
  asset->set_source("Données fictives (démo)");
  return facts;
}

}  // namespace

absl::StatusOr<DemoSummary> LoadDemoIfEmpty(Maillage& maillage) {
  DemoSummary summary;
  if (maillage.actors().size() > 0) return summary;
  const territory::Geography& geo = maillage.geography();
  auto dep = geo.Find(Level::kDepartement, "94");
  if (!dep.has_value()) return absl::NotFoundError("département 94 missing");
  DemoDraw draw(geo, geo.Communes(Level::kDepartement, *dep));

  constexpr int kActors = 320;
  v1::ImportActorsRequest batch;
  batch.set_mode(v1::IMPORT_MODE_REPLACE);
  batch.set_first_row_number(1);
  for (int i = 0; i < kActors; ++i) draw.Actor(i, batch.add_actors());
  ASSIGN_OR_RETURN(auto imported, maillage.actors().ImportBatch(
                                      &batch, auth::Principal::System()));
  if (imported.counts().rejected() > 0) {
    return absl::InternalError(absl::StrCat(
        "demo data rejected: row ", imported.errors(0).row_number(), " ",
        imported.errors(0).field(), ": ", imported.errors(0).reason()));
  }
  summary.actors = static_cast<int>(imported.counts().created());

  ASSIGN_OR_RETURN(auto facts_imported,
                   maillage.territories().ImportFacts(
                       DemoFacts(), auth::Principal::System()));
  summary.facts = facts_imported.created();
  return summary;
}

}  // namespace maillage::core

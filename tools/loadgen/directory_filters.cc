#include "tools/loadgen/directory_filters.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "base/strings.h"

namespace maillage::loadgen {
namespace {

using territory::Level;

DirectoryFilter Territory(v1::TerritoryLevel level, const std::string& code) {
  DirectoryFilter f;
  f.request.mutable_territory()->set_level(level);
  f.request.mutable_territory()->set_code(code);
  f.name = absl::StrCat(
      "territory=", AsAbsl(territory::LevelName(static_cast<Level>(level))),
      ":", code);
  return f;
}

}  // namespace

std::vector<DirectoryFilter> StandardFilters(const WorkloadPlaces& places) {
  std::vector<DirectoryFilter> out;
  for (int k = v1::ACTOR_KIND_ASSOCIATION; k <= v1::ACTOR_KIND_MEDIA; ++k) {
    DirectoryFilter f;
    f.request.set_kind(static_cast<v1::ActorKind>(k));
    f.name = absl::StrCat("kind=", v1::ActorKind_Name(f.request.kind()));
    out.push_back(std::move(f));
  }
  for (const std::string& theme : WorkloadThemes()) {
    DirectoryFilter f;
    f.request.set_theme(theme);
    f.name = absl::StrCat("theme=", theme);
    out.push_back(std::move(f));
  }
  for (const std::string& resource : WorkloadResources()) {
    DirectoryFilter offered, needed;
    offered.request.set_offered_resource(resource);
    offered.name = absl::StrCat("offered=", resource);
    needed.request.set_needed_resource(resource);
    needed.name = absl::StrCat("needed=", resource);
    out.push_back(std::move(offered));
    out.push_back(std::move(needed));
  }
  for (size_t i = 0; i < places.communes.size(); i += 5) {
    out.push_back(Territory(v1::TERRITORY_LEVEL_COMMUNE, places.communes[i]));
  }
  out.push_back(
      Territory(v1::TERRITORY_LEVEL_COMMUNE, places.lifecycle_communes[0]));
  for (const std::string& d : places.departements) {
    out.push_back(Territory(v1::TERRITORY_LEVEL_DEPARTEMENT, d));
  }
  out.push_back(
      Territory(v1::TERRITORY_LEVEL_DEPARTEMENT, places.lifecycle_departement));
  out.push_back(Territory(v1::TERRITORY_LEVEL_REGION, places.region));
  DirectoryFilter combined =
      Territory(v1::TERRITORY_LEVEL_DEPARTEMENT, places.departements.back());
  combined.request.set_kind(v1::ACTOR_KIND_ASSOCIATION);
  combined.request.set_theme(WorkloadThemes().front());
  combined.name += ",kind=ACTOR_KIND_ASSOCIATION,theme=" + WorkloadThemes()[0];
  out.push_back(std::move(combined));
  DirectoryFilter exchange;
  exchange.request.set_offered_resource("funding");
  exchange.request.set_needed_resource("skills");
  exchange.name = "offered=funding,needed=skills";
  out.push_back(std::move(exchange));
  return out;
}

bool FilterEvaluator::Matches(const v1::ListActorsRequest& filter,
                              const v1::Actor& actor) const {
  if (filter.kind() != v1::ACTOR_KIND_UNSPECIFIED &&
      filter.kind() != actor.kind()) {
    return false;
  }
  if (!filter.theme().empty() && !ActsOnTheme(actor, filter.theme())) {
    return false;
  }
  auto has_resource = [](const auto& exchanges, const std::string& resource) {
    return std::any_of(
        exchanges.begin(), exchanges.end(),
        [&](const v1::Exchange& e) { return e.resource() == resource; });
  };
  if (!filter.offered_resource().empty() &&
      !has_resource(actor.offers(), filter.offered_resource())) {
    return false;
  }
  if (!filter.needed_resource().empty() &&
      !has_resource(actor.needs(), filter.needed_resource())) {
    return false;
  }
  return !filter.has_territory() || ActsIn(actor, filter.territory());
}

bool FilterEvaluator::ActsOnTheme(const v1::Actor& actor,
                                  const std::string& theme) const {
  auto on_theme = [&](const v1::Exchange& e) { return e.theme() == theme; };
  return std::count(actor.themes().begin(), actor.themes().end(), theme) > 0 ||
         std::any_of(actor.needs().begin(), actor.needs().end(), on_theme) ||
         std::any_of(actor.offers().begin(), actor.offers().end(), on_theme);
}

bool FilterEvaluator::ActsIn(const v1::Actor& actor,
                             const v1::TerritoryRef& scope) const {
  v1::TerritoryRef home;
  home.set_level(v1::TERRITORY_LEVEL_COMMUNE);
  home.set_code(actor.home_commune());
  if (Contains(scope, home)) return true;
  for (const v1::TerritoryRef& area : actor.action_territories()) {
    if (Contains(scope, area) || Contains(area, scope)) return true;
  }
  return false;
}

bool FilterEvaluator::Contains(const v1::TerritoryRef& outer,
                               const v1::TerritoryRef& inner) const {
  auto level = [](const v1::TerritoryRef& ref) {
    return static_cast<Level>(ref.level());
  };
  auto find = [&](const v1::TerritoryRef& ref) -> std::optional<uint32_t> {
    if (level(ref) != Level::kCommune && level(ref) != Level::kDepartement &&
        level(ref) != Level::kRegion) {
      return std::nullopt;
    }
    return geography_->Find(level(ref), ref.code());
  };
  std::optional<uint32_t> o = find(outer), i = find(inner);
  if (!o.has_value() || !i.has_value()) return false;
  if (level(outer) == level(inner)) return *o == *i;
  if (level(inner) == Level::kCommune) {
    return geography_->Contains(level(outer), *o, *i);
  }
  // A département inside a région.
  return level(inner) == Level::kDepartement &&
         level(outer) == Level::kRegion &&
         geography_->PlaceOf(Level::kDepartement, *i).region == *o;
}

}  // namespace maillage::loadgen

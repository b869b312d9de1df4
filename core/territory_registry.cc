#include "core/territory_registry.h"

#include <mutex>

namespace maillage::core {

using territory::Level;

territory::Level ToLevel(v1::TerritoryLevel level) {
  switch (level) {
    case v1::TERRITORY_LEVEL_COMMUNE:
      return Level::kCommune;
    case v1::TERRITORY_LEVEL_EPCI:
      return Level::kEpci;
    case v1::TERRITORY_LEVEL_EPT:
      return Level::kEpt;
    case v1::TERRITORY_LEVEL_DEPARTEMENT:
      return Level::kDepartement;
    case v1::TERRITORY_LEVEL_REGION:
      return Level::kRegion;
    case v1::TERRITORY_LEVEL_CUSTOM:
      return Level::kCustom;
    default:
      return Level::kUnspecified;
  }
}

v1::TerritoryLevel ToProtoLevel(territory::Level level) {
  switch (level) {
    case Level::kCommune:
      return v1::TERRITORY_LEVEL_COMMUNE;
    case Level::kEpci:
      return v1::TERRITORY_LEVEL_EPCI;
    case Level::kEpt:
      return v1::TERRITORY_LEVEL_EPT;
    case Level::kDepartement:
      return v1::TERRITORY_LEVEL_DEPARTEMENT;
    case Level::kRegion:
      return v1::TERRITORY_LEVEL_REGION;
    case Level::kCustom:
      return v1::TERRITORY_LEVEL_CUSTOM;
    default:
      return v1::TERRITORY_LEVEL_UNSPECIFIED;
  }
}

TerritoryRegistry::TerritoryRegistry(const territory::Geography* geography)
    : geography_(geography) {}

std::optional<ResolvedTerritory> TerritoryRegistry::Resolve(
    const v1::TerritoryRef& ref, std::string_view workspace) const {
  return Resolve(ToLevel(ref.level()), ref.code(), workspace);
}

std::optional<ResolvedTerritory> TerritoryRegistry::Resolve(
    Level level, std::string_view code, std::string_view workspace) const {
  ResolvedTerritory out;
  out.level = level;
  out.scope.level = level;
  if (level == Level::kUnspecified) return std::nullopt;
  if (level == Level::kCustom) {
    std::shared_lock lock(mu_);
    auto it = custom_.find(code);
    if (it == custom_.end() || !it->second.SeenBy(workspace)) {
      return std::nullopt;
    }
    out.code = it->first;
    out.scope.custom_communes = it->second.communes;
    return out;
  }
  std::optional<uint32_t> id = geography_->Find(level, code);
  if (!id.has_value()) return std::nullopt;
  out.id = *id;
  out.code = std::string(geography_->Code(level, *id));
  out.scope.place = geography_->PlaceOf(level, *id);
  return out;
}

std::vector<uint32_t> TerritoryRegistry::Communes(
    const ResolvedTerritory& t) const {
  if (t.level == Level::kCustom) return t.scope.custom_communes;
  auto span = geography_->Communes(t.level, t.id);
  return std::vector<uint32_t>(span.begin(), span.end());
}

void TerritoryRegistry::PutCustom(const v1::Territory& zone,
                                  std::vector<uint32_t> communes,
                                  std::string_view workspace) {
  std::unique_lock lock(mu_);
  custom_[zone.ref().code()] =
      CustomZone{zone, std::move(communes), std::string(workspace)};
}

void TerritoryRegistry::RemoveCustom(std::string_view code) {
  std::unique_lock lock(mu_);
  auto it = custom_.find(code);
  if (it != custom_.end()) custom_.erase(it);
}

std::optional<v1::Territory> TerritoryRegistry::GetCustom(
    std::string_view code, std::string_view workspace) const {
  std::shared_lock lock(mu_);
  auto it = custom_.find(code);
  if (it == custom_.end() || !it->second.SeenBy(workspace)) {
    return std::nullopt;
  }
  return it->second.record;
}

std::vector<v1::Territory> TerritoryRegistry::ListCustom(
    std::string_view after, size_t limit, std::string_view workspace) const {
  std::shared_lock lock(mu_);
  std::vector<v1::Territory> out;
  for (auto it = custom_.upper_bound(after);
       it != custom_.end() && out.size() < limit; ++it) {
    if (it->second.SeenBy(workspace)) out.push_back(it->second.record);
  }
  return out;
}

}  // namespace maillage::core

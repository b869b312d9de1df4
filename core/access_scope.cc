#include "core/access_scope.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "base/strings.h"

namespace maillage::core {

using territory::Level;

namespace {

std::vector<uint64_t> EmptyBits(uint32_t count) {
  return std::vector<uint64_t>((count + 63) / 64, 0);
}

}  // namespace

std::shared_ptr<const AccessScope> AccessScope::All() {
  static const auto* const all = [] {
    auto* scope = new std::shared_ptr<const AccessScope>([] {
      std::shared_ptr<AccessScope> s(new AccessScope());
      s->all_ = true;
      return s;
    }());
    return scope;
  }();
  return *all;
}

std::shared_ptr<const AccessScope> AccessScope::Build(
    const std::vector<std::string>& territories,
    const TerritoryRegistry& registry) {
  std::shared_ptr<AccessScope> scope(new AccessScope());
  const territory::Geography& geo = registry.geography();
  scope->geography_ = &geo;
  // Read before the zones: a zone changed meanwhile makes this scope stale
  // (rebuilt on next use) rather than silently out of date.
  scope->custom_generation_ = registry.custom_generation();
  scope->communes_ = EmptyBits(geo.Count(Level::kCommune));
  for (const std::string& entry : territories) {
    const size_t colon = entry.find(':');
    if (colon == std::string::npos) continue;
    const Level level =
        territory::ParseLevel(std::string_view(entry).substr(0, colon));
    auto t = registry.Resolve(level, std::string_view(entry).substr(colon + 1));
    if (!t.has_value()) continue;  // covers nothing
    for (uint32_t c : registry.Communes(*t)) Set(&scope->communes_, c);
  }

  // The coarser territories holding a commune of the scope.
  scope->epcis_ = EmptyBits(geo.Count(Level::kEpci));
  scope->epts_ = EmptyBits(geo.Count(Level::kEpt));
  scope->departements_ = EmptyBits(geo.Count(Level::kDepartement));
  scope->regions_ = EmptyBits(geo.Count(Level::kRegion));
  for (size_t word = 0; word < scope->communes_.size(); ++word) {
    for (uint64_t bits = scope->communes_[word]; bits != 0; bits &= bits - 1) {
      const auto c = static_cast<uint32_t>(word * 64 + __builtin_ctzll(bits));
      const territory::Place p = geo.PlaceOf(Level::kCommune, c);
      if (p.epci != territory::kNone) Set(&scope->epcis_, p.epci);
      if (p.ept != territory::kNone) Set(&scope->epts_, p.ept);
      if (p.departement != territory::kNone) {
        Set(&scope->departements_, p.departement);
      }
      if (p.region != territory::kNone) Set(&scope->regions_, p.region);
    }
  }

  for (const v1::Territory& zone :
       registry.ListCustom("", std::numeric_limits<size_t>::max())) {
    auto t = registry.Resolve(Level::kCustom, zone.ref().code());
    if (t.has_value() && scope->MeetsCommunes(t->scope.custom_communes)) {
      scope->custom_zones_met_.insert(t->code);
    }
  }
  return scope;
}

bool AccessScope::Meets(Level level, uint32_t id) const {
  if (all_) return true;
  if (id == territory::kNone) return false;
  switch (level) {
    case Level::kCommune:
      return Test(communes_, id);
    case Level::kEpci:
      return Test(epcis_, id);
    case Level::kEpt:
      return Test(epts_, id);
    case Level::kDepartement:
      return Test(departements_, id);
    case Level::kRegion:
      return Test(regions_, id);
    default:
      return false;
  }
}

bool AccessScope::MeetsCommunes(const std::vector<uint32_t>& communes) const {
  if (all_) return true;
  for (uint32_t c : communes) {
    if (Test(communes_, c)) return true;
  }
  return false;
}

bool AccessScope::CoversProfile(const matcher::ActorProfile& actor) const {
  if (all_ || CoversCommune(actor.home.commune)) return true;
  for (const matcher::ActionArea& area : actor.action_areas) {
    const bool meets = area.level == Level::kCustom
                           ? MeetsCommunes(area.custom_communes)
                           : Meets(area.level, area.place.At(area.level));
    if (meets) return true;
  }
  return false;
}

bool AccessScope::MeetsRef(const v1::TerritoryRef& ref) const {
  const Level level = ToLevel(ref.level());
  if (level == Level::kCustom) return custom_zones_met_.contains(ref.code());
  if (level == Level::kUnspecified) return false;
  auto id = geography_->Find(level, ref.code());
  return id.has_value() && Meets(level, *id);
}

bool AccessScope::CoversRecord(const v1::Actor& actor) const {
  if (all_) return true;
  auto home = geography_->Find(Level::kCommune, actor.home_commune());
  if (home.has_value() && CoversCommune(*home)) return true;
  for (const v1::TerritoryRef& ref : actor.action_territories()) {
    if (MeetsRef(ref)) return true;
  }
  return false;
}

bool AccessScope::MeetsTerritory(const ResolvedTerritory& t) const {
  if (all_) return true;
  if (t.level == Level::kCustom) return MeetsCommunes(t.scope.custom_communes);
  return Meets(t.level, t.id);
}

bool AccessScope::ContainsTerritory(const ResolvedTerritory& t) const {
  if (all_) return true;
  if (t.level == Level::kCustom) {
    const auto& communes = t.scope.custom_communes;
    if (communes.empty()) return false;
    for (uint32_t c : communes) {
      if (!Test(communes_, c)) return false;
    }
    return true;
  }
  if (t.level == Level::kUnspecified || t.id == territory::kNone) return false;
  for (uint32_t c : geography_->Communes(t.level, t.id)) {
    if (!Test(communes_, c)) return false;
  }
  return true;
}

ScopeCache::ScopeCache(const TerritoryRegistry* registry, size_t capacity)
    : registry_(registry), capacity_(capacity) {}

std::shared_ptr<const AccessScope> ScopeCache::For(
    const auth::Principal& caller) const {
  if (caller.all_territories) return AccessScope::All();
  const uint64_t generation = registry_->custom_generation();
  {
    std::lock_guard lock(mu_);
    auto it = built_.find(caller.territories);
    if (it != built_.end() && it->second->custom_generation() == generation) {
      return it->second;
    }
  }
  // Built outside the lock: two callers may build the same scope once each.
  std::shared_ptr<const AccessScope> scope =
      AccessScope::Build(caller.territories, *registry_);
  std::lock_guard lock(mu_);
  auto it = built_.find(caller.territories);
  if (it != built_.end()) {
    it->second = scope;
  } else {
    if (built_.size() >= capacity_) built_.erase(built_.begin());
    built_.emplace(caller.territories, scope);
  }
  return scope;
}

absl::Status OutsideTerritories(std::string_view subject) {
  return absl::PermissionDeniedError(
      absl::StrCat(AsAbsl(subject), " is outside your territories"));
}

namespace {

std::string TerritoryName(const ResolvedTerritory& t) {
  return absl::StrCat("territory ", AsAbsl(territory::LevelName(t.level)), ":",
                      t.code);
}

}  // namespace

absl::Status CheckTerritoryRead(const AccessScope& scope,
                                const ResolvedTerritory& t) {
  if (scope.MeetsTerritory(t)) return absl::OkStatus();
  return OutsideTerritories(TerritoryName(t));
}

absl::Status CheckTerritoryWrite(const AccessScope& scope,
                                 const ResolvedTerritory& t) {
  if (scope.ContainsTerritory(t)) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat(TerritoryName(t),
                   " is not wholly inside your territories: only a writer of "
                   "all its communes may change its facts"));
}

matcher::Admission AdmitIn(const AccessScope& scope,
                           const matcher::ActorIndex& index) {
  if (scope.all()) return {};
  // The home commune first, from the compact record the engine has just
  // read; the full profile only for an actor with action areas homed
  // outside. Measured on SuggestPartners: reading every candidate's profile
  // cost 10-20% of the call (bench/scope_bench.cc).
  return [&scope, &index](matcher::ActorNum num) {
    if (scope.CoversCommune(index.HomeOf(num).commune)) return true;
    return index.HasActionAreas(num) && scope.CoversProfile(index.Get(num));
  };
}

}  // namespace maillage::core

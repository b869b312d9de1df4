#include "core/territory_book.h"

#include <xxhash.h>

#include <algorithm>
#include <map>
#include <random>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "core/access_scope.h"
#include "core/errors.h"
#include "core/page_token.h"
#include "core/workspace.h"
#include "google/protobuf/util/field_mask_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"
#include "storage/keys.h"
#include "territory/name_folding.h"

namespace maillage::core {
namespace {

using google::protobuf::util::FieldMaskUtil;
using google::protobuf::util::TimeUtil;
using storage::Family;
using territory::Level;

constexpr std::string_view kTerritory = "territory";
constexpr std::string_view kFact = "fact";

// The kinds a diagnosis reports on, in display order.
constexpr v1::ActorKind kKinds[] = {
    v1::ACTOR_KIND_ASSOCIATION, v1::ACTOR_KIND_COMPANY,
    v1::ACTOR_KIND_PUBLIC_BODY, v1::ACTOR_KIND_ACADEMIC, v1::ACTOR_KIND_MEDIA};

// Levels coarser than `level`, nearest first (the hierarchy commune < EPT <
// EPCI < département < région).
std::vector<Level> CoarserLevels(Level level) {
  static const Level kOrder[] = {Level::kCommune, Level::kEpt, Level::kEpci,
                                 Level::kDepartement, Level::kRegion};
  std::vector<Level> out;
  bool past = false;
  for (Level l : kOrder) {
    if (past) out.push_back(l);
    if (l == level) past = true;
  }
  return out;
}

v1::TerritoryRef Ref(Level level, std::string_view code) {
  v1::TerritoryRef ref;
  ref.set_level(ToProtoLevel(level));
  ref.set_code(std::string(code));
  return ref;
}

// Default child level when listing under a parent without a level.
Level DefaultChildLevel(Level parent) {
  switch (parent) {
    case Level::kRegion:
      return Level::kDepartement;
    default:
      return Level::kCommune;
  }
}

std::string NewFactId(const v1::TerritoryFact& fact) {
  // Deterministic from what identifies a fact, so that importing the same
  // file twice updates rather than duplicates.
  std::string key =
      absl::StrCat(fact.type(), "|", fact.territory().level(), "|",
                   fact.territory().code(), "|", fact.theme(), "|",
                   fact.title(), "|", fact.indicator(), "|", fact.year());
  return absl::StrCat(
      "f-", absl::Hex(XXH3_64bits(key.data(), key.size()), absl::kZeroPad16));
}

bool SameFact(v1::TerritoryFact a, v1::TerritoryFact b) {
  for (auto* f : {&a, &b}) {
    f->clear_create_time();
    f->clear_update_time();
    f->clear_etag();
  }
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

void Stamp(v1::TerritoryFact* fact, const v1::TerritoryFact* previous) {
  auto now = TimeUtil::GetCurrentTime();
  *fact->mutable_create_time() =
      previous != nullptr ? previous->create_time() : now;
  *fact->mutable_update_time() = now;
  fact->clear_etag();
  fact->set_etag(MakeEtag(fact->SerializeAsString(),
                          TimeUtil::TimestampToMicroseconds(now)));
}

// OK when the territory of `fact` lies inside `scope` (facts are written
// only where the writer answers for every commune, see core/access_scope.h).
// A territory that no longer resolves (a custom zone deleted since) is
// writable only by an unrestricted caller.
absl::Status CheckFactWrite(const AccessScope& scope,
                            const TerritoryRegistry& registry,
                            const v1::TerritoryFact& fact) {
  if (scope.all()) return absl::OkStatus();
  auto t = registry.Resolve(fact.territory());
  if (!t.has_value()) {
    return OutsideTerritories(
        absl::StrCat("the territory of fact ", Quote(fact.id())));
  }
  return CheckTerritoryWrite(scope, *t);
}

// The territories a ListTerritories request names, in a stable order (its
// pages are slices of it).
class ListCandidates {
 public:
  ListCandidates(const TerritoryRegistry& registry,
                 const std::optional<ResolvedTerritory>& parent,
                 std::string_view workspace)
      : registry_(registry),
        geo_(registry.geography()),
        parent_(parent),
        workspace_(workspace) {}

  // Standard territories (at `only`, or every level) whose name starts with
  // `prefix`, inside the parent, at most `want` before that filter.
  void StandardByName(std::optional<Level> only, const std::string& prefix,
                      size_t want) {
    for (const auto& m : geo_.SearchByName(only, prefix, want)) {
      if (InsideParent(m.level, m.id)) AddStandard(m.level, m.id);
    }
  }

  // The workspace's custom zones, those whose name starts with `prefix`.
  void CustomByName(const std::string& prefix) {
    const std::string folded = territory::FoldName(prefix);
    for (const v1::Territory& zone :
         registry_.ListCustom("", SIZE_MAX, workspace_)) {
      if (territory::FoldName(zone.name()).rfind(folded, 0) == 0) {
        AddCustom(zone);
      }
    }
  }

  // The parent's territories at `child`: the communes of a custom zone, the
  // communes or the territories of a standard level inside a standard one.
  void Children(Level child) {
    if (parent_->level == Level::kCustom) {
      if (child != Level::kCommune) return;
      for (uint32_t c : parent_->scope.custom_communes) {
        AddStandard(Level::kCommune, c);
      }
    } else if (child == Level::kCommune) {
      for (uint32_t c : geo_.Communes(parent_->level, parent_->id)) {
        AddStandard(Level::kCommune, c);
      }
    } else {
      for (uint32_t id : geo_.Children(parent_->level, parent_->id, child)) {
        AddStandard(child, id);
      }
    }
  }

  void AllCustom() {
    for (const v1::Territory& zone :
         registry_.ListCustom("", SIZE_MAX, workspace_)) {
      AddCustom(zone);
    }
  }

  // The first `count` territories of `level`, in code order.
  void FirstOfLevel(Level level, size_t count) {
    for (uint32_t id = 0; id < geo_.Count(level) && id < count; ++id) {
      AddStandard(level, id);
    }
  }

  std::vector<ResolvedTerritory>& all() { return all_; }

 private:
  bool InsideParent(Level l, uint32_t id) const {
    if (!parent_) return true;
    if (parent_->level == Level::kCustom) {
      if (l != Level::kCommune) return false;
      return std::binary_search(parent_->scope.custom_communes.begin(),
                                parent_->scope.custom_communes.end(), id);
    }
    if (l == Level::kCommune) {
      return geo_.Contains(parent_->level, parent_->id, id);
    }
    return geo_.PlaceOf(l, id).At(parent_->level) == parent_->id &&
           l != parent_->level;
  }
  void AddStandard(Level l, uint32_t id) {
    if (auto r = registry_.Resolve(l, geo_.Code(l, id))) {
      all_.push_back(std::move(*r));
    }
  }
  void AddCustom(const v1::Territory& zone) {
    if (auto r = registry_.Resolve(Level::kCustom, zone.ref().code())) {
      all_.push_back(std::move(*r));
    }
  }

  const TerritoryRegistry& registry_;
  const territory::Geography& geo_;
  const std::optional<ResolvedTerritory>& parent_;
  const std::string_view workspace_;
  std::vector<ResolvedTerritory> all_;
};

}  // namespace

TerritoryBook::TerritoryBook(storage::Store* store, TerritoryRegistry* registry,
                             const matcher::Vocabulary* vocabulary,
                             ActorDirectory* actors)
    : store_(store),
      registry_(registry),
      vocabulary_(vocabulary),
      actors_(actors),
      validation_{registry, vocabulary, {}},
      requests_(store) {}

absl::Status TerritoryBook::RefreshFragilities() {
  std::vector<matcher::Fragility> out;
  const territory::Geography& geo = registry_->geography();
  absl::Status parse_error;
  RETURN_IF_ERROR(store_->Scan(
      Family::kFacts, "", "", [&](std::string_view, std::string_view value) {
        v1::TerritoryFact f;
        if (!f.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          parse_error = absl::DataLossError("unparsable fact record");
          return false;
        }
        if (f.type() != v1::FACT_TYPE_FRAGILITY) return true;
        Level level = ToLevel(f.territory().level());
        auto id = geo.Find(level, f.territory().code());
        auto theme = vocabulary_->Theme(f.theme());
        if (!id.has_value() || !theme.has_value()) return true;
        out.push_back({level, *id, *theme, static_cast<float>(f.severity())});
        return true;
      }));
  RETURN_IF_ERROR(parse_error);
  actors_->SetFragilities(out);
  return absl::OkStatus();
}

v1::Territory TerritoryBook::Describe(const ResolvedTerritory& t) const {
  const territory::Geography& geo = registry_->geography();
  v1::Territory out;
  if (t.level == Level::kCustom) {
    if (auto zone = registry_->GetCustom(t.code)) out = *zone;
    uint64_t population = 0;
    for (uint32_t c : t.scope.custom_communes) {
      population += geo.Population(Level::kCommune, c);
    }
    out.set_population(static_cast<int64_t>(population));
    out.set_commune_count(static_cast<int>(t.scope.custom_communes.size()));
    return out;
  }
  *out.mutable_ref() = Ref(t.level, t.code);
  out.set_name(std::string(geo.Name(t.level, t.id)));
  out.set_population(static_cast<int64_t>(geo.Population(t.level, t.id)));
  out.set_commune_count(static_cast<int>(geo.Communes(t.level, t.id).size()));
  for (Level l : CoarserLevels(t.level)) {
    uint32_t a = t.scope.place.At(l);
    if (a != territory::kNone) *out.add_ancestors() = Ref(l, geo.Code(l, a));
  }
  if (t.level == Level::kCommune) {
    for (auto& pc : geo.PostalCodes(t.id)) out.add_postal_codes(pc);
  }
  if (t.level == Level::kEpci) {
    out.set_legal_form(
        std::string(territory::EpciTypeCode(geo.EpciTypeOf(t.id))));
  }
  if (t.level == Level::kEpt) out.set_legal_form("EPT");
  return out;
}

absl::StatusOr<v1::Territory> TerritoryBook::Get(
    const v1::GetTerritoryRequest& request,
    const auth::Principal& caller) const {
  FieldViolations violations;
  ResolvedTerritory t;
  if (!v1::TerritoryLevel_IsValid(request.ref().level()) ||
      request.ref().level() == v1::TERRITORY_LEVEL_UNSPECIFIED ||
      request.ref().code().empty() ||
      request.ref().code().size() > Limits::kTerritoryCodeMax) {
    // A malformed reference is INVALID_ARGUMENT; an unknown one NOT_FOUND.
    ValidateTerritoryRef(ForCaller(validation_, caller), request.ref(), "ref",
                         &violations);
    return violations.ToStatus();
  }
  auto found = registry_->Resolve(request.ref(), WorkspaceOf(caller));
  if (!found.has_value()) {
    return NotFound(kTerritory,
                    absl::StrCat(v1::TerritoryLevel_Name(request.ref().level()),
                                 ":", request.ref().code()));
  }
  return Describe(*found);
}

absl::Status TerritoryBook::ValidateList(
    const v1::ListTerritoriesRequest& request, const auth::Principal& caller,
    int* page_size, std::optional<ResolvedTerritory>* parent) const {
  FieldViolations violations;
  *page_size = ValidatePageSize(request.page_size(), Limits::kDefaultPageSize,
                                Limits::kPageSizeMax, "page_size", &violations);
  ValidateEnum(request.level(), v1::TerritoryLevel_IsValid, "level",
               &violations);
  ValidateText(request.name_prefix(), "name_prefix", Limits::kNameMax,
               /*required=*/false, /*multiline=*/false, &violations);
  if (request.has_parent()) {
    ResolvedTerritory p;
    size_t before = violations.size();
    ValidateTerritoryRef(ForCaller(validation_, caller), request.parent(),
                         "parent", &violations, &p);
    if (violations.size() == before) *parent = std::move(p);
  }
  if (request.level() == v1::TERRITORY_LEVEL_UNSPECIFIED && !*parent &&
      request.name_prefix().empty()) {
    violations.Add("level", "give a level, a parent or a name_prefix");
  }
  return violations.ToStatus();
}

absl::StatusOr<v1::ListTerritoriesResponse> TerritoryBook::List(
    const v1::ListTerritoriesRequest& request,
    const auth::Principal& caller) const {
  int page_size = 0;
  std::optional<ResolvedTerritory> parent;
  RETURN_IF_ERROR(ValidateList(request, caller, &page_size, &parent));
  const uint64_t filters = FiltersFingerprint(request);
  ASSIGN_OR_RETURN(std::string position,
                   DecodePageToken(request.page_token(), filters));
  size_t offset = 0;
  if (!position.empty() && !absl::SimpleAtoi(position, &offset)) {
    return InvalidField("page_token", "is not a token this server issued");
  }
  // Enough to tell whether a page follows this one.
  const size_t through_next = offset + static_cast<size_t>(page_size) + 1;

  Level level = ToLevel(request.level());
  ListCandidates candidates(*registry_, parent, WorkspaceOf(caller));
  if (!request.name_prefix().empty()) {
    if (level != Level::kCustom) {
      std::optional<Level> only;
      if (level != Level::kUnspecified) only = level;
      // Enough matches to fill this page after the parent filter.
      candidates.StandardByName(only, request.name_prefix(),
                                parent ? SIZE_MAX : through_next);
    }
    if ((level == Level::kUnspecified || level == Level::kCustom) && !parent) {
      candidates.CustomByName(request.name_prefix());
    }
  } else if (parent) {
    Level child =
        level != Level::kUnspecified ? level : DefaultChildLevel(parent->level);
    if (child == Level::kCustom) {
      return InvalidField("level", "custom zones have no parent");
    }
    candidates.Children(child);
  } else if (level == Level::kCustom) {
    candidates.AllCustom();
  } else {
    candidates.FirstOfLevel(level, through_next);
  }

  const std::vector<ResolvedTerritory>& all = candidates.all();
  v1::ListTerritoriesResponse response;
  size_t end = std::min(all.size(), offset + static_cast<size_t>(page_size));
  for (size_t i = offset; i < end; ++i) {
    *response.add_territories() = Describe(all[i]);
  }
  if (end < all.size())
    response.set_next_page_token(EncodePageToken(filters, absl::StrCat(end)));
  return response;
}

absl::StatusOr<v1::ResolvePostalCodeResponse> TerritoryBook::ResolvePostalCode(
    const v1::ResolvePostalCodeRequest& request,
    const auth::Principal& caller) const {
  const std::string& code = request.postal_code();
  bool well_formed = code.size() == 5 &&
                     std::all_of(code.begin(), code.end(),
                                 [](char c) { return c >= '0' && c <= '9'; });
  if (!well_formed) return InvalidField("postal_code", "must be 5 digits");
  const territory::Geography& geo = registry_->geography();
  std::vector<uint32_t> communes = geo.ResolvePostalCode(code);
  if (communes.empty()) return NotFound("postal code", code);
  v1::ResolvePostalCodeResponse response;
  for (uint32_t c : communes) {
    if (auto r =
            registry_->Resolve(Level::kCommune, geo.Code(Level::kCommune, c))) {
      *response.add_communes() = Describe(*r);
    }
  }
  return response;
}

absl::StatusOr<v1::Territory> TerritoryBook::CreateCustom(
    const v1::CreateCustomTerritoryRequest& request,
    const auth::Principal& caller) {
  constexpr std::string_view kMethod = "CreateCustomTerritory";
  FieldViolations violations;
  ValidateRequestId(request.request_id(), "request_id", &violations);
  v1::Territory zone = request.territory();
  std::vector<uint32_t> communes;
  ValidateCustomTerritory(ForCaller(validation_, caller), "territory", &zone,
                          &communes, &violations);
  RETURN_IF_ERROR(violations.ToStatus());

  uint64_t fingerprint = RequestLog::Fingerprint(request);
  auto held = locks_.Lock({zone.ref().code(), request.request_id()});
  ASSIGN_OR_RETURN(auto previous,
                   requests_.Find(kMethod, WorkspaceOf(caller),
                                  request.request_id(), fingerprint));
  if (previous.has_value()) {
    v1::Territory first;
    first.ParseFromString(*previous);
    return first;
  }
  // Codes are one namespace: a code another workspace uses is taken, and
  // the answer is the same as for the caller's own (it names no owner).
  if (registry_->GetCustom(zone.ref().code()).has_value()) {
    return AlreadyExists(kTerritory,
                         absl::StrCat("CUSTOM:", zone.ref().code()));
  }
  const std::string_view workspace = WorkspaceOf(caller);
  zone.clear_ancestors();
  zone.clear_postal_codes();
  zone.clear_legal_form();
  auto now = TimeUtil::GetCurrentTime();
  *zone.mutable_create_time() = now;
  *zone.mutable_update_time() = now;
  zone.clear_etag();
  zone.set_etag(MakeEtag(zone.SerializeAsString(),
                         TimeUtil::TimestampToMicroseconds(now)));
  zone.clear_population();
  zone.clear_commune_count();
  storage::WriteBatch batch;
  batch.PutMessage(Family::kTerritories,
                   storage::keys::InWorkspace(workspace, zone.ref().code()),
                   zone);
  registry_->PutCustom(zone, communes, workspace);
  auto resolved = registry_->Resolve(Level::kCustom, zone.ref().code());
  v1::Territory answer = Describe(*resolved);
  RequestLog::Record(&batch, kMethod, WorkspaceOf(caller), request.request_id(),
                     fingerprint, answer);
  absl::Status written = store_->Write(batch);
  if (!written.ok()) {
    registry_->RemoveCustom(zone.ref().code());
    return written;
  }
  return answer;
}

absl::StatusOr<v1::Territory> TerritoryBook::UpdateCustom(
    const v1::UpdateCustomTerritoryRequest& request,
    const auth::Principal& caller) {
  FieldViolations violations;
  ValidateRequestId(request.request_id(), "request_id", &violations);
  const v1::TerritoryRef& ref = request.territory().ref();
  const std::string& code = ref.code();
  if (ref.level() != v1::TERRITORY_LEVEL_UNSPECIFIED &&
      ref.level() != v1::TERRITORY_LEVEL_CUSTOM) {
    violations.Add("territory.ref.level",
                   "must be CUSTOM: only custom zones can be changed");
  }
  ValidateCustomZoneCode(code, "territory.ref.code", &violations);
  ValidateEtag(request.territory().etag(), "territory.etag", &violations);
  if (ValidateCount(request.update_mask().paths_size(), Limits::kMaskPathsMax,
                    "update_mask.paths", &violations)) {
    for (int i = 0; i < request.update_mask().paths_size(); ++i) {
      const std::string& p = request.update_mask().paths(i);
      if (p != "name" && p != "description" && p != "communes") {
        violations.Add(absl::StrCat("update_mask.paths[", i, "]"),
                       "only name, description and communes can be changed");
      }
    }
  }
  RETURN_IF_ERROR(violations.ToStatus());
  auto held = locks_.Lock({code});
  const std::string_view workspace = WorkspaceOf(caller);
  auto stored = registry_->GetCustom(code, workspace);
  if (!stored.has_value()) {
    return NotFound(kTerritory, absl::StrCat("CUSTOM:", code));
  }
  if (!request.territory().etag().empty() &&
      request.territory().etag() != stored->etag()) {
    return EtagMismatch(kTerritory, code, request.territory().etag(),
                        stored->etag());
  }
  v1::Territory zone = *stored;
  if (request.update_mask().paths_size() == 0) {
    zone.set_name(request.territory().name());
    zone.set_description(request.territory().description());
    *zone.mutable_communes() = request.territory().communes();
  } else {
    FieldMaskUtil::MergeOptions options;
    options.set_replace_repeated_fields(true);
    FieldMaskUtil::MergeMessageTo(request.territory(), request.update_mask(),
                                  options, &zone);
  }
  std::vector<uint32_t> communes;
  ValidateCustomTerritory(ForCaller(validation_, caller), "territory", &zone,
                          &communes, &violations);
  RETURN_IF_ERROR(violations.ToStatus());
  auto now = TimeUtil::GetCurrentTime();
  *zone.mutable_update_time() = now;
  zone.clear_etag();
  zone.set_etag(MakeEtag(zone.SerializeAsString(),
                         TimeUtil::TimestampToMicroseconds(now)));
  storage::WriteBatch batch;
  batch.PutMessage(Family::kTerritories,
                   storage::keys::InWorkspace(workspace, code), zone);
  RETURN_IF_ERROR(store_->Write(batch));
  registry_->PutCustom(zone, std::move(communes), workspace);
  return Describe(*registry_->Resolve(Level::kCustom, code));
}

absl::Status TerritoryBook::DeleteCustom(
    const v1::DeleteCustomTerritoryRequest& request,
    const auth::Principal& caller) {
  FieldViolations violations;
  ValidateCustomZoneCode(request.code(), "code", &violations);
  ValidateEtag(request.etag(), "etag", &violations);
  RETURN_IF_ERROR(violations.ToStatus());
  auto held = locks_.Lock({request.code()});
  const std::string_view workspace = WorkspaceOf(caller);
  auto stored = registry_->GetCustom(request.code(), workspace);
  if (!stored.has_value()) {
    return NotFound(kTerritory, absl::StrCat("CUSTOM:", request.code()));
  }
  if (!request.etag().empty() && request.etag() != stored->etag()) {
    return EtagMismatch(kTerritory, request.code(), request.etag(),
                        stored->etag());
  }
  storage::WriteBatch batch;
  batch.Delete(Family::kTerritories,
               storage::keys::InWorkspace(workspace, request.code()));
  RETURN_IF_ERROR(store_->Write(batch));
  registry_->RemoveCustom(request.code());
  return absl::OkStatus();
}

void TerritoryBook::PutFact(const v1::TerritoryFact& fact,
                            const v1::TerritoryFact* previous,
                            storage::WriteBatch* batch) {
  batch->PutMessage(Family::kFacts, fact.id(), fact);
  if (previous != nullptr &&
      (previous->territory().level() != fact.territory().level() ||
       previous->territory().code() != fact.territory().code())) {
    batch->Delete(Family::kFactsByTerritory,
                  storage::keys::FactByTerritory(
                      static_cast<uint8_t>(previous->territory().level()),
                      previous->territory().code(), previous->id()));
  }
  batch->Put(Family::kFactsByTerritory,
             storage::keys::FactByTerritory(
                 static_cast<uint8_t>(fact.territory().level()),
                 fact.territory().code(), fact.id()),
             "");
}

absl::StatusOr<std::optional<v1::TerritoryFact>> TerritoryBook::ReadFact(
    std::string_view id) const {
  v1::TerritoryFact fact;
  ASSIGN_OR_RETURN(bool found, store_->GetMessage(Family::kFacts, id, &fact));
  if (!found) return std::optional<v1::TerritoryFact>();
  return std::optional<v1::TerritoryFact>(std::move(fact));
}

absl::StatusOr<v1::TerritoryFact> TerritoryBook::CreateFact(
    const v1::CreateFactRequest& request, const auth::Principal& caller) {
  constexpr std::string_view kMethod = "CreateFact";
  FieldViolations violations;
  ValidateRequestId(request.request_id(), "request_id", &violations);
  v1::TerritoryFact fact = request.fact();
  ValidateFact(ForCaller(validation_, caller), "fact", false, &fact,
               &violations);
  RETURN_IF_ERROR(violations.ToStatus());
  RETURN_IF_ERROR(CheckFactWrite(*actors_->ScopeOf(caller), *registry_, fact));
  if (fact.id().empty()) fact.set_id(NewFactId(fact));
  uint64_t fingerprint = RequestLog::Fingerprint(request);
  auto held = locks_.Lock({fact.id(), request.request_id()});
  ASSIGN_OR_RETURN(auto previous,
                   requests_.Find(kMethod, WorkspaceOf(caller),
                                  request.request_id(), fingerprint));
  if (previous.has_value()) {
    v1::TerritoryFact first;
    first.ParseFromString(*previous);
    return first;
  }
  ASSIGN_OR_RETURN(auto existing, ReadFact(fact.id()));
  if (existing.has_value()) return AlreadyExists(kFact, fact.id());
  Stamp(&fact, nullptr);
  storage::WriteBatch batch;
  PutFact(fact, nullptr, &batch);
  RequestLog::Record(&batch, kMethod, WorkspaceOf(caller), request.request_id(),
                     fingerprint, fact);
  RETURN_IF_ERROR(store_->Write(batch));
  RETURN_IF_ERROR(RefreshFragilities());
  return fact;
}

absl::StatusOr<v1::TerritoryFact> TerritoryBook::GetFact(
    const v1::GetFactRequest& request, const auth::Principal& caller) const {
  FieldViolations violations;
  ValidateRecordId(request.id(), /*required=*/true, "id", &violations);
  RETURN_IF_ERROR(violations.ToStatus());
  ASSIGN_OR_RETURN(auto fact, ReadFact(request.id()));
  if (!fact.has_value()) return NotFound(kFact, request.id());
  return std::move(*fact);
}

absl::StatusOr<v1::TerritoryFact> TerritoryBook::UpdateFact(
    const v1::UpdateFactRequest& request, const auth::Principal& caller) {
  FieldViolations violations;
  ValidateRequestId(request.request_id(), "request_id", &violations);
  const std::string& id = request.fact().id();
  ValidateRecordId(id, /*required=*/true, "fact.id", &violations);
  ValidateEtag(request.fact().etag(), "fact.etag", &violations);
  if (ValidateCount(request.update_mask().paths_size(), Limits::kMaskPathsMax,
                    "update_mask.paths", &violations)) {
    for (int i = 0; i < request.update_mask().paths_size(); ++i) {
      google::protobuf::FieldMask one;
      one.add_paths(request.update_mask().paths(i));
      const std::string& p = request.update_mask().paths(i);
      if (!FieldMaskUtil::IsValidFieldMask<v1::TerritoryFact>(one) ||
          p == "id" || p == "etag" || p == "create_time" ||
          p == "update_time" || p == "severity_derived") {
        violations.Add(absl::StrCat("update_mask.paths[", i, "]"),
                       absl::StrCat(Quote(p), " cannot be updated"));
      }
    }
  }
  RETURN_IF_ERROR(violations.ToStatus());
  auto held = locks_.Lock({id});
  ASSIGN_OR_RETURN(auto stored, ReadFact(id));
  if (!stored.has_value()) return NotFound(kFact, id);
  std::shared_ptr<const AccessScope> scope = actors_->ScopeOf(caller);
  RETURN_IF_ERROR(CheckFactWrite(*scope, *registry_, *stored));
  if (!request.fact().etag().empty() &&
      request.fact().etag() != stored->etag()) {
    return EtagMismatch(kFact, id, request.fact().etag(), stored->etag());
  }
  v1::TerritoryFact fact;
  if (request.update_mask().paths_size() == 0) {
    fact = request.fact();
  } else {
    fact = *stored;
    // A severity that was derived is derived again from the new values.
    if (fact.severity_derived()) fact.clear_severity();
    FieldMaskUtil::MergeOptions options;
    options.set_replace_repeated_fields(true);
    options.set_replace_message_fields(true);
    FieldMaskUtil::MergeMessageTo(request.fact(), request.update_mask(),
                                  options, &fact);
  }
  fact.set_id(id);
  ValidateFact(ForCaller(validation_, caller), "fact", true, &fact,
               &violations);
  RETURN_IF_ERROR(violations.ToStatus());
  RETURN_IF_ERROR(CheckFactWrite(*scope, *registry_, fact));
  if (SameFact(fact, *stored)) return std::move(*stored);
  Stamp(&fact, &*stored);
  storage::WriteBatch batch;
  PutFact(fact, &*stored, &batch);
  RETURN_IF_ERROR(store_->Write(batch));
  RETURN_IF_ERROR(RefreshFragilities());
  return fact;
}

absl::Status TerritoryBook::DeleteFact(const v1::DeleteFactRequest& request,
                                       const auth::Principal& caller) {
  FieldViolations violations;
  ValidateRecordId(request.id(), /*required=*/true, "id", &violations);
  ValidateEtag(request.etag(), "etag", &violations);
  RETURN_IF_ERROR(violations.ToStatus());
  auto held = locks_.Lock({request.id()});
  ASSIGN_OR_RETURN(auto stored, ReadFact(request.id()));
  if (!stored.has_value()) return NotFound(kFact, request.id());
  RETURN_IF_ERROR(
      CheckFactWrite(*actors_->ScopeOf(caller), *registry_, *stored));
  if (!request.etag().empty() && request.etag() != stored->etag()) {
    return EtagMismatch(kFact, request.id(), request.etag(), stored->etag());
  }
  storage::WriteBatch batch;
  batch.Delete(Family::kFacts, request.id());
  batch.Delete(Family::kFactsByTerritory,
               storage::keys::FactByTerritory(
                   static_cast<uint8_t>(stored->territory().level()),
                   stored->territory().code(), stored->id()));
  RETURN_IF_ERROR(store_->Write(batch));
  return RefreshFragilities();
}

absl::StatusOr<std::vector<v1::TerritoryFact>> TerritoryBook::FactsOf(
    Level level, std::string_view code) const {
  std::string prefix = storage::keys::FactByTerritoryPrefix(
      static_cast<uint8_t>(ToProtoLevel(level)), code);
  std::vector<std::string> ids;
  RETURN_IF_ERROR(store_->Scan(
      Family::kFactsByTerritory, prefix, storage::keys::PrefixSuccessor(prefix),
      [&](std::string_view key, std::string_view) {
        if (auto id = storage::keys::FactIdFromTerritoryKey(key)) {
          ids.emplace_back(*id);
        }
        return true;
      }));
  ASSIGN_OR_RETURN(auto values, store_->MultiGet(Family::kFacts, ids));
  std::vector<v1::TerritoryFact> facts;
  for (auto& v : values) {
    if (!v.has_value()) continue;
    v1::TerritoryFact f;
    if (!f.ParseFromString(*v)) {
      return absl::DataLossError("unparsable fact record");
    }
    facts.push_back(std::move(f));
  }
  return facts;
}

absl::StatusOr<std::vector<v1::TerritoryFact>> TerritoryBook::FactsAround(
    const ResolvedTerritory& t, v1::FactType type) const {
  std::vector<v1::TerritoryFact> out;
  std::vector<std::pair<Level, std::string>> around = {{t.level, t.code}};
  if (t.level != Level::kCustom) {
    const territory::Geography& geo = registry_->geography();
    for (Level l : CoarserLevels(t.level)) {
      uint32_t a = t.scope.place.At(l);
      if (a != territory::kNone) around.emplace_back(l, geo.Code(l, a));
    }
  }
  for (const auto& [level, code] : around) {
    ASSIGN_OR_RETURN(auto facts, FactsOf(level, code));
    for (auto& f : facts) {
      if (type == v1::FACT_TYPE_UNSPECIFIED || f.type() == type) {
        out.push_back(std::move(f));
      }
    }
  }
  return out;
}

absl::StatusOr<v1::ListFactsResponse> TerritoryBook::ListFacts(
    const v1::ListFactsRequest& request, const auth::Principal& caller) const {
  FieldViolations violations;
  int page_size =
      ValidatePageSize(request.page_size(), Limits::kDefaultPageSize,
                       Limits::kPageSizeMax, "page_size", &violations);
  ResolvedTerritory t;
  ValidateTerritoryRef(ForCaller(validation_, caller), request.territory(),
                       "territory", &violations, &t);
  ValidateEnum(request.type(), v1::FactType_IsValid, "type", &violations);
  if (!request.theme().empty()) {
    ValidateTheme(ForCaller(validation_, caller), request.theme(), false,
                  "theme", &violations);
  }
  RETURN_IF_ERROR(violations.ToStatus());
  const uint64_t filters = FiltersFingerprint(request);
  ASSIGN_OR_RETURN(std::string after,
                   DecodePageToken(request.page_token(), filters));
  ASSIGN_OR_RETURN(auto facts, FactsOf(t.level, t.code));
  v1::ListFactsResponse response;
  for (auto& f : facts) {  // in id order (index key order)
    if (!after.empty() && f.id() <= after) continue;
    if (request.type() != v1::FACT_TYPE_UNSPECIFIED &&
        f.type() != request.type()) {
      continue;
    }
    if (!request.theme().empty() && f.theme() != request.theme()) continue;
    if (response.facts_size() == page_size) {
      response.set_next_page_token(EncodePageToken(
          filters, response.facts(response.facts_size() - 1).id()));
      break;
    }
    *response.add_facts() = std::move(f);
  }
  return response;
}

absl::StatusOr<v1::ImportFactsResponse> TerritoryBook::ImportFacts(
    const v1::ImportFactsRequest& request, const auth::Principal& caller) {
  {
    FieldViolations violations;
    ValidateCount(request.facts_size(), Limits::kImportRowsMax, "facts",
                  &violations);
    ValidateRowNumber(request.first_row_number(), "first_row_number",
                      &violations);
    RETURN_IF_ERROR(violations.ToStatus());
  }
  v1::ImportFactsResponse response;
  std::shared_ptr<const AccessScope> scope = actors_->ScopeOf(caller);
  auto reject = [&](int64_t row, std::string field, std::string reason) {
    auto* e = response.add_errors();
    e->set_row_number(row);
    e->set_field(std::move(field));
    e->set_reason(std::move(reason));
    response.set_rejected(response.rejected() + 1);
  };
  std::vector<v1::TerritoryFact> good;
  std::map<std::string, int64_t> row_of_id;
  for (int i = 0; i < request.facts_size(); ++i) {
    int64_t row = request.first_row_number() + i;
    v1::TerritoryFact fact = request.facts(i);
    FieldViolations violations;
    ValidateFact(ForCaller(validation_, caller), "", false, &fact, &violations);
    if (!violations.empty()) {
      for (const auto& [field, reason] : violations.list()) {
        auto* e = response.add_errors();
        e->set_row_number(row);
        e->set_field(field);
        e->set_reason(reason);
      }
      response.set_rejected(response.rejected() + 1);
      continue;
    }
    if (absl::Status in_scope = CheckFactWrite(*scope, *registry_, fact);
        !in_scope.ok()) {
      reject(row, "territory", std::string(in_scope.message()));
      continue;
    }
    if (fact.id().empty()) fact.set_id(NewFactId(fact));
    auto [it, inserted] = row_of_id.emplace(fact.id(), row);
    if (!inserted) {
      auto* e = response.add_errors();
      e->set_row_number(row);
      e->set_field("id");
      e->set_reason(absl::StrCat("same fact as row ", it->second,
                                 " (same id, or same territory, type, theme, "
                                 "title, indicator and year)"));
      response.set_rejected(response.rejected() + 1);
      continue;
    }
    good.push_back(std::move(fact));
  }

  std::vector<std::string_view> ids;
  for (const auto& f : good) ids.push_back(f.id());
  auto held = locks_.Lock(ids);
  std::vector<std::string> keys(ids.begin(), ids.end());
  ASSIGN_OR_RETURN(auto stored, store_->MultiGet(Family::kFacts, keys));
  storage::WriteBatch batch;
  for (size_t i = 0; i < good.size(); ++i) {
    v1::TerritoryFact previous;
    bool exists = stored[i].has_value() && previous.ParseFromString(*stored[i]);
    if (exists && !CheckFactWrite(*scope, *registry_, previous).ok()) {
      // The id names a fact of a territory outside the caller's.
      reject(row_of_id[good[i].id()], "id",
             "names a fact of a territory outside your territories");
      continue;
    }
    if (exists && SameFact(good[i], previous)) {
      response.set_unchanged(response.unchanged() + 1);
      continue;
    }
    Stamp(&good[i], exists ? &previous : nullptr);
    PutFact(good[i], exists ? &previous : nullptr, &batch);
    if (exists) {
      response.set_updated(response.updated() + 1);
    } else {
      response.set_created(response.created() + 1);
    }
  }
  if (!request.dry_run() && batch.Count() > 0) {
    RETURN_IF_ERROR(store_->Write(batch));
    RETURN_IF_ERROR(RefreshFragilities());
  }
  return response;
}

absl::StatusOr<v1::TerritoryDiagnosis> TerritoryBook::Diagnose(
    const v1::GetTerritoryDiagnosisRequest& request,
    const auth::Principal& caller) const {
  FieldViolations violations;
  ResolvedTerritory t;
  ValidateTerritoryRef(ForCaller(validation_, caller), request.territory(),
                       "territory", &violations, &t);
  RETURN_IF_ERROR(violations.ToStatus());
  std::shared_ptr<const AccessScope> access = actors_->ScopeOf(caller);
  RETURN_IF_ERROR(CheckTerritoryRead(*access, t));

  v1::TerritoryDiagnosis d;
  *d.mutable_territory() = Describe(t);
  d.set_population(d.territory().population());

  // Actors present: kind counts, theme counts, and per theme per kind.
  std::array<int, matcher::kKindCount> by_kind{};
  std::vector<int> by_theme(vocabulary_->theme_count(), 0);
  std::vector<std::array<int, matcher::kKindCount>> theme_kind(
      vocabulary_->theme_count());
  int total = 0;
  actors_->ReadIndex([&](const matcher::ActorIndex& index) {
    matcher::ActorFilter filter;
    filter.territory = t.scope;
    bool more = false;
    for (const std::string& id : index.List(filter, "", index.size(), &more)) {
      auto num = index.Find(id);
      if (!num.has_value()) continue;
      const matcher::ActorProfile& p = index.Get(*num);
      if (!access->CoversProfile(p)) continue;  // counts the caller's only
      int kind = static_cast<int>(p.kind);
      ++total;
      ++by_kind[kind];
      for (size_t th = 0; th < by_theme.size(); ++th) {
        if (p.themes & (uint64_t{1} << th)) {
          ++by_theme[th];
          ++theme_kind[th][kind];
        }
      }
    }
  });
  d.set_actor_count(total);
  for (v1::ActorKind k : kKinds) {
    auto* kc = d.add_actors_by_kind();
    kc->set_kind(k);
    kc->set_count(by_kind[k]);
  }
  std::vector<size_t> order(by_theme.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return by_theme[a] > by_theme[b];
  });
  for (size_t th : order) {
    if (by_theme[th] == 0) break;
    auto* tc = d.add_actors_by_theme();
    tc->set_theme(
        std::string(vocabulary_->ThemeCode(static_cast<uint8_t>(th))));
    tc->set_count(by_theme[th]);
  }

  ASSIGN_OR_RETURN(auto facts, FactsAround(t, v1::FACT_TYPE_UNSPECIFIED));
  std::vector<v1::TerritoryFact> fragilities;
  for (auto& f : facts) {
    if (f.type() == v1::FACT_TYPE_ASSET) {
      *d.add_assets() = std::move(f);
    } else {
      fragilities.push_back(std::move(f));
    }
  }
  std::stable_sort(fragilities.begin(), fragilities.end(),
                   [](const auto& a, const auto& b) {
                     if (a.severity() != b.severity()) {
                       return a.severity() > b.severity();
                     }
                     return a.id() < b.id();
                   });
  for (auto& f : fragilities) {
    auto* fd = d.add_fragilities();
    auto theme = vocabulary_->Theme(f.theme());
    if (theme.has_value()) {
      fd->set_actors_on_theme(by_theme[*theme]);
      for (v1::ActorKind k : kKinds) {
        int n = theme_kind[*theme][k];
        auto* kc = fd->add_actors_on_theme_by_kind();
        kc->set_kind(k);
        kc->set_count(n);
        if (n == 0) fd->add_missing_kinds(k);
      }
    }
    *fd->mutable_fragility() = std::move(f);
  }
  d.set_active_partnership_links(actors_->CountActivePartnershipLinks(t.scope));
  if (d.population() > 0) {
    double per = 10000.0 / static_cast<double>(d.population());
    d.set_actor_density(per * total);
    d.set_partnership_density(per * d.active_partnership_links());
  }
  return d;
}

}  // namespace maillage::core

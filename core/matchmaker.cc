#include "core/matchmaker.h"

#include <algorithm>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "core/access_scope.h"
#include "core/errors.h"
#include "core/workspace.h"
#include "matcher/fair_matching.h"
#include "matcher/panel.h"
#include "territory/level.h"

namespace maillage::core {
namespace {

constexpr int kDefaultLimit = 20;
constexpr int kDefaultPanelSize = 12;

std::vector<std::string> ThemeCodes(const matcher::Vocabulary& vocabulary,
                                    matcher::ThemeSet set) {
  std::vector<std::string> out;
  for (size_t t = 0; t < vocabulary.theme_count(); ++t) {
    if (set & (uint64_t{1} << t)) {
      out.emplace_back(vocabulary.ThemeCode(static_cast<uint8_t>(t)));
    }
  }
  return out;
}

template <typename Repeated>
void AddAll(const std::vector<std::string>& values, Repeated* out) {
  for (const auto& v : values) *out->Add() = v;
}

std::string ResourceCode(const matcher::Vocabulary& vocabulary, uint8_t r) {
  return std::string(vocabulary.ResourceCode(r));
}

// A list of enum values of a request as an engine bit mask (bit v for value
// v); the list is validated (ValidateEnumList) and bad values left out.
uint32_t EnumMask(const google::protobuf::RepeatedField<int>& values,
                  bool (*is_valid)(int), int max, std::string_view path,
                  FieldViolations* out) {
  ValidateEnumList(values, is_valid, max, path, out);
  uint32_t mask = 0;
  for (int v : values) {
    if (v > 0 && v < 32 && is_valid(v)) mask |= 1u << v;
  }
  return mask;
}

// The weights of a request, field by field, then the engine's rule on the
// weights in effect (the request's over the server's defaults).
void CheckWeights(const v1::MatchWeights& requested,
                  const matcher::Weights& effective, FieldViolations* out) {
  size_t before = out->size();
  ValidateMatchWeights(requested, "weights", out);
  if (out->size() != before) return;
  if (absl::Status w = matcher::ValidateWeights(effective); !w.ok()) {
    out->Add("weights", std::string(w.message()));
  }
}

uint32_t KindMask(const google::protobuf::RepeatedField<int>& kinds,
                  std::string_view path, FieldViolations* out) {
  return EnumMask(kinds, v1::ActorKind_IsValid, Limits::kKindsMax, path, out);
}

// FAILED_PRECONDITION for partners asked for an actor the engine may not
// propose (its index profile is unavailable), with a PreconditionFailure
// saying why: ACTOR_OPTED_OUT (the organisation objected to being
// proposed, core/objection.h) or ACTOR_DISSOLVED. ABORTED when `status`,
// read after the engine's answer, no longer says either.
absl::Status NotProposable(std::string_view id, v1::ActorStatus status) {
  if (status == v1::ACTOR_STATUS_OPTED_OUT) {
    return FailedPrecondition(
        "ACTOR_OPTED_OUT", id,
        "the organisation objected to being proposed "
        "(ACTOR_STATUS_OPTED_OUT): no partner is suggested for it, and it "
        "is proposed to no one");
  }
  if (status == v1::ACTOR_STATUS_DISSOLVED) {
    return FailedPrecondition(
        "ACTOR_DISSOLVED", id,
        "the actor is dissolved (ACTOR_STATUS_DISSOLVED): no partner is "
        "suggested for it");
  }
  return absl::AbortedError(absl::StrCat("the status of actor ", Quote(id),
                                         " changed during the call; retry"));
}

}  // namespace

Matchmaker::Matchmaker(const TerritoryRegistry* registry,
                       const matcher::Vocabulary* vocabulary,
                       ActorDirectory* actors, TerritoryBook* territories,
                       Lifecycle* lifecycle, WeightBook* weights,
                       Options options)
    : registry_(registry),
      vocabulary_(vocabulary),
      actors_(actors),
      territories_(territories),
      lifecycle_(lifecycle),
      weights_(weights),
      options_(options),
      validation_{registry, vocabulary, {}} {}

matcher::Weights Matchmaker::WeightsFor(const v1::MatchWeights& o,
                                        const auth::Principal& caller) const {
  matcher::Weights w = weights_->WeightsFor(WorkspaceOf(caller));
  if (o.has_complementarity()) w.complementarity = o.complementarity();
  if (o.has_shared_themes()) w.shared_themes = o.shared_themes();
  if (o.has_proximity()) w.proximity = o.proximity();
  if (o.has_fragility()) w.fragility = o.fragility();
  if (o.has_cross_kind()) w.cross_kind = o.cross_kind();
  if (o.has_capacity()) w.capacity = o.capacity();
  if (o.has_common_partners()) w.common_partners = o.common_partners();
  if (o.has_responsiveness()) w.responsiveness = o.responsiveness();
  if (o.has_similar_success()) w.similar_success = o.similar_success();
  return w;
}

void Matchmaker::ToProto(matcher::Suggestion& s,
                         const matcher::ActorIndex& index,
                         v1::PartnerSuggestion* answer) const {
  v1::PartnerSuggestion& out = *answer;
  const matcher::ActorProfile& partner = index.Get(s.partner);
  out.set_partner_id(std::move(s.partner_id));
  out.set_partner_name(partner.name);
  out.set_partner_kind(static_cast<v1::ActorKind>(partner.kind));
  if (partner.home.commune != territory::kNone) {
    const std::string_view code = registry_->geography().Code(
        territory::Level::kCommune, partner.home.commune);
    out.set_partner_home_commune(code.data(), code.size());
  }
  out.set_score(s.score);
  out.set_category(static_cast<v1::PartnershipCategory>(s.category));
  out.set_modality(static_cast<v1::PartnershipModality>(s.modality));
  for (int c = 1; c <= 4; ++c) {
    if (s.categories & (1u << c)) {
      out.add_categories(static_cast<v1::PartnershipCategory>(c));
    }
  }
  out.set_fit_for_actor(s.fit_for_actor);
  out.set_fit_for_partner(s.fit_for_partner);
  for (const matcher::ExchangeMatch& e : s.exchanges) {
    auto* flow = out.add_flows();
    flow->set_giver_id(index.Get(e.giver).id);
    flow->set_receiver_id(index.Get(e.receiver).id);
    flow->set_resource(ResourceCode(*vocabulary_, e.resource));
    if (e.theme != matcher::Exchange::kAnyTheme) {
      flow->set_theme(std::string(vocabulary_->ThemeCode(e.theme)));
    }
    flow->set_quality(e.quality);
    flow->set_category(static_cast<v1::PartnershipCategory>(e.category));
    flow->set_modality(static_cast<v1::PartnershipModality>(e.modality));
  }
  AddAll(ThemeCodes(*vocabulary_, s.shared_themes),
         out.mutable_shared_themes());
  out.set_distance_km(s.distance_km);
  out.mutable_factors()->Reserve(static_cast<int>(s.factors.size()));
  for (matcher::Factor& f : s.factors) {
    auto* factor = out.add_factors();
    const std::string_view code = matcher::FactorCode(f.kind);
    factor->set_code(code.data(), code.size());
    factor->set_value(f.value);
    factor->set_weight(f.weight);
    factor->set_contribution(f.contribution);
    if (!f.detail.empty()) factor->set_detail(std::move(f.detail));
  }
  out.set_explanation(std::move(s.sentence));
}

absl::StatusOr<matcher::PartnerOptions> Matchmaker::ReadPartnersRequest(
    const v1::SuggestPartnersRequest& request,
    const auth::Principal& caller) const {
  FieldViolations violations;
  ValidateRecordId(request.actor_id(), /*required=*/true, "actor_id",
                   &violations);
  if (request.limit() < 0 || request.limit() > Limits::kSuggestionsMax) {
    violations.Add("limit", absl::StrCat("must be within [0, ",
                                         Limits::kSuggestionsMax, "]"));
  }
  matcher::PartnerOptions options;
  options.limit = request.limit() == 0 ? kDefaultLimit
                                       : static_cast<size_t>(request.limit());
  options.kinds = KindMask(request.kinds(), "kinds", &violations);
  options.categories =
      EnumMask(request.categories(), v1::PartnershipCategory_IsValid,
               Limits::kCategoriesMax, "categories", &violations);
  if (ValidateCount(request.themes_size(), Limits::kThemesMax, "themes",
                    &violations)) {
    for (int i = 0; i < request.themes_size(); ++i) {
      ValidateTheme(ForCaller(validation_, caller), request.themes(i), false,
                    absl::StrCat("themes[", i, "]"), &violations);
      if (auto t = vocabulary_->Theme(request.themes(i))) {
        options.themes |= uint64_t{1} << *t;
      }
    }
  }
  options.scope = ValidateTerritoryFilter(
      validation_, request.has_scope(), request.scope(), "scope", &violations);
  if (!(request.min_score() >= 0 && request.min_score() <= 1)) {
    violations.Add("min_score", "must be within [0, 1]");
  }
  options.min_score = request.min_score();
  options.weights = WeightsFor(request.weights(), caller);
  CheckWeights(request.weights(), options.weights, &violations);
  ValidateText(request.requested_by(), "requested_by", Limits::kPersonMax,
               /*required=*/false, /*multiline=*/false, &violations);
  ValidateEnum(request.view(), v1::SuggestionView_IsValid, "view", &violations);
  options.factor_details = request.view() == v1::SUGGESTION_VIEW_FULL;
  RETURN_IF_ERROR(violations.ToStatus());
  return options;
}

absl::StatusOr<v1::SuggestPartnersResponse> Matchmaker::SuggestPartners(
    const v1::SuggestPartnersRequest& request,
    const auth::Principal& caller) const {
  std::promise<absl::StatusOr<v1::SuggestPartnersResponse>> answered;
  auto answer = answered.get_future();
  SuggestPartners(
      request, caller,
      [&answered](absl::StatusOr<v1::SuggestPartnersResponse> response) {
        answered.set_value(std::move(response));
      });
  return answer.get();
}

void Matchmaker::SuggestPartners(const v1::SuggestPartnersRequest& request,
                                 const auth::Principal& caller,
                                 PartnersAnswer answer) const {
  // What the round reads until it is written.
  struct Served {
    v1::SuggestPartnersResponse response;
    std::vector<std::string> communes;
  };
  auto served = std::make_shared<Served>();
  // A recorded call shares its round with the calls matching beside it.
  std::optional<Lifecycle::ServingTicket> ticket;
  if (!request.preview()) ticket.emplace(lifecycle_->StartServing());
  absl::Status matched =
      MatchPartners(request, caller, &served->response, &served->communes);
  if (!matched.ok()) {
    ticket.reset();  // a gathering round need not wait for this call
    answer(matched);
    return;
  }
  lifecycle_->RecordServedAsync(
      request, served->communes, &served->response, caller,
      ticket.has_value() ? &*ticket : nullptr,
      [served, answer = std::move(answer)](absl::Status recorded) {
        if (!recorded.ok()) {
          answer(recorded);
        } else {
          answer(std::move(served->response));
        }
      });
}

absl::Status Matchmaker::MatchPartners(
    const v1::SuggestPartnersRequest& request, const auth::Principal& caller,
    v1::SuggestPartnersResponse* response,
    std::vector<std::string>* communes) const {
  ASSIGN_OR_RETURN(matcher::PartnerOptions options,
                   ReadPartnersRequest(request, caller));

  // Pairs in their cooling period are dropped from a longer list, so the
  // answer is still the best `limit` of the others.
  std::set<std::string> cooling =
      lifecycle_->CoolingPartners(request.actor_id(), caller);
  size_t limit = options.limit;
  options.limit += cooling.size();

  response->set_actor_id(request.actor_id());
  absl::Status status;
  bool unavailable = false;
  const territory::Geography& geo = registry_->geography();
  auto commune_of = [&](const matcher::ActorIndex& index, matcher::ActorNum n) {
    const uint32_t c = index.Get(n).home.commune;
    return c == territory::kNone
               ? std::string()
               : std::string(geo.Code(territory::Level::kCommune, c));
  };
  std::shared_ptr<const AccessScope> access = actors_->ScopeOf(caller);
  // The caller's workspace's cooperation signals only (core/workspace.h).
  auto suggest = [&](const matcher::ActorIndex& index,
                     const matcher::MatchContext& context,
                     const matcher::CooperationSignals& cooperations) {
    auto num = index.Find(request.actor_id());
    // Outside the caller's territories is the same as missing: no leak.
    if (!num.has_value() || !access->CoversProfile(index.Get(*num))) {
      status = NotFound("actor", request.actor_id());
      return;
    }
    if (!index.Get(*num).available) {
      unavailable = true;  // why is read from the record, after the lock
      return;
    }
    options.admit = AdmitIn(*access, index);
    options.cooperations = &cooperations;
    if (!request.preview()) communes->push_back(commune_of(index, *num));
    auto suggestions = matcher::SuggestPartners(index, context, *num, options);
    if (!suggestions.ok()) {
      status = suggestions.status();
      return;
    }
    for (auto& s : *suggestions) {
      if (cooling.count(s.partner_id)) continue;
      if (static_cast<size_t>(response->suggestions_size()) == limit) break;
      if (!request.preview()) communes->push_back(commune_of(index, s.partner));
      ToProto(s, index, response->add_suggestions());
    }
  };
  actors_->ReadMatching(WorkspaceOf(caller), suggest);
  RETURN_IF_ERROR(status);
  if (unavailable) {
    ASSIGN_OR_RETURN(v1::ActorStatus stored,
                     actors_->StoredStatus(request.actor_id()));
    return NotProposable(request.actor_id(), stored);
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::MatchExplanation> Matchmaker::ExplainMatch(
    const v1::ExplainMatchRequest& request,
    const auth::Principal& caller) const {
  FieldViolations violations;
  ValidateRecordId(request.actor_id(), /*required=*/true, "actor_id",
                   &violations);
  ValidateRecordId(request.partner_id(), /*required=*/true, "partner_id",
                   &violations);
  matcher::Weights weights = WeightsFor(request.weights(), caller);
  CheckWeights(request.weights(), weights, &violations);
  RETURN_IF_ERROR(violations.ToStatus());
  v1::MatchExplanation response;
  absl::Status status;
  std::shared_ptr<const AccessScope> access = actors_->ScopeOf(caller);
  auto explain = [&](const matcher::ActorIndex& index,
                     const matcher::MatchContext& context,
                     const matcher::CooperationSignals& cooperations) {
    auto a = index.Find(request.actor_id());
    auto b = index.Find(request.partner_id());
    // Outside the caller's territories is the same as missing: no leak.
    if (a.has_value() && !access->CoversProfile(index.Get(*a))) a.reset();
    if (b.has_value() && !access->CoversProfile(index.Get(*b))) b.reset();
    if (!a.has_value() || !b.has_value()) {
      status = NotFound(
          "actor", !a.has_value() ? request.actor_id() : request.partner_id());
      return;
    }
    auto explanation =
        matcher::ExplainMatch(index, context, *a, *b, weights, &cooperations);
    if (!explanation.ok()) {
      status = explanation.status();
      return;
    }
    ToProto(explanation->suggestion, index, response.mutable_suggestion());
    for (const auto& b2 : explanation->blockers) response.add_blockers(b2);
  };
  actors_->ReadMatching(WorkspaceOf(caller), explain);
  RETURN_IF_ERROR(status);
  return response;
}

absl::StatusOr<v1::DialoguePanel> Matchmaker::SuggestDialoguePanel(
    const v1::SuggestDialoguePanelRequest& request,
    const auth::Principal& caller) const {
  FieldViolations violations;
  ResolvedTerritory scope;
  ValidateTerritoryRef(ForCaller(validation_, caller), request.territory(),
                       "territory", &violations, &scope);
  std::vector<uint8_t> themes;
  if (request.themes_size() == 0) {
    violations.Add("themes", "give at least one theme");
  }
  if (ValidateCount(request.themes_size(), Limits::kThemesMax, "themes",
                    &violations)) {
    for (int i = 0; i < request.themes_size(); ++i) {
      ValidateTheme(ForCaller(validation_, caller), request.themes(i), false,
                    absl::StrCat("themes[", i, "]"), &violations);
      if (auto t = vocabulary_->Theme(request.themes(i))) themes.push_back(*t);
    }
  }
  if (request.size() < 0 || request.size() > Limits::kPanelSizeMax) {
    violations.Add("size", absl::StrCat("must be within [0, ",
                                        Limits::kPanelSizeMax, "]"));
  }
  RETURN_IF_ERROR(violations.ToStatus());
  size_t size = request.size() == 0 ? kDefaultPanelSize
                                    : static_cast<size_t>(request.size());
  std::shared_ptr<const AccessScope> access = actors_->ScopeOf(caller);
  RETURN_IF_ERROR(CheckTerritoryRead(*access, scope));

  v1::DialoguePanel response;
  absl::Status status;
  actors_->ReadMatching([&](const matcher::ActorIndex& index,
                            const matcher::MatchContext& context) {
    auto panel = matcher::SuggestDialoguePanel(
        index, context, scope.scope, themes, size, AdmitIn(*access, index));
    if (!panel.ok()) {
      status = panel.status();
      return;
    }
    const territory::Geography& geo = registry_->geography();
    for (const auto& inv : panel->invitations) {
      auto* out = response.add_invitations();
      out->set_actor_id(inv.id);
      out->set_name(index.Get(inv.actor).name);
      out->set_kind(static_cast<v1::ActorKind>(inv.kind));
      AddAll(ThemeCodes(*vocabulary_, inv.themes), out->mutable_themes());
      out->set_relevance(inv.relevance);
      out->set_reason(inv.reason);
      if (inv.home_commune != territory::kNone) {
        out->set_home_commune(std::string(
            geo.Code(territory::Level::kCommune, inv.home_commune)));
        out->set_home_commune_name(std::string(
            geo.Name(territory::Level::kCommune, inv.home_commune)));
      }
      out->set_distance_km(inv.distance_km);
    }
    response.set_distance_origin(panel->centre
                                     ? v1::DISTANCE_ORIGIN_TERRITORY_CENTRE
                                     : v1::DISTANCE_ORIGIN_UNSPECIFIED);
    AddAll(ThemeCodes(*vocabulary_, panel->covered_themes),
           response.mutable_covered_themes());
    AddAll(ThemeCodes(*vocabulary_, panel->uncovered_themes),
           response.mutable_uncovered_themes());
    for (int k = 1; k < matcher::kKindCount; ++k) {
      auto* kc = response.add_kind_counts();
      kc->set_kind(static_cast<v1::ActorKind>(k));
      kc->set_count(panel->kind_counts[k]);
    }
    response.set_summary(panel->summary);
  });
  RETURN_IF_ERROR(status);
  return response;
}

absl::Status Matchmaker::CheckTerritoryBudget(
    size_t associations, const matcher::FairMatchingOptions& options,
    const v1::TerritoryRef& territory) const {
  int64_t pairs = static_cast<int64_t>(associations) *
                  static_cast<int64_t>(options.candidates);
  if (pairs <= options_.max_pairs_per_request) return absl::OkStatus();
  return OverBudget(
      "SuggestForTerritory",
      absl::StrCat(
          "territory ",
          AsAbsl(territory::LevelName(
              static_cast<territory::Level>(territory.level()))),
          ":", territory.code(), " holds ", associations,
          " associations; with ", options.candidates,
          " candidates each that is ", pairs,
          " pairs to score, over the limit of ", options_.max_pairs_per_request,
          " per request: ask for a smaller territory (an EPCI or a commune) "
          "or fewer candidates"));
}

absl::Status Matchmaker::ReadTerritoryRequest(
    const v1::SuggestForTerritoryRequest& request,
    const auth::Principal& caller, ResolvedTerritory* scope,
    matcher::FairMatchingOptions* options) const {
  FieldViolations violations;
  ValidateTerritoryRef(ForCaller(validation_, caller), request.territory(),
                       "territory", &violations, scope);
  options->weights = weights_->WeightsFor(WorkspaceOf(caller));
  if (request.per_actor() < 0 || request.per_actor() > Limits::kPerActorMax) {
    violations.Add("per_actor", absl::StrCat("must be within [0, ",
                                             Limits::kPerActorMax, "]"));
  } else if (request.per_actor() > 0) {
    options->per_actor = static_cast<size_t>(request.per_actor());
  }
  if (request.candidates() < 0 ||
      request.candidates() > Limits::kCandidatesMax) {
    violations.Add("candidates", absl::StrCat("must be within [0, ",
                                              Limits::kCandidatesMax, "]"));
  } else if (request.candidates() > 0) {
    options->candidates = static_cast<size_t>(request.candidates());
  }
  options->candidates = std::max(options->candidates, options->per_actor);
  if (request.partner_kinds_size() > 0) {
    options->partner_kinds =
        KindMask(request.partner_kinds(), "partner_kinds", &violations);
  }
  if (!(request.min_score() >= 0 && request.min_score() <= 1)) {
    violations.Add("min_score", "must be within [0, 1]");
  }
  options->min_score = request.min_score();
  RETURN_IF_ERROR(violations.ToStatus());
  return matcher::ValidateFairMatchingOptions(*options);
}

std::vector<matcher::ActorNum> Matchmaker::TerritoryAssociations(
    const ResolvedTerritory& scope, const AccessScope& access) const {
  std::vector<matcher::ActorNum> associations;
  actors_->ReadIndex([&](const matcher::ActorIndex& index) {
    matcher::ActorFilter filter;
    filter.kind = matcher::Kind::kAssociation;
    filter.territory = scope.scope;
    bool more = false;
    for (const std::string& id : index.List(filter, "", index.size(), &more)) {
      auto num = index.Find(id);
      if (num.has_value() && index.Get(*num).available &&
          access.CoversProfile(index.Get(*num))) {
        associations.push_back(*num);
      }
    }
  });
  return associations;
}

absl::Status Matchmaker::CollectTerritoryCandidates(
    const std::vector<matcher::ActorNum>& associations,
    const AccessScope& access, std::string_view workspace,
    matcher::FairMatchingOptions options,
    matcher::FairCandidates* candidates) const {
  constexpr size_t kChunk = 500;
  absl::Status status;
  for (size_t start = 0; start < associations.size() && status.ok();
       start += kChunk) {
    std::vector<matcher::ActorNum> chunk(
        associations.begin() + static_cast<std::ptrdiff_t>(start),
        associations.begin() + static_cast<std::ptrdiff_t>(std::min(
                                   associations.size(), start + kChunk)));
    auto collect = [&](const matcher::ActorIndex& index,
                       const matcher::MatchContext& context,
                       const matcher::CooperationSignals& cooperations) {
      // An actor deleted since the listing is left out.
      chunk.erase(
          std::remove_if(chunk.begin(), chunk.end(),
                         [&](matcher::ActorNum n) { return !index.IsLive(n); }),
          chunk.end());
      options.admit = AdmitIn(access, index);
      options.cooperations = &cooperations;
      status = matcher::CollectCandidates(index, context, chunk, options,
                                          candidates);
      // They refer to the index: only under the lock.
      options.admit = nullptr;
      options.cooperations = nullptr;
    };
    actors_->ReadMatching(workspace, collect);
  }
  return status;
}

void Matchmaker::ExplainAssignments(
    const matcher::FairCandidates& candidates,
    const matcher::FairAssignment& result, const matcher::Weights& weights,
    std::string_view workspace,
    v1::SuggestForTerritoryResponse* response) const {
  auto explain = [&](const matcher::ActorIndex& index,
                     const matcher::MatchContext& context,
                     const matcher::CooperationSignals& cooperations) {
    for (size_t i = 0; i < candidates.actors.size(); ++i) {
      matcher::ActorNum num = candidates.actors[i];
      if (!index.IsLive(num)) continue;  // deleted meanwhile
      auto* a = response->add_assignments();
      a->set_actor_id(index.Get(num).id);
      for (const matcher::Suggestion& s : result.proposals[i]) {
        if (!index.IsLive(s.partner) ||
            index.Get(s.partner).id != s.partner_id) {
          continue;
        }
        auto explained = matcher::ExplainMatch(index, context, num, s.partner,
                                               weights, &cooperations);
        if (!explained.ok()) continue;
        for (matcher::Factor& f : explained->suggestion.factors) {
          f.detail.clear();
        }
        ToProto(explained->suggestion, index, a->add_partners());
      }
    }
  };
  actors_->ReadMatching(workspace, explain);
}

absl::StatusOr<v1::SuggestForTerritoryResponse> Matchmaker::SuggestForTerritory(
    const v1::SuggestForTerritoryRequest& request,
    const auth::Principal& caller,
    const base::Cancellation& cancellation) const {
  ResolvedTerritory scope;
  matcher::FairMatchingOptions options;
  RETURN_IF_ERROR(ReadTerritoryRequest(request, caller, &scope, &options));
  options.cancellation = &cancellation;
  std::shared_ptr<const AccessScope> access = actors_->ScopeOf(caller);
  RETURN_IF_ERROR(CheckTerritoryRead(*access, scope));

  // The associations, then their candidates in chunks, each under a short
  // read lock so that writes are not held up for the whole computation.
  // Those that may not be proposed (opted out, dissolved) are not served
  // either: they would get no partner, and an organisation that objected
  // is in no matching answer (core/objection.h).
  std::vector<matcher::ActorNum> associations =
      TerritoryAssociations(scope, *access);
  RETURN_IF_ERROR(
      CheckTerritoryBudget(associations.size(), options, request.territory()));
  matcher::FairCandidates candidates;
  RETURN_IF_ERROR(CollectTerritoryCandidates(
      associations, *access, WorkspaceOf(caller), options, &candidates));
  RETURN_IF_ERROR(cancellation.Check());
  ASSIGN_OR_RETURN(matcher::FairAssignment result,
                   matcher::Assign(candidates, options));

  v1::SuggestForTerritoryResponse response;
  // The candidates were held slim: the pairs chosen are explained again
  // (ExplainMatch gives the same score), without each factor's detail.
  ExplainAssignments(candidates, result, options.weights, WorkspaceOf(caller),
                     &response);
  auto spread = [](const matcher::ExposureSpread& s, v1::ExposureSpread* out) {
    out->set_gini(s.gini);
    out->set_max_exposure(s.max_exposure);
    out->set_partners_used(s.partners_used);
    out->set_total_score(s.total_score);
  };
  spread(result.fair, response.mutable_fair());
  spread(result.independent, response.mutable_independent());
  response.set_actors(static_cast<int>(candidates.actors.size()));
  response.set_actors_without_partner(result.actors_without_partner);
  response.set_method(
      "Capacity-constrained assignment (b-matching) solved as a minimum-cost "
      "flow with LEMON's network simplex: maximise the total score of the "
      "proposals minus a convex penalty on repeated proposals of the same "
      "partner, each association receiving at most per_actor proposals and "
      "each partner at most its remaining capacity; candidates are each "
      "association's best SuggestPartners answers, so every hard rule holds.");
  return response;
}

absl::StatusOr<v1::WorkspaceMatchWeights> Matchmaker::GetMatchWeights(
    const v1::GetMatchWeightsRequest&, const auth::Principal& caller) const {
  return weights_->Describe(WorkspaceOf(caller));
}

absl::StatusOr<v1::WorkspaceMatchWeights> Matchmaker::LearnMatchWeights(
    const v1::LearnMatchWeightsRequest&, const auth::Principal& caller) const {
  return weights_->Learn(WorkspaceOf(caller));
}

}  // namespace maillage::core

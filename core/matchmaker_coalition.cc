// Matchmaker::SuggestCoalition (core/matchmaker.h): the request checked and
// resolved into a challenge, the engine run under the index's read lock
// (matcher/coalition.h), and its answer in API messages, with the members'
// names, home communes and distances.

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "core/access_scope.h"
#include "core/errors.h"
#include "core/matchmaker.h"
#include "core/workspace.h"
#include "matcher/coalition.h"
#include "territory/level.h"

namespace maillage::core {
namespace {

constexpr char kCoalitionMethod[] =
    "A team chosen for what its members bring to the challenge and to each "
    "other. Objective f = C + T + X + L: the needed resources offered by the "
    "members (each need by its best provider, a second one reinforcing it), "
    "the challenge's themes represented, the members' needs met by other "
    "members (worth more between neighbours or partners), and the "
    "partnerships already existing between members. C + T is monotone "
    "submodular; X + L grows with the team and is never negative. Greedy "
    "from the anchor alone and from the best pairs of partners, keeping the "
    "best team; a member joins only if it gives at least 0.05 (of one need "
    "met by an ideal provider). Guarantee of the greedy phase: f >= (1 - "
    "1/e) of the best C + T of any team of at most max_size members (with "
    "the anchor), less 0.05 per place (Nemhauser, Wolsey & Fisher 1978); "
    "members that no longer give "
    "anything are then dropped, and members added for a required kind or "
    "min_size say so.";

constexpr int kMaxChallengeThemes = 8;

// A theme of the challenge and the request field it came from.
struct ChallengeTheme {
  std::string code;
  std::string path;
};

// The request's themes in order: the deprecated `theme`, then `themes`,
// then the fragility's theme, each once.
std::vector<ChallengeTheme> ChallengeThemes(
    const v1::SuggestCoalitionRequest& request,
    const std::string& fragility_theme) {
  std::vector<ChallengeTheme> themes;
  auto add = [&](const std::string& code, std::string path) {
    if (code.empty()) return;
    for (const ChallengeTheme& t : themes) {
      if (t.code == code) return;
    }
    themes.push_back({code, std::move(path)});
  };
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  add(request.theme(), "theme");  // the one place the alias is read
#pragma GCC diagnostic pop
  for (int i = 0; i < request.themes_size(); ++i) {
    add(request.themes(i), absl::StrCat("themes[", i, "]"));
  }
  add(fragility_theme, "fragility_id");
  return themes;
}

// What a request asks, checked and resolved.
struct CoalitionQuery {
  v1::TerritoryRef territory_ref;
  ResolvedTerritory territory;
  matcher::Challenge challenge;
  matcher::CoalitionOptions options;
};

// Reads the request's fields into a challenge and options, collecting
// every bad field (FieldViolations) rather than stopping at the first.
class RequestReader {
 public:
  RequestReader(const ValidationContext& validation,
                const matcher::Vocabulary& vocabulary,
                const v1::SuggestCoalitionRequest& request)
      : validation_(validation), vocabulary_(vocabulary), request_(request) {}

  void Themes(const std::vector<ChallengeTheme>& themes,
              matcher::Challenge* challenge);
  void Needs(matcher::Challenge* challenge);
  void Sizes(matcher::CoalitionOptions* options);
  void Kinds(matcher::CoalitionOptions* options);
  FieldViolations& violations() { return violations_; }

 private:
  const ValidationContext& validation_;
  const matcher::Vocabulary& vocabulary_;
  const v1::SuggestCoalitionRequest& request_;
  FieldViolations violations_;
};

void RequestReader::Themes(const std::vector<ChallengeTheme>& themes,
                           matcher::Challenge* challenge) {
  if (themes.empty()) {
    violations_.Add("themes", "give at least one theme (or a fragility_id)");
  } else if (themes.size() > kMaxChallengeThemes) {
    violations_.Add("themes", absl::StrCat("at most ", kMaxChallengeThemes,
                                           " themes in all"));
  }
  for (const ChallengeTheme& theme : themes) {
    ValidateTheme(validation_, theme.code, false, theme.path, &violations_);
    if (auto t = vocabulary_.Theme(theme.code)) challenge->themes.push_back(*t);
  }
  const auto& weights = request_.theme_weights();
  if (weights.empty()) return;
  if (static_cast<size_t>(weights.size()) != themes.size()) {
    violations_.Add("theme_weights",
                    "give one weight per theme of the challenge, or none");
    return;
  }
  for (int i = 0; i < weights.size(); ++i) {
    if (!(weights[i] > 0 && weights[i] <= Limits::kWeightMax)) {
      violations_.Add(
          absl::StrCat("theme_weights[", i, "]"),
          absl::StrCat("must be within (0, ", Limits::kWeightMax, "]"));
    }
    challenge->theme_weights.push_back(weights[i]);
  }
}

void RequestReader::Needs(matcher::Challenge* challenge) {
  if (!ValidateCount(request_.needed_resources_size(), Limits::kResourcesMax,
                     "needed_resources", &violations_)) {
    return;
  }
  for (int i = 0; i < request_.needed_resources_size(); ++i) {
    ValidateResource(validation_, request_.needed_resources(i), false,
                     absl::StrCat("needed_resources[", i, "]"), &violations_);
    if (auto r = vocabulary_.Resource(request_.needed_resources(i))) {
      challenge->needed_resources.push_back(*r);
    }
  }
}

void RequestReader::Sizes(matcher::CoalitionOptions* options) {
  const std::string range =
      absl::StrCat("must be within [0, ", Limits::kCoalitionSizeMax, "]");
  if (request_.min_size() < 0 ||
      request_.min_size() > Limits::kCoalitionSizeMax) {
    violations_.Add("min_size", range);
  } else if (request_.min_size() > 0) {
    options->min_size = static_cast<size_t>(request_.min_size());
  }
  if (request_.max_size() < 0 ||
      request_.max_size() > Limits::kCoalitionSizeMax) {
    violations_.Add("max_size", range);
  } else if (request_.max_size() > 0) {
    options->max_size = static_cast<size_t>(request_.max_size());
  }
  if (options->min_size > options->max_size) {
    violations_.Add("min_size", "must not exceed max_size");
  }
  if (!request_.has_alternatives()) return;
  if (request_.alternatives() < 0 ||
      request_.alternatives() > Limits::kAlternativesMax) {
    violations_.Add(
        "alternatives",
        absl::StrCat("must be within [0, ", Limits::kAlternativesMax, "]"));
  } else {
    options->alternatives = static_cast<size_t>(request_.alternatives());
  }
}

void RequestReader::Kinds(matcher::CoalitionOptions* options) {
  if (request_.any_kinds()) {
    options->required_kinds = 0;
    return;
  }
  if (request_.required_kinds_size() == 0) return;
  ValidateEnumList(request_.required_kinds(), v1::ActorKind_IsValid,
                   Limits::kKindsMax, "required_kinds", &violations_);
  options->required_kinds = 0;
  for (int kind : request_.required_kinds()) {
    if (kind > 0 && kind < matcher::kKindCount && v1::ActorKind_IsValid(kind)) {
      options->required_kinds |= 1u << kind;
    }
  }
}

// The fragility's theme and territory, when the request names one.
absl::Status ResolveFragility(const TerritoryBook& book,
                              const v1::SuggestCoalitionRequest& request,
                              const auth::Principal& caller,
                              FieldViolations* violations, std::string* theme,
                              v1::TerritoryRef* territory) {
  if (!ValidateRecordId(request.fragility_id(), /*required=*/false,
                        "fragility_id", violations) ||
      request.fragility_id().empty()) {
    return absl::OkStatus();
  }
  v1::GetFactRequest get;
  get.set_id(request.fragility_id());
  absl::StatusOr<v1::TerritoryFact> fact = book.GetFact(get, caller);
  if (fact.status().code() == absl::StatusCode::kNotFound) {
    violations->Add("fragility_id", "no fact has this id");
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(fact.status());
  *theme = fact->theme();
  if (!request.has_territory()) *territory = fact->territory();
  return absl::OkStatus();
}

// The request checked field by field (every bad field reported at once)
// and resolved.
absl::StatusOr<CoalitionQuery> ReadRequest(
    const ValidationContext& validation, const matcher::Vocabulary& vocabulary,
    const TerritoryBook& book, const v1::SuggestCoalitionRequest& request,
    const auth::Principal& caller) {
  CoalitionQuery query;
  RequestReader reader(validation, vocabulary, request);
  FieldViolations& violations = reader.violations();
  query.territory_ref = request.territory();
  std::string fragility_theme;
  RETURN_IF_ERROR(ResolveFragility(book, request, caller, &violations,
                                   &fragility_theme, &query.territory_ref));
  if (!request.has_territory() && request.fragility_id().empty()) {
    violations.Add("territory", "is required (or give a fragility_id)");
  } else {
    ValidateTerritoryRef(validation, query.territory_ref, "territory",
                         &violations, &query.territory);
  }
  reader.Themes(ChallengeThemes(request, fragility_theme), &query.challenge);
  reader.Needs(&query.challenge);
  reader.Sizes(&query.options);
  reader.Kinds(&query.options);
  std::string why;
  if (!request.anchor_id().empty() &&
      !IsValidActorId(request.anchor_id(), &why)) {
    violations.Add("anchor_id", why);
  }
  RETURN_IF_ERROR(violations.ToStatus());
  return query;
}

// Writes the engine's answer as API messages, under the index's read lock.
class ResponseWriter {
 public:
  ResponseWriter(const matcher::Vocabulary& vocabulary,
                 const territory::Geography& geography,
                 const matcher::ActorIndex& index,
                 const matcher::MatchContext& context)
      : vocabulary_(vocabulary),
        geography_(geography),
        index_(index),
        context_(context) {}

  void Answer(const matcher::CoalitionAnswer& answer,
              v1::SuggestCoalitionResponse* out) const;

 private:
  void Coalition(const matcher::Coalition& c, v1::Coalition* out) const;
  void Member(const matcher::CoalitionMember& m,
              v1::CoalitionMember* out) const;
  void Gift(const matcher::CoalitionMember& giver, const matcher::MemberGift& g,
            v1::ResourceFlow* out) const;
  std::string Resource(uint8_t r) const {
    return std::string(vocabulary_.ResourceCode(r));
  }
  std::string Theme(uint8_t t) const {
    return std::string(vocabulary_.ThemeCode(t));
  }
  template <typename Repeated>
  void Themes(matcher::ThemeSet set, Repeated* out) const {
    for (size_t t = 0; t < vocabulary_.theme_count(); ++t) {
      if (set >> t & 1) *out->Add() = Theme(static_cast<uint8_t>(t));
    }
  }

  const matcher::Vocabulary& vocabulary_;
  const territory::Geography& geography_;
  const matcher::ActorIndex& index_;
  const matcher::MatchContext& context_;
};

void ResponseWriter::Answer(const matcher::CoalitionAnswer& answer,
                            v1::SuggestCoalitionResponse* out) const {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  out->set_theme(Theme(answer.themes.front()));  // the deprecated alias
#pragma GCC diagnostic pop
  for (uint8_t t : answer.themes) out->add_themes(Theme(t));
  for (double w : answer.theme_weights) out->add_theme_weights(w);
  for (uint8_t r : answer.needed_resources) {
    out->add_needed_resources(Resource(r));
  }
  for (double w : answer.need_weights) out->add_need_weights(w);
  out->set_derived_needs(answer.derived_needs);
  out->set_distance_origin(!answer.centre ? v1::DISTANCE_ORIGIN_UNSPECIFIED
                           : answer.centre_is_anchor
                               ? v1::DISTANCE_ORIGIN_ANCHOR
                               : v1::DISTANCE_ORIGIN_TERRITORY_CENTRE);
  Coalition(answer.best, out->mutable_coalition());
  for (const matcher::Coalition& c : answer.alternatives) {
    Coalition(c, out->add_alternatives());
  }
  out->set_method(kCoalitionMethod);
}

void ResponseWriter::Coalition(const matcher::Coalition& c,
                               v1::Coalition* out) const {
  for (const matcher::CoalitionMember& m : c.members) {
    Member(m, out->add_members());
  }
  for (uint8_t r : c.covered) out->add_covered_needs(Resource(r));
  for (uint8_t r : c.uncovered) out->add_uncovered_needs(Resource(r));
  Themes(c.uncovered_themes, out->mutable_uncovered_themes());
  out->set_coverage(c.coverage);
  out->set_objective(c.objective);
  out->set_team_part(c.team_part);
  for (int k = 1; k < matcher::kKindCount; ++k) {
    if (c.missing_kinds >> k & 1) {
      out->add_missing_kinds(static_cast<v1::ActorKind>(k));
    }
  }
  out->set_summary(c.summary);
}

void ResponseWriter::Member(const matcher::CoalitionMember& m,
                            v1::CoalitionMember* out) const {
  out->set_actor_id(m.id);
  out->set_name(index_.Get(m.actor).name);
  out->set_kind(static_cast<v1::ActorKind>(m.kind));
  out->set_basis(
      static_cast<v1::CoalitionMemberBasis>(static_cast<int>(m.basis) + 1));
  out->set_lead(m.lead);
  out->set_role(m.role);
  for (uint8_t r : m.brings) out->add_brings(Resource(r));
  for (uint8_t r : m.reinforces) out->add_reinforces(Resource(r));
  Themes(m.themes, out->mutable_themes());
  Themes(m.represents, out->mutable_represents());
  for (const matcher::MemberGift& g : m.gives) Gift(m, g, out->add_gives());
  for (matcher::ActorNum p : m.partners) {
    out->add_partner_ids(index_.Get(p).id);
  }
  out->set_relevance(m.relevance);
  out->set_reason(m.reason);
  if (m.home_commune != territory::kNone) {
    out->set_home_commune(std::string(
        geography_.Code(territory::Level::kCommune, m.home_commune)));
    out->set_home_commune_name(std::string(
        geography_.Name(territory::Level::kCommune, m.home_commune)));
  }
  out->set_distance_km(m.distance_km);
}

void ResponseWriter::Gift(const matcher::CoalitionMember& giver,
                          const matcher::MemberGift& g,
                          v1::ResourceFlow* out) const {
  const matcher::ActorProfile& from = index_.Get(giver.actor);
  const matcher::ActorProfile& to = index_.Get(g.receiver);
  out->set_giver_id(from.id);
  out->set_receiver_id(to.id);
  out->set_resource(Resource(g.resource));
  if (g.theme != matcher::Exchange::kAnyTheme) out->set_theme(Theme(g.theme));
  out->set_quality(g.quality);
  const matcher::MatchContext::Flow flow =
      context_.FlowOf(from.kind, from.subtype, to.kind, g.resource);
  out->set_category(static_cast<v1::PartnershipCategory>(flow.category));
  out->set_modality(static_cast<v1::PartnershipModality>(flow.modality));
}

// The anchor's number: NOT_FOUND when missing or outside the caller's
// territories (the same answer: no leak). *unavailable when it may not be
// proposed (why is read from its record, after the index lock).
absl::StatusOr<matcher::ActorNum> ResolveAnchor(
    const matcher::ActorIndex& index, const AccessScope& access,
    const std::string& id, bool* unavailable) {
  const std::optional<matcher::ActorNum> num = index.Find(id);
  if (!num.has_value() || !access.CoversProfile(index.Get(*num))) {
    return NotFound("actor", id);
  }
  *unavailable = !index.Get(*num).available;
  return *num;
}

// FAILED_PRECONDITION for an anchor that may not be proposed, with the
// PreconditionFailure type of core/objection.h (ACTOR_OPTED_OUT) or
// ACTOR_DISSOLVED; ABORTED when its stored status no longer says either.
absl::Status UnavailableAnchor(std::string_view id, v1::ActorStatus status) {
  if (status == v1::ACTOR_STATUS_OPTED_OUT) {
    return FailedPrecondition(
        "ACTOR_OPTED_OUT", id,
        "the organisation objected to being proposed "
        "(ACTOR_STATUS_OPTED_OUT): it cannot anchor a coalition");
  }
  if (status == v1::ACTOR_STATUS_DISSOLVED) {
    return FailedPrecondition(
        "ACTOR_DISSOLVED", id,
        "the actor is dissolved (ACTOR_STATUS_DISSOLVED): "
        "it cannot anchor a coalition");
  }
  return absl::AbortedError(absl::StrCat("the status of actor ", Quote(id),
                                         " changed during the call; retry"));
}

}  // namespace

absl::StatusOr<v1::SuggestCoalitionResponse> Matchmaker::SuggestCoalition(
    const v1::SuggestCoalitionRequest& request,
    const auth::Principal& caller) const {
  ASSIGN_OR_RETURN(CoalitionQuery query,
                   ReadRequest(ForCaller(validation_, caller), *vocabulary_,
                               *territories_, request, caller));
  std::shared_ptr<const AccessScope> access = actors_->ScopeOf(caller);
  RETURN_IF_ERROR(CheckTerritoryRead(*access, query.territory));
  v1::SuggestCoalitionResponse response;
  absl::Status status;
  bool unavailable = false;
  actors_->ReadMatching([&](const matcher::ActorIndex& index,
                            const matcher::MatchContext& context) {
    if (!request.anchor_id().empty()) {
      absl::StatusOr<matcher::ActorNum> anchor =
          ResolveAnchor(index, *access, request.anchor_id(), &unavailable);
      if (!anchor.ok() || unavailable) {
        status = anchor.status();
        return;
      }
      query.challenge.anchor = *anchor;
      response.set_anchor_id(request.anchor_id());
    }
    query.options.admit = AdmitIn(*access, index);
    absl::StatusOr<matcher::CoalitionAnswer> answer = matcher::SuggestCoalition(
        index, context, query.territory.scope, query.challenge, query.options);
    if (!answer.ok()) {
      status = answer.status();
      return;
    }
    ResponseWriter(*vocabulary_, registry_->geography(), index, context)
        .Answer(*answer, &response);
  });
  RETURN_IF_ERROR(status);
  if (unavailable) {
    ASSIGN_OR_RETURN(v1::ActorStatus stored,
                     actors_->StoredStatus(request.anchor_id()));
    return UnavailableAnchor(request.anchor_id(), stored);
  }
  return response;
}

}  // namespace maillage::core

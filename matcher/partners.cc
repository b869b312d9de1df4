#include "matcher/partners.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "matcher/actor_index_internal.h"
#include "matcher/explanation.h"
#include "matcher/partner_search.h"
#include "matcher/scoring.h"
#include "matcher/wording.h"

namespace maillage::matcher {

using internal::ActorRecord;
using internal::PairInputs;
using internal::Query;

namespace {

constexpr size_t kMaxLimit = 1000;
constexpr uint32_t kAllCategories = 0x1E;

absl::Status CheckActor(const ActorIndex& index, ActorNum actor) {
  if (!index.IsLive(actor)) {
    return absl::NotFoundError(absl::StrCat("no actor number ", actor));
  }
  return absl::OkStatus();
}

PairInputs DirectInputs(const ActorIndex& index, ActorNum actor,
                        ActorNum partner) {
  const ActorProfile& a = index.Get(actor);
  const ActorProfile& b = index.Get(partner);
  return PairInputs{internal::DirectCredits(a, b),
                    internal::DirectCredits(b, a)};
}

}  // namespace

std::string_view FactorCode(FactorKind kind) {
  switch (kind) {
    case FactorKind::kComplementarity:
      return "complementarity";
    case FactorKind::kSharedThemes:
      return "shared_themes";
    case FactorKind::kProximity:
      return "proximity";
    case FactorKind::kFragility:
      return "fragility";
    case FactorKind::kCrossKind:
      return "cross_kind";
    case FactorKind::kCapacity:
      return "capacity";
    case FactorKind::kCommonPartners:
      return "common_partners";
    case FactorKind::kResponsiveness:
      return "responsiveness";
    case FactorKind::kSimilarSuccess:
      return "similar_success";
  }
  return "unknown";
}

absl::Status ValidateWeights(const Weights& weights) {
  const double all[] = {
      weights.complementarity, weights.shared_themes,  weights.proximity,
      weights.fragility,       weights.cross_kind,     weights.capacity,
      weights.common_partners, weights.responsiveness, weights.similar_success};
  for (double w : all) {
    if (!std::isfinite(w) || w < 0) {
      return absl::InvalidArgumentError(
          "weights must be finite and non-negative");
    }
  }
  if (weights.proximity > 1) {
    return absl::InvalidArgumentError("the proximity weight is at most 1");
  }
  if (weights.responsiveness > 1 || weights.similar_success > 1) {
    return absl::InvalidArgumentError(
        "the responsiveness and similar_success weights are at most 1");
  }
  if (weights.complementarity + weights.shared_themes <= 0) {
    return absl::InvalidArgumentError(
        "complementarity + shared_themes weights must be positive: without a "
        "fit there is no score");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Suggestion>> SuggestPartners(
    const ActorIndex& index, const MatchContext& context, ActorNum actor,
    const PartnerOptions& options) {
  if (absl::Status status = CheckActor(index, actor); !status.ok()) {
    return status;
  }
  if (absl::Status status = ValidateWeights(options.weights); !status.ok()) {
    return status;
  }
  if (options.limit > kMaxLimit) {
    return absl::InvalidArgumentError(
        absl::StrCat("limit must be at most ", kMaxLimit));
  }
  const ActorRecord& me = IndexAccess::Of(index).records[actor];
  if (!me.proposable()) {
    return absl::FailedPreconditionError(
        (me.flags & ActorRecord::kAvailable)
            ? "the actor has no capacity left for new partnerships"
            : "the actor opted out of matching or is dissolved");
  }
  std::vector<Suggestion> result;
  if (options.limit == 0) return result;

  // The search (partner_search.h), then the explanation of the k kept.
  const Query query(index, context, actor, internal::Normalize(options.weights),
                    options.cooperations);
  internal::PartnerSearch search(query, options, internal::ThreadBuffers());
  const std::vector<internal::Ranked> ranked = search.Run();
  result.reserve(ranked.size());
  for (const internal::Ranked& r : ranked) {
    result.push_back(internal::BuildSuggestion(
        query, r.num, r.inputs, r.detail,
        search.categories().Allowed(r.num, r.inputs), options.factor_details));
  }
  return result;
}

absl::StatusOr<MatchExplanation> ExplainMatch(
    const ActorIndex& index, const MatchContext& context, ActorNum actor,
    ActorNum partner, const Weights& weights,
    const CooperationSignals* cooperations) {
  if (absl::Status status = CheckActor(index, actor); !status.ok()) {
    return status;
  }
  if (absl::Status status = CheckActor(index, partner); !status.ok()) {
    return status;
  }
  if (absl::Status status = ValidateWeights(weights); !status.ok()) {
    return status;
  }
  const ActorIndex::Impl& impl = IndexAccess::Of(index);
  const Query query(index, context, actor, internal::Normalize(weights),
                    cooperations);
  const PairInputs inputs = DirectInputs(index, actor, partner);
  const Query::Score score = query.ComputeScore(partner, inputs);

  MatchExplanation explanation;
  std::vector<std::string>& blockers = explanation.blockers;
  const ActorRecord& a = impl.records[actor];
  const ActorRecord& b = impl.records[partner];
  const ActorProfile& pa = impl.profiles[actor];
  const ActorProfile& pb = impl.profiles[partner];
  if (actor == partner) blockers.push_back("Un acteur avec lui-même.");
  for (const auto& [rec, profile] :
       {std::pair<const ActorRecord*, const ActorProfile*>{&a, &pa},
        {&b, &pb}}) {
    const std::string name(internal::ActorName(*profile));
    if (!(rec->flags & ActorRecord::kAvailable)) {
      blockers.push_back(name +
                         " ne souhaite pas être proposé ou est dissous.");
    } else if (rec->capacity == 0) {
      blockers.push_back(name + " n'a plus de capacité pour un partenariat.");
    }
  }
  const uint32_t inferred = query.InferredCategories(partner, inputs);
  const uint32_t accepted =
      inferred &
      (a.accepted_categories ? a.accepted_categories : kAllCategories) &
      (b.accepted_categories ? b.accepted_categories : kAllCategories);
  const uint32_t active = query.ActiveCategories(partner);
  uint32_t allowed = accepted & ~active;
  if (accepted == 0) {
    blockers.push_back(
        "Aucune des catégories de partenariat possibles n'est acceptée par "
        "les deux.");
  } else if (allowed == 0) {
    blockers.push_back("Déjà partenaires actifs en " +
                       internal::Uncapitalize(CategoryLabel(
                           query.PrimaryCategory(partner, inputs, accepted))) +
                       ".");
  }
  if (score.total <= 0) {
    blockers.push_back("Aucun échange ni thème en commun : score nul.");
  }
  explanation.suggestion =
      internal::BuildSuggestion(query, partner, inputs, score, allowed);
  return explanation;
}

}  // namespace maillage::matcher

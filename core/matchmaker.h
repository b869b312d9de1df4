#ifndef MAILLAGE_CORE_MATCHMAKER_H_
#define MAILLAGE_CORE_MATCHMAKER_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "auth/principal.h"
#include "base/cancellation.h"
#include "core/actor_directory.h"
#include "core/lifecycle.h"
#include "core/territory_book.h"
#include "core/territory_registry.h"
#include "core/weight_book.h"
#include "maillage/v1/lifecycle.pb.h"
#include "maillage/v1/matching.pb.h"
#include "matcher/fair_matching.h"
#include "matcher/partners.h"

namespace maillage::core {

// The application logic behind MatchService: checks the request, resolves
// public ids and territories, runs the engine (matcher/) on the in-memory
// index under its read lock, and turns the answer into API messages (the
// actors' names come from the index too). Recording what SuggestPartners
// served is the lifecycle's (core/lifecycle.h), after the lock is released.
//
// Thread-safe; queries never touch the disk while the index lock is held.
class Matchmaker {
 public:
  struct Options {
    // Cost budget of one SuggestForTerritory call: associations in the
    // territory × candidates per association. Each pair costs about 300 B
    // and 10–30 µs while the call runs; a call over the budget is refused with
    // RESOURCE_EXHAUSTED (QuotaFailure) before any work.
    int64_t max_pairs_per_request = 300000;
  };

  // Each workspace's weights come from `weights` (the server's defaults or
  // the workspace's learned weights), overridable per request.
  Matchmaker(const TerritoryRegistry* registry,
             const matcher::Vocabulary* vocabulary, ActorDirectory* actors,
             TerritoryBook* territories, Lifecycle* lifecycle,
             WeightBook* weights, Options options);

  // Also records what it serves (unless a preview) and leaves out the
  // partners in their cooling period after a dismissal or a declined meeting.
  // Returns once the served suggestions are recorded.
  absl::StatusOr<v1::SuggestPartnersResponse> SuggestPartners(
      const v1::SuggestPartnersRequest& request,
      const auth::Principal& caller) const;
  // The same, answering through `answer` (exactly once): at once for a
  // preview or an error, else once the served suggestions are recorded, on
  // the thread that wrote their round (Lifecycle::RecordServedAsync), so
  // that the calling thread never waits for a round. `request` and `caller`
  // must stay valid until `answer` is called; `answer` must be short and
  // must not call SuggestPartners.
  using PartnersAnswer =
      std::function<void(absl::StatusOr<v1::SuggestPartnersResponse>)>;
  void SuggestPartners(const v1::SuggestPartnersRequest& request,
                       const auth::Principal& caller,
                       PartnersAnswer answer) const;
  absl::StatusOr<v1::MatchExplanation> ExplainMatch(
      const v1::ExplainMatchRequest& request,
      const auth::Principal& caller) const;
  // In core/matchmaker_coalition.cc.
  absl::StatusOr<v1::SuggestCoalitionResponse> SuggestCoalition(
      const v1::SuggestCoalitionRequest& request,
      const auth::Principal& caller) const;
  absl::StatusOr<v1::DialoguePanel> SuggestDialoguePanel(
      const v1::SuggestDialoguePanelRequest& request,
      const auth::Principal& caller) const;
  // The caller's workspace's weights (WeightBook).
  absl::StatusOr<v1::WorkspaceMatchWeights> GetMatchWeights(
      const v1::GetMatchWeightsRequest& request,
      const auth::Principal& caller) const;
  absl::StatusOr<v1::WorkspaceMatchWeights> LearnMatchWeights(
      const v1::LearnMatchWeightsRequest& request,
      const auth::Principal& caller) const;
  // Partners for every association of a territory at once, capacities
  // respected (matcher/fair_matching.h). Candidates are collected in chunks
  // under short read locks; the assignment is solved without the lock.
  // Stops with `cancellation`'s status (checked between associations) as
  // soon as nobody waits for the answer.
  absl::StatusOr<v1::SuggestForTerritoryResponse> SuggestForTerritory(
      const v1::SuggestForTerritoryRequest& request,
      const auth::Principal& caller,
      const base::Cancellation& cancellation =
          base::Cancellation::Never()) const;

 private:
  // The partners of a SuggestPartners call, and the home communes of the
  // actor and of each partner (what RecordServedAsync needs), in `response` and
  // `communes`; nothing recorded.
  absl::Status MatchPartners(const v1::SuggestPartnersRequest& request,
                             const auth::Principal& caller,
                             v1::SuggestPartnersResponse* response,
                             std::vector<std::string>* communes) const;
  // The request's weights over the caller's workspace's.
  matcher::Weights WeightsFor(const v1::MatchWeights& overrides,
                              const auth::Principal& caller) const;
  // Fills `answer` from `s`, whose strings are moved out.
  void ToProto(matcher::Suggestion& s, const matcher::ActorIndex& index,
               v1::PartnerSuggestion* answer) const;
  // RESOURCE_EXHAUSTED when matching `associations` would cost more than
  // Options::max_pairs_per_request.
  absl::Status CheckTerritoryBudget(size_t associations,
                                    const matcher::FairMatchingOptions& options,
                                    const v1::TerritoryRef& territory) const;

  // SuggestPartners' request read into the engine's options
  // (INVALID_ARGUMENT naming each bad field).
  absl::StatusOr<matcher::PartnerOptions> ReadPartnersRequest(
      const v1::SuggestPartnersRequest& request,
      const auth::Principal& caller) const;

  // SuggestForTerritory's steps. The request read into `scope` and
  // `options` (INVALID_ARGUMENT naming each bad field).
  absl::Status ReadTerritoryRequest(
      const v1::SuggestForTerritoryRequest& request,
      const auth::Principal& caller, ResolvedTerritory* scope,
      matcher::FairMatchingOptions* options) const;
  // The associations of `scope` the caller may see that may be proposed.
  std::vector<matcher::ActorNum> TerritoryAssociations(
      const ResolvedTerritory& scope, const AccessScope& access) const;
  // Each association's best candidates, gathered in chunks of 500, each
  // under its own read lock; an association deleted meanwhile is left out.
  absl::Status CollectTerritoryCandidates(
      const std::vector<matcher::ActorNum>& associations,
      const AccessScope& access, std::string_view workspace,
      matcher::FairMatchingOptions options,
      matcher::FairCandidates* candidates) const;
  // The pairs chosen, explained again without the factors' detail.
  void ExplainAssignments(const matcher::FairCandidates& candidates,
                          const matcher::FairAssignment& result,
                          const matcher::Weights& weights,
                          std::string_view workspace,
                          v1::SuggestForTerritoryResponse* response) const;

  const TerritoryRegistry* registry_;
  const matcher::Vocabulary* vocabulary_;
  ActorDirectory* actors_;
  TerritoryBook* territories_;
  Lifecycle* lifecycle_;
  WeightBook* weights_;
  const Options options_;
  ValidationContext validation_;
};

}  // namespace maillage::core

#endif  // MAILLAGE_CORE_MATCHMAKER_H_

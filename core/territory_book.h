#ifndef MAILLAGE_CORE_TERRITORY_BOOK_H_
#define MAILLAGE_CORE_TERRITORY_BOOK_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "auth/principal.h"
#include "core/actor_directory.h"
#include "core/key_locks.h"
#include "core/request_log.h"
#include "core/territory_registry.h"
#include "core/validation.h"
#include "maillage/v1/territory.pb.h"
#include "storage/store.h"

namespace maillage::core {

// The application logic behind TerritoryService: the geography as API
// resources, custom zones, fragilities and assets ("facts"), and the
// territorial diagnosis that crosses them with the actors present.
//
// Custom zones and facts are records in the store; zones are also held by
// the TerritoryRegistry so that every territory filter can use them. Facts
// are indexed by territory in the same WriteBatch as the record.
//
// Thread-safe.
class TerritoryBook {
 public:
  TerritoryBook(storage::Store* store, TerritoryRegistry* registry,
                const matcher::Vocabulary* vocabulary, ActorDirectory* actors);

  // Hands every fragility of a standard territory to the matching engine.
  // Called at open and after each change to facts.
  absl::Status RefreshFragilities();

  absl::StatusOr<v1::Territory> Get(const v1::GetTerritoryRequest& request,
                                    const auth::Principal& caller) const;
  absl::StatusOr<v1::ListTerritoriesResponse> List(
      const v1::ListTerritoriesRequest& request,
      const auth::Principal& caller) const;
  absl::StatusOr<v1::ResolvePostalCodeResponse> ResolvePostalCode(
      const v1::ResolvePostalCodeRequest& request,
      const auth::Principal& caller) const;

  absl::StatusOr<v1::Territory> CreateCustom(
      const v1::CreateCustomTerritoryRequest& request,
      const auth::Principal& caller);
  absl::StatusOr<v1::Territory> UpdateCustom(
      const v1::UpdateCustomTerritoryRequest& request,
      const auth::Principal& caller);
  absl::Status DeleteCustom(const v1::DeleteCustomTerritoryRequest& request,
                            const auth::Principal& caller);

  absl::StatusOr<v1::TerritoryFact> CreateFact(
      const v1::CreateFactRequest& request, const auth::Principal& caller);
  absl::StatusOr<v1::TerritoryFact> GetFact(
      const v1::GetFactRequest& request, const auth::Principal& caller) const;
  absl::StatusOr<v1::TerritoryFact> UpdateFact(
      const v1::UpdateFactRequest& request, const auth::Principal& caller);
  absl::Status DeleteFact(const v1::DeleteFactRequest& request,
                          const auth::Principal& caller);
  absl::StatusOr<v1::ListFactsResponse> ListFacts(
      const v1::ListFactsRequest& request, const auth::Principal& caller) const;
  absl::StatusOr<v1::ImportFactsResponse> ImportFacts(
      const v1::ImportFactsRequest& request, const auth::Principal& caller);

  absl::StatusOr<v1::TerritoryDiagnosis> Diagnose(
      const v1::GetTerritoryDiagnosisRequest& request,
      const auth::Principal& caller) const;

  // Facts attached to `t` itself and to every territory containing it,
  // optionally of one type. Used by the diagnosis and the matching engine.
  absl::StatusOr<std::vector<v1::TerritoryFact>> FactsAround(
      const ResolvedTerritory& t, v1::FactType type) const;

  // The API view of a resolved territory.
  v1::Territory Describe(const ResolvedTerritory& t) const;

 private:
  // List's checks: INVALID_ARGUMENT naming each bad field; sets the page size
  // and, when the request gives one, the parent.
  absl::Status ValidateList(const v1::ListTerritoriesRequest& request,
                            const auth::Principal& caller, int* page_size,
                            std::optional<ResolvedTerritory>* parent) const;
  absl::StatusOr<std::vector<v1::TerritoryFact>> FactsOf(
      territory::Level level, std::string_view code) const;
  // Adds the fact (and its territory index entry, moving it if the fact
  // changed territory) to `batch`.
  static void PutFact(const v1::TerritoryFact& fact,
                      const v1::TerritoryFact* previous,
                      storage::WriteBatch* batch);
  absl::StatusOr<std::optional<v1::TerritoryFact>> ReadFact(
      std::string_view id) const;

  storage::Store* store_;
  TerritoryRegistry* registry_;
  const matcher::Vocabulary* vocabulary_;
  ActorDirectory* actors_;
  ValidationContext validation_;
  RequestLog requests_;
  KeyLocks locks_;
};

}  // namespace maillage::core

#endif  // MAILLAGE_CORE_TERRITORY_BOOK_H_

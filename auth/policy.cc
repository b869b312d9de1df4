#include "auth/policy.h"

#include "absl/strings/str_cat.h"
#include "base/strings.h"

namespace maillage::auth {
namespace {

constexpr unsigned kEveryone =
    Roles({Role::kReader, Role::kPartner, Role::kAnimator, Role::kImporter,
           Role::kAdmin});
// Reads of public profiles, territories and facts: everyone, in scope.
constexpr unsigned kReaders = kEveryone;
// Actor writes: importers and admins in their scope; partners for the actors
// of their own namespace; animators for their workspace's contacts of an
// actor (the core refuses any other field to them).
constexpr unsigned kActorWriters =
    Roles({Role::kPartner, Role::kAnimator, Role::kImporter, Role::kAdmin});
constexpr unsigned kBulk = Roles({Role::kImporter, Role::kAdmin});
// Matching, suggestions and their lifecycle: the animators' work.
constexpr unsigned kAnimators = Roles({Role::kAnimator, Role::kAdmin});
constexpr unsigned kAdmins = Roles({Role::kAdmin});

constexpr std::string_view kActors = "maillage.v1.ActorService";
constexpr std::string_view kTerritories = "maillage.v1.TerritoryService";
constexpr std::string_view kMatching = "maillage.v1.MatchService";
constexpr std::string_view kLifecycle = "maillage.v1.LifecycleService";
constexpr std::string_view kAdmin = "maillage.v1.AdminService";
// grpc.reflection.v1.ServerReflection answers through the same rule (the
// request handler admits both as "ServerReflectionInfo").
constexpr std::string_view kReflection =
    "grpc.reflection.v1alpha.ServerReflection";
constexpr std::string_view kAudit = "maillage.v1.AuditService";
constexpr std::string_view kPrivacy = "maillage.v1.PrivacyService";

}  // namespace

const std::vector<MethodRule>& MethodRules() {
  static const auto* const rules = new std::vector<MethodRule>{
      {kActors, "CreateActor", Effect::kWrite, kActorWriters},
      {kActors, "GetActor", Effect::kRead, kReaders},
      {kActors, "UpdateActor", Effect::kWrite, kActorWriters},
      {kActors, "DeleteActor", Effect::kWrite,
       Roles({Role::kPartner, Role::kImporter, Role::kAdmin})},
      {kActors, "ListActors", Effect::kRead, kReaders},
      {kActors, "BatchGetActors", Effect::kRead, kReaders},
      {kActors, "ImportActors", Effect::kWrite, kBulk},
      {kActors, "ExportActors", Effect::kRead, kBulk},
      // The vocabularies: reference data, for anyone.
      {kActors, "ListThemes", Effect::kRead, kEveryone},
      {kActors, "ListResources", Effect::kRead, kEveryone},

      {kTerritories, "GetTerritory", Effect::kRead, kReaders},
      {kTerritories, "ListTerritories", Effect::kRead, kReaders},
      {kTerritories, "ResolvePostalCode", Effect::kRead, kReaders},
      {kTerritories, "CreateCustomTerritory", Effect::kWrite,
       Roles({Role::kAnimator, Role::kImporter, Role::kAdmin})},
      {kTerritories, "UpdateCustomTerritory", Effect::kWrite,
       Roles({Role::kAnimator, Role::kImporter, Role::kAdmin})},
      {kTerritories, "DeleteCustomTerritory", Effect::kWrite,
       Roles({Role::kAnimator, Role::kImporter, Role::kAdmin})},
      {kTerritories, "CreateFact", Effect::kWrite, kBulk},
      {kTerritories, "GetFact", Effect::kRead, kReaders},
      {kTerritories, "UpdateFact", Effect::kWrite, kBulk},
      {kTerritories, "DeleteFact", Effect::kWrite, kBulk},
      {kTerritories, "ListFacts", Effect::kRead, kReaders},
      {kTerritories, "ImportFacts", Effect::kWrite, kBulk},
      {kTerritories, "GetTerritoryDiagnosis", Effect::kRead, kReaders},

      {kMatching, "SuggestPartners", Effect::kWrite, kAnimators},
      {kMatching, "ExplainMatch", Effect::kRead, kAnimators},
      {kMatching, "SuggestCoalition", Effect::kRead, kAnimators},
      {kMatching, "SuggestDialoguePanel", Effect::kRead, kAnimators},
      // The workspace's weights: what its matching starts from, and
      // learning them again from its outcomes (changes its rankings).
      {kMatching, "GetMatchWeights", Effect::kRead, kAnimators},
      {kMatching, "LearnMatchWeights", Effect::kWrite, kAnimators},

      {kLifecycle, "GetSuggestion", Effect::kRead, kAnimators},
      {kLifecycle, "ListSuggestions", Effect::kRead, kAnimators},
      {kLifecycle, "UpdateSuggestion", Effect::kWrite, kAnimators},
      {kLifecycle, "CreatePartnership", Effect::kWrite, kAnimators},
      {kLifecycle, "GetPartnership", Effect::kRead, kAnimators},
      {kLifecycle, "ListPartnerships", Effect::kRead, kAnimators},
      {kLifecycle, "UpdatePartnership", Effect::kWrite, kAnimators},
      {kLifecycle, "ImportPartnerships", Effect::kWrite,
       Roles({Role::kAnimator, Role::kImporter, Role::kAdmin})},
      {kLifecycle, "WatchSuggestions", Effect::kRead, kAnimators},
      {kLifecycle, "SuggestForTerritory", Effect::kWrite, kAnimators},
      {kLifecycle, "GetTerritoryMetrics", Effect::kRead, kAnimators},

      {kAdmin, "CreateApiKey", Effect::kAdmin, kAdmins},
      {kAdmin, "ListApiKeys", Effect::kAdmin, kAdmins},
      {kAdmin, "RevokeApiKey", Effect::kAdmin, kAdmins},
      {kAdmin, "RotateApiKey", Effect::kAdmin, kAdmins},
      // One's own identity: for anyone authenticated.
      {kAdmin, "GetCaller", Effect::kRead, kEveryone},
      // Backups hold every record, personal data included: admins only,
      // always recorded (listing and verifying as well).
      {kAdmin, "CreateBackup", Effect::kAdmin, kAdmins},
      {kAdmin, "ListBackups", Effect::kAdmin, kAdmins},
      {kAdmin, "VerifyBackup", Effect::kAdmin, kAdmins},
      {kAdmin, "DeleteBackup", Effect::kAdmin, kAdmins},
      {kAdmin, "PurgeBackups", Effect::kAdmin, kAdmins},

      // Describes the API (grpcurl): any authenticated caller.
      {kReflection, "ServerReflectionInfo", Effect::kRead, kEveryone},
      // Reading the trail is not itself recorded (it would record every
      // look at it); a refused look is, as every denial.
      {kAudit, "ListAuditEntries", Effect::kRead, kAdmins},

      // The rights of data subjects: admins only, across workspaces;
      // recorded under the person's pseudonym (an export is a read of
      // personal data, so kAdmin: always recorded).
      {kPrivacy, "ExportPersonalData", Effect::kAdmin, kAdmins},
      {kPrivacy, "ErasePersonalData", Effect::kAdmin, kAdmins},
  };
  return *rules;
}

const MethodRule* FindRule(std::string_view method) {
  for (const MethodRule& rule : MethodRules()) {
    if (rule.method == method) return &rule;
  }
  return nullptr;
}

absl::Status Authorize(const Principal& principal, std::string_view method) {
  const MethodRule* rule = FindRule(method);
  if (rule != nullptr &&
      (rule->roles & (1u << static_cast<unsigned>(principal.role))) != 0) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      absl::StrCat("the role \"", AsAbsl(RoleName(principal.role)),
                   "\" may not call ", AsAbsl(method)));
}

}  // namespace maillage::auth

#include "core/maillage.h"

#include <cstdio>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "auth/pseudonym.h"
#include "base/status_macros.h"
#include "maillage/v1/territory.pb.h"
#include "storage/keys.h"

namespace maillage::core {
namespace {

// Makes again the erasures a restore found in the journal, so that the
// restored store never serves the people they erased.
absl::Status ReapplyErasures(const std::vector<v1::DataSubject>& subjects,
                             Privacy& privacy) {
  for (size_t i = 0; i < subjects.size(); ++i) {
    v1::ErasePersonalDataRequest request;
    *request.mutable_subject() = subjects[i];
    auto erased = privacy.Erase(request, auth::Principal::System());
    if (!erased.ok()) {
      return absl::Status(
          erased.status().code(),
          absl::StrCat("making again erasure ", i + 1, " of ", subjects.size(),
                       " of the erasure journal: ", erased.status().message()));
    }
    std::fprintf(stderr,
                 "maillage: erasure of %s made again after the restore\n",
                 erased->pseudonym().c_str());
  }
  return absl::OkStatus();
}

}  // namespace

namespace {

// Registers every workspace's custom territories of the store in
// `registry`, with their communes as the geography numbers them (codes it
// does not know are left out). DataLoss on a record that does not parse.
absl::Status LoadCustomZones(storage::Store& store,
                             const territory::Geography& geography,
                             TerritoryRegistry* registry) {
  absl::Status zone_error;
  RETURN_IF_ERROR(store.Scan(
      storage::Family::kTerritories, "", "",
      [&](std::string_view key, std::string_view value) {
        v1::Territory zone;
        auto owner = storage::keys::SplitWorkspace(key);
        if (!owner.has_value() ||
            !zone.ParseFromArray(value.data(),
                                 static_cast<int>(value.size()))) {
          zone_error = absl::DataLossError(absl::StrCat(
              "unparsable custom territory at key '", std::string(key), "'"));
          return false;
        }
        std::vector<uint32_t> communes;
        for (const std::string& code : zone.communes()) {
          if (auto c = geography.Find(territory::Level::kCommune, code)) {
            communes.push_back(*c);
          }
        }
        std::sort(communes.begin(), communes.end());
        registry->PutCustom(zone, std::move(communes), owner->workspace);
        return true;
      }));
  return zone_error;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Maillage>> Maillage::Open(
    const Options& options) {
  std::unique_ptr<Maillage> m(new Maillage());
  absl::Time phase_start = absl::Now();
  auto phase_done = [&options, &phase_start](std::string_view phase) {
    const absl::Time now = absl::Now();
    if (options.startup_phase) options.startup_phase(phase, now - phase_start);
    phase_start = now;
  };
  RETURN_IF_ERROR(m->LoadReferenceData(options));
  phase_done("reference_data");
  RETURN_IF_ERROR(m->OpenStore(options));
  phase_done("store_open");
  RETURN_IF_ERROR(m->LoadActors(options));
  phase_done("actor_index");
  RETURN_IF_ERROR(m->LoadLifecycle(options));
  phase_done("lifecycle");
  m->StartMatching(options);
  RETURN_IF_ERROR(m->OpenKeysAuditAndPrivacy(options));
  phase_done("keys_and_audit");
  return m;
}

absl::Status Maillage::LoadReferenceData(const Options& options) {
  ASSIGN_OR_RETURN(geography_,
                   territory::Geography::Load(options.reference_dir + "/geo"));
  ASSIGN_OR_RETURN(auto vocabulary, matcher::Vocabulary::LoadFromDir(
                                        options.reference_dir + "/vocab"));
  vocabulary_ = std::make_unique<matcher::Vocabulary>(std::move(vocabulary));
  return absl::OkStatus();
}

absl::Status Maillage::OpenStore(const Options& options) {
  storage::Store::Options store_options;
  store_options.path = options.data_dir;
  store_options.sync_writes = options.sync_writes;
  store_options.min_free_disk_bytes = options.min_free_disk_bytes;
  store_options.background_write_bytes_per_second =
      options.background_write_bytes_per_second;
  store_options.disk_probe = options.disk_probe;
  ASSIGN_OR_RETURN(store_, storage::Store::Open(store_options));
  return absl::OkStatus();
}

absl::Status Maillage::LoadActors(const Options& options) {
  registry_ = std::make_unique<TerritoryRegistry>(geography_.get());
  // Custom zones first: actors may act on them.
  RETURN_IF_ERROR(LoadCustomZones(*store_, *geography_, registry_.get()));
  ActorDirectory::Options actor_options;
  actor_options.default_capacity = options.default_capacity;
  actor_options.commit_nice = options.import_nice;
  actors_ = std::make_unique<ActorDirectory>(store_.get(), registry_.get(),
                                             vocabulary_.get(), actor_options);
  RETURN_IF_ERROR(actors_->LoadIndex());
  territory_book_ = std::make_unique<TerritoryBook>(
      store_.get(), registry_.get(), vocabulary_.get(), actors_.get());
  return territory_book_->RefreshFragilities();
}

absl::Status Maillage::LoadLifecycle(const Options& options) {
  events_ = std::make_unique<EventLog>(store_.get());
  RETURN_IF_ERROR(events_->Open());
  Lifecycle::Options lifecycle_options;
  lifecycle_options.cooling_period = options.cooling_period;
  lifecycle_ = std::make_unique<Lifecycle>(store_.get(), registry_.get(),
                                           vocabulary_.get(), actors_.get(),
                                           events_.get(), lifecycle_options);
  RETURN_IF_ERROR(matcher::ValidateWeights(options.match_weights));
  WeightBook::Options weight_options;
  weight_options.defaults = options.match_weights;
  weight_options.relearn_interval = options.weights_relearn_interval;
  weight_options.relearn_min_growth = options.weights_relearn_min_growth;
  weight_options.background_share = options.weights_background_share;
  weight_options.charge_memory = [store = store_.get()] {
    return store->ChargeMemory();
  };
  weight_book_ = std::make_unique<WeightBook>(actors_.get(), lifecycle_.get(),
                                              weight_options);
  lifecycle_->SetOutcomesListener(
      [book = weight_book_.get()](std::string_view workspace) {
        book->NoteOutcomesChanged(workspace);
      });
  return lifecycle_->Load();
}

void Maillage::StartMatching(const Options& options) {
  weight_book_->Start();
  Matchmaker::Options match_options;
  match_options.max_pairs_per_request = options.max_pairs_per_request;
  matchmaker_ = std::make_unique<Matchmaker>(
      registry_.get(), vocabulary_.get(), actors_.get(), territory_book_.get(),
      lifecycle_.get(), weight_book_.get(), match_options);
}

absl::Status Maillage::OpenKeysAuditAndPrivacy(const Options& options) {
  KeyRing::Options key_options;
  std::string secret_file = DigestSecretFile(options);
  ASSIGN_OR_RETURN(key_options.digest_secret,
                   auth::LoadOrCreateDigestSecret(secret_file));
  // The same secret keys the pseudonyms of erasure and retention.
  std::string pseudonym_secret = key_options.digest_secret;
  pseudonym_secret_ = pseudonym_secret;
  keys_ = std::make_unique<KeyRing>(store_.get(), registry_.get(),
                                    std::move(key_options));
  RETURN_IF_ERROR(keys_->Load());
  AuditLog::Options audit_options;
  audit_options.retention = options.audit_retention;
  ASSIGN_OR_RETURN(audit_,
                   AuditLog::Open(store_.get(), std::move(audit_options)));
  Privacy::Options privacy_options;
  privacy_options.contacts_purge_interval = options.contacts_purge_interval;
  privacy_ = std::make_unique<Privacy>(
      Privacy::Parts{store_.get(), geography_.get(), registry_.get(),
                     actors_.get(), lifecycle_.get(), keys_.get(),
                     audit_.get()},
      pseudonym_secret, privacy_options);
  Backups::Options backup_options = options.backups;
  backup_options.data_dir = options.data_dir;
  backup_options.secret_file = secret_file;
  ASSIGN_OR_RETURN(backups_,
                   Backups::Open(store_.get(), std::move(backup_options)));
  RETURN_IF_ERROR(ReapplyErasures(options.erasures_to_reapply, *privacy_));
  // After the re-applied ones: they are in the journal they came from.
  privacy_->SetErasureListener(
      [backups = backups_.get()](const v1::DataSubject& subject) {
        return backups->RecordErasure(subject);
      });
  retention_ = std::make_unique<Retention>(
      Retention::Parts{store_.get(), lifecycle_.get(), events_.get(),
                       audit_.get()},
      options.retention, std::move(pseudonym_secret),
      options.retention_reporter);
  retention_->Start();
  return absl::OkStatus();
}

std::string Maillage::PrincipalPseudonym(std::string_view principal_id) const {
  return auth::Pseudonym(pseudonym_secret_, principal_id);
}

std::string Maillage::DigestSecretFile(const Options& options) {
  return options.key_digest_secret_file.empty()
             ? options.data_dir + "/api-key-digest.secret"
             : options.key_digest_secret_file;
}

std::string Maillage::Describe() const {
  return absl::StrCat(store_->Describe(), ", ", actors_->size(), " actors, ",
                      geography_->Count(territory::Level::kCommune),
                      " communes");
}

}  // namespace maillage::core

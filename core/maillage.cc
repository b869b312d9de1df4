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
  ASSIGN_OR_RETURN(m->geography_,
                   territory::Geography::Load(options.reference_dir + "/geo"));
  ASSIGN_OR_RETURN(auto vocabulary, matcher::Vocabulary::LoadFromDir(
                                        options.reference_dir + "/vocab"));
  m->vocabulary_ = std::make_unique<matcher::Vocabulary>(std::move(vocabulary));
  phase_done("reference_data");

  storage::Store::Options store_options;
  store_options.path = options.data_dir;
  store_options.sync_writes = options.sync_writes;
  store_options.min_free_disk_bytes = options.min_free_disk_bytes;
  store_options.disk_probe = options.disk_probe;
  ASSIGN_OR_RETURN(m->store_, storage::Store::Open(store_options));
  phase_done("store_open");
  m->registry_ = std::make_unique<TerritoryRegistry>(m->geography_.get());
  // Custom zones first: actors may act on them.
  RETURN_IF_ERROR(
      LoadCustomZones(*m->store_, *m->geography_, m->registry_.get()));

  ActorDirectory::Options actor_options;
  actor_options.default_capacity = options.default_capacity;
  m->actors_ = std::make_unique<ActorDirectory>(
      m->store_.get(), m->registry_.get(), m->vocabulary_.get(), actor_options);
  RETURN_IF_ERROR(m->actors_->LoadIndex());
  m->territory_book_ =
      std::make_unique<TerritoryBook>(m->store_.get(), m->registry_.get(),
                                      m->vocabulary_.get(), m->actors_.get());
  RETURN_IF_ERROR(m->territory_book_->RefreshFragilities());
  phase_done("actor_index");
  m->events_ = std::make_unique<EventLog>(m->store_.get());
  RETURN_IF_ERROR(m->events_->Open());
  Lifecycle::Options lifecycle_options;
  lifecycle_options.cooling_period = options.cooling_period;
  m->lifecycle_ = std::make_unique<Lifecycle>(
      m->store_.get(), m->registry_.get(), m->vocabulary_.get(),
      m->actors_.get(), m->events_.get(), lifecycle_options);
  RETURN_IF_ERROR(matcher::ValidateWeights(options.match_weights));
  WeightBook::Options weight_options;
  weight_options.defaults = options.match_weights;
  weight_options.relearn_interval = options.weights_relearn_interval;
  m->weight_book_ = std::make_unique<WeightBook>(
      m->actors_.get(), m->lifecycle_.get(), weight_options);
  m->lifecycle_->SetOutcomesListener(
      [book = m->weight_book_.get()](std::string_view workspace) {
        book->NoteOutcomesChanged(workspace);
      });
  RETURN_IF_ERROR(m->lifecycle_->Load());
  phase_done("lifecycle");
  m->weight_book_->Start();
  Matchmaker::Options match_options;
  match_options.max_pairs_per_request = options.max_pairs_per_request;
  m->matchmaker_ = std::make_unique<Matchmaker>(
      m->registry_.get(), m->vocabulary_.get(), m->actors_.get(),
      m->territory_book_.get(), m->lifecycle_.get(), m->weight_book_.get(),
      match_options);

  KeyRing::Options key_options;
  std::string secret_file = DigestSecretFile(options);
  ASSIGN_OR_RETURN(key_options.digest_secret,
                   auth::LoadOrCreateDigestSecret(secret_file));
  // The same secret keys the pseudonyms of erasure and retention.
  std::string pseudonym_secret = key_options.digest_secret;
  m->pseudonym_secret_ = pseudonym_secret;
  m->keys_ = std::make_unique<KeyRing>(m->store_.get(), m->registry_.get(),
                                       std::move(key_options));
  RETURN_IF_ERROR(m->keys_->Load());
  AuditLog::Options audit_options;
  audit_options.retention = options.audit_retention;
  ASSIGN_OR_RETURN(m->audit_,
                   AuditLog::Open(m->store_.get(), std::move(audit_options)));
  Privacy::Options privacy_options;
  privacy_options.contacts_purge_interval = options.contacts_purge_interval;
  m->privacy_ = std::make_unique<Privacy>(
      Privacy::Parts{m->store_.get(), m->geography_.get(), m->registry_.get(),
                     m->actors_.get(), m->lifecycle_.get(), m->keys_.get(),
                     m->audit_.get()},
      pseudonym_secret, privacy_options);
  Backups::Options backup_options = options.backups;
  backup_options.data_dir = options.data_dir;
  backup_options.secret_file = secret_file;
  ASSIGN_OR_RETURN(m->backups_,
                   Backups::Open(m->store_.get(), std::move(backup_options)));
  RETURN_IF_ERROR(ReapplyErasures(options.erasures_to_reapply, *m->privacy_));
  // After the re-applied ones: they are in the journal they came from.
  m->privacy_->SetErasureListener(
      [backups = m->backups_.get()](const v1::DataSubject& subject) {
        return backups->RecordErasure(subject);
      });
  m->retention_ = std::make_unique<Retention>(
      Retention::Parts{m->store_.get(), m->lifecycle_.get(), m->events_.get(),
                       m->audit_.get()},
      options.retention, std::move(pseudonym_secret),
      options.retention_reporter);
  m->retention_->Start();
  phase_done("keys_and_audit");
  return m;
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

#include "core/privacy.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "auth/pseudonym.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "core/errors.h"
#include "core/event_log.h"
#include "google/protobuf/util/time_util.h"
#include "maillage/storage/records.pb.h"
#include "maillage/v1/audit.pb.h"
#include "storage/keys.h"

namespace maillage::core {

using google::protobuf::util::TimeUtil;
using storage::Family;

namespace {

// Rewrites of the event log and the audit trail go in batches of this many
// records.
constexpr int kRewriteBatch = 1000;

}  // namespace

// One pass over the records for one subject: collects what it finds (subject
// access) and, when erasing, edits it in place (the caller writes back the
// records Record says changed).
class Privacy::Sweep {
 public:
  Sweep(DataSubject subject, std::string pseudonym, bool erase, int items_max)
      : subject_(std::move(subject)),
        pseudonym_(std::move(pseudonym)),
        erase_(erase),
        items_max_(items_max) {}

  const DataSubject& subject() const { return subject_; }
  DataSubject& mutable_subject() { return subject_; }
  bool erase() const { return erase_; }
  const std::string& pseudonym() const { return pseudonym_; }

  // False only when stored bytes certainly hold nothing of the subject.
  bool MayConcern(std::string_view raw) const {
    if (subject_.MayBeMentionedIn(raw)) return true;
    for (const std::string& id : principal_ids_) {
      if (raw.find(id) != std::string_view::npos) return true;
    }
    return false;
  }
  void PrincipalsKnown() { principal_ids_ = subject_.principals(); }

  // Visits the personal fields of one record (kind and id as in
  // PersonalDataItem). Returns whether it holds anything of the subject
  // (when erasing: whether it was changed).
  bool Record(google::protobuf::Message* record, std::string_view workspace,
              std::string_view kind, std::string_view id) {
    bool found = false;
    PersonalFieldVisitor visitor;
    visitor.string_field = [&](const std::string& path,
                               const InventoryItem& item, std::string* value) {
      std::optional<std::string> replacement = Replace(item, *value);
      if (!replacement.has_value()) return;
      found = true;
      AddItem(workspace, kind, id, path, *value, item.purpose, nullptr);
      if (erase_) *value = std::move(*replacement);
    };
    visitor.contact = [&](const std::string& path, v1::Contact* contact) {
      if (!subject_.IsContact(*contact)) return true;
      found = true;
      AddItem(workspace, kind, id, path, "", "reaching the contact person",
              contact);
      return !erase_;
    };
    VisitPersonalFields(record, visitor);
    if (found) ++erased_[std::string(kind)];
    return found;
  }

  // Adds an item the walkers find themselves (raw records).
  void AddItem(std::string_view workspace, std::string_view kind,
               std::string_view id, std::string_view field,
               std::string_view value, std::string_view purpose,
               const v1::Contact* contact) {
    if (out_.items_size() >= items_max_) {
      out_.set_items_left_out(out_.items_left_out() + 1);
      return;
    }
    v1::PersonalDataItem* item = out_.add_items();
    item->set_workspace(std::string(workspace));
    item->set_record(std::string(kind));
    item->set_record_id(std::string(id));
    item->set_field(std::string(field));
    item->set_value(std::string(value));
    item->set_purpose(std::string(purpose));
    if (contact != nullptr) *item->mutable_contact() = *contact;
  }
  void CountErased(std::string_view kind) { ++erased_[std::string(kind)]; }

  v1::PersonalDataExport* mutable_export() { return &out_; }
  const std::map<std::string, int64_t>& erased() const { return erased_; }

 private:
  // What erasure puts in place of a field's value; nullopt when the value
  // holds nothing of the subject.
  std::optional<std::string> Replace(const InventoryItem& item,
                                     const std::string& value) const {
    switch (item.kind) {
      case PersonalField::kFreeText:
        if (!subject_.IsMentionedIn(value)) return std::nullopt;
        return subject_.Redact(value);
      case PersonalField::kDisplayName:
        if (!subject_.IsMentionedIn(value)) return std::nullopt;
        return pseudonym_;
      case PersonalField::kPrincipalId:
        if (!subject_.IsPrincipal(value)) return std::nullopt;
        return pseudonym_;
      case PersonalField::kContactPerson:   // whole contacts, see contact
      case PersonalField::kNetworkAddress:  // never a subject's own
        return std::nullopt;
    }
    return std::nullopt;
  }

  DataSubject subject_;
  const std::string pseudonym_;
  const bool erase_;
  const int items_max_;
  std::vector<std::string> principal_ids_;
  v1::PersonalDataExport out_;
  std::map<std::string, int64_t> erased_;
};

Privacy::Privacy(Parts parts, std::string pseudonym_secret, Options options)
    : parts_(parts), secret_(std::move(pseudonym_secret)), options_(options) {
  purged_removals_ = parts_.actors->contacts_removals();
  if (options_.contacts_purge_interval > absl::ZeroDuration()) {
    purger_ = std::thread([this] { PurgeLoop(); });
  }
}

Privacy::~Privacy() {
  {
    std::lock_guard lock(purge_mu_);
    stopping_ = true;
  }
  purge_cv_.notify_all();
  if (purger_.joinable()) purger_.join();
}

std::string Privacy::PseudonymOf(const DataSubject& subject) const {
  // The subject's identifiers in place of a principal id: "subject:" is no
  // principal namespace, so it never collides with a principal's pseudonym.
  return auth::Pseudonym(secret_, "subject:" + subject.Fingerprint());
}

absl::Status Privacy::FindPrincipals(DataSubject* subject) const {
  const DataSubject& s = *subject;
  std::set<std::string> found;
  RETURN_IF_ERROR(parts_.store->Scan(
      Family::kSuggestions, "", "",
      [&](std::string_view, std::string_view value) {
        if (!s.MayBeMentionedIn(value)) return true;
        v1::Suggestion suggestion;
        if (!suggestion.ParseFromArray(value.data(),
                                       static_cast<int>(value.size()))) {
          return true;
        }
        if (s.IsMentionedIn(suggestion.requested_by_name())) {
          found.insert(suggestion.requested_by());
        }
        for (const auto& t : suggestion.history()) {
          if (s.IsMentionedIn(t.performed_by_name())) {
            found.insert(t.performed_by());
          }
        }
        return true;
      }));
  ASSIGN_OR_RETURN(int64_t unused,
                   parts_.keys->EditPersonalData([&](v1::ApiKey* key) {
                     if (s.IsMentionedIn(key->label())) {
                       found.insert("key:" + key->id());
                     }
                     return false;
                   }));
  (void)unused;
  for (const std::string& id : found) {
    if (!id.empty()) subject->AddPrincipal(id);
  }
  return absl::OkStatus();
}

absl::Status Privacy::WalkContactsAndActors(Sweep* sweep) {
  // The actors to look at: those with a contact record (a lone first name
  // is matched on contacts only, whole) or a profile that may mention the
  // subject.
  std::set<std::string> ids;
  absl::Status bad;
  RETURN_IF_ERROR(parts_.store->Scan(
      Family::kContacts, "", "",
      [&](std::string_view key, std::string_view value) {
        storage::ContactRecord record;
        if (!record.ParseFromArray(value.data(),
                                   static_cast<int>(value.size()))) {
          return true;  // not ours to judge here; the owner reports it
        }
        for (const v1::Contact& c : record.contacts()) {
          if (sweep->subject().IsContact(c)) {
            ids.insert(std::string(key.substr(0, key.find('\0'))));
            break;
          }
        }
        return true;
      }));
  RETURN_IF_ERROR(
      parts_.store->Scan(Family::kActors, "", "",
                         [&](std::string_view key, std::string_view value) {
                           if (sweep->subject().MayBeMentionedIn(value))
                             ids.emplace(key);
                           return true;
                         }));
  for (const std::string& id : ids) {
    ASSIGN_OR_RETURN(
        bool unused,
        parts_.actors->EditPersonalData(
            id, [&](v1::Actor* actor,
                    std::map<std::string, storage::ContactRecord>* contacts) {
              bool changed = false;
              if (actor != nullptr) {
                changed |= sweep->Record(actor, "", "actor", id);
              }
              for (auto& [workspace, record] : *contacts) {
                changed |= sweep->Record(&record, workspace, "contact", id);
              }
              return changed && sweep->erase();
            }));
    (void)unused;
  }
  return absl::OkStatus();
}

absl::Status Privacy::WalkLifecycle(Sweep* sweep) {
  Lifecycle::PersonalDataEdits edits;
  edits.may_concern = MayConcern(sweep);
  edits.suggestion = [sweep](std::string_view workspace, v1::Suggestion* s) {
    std::string id = s->id();
    return sweep->Record(s, workspace, "suggestion", id) && sweep->erase();
  };
  edits.partnership = [sweep](std::string_view workspace, v1::Partnership* p) {
    std::string id = p->id();
    return sweep->Record(p, workspace, "partnership", id) && sweep->erase();
  };
  return parts_.lifecycle->EditPersonalData(edits).status();
}

namespace {

// The records of `family` that parse as M and whose bytes may concern the
// subject, each handed to `edit(key, &record)`; those it returns true for
// are written back after the scan (a scan must not write), in batches.
// For records that no one else rewrites (events, facts, audit entries) or
// whose owner is updated by the caller (custom zones). Returns the records
// written back.
template <typename M, typename Edit>
absl::StatusOr<std::vector<std::pair<std::string, M>>> RewriteConcerned(
    storage::Store* store, Family family,
    const std::function<bool(std::string_view)>& may_concern, Edit edit) {
  std::vector<std::pair<std::string, M>> changed;
  RETURN_IF_ERROR(store->Scan(
      family, "", "", [&](std::string_view key, std::string_view value) {
        if (!may_concern(value)) return true;
        M record;
        if (record.ParseFromArray(value.data(),
                                  static_cast<int>(value.size())) &&
            edit(key, &record)) {
          changed.emplace_back(std::string(key), std::move(record));
        }
        return true;
      }));
  for (size_t at = 0; at < changed.size(); at += kRewriteBatch) {
    storage::WriteBatch batch;
    size_t end = std::min(changed.size(), at + kRewriteBatch);
    for (size_t i = at; i < end; ++i) {
      batch.PutMessage(family, changed[i].first, changed[i].second);
    }
    RETURN_IF_ERROR(store->Write(batch));
  }
  return changed;
}

}  // namespace

std::function<bool(std::string_view)> Privacy::MayConcern(const Sweep* sweep) {
  return [sweep](std::string_view raw) { return sweep->MayConcern(raw); };
}

absl::Status Privacy::WalkEvents(Sweep* sweep) {
  return RewriteConcerned<storage::EventRecord>(
             parts_.store, Family::kEvents, MayConcern(sweep),
             [sweep](std::string_view key, storage::EventRecord* record) {
               std::string token = EventLog::Token(
                   storage::keys::EventSequence(key).value_or(0));
               return sweep->Record(record->mutable_event(),
                                    record->workspace(), "event", token) &&
                      sweep->erase();
             })
      .status();
}

absl::Status Privacy::WalkZonesAndFacts(Sweep* sweep) {
  ASSIGN_OR_RETURN(auto zones,
                   RewriteConcerned<v1::Territory>(
                       parts_.store, Family::kTerritories, MayConcern(sweep),
                       [sweep](std::string_view key, v1::Territory* zone) {
                         auto owner = storage::keys::SplitWorkspace(key);
                         return owner.has_value() &&
                                sweep->Record(zone, owner->workspace,
                                              "custom_territory",
                                              zone->ref().code()) &&
                                sweep->erase();
                       }));
  // The registry serves custom zones from memory: it gets the new text.
  for (auto& [key, zone] : zones) {
    std::vector<uint32_t> communes;
    for (const std::string& code : zone.communes()) {
      if (auto c = parts_.geography->Find(territory::Level::kCommune, code)) {
        communes.push_back(*c);
      }
    }
    std::sort(communes.begin(), communes.end());
    parts_.registry->PutCustom(zone, std::move(communes),
                               storage::keys::SplitWorkspace(key)->workspace);
  }
  return RewriteConcerned<v1::TerritoryFact>(
             parts_.store, Family::kFacts, MayConcern(sweep),
             [sweep](std::string_view, v1::TerritoryFact* fact) {
               std::string id = fact->id();
               return sweep->Record(fact, "", "fact", id) && sweep->erase();
             })
      .status();
}

absl::Status Privacy::WalkKeys(Sweep* sweep) {
  return parts_.keys
      ->EditPersonalData([sweep](v1::ApiKey* key) {
        std::string id = key->id();
        return sweep->Record(key, "", "api_key", id) && sweep->erase();
      })
      .status();
}

absl::Status Privacy::WalkAudit(Sweep* sweep) {
  parts_.audit->Flush();  // entries still queued are on the disk first
  return RewriteConcerned<v1::AuditEntry>(
             parts_.store, Family::kAudit, MayConcern(sweep),
             [sweep](std::string_view key, v1::AuditEntry* entry) {
               auto when = storage::keys::AuditTimeAndSequence(key);
               std::string id =
                   absl::StrCat(TimeUtil::ToString(entry->time()), "#",
                                when.has_value() ? when->second : 0);
               if (sweep->subject().IsPrincipal(entry->principal_id())) {
                 // The subject's own call: what it did, from where.
                 sweep->AddItem(entry->workspace(), "audit_entry", id, "method",
                                entry->method(), "who called (security)",
                                nullptr);
                 sweep->AddItem(entry->workspace(), "audit_entry", id, "peer",
                                entry->peer(),
                                "from where a call came (security)", nullptr);
               }
               return sweep->Record(entry, entry->workspace(), "audit_entry",
                                    id) &&
                      sweep->erase();
             })
      .status();
}

absl::Status Privacy::WalkRequests(Sweep* sweep) {
  // Idempotency answers are matched on their raw bytes (they hold the
  // answers of several methods); one that mentions the subject is deleted.
  storage::WriteBatch batch;
  RETURN_IF_ERROR(parts_.store->Scan(
      Family::kRequests, "", "",
      [&](std::string_view key, std::string_view value) {
        if (!sweep->MayConcern(value)) return true;
        bool concerns = sweep->subject().IsMentionedIn(value);
        for (const std::string& id : sweep->subject().principals()) {
          concerns |= value.find(id) != std::string_view::npos;
        }
        if (!concerns) return true;
        std::string_view method = key.substr(0, key.find('\0'));
        std::string_view rest =
            key.substr(std::min(key.size(), method.size() + 1));
        auto owner = storage::keys::SplitWorkspace(rest);
        sweep->AddItem(owner.has_value() ? owner->workspace : "", "request",
                       owner.has_value() ? owner->rest : rest, "response",
                       absl::StrCat("the recorded answer of ", AsAbsl(method),
                                    " (kept 24 hours for retries)"),
                       "answering a retried call the same", nullptr);
        sweep->CountErased("request");
        if (sweep->erase()) batch.Delete(Family::kRequests, key);
        return true;
      }));
  if (batch.Count() > 0) RETURN_IF_ERROR(parts_.store->Write(batch));
  return absl::OkStatus();
}

absl::Status Privacy::Walk(Sweep* sweep) {
  RETURN_IF_ERROR(FindPrincipals(&sweep->mutable_subject()));
  sweep->PrincipalsKnown();
  RETURN_IF_ERROR(WalkContactsAndActors(sweep));
  RETURN_IF_ERROR(WalkLifecycle(sweep));
  RETURN_IF_ERROR(WalkEvents(sweep));
  RETURN_IF_ERROR(WalkZonesAndFacts(sweep));
  RETURN_IF_ERROR(WalkKeys(sweep));
  RETURN_IF_ERROR(WalkAudit(sweep));
  return WalkRequests(sweep);
}

absl::StatusOr<v1::PersonalDataExport> Privacy::Export(
    const v1::ExportPersonalDataRequest& request, const auth::Principal&) {
  ASSIGN_OR_RETURN(DataSubject subject,
                   DataSubject::From(request.subject(), "subject"));
  std::string pseudonym = PseudonymOf(subject);
  Sweep sweep(std::move(subject), std::move(pseudonym), /*erase=*/false,
              options_.items_max);
  RETURN_IF_ERROR(Walk(&sweep));
  v1::PersonalDataExport out = std::move(*sweep.mutable_export());
  *out.mutable_time() = TimeUtil::GetCurrentTime();
  for (const std::string& id : sweep.subject().principals()) {
    out.add_principal_ids(id);
  }
  return out;
}

absl::StatusOr<v1::ErasePersonalDataResponse> Privacy::Erase(
    const v1::ErasePersonalDataRequest& request, const auth::Principal&) {
  ASSIGN_OR_RETURN(DataSubject subject,
                   DataSubject::From(request.subject(), "subject"));
  std::string pseudonym = PseudonymOf(subject);
  std::lock_guard one_at_a_time(erase_mu_);
  Sweep sweep(std::move(subject), pseudonym, !request.validate_only(),
              /*items_max=*/0);
  RETURN_IF_ERROR(Walk(&sweep));
  v1::ErasePersonalDataResponse response;
  response.set_pseudonym(pseudonym);
  for (const auto& [kind, count] : sweep.erased()) {
    v1::ErasedRecords* erased = response.add_erased();
    erased->set_record(kind);
    erased->set_count(count);
  }
  if (request.validate_only()) return response;
  if (erasure_listener_) RETURN_IF_ERROR(erasure_listener_(request.subject()));
  // Physical: the families holding deleted contacts and old answers always
  // (an earlier edit may have left the person's values there), the others
  // where something changed.
  std::vector<Family> families = {Family::kContacts, Family::kRequests};
  static const std::map<std::string, std::vector<Family>> kFamiliesOf = {
      {"actor", {Family::kActors}},
      {"suggestion", {Family::kSuggestions, Family::kEvents}},
      {"partnership", {Family::kPartnerships, Family::kEvents}},
      {"event", {Family::kEvents}},
      {"custom_territory", {Family::kTerritories}},
      {"fact", {Family::kFacts}},
      {"api_key", {Family::kApiKeys}},
      {"audit_entry", {Family::kAudit}},
  };
  for (const auto& [kind, count] : sweep.erased()) {
    auto it = kFamiliesOf.find(kind);
    if (it == kFamiliesOf.end()) continue;
    for (Family f : it->second) {
      if (std::find(families.begin(), families.end(), f) == families.end()) {
        families.push_back(f);
      }
    }
  }
  absl::Time start = absl::Now();
  RETURN_IF_ERROR(parts_.store->ErasePhysically(families));
  response.set_physically_erased(true);
  response.set_physical_erasure_millis(
      absl::ToInt64Milliseconds(absl::Now() - start));
  return response;
}

absl::Status Privacy::PurgeDeletedContacts() {
  uint64_t removals = parts_.actors->contacts_removals();
  {
    std::lock_guard lock(purge_mu_);
    if (removals == purged_removals_) return absl::OkStatus();
  }
  RETURN_IF_ERROR(
      parts_.store->ErasePhysically({Family::kContacts, Family::kRequests}));
  std::lock_guard lock(purge_mu_);
  purged_removals_ = removals;
  return absl::OkStatus();
}

void Privacy::PurgeLoop() {
  std::unique_lock lock(purge_mu_);
  for (;;) {
    purge_cv_.wait_for(
        lock, absl::ToChronoMilliseconds(options_.contacts_purge_interval),
        [this] { return stopping_; });
    if (stopping_) return;
    lock.unlock();
    absl::Status purged = PurgeDeletedContacts();
    if (!purged.ok() && purged.code() != absl::StatusCode::kResourceExhausted) {
      base::Log(base::LogLevel::kWarning, "privacy.purge_failed")
          .Add("message",
               "deleted contact persons not yet made physically absent")
          .Add("error", purged.ToString());
    }
    lock.lock();
  }
}

}  // namespace maillage::core

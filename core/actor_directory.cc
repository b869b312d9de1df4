#include "core/actor_directory.h"

#include <malloc.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <random>
#include <thread>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "base/in_parallel.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "base/thread_priority.h"
#include "core/errors.h"
#include "core/objection.h"
#include "core/page_token.h"
#include "core/workspace.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/util/field_mask_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"
#include "maillage/storage/records.pb.h"
#include "storage/keys.h"

namespace maillage::core {
namespace {

using google::protobuf::util::FieldMaskUtil;
using google::protobuf::util::TimeUtil;
using storage::Family;

constexpr std::string_view kActor = "actor";
// Missing ids a NOT_FOUND of BatchGetActors names (the others are counted),
// so that the error stays small.
constexpr size_t kMissingIdsNamed = 10;

// Actors a scoped List examines for one page at most: when that many were
// outside the scope, the page ends early with a next_page_token, so the
// work per page stays bounded and nothing in scope is skipped.
constexpr size_t kScopedListExaminedMax = 10000;
// Ids asked of the index at a time by a scoped List.
constexpr size_t kScopedListChunk = 512;

// Notes an import answer lists per batch at most (ImportActorsResponse.notes;
// the counts say how many in all).
constexpr int kImportNotesMax = 100;

// "ext:<partner>:", the ids a partner owns.
std::string PartnerNamespace(const auth::Principal& caller) {
  return absl::StrCat("ext:", caller.partner, ":");
}

// Whether `name` can own a namespace "ext:<name>:": an ext: source
// ([A-Za-z0-9_.-], 1-32 characters). A colon would let it reach into
// another partner's ids ("a:b" into those of "a").
bool IsPartnerName(std::string_view name) {
  return !name.empty() && name.size() <= 32 &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
                  c == '_' || c == '-' || c == '.';
         });
}

// What a role may write of actors, territories apart (auth/principal.h):
// importers and admins any actor; partners the ids of their namespace;
// animators only contacts (UpdateActor, see CheckAnimatorMask), so neither
// a creation, a deletion nor an import row; readers nothing.
absl::Status CheckActorWriter(const auth::Principal& caller,
                              std::string_view id, bool contacts_only) {
  switch (caller.role) {
    case auth::Role::kImporter:
    case auth::Role::kAdmin:
      return absl::OkStatus();
    case auth::Role::kAnimator:
      if (contacts_only) return absl::OkStatus();
      return absl::PermissionDeniedError(
          "an animator may change only the contacts of an actor "
          "(UpdateActor with update_mask \"contacts\")");
    case auth::Role::kPartner:
      if (!IsPartnerName(caller.partner)) {
        return absl::PermissionDeniedError(
            "this partner credential names no valid partner namespace "
            "(ext:<partner>:, partner in [A-Za-z0-9_.-], 1-32 characters)");
      }
      if (!absl::StartsWith(AsAbsl(id), PartnerNamespace(caller))) {
        return absl::PermissionDeniedError(
            absl::StrCat("actor ", Quote(id), " is outside your namespace ",
                         PartnerNamespace(caller),
                         "…: a partner writes only its own "
                         "actors"));
      }
      return absl::OkStatus();
    case auth::Role::kReader:
      break;
  }
  return absl::PermissionDeniedError("a reader cannot change actors");
}

// An animator's UpdateActor must name its fields, and only "contacts".
absl::Status CheckAnimatorMask(const auth::Principal& caller,
                               const google::protobuf::FieldMask& mask) {
  if (caller.role != auth::Role::kAnimator) return absl::OkStatus();
  bool contacts_only = mask.paths_size() > 0;
  for (const std::string& path : mask.paths()) {
    contacts_only &= path == "contacts";
  }
  if (contacts_only) return absl::OkStatus();
  return absl::PermissionDeniedError(
      "an animator may change only the contacts of an actor: send "
      "update_mask \"contacts\"");
}

// Fields a client may not set through an update mask.
bool IsOutputOnlyPath(const std::string& path) {
  return path == "id" || path == "create_time" || path == "update_time" ||
         path == "etag" || path.rfind("create_time.", 0) == 0 ||
         path.rfind("update_time.", 0) == 0;
}

void ClearOutputOnly(v1::Actor* actor) {
  actor->clear_create_time();
  actor->clear_update_time();
  actor->clear_etag();
}

// `actor` as the answer of a write to `caller`: without contacts for a
// caller that may not see them (MaySeeContacts), not even those it sent.
v1::Actor AnswerFor(const auth::Principal& caller, v1::Actor actor) {
  if (!MaySeeContacts(caller)) actor.clear_contacts();
  return actor;
}

// Whether an update mask names the field `path` itself.
bool MaskNames(const google::protobuf::FieldMask& mask, std::string_view path) {
  return std::any_of(mask.paths().begin(), mask.paths().end(),
                     [&](const std::string& p) { return p == path; });
}

// An empty mask, or "*": the request's actor replaces the stored one.
bool ReplacesAll(const google::protobuf::FieldMask& mask) {
  return mask.paths_size() == 0 ||
         (mask.paths_size() == 1 && mask.paths(0) == "*");
}

// UpdateActor's fields: request id, actor id and etag, and each mask path
// a field of Actor that a client may change.
void ValidateUpdate(const v1::UpdateActorRequest& request,
                    FieldViolations* violations) {
  ValidateRequestId(request.request_id(), "request_id", violations);
  if (request.actor().id().empty()) {
    violations->Add("actor.id", "is required: it names the actor to update");
  } else {
    ValidateRecordId(request.actor().id(), true, "actor.id", violations);
  }
  ValidateEtag(request.actor().etag(), "actor.etag", violations);
  ValidateUpdateMask(request.update_mask(), "update_mask", violations);
  if (ReplacesAll(request.update_mask()) ||
      request.update_mask().paths_size() > Limits::kMaskPathsMax) {
    return;
  }
  for (int i = 0; i < request.update_mask().paths_size(); ++i) {
    const std::string& path = request.update_mask().paths(i);
    google::protobuf::FieldMask one;
    one.add_paths(path);
    if (!FieldMaskUtil::IsValidFieldMask<v1::Actor>(one)) {
      violations->Add(absl::StrCat("update_mask.paths[", i, "]"),
                      absl::StrCat(Quote(path), " is not a field of Actor"));
    } else if (IsOutputOnlyPath(path)) {
      violations->Add(absl::StrCat("update_mask.paths[", i, "]"),
                      absl::StrCat(Quote(path), " cannot be changed"));
    }
  }
}

// The stored actor with the request's changes: the request's actor for a
// full replacement, else the masked fields merged (repeated and message
// fields replaced, and an optional field the mask names but the request
// leaves unset cleared). Sets `*contacts_changed` when the contacts are
// among what the request replaces.
v1::Actor Updated(const v1::Actor& stored,
                  const v1::UpdateActorRequest& request,
                  bool* contacts_changed) {
  if (ReplacesAll(request.update_mask())) {
    *contacts_changed = true;
    return request.actor();
  }
  v1::Actor updated = stored;
  FieldMaskUtil::MergeOptions options;
  options.set_replace_message_fields(true);
  options.set_replace_repeated_fields(true);
  FieldMaskUtil::MergeMessageTo(request.actor(), request.update_mask(), options,
                                &updated);
  *contacts_changed = MaskNames(request.update_mask(), "contacts");
  for (const std::string& path : request.update_mask().paths()) {
    if (path == "capacity" && !request.actor().has_capacity()) {
      updated.clear_capacity();
    }
    if (path == "location" && !request.actor().has_location()) {
      updated.clear_location();
    }
  }
  return updated;
}

// MERGE import: the fields set in `row` replace those of `stored` (repeated
// fields wholesale), the others keep their stored value. Contacts are kept
// unless the row has some.
void MergeRow(const v1::Actor& row, v1::Actor* stored) {
  const auto* reflection = row.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> set;
  reflection->ListFields(row, &set);
  for (const auto* field : set) {
    if (field->is_repeated() || field->message_type() != nullptr) {
      stored->GetReflection()->ClearField(stored, field);
    }
  }
  stored->MergeFrom(row);
}

// The bytes of an actor's content, without bookkeeping (times, etag).
// Actor has no map field, so serialization is deterministic.
std::string ContentBytes(const v1::Actor& actor) {
  std::string bytes;
  if (!actor.has_create_time() && !actor.has_update_time() &&
      actor.etag().empty()) {
    actor.SerializeToString(&bytes);
    return bytes;
  }
  v1::Actor copy = actor;
  ClearOutputOnly(&copy);
  copy.SerializeToString(&bytes);
  return bytes;
}

// Same content, ignoring bookkeeping.
bool SameContent(const v1::Actor& a, const v1::Actor& b) {
  return ContentBytes(a) == ContentBytes(b);
}

// Whether an Actor serialized without an etag, then its etag field
// appended, gives the same bytes as the actor serialized with that etag:
// generated messages write their fields in field-number order (then their
// unknown fields), so it does when etag has the highest number.
bool EtagIsLastField() {
  static const bool last = [] {
    const google::protobuf::Descriptor* d = v1::Actor::descriptor();
    for (int i = 0; i < d->field_count(); ++i) {
      if (d->field(i)->number() > v1::Actor::kEtagFieldNumber) return false;
    }
    return true;
  }();
  return last;
}

// Appends Actor's etag field to `bytes` (see EtagIsLastField).
void AppendEtagField(std::string_view etag, std::string* bytes) {
  using google::protobuf::io::CodedOutputStream;
  constexpr uint32_t kLengthDelimited = 2;  // the wire type of strings
  uint8_t header[10];                       // two varints of at most 5 bytes
  uint8_t* end = CodedOutputStream::WriteVarint32ToArray(
      (uint32_t{v1::Actor::kEtagFieldNumber} << 3) | kLengthDelimited, header);
  end = CodedOutputStream::WriteVarint32ToArray(
      static_cast<uint32_t>(etag.size()), end);
  bytes->append(reinterpret_cast<const char*>(header), end - header);
  bytes->append(etag.data(), etag.size());
}

// Parses the stored actors' records into profiles, on the thread that scans
// and on one helper: the scanning thread parses every other chunk of kChunk
// records itself and hands the others to the helper (parsing costs most of
// the scan). Allocation was a quarter of the start-up's CPU: each thread
// parses into one reused Actor (Clear keeps its strings' buffers), a chunk
// for the helper is copied into one buffer, not two strings per record, and
// the helper hands its buffers back (fresh pages cost a fault each).
//
// Add is called by one thread (the scan's), then Finish once.
class ProfileParser {
 public:
  using ToProfileFn = std::function<matcher::ActorProfile(const v1::Actor&)>;

  explicit ProfileParser(ToProfileFn to_profile)
      : to_profile_(std::move(to_profile)), helper_([this] { HelperLoop(); }) {}
  ~ProfileParser() { StopHelper(); }
  ProfileParser(const ProfileParser&) = delete;
  ProfileParser& operator=(const ProfileParser&) = delete;

  // The next record of the scan (key order). False stops the scan: the
  // record is unparsable or its id is not its key (Finish says which).
  bool Add(std::string_view key, std::string_view value) {
    if (chunk_ % 2 == 0) {
      std::vector<matcher::ActorProfile>& out = OwnChunk(chunk_);
      parse_error_ = Parse(key, value, &actor_, &out);
      if (!parse_error_.ok()) return false;
      if (out.size() == kChunk) ++chunk_;
      return true;
    }
    pending_.bytes.append(key.data(), key.size());
    pending_.ends.push_back(pending_.bytes.size());
    pending_.bytes.append(value.data(), value.size());
    pending_.ends.push_back(pending_.bytes.size());
    if (pending_.ends.size() == 2 * kChunk) HandOff(/*wait_for_room=*/true);
    return true;
  }

  // Waits for the helper; every profile, in scan order by chunks, or the
  // first DATA_LOSS error (this thread's, then the helper's).
  absl::StatusOr<std::vector<std::vector<matcher::ActorProfile>>> Finish() {
    if (!pending_.ends.empty()) HandOff(/*wait_for_room=*/false);
    StopHelper();
    RETURN_IF_ERROR(parse_error_);
    RETURN_IF_ERROR(helper_error_);
    return std::move(parsed_);
  }

 private:
  static constexpr size_t kChunk = 4096;
  // Records for the helper: keys and values back to back.
  struct RawChunk {
    size_t index = 0;          // in parsed_
    std::string bytes;         // key, value, key, value…
    std::vector<size_t> ends;  // of each key and value in `bytes`
  };

  absl::Status Parse(std::string_view key, std::string_view value,
                     v1::Actor* actor,
                     std::vector<matcher::ActorProfile>* out) const {
    if (!actor->ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      return absl::DataLossError(
          absl::StrCat("unparsable actor record at key '", AsAbsl(key), "'"));
    }
    // Every write keys a record by its id; LoadIndex relies on it (distinct
    // ids, in scan order).
    if (actor->id() != key) {
      return absl::DataLossError(absl::StrCat("actor record at key '",
                                              AsAbsl(key), "' holds id '",
                                              actor->id(), "'"));
    }
    out->push_back(to_profile_(*actor));
    return absl::OkStatus();
  }

  // parsed_[index], made room for. Only the scanning thread resizes parsed_
  // (under mu_, as the helper stores its chunks under mu_), so it may read
  // its own chunks without the lock.
  std::vector<matcher::ActorProfile>& OwnChunk(size_t index) {
    if (parsed_.size() <= index) {
      std::lock_guard l(mu_);
      parsed_.resize(index + 1);
    }
    return parsed_[index];
  }

  // Queues pending_ for the helper as chunk chunk_ (waiting while four are
  // queued when `wait_for_room`), and starts the next with spare buffers.
  void HandOff(bool wait_for_room) {
    {
      std::unique_lock l(mu_);
      if (wait_for_room) cv_.wait(l, [this] { return raw_.size() < 4; });
      if (parsed_.size() <= chunk_) parsed_.resize(chunk_ + 1);
      pending_.index = chunk_;
      raw_.push_back(std::move(pending_));
      pending_ = RawChunk();
      if (!spare_.empty()) {
        pending_ = std::move(spare_.back());
        spare_.pop_back();
      }
    }
    cv_.notify_all();
    ++chunk_;
  }

  void HelperLoop() {
    v1::Actor actor;
    for (;;) {
      RawChunk job;
      {
        std::unique_lock l(mu_);
        cv_.wait(l, [this] { return !scanning_ || !raw_.empty(); });
        if (raw_.empty()) return;
        job = std::move(raw_.front());
        raw_.pop_front();
      }
      cv_.notify_all();
      std::vector<matcher::ActorProfile> out;
      out.reserve(job.ends.size() / 2);
      absl::Status status = ParseRaw(job, &actor, &out);
      std::lock_guard l(mu_);
      if (!status.ok() && helper_error_.ok()) helper_error_ = status;
      parsed_[job.index] = std::move(out);
      job.bytes.clear();
      job.ends.clear();
      spare_.push_back(std::move(job));
    }
  }

  absl::Status ParseRaw(const RawChunk& job, v1::Actor* actor,
                        std::vector<matcher::ActorProfile>* out) const {
    std::string_view bytes = job.bytes;
    size_t begin = 0;
    for (size_t i = 0; i + 1 < job.ends.size(); i += 2) {
      std::string_view key = bytes.substr(begin, job.ends[i] - begin);
      std::string_view value =
          bytes.substr(job.ends[i], job.ends[i + 1] - job.ends[i]);
      begin = job.ends[i + 1];
      RETURN_IF_ERROR(Parse(key, value, actor, out));
    }
    return absl::OkStatus();
  }

  // Lets the helper finish what is queued, and joins it.
  void StopHelper() {
    {
      std::lock_guard l(mu_);
      scanning_ = false;
    }
    cv_.notify_all();
    if (helper_.joinable()) helper_.join();
  }

  const ToProfileFn to_profile_;
  // The scanning thread's own: its chunk number, Actor, next helper chunk,
  // and the error that stopped its parsing.
  size_t chunk_ = 0;
  v1::Actor actor_;
  RawChunk pending_;
  absl::Status parse_error_;

  std::mutex mu_;
  std::condition_variable cv_;
  // By chunk; see OwnChunk for who touches it when.
  std::vector<std::vector<matcher::ActorProfile>> parsed_;
  std::deque<RawChunk> raw_;     // chunks for the helper; guarded by mu_
  std::vector<RawChunk> spare_;  // parsed chunks, buffers kept; by mu_
  bool scanning_ = true;         // guarded by mu_
  absl::Status helper_error_;    // guarded by mu_
  std::thread helper_;           // last: starts once the rest is built
};

}  // namespace

ActorDirectory::ActorDirectory(storage::Store* store,
                               const TerritoryRegistry* territories,
                               const matcher::Vocabulary* vocabulary,
                               Options options)
    : store_(store),
      territories_(territories),
      vocabulary_(vocabulary),
      options_(options),
      validation_{territories, vocabulary, {}},
      requests_(store),
      scopes_(territories),
      context_(*vocabulary) {}

absl::StatusOr<std::vector<std::vector<matcher::ActorProfile>>>
ActorDirectory::ScanProfiles() const {
  ProfileParser parser(
      [this](const v1::Actor& actor) { return ToProfile(actor); });
  absl::Status scanned =
      store_->Scan(Family::kActors, "", "",
                   [&parser](std::string_view key, std::string_view value) {
                     return parser.Add(key, value);
                   });
  auto parsed = parser.Finish();
  RETURN_IF_ERROR(scanned);
  return parsed;
}

absl::Status ActorDirectory::LoadIndex() {
  std::unique_lock lock(index_mu_);
  // Places custom zones in the hierarchy (a zone overlaps the EPCI,
  // département… of its communes).
  const territory::Geography& geo = territories_->geography();
  std::vector<territory::Place> places;
  places.reserve(geo.Count(territory::Level::kCommune));
  for (uint32_t c = 0; c < geo.Count(territory::Level::kCommune); ++c) {
    places.push_back(geo.PlaceOf(territory::Level::kCommune, c));
  }
  index_.SetCommunePlaces(std::move(places));

  ASSIGN_OR_RETURN(auto parsed, ScanProfiles());
  std::vector<matcher::ActorProfile*> by_scan;  // store (= id) order
  for (auto& c : parsed) {
    for (auto& p : c) by_scan.push_back(&p);
  }
  // Actors are numbered in geographic order (département, EPCI, commune):
  // the engine's posting lists are sorted by number, so a query's candidates
  // (mostly near the asking actor) then sit close together in the index's
  // arrays, and the matching engine reads fewer cache lines. Measured by
  // suggest_bench at 1M actors, back to back: SuggestPartners 2,695 -> 3,201
  // calls/s, SuggestCoalition p50 18 -> 12 ms, for a start-up of 4.7 s
  // instead of 2.6 (the inserts can no longer overlap the scan). Actors
  // written after the open are numbered as they come, until the next open.
  // The sort is on compact keys (the place, then the scan position: a
  // stable order), not through pointers to the profiles.
  struct GeoKey {
    uint32_t departement, epci, commune;
    uint32_t scan;
    bool operator<(const GeoKey& o) const {
      return std::tie(departement, epci, commune, scan) <
             std::tie(o.departement, o.epci, o.commune, o.scan);
    }
  };
  std::vector<GeoKey> keys(by_scan.size());
  for (uint32_t i = 0; i < by_scan.size(); ++i) {
    const territory::Place& home = by_scan[i]->home;
    keys[i] = {home.departement, home.epci, home.commune, i};
  }
  std::sort(keys.begin(), keys.end());
  // Number k goes to the k-th actor in geographic order; the scan gave the
  // ids in increasing order (the actors family is keyed by id), so the
  // numbers by scan position are the id order BulkLoad builds its map from.
  // Two threads, half of the numbers each (a random read per profile).
  std::vector<matcher::ActorProfile> profiles(keys.size());
  std::vector<matcher::ActorNum> id_order(keys.size());
  auto number = [&](uint32_t from, uint32_t to) {
    for (uint32_t num = from; num < to; ++num) {
      id_order[keys[num].scan] = num;
      profiles[num] = std::move(*by_scan[keys[num].scan]);
    }
  };
  const auto half = static_cast<uint32_t>(keys.size() / 2);
  base::InParallel([&] { number(0, half); },
                   [&] { number(half, static_cast<uint32_t>(keys.size())); });
  keys = {};
  by_scan = {};
  parsed = {};
  declared_capacity_.resize(profiles.size());
  for (uint32_t num = 0; num < profiles.size(); ++num) {
    declared_capacity_[num] = UsedCapacityApplied(profiles[num]);
  }
  index_.BulkLoad(std::move(profiles), id_order);
  malloc_trim(0);  // the parsed chunks were large: give their pages back
  return absl::OkStatus();
}

size_t ActorDirectory::size() const {
  std::shared_lock lock(index_mu_);
  return index_.size();
}

std::array<matcher::ActorIndex::KindCount, matcher::kKindCount>
ActorDirectory::CountByKind() const {
  std::array<matcher::ActorIndex::KindCount, matcher::kKindCount> counts;
  std::shared_lock lock(index_mu_);
  for (int k = 0; k < matcher::kKindCount; ++k) {
    counts[k] = index_.CountOfKind(static_cast<matcher::Kind>(k));
  }
  return counts;
}

size_t ActorDirectory::IndexMemoryBytes() const {
  std::shared_lock lock(index_mu_);
  return index_.ApproximateMemoryUsage();
}

void ActorDirectory::ReadMatching(
    const std::function<void(const matcher::ActorIndex&,
                             const matcher::MatchContext&)>& read) const {
  std::shared_lock lock(index_mu_);
  read(index_, context_);
}

absl::StatusOr<v1::ListThemesResponse> ActorDirectory::ListThemes(
    const v1::ListThemesRequest&, const auth::Principal&) const {
  v1::ListThemesResponse response;
  for (size_t t = 0; t < vocabulary_->theme_count(); ++t) {
    const auto theme = static_cast<uint8_t>(t);
    v1::Theme* out = response.add_themes();
    out->set_code(std::string(vocabulary_->ThemeCode(theme)));
    out->set_label_fr(std::string(vocabulary_->ThemeLabel(theme)));
    out->set_label_en(std::string(vocabulary_->ThemeLabelEn(theme)));
  }
  return response;
}

absl::StatusOr<v1::ListResourcesResponse> ActorDirectory::ListResources(
    const v1::ListResourcesRequest&, const auth::Principal&) const {
  v1::ListResourcesResponse response;
  for (size_t r = 0; r < vocabulary_->resource_count(); ++r) {
    const auto resource = static_cast<uint8_t>(r);
    v1::Resource* out = response.add_resources();
    out->set_code(std::string(vocabulary_->ResourceCode(resource)));
    out->set_label_fr(std::string(vocabulary_->ResourceLabel(resource)));
    out->set_label_en(std::string(vocabulary_->ResourceLabelEn(resource)));
    out->set_category(static_cast<v1::PartnershipCategory>(
        vocabulary_->ResourceCategory(resource)));
    out->set_modality(std::string(
        matcher::ModalityCode(vocabulary_->ResourceModality(resource))));
  }
  return response;
}

void ActorDirectory::ReadMatching(
    std::string_view workspace,
    const std::function<void(const matcher::ActorIndex&,
                             const matcher::MatchContext&,
                             const matcher::CooperationSignals&)>& read) const {
  static const matcher::CooperationSignals kNone;
  std::shared_lock lock(index_mu_);
  auto it = cooperations_.find(AsAbsl(workspace));
  read(index_, context_, it == cooperations_.end() ? kNone : it->second);
}

namespace {

// Adds the pairs whose two actors `index` holds to `set`, in order (the
// last most recent).
void AddPairs(const matcher::ActorIndex& index,
              const std::vector<std::pair<std::string, std::string>>& pairs,
              matcher::CooperationSignals* set) {
  for (const auto& [a, b] : pairs) {
    auto x = index.Find(a);
    auto y = index.Find(b);
    if (x && y) set->Add(*x, *y);
  }
}

}  // namespace

void ActorDirectory::SetCooperations(const Cooperations& by_workspace) {
  absl::flat_hash_map<std::string, matcher::CooperationSignals> signals;
  std::unique_lock lock(index_mu_);
  for (const auto& [workspace, pairs] : by_workspace) {
    AddPairs(index_, pairs, &signals[workspace]);
  }
  cooperations_ = std::move(signals);
}

void ActorDirectory::SetCooperations(
    std::string_view workspace,
    const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::unique_lock lock(index_mu_);
  matcher::CooperationSignals& set = cooperations_[AsAbsl(workspace)];
  set.Clear();
  AddPairs(index_, pairs, &set);
  if (set.empty()) cooperations_.erase(AsAbsl(workspace));
}

void ActorDirectory::AddCooperations(
    std::string_view workspace,
    const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::unique_lock lock(index_mu_);
  matcher::CooperationSignals& set = cooperations_[AsAbsl(workspace)];
  AddPairs(index_, pairs, &set);
  if (set.empty()) cooperations_.erase(AsAbsl(workspace));
}

uint16_t ActorDirectory::UsedCapacityApplied(
    matcher::ActorProfile& profile) const {
  const uint16_t declared = profile.capacity;
  auto used = partnerships_.find(profile.id);
  if (used != partnerships_.end()) {
    profile.capacity =
        static_cast<uint16_t>(std::max(0, int{declared} - used->second));
  }
  return declared;
}

void ActorDirectory::UpsertLocked(matcher::ActorProfile profile) {
  const uint16_t declared = UsedCapacityApplied(profile);
  matcher::ActorNum num = index_.Upsert(std::move(profile));
  if (declared_capacity_.size() <= num) declared_capacity_.resize(num + 1);
  declared_capacity_[num] = declared;
}

void ActorDirectory::SetPartnerships(
    const std::vector<PartnershipLink>& links) {
  absl::flat_hash_map<std::string, int> used;
  for (const auto& l : links) {
    if (!l.active) continue;
    ++used[l.a];
    ++used[l.b];
  }
  std::unique_lock lock(index_mu_);
  active_links_.clear();
  for (const auto& l : links) {
    if (l.active) active_links_.push_back(l);
  }
  context_.ClearPartnerships();
  for (const auto& l : links) {
    auto a = index_.Find(l.a);
    auto b = index_.Find(l.b);
    if (!a.has_value() || !b.has_value()) continue;
    context_.AddPartnership({*a, *b, l.category, l.active});
  }
  // Re-derive the remaining capacity of every actor whose count changed.
  std::vector<std::string> changed;
  for (const auto& [id, n] : used) {
    auto old = partnerships_.find(id);
    if (old == partnerships_.end() || old->second != n) changed.push_back(id);
  }
  for (const auto& [id, n] : partnerships_) {
    if (!used.contains(id)) changed.push_back(id);
  }
  partnerships_ = std::move(used);
  for (const std::string& id : changed) {
    auto num = index_.Find(id);
    if (!num.has_value()) continue;
    matcher::ActorProfile profile = index_.Get(*num);
    profile.capacity = declared_capacity_[*num];
    UpsertLocked(std::move(profile));
  }
}

void ActorDirectory::ApplyFeedbackLocked() {
  context_.ClearResponsiveness();
  context_.ClearCooperationSignals();
  for (const auto& [id, r] : feedback_.responsiveness) {
    if (auto num = index_.Find(id)) {
      context_.SetResponsiveness(*num, r.answered, r.no_answers);
    }
  }
  for (const auto& [a, b] : feedback_.successes) {
    auto x = index_.Find(a);
    auto y = index_.Find(b);
    if (x && y) context_.AddCooperationSignal(*x, *y);
  }
}

void ActorDirectory::SetFeedback(const Feedback& feedback) {
  std::unique_lock lock(index_mu_);
  feedback_ = feedback;
  ApplyFeedbackLocked();
}

void ActorDirectory::SetResponsiveness(const std::string& id,
                                       Feedback::Responsiveness r) {
  std::unique_lock lock(index_mu_);
  if (r.answered == 0 && r.no_answers == 0) {
    feedback_.responsiveness.erase(id);
  } else {
    feedback_.responsiveness[id] = r;
  }
  if (auto num = index_.Find(id)) {
    context_.SetResponsiveness(*num, r.answered, r.no_answers);
  }
}

int ActorDirectory::CountActivePartnershipLinks(
    const matcher::Scope& scope) const {
  std::shared_lock lock(index_mu_);
  int n = 0;
  auto inside = [&](const std::string& id) {
    auto num = index_.Find(id);
    return num.has_value() &&
           matcher::ActorIndex::Inside(index_.Get(*num).home, scope);
  };
  for (const auto& l : active_links_) {
    if (inside(l.a) || inside(l.b)) ++n;
  }
  return n;
}

void ActorDirectory::SetFragilities(
    const std::vector<matcher::Fragility>& fragilities) {
  std::unique_lock lock(index_mu_);
  context_.ClearFragilities();
  for (const auto& f : fragilities) context_.AddFragility(f);
}

void ActorDirectory::ReadIndex(
    const std::function<void(const matcher::ActorIndex&)>& read) const {
  std::shared_lock lock(index_mu_);
  read(index_);
}

bool ActorDirectory::AllInScope(
    const AccessScope& scope, const std::vector<std::string_view>& ids) const {
  if (scope.all()) return true;
  std::shared_lock lock(index_mu_);
  for (std::string_view id : ids) {
    auto num = index_.Find(id);
    if (!num.has_value() || !scope.CoversProfile(index_.Get(*num))) {
      return false;
    }
  }
  return true;
}

matcher::ActorProfile ActorDirectory::ToProfile(const v1::Actor& actor) const {
  const territory::Geography& geo = territories_->geography();
  auto c = geo.Find(territory::Level::kCommune, actor.home_commune());
  return ToProfile(actor, c.has_value() ? *c : territory::kNone);
}

matcher::ActorProfile ActorDirectory::ToProfile(const v1::Actor& actor,
                                                uint32_t commune) const {
  const territory::Geography& geo = territories_->geography();
  matcher::ActorProfile p;
  p.id = actor.id();
  p.name = actor.name();
  p.kind = static_cast<matcher::Kind>(actor.kind());
  p.subtype = static_cast<uint8_t>(actor.subtype());
  p.size_band = static_cast<uint8_t>(actor.size_band());
  if (commune != territory::kNone) {
    p.home = geo.PlaceOf(territory::Level::kCommune, commune);
  }
  if (actor.has_location()) {
    p.latitude = static_cast<float>(actor.location().latitude());
    p.longitude = static_cast<float>(actor.location().longitude());
  }
  for (const v1::TerritoryRef& ref : actor.action_territories()) {
    auto t = territories_->Resolve(ref);
    if (!t.has_value()) continue;  // a custom zone deleted since
    matcher::ActionArea area;
    area.level = t->level;
    area.place = t->scope.place;
    area.custom_communes = std::move(t->scope.custom_communes);
    p.action_areas.push_back(std::move(area));
  }
  for (const std::string& theme : actor.themes()) {
    if (auto t = vocabulary_->Theme(theme)) p.themes |= uint64_t{1} << *t;
  }
  auto exchanges = [&](const auto& list, std::vector<matcher::Exchange>* out) {
    for (const v1::Exchange& e : list) {
      auto r = vocabulary_->Resource(e.resource());
      if (!r.has_value()) continue;
      matcher::Exchange x;
      x.resource = *r;
      if (auto t = vocabulary_->Theme(e.theme())) x.theme = *t;
      out->push_back(x);
    }
  };
  exchanges(actor.needs(), &p.needs);
  exchanges(actor.offers(), &p.offers);
  for (int c : actor.accepted_categories()) p.accepted_categories |= 1u << c;
  int capacity =
      actor.has_capacity() ? actor.capacity() : options_.default_capacity;
  p.capacity = static_cast<uint16_t>(std::clamp(capacity, 0, 65535));
  p.available = actor.status() == v1::ACTOR_STATUS_ACTIVE ||
                actor.status() == v1::ACTOR_STATUS_UNSPECIFIED;
  return p;
}

absl::StatusOr<std::optional<v1::Actor>> ActorDirectory::Read(
    std::string_view id) const {
  v1::Actor actor;
  ASSIGN_OR_RETURN(bool found, store_->GetMessage(Family::kActors, id, &actor));
  if (!found) return std::optional<v1::Actor>();
  return std::optional<v1::Actor>(std::move(actor));
}

absl::StatusOr<v1::ActorStatus> ActorDirectory::StoredStatus(
    std::string_view id) const {
  ASSIGN_OR_RETURN(auto actor, Read(id));
  if (!actor.has_value()) return NotFound(kActor, id);
  return actor->status();
}

absl::Status ActorDirectory::AttachContacts(
    v1::Actor* actor, const auth::Principal& caller) const {
  if (!MaySeeContacts(caller)) return absl::OkStatus();
  storage::ContactRecord contacts;
  ASSIGN_OR_RETURN(
      bool found, store_->GetMessage(
                      Family::kContacts,
                      storage::keys::Contacts(actor->id(), WorkspaceOf(caller)),
                      &contacts));
  if (found) actor->mutable_contacts()->Swap(contacts.mutable_contacts());
  return absl::OkStatus();
}

absl::Status ActorDirectory::Check(v1::Actor* actor, ActorIdRule id_rule,
                                   const auth::Principal& caller) const {
  FieldViolations violations;
  ValidateActor(ForCaller(validation_, caller), "actor", id_rule, actor,
                &violations);
  return violations.ToStatus();
}

std::string ActorDirectory::NewId() const {
  // Time-ordered so that server-assigned ids list in creation order.
  static thread_local std::mt19937_64 rng(std::random_device{}());
  return absl::StrCat(
      "mlg:", absl::Hex(absl::ToUnixMicros(absl::Now()), absl::kZeroPad14),
      absl::Hex(rng() & 0xFFFFFFFFFFull, absl::kZeroPad10));
}

std::string ActorDirectory::NewIdFor(const auth::Principal& caller) const {
  std::string id = NewId();
  if (caller.role != auth::Role::kPartner) return id;
  return PartnerNamespace(caller) + id.substr(id.find(':') + 1);
}

absl::Status ActorDirectory::Commit(const v1::Actor& actor,
                                    bool contacts_changed,
                                    const auth::Principal& caller,
                                    std::string_view method,
                                    std::string_view request_id,
                                    uint64_t fingerprint, bool record_answer) {
  storage::WriteBatch batch;
  v1::Actor record = actor;
  storage::ContactRecord contacts;
  contacts.mutable_contacts()->Swap(record.mutable_contacts());
  batch.PutMessage(Family::kActors, record.id(), record);
  if (contacts_changed) {
    NoteContactsRemoved();
    std::string key = storage::keys::Contacts(record.id(), WorkspaceOf(caller));
    if (contacts.contacts_size() > 0) {
      batch.PutMessage(Family::kContacts, key, contacts);
    } else {
      batch.Delete(Family::kContacts, key);
    }
  }
  if (record_answer) {
    // Without its contacts: the request log keeps no personal data (a
    // replay reads them again, see Replay).
    RequestLog::Record(&batch, method, WorkspaceOf(caller), request_id,
                       fingerprint, record);
  }
  RETURN_IF_ERROR(store_->Write(batch));
  matcher::ActorProfile profile = ToProfile(record);
  std::unique_lock lock(index_mu_);
  UpsertLocked(std::move(profile));
  return absl::OkStatus();
}

absl::StatusOr<v1::Actor> ActorDirectory::Create(
    const v1::CreateActorRequest& request, const auth::Principal& caller) {
  constexpr std::string_view kMethod = "CreateActor";
  FieldViolations violations;
  ValidateRequestId(request.request_id(), "request_id", &violations);
  RETURN_IF_ERROR(violations.ToStatus());
  v1::Actor actor = request.actor();
  ClearOutputOnly(&actor);
  RETURN_IF_ERROR(Check(&actor, ActorIdRule::kEmptyOrClientKey, caller));
  if (actor.id().empty()) actor.set_id(NewIdFor(caller));
  RETURN_IF_ERROR(CheckActorWriter(caller, actor.id(), false));
  if (!ScopeOf(caller)->CoversRecord(actor)) {
    return OutsideTerritories(absl::StrCat("actor ", Quote(actor.id())));
  }

  uint64_t fingerprint = RequestLog::Fingerprint(request);
  auto held = locks_.Lock({actor.id(), request.request_id()});
  ASSIGN_OR_RETURN(auto previous, requests_.FindAnswer<v1::Actor>(
                                      kMethod, WorkspaceOf(caller),
                                      request.request_id(), fingerprint));
  if (previous.has_value()) return Replay(*std::move(previous), caller);
  ASSIGN_OR_RETURN(auto existing, Read(actor.id()));
  if (existing.has_value()) return AlreadyExists(kActor, actor.id());

  auto now = TimeUtil::GetCurrentTime();
  *actor.mutable_create_time() = now;
  *actor.mutable_update_time() = now;
  actor.set_etag(MakeEtag(actor.SerializeAsString(),
                          TimeUtil::TimestampToMicroseconds(now)));
  RETURN_IF_ERROR(Commit(actor, actor.contacts_size() > 0, caller, kMethod,
                         request.request_id(), fingerprint,
                         /*record_answer=*/true));
  return AnswerFor(caller, std::move(actor));
}

absl::StatusOr<v1::ImportActorsResponse> ActorDirectory::ImportBatch(
    v1::ImportActorsRequest* batch, const auth::Principal& caller) {
  ASSIGN_OR_RETURN(auto prepared, PrepareImport(batch, caller));
  return CommitImport(std::move(prepared));
}

// What the steps of one PrepareImport share: the caller, the batch's mode
// and time, the answer and writes being built, and the working copies of
// the actors (on the batch's arena when it has one: the server parses each
// message on its own arena, so that swapping a row in is free and
// everything is released at once with the message).
struct ActorDirectory::ImportPass {
  // A row with a well-formed id, the first of the batch with that id.
  struct Row {
    int index;       // in the batch
    int64_t number;  // in the caller's file
  };

  ImportPass(const auth::Principal& who, PreparedImport* answer)
      : caller(who), prepared(answer) {}

  // A working copy, on the batch's arena or owned here.
  v1::Actor* NewActor() {
    auto* actor = google::protobuf::Arena::CreateMessage<v1::Actor>(arena);
    if (arena == nullptr) owned.emplace_back(actor);
    return actor;
  }
  // Reports a reason the row is rejected; RejectRow also counts the row.
  void Reject(int64_t row, std::string field, std::string reason) {
    auto* e = prepared->response.add_errors();
    e->set_row_number(row);
    e->set_field(std::move(field));
    e->set_reason(std::move(reason));
  }
  void CountRejected() {
    v1::ImportCounts* counts = prepared->response.mutable_counts();
    counts->set_rejected(counts->rejected() + 1);
  }
  void RejectRow(int64_t row, std::string field, std::string reason) {
    Reject(row, std::move(field), std::move(reason));
    CountRejected();
  }
  // Counts, and notes (the first kImportNotesMax), a row naming an actor
  // that opted out, which stays so whatever the row `said`
  // (core/objection.h).
  void NoteObjectionKept(int64_t row, v1::ActorStatus said) {
    v1::ImportActorsResponse& response = prepared->response;
    v1::ImportCounts* counts = response.mutable_counts();
    counts->set_kept_opted_out(counts->kept_opted_out() + 1);
    if (response.notes_size() >= kImportNotesMax) return;
    v1::RowNote* note = response.add_notes();
    note->set_row_number(row);
    note->set_field("status");
    note->set_note(absl::StrCat(
        "kept ACTOR_STATUS_OPTED_OUT (the row said ",
        v1::ActorStatus_Name(said),
        "): the organisation objected to being proposed; an import never "
        "lifts that, an UpdateActor with update_mask \"status\" does"));
  }

  const auth::Principal& caller;
  PreparedImport* prepared;
  std::shared_ptr<const AccessScope> scope;
  bool replace = false;  // IMPORT_MODE_REPLACE
  google::protobuf::Timestamp now;
  int64_t now_micros = 0;
  google::protobuf::Arena* arena = nullptr;
  std::vector<std::unique_ptr<v1::Actor>> owned;  // copies without an arena
  std::vector<Row> rows;
  std::vector<std::string_view> ids;  // the rows' own, not copies
  std::string bytes, stored_bytes;    // reused for every row
};

absl::StatusOr<std::unique_ptr<ActorDirectory::PreparedImport>>
ActorDirectory::PrepareImport(v1::ImportActorsRequest* request,
                              const auth::Principal& caller) {
  v1::ImportActorsRequest& batch = *request;
  RETURN_IF_ERROR(CheckImportRequest(batch, caller));
  auto prepared = std::make_unique<PreparedImport>();
  prepared->dry_run = batch.dry_run();
  ImportPass pass(caller, prepared.get());
  pass.scope = ScopeOf(caller);
  pass.replace = batch.mode() == v1::IMPORT_MODE_REPLACE;
  pass.arena = batch.GetArena();
  SelectImportRows(batch, pass);

  prepared->held = locks_.Lock(pass.ids);
  ASSIGN_OR_RETURN(auto stored_values,
                   store_->MultiGet(Family::kActors, pass.ids));
  pass.now = TimeUtil::GetCurrentTime();
  pass.now_micros = TimeUtil::TimestampToMicroseconds(pass.now);
  prepared->profiles.reserve(pass.rows.size());
  // Most actor records are 200 to 400 bytes.
  prepared->writes.Reserve(static_cast<int>(pass.rows.size()),
                           pass.rows.size() * 400);
  for (size_t r = 0; r < pass.rows.size(); ++r) {
    // The batch is consumed: its rows are worked on in place, no copy.
    RETURN_IF_ERROR(PrepareImportRow(batch.mutable_actors(pass.rows[r].index),
                                     pass.rows[r].number, stored_values[r],
                                     pass));
  }
  auto* errors = prepared->response.mutable_errors();
  std::stable_sort(errors->begin(), errors->end(),
                   [](const v1::RowError& a, const v1::RowError& b) {
                     return a.row_number() < b.row_number();
                   });
  return prepared;
}

absl::Status ActorDirectory::CheckImportRequest(
    const v1::ImportActorsRequest& batch, const auth::Principal& caller) {
  FieldViolations violations;
  ValidateCount(batch.actors_size(), Limits::kImportRowsMax, "actors",
                &violations);
  ValidateRowNumber(batch.first_row_number(), "first_row_number", &violations);
  ValidateEnum(batch.mode(), v1::ImportMode_IsValid, "mode", &violations);
  RETURN_IF_ERROR(violations.ToStatus());
  // Readers and animators import nothing; a partner's rows are checked
  // one by one (its namespace), like everyone's territories.
  if (caller.role == auth::Role::kReader ||
      caller.role == auth::Role::kAnimator) {
    return CheckActorWriter(caller, "", false);
  }
  return absl::OkStatus();
}

void ActorDirectory::SelectImportRows(const v1::ImportActorsRequest& batch,
                                      ImportPass& pass) {
  absl::flat_hash_map<std::string_view, int64_t> first_row;
  pass.rows.reserve(batch.actors_size());
  pass.ids.reserve(batch.actors_size());
  first_row.reserve(batch.actors_size());
  for (int i = 0; i < batch.actors_size(); ++i) {
    int64_t number = batch.first_row_number() + i;
    const std::string& id = batch.actors(i).id();
    std::string why;
    if (!IsValidActorId(id, &why)) {
      pass.RejectRow(number, "id",
                     id.empty() ? "is required: every imported row needs its "
                                  "stable key (siret:, rna:, ext:SOURCE:KEY)"
                                : why);
      continue;
    }
    if (absl::Status writer = CheckActorWriter(pass.caller, id, false);
        !writer.ok()) {
      pass.RejectRow(number, "id", std::string(writer.message()));
      continue;
    }
    auto [it, inserted] = first_row.emplace(id, number);
    if (!inserted) {
      pass.RejectRow(
          number, "id",
          absl::StrCat("duplicate of row ", it->second, " in this batch"));
      continue;
    }
    pass.rows.push_back({i, number});
    pass.ids.push_back(id);
  }
}

absl::Status ActorDirectory::PrepareImportRow(
    v1::Actor* row, int64_t number,
    const std::optional<std::string>& stored_value, ImportPass& pass) {
  v1::Actor* stored = nullptr;
  google::protobuf::Timestamp created = pass.now;
  if (stored_value.has_value()) {
    stored = pass.NewActor();
    if (!stored->ParseFromString(*stored_value)) {
      return absl::DataLossError(
          absl::StrCat("unparsable actor record '", AsAbsl(row->id()), "'"));
    }
    if (!pass.scope->CoversRecord(*stored)) {
      pass.RejectRow(number, "id",
                     "names an actor outside your territories: it can be "
                     "changed only by a writer of its territories");
      return absl::OkStatus();
    }
    // Only the creation time is kept: without bookkeeping, the stored
    // record and the next one compare as bytes with no copy.
    created = stored->create_time();
    ClearOutputOnly(stored);
  }
  const bool contacts_changed = pass.replace || row->contacts_size() > 0;
  const v1::ActorStatus said = row->status();
  if (stored != nullptr && contacts_changed) {
    RETURN_IF_ERROR(AttachContacts(stored, pass.caller));
  }
  v1::Actor* next = NextImportVersion(row, stored, pass);
  uint32_t commune = territory::kNone;
  if (!CheckImportVersion(number, next, pass, &commune)) {
    return absl::OkStatus();
  }
  v1::ImportCounts* counts = pass.prepared->response.mutable_counts();
  if (stored != nullptr && SameAsStored(number, said, *stored, next, pass)) {
    counts->set_unchanged(counts->unchanged() + 1);
    return absl::OkStatus();
  }
  *next->mutable_create_time() = created;
  StageImportVersion(next, stored != nullptr, contacts_changed, commune, pass);
  if (stored != nullptr) {
    counts->set_updated(counts->updated() + 1);
  } else {
    counts->set_created(counts->created() + 1);
  }
  return absl::OkStatus();
}

v1::Actor* ActorDirectory::NextImportVersion(v1::Actor* row,
                                             const v1::Actor* stored,
                                             ImportPass& pass) {
  v1::Actor* next = row;  // the batch is consumed: no copy
  if (stored != nullptr && !pass.replace) {
    next = pass.NewActor();
    *next = *stored;
    MergeRow(*row, next);
  }
  ClearOutputOnly(next);
  return next;
}

bool ActorDirectory::SameAsStored(int64_t number, v1::ActorStatus said,
                                  const v1::Actor& stored, v1::Actor* next,
                                  ImportPass& pass) {
  if (IsOptedOut(stored)) {
    KeepObjection(stored, /*status_named=*/false, next);
    pass.NoteObjectionKept(number, said);
  }
  // Same content, bookkeeping apart (cleared on both).
  next->SerializeToString(&pass.bytes);
  stored.SerializeToString(&pass.stored_bytes);
  return pass.bytes == pass.stored_bytes;
}

bool ActorDirectory::CheckImportVersion(int64_t number, v1::Actor* next,
                                        ImportPass& pass,
                                        uint32_t* commune) const {
  FieldViolations violations;
  ValidateActor(ForCaller(validation_, pass.caller), "", ActorIdRule::kRequired,
                next, &violations, commune);
  if (!violations.empty()) {
    for (const auto& [field, reason] : violations.list()) {
      pass.Reject(number, field, reason);
    }
    pass.CountRejected();
    return false;
  }
  if (!pass.scope->CoversRecord(*next)) {
    pass.RejectRow(number, "home_commune",
                   "is outside your territories, and so are the action "
                   "territories: the row is not imported");
    return false;
  }
  return true;
}

void ActorDirectory::StageImportVersion(v1::Actor* next, bool stored,
                                        bool contacts_changed, uint32_t commune,
                                        ImportPass& pass) {
  *next->mutable_update_time() = pass.now;
  // The etag covers the content with its contacts (as for Create and
  // Update); the record holds it, and the contacts go to their family.
  std::string& bytes = pass.bytes;
  next->SerializeToString(&bytes);
  std::string etag = MakeEtag(bytes, pass.now_micros);
  storage::WriteBatch& writes = pass.prepared->writes;
  storage::ContactRecord contacts;
  if (next->contacts_size() == 0 &&
      next->GetReflection()->GetUnknownFields(*next).empty() &&
      EtagIsLastField()) {
    // The record's bytes are those just hashed, and the etag: no second
    // serialization.
    AppendEtagField(etag, &bytes);
    writes.Put(Family::kActors, next->id(), bytes);
  } else {
    next->set_etag(std::move(etag));
    contacts.mutable_contacts()->Swap(next->mutable_contacts());
    writes.PutMessage(Family::kActors, next->id(), *next);
  }
  if (contacts_changed) {
    if (stored) NoteContactsRemoved();
    // The caller's workspace's contacts only; other workspaces keep theirs.
    std::string key =
        storage::keys::Contacts(next->id(), WorkspaceOf(pass.caller));
    if (contacts.contacts_size() > 0) {
      writes.PutMessage(Family::kContacts, key, contacts);
    } else if (stored) {
      writes.Delete(Family::kContacts, key);
    }
  }
  pass.prepared->profiles.push_back(ToProfile(*next, commune));
}

absl::StatusOr<v1::ImportActorsResponse> ActorDirectory::CommitImport(
    std::unique_ptr<PreparedImport> prepared) {
  if (!prepared->dry_run && prepared->writes.Count() > 0) {
    RETURN_IF_ERROR(store_->Write(prepared->writes));
    // The rows enter the index a slice at a time, the write lock released
    // in between: a batch of 2,000 rows held it for milliseconds, and
    // every query waited behind it. Each row's own ids stay locked
    // (prepared->held) until all are in, so writes of the same actor keep
    // their order; readers may see part of a batch, as they may see a
    // written batch not yet indexed.
    constexpr size_t kIndexSlice = 64;
    std::vector<matcher::ActorProfile>& profiles = prepared->profiles;
    for (size_t i = 0; i < profiles.size(); i += kIndexSlice) {
      // Queries wait while the slice holds the lock: nothing preempts it.
      const base::UnpreemptedSection unpreempted;
      std::unique_lock lock(index_mu_);
      const size_t end = std::min(profiles.size(), i + kIndexSlice);
      for (size_t j = i; j < end; ++j) UpsertLocked(std::move(profiles[j]));
    }
  }
  prepared->held.Release();
  return std::move(prepared->response);
}

void ActorDirectory::CommitImportAsync(std::unique_ptr<PreparedImport> prepared,
                                       ImportDone done) {
  {
    std::lock_guard lock(commit_mu_);
    commit_queue_.emplace_back(std::move(prepared), std::move(done));
    if (!committer_.joinable()) {
      committer_ = std::thread([this] { CommitLoop(); });
    }
  }
  commit_cv_.notify_one();
}

// Runs at Options::commit_nice where the index-lock slices of CommitImport
// run unpreempted, else at the process's priority: a niced holder of the
// lock, preempted, made queries wait (BENCHMARKS.md, "Mixed load").
void ActorDirectory::CommitLoop() {
  if (base::UnpreemptedSection::Permitted()) {
    base::SetThisThreadNice(options_.commit_nice);
  }
  for (;;) {
    std::unique_ptr<PreparedImport> prepared;
    ImportDone done;
    {
      std::unique_lock lock(commit_mu_);
      commit_cv_.wait(lock,
                      [&] { return stopping_ || !commit_queue_.empty(); });
      if (commit_queue_.empty()) return;  // stopping, and nothing left
      prepared = std::move(commit_queue_.front().first);
      done = std::move(commit_queue_.front().second);
      commit_queue_.pop_front();
    }
    done(CommitImport(std::move(prepared)));
  }
}

ActorDirectory::~ActorDirectory() {
  {
    std::lock_guard lock(commit_mu_);
    stopping_ = true;
  }
  commit_cv_.notify_all();
  if (committer_.joinable()) committer_.join();
}

absl::StatusOr<v1::Actor> ActorDirectory::Get(
    const v1::GetActorRequest& request, const auth::Principal& caller) const {
  FieldViolations violations;
  ValidateRecordId(request.id(), /*required=*/true, "id", &violations);
  ValidateEnum(request.view(), v1::ActorView_IsValid, "view", &violations);
  RETURN_IF_ERROR(violations.ToStatus());
  ASSIGN_OR_RETURN(auto actor, Read(request.id()));
  // Outside the caller's territories, or an objection a partner platform
  // may not read, is the same as missing: no leak.
  if (!actor.has_value() || !ScopeOf(caller)->CoversRecord(*actor) ||
      HiddenByObjection(*actor, caller)) {
    return NotFound(kActor, request.id());
  }
  if (request.view() != v1::ACTOR_VIEW_BASIC) {
    RETURN_IF_ERROR(AttachContacts(&*actor, caller));
  }
  return std::move(*actor);
}

absl::StatusOr<v1::Actor> ActorDirectory::Update(
    const v1::UpdateActorRequest& request, const auth::Principal& caller) {
  constexpr std::string_view kMethod = "UpdateActor";
  FieldViolations violations;
  ValidateUpdate(request, &violations);
  const bool replace_all = ReplacesAll(request.update_mask());
  RETURN_IF_ERROR(violations.ToStatus());
  RETURN_IF_ERROR(CheckActorWriter(caller, request.actor().id(),
                                   /*contacts_only=*/true));
  RETURN_IF_ERROR(CheckAnimatorMask(caller, request.update_mask()));
  std::shared_ptr<const AccessScope> scope = ScopeOf(caller);

  const std::string& id = request.actor().id();
  uint64_t fingerprint = RequestLog::Fingerprint(request);
  auto held = locks_.Lock({id, request.request_id()});
  ASSIGN_OR_RETURN(auto previous, requests_.FindAnswer<v1::Actor>(
                                      kMethod, WorkspaceOf(caller),
                                      request.request_id(), fingerprint));
  if (previous.has_value()) return Replay(*std::move(previous), caller);
  ASSIGN_OR_RETURN(auto stored, Read(id));
  if (!stored.has_value()) return NotFound(kActor, id);
  if (!scope->CoversRecord(*stored)) {
    return OutsideTerritories(absl::StrCat("actor ", Quote(id)));
  }
  if (!request.actor().etag().empty() &&
      request.actor().etag() != stored->etag()) {
    return EtagMismatch(kActor, id, request.actor().etag(), stored->etag());
  }
  RETURN_IF_ERROR(AttachContacts(&*stored, caller));

  bool contacts_in_mask = false;
  v1::Actor updated = Updated(*stored, request, &contacts_in_mask);
  updated.set_id(id);
  *updated.mutable_create_time() = stored->create_time();
  // Only a mask naming "status" lifts an objection (core/objection.h).
  KeepObjection(*stored,
                !replace_all && MaskNames(request.update_mask(), "status"),
                &updated);
  RETURN_IF_ERROR(Check(&updated, ActorIdRule::kRequired, caller));
  if (!scope->CoversRecord(updated)) {
    return OutsideTerritories(
        absl::StrCat("the new version of actor ", Quote(id)));
  }

  if (SameContent(updated, *stored)) {
    // Nothing changes: no write, same etag (the request is still recorded
    // so that a retry answers the same).
    if (!request.request_id().empty()) {
      storage::WriteBatch batch;
      v1::Actor answer = *stored;
      answer.clear_contacts();  // the log keeps no personal data
      RequestLog::Record(&batch, kMethod, WorkspaceOf(caller),
                         request.request_id(), fingerprint, answer);
      RETURN_IF_ERROR(store_->Write(batch));
    }
    return AnswerFor(caller, std::move(*stored));
  }
  auto now = TimeUtil::GetCurrentTime();
  *updated.mutable_update_time() = now;
  updated.clear_etag();
  updated.set_etag(MakeEtag(updated.SerializeAsString(),
                            TimeUtil::TimestampToMicroseconds(now)));
  RETURN_IF_ERROR(Commit(updated, contacts_in_mask, caller, kMethod,
                         request.request_id(), fingerprint,
                         /*record_answer=*/true));
  return AnswerFor(caller, std::move(updated));
}

absl::Status ActorDirectory::Delete(const v1::DeleteActorRequest& request,
                                    const auth::Principal& caller) {
  constexpr std::string_view kMethod = "DeleteActor";
  FieldViolations violations;
  ValidateRequestId(request.request_id(), "request_id", &violations);
  ValidateRecordId(request.id(), /*required=*/true, "id", &violations);
  ValidateEtag(request.etag(), "etag", &violations);
  RETURN_IF_ERROR(violations.ToStatus());
  RETURN_IF_ERROR(CheckActorWriter(caller, request.id(), false));

  uint64_t fingerprint = RequestLog::Fingerprint(request);
  auto held = locks_.Lock({request.id(), request.request_id()});
  ASSIGN_OR_RETURN(auto previous,
                   requests_.Find(kMethod, WorkspaceOf(caller),
                                  request.request_id(), fingerprint));
  if (previous.has_value()) return absl::OkStatus();
  ASSIGN_OR_RETURN(auto stored, Read(request.id()));
  if (!stored.has_value()) return NotFound(kActor, request.id());
  if (!ScopeOf(caller)->CoversRecord(*stored)) {
    return OutsideTerritories(absl::StrCat("actor ", Quote(request.id())));
  }
  if (!request.etag().empty() && request.etag() != stored->etag()) {
    return EtagMismatch(kActor, request.id(), request.etag(), stored->etag());
  }
  storage::WriteBatch batch;
  batch.Delete(Family::kActors, request.id());
  // Its contact persons in every workspace: personal data goes with it. The
  // actor's lock keeps contacts from being written meanwhile.
  std::string contacts = storage::keys::ContactsPrefix(request.id());
  RETURN_IF_ERROR(store_->Scan(Family::kContacts, contacts,
                               storage::keys::PrefixSuccessor(contacts),
                               [&](std::string_view key, std::string_view) {
                                 batch.Delete(Family::kContacts, key);
                                 return true;
                               }));
  RequestLog::Record(&batch, kMethod, WorkspaceOf(caller), request.request_id(),
                     fingerprint, storage::RequestRecord());
  RETURN_IF_ERROR(store_->Write(batch));
  NoteContactsRemoved();
  std::unique_lock lock(index_mu_);
  if (auto num = index_.Find(request.id())) {
    context_.RemoveActor(*num);
    for (auto& [_, signals] : cooperations_) signals.RemoveActor(*num);
  }
  index_.Remove(request.id());
  return absl::OkStatus();
}

absl::StatusOr<matcher::ActorFilter> ActorDirectory::ReadListRequest(
    const v1::ListActorsRequest& request, const auth::Principal& caller,
    int* page_size) const {
  FieldViolations violations;
  *page_size = ValidatePageSize(request.page_size(), Limits::kDefaultPageSize,
                                Limits::kPageSizeMax, "page_size", &violations);
  matcher::ActorFilter filter;
  ValidateEnum(request.kind(), v1::ActorKind_IsValid, "kind", &violations);
  if (request.kind() != v1::ACTOR_KIND_UNSPECIFIED &&
      v1::ActorKind_IsValid(request.kind())) {
    filter.kind = static_cast<matcher::Kind>(request.kind());
  }
  filter.territory = ValidateTerritoryFilter(
      ForCaller(validation_, caller), request.has_territory(),
      request.territory(), "territory", &violations);
  if (!request.theme().empty()) {
    ValidateTheme(ForCaller(validation_, caller), request.theme(), false,
                  "theme", &violations);
    filter.theme = vocabulary_->Theme(request.theme());
  }
  if (!request.offered_resource().empty()) {
    ValidateResource(ForCaller(validation_, caller), request.offered_resource(),
                     false, "offered_resource", &violations);
    filter.offered_resource = vocabulary_->Resource(request.offered_resource());
  }
  if (!request.needed_resource().empty()) {
    ValidateResource(ForCaller(validation_, caller), request.needed_resource(),
                     false, "needed_resource", &violations);
    filter.needed_resource = vocabulary_->Resource(request.needed_resource());
  }
  ValidateEnum(request.view(), v1::ActorView_IsValid, "view", &violations);
  RETURN_IF_ERROR(violations.ToStatus());
  return filter;
}

absl::StatusOr<v1::ListActorsResponse> ActorDirectory::List(
    const v1::ListActorsRequest& request, const auth::Principal& caller) const {
  int page_size = 0;
  ASSIGN_OR_RETURN(matcher::ActorFilter filter,
                   ReadListRequest(request, caller, &page_size));
  const uint64_t filter_fp = FiltersFingerprint(request);
  ASSIGN_OR_RETURN(std::string after,
                   DecodePageToken(request.page_token(), filter_fp));

  bool unfiltered = !filter.kind && !filter.territory && !filter.theme &&
                    !filter.offered_resource && !filter.needed_resource;
  v1::ListActorsResponse response;
  bool more = false;
  std::string last;  // the last id the page examined
  std::shared_ptr<const AccessScope> scope = ScopeOf(caller);
  const Readable readable{*scope, ReadsOptedOut(caller)};
  if (!scope->all() || !readable.opted_out) {
    RETURN_IF_ERROR(ListScoped(filter, unfiltered, readable, after,
                               static_cast<size_t>(page_size), &response, &last,
                               &more));
  } else if (unfiltered) {
    RETURN_IF_ERROR(
        ListRecords(after, static_cast<size_t>(page_size), &response, &more));
    if (response.actors_size() > 0) {
      last = response.actors(response.actors_size() - 1).id();
    }
  } else {
    RETURN_IF_ERROR(ListIndexed(filter, after, static_cast<size_t>(page_size),
                                &response, &last, &more));
  }
  // The page ends at the last id examined, even if it was skipped.
  if (more && !last.empty()) {
    response.set_next_page_token(EncodePageToken(filter_fp, last));
  }
  if (request.view() == v1::ACTOR_VIEW_FULL) {
    for (v1::Actor& a : *response.mutable_actors()) {
      RETURN_IF_ERROR(AttachContacts(&a, caller));
    }
  }
  return response;
}

absl::Status ActorDirectory::ListRecords(std::string_view after,
                                         size_t page_size,
                                         v1::ListActorsResponse* response,
                                         bool* more) const {
  // Resume just after `after`: the smallest key greater than it.
  std::string start = after.empty() ? std::string() : std::string(after) + '\0';
  absl::Status parse_error;
  RETURN_IF_ERROR(store_->Scan(
      Family::kActors, start, "",
      [&](std::string_view, std::string_view value) {
        if (static_cast<size_t>(response->actors_size()) == page_size) {
          *more = true;
          return false;
        }
        if (!response->add_actors()->ParseFromArray(
                value.data(), static_cast<int>(value.size()))) {
          parse_error = absl::DataLossError("unparsable actor record");
          return false;
        }
        return true;
      }));
  return parse_error;
}

absl::Status ActorDirectory::ListIndexed(const matcher::ActorFilter& filter,
                                         std::string_view after,
                                         size_t page_size,
                                         v1::ListActorsResponse* response,
                                         std::string* last, bool* more) const {
  std::vector<std::string> ids;
  {
    std::shared_lock lock(index_mu_);
    ids = index_.List(filter, after, page_size, more);
  }
  ASSIGN_OR_RETURN(auto values, store_->MultiGet(Family::kActors, ids));
  for (size_t i = 0; i < ids.size(); ++i) {
    // An actor deleted between the index lookup and the read is skipped.
    if (!values[i].has_value()) continue;
    if (!response->add_actors()->ParseFromString(*values[i])) {
      return absl::DataLossError("unparsable actor record");
    }
  }
  if (!ids.empty()) *last = ids.back();
  return absl::OkStatus();
}

// A scoped page is filled while scanning, so it is never short of in-scope
// actors unless a next page follows: it ends when it is full, when the
// directory ends, or after kScopedListExaminedMax actors examined (then
// `more` is set and `last_examined` says where the next page resumes).
absl::Status ActorDirectory::ListScoped(
    const matcher::ActorFilter& filter, bool unfiltered,
    const Readable& readable, std::string_view after, size_t page_size,
    v1::ListActorsResponse* response, std::string* last_examined,
    bool* more) const {
  *more = false;
  *last_examined = std::string(after);
  if (unfiltered) {
    return ScanRecordsInScope(readable, page_size, response, last_examined,
                              more);
  }
  std::vector<std::string> ids =
      ListIndexInScope(filter, readable.scope, page_size, last_examined, more);
  ASSIGN_OR_RETURN(auto values, store_->MultiGet(Family::kActors, ids));
  for (size_t i = 0; i < ids.size(); ++i) {
    // An actor deleted between the index lookup and the read is skipped.
    if (!values[i].has_value()) continue;
    if (!response->add_actors()->ParseFromString(*values[i])) {
      return absl::DataLossError("unparsable actor record");
    }
    // Opted out (the index does not tell), or moved out of the scope
    // between the index lookup and the read.
    if (!readable.Covers(response->actors(response->actors_size() - 1))) {
      response->mutable_actors()->RemoveLast();
    }
  }
  return absl::OkStatus();
}

absl::Status ActorDirectory::ScanRecordsInScope(
    const Readable& readable, size_t page_size,
    v1::ListActorsResponse* response, std::string* last_examined,
    bool* more) const {
  // Straight from the records, in key order, after the last id examined.
  std::string start =
      last_examined->empty() ? std::string() : *last_examined + '\0';
  size_t examined = 0;
  absl::Status parse_error;
  RETURN_IF_ERROR(store_->Scan(
      Family::kActors, start, "",
      [&](std::string_view key, std::string_view value) {
        if (static_cast<size_t>(response->actors_size()) == page_size ||
            examined == kScopedListExaminedMax) {
          *more = true;
          return false;
        }
        v1::Actor* actor = response->add_actors();
        if (!actor->ParseFromArray(value.data(),
                                   static_cast<int>(value.size()))) {
          parse_error = absl::DataLossError("unparsable actor record");
          return false;
        }
        if (!readable.Covers(*actor)) {
          response->mutable_actors()->RemoveLast();
        }
        ++examined;
        last_examined->assign(key.data(), key.size());
        return true;
      }));
  return parse_error;
}

std::vector<std::string> ActorDirectory::ListIndexInScope(
    const matcher::ActorFilter& filter, const AccessScope& scope,
    size_t page_size, std::string* last_examined, bool* more) const {
  std::vector<std::string> ids;
  size_t examined = 0;
  std::shared_lock lock(index_mu_);
  for (;;) {
    bool chunk_more = false;
    std::vector<std::string> chunk =
        index_.List(filter, *last_examined, kScopedListChunk, &chunk_more);
    size_t i = 0;
    for (; i < chunk.size() && ids.size() < page_size &&
           examined < kScopedListExaminedMax;
         ++i, ++examined) {
      auto num = index_.Find(chunk[i]);
      if (num.has_value() && scope.CoversProfile(index_.Get(*num))) {
        ids.push_back(chunk[i]);
      }
    }
    if (i > 0) *last_examined = std::move(chunk[i - 1]);
    if (i < chunk.size()) {
      *more = true;  // full, or over the budget, inside this chunk
      return ids;
    }
    if (!chunk_more) return ids;
    if (ids.size() == page_size || examined >= kScopedListExaminedMax) {
      *more = true;
      return ids;
    }
  }
}

absl::StatusOr<v1::BatchGetActorsResponse> ActorDirectory::BatchGet(
    const v1::BatchGetActorsRequest& request,
    const auth::Principal& caller) const {
  FieldViolations violations;
  if (ValidateCount(request.ids_size(), Limits::kBatchGetMax, "ids",
                    &violations)) {
    for (int i = 0; i < request.ids_size(); ++i) {
      ValidateRecordId(request.ids(i), /*required=*/true,
                       absl::StrCat("ids[", i, "]"), &violations);
    }
  }
  ValidateEnum(request.view(), v1::ActorView_IsValid, "view", &violations);
  RETURN_IF_ERROR(violations.ToStatus());
  std::vector<std::string> ids(request.ids().begin(), request.ids().end());
  ASSIGN_OR_RETURN(auto values, store_->MultiGet(Family::kActors, ids));
  v1::BatchGetActorsResponse response;
  std::vector<std::string> missing;
  std::shared_ptr<const AccessScope> scope = ScopeOf(caller);
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!values[i].has_value()) {
      missing.push_back(ids[i]);
      continue;
    }
    v1::Actor* actor = response.add_actors();
    if (!actor->ParseFromString(*values[i])) {
      return absl::DataLossError("unparsable actor record");
    }
    // Outside the caller's territories, or an objection a partner
    // platform may not read, is the same as missing: no leak.
    if (!scope->CoversRecord(*actor) || HiddenByObjection(*actor, caller)) {
      response.mutable_actors()->RemoveLast();
      missing.push_back(ids[i]);
    }
  }
  if (!missing.empty()) {
    std::string names = absl::StrJoin(
        missing.begin(),
        missing.begin() + std::min(missing.size(), kMissingIdsNamed), ", ");
    if (missing.size() > kMissingIdsNamed) {
      absl::StrAppend(&names, " and ", missing.size() - kMissingIdsNamed,
                      " more");
    }
    return NotFound(kActor, names);
  }
  if (request.view() != v1::ACTOR_VIEW_BASIC) {
    for (v1::Actor& a : *response.mutable_actors()) {
      RETURN_IF_ERROR(AttachContacts(&a, caller));
    }
  }
  return response;
}

absl::StatusOr<v1::Actor> ActorDirectory::Replay(
    v1::Actor answer, const auth::Principal& caller) const {
  answer.clear_contacts();  // answers recorded before they were left out
  RETURN_IF_ERROR(AttachContacts(&answer, caller));
  return answer;
}

absl::StatusOr<bool> ActorDirectory::EditPersonalData(
    std::string_view actor_id, const PersonalDataEdit& edit) {
  auto held = locks_.Lock({std::string(actor_id)});
  ASSIGN_OR_RETURN(std::optional<v1::Actor> actor, Read(actor_id));
  std::map<std::string, storage::ContactRecord> contacts;
  std::string prefix = storage::keys::ContactsPrefix(actor_id);
  absl::Status parsed;
  RETURN_IF_ERROR(store_->Scan(
      Family::kContacts, prefix, storage::keys::PrefixSuccessor(prefix),
      [&](std::string_view key, std::string_view value) {
        storage::ContactRecord record;
        if (!record.ParseFromArray(value.data(),
                                   static_cast<int>(value.size()))) {
          parsed = absl::DataLossError("unparsable contact record");
          return false;
        }
        contacts[std::string(key.substr(prefix.size()))] = std::move(record);
        return true;
      }));
  RETURN_IF_ERROR(parsed);
  std::map<std::string, storage::ContactRecord> before = contacts;
  v1::Actor original = actor.value_or(v1::Actor());
  if (!edit(actor.has_value() ? &*actor : nullptr, &contacts)) return false;

  storage::WriteBatch batch;
  for (const auto& [workspace, record] : before) {
    std::string key = storage::keys::Contacts(actor_id, workspace);
    auto now = contacts.find(workspace);
    if (now == contacts.end() || now->second.contacts_size() == 0) {
      batch.Delete(Family::kContacts, key);
    } else if (now->second.SerializeAsString() != record.SerializeAsString()) {
      batch.PutMessage(Family::kContacts, key, now->second);
    }
  }
  bool actor_changed = actor.has_value() && actor->SerializeAsString() !=
                                                original.SerializeAsString();
  if (actor_changed) {
    auto now = TimeUtil::GetCurrentTime();
    *actor->mutable_update_time() = now;
    actor->clear_etag();
    actor->set_etag(MakeEtag(actor->SerializeAsString(),
                             TimeUtil::TimestampToMicroseconds(now)));
    batch.PutMessage(Family::kActors, actor->id(), *actor);
  }
  if (batch.Count() == 0) return false;
  RETURN_IF_ERROR(store_->Write(batch));
  NoteContactsRemoved();
  if (actor_changed) {
    matcher::ActorProfile profile = ToProfile(*actor);
    std::unique_lock lock(index_mu_);
    UpsertLocked(std::move(profile));
  }
  return true;
}

}  // namespace maillage::core

#include "core/lifecycle.h"

#include <xxhash.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <random>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "core/access_scope.h"
#include "core/errors.h"
#include "core/page_token.h"
#include "core/workspace.h"
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
using v1::SuggestionState;

constexpr std::string_view kSuggestion = "suggestion";
constexpr std::string_view kPartnership = "partnership";
// The reason the server gives a suggestion served again after it ended.
constexpr std::string_view kProposedAgainReason =
    "proposed again after the cooling period";

using storage::keys::InWorkspace;

// The id of a workspace's suggestion of a pair for a category. The
// workspace is hashed in, so that two workspaces get different ids for the
// same pair (ids are also looked up within the caller's workspace only). The
// default workspace keeps the ids of stores written before workspaces.
std::string SuggestionId(std::string_view workspace, std::string_view actor,
                         std::string_view partner, int category) {
  std::string key =
      absl::StrCat(AsAbsl(actor), "|", AsAbsl(partner), "|", category);
  if (workspace != storage::keys::kDefaultWorkspace) {
    absl::StrAppend(&key, "|", AsAbsl(workspace));
  }
  return absl::StrCat(
      "s-", absl::Hex(XXH3_64bits(key.data(), key.size()), absl::kZeroPad16));
}

absl::Time ToAbsl(const google::protobuf::Timestamp& t) {
  return absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(t));
}

google::protobuf::Timestamp Now() { return TimeUtil::GetCurrentTime(); }

bool IsActive(const v1::Partnership& p,
              const google::protobuf::Timestamp& now) {
  bool started = !p.has_start_time() || p.start_time() <= now;
  bool ended = p.has_end_time() && p.end_time() <= now;
  return started && !ended;
}

// Whether a suggestion's state keeps the pair from being proposed again for
// a while.
bool Cools(const v1::Suggestion& s) {
  switch (s.state()) {
    case v1::SUGGESTION_STATE_DISMISSED:
    case v1::SUGGESTION_STATE_NOT_FORMED:
      return true;
    case v1::SUGGESTION_STATE_OUTCOME_RECORDED:
      return s.outcome() == v1::MEETING_OUTCOME_INSUFFICIENT_INTEREST ||
             s.outcome() == v1::MEETING_OUTCOME_INFORMATIVE_NO_COOPERATION;
    default:
      return false;
  }
}

// The label of a suggestion's state (see Lifecycle::LabelledPair); 0: none
// (proposed only, no answer, a meeting that did not take place).
double LabelOf(const v1::Suggestion& s) {
  switch (s.state()) {
    case v1::SUGGESTION_STATE_PARTNERSHIP_FORMED:
      return 1;
    case v1::SUGGESTION_STATE_KEPT:
    case v1::SUGGESTION_STATE_CONTACTED:
    case v1::SUGGESTION_STATE_MEETING_HELD:
      return 0.5;
    case v1::SUGGESTION_STATE_DISMISSED:
    case v1::SUGGESTION_STATE_NOT_FORMED:
      return -1;
    case v1::SUGGESTION_STATE_OUTCOME_RECORDED:
      switch (s.outcome()) {
        case v1::MEETING_OUTCOME_COOPERATION_POSSIBLE:
          return 1;
        case v1::MEETING_OUTCOME_INSUFFICIENT_INTEREST:
        case v1::MEETING_OUTCOME_INFORMATIVE_NO_COOPERATION:
          return -1;
        default:
          return 0;
      }
    default:
      return 0;
  }
}

// Who made a transition: the authenticated caller. What the client said
// (`note`) is kept as a display note only.
void SetPerformer(const auth::Principal& caller, std::string_view note,
                  v1::SuggestionTransition* t) {
  t->set_performed_by(caller.id);
  t->set_performed_by_name(caller.display_name);
  t->set_performed_by_note(std::string(note));
}

void Restamp(v1::Suggestion* s) {
  auto now = Now();
  *s->mutable_update_time() = now;
  s->clear_etag();
  s->set_etag(
      MakeEtag(s->SerializeAsString(), TimeUtil::TimestampToMicroseconds(now)));
}

// A hash of what a suggestion says of the pair beyond its score and
// modality: the explanation and every field of every factor
// (LifecycleTest.ContentHashCoversEveryFactorField fails when MatchFactor
// gains a field this does not hash). The fields are laid end to end, each
// string after its length, and hashed in one call: hashing them one by one
// cost a seeded hash per field, about twice as much per suggestion. The
// value lives in memory only (the served cache), never on disk.
template <typename Factors>
uint64_t ContentHash(const std::string& explanation, const Factors& factors) {
  thread_local std::string bytes;
  bytes.clear();
  auto append_text = [](const std::string& text) {
    const uint64_t size = text.size();
    bytes.append(reinterpret_cast<const char*>(&size), sizeof(size));
    bytes.append(text);
  };
  append_text(explanation);
  for (const v1::MatchFactor& f : factors) {
    const double numbers[3] = {f.value(), f.weight(), f.contribution()};
    bytes.append(reinterpret_cast<const char*>(numbers), sizeof(numbers));
    append_text(f.code());
    append_text(f.detail());
  }
  return XXH3_64bits(bytes.data(), bytes.size());
}

// Counts a move to `to` in `m` (`outcome`: the suggestion's, for a move
// to OUTCOME_RECORDED).
void CountTransition(v1::SuggestionState to, v1::MeetingOutcome outcome,
                     v1::CategoryMetrics* m) {
  switch (to) {
    case v1::SUGGESTION_STATE_KEPT:
      m->set_kept(m->kept() + 1);
      break;
    case v1::SUGGESTION_STATE_DISMISSED:
      m->set_dismissed(m->dismissed() + 1);
      break;
    case v1::SUGGESTION_STATE_CONTACTED:
      m->set_contacted(m->contacted() + 1);
      break;
    case v1::SUGGESTION_STATE_MEETING_HELD:
      m->set_meetings(m->meetings() + 1);
      break;
    case v1::SUGGESTION_STATE_OUTCOME_RECORDED:
      switch (outcome) {
        case v1::MEETING_OUTCOME_DID_NOT_TAKE_PLACE:
          m->set_outcome_did_not_take_place(m->outcome_did_not_take_place() +
                                            1);
          break;
        case v1::MEETING_OUTCOME_INSUFFICIENT_INTEREST:
          m->set_outcome_insufficient_interest(
              m->outcome_insufficient_interest() + 1);
          break;
        case v1::MEETING_OUTCOME_INFORMATIVE_NO_COOPERATION:
          m->set_outcome_informative(m->outcome_informative() + 1);
          break;
        case v1::MEETING_OUTCOME_COOPERATION_POSSIBLE:
          m->set_outcome_cooperation_possible(
              m->outcome_cooperation_possible() + 1);
          break;
        default:
          break;
      }
      break;
    case v1::SUGGESTION_STATE_PARTNERSHIP_FORMED:
      m->set_partnerships_formed(m->partnerships_formed() + 1);
      break;
    default:
      break;
  }
}

// Whether serving a suggestion in this state proposes it again.
bool ProposedAgainWhenServed(v1::SuggestionState state) {
  return state == v1::SUGGESTION_STATE_DISMISSED ||
         state == v1::SUGGESTION_STATE_NOT_FORMED ||
         state == v1::SUGGESTION_STATE_PARTNERSHIP_FORMED;
}

}  // namespace

Lifecycle::Lifecycle(storage::Store* store, const TerritoryRegistry* registry,
                     const matcher::Vocabulary* vocabulary,
                     ActorDirectory* actors, EventLog* events, Options options)
    : store_(store),
      registry_(registry),
      actors_(actors),
      events_(events),
      options_(options),
      validation_{registry, vocabulary, {}} {}

bool Lifecycle::AllowedTransition(SuggestionState from, SuggestionState to) {
  using S = v1::SuggestionState;
  switch (from) {
    case S::SUGGESTION_STATE_PROPOSED:
      return to == S::SUGGESTION_STATE_KEPT ||
             to == S::SUGGESTION_STATE_DISMISSED;
    case S::SUGGESTION_STATE_KEPT:
      return to == S::SUGGESTION_STATE_CONTACTED ||
             to == S::SUGGESTION_STATE_DISMISSED;
    case S::SUGGESTION_STATE_CONTACTED:
      return to == S::SUGGESTION_STATE_MEETING_HELD ||
             to == S::SUGGESTION_STATE_NO_ANSWER ||
             to == S::SUGGESTION_STATE_DISMISSED;
    case S::SUGGESTION_STATE_NO_ANSWER:
      return to == S::SUGGESTION_STATE_CONTACTED ||
             to == S::SUGGESTION_STATE_DISMISSED;
    case S::SUGGESTION_STATE_MEETING_HELD:
      return to == S::SUGGESTION_STATE_OUTCOME_RECORDED;
    case S::SUGGESTION_STATE_OUTCOME_RECORDED:
      return to == S::SUGGESTION_STATE_PARTNERSHIP_FORMED ||
             to == S::SUGGESTION_STATE_NOT_FORMED;
    default:
      return false;
  }
}

bool Lifecycle::Untouched(const v1::Suggestion& s) {
  if (s.state() != v1::SUGGESTION_STATE_PROPOSED) return false;
  for (const auto& t : s.history()) {
    if (t.to() != v1::SUGGESTION_STATE_PROPOSED) return false;
  }
  return true;
}

bool Lifecycle::Closed(const v1::Suggestion& s) {
  switch (s.state()) {
    case v1::SUGGESTION_STATE_DISMISSED:
    case v1::SUGGESTION_STATE_PARTNERSHIP_FORMED:
    case v1::SUGGESTION_STATE_NOT_FORMED:
      return true;
    case v1::SUGGESTION_STATE_PROPOSED:
      return !Untouched(s);
    default:
      return false;
  }
}

namespace {

// `*text` replaced by the retention marker unless empty or `kept`; whether
// it changed.
bool MarkText(std::string_view kept, std::string* text) {
  if (text->empty() || *text == kept || *text == Lifecycle::kRetentionMarker) {
    return false;
  }
  *text = std::string(Lifecycle::kRetentionMarker);
  return true;
}

// `*text` cleared; whether it changed.
bool Clear(std::string* text) {
  if (text->empty()) return false;
  text->clear();
  return true;
}

// `*id` replaced by its pseudonym; whether it changed.
bool Pseudonymise(const std::function<std::string(std::string_view)>& pseudonym,
                  std::string* id) {
  std::string replaced = pseudonym(*id);
  if (replaced == *id) return false;
  *id = std::move(replaced);
  return true;
}

// The personal fields of `s` pseudonymised, cleared or marked (see
// Lifecycle::PseudonymiseClosedSuggestions); whether anything changed.
bool PseudonymisePersonalFields(
    const std::function<std::string(std::string_view)>& pseudonym,
    v1::Suggestion* s) {
  bool changed = Pseudonymise(pseudonym, s->mutable_requested_by());
  changed |= Clear(s->mutable_requested_by_name());
  changed |= Clear(s->mutable_requested_by_note());
  changed |= MarkText("", s->mutable_dismiss_reason());
  for (auto& t : *s->mutable_history()) {
    changed |= Pseudonymise(pseudonym, t.mutable_performed_by());
    changed |= Clear(t.mutable_performed_by_name());
    changed |= Clear(t.mutable_performed_by_note());
    changed |= MarkText(kProposedAgainReason, t.mutable_reason());
  }
  return changed;
}

}  // namespace

absl::StatusOr<int64_t> Lifecycle::ChangeSuggestions(
    size_t batch, std::string* after, bool* done,
    const std::function<bool(const v1::Suggestion&)>& select,
    const std::function<void(std::string_view key, v1::Suggestion* s,
                             storage::WriteBatch* write)>& change) {
  std::vector<std::string> keys;  // of the records `select` picked
  size_t examined = 0;
  absl::Status parse_error;
  // Keys are never empty: after the first step, start just past *after.
  RETURN_IF_ERROR(store_->Scan(
      Family::kSuggestions, after->empty() ? "" : *after + '\0', "",
      [&](std::string_view key, std::string_view value) {
        if (examined == batch) return false;
        ++examined;
        after->assign(key);
        v1::Suggestion s;
        if (!s.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          parse_error = absl::DataLossError("unparsable suggestion record");
          return false;
        }
        if (select(s)) keys.emplace_back(key);
        return true;
      }));
  RETURN_IF_ERROR(parse_error);
  *done = examined < batch;
  if (keys.empty()) return 0;
  std::vector<std::string_view> lock_keys(keys.begin(), keys.end());
  auto held = locks_.Lock(lock_keys);
  for (const std::string& key : keys) ForgetServed(key);
  ASSIGN_OR_RETURN(auto stored, store_->MultiGet(Family::kSuggestions, keys));
  storage::WriteBatch write;
  int64_t changed = 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    v1::Suggestion s;
    if (!stored[i].has_value() || !s.ParseFromString(*stored[i]) ||
        !select(s)) {
      continue;  // gone, or moved or served meanwhile
    }
    change(keys[i], &s, &write);
    ++changed;
  }
  if (changed > 0) RETURN_IF_ERROR(store_->Write(write, /*sync=*/false));
  return changed;
}

absl::StatusOr<int64_t> Lifecycle::PurgeUntouchedSuggestions(absl::Time cutoff,
                                                             size_t batch,
                                                             std::string* after,
                                                             bool* done) {
  std::vector<std::string> deleted;
  ASSIGN_OR_RETURN(
      int64_t purged,
      ChangeSuggestions(
          batch, after, done,
          [&](const v1::Suggestion& s) {
            return Untouched(s) && ToAbsl(s.last_shown()) < cutoff;
          },
          [&](std::string_view key, v1::Suggestion* s,
              storage::WriteBatch* write) {
            auto in = storage::keys::SplitWorkspace(key);
            write->Delete(Family::kSuggestions, key);
            for (const std::string* actor :
                 {&s->actor_id(), &s->partner_id()}) {
              write->Delete(Family::kSuggestionsByActor,
                            InWorkspace(in->workspace, storage::keys::ByActor(
                                                           *actor, s->id())));
            }
            deleted.emplace_back(key);
          }));
  // An untouched suggestion set no cooling (only a move does), counted no
  // answer and has no label; contributions_ and labels_ must still name
  // stored suggestions only.
  if (!deleted.empty()) {
    std::lock_guard lock(mu_);
    for (const std::string& key : deleted) ForgetFeedbackLocked(key);
  }
  return purged;
}

absl::StatusOr<int64_t> Lifecycle::PseudonymiseClosedSuggestions(
    absl::Time cutoff,
    const std::function<std::string(std::string_view)>& pseudonym, size_t batch,
    std::string* after, bool* done) {
  return ChangeSuggestions(
      batch, after, done,
      [&](const v1::Suggestion& s) {
        if (!Closed(s) || ToAbsl(s.update_time()) >= cutoff) return false;
        v1::Suggestion copy = s;
        return PseudonymisePersonalFields(pseudonym, &copy);
      },
      [&](std::string_view key, v1::Suggestion* s, storage::WriteBatch* write) {
        PseudonymisePersonalFields(pseudonym, s);
        s->clear_etag();
        s->set_etag(
            MakeEtag(s->SerializeAsString(), absl::ToUnixMicros(absl::Now())));
        write->PutMessage(Family::kSuggestions, key, *s);
      });
}

absl::Status Lifecycle::Load() {
  absl::Status parse_error;
  RETURN_IF_ERROR(store_->Scan(
      Family::kPartnerships, "", "",
      [&](std::string_view key, std::string_view value) {
        v1::Partnership p;
        if (!p.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          parse_error = absl::DataLossError("unparsable partnership record");
          return false;
        }
        std::lock_guard lock(mu_);
        partnerships_[std::string(key)] = std::move(p);  // workspace, id
        return true;
      }));
  RETURN_IF_ERROR(parse_error);
  RETURN_IF_ERROR(store_->Scan(
      Family::kSuggestions, "", "",
      [&](std::string_view key, std::string_view value) {
        v1::Suggestion s;
        auto in = storage::keys::SplitWorkspace(key);
        if (!in.has_value() ||
            !s.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          parse_error = absl::DataLossError("unparsable suggestion record");
          return false;
        }
        NoteCooling(in->workspace, s);
        std::lock_guard lock(mu_);
        NoteFeedbackLocked(in->workspace, s);
        return true;
      }));
  RETURN_IF_ERROR(parse_error);
  PushPartnershipsToEngine();
  PushFeedbackToEngine();
  PushCooperationsToEngine("");
  return absl::OkStatus();
}

Lifecycle::FeedbackChange Lifecycle::NoteFeedbackLocked(
    std::string_view workspace, const v1::Suggestion& s) {
  // The partner is the actor the animator reached out to on the asker's
  // behalf: its answers (a meeting) or silences (no answer) are its
  // responsiveness.
  Contribution c;
  c.partner = s.partner_id();
  for (const auto& t : s.history()) {
    if (t.to() == v1::SUGGESTION_STATE_MEETING_HELD) ++c.answered;
    if (t.to() == v1::SUGGESTION_STATE_NO_ANSWER) ++c.no_answers;
  }
  std::string key = InWorkspace(workspace, s.id());
  FeedbackChange change;
  change.partner = s.partner_id();
  if (auto old = labels_.find(key); old != labels_.end()) {
    change.label_before = old->second.weight;
  }
  change.label_after = LabelOf(s);
  ForgetFeedbackLocked(key);
  if (change.label_after != 0) {
    labels_[key] =
        LabelledPair{s.actor_id(), s.partner_id(), change.label_after};
  }
  if (c.answered != 0 || c.no_answers != 0) {
    AddToResponsivenessLocked(c, +1);
    contributions_[key] = std::move(c);
  }
  return change;
}

void Lifecycle::ForgetFeedbackLocked(const std::string& key) {
  labels_.erase(key);
  auto old = contributions_.find(key);
  if (old == contributions_.end()) return;
  AddToResponsivenessLocked(old->second, -1);
  contributions_.erase(old);
}

void Lifecycle::AddToResponsivenessLocked(const Contribution& c, int sign) {
  Totals& totals = responsiveness_totals_[c.partner];
  totals.answered += sign * int64_t{c.answered};
  totals.no_answers += sign * int64_t{c.no_answers};
  if (totals.answered == 0 && totals.no_answers == 0) {
    responsiveness_totals_.erase(c.partner);
  }
}

namespace {

// The engine counts up to 65,535 of each.
ActorDirectory::Feedback::Responsiveness Saturated(int64_t answered,
                                                   int64_t no_answers) {
  auto clamp = [](int64_t n) {
    return static_cast<uint16_t>(std::clamp<int64_t>(n, 0, UINT16_MAX));
  };
  return {clamp(answered), clamp(no_answers)};
}

}  // namespace

void Lifecycle::PushFeedbackToEngine() {
  // Responsiveness pools every workspace's outcomes as counts per partner,
  // an aggregate that names no pair. Pairs that went well name pairs (the
  // explanation of a "similar success" says "X a trouvé une coopération
  // avec Y"): each workspace's stay its own (PushCooperationsToEngine).
  std::lock_guard push(push_mu_);
  ActorDirectory::Feedback feedback;
  {
    std::lock_guard lock(mu_);
    for (const auto& [partner, totals] : responsiveness_totals_) {
      feedback.responsiveness[partner] =
          Saturated(totals.answered, totals.no_answers);
    }
  }
  actors_->SetFeedback(feedback);
}

void Lifecycle::PushResponsivenessToEngine(const std::string& partner) {
  std::lock_guard push(push_mu_);
  ActorDirectory::Feedback::Responsiveness r;
  {
    std::lock_guard lock(mu_);
    auto it = responsiveness_totals_.find(partner);
    if (it != responsiveness_totals_.end()) {
      r = Saturated(it->second.answered, it->second.no_answers);
    }
  }
  actors_->SetResponsiveness(partner, r);
}

std::vector<Lifecycle::LabelledPair> Lifecycle::OutcomesOf(
    std::string_view workspace) const {
  // (actor, partner) -> weight; partnerships first, so that they win.
  std::map<std::pair<std::string, std::string>, double> pairs;
  const std::string prefix = InWorkspace(workspace, "");
  std::lock_guard lock(mu_);
  for (auto it = partnerships_.lower_bound(prefix);
       it != partnerships_.end() && absl::StartsWith(it->first, AsAbsl(prefix));
       ++it) {
    const v1::Partnership& p = it->second;
    for (const std::string& a : p.participants()) {
      for (const std::string& b : p.participants()) {
        if (a != b) pairs[{a, b}] = 1;
      }
    }
  }
  for (auto it = labels_.lower_bound(prefix);
       it != labels_.end() && absl::StartsWith(it->first, AsAbsl(prefix));
       ++it) {
    pairs.emplace(std::make_pair(it->second.actor, it->second.partner),
                  it->second.weight);
  }
  std::vector<LabelledPair> out;
  out.reserve(pairs.size());
  for (const auto& [pair, weight] : pairs) {
    out.push_back(LabelledPair{pair.first, pair.second, weight});
  }
  return out;
}

std::vector<std::string> Lifecycle::WorkspacesWithOutcomes() const {
  std::set<std::string> workspaces;
  auto note = [&](const std::string& key) {
    if (auto in = storage::keys::SplitWorkspace(key)) {
      workspaces.emplace(in->workspace);
    }
  };
  std::lock_guard lock(mu_);
  for (const auto& [key, _] : partnerships_) note(key);
  for (const auto& [key, _] : labels_) note(key);
  return {workspaces.begin(), workspaces.end()};
}

void Lifecycle::PushCooperationsToEngine(std::string_view workspace) {
  // Each workspace's pairs that went well, as pairs of ids: its registry's
  // partnerships (active or ended), then the suggestions labelled 1.
  std::lock_guard push(push_mu_);
  ActorDirectory::Cooperations by_workspace;
  {
    std::lock_guard lock(mu_);
    const std::string prefix = InWorkspace(workspace, "");
    auto in_scope = [&](const std::string& key) {
      return workspace.empty() || absl::StartsWith(key, AsAbsl(prefix));
    };
    auto first = [&](const auto& map) {
      return workspace.empty() ? map.begin() : map.lower_bound(prefix);
    };
    for (auto it = first(partnerships_);
         it != partnerships_.end() && in_scope(it->first); ++it) {
      auto in = storage::keys::SplitWorkspace(it->first);
      if (!in.has_value()) continue;
      const v1::Partnership& p = it->second;
      auto& pairs = by_workspace[std::string(in->workspace)];
      for (int i = 0; i < p.participants_size(); ++i) {
        for (int j = i + 1; j < p.participants_size(); ++j) {
          pairs.emplace_back(p.participants(i), p.participants(j));
        }
      }
    }
    for (auto it = first(labels_); it != labels_.end() && in_scope(it->first);
         ++it) {
      auto in = storage::keys::SplitWorkspace(it->first);
      if (!in.has_value() || it->second.weight < 1) continue;
      by_workspace[std::string(in->workspace)].emplace_back(it->second.actor,
                                                            it->second.partner);
    }
  }
  if (workspace.empty()) {
    actors_->SetCooperations(by_workspace);
  } else {
    actors_->SetCooperations(workspace, by_workspace[std::string(workspace)]);
  }
  if (outcomes_listener_ && !workspace.empty()) outcomes_listener_(workspace);
}

void Lifecycle::PushMoveToEngine(std::string_view workspace,
                                 const v1::Suggestion& s,
                                 const FeedbackChange& change,
                                 const v1::Partnership* formed) {
  PushResponsivenessToEngine(change.partner);
  if (change.label_before >= 1 && change.label_after < 1) {
    // The pair may still go well through another suggestion or a
    // partnership: the workspace's signals are rebuilt.
    PushCooperationsToEngine(workspace);
    return;
  }
  std::vector<std::pair<std::string, std::string>> pairs;
  if (change.label_after >= 1 && change.label_before < 1) {
    pairs.emplace_back(s.actor_id(), s.partner_id());
  }
  if (formed != nullptr) {
    for (int i = 0; i < formed->participants_size(); ++i) {
      for (int j = i + 1; j < formed->participants_size(); ++j) {
        pairs.emplace_back(formed->participants(i), formed->participants(j));
      }
    }
  }
  if (!pairs.empty()) {
    std::lock_guard push(push_mu_);
    actors_->AddCooperations(workspace, pairs);
  }
  if (outcomes_listener_) outcomes_listener_(workspace);
}

void Lifecycle::NoteCooling(std::string_view workspace,
                            const v1::Suggestion& s) {
  if (!Cools(s) || s.history_size() == 0) return;
  absl::Time until =
      ToAbsl(s.history(s.history_size() - 1).time()) + options_.cooling_period;
  std::lock_guard lock(mu_);
  cooling_[InWorkspace(workspace, s.actor_id())][s.partner_id()] = until;
  cooling_[InWorkspace(workspace, s.partner_id())][s.actor_id()] = until;
}

std::set<std::string> Lifecycle::CoolingPartners(
    const std::string& actor_id, const auth::Principal& caller) const {
  std::set<std::string> out;
  absl::Time now = absl::Now();
  std::lock_guard lock(mu_);
  auto it = cooling_.find(InWorkspace(WorkspaceOf(caller), actor_id));
  if (it == cooling_.end()) return out;
  for (const auto& [partner, until] : it->second) {
    if (until > now) out.insert(partner);
  }
  return out;
}

std::vector<std::string> Lifecycle::HomeCommunes(
    const std::vector<std::string>& actor_ids) const {
  std::vector<std::string> out;
  const territory::Geography& geo = registry_->geography();
  actors_->ReadIndex([&](const matcher::ActorIndex& index) {
    for (const auto& id : actor_ids) {
      auto num = index.Find(id);
      if (!num.has_value()) continue;
      uint32_t c = index.Get(*num).home.commune;
      if (c != territory::kNone) {
        out.emplace_back(geo.Code(territory::Level::kCommune, c));
      }
    }
  });
  return out;
}

absl::StatusOr<std::optional<v1::Suggestion>> Lifecycle::ReadSuggestion(
    std::string_view workspace, std::string_view id) const {
  v1::Suggestion s;
  ASSIGN_OR_RETURN(
      bool found,
      store_->GetMessage(Family::kSuggestions, InWorkspace(workspace, id), &s));
  if (!found) return std::optional<v1::Suggestion>();
  return std::optional<v1::Suggestion>(std::move(s));
}

absl::StatusOr<std::unique_ptr<Lifecycle::ServedCall>> Lifecycle::PrepareServed(
    const v1::SuggestPartnersRequest& request,
    const std::vector<std::string>& communes,
    v1::SuggestPartnersResponse* response, const auth::Principal& caller) {
  if (communes.size() !=
      static_cast<size_t>(response->suggestions_size()) + 1) {
    return absl::InternalError(
        "RecordServedAsync: one commune per actor expected");
  }
  auto call = std::make_unique<ServedCall>();
  call->request = &request;
  call->response = response;
  call->communes = &communes;
  call->caller = &caller;
  call->workspace = WorkspaceOf(caller);
  call->territory = request.scope();
  call->time = Now();
  for (auto& p : *response->mutable_suggestions()) {
    p.set_suggestion_id(SuggestionId(call->workspace, request.actor_id(),
                                     p.partner_id(), p.category()));
  }
  if (!request.has_scope() && !communes[0].empty()) {
    call->territory.set_level(v1::TERRITORY_LEVEL_COMMUNE);
    call->territory.set_code(communes[0]);
  }
  return call;
}

void Lifecycle::RecordServedAsync(const v1::SuggestPartnersRequest& request,
                                  const std::vector<std::string>& communes,
                                  v1::SuggestPartnersResponse* response,
                                  const auth::Principal& caller,
                                  ServingTicket* ticket,
                                  std::function<void(absl::Status)> recorded) {
  // Nothing to record: the ticket ends before the answer, so that a
  // gathering round does not wait for this call.
  auto end_ticket = [&] {
    if (ticket != nullptr && ticket->lifecycle_ != nullptr) {
      EndServing(ticket->number_);
      ticket->lifecycle_ = nullptr;
    }
  };
  if (request.preview() || response->suggestions_size() == 0) {
    end_ticket();
    recorded(absl::OkStatus());
    return;
  }
  absl::StatusOr<std::unique_ptr<ServedCall>> call =
      PrepareServed(request, communes, response, caller);
  if (!call.ok()) {
    end_ticket();
    recorded(call.status());
    return;
  }
  (*call)->recorded = std::move(recorded);
  QueueServed(*std::move(call), ticket);
}

Lifecycle::ServingTicket Lifecycle::StartServing() {
  std::lock_guard lock(served_mu_);
  const uint64_t number = next_ticket_++;
  serving_.insert(serving_.end(), number);
  return ServingTicket(this, number);
}

void Lifecycle::EndServing(uint64_t number) {
  std::lock_guard lock(served_mu_);
  EndServingLocked(number);
}

void Lifecycle::EndServingLocked(uint64_t number) {
  if (serving_.erase(number) == 0) return;
  // Wake the gathering writer only when the last call it waits for is done:
  // a wake-up per ended ticket cost the writer a context switch each, most
  // of them to find calls still matching and sleep again.
  if (gathering_until_ != 0 &&
      (serving_.empty() || *serving_.begin() >= gathering_until_)) {
    gather_cv_.notify_one();
  }
}

void Lifecycle::GatherRound(std::unique_lock<std::mutex>& lock) {
  const uint64_t begun = next_ticket_;
  auto matching_before = [&] {
    return !serving_.empty() && *serving_.begin() < begun;
  };
  if (!matching_before()) return;
  const auto deadline = std::chrono::steady_clock::now() +
                        absl::ToChronoNanoseconds(kRoundGatherMax);
  gathering_until_ = begun;
  gather_cv_.wait_until(lock, deadline, [&] { return !matching_before(); });
  gathering_until_ = 0;
}

void Lifecycle::QueueServed(std::unique_ptr<ServedCall> call,
                            ServingTicket* ticket) {
  std::unique_lock lock(served_mu_);
  served_queue_.push_back(std::move(call));
  if (ticket != nullptr && ticket->lifecycle_ != nullptr) {
    EndServingLocked(ticket->number_);
    ticket->lifecycle_ = nullptr;
  }
  // A round is being written: its writer takes this call in a later round,
  // and this thread goes back to serving (waiting here for the round cost
  // every call two context switches: BENCHMARKS.md, "a recorded call holds
  // no thread while its round is written").
  if (served_writing_) return;
  served_writing_ = true;
  while (!served_queue_.empty()) {
    GatherRound(lock);
    std::vector<std::unique_ptr<ServedCall>> round;
    round.swap(served_queue_);
    lock.unlock();
    std::vector<ServedCall*> calls;
    calls.reserve(round.size());
    for (const auto& c : round) calls.push_back(c.get());
    const absl::Status status = WriteServedRound(calls);
    for (const auto& c : round) c->recorded(status);
    round.clear();
    lock.lock();
  }
  served_writing_ = false;
}

Lifecycle::ServedSignature Lifecycle::SignatureOf(const v1::Suggestion& s) {
  return {s.state(), s.modality(), s.score(),
          ContentHash(s.explanation(), s.factors())};
}

Lifecycle::ServedSignature Lifecycle::SignatureOf(
    const v1::PartnerSuggestion& p) {
  return {v1::SUGGESTION_STATE_UNSPECIFIED, p.modality(), p.score(),
          ContentHash(p.explanation(), p.factors())};
}

Lifecycle::ServedRound Lifecycle::PlanServedRound(
    const std::vector<ServedCall*>& round) {
  ServedRound plan;
  plan.slots.resize(round.size());
  plan.served.resize(round.size());
  absl::flat_hash_map<std::string, size_t> slot_of;
  for (size_t c = 0; c < round.size(); ++c) {
    for (const auto& p : round[c]->response->suggestions()) {
      std::string key = InWorkspace(round[c]->workspace, p.suggestion_id());
      auto [it, added] = slot_of.try_emplace(key, plan.keys.size());
      if (added) plan.keys.push_back(std::move(key));
      plan.slots[c].push_back(it->second);
      plan.served[c].push_back(SignatureOf(p));
    }
  }
  return plan;
}

absl::Status Lifecycle::WriteServedRound(
    const std::vector<ServedCall*>& round) {
  const ServedRound plan = PlanServedRound(round);
  std::vector<std::string_view> lock_keys(plan.keys.begin(), plan.keys.end());
  auto held = locks_.Lock(lock_keys);
  std::vector<ServedRecord> records(plan.keys.size());
  MarkShownAgainFromCache(plan, &records);
  for (size_t c = 0; c < round.size(); ++c) {
    for (size_t i = 0; i < plan.slots[c].size(); ++i) {
      ServedRecord& r = records[plan.slots[c][i]];
      ++r.times;
      r.last_call = round[c];
      r.last_index = static_cast<int>(i);
    }
  }
  RETURN_IF_ERROR(ReadAndApplyRound(round, plan, &records));
  storage::WriteBatch batch;
  std::vector<EventLog::Pending> events;
  RoundWrites(plan, &records, &batch, &events);
  RETURN_IF_ERROR(events_->Commit(&batch, std::move(events), /*sync=*/false));
  RememberServed(plan, records);
  return absl::OkStatus();
}

void Lifecycle::MarkShownAgainFromCache(
    const ServedRound& plan, std::vector<ServedRecord>* records) const {
  {
    std::lock_guard lock(served_cache_mu_);
    for (size_t k = 0; k < plan.keys.size(); ++k) {
      auto it = served_cache_.find(plan.keys[k]);
      if (it == served_cache_.end()) continue;
      ServedRecord& r = (*records)[k];
      r.signature = it->second;
      r.shown_again = !ProposedAgainWhenServed(it->second.state) &&
                      it->second.operands < kMaxOperandsPerRecord;
    }
  }
  for (size_t c = 0; c < plan.slots.size(); ++c) {
    for (size_t i = 0; i < plan.slots[c].size(); ++i) {
      ServedRecord& r = (*records)[plan.slots[c][i]];
      if (r.shown_again && !r.signature.SameServing(plan.served[c][i])) {
        r.shown_again = false;
      }
    }
  }
}

absl::Status Lifecycle::ReadAndApplyRound(
    const std::vector<ServedCall*>& round, const ServedRound& plan,
    std::vector<ServedRecord>* records) const {
  std::vector<std::string> keys;
  for (size_t k = 0; k < plan.keys.size(); ++k) {
    if (!(*records)[k].shown_again) keys.push_back(plan.keys[k]);
  }
  if (keys.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(auto stored, store_->MultiGet(Family::kSuggestions, keys));
  for (size_t k = 0, j = 0; k < plan.keys.size(); ++k) {
    ServedRecord& r = (*records)[k];
    if (r.shown_again) continue;
    r.stored = stored[j].has_value() && r.s.ParseFromString(*stored[j]);
    r.exists = r.stored;
    ++j;
  }
  for (size_t c = 0; c < round.size(); ++c) {
    for (size_t i = 0; i < plan.slots[c].size(); ++i) {
      ServedRecord& r = (*records)[plan.slots[c][i]];
      if (r.shown_again) continue;
      r.changed |= ApplyServed(*round[c], static_cast<int>(i), r.exists, &r.s);
      r.exists = true;
    }
  }
  for (ServedRecord& r : *records) {
    if (!r.shown_again) r.signature = SignatureOf(r.s);
  }
  return absl::OkStatus();
}

void Lifecycle::RoundWrites(const ServedRound& plan,
                            std::vector<ServedRecord>* records,
                            storage::WriteBatch* batch,
                            std::vector<EventLog::Pending>* events) {
  for (size_t k = 0; k < plan.keys.size(); ++k) {
    ServedRecord& r = (*records)[k];
    const std::string_view workspace = r.last_call->workspace;
    if (r.shown_again) {
      // Shown again as it was: a small operand instead of the record, and
      // watchers are not told.
      batch->Merge(Family::kSuggestions, plan.keys[k],
                   ShownOperand(*r.last_call, r.times));
      continue;
    }
    Restamp(&r.s);
    batch->PutMessage(Family::kSuggestions, plan.keys[k], r.s);
    if (!r.stored) {
      // A stored suggestion's index keys were written with it (its id
      // names the same pair): a dashboard showing the same list again
      // rewrites only the records.
      for (const std::string* actor : {&r.s.actor_id(), &r.s.partner_id()}) {
        batch->Put(
            Family::kSuggestionsByActor,
            InWorkspace(workspace, storage::keys::ByActor(*actor, r.s.id())),
            "");
      }
    }
    // Only its counters or factors changed: watchers are not told.
    if (!r.changed) continue;
    EventLog::Pending event;
    event.workspace = std::string(workspace);
    const std::vector<std::string>& communes = *r.last_call->communes;
    for (const std::string* c : {&communes[0], &communes[r.last_index + 1]}) {
      if (!c->empty()) event.communes.push_back(*c);
    }
    *event.event.mutable_suggestion() = std::move(r.s);  // written above
    events->push_back(std::move(event));
  }
}

void Lifecycle::RememberServed(const ServedRound& plan,
                               const std::vector<ServedRecord>& records) {
  std::lock_guard lock(served_cache_mu_);
  if (served_cache_.size() + plan.keys.size() > kServedCacheEntries) {
    served_cache_.clear();
  }
  for (size_t k = 0; k < plan.keys.size(); ++k) {
    ServedSignature signature = records[k].signature;
    // Operands since the record was last written whole.
    signature.operands = records[k].shown_again ? signature.operands + 1 : 0;
    served_cache_.insert_or_assign(plan.keys[k], signature);
  }
}

void Lifecycle::ForgetServed(std::string_view key) {
  std::lock_guard lock(served_cache_mu_);
  served_cache_.erase(AsAbsl(key));
}

bool Lifecycle::ApplyServed(const ServedCall& call, int index, bool exists,
                            v1::Suggestion* s) {
  const v1::PartnerSuggestion& p = call.response->suggestions(index);
  const bool restart = exists && ProposedAgainWhenServed(s->state());
  if (!exists) {
    s->set_id(p.suggestion_id());
    s->set_actor_id(call.request->actor_id());
    s->set_partner_id(p.partner_id());
    s->set_category(p.category());
    *s->mutable_first_shown() = call.time;
  }
  if (!exists || restart) {
    auto* t = s->add_history();
    t->set_from(s->state());
    t->set_to(v1::SUGGESTION_STATE_PROPOSED);
    *t->mutable_time() = call.time;
    SetPerformer(*call.caller, call.request->requested_by(), t);
    if (restart) t->set_reason(std::string(kProposedAgainReason));
    s->set_state(v1::SUGGESTION_STATE_PROPOSED);
    s->clear_outcome();
    s->clear_dismiss_reason();
  }
  const bool moved = !exists || restart || s->score() != p.score() ||
                     s->modality() != p.modality() ||
                     s->explanation() != p.explanation();
  s->set_modality(p.modality());
  s->set_score(p.score());
  s->set_explanation(p.explanation());
  *s->mutable_factors() = p.factors();
  s->set_requested_by(call.caller->id);
  s->set_requested_by_name(call.caller->display_name);
  s->set_requested_by_note(call.request->requested_by());
  *s->mutable_territory() = call.territory;
  s->set_times_shown(s->times_shown() + 1);
  *s->mutable_last_shown() = call.time;
  return moved;
}

std::string Lifecycle::ShownOperand(const ServedCall& call, int times) {
  storage::SuggestionShown shown;
  shown.set_times(times);
  *shown.mutable_last_shown() = call.time;
  shown.set_requested_by(call.caller->id);
  shown.set_requested_by_name(call.caller->display_name);
  shown.set_requested_by_note(call.request->requested_by());
  *shown.mutable_territory() = call.territory;
  return shown.SerializeAsString();
}

absl::StatusOr<v1::Suggestion> Lifecycle::GetSuggestion(
    const v1::GetSuggestionRequest& request,
    const auth::Principal& caller) const {
  FieldViolations violations;
  ValidateRecordId(request.id(), /*required=*/true, "id", &violations);
  RETURN_IF_ERROR(violations.ToStatus());
  ASSIGN_OR_RETURN(auto s, ReadSuggestion(WorkspaceOf(caller), request.id()));
  // Naming an actor outside the caller's territories is the same as
  // missing: no leak.
  if (!s.has_value() ||
      !actors_->AllInScope(*actors_->ScopeOf(caller),
                           {s->actor_id(), s->partner_id()})) {
    return NotFound(kSuggestion, request.id());
  }
  return std::move(*s);
}

namespace {

// What both lifecycle lists take: a page size, an actor and a territory
// filter.
struct ListBasics {
  int page_size;
  std::optional<matcher::Scope> scope;
};
template <typename Request>
ListBasics ValidateListBasics(const ValidationContext& validation,
                              const Request& request,
                              FieldViolations* violations) {
  ValidateRecordId(request.actor_id(), /*required=*/false, "actor_id",
                   violations);
  return {
      ValidatePageSize(request.page_size(), Limits::kDefaultPageSize,
                       Limits::kPageSizeMax, "page_size", violations),
      ValidateTerritoryFilter(validation, request.has_territory(),
                              request.territory(), "territory", violations)};
}

}  // namespace

absl::StatusOr<v1::ListSuggestionsResponse> Lifecycle::ListSuggestions(
    const v1::ListSuggestionsRequest& request,
    const auth::Principal& caller) const {
  FieldViolations violations;
  // Named copies, not a structured binding: C++17 lambdas (below) cannot
  // capture structured bindings (gcc accepts it, clang does not).
  const ListBasics basics =
      ValidateListBasics(ForCaller(validation_, caller), request, &violations);
  const int page_size = basics.page_size;
  const std::optional<matcher::Scope>& scope = basics.scope;
  ValidateEnum(request.state(), v1::SuggestionState_IsValid, "state",
               &violations);
  RETURN_IF_ERROR(violations.ToStatus());
  const uint64_t filters = FiltersFingerprint(request);
  ASSIGN_OR_RETURN(std::string after,
                   DecodePageToken(request.page_token(), filters));

  // Candidate ids in order: one actor's, or every suggestion.
  std::vector<v1::Suggestion> candidates;
  absl::Status parse_error;
  auto parse = [&](std::string_view value) {
    v1::Suggestion s;
    if (!s.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      parse_error = absl::DataLossError("unparsable suggestion record");
      return false;
    }
    candidates.push_back(std::move(s));
    return true;
  };
  const std::string_view workspace = WorkspaceOf(caller);
  if (!request.actor_id().empty()) {
    std::string prefix = InWorkspace(
        workspace, storage::keys::ByActorPrefix(request.actor_id()));
    std::vector<std::string> keys;
    RETURN_IF_ERROR(store_->Scan(Family::kSuggestionsByActor, prefix + after,
                                 storage::keys::PrefixSuccessor(prefix),
                                 [&](std::string_view key, std::string_view) {
                                   std::string_view id =
                                       key.substr(prefix.size());
                                   if (id > after)
                                     keys.push_back(InWorkspace(workspace, id));
                                   return true;
                                 }));
    ASSIGN_OR_RETURN(auto values, store_->MultiGet(Family::kSuggestions, keys));
    for (auto& v : values) {
      if (v.has_value() && !parse(*v)) break;
    }
  } else {
    std::string prefix = storage::keys::WorkspacePrefix(workspace);
    RETURN_IF_ERROR(store_->Scan(Family::kSuggestions,
                                 after.empty() ? prefix : prefix + after + '\0',
                                 storage::keys::PrefixSuccessor(prefix),
                                 [&](std::string_view, std::string_view value) {
                                   return parse(value);
                                 }));
  }
  RETURN_IF_ERROR(parse_error);

  v1::ListSuggestionsResponse response;
  std::vector<const v1::Suggestion*> kept;
  std::shared_ptr<const AccessScope> access = actors_->ScopeOf(caller);
  auto in_access = [&](const matcher::ActorIndex& index,
                       const std::string& id) {
    auto num = index.Find(id);
    return num.has_value() && access->CoversProfile(index.Get(*num));
  };
  actors_->ReadIndex([&](const matcher::ActorIndex& index) {
    for (const auto& s : candidates) {
      // Only suggestions whose two actors are in the caller's territories.
      if (!access->all() && !(in_access(index, s.actor_id()) &&
                              in_access(index, s.partner_id()))) {
        continue;
      }
      if (request.state() != v1::SUGGESTION_STATE_UNSPECIFIED &&
          s.state() != request.state()) {
        continue;
      }
      if (scope.has_value()) {
        auto num = index.Find(s.actor_id());
        if (!num.has_value() ||
            !matcher::ActorIndex::Inside(index.Get(*num).home, *scope)) {
          continue;
        }
      }
      kept.push_back(&s);
      if (kept.size() > static_cast<size_t>(page_size)) break;
    }
  });
  for (size_t i = 0; i < kept.size() && i < static_cast<size_t>(page_size);
       ++i) {
    *response.add_suggestions() = *kept[i];
  }
  if (kept.size() > static_cast<size_t>(page_size)) {
    response.set_next_page_token(EncodePageToken(
        filters, response.suggestions(response.suggestions_size() - 1).id()));
  }
  return response;
}

namespace {

// The checks of an UpdateSuggestionRequest that need no stored record: a
// state to move to, an outcome exactly with OUTCOME_RECORDED, a reason to
// dismiss, and the sizes of the free texts.
void ValidateSuggestionMove(const v1::UpdateSuggestionRequest& request,
                            FieldViolations* violations) {
  ValidateRecordId(request.id(), /*required=*/true, "id", violations);
  if (!v1::SuggestionState_IsValid(request.state()) ||
      request.state() == v1::SUGGESTION_STATE_UNSPECIFIED ||
      request.state() == v1::SUGGESTION_STATE_PROPOSED) {
    violations->Add("state",
                    "must be the state to move to (KEPT, DISMISSED, "
                    "CONTACTED, NO_ANSWER, MEETING_HELD, "
                    "OUTCOME_RECORDED, PARTNERSHIP_FORMED, NOT_FORMED)");
  }
  if (request.state() == v1::SUGGESTION_STATE_OUTCOME_RECORDED &&
      (!v1::MeetingOutcome_IsValid(request.outcome()) ||
       request.outcome() == v1::MEETING_OUTCOME_UNSPECIFIED)) {
    violations->Add("outcome", "is required to record an outcome");
  }
  if (request.state() != v1::SUGGESTION_STATE_OUTCOME_RECORDED &&
      request.outcome() != v1::MEETING_OUTCOME_UNSPECIFIED) {
    violations->Add("outcome", "only goes with state OUTCOME_RECORDED");
  }
  if (request.state() == v1::SUGGESTION_STATE_DISMISSED &&
      request.reason().empty()) {
    violations->Add("reason", "is required to dismiss a suggestion");
  } else {
    ValidateText(request.reason(), "reason", Limits::kShortTextMax,
                 /*required=*/false, /*multiline=*/true, violations);
  }
  ValidateText(request.performed_by(), "performed_by", Limits::kPersonMax,
               /*required=*/false, /*multiline=*/false, violations);
  ValidateEtag(request.etag(), "etag", violations);
  ValidateRequestId(request.request_id(), "request_id", violations);
}

// Moves `s` to the requested state, with the history entry that says who
// moved it, when and why.
void ApplyMove(const v1::UpdateSuggestionRequest& request,
               const auth::Principal& caller,
               const google::protobuf::Timestamp& now, v1::Suggestion* s) {
  auto* t = s->add_history();
  t->set_from(s->state());
  t->set_to(request.state());
  *t->mutable_time() = now;
  SetPerformer(caller, request.performed_by(), t);
  t->set_reason(request.reason());
  s->set_state(request.state());
  if (request.state() == v1::SUGGESTION_STATE_OUTCOME_RECORDED) {
    s->set_outcome(request.outcome());
  }
  if (request.state() == v1::SUGGESTION_STATE_DISMISSED) {
    s->set_dismiss_reason(request.reason());
  }
}

}  // namespace

absl::StatusOr<v1::Suggestion> Lifecycle::UpdateSuggestion(
    const v1::UpdateSuggestionRequest& request, const auth::Principal& caller) {
  FieldViolations violations;
  ValidateSuggestionMove(request, &violations);
  RETURN_IF_ERROR(violations.ToStatus());

  const std::string_view workspace = WorkspaceOf(caller);
  const std::string key = InWorkspace(workspace, request.id());
  auto held = locks_.Lock({key});
  ForgetServed(key);
  ASSIGN_OR_RETURN(auto stored, ReadSuggestion(workspace, request.id()));
  if (!stored.has_value()) return NotFound(kSuggestion, request.id());
  if (!actors_->AllInScope(*actors_->ScopeOf(caller),
                           {stored->actor_id(), stored->partner_id()})) {
    return OutsideTerritories(absl::StrCat("suggestion ", Quote(request.id())));
  }
  v1::Suggestion s = std::move(*stored);
  if (!request.etag().empty() && request.etag() != s.etag()) {
    return EtagMismatch(kSuggestion, request.id(), request.etag(), s.etag());
  }
  if (!AllowedTransition(s.state(), request.state())) {
    return FailedPrecondition(
        "INVALID_TRANSITION", request.id(),
        absl::StrCat("a suggestion cannot go from ",
                     v1::SuggestionState_Name(s.state()), " to ",
                     v1::SuggestionState_Name(request.state())));
  }
  auto now = Now();
  ApplyMove(request, caller, now, &s);

  storage::WriteBatch batch;
  std::vector<EventLog::Pending> events;
  std::optional<v1::Partnership> formed;
  if (request.state() == v1::SUGGESTION_STATE_PARTNERSHIP_FORMED) {
    v1::Partnership p = request.partnership();
    p.set_id(absl::StrCat("p-", s.id().substr(2), "-", s.history_size()));
    if (p.participants_size() == 0) {
      p.add_participants(s.actor_id());
      p.add_participants(s.partner_id());
    }
    if (p.category() == v1::PARTNERSHIP_CATEGORY_UNSPECIFIED) {
      p.set_category(s.category());
    }
    if (p.modality() == v1::PARTNERSHIP_MODALITY_UNSPECIFIED) {
      p.set_modality(s.modality());
    }
    if (!p.has_start_time()) *p.mutable_start_time() = now;
    if (!p.has_territory() && s.has_territory()) {
      *p.mutable_territory() = s.territory();
    }
    p.set_source(absl::StrCat("suggestion:", s.id()));
    CheckPartnership("partnership", caller, &p, &violations);
    RETURN_IF_ERROR(violations.ToStatus());
    *p.mutable_create_time() = now;
    *p.mutable_update_time() = now;
    p.set_active(IsActive(p, now));
    p.set_etag(MakeEtag(p.SerializeAsString(),
                        TimeUtil::TimestampToMicroseconds(now)));
    PutPartnership(workspace, p, &batch);
    s.set_partnership_id(p.id());
    EventLog::Pending pe;
    *pe.event.mutable_partnership() = p;
    pe.workspace = std::string(workspace);
    pe.communes = HomeCommunes(std::vector<std::string>(
        p.participants().begin(), p.participants().end()));
    events.push_back(std::move(pe));
    formed = std::move(p);
  }
  Restamp(&s);
  batch.PutMessage(Family::kSuggestions, key, s);
  EventLog::Pending se;
  *se.event.mutable_suggestion() = s;
  se.workspace = std::string(workspace);
  se.communes = HomeCommunes({s.actor_id(), s.partner_id()});
  events.insert(events.begin(), std::move(se));
  RETURN_IF_ERROR(events_->Commit(&batch, std::move(events)));
  NoteCooling(workspace, s);
  FeedbackChange change;
  {
    std::lock_guard lock(mu_);
    change = NoteFeedbackLocked(workspace, s);
    if (formed.has_value()) {
      partnerships_[InWorkspace(workspace, formed->id())] = *formed;
    }
  }
  if (formed.has_value()) PushPartnershipsToEngine();
  PushMoveToEngine(workspace, s, change, formed ? &*formed : nullptr);
  return s;
}

void Lifecycle::CheckPartnership(std::string_view path,
                                 const auth::Principal& caller,
                                 v1::Partnership* p,
                                 FieldViolations* out) const {
  auto at = [&](std::string_view field) {
    return path.empty() ? std::string(field)
                        : absl::StrCat(AsAbsl(path), ".", AsAbsl(field));
  };
  if (p->participants_size() < Limits::kParticipantsMin ||
      p->participants_size() > Limits::kParticipantsMax) {
    out->Add(at("participants"), "a partnership has two or three participants");
  } else {
    CheckParticipants(at("participants"), *p, out);
  }
  if (!v1::PartnershipCategory_IsValid(p->category()) ||
      p->category() == v1::PARTNERSHIP_CATEGORY_UNSPECIFIED) {
    out->Add(at("category"), "is required");
  }
  if (!v1::PartnershipModality_IsValid(p->modality())) {
    out->Add(at("modality"), "unknown value");
  }
  if (p->has_start_time()) {
    ValidateTimestamp(p->start_time(), at("start_time"), out);
  }
  if (p->has_end_time()) ValidateTimestamp(p->end_time(), at("end_time"), out);
  if (p->has_end_time() && p->has_start_time() &&
      p->end_time() < p->start_time()) {
    out->Add(at("end_time"), "is before start_time");
  }
  if (p->has_territory()) {
    ResolvedTerritory t;
    size_t before = out->size();
    ValidateTerritoryRef(ForCaller(validation_, caller), p->territory(),
                         at("territory"), out, &t);
    if (out->size() == before) p->mutable_territory()->set_code(t.code);
  }
  ValidateTheme(ForCaller(validation_, caller), p->theme(), true, at("theme"),
                out);
  ValidateText(p->description(), at("description"), Limits::kDescriptionMax,
               /*required=*/false, /*multiline=*/true, out);
  ValidateText(p->source(), at("source"), Limits::kSourceMax,
               /*required=*/false, /*multiline=*/false, out);
}

void Lifecycle::CheckParticipants(const std::string& path,
                                  const v1::Partnership& p,
                                  FieldViolations* out) const {
  std::set<std::string> seen;
  actors_->ReadIndex([&](const matcher::ActorIndex& index) {
    for (int i = 0; i < p.participants_size(); ++i) {
      const std::string& id = p.participants(i);
      std::string field = absl::StrCat(path, "[", i, "]");
      if (!ValidateRecordId(id, /*required=*/true, field, out)) continue;
      if (!seen.insert(id).second) {
        out->Add(field, "is listed twice");
      } else if (!index.Find(id).has_value()) {
        out->Add(field, absl::StrCat("no actor has id ", Quote(id)));
      }
    }
  });
}

void Lifecycle::PutPartnership(std::string_view workspace,
                               const v1::Partnership& p,
                               storage::WriteBatch* batch) const {
  batch->PutMessage(Family::kPartnerships, InWorkspace(workspace, p.id()), p);
  for (const auto& a : p.participants()) {
    batch->Put(Family::kPartnershipsByActor,
               InWorkspace(workspace, storage::keys::ByActor(a, p.id())), "");
  }
}

void Lifecycle::PushPartnershipsToEngine() {
  // Every workspace's partnerships, as links between actors: the engine
  // counts them (capacity used, common partners) and never shows them. The
  // same pair entered by two workspaces is one link, active if either is.
  std::map<std::tuple<std::string, std::string, int>, bool> pairs;
  auto now = Now();
  {
    std::lock_guard lock(mu_);
    for (const auto& [_, p] : partnerships_) {
      bool active = IsActive(p, now);
      for (int i = 0; i < p.participants_size(); ++i) {
        for (int j = i + 1; j < p.participants_size(); ++j) {
          auto [a, b] = std::minmax(p.participants(i), p.participants(j));
          pairs[{a, b, static_cast<int>(p.category())}] |= active;
        }
      }
    }
  }
  std::vector<ActorDirectory::PartnershipLink> links;
  links.reserve(pairs.size());
  for (const auto& [pair, active] : pairs) {
    links.push_back({std::get<0>(pair), std::get<1>(pair),
                     static_cast<matcher::Category>(std::get<2>(pair)),
                     active});
  }
  actors_->SetPartnerships(links);
}

absl::StatusOr<v1::Partnership> Lifecycle::CreatePartnership(
    const v1::CreatePartnershipRequest& request,
    const auth::Principal& caller) {
  {
    FieldViolations violations;
    ValidateRequestId(request.request_id(), "request_id", &violations);
    ValidateRecordId(request.partnership().id(), /*required=*/false,
                     "partnership.id", &violations);
    RETURN_IF_ERROR(violations.ToStatus());
  }
  v1::ImportPartnershipsRequest one;
  *one.add_partnerships() = request.partnership();
  if (one.partnerships(0).id().empty()) {
    static thread_local std::mt19937_64 rng(std::random_device{}());
    one.mutable_partnerships(0)->set_id(
        absl::StrCat("p-", absl::Hex(rng(), absl::kZeroPad16)));
  } else {
    std::lock_guard lock(mu_);
    if (partnerships_.count(
            InWorkspace(WorkspaceOf(caller), one.partnerships(0).id()))) {
      return AlreadyExists(kPartnership, one.partnerships(0).id());
    }
  }
  ASSIGN_OR_RETURN(auto result, ImportPartnerships(one, caller));
  if (!result.errors().empty()) {
    FieldViolations violations;
    for (const auto& e : result.errors()) {
      violations.Add(absl::StrCat("partnership.", e.field()), e.reason());
    }
    return violations.ToStatus();
  }
  std::lock_guard lock(mu_);
  return partnerships_.at(
      InWorkspace(WorkspaceOf(caller), one.partnerships(0).id()));
}

absl::StatusOr<v1::Partnership> Lifecycle::GetPartnership(
    const v1::GetPartnershipRequest& request,
    const auth::Principal& caller) const {
  FieldViolations violations;
  ValidateRecordId(request.id(), /*required=*/true, "id", &violations);
  RETURN_IF_ERROR(violations.ToStatus());
  std::lock_guard lock(mu_);
  auto it = partnerships_.find(InWorkspace(WorkspaceOf(caller), request.id()));
  if (it == partnerships_.end()) return NotFound(kPartnership, request.id());
  v1::Partnership p = it->second;
  p.set_active(IsActive(p, Now()));
  return p;
}

absl::StatusOr<v1::ListPartnershipsResponse> Lifecycle::ListPartnerships(
    const v1::ListPartnershipsRequest& request,
    const auth::Principal& caller) const {
  FieldViolations violations;
  // Named copies, not a structured binding: C++17 lambdas (below) cannot
  // capture structured bindings (gcc accepts it, clang does not).
  const ListBasics basics =
      ValidateListBasics(ForCaller(validation_, caller), request, &violations);
  const int page_size = basics.page_size;
  const std::optional<matcher::Scope>& scope = basics.scope;
  RETURN_IF_ERROR(violations.ToStatus());
  const uint64_t filters = FiltersFingerprint(request);
  ASSIGN_OR_RETURN(std::string after,
                   DecodePageToken(request.page_token(), filters));
  std::vector<v1::Partnership> all;
  {
    const std::string prefix =
        storage::keys::WorkspacePrefix(WorkspaceOf(caller));
    std::lock_guard lock(mu_);
    for (auto it = partnerships_.upper_bound(prefix + after);
         it != partnerships_.end() && it->first.rfind(prefix, 0) == 0; ++it) {
      const v1::Partnership& p = it->second;
      if (!request.actor_id().empty() &&
          std::find(p.participants().begin(), p.participants().end(),
                    request.actor_id()) == p.participants().end()) {
        continue;
      }
      all.push_back(p);
    }
  }
  auto now = Now();
  v1::ListPartnershipsResponse response;
  actors_->ReadIndex([&](const matcher::ActorIndex& index) {
    for (auto& p : all) {
      p.set_active(IsActive(p, now));
      if (request.active_only() && !p.active()) continue;
      if (scope.has_value()) {
        bool inside = false;
        for (const auto& a : p.participants()) {
          auto num = index.Find(a);
          if (num &&
              matcher::ActorIndex::Inside(index.Get(*num).home, *scope)) {
            inside = true;
          }
        }
        if (!inside) continue;
      }
      if (response.partnerships_size() == page_size) {
        response.set_next_page_token(EncodePageToken(
            filters,
            response.partnerships(response.partnerships_size() - 1).id()));
        break;
      }
      *response.add_partnerships() = std::move(p);
    }
  });
  return response;
}

absl::StatusOr<v1::Partnership> Lifecycle::UpdatePartnership(
    const v1::UpdatePartnershipRequest& request,
    const auth::Principal& caller) {
  FieldViolations violations;
  const std::string& id = request.partnership().id();
  ValidateRecordId(id, /*required=*/true, "partnership.id", &violations);
  ValidateEtag(request.partnership().etag(), "partnership.etag", &violations);
  ValidateRequestId(request.request_id(), "request_id", &violations);
  if (ValidateCount(request.update_mask().paths_size(), Limits::kMaskPathsMax,
                    "update_mask.paths", &violations)) {
    for (int i = 0; i < request.update_mask().paths_size(); ++i) {
      const std::string& path = request.update_mask().paths(i);
      google::protobuf::FieldMask one;
      one.add_paths(path);
      if (!FieldMaskUtil::IsValidFieldMask<v1::Partnership>(one) ||
          path == "id" || path == "active" || path == "etag" ||
          path == "create_time" || path == "update_time" || path == "source") {
        violations.Add(absl::StrCat("update_mask.paths[", i, "]"),
                       absl::StrCat(Quote(path), " cannot be updated"));
      }
    }
  }
  RETURN_IF_ERROR(violations.ToStatus());
  v1::Partnership p;
  const std::string key = InWorkspace(WorkspaceOf(caller), id);
  {
    std::lock_guard lock(mu_);
    auto it = partnerships_.find(key);
    if (it == partnerships_.end()) return NotFound(kPartnership, id);
    p = it->second;
  }
  if (!request.partnership().etag().empty() &&
      request.partnership().etag() != p.etag()) {
    return EtagMismatch(kPartnership, id, request.partnership().etag(),
                        p.etag());
  }
  FieldMaskUtil::MergeOptions options;
  options.set_replace_repeated_fields(true);
  options.set_replace_message_fields(true);
  if (request.update_mask().paths_size() == 0) {
    std::string source = p.source();
    auto created = p.create_time();
    p = request.partnership();
    p.set_source(source);
    *p.mutable_create_time() = created;
  } else {
    FieldMaskUtil::MergeMessageTo(request.partnership(), request.update_mask(),
                                  options, &p);
  }
  v1::ImportPartnershipsRequest one;
  *one.add_partnerships() = p;
  ASSIGN_OR_RETURN(auto result, ImportPartnerships(one, caller));
  if (!result.errors().empty()) {
    for (const auto& e : result.errors()) {
      violations.Add(absl::StrCat("partnership.", e.field()), e.reason());
    }
    return violations.ToStatus();
  }
  std::lock_guard lock(mu_);
  return partnerships_.at(key);
}

namespace {

// What an import sets on a partnership, never the importer: cleared.
void ClearServerFields(v1::Partnership* p) {
  p->clear_active();
  p->clear_create_time();
  p->clear_update_time();
  p->clear_etag();
}

// Whether the import's row says nothing new about the stored partnership.
bool SameAsStored(v1::Partnership stored, const v1::Partnership& row) {
  ClearServerFields(&stored);
  return google::protobuf::util::MessageDifferencer::Equals(stored, row);
}

void RejectRow(int64_t row, const FieldViolations& violations,
               v1::ImportPartnershipsResponse* response) {
  for (const auto& [field, reason] : violations.list()) {
    auto* e = response->add_errors();
    e->set_row_number(row);
    e->set_field(field);
    e->set_reason(reason);
  }
  auto* counts = response->mutable_counts();
  counts->set_rejected(counts->rejected() + 1);
}

}  // namespace

absl::StatusOr<v1::ImportPartnershipsResponse> Lifecycle::ImportPartnerships(
    const v1::ImportPartnershipsRequest& request,
    const auth::Principal& caller) {
  {
    FieldViolations violations;
    ValidateCount(request.partnerships_size(), Limits::kImportRowsMax,
                  "partnerships", &violations);
    ValidateRowNumber(request.first_row_number(), "first_row_number",
                      &violations);
    RETURN_IF_ERROR(violations.ToStatus());
  }
  v1::ImportPartnershipsResponse response;
  auto* counts = response.mutable_counts();
  auto now = Now();
  storage::WriteBatch batch;
  std::vector<EventLog::Pending> events;
  std::vector<v1::Partnership> accepted;
  std::set<std::string> seen;
  const std::string_view workspace = WorkspaceOf(caller);
  std::vector<std::string> keys;  // of the records, in the workspace
  for (const auto& p : request.partnerships()) {
    keys.push_back(InWorkspace(workspace, p.id()));
  }
  std::vector<std::string_view> lock_keys(keys.begin(), keys.end());
  auto held = locks_.Lock(lock_keys);
  for (int i = 0; i < request.partnerships_size(); ++i) {
    v1::Partnership p = request.partnerships(i);
    FieldViolations violations;
    if (p.id().empty()) {
      violations.Add("id", "is required: the importer's stable key");
    } else if (ValidateRecordId(p.id(), /*required=*/true, "id", &violations) &&
               !seen.insert(p.id()).second) {
      violations.Add("id", "appears twice in this batch");
    }
    ClearServerFields(&p);
    if (p.source().empty()) p.set_source("import");
    CheckPartnership("", caller, &p, &violations);
    if (!violations.empty()) {
      RejectRow(request.first_row_number() + i, violations, &response);
      continue;
    }
    std::optional<v1::Partnership> previous;
    {
      std::lock_guard lock(mu_);
      auto it = partnerships_.find(keys[i]);
      if (it != partnerships_.end()) previous = it->second;
    }
    if (previous.has_value() && SameAsStored(*previous, p)) {
      counts->set_unchanged(counts->unchanged() + 1);
      continue;
    }
    *p.mutable_create_time() = previous ? previous->create_time() : now;
    *p.mutable_update_time() = now;
    p.set_active(IsActive(p, now));
    p.set_etag(MakeEtag(p.SerializeAsString(),
                        TimeUtil::TimestampToMicroseconds(now)));
    if (previous.has_value()) {
      for (const auto& a : previous->participants()) {
        batch.Delete(Family::kPartnershipsByActor,
                     InWorkspace(workspace, storage::keys::ByActor(a, p.id())));
      }
      counts->set_updated(counts->updated() + 1);
    } else {
      counts->set_created(counts->created() + 1);
    }
    PutPartnership(workspace, p, &batch);
    EventLog::Pending event;
    *event.event.mutable_partnership() = p;
    event.workspace = std::string(workspace);
    event.communes = HomeCommunes(std::vector<std::string>(
        p.participants().begin(), p.participants().end()));
    events.push_back(std::move(event));
    accepted.push_back(std::move(p));
  }
  if (request.dry_run() || accepted.empty()) return response;
  RETURN_IF_ERROR(events_->Commit(&batch, std::move(events)));
  {
    std::lock_guard lock(mu_);
    for (auto& p : accepted) {
      partnerships_[InWorkspace(workspace, p.id())] = std::move(p);
    }
  }
  PushPartnershipsToEngine();
  PushCooperationsToEngine(workspace);
  return response;
}

absl::StatusOr<std::vector<v1::Suggestion>> Lifecycle::SuggestionsUnder(
    const std::string& prefix) const {
  std::vector<v1::Suggestion> suggestions;
  absl::Status parse_error;
  RETURN_IF_ERROR(store_->Scan(
      Family::kSuggestions, prefix, storage::keys::PrefixSuccessor(prefix),
      [&](std::string_view, std::string_view value) {
        v1::Suggestion s;
        if (!s.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          parse_error = absl::DataLossError("unparsable suggestion record");
          return false;
        }
        suggestions.push_back(std::move(s));
        return true;
      }));
  RETURN_IF_ERROR(parse_error);
  return suggestions;
}

uint64_t Lifecycle::PopulationOf(const ResolvedTerritory& t) const {
  if (t.level != territory::Level::kCustom) {
    return registry_->geography().Population(t.level, t.id);
  }
  uint64_t population = 0;
  for (uint32_t c : t.scope.custom_communes) {
    population +=
        registry_->geography().Population(territory::Level::kCommune, c);
  }
  return population;
}

absl::StatusOr<v1::TerritoryMetrics> Lifecycle::Metrics(
    const v1::GetTerritoryMetricsRequest& request,
    const auth::Principal& caller) const {
  FieldViolations violations;
  ResolvedTerritory t;
  ValidateTerritoryRef(ForCaller(validation_, caller), request.territory(),
                       "territory", &violations, &t);
  if (request.has_start_time()) {
    ValidateTimestamp(request.start_time(), "start_time", &violations);
  }
  if (request.has_end_time()) {
    ValidateTimestamp(request.end_time(), "end_time", &violations);
  }
  RETURN_IF_ERROR(violations.ToStatus());
  auto start =
      request.has_start_time() ? request.start_time() : TimeUtil::GetEpoch();
  auto end = request.has_end_time() ? request.end_time() : Now();
  if (end < start) return InvalidField("end_time", "is before start_time");
  std::shared_ptr<const AccessScope> access = actors_->ScopeOf(caller);
  RETURN_IF_ERROR(CheckTerritoryRead(*access, t));
  auto in_period = [&](const google::protobuf::Timestamp& time) {
    return start <= time && time <= end;
  };

  const std::string prefix =
      storage::keys::WorkspacePrefix(WorkspaceOf(caller));
  ASSIGN_OR_RETURN(std::vector<v1::Suggestion> suggestions,
                   SuggestionsUnder(prefix));

  std::map<int, v1::CategoryMetrics> by_category;
  for (int c = 0; c <= 4; ++c) {
    by_category[c].set_category(static_cast<v1::PartnershipCategory>(c));
  }
  int64_t active = 0;
  auto inside = [&](const matcher::ActorIndex& index, const std::string& id) {
    auto num = index.Find(id);
    return num.has_value() &&
           matcher::ActorIndex::Inside(index.Get(*num).home, t.scope) &&
           access->CoversProfile(index.Get(*num));
  };
  std::vector<v1::Partnership> partnerships;
  {
    std::lock_guard lock(mu_);
    for (auto it = partnerships_.lower_bound(prefix);
         it != partnerships_.end() && it->first.rfind(prefix, 0) == 0; ++it) {
      partnerships.push_back(it->second);
    }
  }
  actors_->ReadIndex([&](const matcher::ActorIndex& index) {
    for (const auto& s : suggestions) {
      if (!inside(index, s.actor_id())) continue;
      for (int c : {static_cast<int>(s.category()), 0}) {
        v1::CategoryMetrics& m = by_category[c];
        if (in_period(s.first_shown())) m.set_suggestions(m.suggestions() + 1);
        for (const auto& h : s.history()) {
          if (!in_period(h.time())) continue;
          CountTransition(h.to(), s.outcome(), &m);
        }
      }
    }
    for (const auto& p : partnerships) {
      if (!IsActive(p, end)) continue;
      bool touches = false;
      for (const auto& a : p.participants()) touches |= inside(index, a);
      if (touches) ++active;
    }
  });
  v1::TerritoryMetrics metrics;
  *metrics.mutable_territory() = request.territory();
  for (int c = 1; c <= 4; ++c) *metrics.add_categories() = by_category[c];
  *metrics.add_categories() = by_category[0];
  metrics.set_active_partnerships(active);
  const uint64_t population = PopulationOf(t);
  if (population > 0) {
    metrics.set_partnership_density(10000.0 * static_cast<double>(active) /
                                    static_cast<double>(population));
  }
  return metrics;
}

absl::StatusOr<Lifecycle::EditCounts> Lifecycle::EditPersonalData(
    const PersonalDataEdits& edits) {
  EditCounts counts;
  // The keys first (a scan must not write), then each record under its lock,
  // read again: a concurrent change is never overwritten with stale data.
  std::vector<std::string> keys;
  RETURN_IF_ERROR(
      store_->Scan(Family::kSuggestions, "", "",
                   [&](std::string_view key, std::string_view value) {
                     if (edits.may_concern(value)) keys.emplace_back(key);
                     return true;
                   }));
  for (const std::string& key : keys) {
    auto held = locks_.Lock({key});
    ForgetServed(key);
    v1::Suggestion s;
    ASSIGN_OR_RETURN(bool found,
                     store_->GetMessage(Family::kSuggestions, key, &s));
    auto owner = storage::keys::SplitWorkspace(key);
    if (!found || !owner.has_value() ||
        !edits.suggestion(owner->workspace, &s)) {
      continue;
    }
    Restamp(&s);
    storage::WriteBatch batch;
    batch.PutMessage(Family::kSuggestions, key, s);
    RETURN_IF_ERROR(store_->Write(batch));
    ++counts.suggestions;
  }
  keys.clear();
  {
    std::lock_guard lock(mu_);
    for (const auto& [key, p] : partnerships_) {
      if (edits.may_concern(p.SerializeAsString())) keys.push_back(key);
    }
  }
  for (const std::string& key : keys) {
    auto held = locks_.Lock({key});
    v1::Partnership p;
    {
      std::lock_guard lock(mu_);
      auto it = partnerships_.find(key);
      if (it == partnerships_.end()) continue;
      p = it->second;
    }
    auto owner = storage::keys::SplitWorkspace(key);
    if (!owner.has_value() || !edits.partnership(owner->workspace, &p)) {
      continue;
    }
    auto now = Now();
    *p.mutable_update_time() = now;
    p.clear_etag();
    p.set_etag(MakeEtag(p.SerializeAsString(),
                        TimeUtil::TimestampToMicroseconds(now)));
    storage::WriteBatch batch;
    batch.PutMessage(Family::kPartnerships, key, p);
    RETURN_IF_ERROR(store_->Write(batch));
    {
      std::lock_guard lock(mu_);
      partnerships_[key] = std::move(p);
    }
    ++counts.partnerships;
  }
  return counts;
}

}  // namespace maillage::core

#include "tools/loadgen/verifier.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "grpcpp/grpcpp.h"
#include "maillage/v1/actor.grpc.pb.h"
#include "maillage/v1/lifecycle.grpc.pb.h"
#include "tools/loadgen/actor_state.h"
#include "tools/loadgen/channel.h"
#include "tools/loadgen/crash_worker.h"
#include "tools/loadgen/directory_filters.h"
#include "tools/loadgen/event_check.h"
#include "tools/loadgen/journal.h"
#include "tools/loadgen/records.h"
#include "tools/loadgen/suggestion_moves.h"
#include "tools/loadgen/synthetic_actors.h"

namespace maillage::loadgen {
namespace {

constexpr auto kDeadline = std::chrono::seconds(60);
constexpr size_t kPrintedFindings = 50;
// How long the watch may take to tell every record's last change: the
// events are all written before the verifier starts, so a reader that has
// not caught up by then never will.
constexpr auto kEventsDeadline = std::chrono::seconds(30);

std::unique_ptr<grpc::ClientContext> NewContext() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + kDeadline);
  return context;
}

// Up to three elements of `ids`, for messages.
std::string Sample(const std::vector<std::string>& ids) {
  std::vector<std::string> some(ids.begin(),
                                ids.begin() + std::min<size_t>(3, ids.size()));
  return absl::StrJoin(some, ", ");
}

class Verifier {
 public:
  Verifier(const VerifyOptions& options, Ledger ledger,
           const territory::Geography* geography)
      : options_(options),
        ledger_(std::move(ledger)),
        geography_(geography),
        places_(WorkloadPlaces::From(*geography)) {
    auto channel = Connect(options.target);
    actors_ = v1::ActorService::NewStub(channel);
    lifecycle_ = v1::LifecycleService::NewStub(channel);
  }

  // Reads the server; fails only when it cannot be read.
  absl::Status Read() {
    ASSIGN_OR_RETURN(records_, ScanActorRecords(*actors_));
    for (const std::string& asker : Askers()) {
      RETURN_IF_ERROR(ReadSuggestions(asker));
      RETURN_IF_ERROR(ReadPartnerships(asker));
    }
    return absl::OkStatus();
  }

  // Every check; findings_ holds the violations.
  absl::Status Check() {
    RETURN_IF_ERROR(AllowReproposals());
    findings_ =
        ledger_.Check([this](const std::string& key) { return Observed(key); });
    CheckNothingUnexplained();
    RETURN_IF_ERROR(CheckPointReads());
    RETURN_IF_ERROR(CheckIndex());
    CheckSuggestionHistories();
    RETURN_IF_ERROR(CheckFormedPartnerships());
    CheckPartnershipSources();
    return CheckEventLog();
  }

  // The 'X' entry settling every unanswered write (and the suggestions an
  // unanswered SuggestPartners recorded).
  JournalEntry Settlement() const {
    JournalEntry entry = ledger_.Settle(
        [this](const std::string& key) { return Observed(key); });
    for (JournalChange& c : entry.changes) {
      if (c.key.rfind("serve/", 0) == 0) c.after = std::string(kAbsent);
    }
    for (const std::string& key : unjournaled_suggestions_) {
      entry.changes.push_back({key, "", suggestion_states_.at(key)});
    }
    return entry;
  }

  void Report() const {
    for (size_t i = 0; i < findings_.size() && i < kPrintedFindings; ++i) {
      std::printf("VIOLATION %s: %s\n", findings_[i].key.c_str(),
                  findings_[i].message.c_str());
    }
    int applied = 0, not_applied = 0, either = 0, doubts = 0, reproposed = 0;
    for (const auto& [key, state] : ledger_.keys()) {
      // A SuggestPartners in doubt is counted by the suggestions it left.
      if (!state.doubt.has_value() || key.rfind("serve/", 0) == 0) continue;
      if (reproposable_.count(key) > 0) {
        reproposed +=
            ledger_.OutcomeOf(key, Observed(key)) == Outcome::kApplied;
        continue;
      }
      ++doubts;
      switch (ledger_.OutcomeOf(key, Observed(key))) {
        case Outcome::kApplied:
          ++applied;
          break;
        case Outcome::kNotApplied:
          ++not_applied;
          break;
        case Outcome::kUndecidable:
          ++either;
          break;
        case Outcome::kNeither:
          break;
      }
    }
    std::printf(
        "verify: %zu keys (%zu actors, %zu suggestions), %zu actor records, "
        "%d in doubt (%d applied, %d not applied, %d either), %zu "
        "unjournaled suggestions from unanswered calls, %d of %zu final "
        "suggestions re-proposed by them, %zu index filters compared, %zu "
        "suggestions, %zu partnerships, %lld watch events, %zu violations\n",
        ledger_.keys().size(), ledger_.KeysWithPrefix("actor/").size(),
        ledger_.KeysWithPrefix("sugg/").size(), records_.size(), doubts,
        applied, not_applied, either, unjournaled_suggestions_.size(),
        reproposed, reproposable_.size(), filters_compared_,
        suggestions_.size(), partnerships_.size(),
        static_cast<long long>(events_read_), findings_.size());
  }

  const std::vector<Finding>& findings() const { return findings_; }

 private:
  std::set<std::string> Askers() const {
    std::set<std::string> askers;
    for (int i = 0; i < options_.lifecycle_pairs; ++i) {
      askers.insert(ActorFactory::LifecycleAssociationId(i));
    }
    for (const std::string& key : ledger_.KeysWithPrefix("sugg/")) {
      askers.insert(key.substr(5, key.rfind('/') - 5));
    }
    return askers;
  }

  absl::Status ReadSuggestions(const std::string& asker) {
    v1::ListSuggestionsRequest request;
    request.set_actor_id(asker);
    request.set_page_size(1000);
    for (;;) {
      v1::ListSuggestionsResponse page;
      auto context = NewContext();
      grpc::Status status =
          lifecycle_->ListSuggestions(context.get(), request, &page);
      if (!status.ok()) return Failed("ListSuggestions", status);
      for (v1::Suggestion& s : *page.mutable_suggestions()) {
        if (s.actor_id() != asker) continue;  // listed as a partner
        std::string key = SuggestionKey(asker, s.id());
        suggestion_states_[key] = StateWord(s.state());
        suggestions_[s.id()] = std::move(s);
      }
      if (page.next_page_token().empty()) return absl::OkStatus();
      request.set_page_token(page.next_page_token());
    }
  }

  absl::Status ReadPartnerships(const std::string& asker) {
    v1::ListPartnershipsRequest request;
    request.set_actor_id(asker);
    request.set_page_size(1000);
    for (;;) {
      v1::ListPartnershipsResponse page;
      auto context = NewContext();
      grpc::Status status =
          lifecycle_->ListPartnerships(context.get(), request, &page);
      if (!status.ok()) return Failed("ListPartnerships", status);
      for (v1::Partnership& p : *page.mutable_partnerships()) {
        std::string id = p.id();
        partnerships_[id] = std::move(p);
      }
      if (page.next_page_token().empty()) return absl::OkStatus();
      request.set_page_token(page.next_page_token());
    }
  }

  // The state of a journal key on the server.
  std::string Observed(const std::string& key) const {
    if (key.rfind("actor/", 0) == 0) {
      auto it = records_.find(key.substr(6));
      return it == records_.end() ? std::string(kAbsent)
                                  : ActorState(it->second);
    }
    if (key.rfind("sugg/", 0) == 0) {
      auto it = suggestion_states_.find(key);
      return it == suggestion_states_.end() ? std::string(kAbsent) : it->second;
    }
    if (key.rfind("serve/", 0) == 0) {
      // Pending while the call is in doubt: both states are allowed, and
      // what it recorded is checked in CheckNothingUnexplained.
      const auto& k = ledger_.keys().at(key);
      return k.doubt.has_value() ? *k.doubt : k.settled;
    }
    return "unknown key";
  }

  // Actors and suggestions on the server that no journal line explains:
  // suggestions are allowed only as PROPOSED, recorded by an unanswered
  // SuggestPartners of their asker.
  void CheckNothingUnexplained() {
    for (const auto& [id, actor] : records_) {
      if (ledger_.keys().count(ActorKey(id)) == 0) {
        findings_.push_back({ActorKey(id), "on the server, never written"});
      }
    }
    for (const auto& [key, state] : suggestion_states_) {
      if (ledger_.keys().count(key) > 0) continue;
      std::string asker = key.substr(5, key.rfind('/') - 5);
      auto serve = ledger_.keys().find(ServeKey(asker));
      bool serving =
          serve != ledger_.keys().end() && serve->second.doubt.has_value();
      if (serving && state == "PROPOSED") {
        unjournaled_suggestions_.push_back(key);
      } else {
        findings_.push_back(
            {key, absl::StrCat("on the server in ", state,
                               ", never served by an acknowledged or "
                               "unanswered SuggestPartners")});
      }
    }
  }

  // Point reads (BatchGetActors) agree with the record scan.
  absl::Status CheckPointReads() {
    std::vector<std::string> ids;
    for (const auto& [id, _] : records_) ids.push_back(id);
    for (size_t i = 0; i < ids.size(); i += 1000) {
      v1::BatchGetActorsRequest request;
      request.set_view(v1::ACTOR_VIEW_FULL);
      for (size_t j = i; j < std::min(ids.size(), i + 1000); ++j) {
        request.add_ids(ids[j]);
      }
      v1::BatchGetActorsResponse response;
      auto context = NewContext();
      grpc::Status status =
          actors_->BatchGetActors(context.get(), request, &response);
      if (!status.ok()) return Failed("BatchGetActors", status);
      for (const v1::Actor& a : response.actors()) {
        if (ActorState(a) != ActorState(records_.at(a.id()))) {
          findings_.push_back(
              {ActorKey(a.id()), "BatchGetActors differs from ExportActors"});
        }
      }
    }
    return absl::OkStatus();
  }

  // ListActors (index) against the scanned records filtered here.
  absl::Status CheckIndex() {
    FilterEvaluator evaluator(geography_);
    for (const DirectoryFilter& filter : StandardFilters(places_)) {
      ASSIGN_OR_RETURN(std::vector<std::string> listed,
                       ListActorIds(*actors_, filter.request));
      std::vector<std::string> expected;
      for (const auto& [id, actor] : records_) {
        if (evaluator.Matches(filter.request, actor)) expected.push_back(id);
      }
      ++filters_compared_;
      if (listed == expected) continue;
      std::vector<std::string> missing, extra;
      std::vector<std::string> sorted = listed;
      std::sort(sorted.begin(), sorted.end());
      std::set_difference(expected.begin(), expected.end(), sorted.begin(),
                          sorted.end(), std::back_inserter(missing));
      std::set_difference(sorted.begin(), sorted.end(), expected.begin(),
                          expected.end(), std::back_inserter(extra));
      findings_.push_back(
          {"index " + filter.name,
           absl::StrCat(
               "ListActors gave ", listed.size(), " ids, the records ",
               expected.size(), "; missing from the index ", missing.size(),
               " (", Sample(missing), "), extra ", extra.size(), " (",
               Sample(extra), ")",
               missing.empty() && extra.empty() ? ", order differs" : "")});
    }
    return absl::OkStatus();
  }

  // A suggestion's history is one chain of moves ending in its state.
  void CheckSuggestionHistories() {
    for (const auto& [id, s] : suggestions_) {
      v1::SuggestionState at = v1::SUGGESTION_STATE_UNSPECIFIED;
      bool chained = true;
      for (const auto& t : s.history()) {
        chained = chained && t.from() == at;
        at = t.to();
      }
      if (!chained || at != s.state()) {
        findings_.push_back(
            {SuggestionKey(s.actor_id(), id),
             "history does not lead to the state " + StateWord(s.state())});
      }
    }
  }

  // A formed suggestion names a partnership that exists and names it back.
  absl::Status CheckFormedPartnerships() {
    for (const auto& [id, s] : suggestions_) {
      if (s.state() != v1::SUGGESTION_STATE_PARTNERSHIP_FORMED) continue;
      v1::GetPartnershipRequest request;
      request.set_id(s.partnership_id());
      v1::Partnership p;
      auto context = NewContext();
      grpc::Status status =
          lifecycle_->GetPartnership(context.get(), request, &p);
      if (status.error_code() == grpc::StatusCode::NOT_FOUND ||
          s.partnership_id().empty()) {
        findings_.push_back({SuggestionKey(s.actor_id(), id),
                             "PARTNERSHIP_FORMED without its partnership"});
        continue;
      }
      if (!status.ok()) return Failed("GetPartnership", status);
      if (p.source() != "suggestion:" + id) {
        findings_.push_back({SuggestionKey(s.actor_id(), id),
                             "its partnership names another source"});
      }
    }
    return absl::OkStatus();
  }

  // A partnership formed from a suggestion exists only with the
  // suggestion's move to PARTNERSHIP_FORMED, which names it (one batch).
  // The suggestion may have moved on since (proposed again).
  void CheckPartnershipSources() {
    for (const auto& [id, p] : partnerships_) {
      if (p.source().rfind("suggestion:", 0) != 0) continue;
      std::string sid = p.source().substr(11);
      auto s = suggestions_.find(sid);
      bool formed = false;
      if (s != suggestions_.end()) {
        for (const auto& t : s->second.history()) {
          formed = formed || t.to() == v1::SUGGESTION_STATE_PARTNERSHIP_FORMED;
        }
      }
      if (!formed || s->second.partnership_id() != id) {
        findings_.push_back(
            {"partnership/" + id,
             "formed from suggestion " + sid +
                 " which never moved to PARTNERSHIP_FORMED with it (half "
                 "applied)"});
      }
    }
  }

  // The watch event log against the records (see EventLogCheck): read
  // with WatchSuggestions from the oldest event, on the département where
  // every lifecycle actor lives (so every suggestion and partnership of
  // the workload touches it), until each record's last change has been
  // told.
  absl::Status CheckEventLog() {
    EventLogCheck check(suggestions_, partnerships_);
    v1::WatchSuggestionsRequest request;
    request.mutable_territory()->set_level(v1::TERRITORY_LEVEL_DEPARTEMENT);
    request.mutable_territory()->set_code(places_.lifecycle_departement);
    request.set_resume_token("0");
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kEventsDeadline);
    auto stream = lifecycle_->WatchSuggestions(&context, request);
    v1::WatchEvent event;
    bool caught_up = check.CaughtUp();
    while (!caught_up && stream->Read(&event)) {
      check.Add(event);
      caught_up = check.CaughtUp();
    }
    if (caught_up) context.TryCancel();
    const grpc::Status status = stream->Finish();
    events_read_ = check.events();
    // Cancelled by us once caught up; past the deadline, Finish names what
    // was never told.
    if (!status.ok() && status.error_code() != grpc::StatusCode::CANCELLED &&
        status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
      return Failed("WatchSuggestions", status);
    }
    for (Finding& f : check.Finish()) findings_.push_back(std::move(f));
    return absl::OkStatus();
  }

  // An unanswered SuggestPartners may have proposed again (back to
  // PROPOSED) any of its asker's suggestions in a final state: the ledger
  // gets that doubt too.
  absl::Status AllowReproposals() {
    std::vector<JournalChange> doubts;
    for (const std::string& key : ledger_.KeysWithPrefix("sugg/")) {
      const Ledger::Key& k = ledger_.keys().at(key);
      std::string asker = key.substr(5, key.rfind('/') - 5);
      auto serve = ledger_.keys().find(ServeKey(asker));
      if (!k.doubt.has_value() && IsFinalState(k.settled) &&
          serve != ledger_.keys().end() && serve->second.doubt.has_value()) {
        doubts.push_back({key, k.settled, "PROPOSED"});
        reproposable_.insert(key);
      }
    }
    return ledger_.Apply({'D', "-", std::move(doubts)});
  }

  const VerifyOptions& options_;
  Ledger ledger_;
  const territory::Geography* geography_;
  WorkloadPlaces places_;
  std::unique_ptr<v1::ActorService::Stub> actors_;
  std::unique_ptr<v1::LifecycleService::Stub> lifecycle_;

  std::map<std::string, v1::Actor> records_;
  std::map<std::string, std::string> suggestion_states_;  // by journal key
  std::map<std::string, v1::Suggestion> suggestions_;     // by id
  std::map<std::string, v1::Partnership> partnerships_;   // by id
  std::vector<std::string> unjournaled_suggestions_;
  // Final suggestions an unanswered SuggestPartners may have re-proposed.
  std::set<std::string> reproposable_;
  size_t filters_compared_ = 0;
  int64_t events_read_ = 0;
  std::vector<Finding> findings_;
};

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "loadgen verify: %s\n", status.ToString().c_str());
  return kVerifyNotRun;
}

}  // namespace

int RunVerify(const VerifyOptions& options) {
  auto geography = territory::Geography::Load(options.reference_dir + "/geo");
  if (!geography.ok()) return Fail(geography.status());
  auto ledger = Ledger::Replay(options.journal);
  if (!ledger.ok()) return Fail(ledger.status());
  Verifier verifier(options, *std::move(ledger), geography->get());
  if (absl::Status s = verifier.Read(); !s.ok()) return Fail(s);
  if (absl::Status s = verifier.Check(); !s.ok()) return Fail(s);
  verifier.Report();
  if (options.settle && verifier.findings().empty()) {
    JournalEntry settlement = verifier.Settlement();
    if (!settlement.changes.empty()) {
      auto journal = JournalWriter::Open(options.journal);
      if (!journal.ok()) return Fail(journal.status());
      if (absl::Status s = (*journal)->Append(settlement, true); !s.ok()) {
        return Fail(s);
      }
    }
  }
  return verifier.findings().empty() ? kVerifyClean : kVerifyViolations;
}

}  // namespace maillage::loadgen

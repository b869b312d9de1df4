#include "tools/loadgen/crash_worker.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/field_mask_util.h"
#include "tools/loadgen/actor_state.h"
#include "tools/loadgen/suggestion_moves.h"

namespace maillage::loadgen {
namespace {

using google::protobuf::util::FieldMaskUtil;

constexpr auto kCallDeadline = std::chrono::seconds(10);
constexpr std::string_view kPending = "pending";
// Row numbers of batch b start at b * kRowsPerBatchNumbering.
constexpr int64_t kRowsPerBatchNumbering = 1000;

// Whether the write may have been applied although no answer came: the
// server went away or did not answer in time. Any other error is the
// server's refusal, after which nothing was written.
bool Unanswered(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::INTERNAL:
      return true;
    default:
      return false;
  }
}

// The field masks of the updates: pairs that touch the record and the
// contacts together, record-only ones, and the empty mask (everything).
const std::vector<std::vector<std::string>>& UpdateMasks() {
  static const auto* masks = new std::vector<std::vector<std::string>>{
      {"description", "contacts"},
      {"name", "themes"},
      {"needs", "offers", "description"},
      {"home_commune", "action_territories"},
      {"kind"},
      {"capacity", "contacts"},
      {}};
  return *masks;
}

}  // namespace

std::string ActorKey(const std::string& id) { return "actor/" + id; }

std::string SuggestionKey(const std::string& asker, const std::string& id) {
  return absl::StrCat("sugg/", asker, "/", id);
}

std::string ServeKey(const std::string& asker) { return "serve/" + asker; }

CrashWorker::CrashWorker(int index, CrashShared* shared,
                         WorkerBaseline baseline, uint64_t seed)
    : index_(index),
      shared_(shared),
      model_(std::move(baseline)),
      factory_(shared->places, seed) {}

void CrashWorker::Run() {
  if (!SetUpLifecycleActors()) return;
  while (!shared_->stop.load() && Step()) {
  }
}

bool CrashWorker::Step() {
  // Weights: writes first, then lifecycle moves, then reads.
  static constexpr int kWeights[] = {14, 12, 22, 7, 8, 17, 10, 10};
  int total = 0;
  for (int w : kWeights) total += w;
  int pick = static_cast<int>(factory_.Below(static_cast<size_t>(total)));
  int op = 0;
  while (pick >= kWeights[op]) pick -= kWeights[op++];
  switch (op) {
    case 0:
      return ImportActors();
    case 1:
      return CreateActor();
    case 2:
      return UpdateActor();
    case 3:
      return DeleteActor();
    case 4:
      return lifecycle_ready_ ? ServeSuggestions() : true;
    case 5:
      return lifecycle_ready_ ? MoveSuggestion() : true;
    case 6:
      return ReadBack();
    default:
      return Query();
  }
}

std::unique_ptr<grpc::ClientContext> CrashWorker::NewContext() const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + kCallDeadline);
  return context;
}

std::string CrashWorker::NextToken() {
  return absl::StrCat(shared_->run, "-", index_, "-", ++sequence_);
}

void CrashWorker::Unexpected(const std::string& message) {
  if (shared_->tally.unexpected.fetch_add(1) < 20) {
    std::fprintf(stderr, "loadgen: worker %d: unexpected: %s\n", index_,
                 message.c_str());
  }
}

bool CrashWorker::Journal(const JournalEntry& entry) {
  absl::Status s = shared_->journal->Append(entry, entry.verb != 'D');
  if (s.ok()) return true;
  std::fprintf(stderr, "loadgen: %s\n", s.ToString().c_str());
  shared_->journal_failed = true;
  shared_->stop = true;
  return false;
}

bool CrashWorker::Answered(const grpc::Status& status, JournalEntry entry,
                           const std::string& what) {
  if (status.ok()) {
    ++shared_->tally.acknowledged;
    return Journal(entry);
  }
  if (Unanswered(status.error_code())) {
    ++shared_->tally.unanswered;
    return false;  // the 'D' line stands: in doubt
  }
  ++shared_->tally.refused;
  Unexpected(absl::StrCat(what, " refused: ", status.error_code(), " ",
                          status.error_message()));
  // Refused: nothing changed. The caller passed the states it keeps.
  return Journal(entry);
}

std::optional<std::string> CrashWorker::PickActor(bool present) {
  if (model_.actors.empty()) return std::nullopt;
  for (int attempt = 0; attempt < 16; ++attempt) {
    auto it = model_.actors.begin();
    std::advance(it, static_cast<long>(factory_.Below(model_.actors.size())));
    if (it->second.has_value() == present) return it->first;
  }
  return std::nullopt;
}

bool CrashWorker::CreateActor() {
  auto id = PickActor(/*present=*/false);
  if (!id.has_value()) return UpdateActor();
  v1::CreateActorRequest request;
  *request.mutable_actor() = factory_.Churned(*id, NextToken());
  if (factory_.Chance(0.5)) request.set_request_id("rq-" + NextToken());
  const std::string key = ActorKey(*id);
  const std::string after = ActorState(request.actor());
  if (!Journal({'D', "-", {{key, std::string(kAbsent), after}}})) return false;
  ++shared_->tally.sent;
  v1::Actor created;
  auto context = NewContext();
  grpc::Status status =
      shared_->actors->CreateActor(context.get(), request, &created);
  if (!status.ok()) {
    return Answered(status, {'A', "-", {{key, "", std::string(kAbsent)}}},
                    "CreateActor " + *id);
  }
  const std::string stored = ActorState(created);
  if (stored != after) Unexpected("CreateActor answered other content");
  model_.actors[*id] = WithoutBookkeeping(created);
  model_.etags[*id] = created.etag();
  return Answered(status, {'A', "-", {{key, "", stored}}}, "CreateActor");
}

bool CrashWorker::UpdateActor() {
  auto id = PickActor(/*present=*/true);
  if (!id.has_value()) return CreateActor();
  const v1::Actor& current = *model_.actors[*id];
  v1::UpdateActorRequest request;
  *request.mutable_actor() = factory_.Churned(*id, NextToken());
  const auto& paths = UpdateMasks()[factory_.Below(UpdateMasks().size())];
  for (const std::string& p : paths)
    request.mutable_update_mask()->add_paths(p);
  v1::Actor expected = request.actor();
  if (!paths.empty()) {
    expected = current;
    FieldMaskUtil::MergeOptions options;
    options.set_replace_message_fields(true);
    options.set_replace_repeated_fields(true);
    FieldMaskUtil::MergeMessageTo(request.actor(), request.update_mask(),
                                  options, &expected);
  }
  auto etag = model_.etags.find(*id);
  if (etag != model_.etags.end() && factory_.Chance(0.7)) {
    request.mutable_actor()->set_etag(etag->second);
  }
  if (factory_.Chance(0.5)) request.set_request_id("rq-" + NextToken());
  const std::string key = ActorKey(*id), before = ActorState(current);
  if (!Journal({'D', "-", {{key, before, ActorState(expected)}}})) return false;
  ++shared_->tally.sent;
  v1::Actor updated;
  auto context = NewContext();
  grpc::Status status =
      shared_->actors->UpdateActor(context.get(), request, &updated);
  if (!status.ok()) {
    return Answered(status, {'A', "-", {{key, "", before}}},
                    "UpdateActor " + *id);
  }
  const std::string stored = ActorState(updated);
  if (stored != ActorState(expected)) {
    Unexpected("UpdateActor answered other content than the mask gives");
  }
  model_.actors[*id] = WithoutBookkeeping(updated);
  model_.etags[*id] = updated.etag();
  return Answered(status, {'A', "-", {{key, "", stored}}}, "UpdateActor");
}

bool CrashWorker::DeleteActor() {
  auto id = PickActor(/*present=*/true);
  if (!id.has_value()) return CreateActor();
  v1::DeleteActorRequest request;
  request.set_id(*id);
  auto etag = model_.etags.find(*id);
  if (etag != model_.etags.end() && factory_.Chance(0.5)) {
    request.set_etag(etag->second);
  }
  const std::string key = ActorKey(*id);
  const std::string before = ActorState(model_.actors[*id]);
  if (!Journal({'D', "-", {{key, before, std::string(kAbsent)}}})) {
    return false;
  }
  ++shared_->tally.sent;
  google::protobuf::Empty empty;
  auto context = NewContext();
  grpc::Status status =
      shared_->actors->DeleteActor(context.get(), request, &empty);
  if (!status.ok()) {
    return Answered(status, {'A', "-", {{key, "", before}}},
                    "DeleteActor " + *id);
  }
  model_.actors[*id].reset();
  model_.etags.erase(*id);
  return Answered(status, {'A', "-", {{key, "", std::string(kAbsent)}}},
                  "DeleteActor");
}

bool CrashWorker::ImportActors() {
  // Distinct ids across the stream: a batch's before states do not depend
  // on whether an earlier batch of the stream landed.
  std::set<std::string> used;
  std::vector<PlannedBatch> batches(1 + factory_.Below(3));
  for (PlannedBatch& batch : batches) {
    const size_t rows = 2 + factory_.Below(7);
    const bool with_invalid = factory_.Chance(0.1);
    for (size_t r = 0; r < rows + (with_invalid ? 1 : 0); ++r) {
      auto id = PickActor(factory_.Chance(0.5));
      if (!id.has_value() || !used.insert(*id).second) continue;
      PlannedRow planned;
      planned.row = factory_.Churned(*id, NextToken());
      planned.before = ActorState(model_.actors[*id]);
      if (r == rows) {
        planned.valid = false;
        planned.row.set_home_commune("00000");  // no such commune
      }
      batch.push_back(std::move(planned));
    }
  }
  batches.erase(std::remove_if(batches.begin(), batches.end(),
                               [](const PlannedBatch& b) { return b.empty(); }),
                batches.end());
  if (batches.empty()) return true;
  bool answered = false;
  v1::ImportMode mode =
      factory_.Chance(0.5) ? v1::IMPORT_MODE_REPLACE : v1::IMPORT_MODE_MERGE;
  return SendImport(batches, mode, &model_.actors, &answered);
}

bool CrashWorker::SendImport(
    const std::vector<PlannedBatch>& batches, v1::ImportMode mode,
    std::map<std::string, std::optional<v1::Actor>>* model, bool* answered) {
  *answered = false;
  ImportCall call;
  call.name =
      absl::StrCat("import/", shared_->run, "/", index_, "/", ++streams_);
  call.context = NewContext();
  call.stream = shared_->actors->ImportActors(call.context.get());
  if (!WriteImportBatches(batches, mode, &call)) return false;
  if (!ReadImportAnswers(batches, model, &call)) return false;
  grpc::Status status = call.stream->Finish();
  *answered = status.ok() && call.done && call.answered == batches.size();
  if (*answered) return true;
  if (status.ok() || Unanswered(status.error_code())) {
    // The batches sent and not answered are in doubt: their 'D' lines
    // stand.
    shared_->tally.unanswered +=
        static_cast<int64_t>(call.sent - call.answered);
    return false;
  }
  // Refused: the batches not answered were not applied.
  Unexpected(absl::StrCat("ImportActors refused: ", status.error_message()));
  for (size_t b = call.answered; b < call.sent; ++b) {
    ++shared_->tally.refused;
    JournalEntry kept{'A', absl::StrCat(call.name, "#", b), {}};
    for (const PlannedRow& p : batches[b]) {
      kept.changes.push_back({ActorKey(p.row.id()), "", p.before});
    }
    if (!Journal(kept)) return false;
  }
  return true;
}

bool CrashWorker::WriteImportBatches(const std::vector<PlannedBatch>& batches,
                                     v1::ImportMode mode, ImportCall* call) {
  for (size_t b = 0; b < batches.size(); ++b) {
    JournalEntry sent{'D', absl::StrCat(call->name, "#", b), {}};
    v1::ImportActorsRequest request;
    request.set_mode(mode);
    request.set_first_row_number(static_cast<int64_t>(b) *
                                 kRowsPerBatchNumbering);
    for (const PlannedRow& p : batches[b]) {
      *request.add_actors() = p.row;
      sent.changes.push_back({ActorKey(p.row.id()), p.before,
                              p.valid ? ActorState(p.row) : p.before});
    }
    if (!Journal(sent)) return false;
    ++shared_->tally.sent;
    ++call->sent;
    if (!call->stream->Write(request)) break;  // the answers will tell
  }
  call->stream->WritesDone();
  return true;
}

bool CrashWorker::ReadImportAnswers(
    const std::vector<PlannedBatch>& batches,
    std::map<std::string, std::optional<v1::Actor>>* model, ImportCall* call) {
  v1::ImportActorsResponse answer;
  while (call->stream->Read(&answer)) {
    if (answer.done()) {
      call->done = true;
      if (answer.batches() != static_cast<int64_t>(batches.size())) {
        Unexpected("ImportActors applied another number of batches");
      }
      continue;
    }
    const size_t b = call->answered;
    if (b >= batches.size() ||
        answer.batch_index() != static_cast<int64_t>(b)) {
      Unexpected("ImportActors answered batches out of order");
      call->context->TryCancel();
      return true;  // Finish tells the rest
    }
    if (!BatchAnswered(absl::StrCat(call->name, "#", b), batches[b],
                       static_cast<int64_t>(b) * kRowsPerBatchNumbering, answer,
                       model)) {
      return false;
    }
    ++call->answered;
  }
  return true;
}

bool CrashWorker::BatchAnswered(
    const std::string& group, const PlannedBatch& batch, int64_t first_row,
    const v1::ImportActorsResponse& answer,
    std::map<std::string, std::optional<v1::Actor>>* model) {
  std::set<int64_t> rejected;
  for (const v1::RowError& e : answer.errors()) rejected.insert(e.row_number());
  const v1::ImportCounts& c = answer.counts();
  if (c.created() + c.updated() + c.unchanged() + c.rejected() !=
      static_cast<int64_t>(batch.size())) {
    Unexpected(absl::StrCat(group, ": counts do not add up to the rows"));
  }
  JournalEntry acked{'A', group, {}};
  for (size_t r = 0; r < batch.size(); ++r) {
    const PlannedRow& p = batch[r];
    const bool was_rejected =
        rejected.count(first_row + static_cast<int64_t>(r)) > 0;
    if (was_rejected == p.valid) {
      Unexpected(absl::StrCat(group, ": row ", r, " (", p.row.id(), ") ",
                              was_rejected ? "rejected" : "accepted"));
    }
    if (was_rejected) {
      acked.changes.push_back({ActorKey(p.row.id()), "", p.before});
      continue;
    }
    (*model)[p.row.id()] = p.row;
    model_.etags.erase(p.row.id());
    acked.changes.push_back({ActorKey(p.row.id()), "", ActorState(p.row)});
  }
  ++shared_->tally.acknowledged;
  return Journal(acked);
}

bool CrashWorker::SetUpLifecycleActors() {
  PlannedBatch batch;
  for (auto& [id, content] : model_.lifecycle_actors) {
    const bool association = absl::StrContains(id, ":asso");
    int number = std::stoi(id.substr(id.find_last_not_of("0123456789") + 1));
    v1::Actor wanted = association ? factory_.LifecycleAssociation(number)
                                   : factory_.LifecycleCompany(number);
    if (content.has_value() && ActorState(*content) == ActorState(wanted)) {
      continue;
    }
    batch.push_back({std::move(wanted), true, ActorState(content)});
  }
  if (batch.empty()) {
    lifecycle_ready_ = true;
    return true;
  }
  bool answered = false;
  if (!SendImport({batch}, v1::IMPORT_MODE_REPLACE, &model_.lifecycle_actors,
                  &answered)) {
    return false;
  }
  lifecycle_ready_ = answered;
  return true;
}

bool CrashWorker::ServeSuggestions() {
  std::vector<std::string> askers;
  for (const auto& [id, _] : model_.lifecycle_actors) {
    if (absl::StrContains(id, ":asso")) askers.push_back(id);
  }
  if (askers.empty()) return MoveSuggestion();
  const std::string& asker = askers[factory_.Below(askers.size())];
  v1::SuggestPartnersRequest request;
  request.set_actor_id(asker);
  request.set_limit(5);
  request.add_kinds(v1::ACTOR_KIND_COMPANY);
  request.mutable_scope()->set_level(v1::TERRITORY_LEVEL_DEPARTEMENT);
  request.mutable_scope()->set_code(shared_->places->lifecycle_departement);
  request.set_requested_by("loadgen");
  const std::string serve = ServeKey(asker);
  if (!Journal(
          {'D', "-", {{serve, std::string(kAbsent), std::string(kPending)}}})) {
    return false;
  }
  ++shared_->tally.sent;
  v1::SuggestPartnersResponse served;
  auto context = NewContext();
  grpc::Status status =
      shared_->match->SuggestPartners(context.get(), request, &served);
  JournalEntry acked{'A', "-", {{serve, "", std::string(kAbsent)}}};
  for (const v1::PartnerSuggestion& p : served.suggestions()) {
    const std::string key = SuggestionKey(asker, p.suggestion_id());
    auto known = model_.suggestions.find(key);
    // New, or re-proposed after a final state (documented restart).
    if (known == model_.suggestions.end() || IsFinalState(known->second)) {
      model_.suggestions[key] = "PROPOSED";
      acked.changes.push_back({key, "", "PROPOSED"});
    }
  }
  return Answered(status, std::move(acked), "SuggestPartners " + asker);
}

bool CrashWorker::MoveSuggestion() {
  std::vector<std::string> open;
  for (const auto& [key, state] : model_.suggestions) {
    if (!IsFinalState(state)) open.push_back(key);
  }
  if (open.size() < 3 && factory_.Chance(0.5)) return ServeSuggestions();
  if (open.empty()) return ReadBack();
  const std::string key = open[factory_.Below(open.size())];
  const std::string before = model_.suggestions[key];
  v1::UpdateSuggestionRequest request =
      NextMove(key.substr(key.rfind('/') + 1), before, &factory_);
  const std::string after = StateWord(request.state());
  if (!Journal({'D', "-", {{key, before, after}}})) return false;
  ++shared_->tally.sent;
  v1::Suggestion moved;
  auto context = NewContext();
  grpc::Status status =
      shared_->lifecycle->UpdateSuggestion(context.get(), request, &moved);
  if (!status.ok()) {
    return Answered(status, {'A', "-", {{key, "", before}}},
                    "UpdateSuggestion " + key + " to " + after);
  }
  if (StateWord(moved.state()) != after ||
      (after == "PARTNERSHIP_FORMED" && moved.partnership_id().empty())) {
    Unexpected("UpdateSuggestion answered another state");
  }
  model_.suggestions[key] = StateWord(moved.state());
  return Answered(status, {'A', "-", {{key, "", StateWord(moved.state())}}},
                  "UpdateSuggestion");
}

bool CrashWorker::ReadBack() {
  if (!model_.suggestions.empty() && factory_.Chance(0.3)) {
    return ReadSuggestion();
  }
  ++shared_->tally.reads;
  auto id = PickActor(factory_.Chance(0.8));
  if (!id.has_value()) return true;
  v1::GetActorRequest request;
  request.set_id(*id);
  request.set_view(v1::ACTOR_VIEW_FULL);
  v1::Actor read;
  auto context = NewContext();
  grpc::Status status =
      shared_->actors->GetActor(context.get(), request, &read);
  if (Unanswered(status.error_code())) return false;
  const std::string expected = ActorState(model_.actors[*id]);
  const std::string found = status.ok() ? ActorState(read)
                            : status.error_code() == grpc::StatusCode::NOT_FOUND
                                ? std::string(kAbsent)
                                : "error: " + status.error_message();
  if (found != expected) {
    ++shared_->tally.read_mismatches;
    std::fprintf(stderr,
                 "loadgen: VIOLATION: GetActor %s read %s, the worker's last "
                 "acknowledged write left %s\n",
                 id->c_str(), found.c_str(), expected.c_str());
  }
  return true;
}

bool CrashWorker::ReadSuggestion() {
  ++shared_->tally.reads;
  auto it = model_.suggestions.begin();
  std::advance(it,
               static_cast<long>(factory_.Below(model_.suggestions.size())));
  v1::GetSuggestionRequest request;
  request.set_id(it->first.substr(it->first.rfind('/') + 1));
  v1::Suggestion read;
  auto context = NewContext();
  grpc::Status status =
      shared_->lifecycle->GetSuggestion(context.get(), request, &read);
  if (Unanswered(status.error_code())) return false;
  const std::string found = status.ok() ? StateWord(read.state())
                                        : "error: " + status.error_message();
  if (found != it->second) {
    ++shared_->tally.read_mismatches;
    std::fprintf(stderr,
                 "loadgen: VIOLATION: GetSuggestion %s read %s, the worker's "
                 "last acknowledged write left %s\n",
                 it->first.c_str(), found.c_str(), it->second.c_str());
  }
  return true;
}

bool CrashWorker::Query() {
  ++shared_->tally.queries;
  v1::ListActorsRequest request =
      shared_->filters[factory_.Below(shared_->filters.size())].request;
  request.set_page_size(100);
  v1::ListActorsResponse page;
  auto context = NewContext();
  grpc::Status status =
      shared_->actors->ListActors(context.get(), request, &page);
  if (Unanswered(status.error_code())) return false;
  if (!status.ok()) Unexpected("ListActors: " + status.error_message());
  return true;
}

}  // namespace maillage::loadgen

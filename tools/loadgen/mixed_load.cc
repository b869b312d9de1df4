#include "tools/loadgen/mixed_load.h"

#include <chrono>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tools/loadgen/records.h"
#include "tools/loadgen/suggestion_moves.h"

namespace maillage::loadgen {
namespace {

constexpr auto kDeadline = std::chrono::seconds(30);
constexpr size_t kMaxTrackedSuggestions = 20000;

// Field masks of the soak's updates (an empty one replaces everything).
const std::vector<std::vector<std::string>>& SoakMasks() {
  static const auto* masks = new std::vector<std::vector<std::string>>{
      {"description"}, {"themes", "needs", "offers"}, {"contacts"},
      {"capacity"},    {"name", "description"},       {}};
  return *masks;
}

// SuggestPartners for an actor whose capacity the load's partnerships used
// up: FAILED_PRECONDITION, as matcher/partners.h documents.
bool IsDocumentedRefusal(const char* method, const grpc::Status& status) {
  return status.error_code() == grpc::StatusCode::FAILED_PRECONDITION &&
         std::string_view(method) == "SuggestPartners";
}

}  // namespace

const std::vector<std::string>& MixedMethods() {
  static const auto* methods = new std::vector<std::string>{
      "GetActor",       "ListActors",       "SuggestPartners",
      "BatchGetActors", "UpdateActor",      "CreateActor",
      "DeleteActor",    "UpdateSuggestion", "GetSuggestion"};
  return *methods;
}

absl::StatusOr<ActorPool> LoadActorPool(v1::ActorService::Stub& actors) {
  auto records = ScanActorRecords(actors);
  if (!records.ok()) return records.status();
  ActorPool pool;
  for (const auto& [id, _] : *records) {
    pool.readable.push_back(id);
    if (id.rfind("ext:loadgen:s", 0) == 0) pool.updatable.push_back(id);
  }
  if (pool.readable.empty() || pool.updatable.empty()) {
    return absl::FailedPreconditionError(
        "the store needs actors, synthetic ones (ext:loadgen:s…) among them: "
        "import the output of `maillage_loadgen populate`");
  }
  return pool;
}

template <typename Request, typename Response>
struct MixedLoad::Call {
  grpc::ClientContext context;
  Request request;
  Response response;
};

MixedLoad::MixedLoad(
    const std::vector<std::shared_ptr<grpc::Channel>>& channels, ActorPool pool,
    const WorkloadPlaces* places, LatencyRecorder* recorder, uint64_t seed)
    : pool_(std::move(pool)),
      filters_(StandardFilters(*places)),
      recorder_(recorder),
      run_(absl::StrCat(absl::Hex(absl::ToUnixMillis(absl::Now())))),
      factory_(places, seed) {
  for (const auto& channel : channels) {
    connections_.push_back({v1::ActorService::NewStub(channel),
                            v1::MatchService::NewStub(channel),
                            v1::LifecycleService::NewStub(channel)});
  }
}

const MixedLoad::Connection& MixedLoad::NextConnection() {
  return connections_[next_connection_.fetch_add(1, std::memory_order_relaxed) %
                      connections_.size()];
}

MixedLoad::~MixedLoad() { Drain(absl::Seconds(60)); }

void MixedLoad::Drain(absl::Duration timeout) const {
  const absl::Time end = absl::Now() + timeout;
  while (in_flight_.load() > 0 && absl::Now() < end) {
    absl::SleepFor(absl::Milliseconds(10));
  }
}

template <typename Request, typename Response, typename Start>
void MixedLoad::Launch(
    const char* method, absl::Time scheduled, Request request, Start start,
    std::function<void(const grpc::Status&, const Response&)> on_done,
    std::function<void()> then) {
  auto* call = new Call<Request, Response>;
  call->request = std::move(request);
  call->context.set_deadline(std::chrono::system_clock::now() + kDeadline);
  ++in_flight_;
  start(&call->context, &call->request, &call->response,
        [this, call, method, scheduled, on_done = std::move(on_done),
         then = std::move(then)](grpc::Status status) {
          recorder_->Record(method, absl::Now() - scheduled, status,
                            IsDocumentedRefusal(method, status));
          if (on_done) on_done(status, call->response);
          delete call;
          --in_flight_;
          if (then) then();
        });
}

void MixedLoad::Send(absl::Time scheduled, std::function<void()> then) {
  static constexpr int kWeights[] = {30, 20, 12, 8, 15, 5, 5, 5};
  int pick;
  {
    std::lock_guard lock(mu_);
    pick = static_cast<int>(factory_.Below(100));
  }
  int op = 0;
  while (pick >= kWeights[op]) pick -= kWeights[op++];
  using Sender = void (MixedLoad::*)(absl::Time, std::function<void()>);
  static constexpr Sender kSenders[] = {
      &MixedLoad::SendGet,     &MixedLoad::SendList,
      &MixedLoad::SendSuggest, &MixedLoad::SendBatchGet,
      &MixedLoad::SendUpdate,  &MixedLoad::SendCreate,
      &MixedLoad::SendDelete,  &MixedLoad::SendLifecycle};
  (this->*kSenders[op])(scheduled, std::move(then));
}

const std::string& MixedLoad::RandomId(const std::vector<std::string>& ids) {
  return ids[factory_.Below(ids.size())];
}

void MixedLoad::SendGet(absl::Time scheduled, std::function<void()> then) {
  v1::GetActorRequest request;
  {
    std::lock_guard lock(mu_);
    request.set_id(RandomId(pool_.readable));
  }
  Launch<v1::GetActorRequest, v1::Actor>(
      "GetActor", scheduled, std::move(request),
      [this](auto* c, auto* q, auto* r, auto done) {
        NextConnection().actors->async()->GetActor(c, q, r, std::move(done));
      },
      nullptr, std::move(then));
}

void MixedLoad::SendList(absl::Time scheduled, std::function<void()> then) {
  v1::ListActorsRequest request;
  {
    std::lock_guard lock(mu_);
    request = filters_[factory_.Below(filters_.size())].request;
  }
  request.set_page_size(50);
  Launch<v1::ListActorsRequest, v1::ListActorsResponse>(
      "ListActors", scheduled, std::move(request),
      [this](auto* c, auto* q, auto* r, auto done) {
        NextConnection().actors->async()->ListActors(c, q, r, std::move(done));
      },
      nullptr, std::move(then));
}

void MixedLoad::SendSuggest(absl::Time scheduled, std::function<void()> then) {
  v1::SuggestPartnersRequest request;
  {
    std::lock_guard lock(mu_);
    // Actors found with no capacity left are not asked for again.
    for (int attempt = 0; attempt < 8 && request.actor_id().empty();
         ++attempt) {
      const std::string& id = RandomId(pool_.readable);
      if (at_capacity_.count(id) == 0) request.set_actor_id(id);
    }
  }
  if (request.actor_id().empty()) {
    SendGet(scheduled, std::move(then));
    return;
  }
  request.set_limit(10);
  request.set_requested_by("soak");
  const std::string asker = request.actor_id();
  Launch<v1::SuggestPartnersRequest, v1::SuggestPartnersResponse>(
      "SuggestPartners", scheduled, std::move(request),
      [this](auto* c, auto* q, auto* r, auto done) {
        NextConnection().match->async()->SuggestPartners(c, q, r,
                                                         std::move(done));
      },
      [this, asker](const grpc::Status& status,
                    const v1::SuggestPartnersResponse& response) {
        if (status.ok()) NoteServed(response);
        if (IsDocumentedRefusal("SuggestPartners", status)) {
          std::lock_guard lock(mu_);
          at_capacity_.insert(asker);
        }
      },
      std::move(then));
}

void MixedLoad::SendBatchGet(absl::Time scheduled, std::function<void()> then) {
  v1::BatchGetActorsRequest request;
  {
    std::lock_guard lock(mu_);
    std::set<std::string> ids;
    while (ids.size() < 20 && ids.size() < pool_.readable.size()) {
      ids.insert(RandomId(pool_.readable));
    }
    for (const std::string& id : ids) request.add_ids(id);
  }
  Launch<v1::BatchGetActorsRequest, v1::BatchGetActorsResponse>(
      "BatchGetActors", scheduled, std::move(request),
      [this](auto* c, auto* q, auto* r, auto done) {
        NextConnection().actors->async()->BatchGetActors(c, q, r,
                                                         std::move(done));
      },
      nullptr, std::move(then));
}

void MixedLoad::SendUpdate(absl::Time scheduled, std::function<void()> then) {
  v1::UpdateActorRequest request;
  {
    std::lock_guard lock(mu_);
    const std::string& id = RandomId(pool_.updatable);
    *request.mutable_actor() =
        factory_.Churned(id, absl::StrCat(run_, "-", ++sequence_));
    for (const std::string& path :
         SoakMasks()[factory_.Below(SoakMasks().size())]) {
      request.mutable_update_mask()->add_paths(path);
    }
  }
  Launch<v1::UpdateActorRequest, v1::Actor>(
      "UpdateActor", scheduled, std::move(request),
      [this](auto* c, auto* q, auto* r, auto done) {
        NextConnection().actors->async()->UpdateActor(c, q, r, std::move(done));
      },
      nullptr, std::move(then));
}

void MixedLoad::SendCreate(absl::Time scheduled, std::function<void()> then) {
  v1::CreateActorRequest request;
  {
    std::lock_guard lock(mu_);
    std::string token = absl::StrCat(run_, "-", ++sequence_);
    *request.mutable_actor() =
        factory_.Churned("ext:loadgen:soak-" + token, token);
    // Deleted later: never proposed as a partner, so that no suggestion
    // the lifecycle moves loses its partner.
    request.mutable_actor()->set_status(v1::ACTOR_STATUS_OPTED_OUT);
  }
  Launch<v1::CreateActorRequest, v1::Actor>(
      "CreateActor", scheduled, std::move(request),
      [this](auto* c, auto* q, auto* r, auto done) {
        NextConnection().actors->async()->CreateActor(c, q, r, std::move(done));
      },
      [this](const grpc::Status& status, const v1::Actor& created) {
        if (!status.ok()) return;
        std::lock_guard lock(mu_);
        created_.push_back(created.id());
      },
      std::move(then));
}

void MixedLoad::SendDelete(absl::Time scheduled, std::function<void()> then) {
  v1::DeleteActorRequest request;
  {
    std::lock_guard lock(mu_);
    if (!created_.empty()) {
      request.set_id(created_.front());
      created_.pop_front();
    }
  }
  if (request.id().empty()) {
    SendCreate(scheduled, std::move(then));  // keeps the store's size
    return;
  }
  Launch<v1::DeleteActorRequest, google::protobuf::Empty>(
      "DeleteActor", scheduled, std::move(request),
      [this](auto* c, auto* q, auto* r, auto done) {
        NextConnection().actors->async()->DeleteActor(c, q, r, std::move(done));
      },
      nullptr, std::move(then));
}

void MixedLoad::SendLifecycle(absl::Time scheduled,
                              std::function<void()> then) {
  std::optional<v1::UpdateSuggestionRequest> move;
  std::string read;
  {
    std::lock_guard lock(mu_);
    if (!movable_.empty() && (unread_.empty() || factory_.Chance(0.8))) {
      auto [id, state] = TakeRandom(&movable_);
      move = NextMove(id, state, &factory_);
    } else if (!unread_.empty()) {
      read = TakeRandom(&unread_);
    }
  }
  if (move.has_value()) {
    const std::string id = move->id();
    Launch<v1::UpdateSuggestionRequest, v1::Suggestion>(
        "UpdateSuggestion", scheduled, *std::move(move),
        [this](auto* c, auto* q, auto* r, auto done) {
          NextConnection().lifecycle->async()->UpdateSuggestion(
              c, q, r, std::move(done));
        },
        [this, id](const grpc::Status& status, const v1::Suggestion& s) {
          NoteSuggestion(id, status, s.state());
        },
        std::move(then));
    return;
  }
  if (read.empty()) {
    SendGet(scheduled, std::move(then));
    return;
  }
  v1::GetSuggestionRequest request;
  request.set_id(read);
  Launch<v1::GetSuggestionRequest, v1::Suggestion>(
      "GetSuggestion", scheduled, std::move(request),
      [this](auto* c, auto* q, auto* r, auto done) {
        NextConnection().lifecycle->async()->GetSuggestion(c, q, r,
                                                           std::move(done));
      },
      [this, read](const grpc::Status& status, const v1::Suggestion& s) {
        NoteSuggestion(read, status, s.state());
      },
      std::move(then));
}

void MixedLoad::NoteServed(const v1::SuggestPartnersResponse& response) {
  std::lock_guard lock(mu_);
  for (const v1::PartnerSuggestion& p : response.suggestions()) {
    if (seen_suggestions_.size() >= kMaxTrackedSuggestions) return;
    // A new one's state is read before it is moved: an earlier run may
    // have moved it.
    if (seen_suggestions_.insert(p.suggestion_id()).second) {
      unread_.push_back(p.suggestion_id());
    }
  }
}

void MixedLoad::NoteSuggestion(const std::string& id,
                               const grpc::Status& status,
                               v1::SuggestionState state) {
  std::lock_guard lock(mu_);
  if (!status.ok()) {
    unread_.push_back(id);  // read again before the next move
    return;
  }
  std::string word = StateWord(state);
  if (!IsFinalState(word)) movable_.emplace_back(id, std::move(word));
}

template <typename T>
T MixedLoad::TakeRandom(std::vector<T>* items) {
  size_t i = factory_.Below(items->size());
  T taken = std::move((*items)[i]);
  (*items)[i] = std::move(items->back());
  items->pop_back();
  return taken;
}

}  // namespace maillage::loadgen

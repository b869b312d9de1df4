#ifndef MAILLAGE_TOOLS_LOADGEN_MIXED_LOAD_H_
#define MAILLAGE_TOOLS_LOADGEN_MIXED_LOAD_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "maillage/v1/actor.grpc.pb.h"
#include "maillage/v1/lifecycle.grpc.pb.h"
#include "maillage/v1/matching.grpc.pb.h"
#include "tools/loadgen/directory_filters.h"
#include "tools/loadgen/latency.h"
#include "tools/loadgen/synthetic_actors.h"

namespace maillage::loadgen {

// The methods of the mixed load, in report (and CSV column) order.
const std::vector<std::string>& MixedMethods();

// The actors a mixed load works on, read from the store once.
struct ActorPool {
  std::vector<std::string> readable;   // every actor id
  std::vector<std::string> updatable;  // the synthetic ones (ext:loadgen:s…)
};
absl::StatusOr<ActorPool> LoadActorPool(v1::ActorService::Stub& actors);

// The mixed read/write load of the soak and of the peak search, sent with
// gRPC's callback API so that a sender never waits for an answer: 30%
// GetActor, 20% ListActors (the standard filters), 12% SuggestPartners
// (recorded, as an animator's dashboard does), 8% BatchGetActors (20 ids),
// 15% UpdateActor (field mask, synthetic actors), 5% CreateActor (opted
// out, never proposed), 5% DeleteActor (of actors it created), 5% lifecycle
// moves (UpdateSuggestion on served suggestions, GetSuggestion first when their
// state is unknown). Every call is expected to succeed but one documented
// refusal: SuggestPartners for an actor whose capacity the partnerships formed
// by the load used up (FAILED_PRECONDITION), counted apart; such an actor is
// not asked again. Thread-safe.
class MixedLoad {
 public:
  // `places` and `recorder` must outlive the load. Calls go on `channels`
  // in turn (one connection each: see Connect), as from that many clients.
  MixedLoad(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
            ActorPool pool, const WorkloadPlaces* places,
            LatencyRecorder* recorder, uint64_t seed);
  ~MixedLoad();

  // Sends one call of the mix; its latency counts from `scheduled` (the
  // time an open-loop schedule meant to send it, so that a late send is
  // not hidden). `then`, if set, runs on a gRPC thread once it completed.
  void Send(absl::Time scheduled, std::function<void()> then);
  // Calls sent and not completed.
  int64_t in_flight() const { return in_flight_.load(); }
  // Blocks until nothing is in flight or `timeout` passed.
  void Drain(absl::Duration timeout) const;

 private:
  template <typename Request, typename Response>
  struct Call;
  template <typename Request, typename Response, typename Start>
  void Launch(const char* method, absl::Time scheduled, Request request,
              Start start,
              std::function<void(const grpc::Status&, const Response&)> on_done,
              std::function<void()> then);

  void SendGet(absl::Time scheduled, std::function<void()> then);
  void SendList(absl::Time scheduled, std::function<void()> then);
  void SendSuggest(absl::Time scheduled, std::function<void()> then);
  void SendBatchGet(absl::Time scheduled, std::function<void()> then);
  void SendUpdate(absl::Time scheduled, std::function<void()> then);
  void SendCreate(absl::Time scheduled, std::function<void()> then);
  void SendDelete(absl::Time scheduled, std::function<void()> then);
  void SendLifecycle(absl::Time scheduled, std::function<void()> then);
  void NoteServed(const v1::SuggestPartnersResponse& response);
  void NoteSuggestion(const std::string& id, const grpc::Status& status,
                      v1::SuggestionState state);

  const std::string& RandomId(const std::vector<std::string>& ids);
  // Removes and returns a random element of a non-empty `items`. Needs mu_.
  template <typename T>
  T TakeRandom(std::vector<T>* items);

  struct Connection {
    std::unique_ptr<v1::ActorService::Stub> actors;
    std::unique_ptr<v1::MatchService::Stub> match;
    std::unique_ptr<v1::LifecycleService::Stub> lifecycle;
  };
  // The connection the next call goes on, each in turn.
  const Connection& NextConnection();

  std::vector<Connection> connections_;
  std::atomic<uint64_t> next_connection_{0};
  const ActorPool pool_;
  const std::vector<DirectoryFilter> filters_;
  LatencyRecorder* recorder_;
  const std::string run_;
  std::atomic<int64_t> in_flight_{0};

  std::mutex mu_;  // guards everything below
  ActorFactory factory_;
  int64_t sequence_ = 0;
  std::deque<std::string> created_;    // created by the load, deletable
  std::set<std::string> at_capacity_;  // refused SuggestPartners: not asked
  // Served suggestions, each in at most one list and in none while a call
  // on it is in flight: state unknown, or known and not final.
  std::set<std::string> seen_suggestions_;
  std::vector<std::string> unread_;
  std::vector<std::pair<std::string, std::string>> movable_;  // id, state
};

}  // namespace maillage::loadgen

#endif  // MAILLAGE_TOOLS_LOADGEN_MIXED_LOAD_H_

#ifndef MAILLAGE_TOOLS_LOADGEN_CRASH_WORKER_H_
#define MAILLAGE_TOOLS_LOADGEN_CRASH_WORKER_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "maillage/v1/actor.grpc.pb.h"
#include "maillage/v1/lifecycle.grpc.pb.h"
#include "maillage/v1/matching.grpc.pb.h"
#include "tools/loadgen/directory_filters.h"
#include "tools/loadgen/journal.h"
#include "tools/loadgen/synthetic_actors.h"

namespace maillage::loadgen {

// Counters of one crash workload run, shared by its workers.
struct CrashTally {
  std::atomic<int64_t> sent{0};             // writes sent
  std::atomic<int64_t> acknowledged{0};     // writes answered OK
  std::atomic<int64_t> unanswered{0};       // writes left in doubt
  std::atomic<int64_t> refused{0};          // writes refused (unexpected)
  std::atomic<int64_t> unexpected{0};       // answers the model did not predict
  std::atomic<int64_t> reads{0};            // reads compared with the model
  std::atomic<int64_t> read_mismatches{0};  // a read disagreeing: violation
  std::atomic<int64_t> queries{0};          // ListActors calls
};

// What the workers share: stubs (thread-safe), the journal, the counters.
struct CrashShared {
  std::unique_ptr<v1::ActorService::Stub> actors;
  std::unique_ptr<v1::MatchService::Stub> match;
  std::unique_ptr<v1::LifecycleService::Stub> lifecycle;
  JournalWriter* journal = nullptr;
  const WorkloadPlaces* places = nullptr;
  std::vector<DirectoryFilter> filters;
  std::string run;  // names this run in groups and tokens
  int workers = 1;
  std::atomic<bool> stop{false};
  std::atomic<bool> journal_failed{false};
  CrashTally tally;
};

// What a worker starts from: the states the journal and the server agree
// on for the keys it owns.
struct WorkerBaseline {
  // Churned actor ids it owns, with their content (nullopt: absent).
  std::map<std::string, std::optional<v1::Actor>> actors;
  std::map<std::string, std::string> etags;  // known etags
  // Lifecycle actors it owns (id -> content, nullopt: not created yet).
  std::map<std::string, std::optional<v1::Actor>> lifecycle_actors;
  // Its suggestions: journal key "sugg/<asker>/<id>" -> state name.
  std::map<std::string, std::string> suggestions;
};

// One client thread of the crash workload. It owns a share of the actor ids
// and of the lifecycle associations, so that it alone writes them and its
// model of them is exact: every write is journaled before it is sent ('D')
// and after its answer ('A'); every read is compared with the model. Stops
// at the first write left unanswered (the server is gone) or when
// shared->stop is set.
class CrashWorker {
 public:
  CrashWorker(int index, CrashShared* shared, WorkerBaseline baseline,
              uint64_t seed);
  void Run();

 private:
  // Each returns false when the worker must stop.
  bool SetUpLifecycleActors();
  bool Step();
  bool CreateActor();
  bool UpdateActor();
  bool DeleteActor();
  bool ImportActors();
  // Sends `batches` on one ImportActors stream in `mode`, journaling each
  // batch as a group; updates `model` with what was acknowledged.
  // *answered: every batch was answered. False: stop.
  struct PlannedRow {
    v1::Actor row;
    bool valid = true;   // an invalid row must be rejected, actor untouched
    std::string before;  // the actor's state before the stream
  };
  using PlannedBatch = std::vector<PlannedRow>;
  bool SendImport(const std::vector<PlannedBatch>& batches, v1::ImportMode mode,
                  std::map<std::string, std::optional<v1::Actor>>* model,
                  bool* answered);
  // One ImportActors call in progress.
  struct ImportCall {
    std::string name;  // the stream's group prefix
    std::unique_ptr<grpc::ClientContext> context;
    std::unique_ptr<grpc::ClientReaderWriter<v1::ImportActorsRequest,
                                             v1::ImportActorsResponse>>
        stream;
    size_t sent = 0;      // batches journaled and handed to the stream
    size_t answered = 0;  // batches answered, in order
    bool done = false;    // the final message came
  };
  // Journals each batch ('D') and sends it; false when the journal fails.
  bool WriteImportBatches(const std::vector<PlannedBatch>& batches,
                          v1::ImportMode mode, ImportCall* call);
  // Reads the answers, journaling each batch's ('A'); false: stop.
  bool ReadImportAnswers(const std::vector<PlannedBatch>& batches,
                         std::map<std::string, std::optional<v1::Actor>>* model,
                         ImportCall* call);
  // Journals and applies the answer to batch `b`; false: stop.
  bool BatchAnswered(const std::string& group, const PlannedBatch& batch,
                     int64_t first_row, const v1::ImportActorsResponse& answer,
                     std::map<std::string, std::optional<v1::Actor>>* model);
  bool ServeSuggestions();
  bool MoveSuggestion();
  // Reads an owned actor (or suggestion) and compares it with the model.
  bool ReadBack();
  bool ReadSuggestion();
  bool Query();

  // A random owned churned id that is present (or absent); nullopt if none.
  std::optional<std::string> PickActor(bool present);
  // Journals `entry` (durable for 'A'); false when the journal fails.
  bool Journal(const JournalEntry& entry);
  // After a write's answer: counts it, journals 'A'. False: stop.
  bool Answered(const grpc::Status& status, JournalEntry entry,
                const std::string& what);
  std::string NextToken();
  std::unique_ptr<grpc::ClientContext> NewContext() const;
  void Unexpected(const std::string& message);

  const int index_;
  CrashShared* shared_;
  WorkerBaseline model_;
  ActorFactory factory_;
  int64_t sequence_ = 0;
  int streams_ = 0;
  bool lifecycle_ready_ = false;
};

// The journal key of an actor, a suggestion, a pending SuggestPartners.
std::string ActorKey(const std::string& id);
std::string SuggestionKey(const std::string& asker, const std::string& id);
std::string ServeKey(const std::string& asker);

}  // namespace maillage::loadgen

#endif  // MAILLAGE_TOOLS_LOADGEN_CRASH_WORKER_H_

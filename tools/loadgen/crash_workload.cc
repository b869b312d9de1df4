#include "tools/loadgen/crash_workload.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "tools/loadgen/actor_state.h"
#include "tools/loadgen/channel.h"
#include "tools/loadgen/crash_worker.h"
#include "tools/loadgen/records.h"

namespace maillage::loadgen {
namespace {

// The number at the end of an id ("ext:loadgen:u42" -> 42), or -1.
int TrailingNumber(std::string_view id) {
  size_t digits = id.find_last_not_of("0123456789") + 1;
  int n = -1;
  if (digits == id.size() || !absl::SimpleAtoi(AsAbsl(id.substr(digits)), &n)) {
    return -1;
  }
  return n;
}

// The workers' starting models: the journal's states, checked against the
// server's records (a mismatch means a crash was not verified).
class BaselineBuilder {
 public:
  BaselineBuilder(const CrashOptions& options, const Ledger& ledger)
      : options_(options), ledger_(ledger), baselines_(options.workers) {}

  absl::StatusOr<std::vector<WorkerBaseline>> Build(
      const std::map<std::string, v1::Actor>& records) {
    RETURN_IF_ERROR(CheckRecords(records));
    auto content = [&](const std::string& id) -> std::optional<v1::Actor> {
      auto it = records.find(id);
      if (it == records.end()) return std::nullopt;
      return WithoutBookkeeping(it->second);
    };
    for (int n = 0; n < options_.universe; ++n) {
      std::string id = absl::StrCat("ext:loadgen:u", n);
      WorkerBaseline& b = Owner(n);
      b.actors[id] = content(id);
      if (auto it = records.find(id); it != records.end()) {
        b.etags[id] = it->second.etag();
      }
    }
    for (int i = 0; i < options_.lifecycle_pairs; ++i) {
      for (const std::string& id : {ActorFactory::LifecycleAssociationId(i),
                                    ActorFactory::LifecycleCompanyId(i)}) {
        Owner(i).lifecycle_actors[id] = content(id);
      }
    }
    for (const std::string& key : ledger_.KeysWithPrefix("sugg/")) {
      std::string asker = key.substr(5, key.rfind('/') - 5);
      int owner = TrailingNumber(asker);
      if (owner < 0) return absl::DataLossError("bad journal key " + key);
      Owner(owner).suggestions[key] = ledger_.keys().at(key).settled;
    }
    return std::move(baselines_);
  }

 private:
  WorkerBaseline& Owner(int n) { return baselines_[n % options_.workers]; }

  absl::Status CheckRecords(const std::map<std::string, v1::Actor>& records) {
    for (const std::string& key : ledger_.KeysWithPrefix("actor/")) {
      auto it = records.find(key.substr(6));
      std::string found =
          it == records.end() ? std::string(kAbsent) : ActorState(it->second);
      if (found != ledger_.keys().at(key).settled) {
        return absl::FailedPreconditionError(absl::StrCat(
            key, " is ", found, " on the server but ",
            ledger_.keys().at(key).settled, " in the journal: run verify"));
      }
    }
    for (const auto& [id, _] : records) {
      if (ledger_.keys().count(ActorKey(id)) == 0) {
        return absl::FailedPreconditionError(absl::StrCat(
            "actor ", id, " is on the server, not in the journal"));
      }
    }
    return absl::OkStatus();
  }

  const CrashOptions& options_;
  const Ledger& ledger_;
  std::vector<WorkerBaseline> baselines_;
};

void PrintSummary(const CrashTally& t, double seconds) {
  std::printf(
      "crash workload: writes sent %lld, acknowledged %lld, in doubt %lld, "
      "refused %lld, unexpected answers %lld, reads checked %lld, read "
      "violations %lld, queries %lld, %.1f s\n",
      static_cast<long long>(t.sent.load()),
      static_cast<long long>(t.acknowledged.load()),
      static_cast<long long>(t.unanswered.load()),
      static_cast<long long>(t.refused.load()),
      static_cast<long long>(t.unexpected.load()),
      static_cast<long long>(t.reads.load()),
      static_cast<long long>(t.read_mismatches.load()),
      static_cast<long long>(t.queries.load()), seconds);
  std::fflush(stdout);
}

// Runs the workers until the time is up or all have stopped.
void RunWorkers(const CrashOptions& options, CrashShared* shared,
                std::vector<WorkerBaseline> baselines) {
  std::atomic<int> running{options.workers};
  std::vector<std::thread> threads;
  for (int w = 0; w < options.workers; ++w) {
    threads.emplace_back([&, w, baseline = std::move(baselines[w])]() mutable {
      CrashWorker worker(w, shared, std::move(baseline),
                         options.seed * 7919 + static_cast<uint64_t>(w));
      worker.Run();
      --running;
    });
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(options.seconds);
  while (running.load() > 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  shared->stop = true;
  for (auto& t : threads) t.join();
}

}  // namespace

int RunCrashWorkload(const CrashOptions& options) {
  auto geography = territory::Geography::Load(options.reference_dir + "/geo");
  auto ledger = Ledger::Replay(options.journal);
  auto journal = JournalWriter::Open(options.journal);
  for (const absl::Status& s :
       {geography.status(), ledger.status(), journal.status()}) {
    if (!s.ok()) {
      std::fprintf(stderr, "loadgen: %s\n", s.ToString().c_str());
      return kCrashNotStarted;
    }
  }
  if (ledger->HasDoubts()) {
    std::fprintf(stderr,
                 "loadgen: the journal has unsettled writes: run "
                 "verify after a crash\n");
    return kCrashNotStarted;
  }
  const WorkloadPlaces places = WorkloadPlaces::From(**geography);
  CrashShared shared;
  auto channel = Connect(options.target);
  shared.actors = v1::ActorService::NewStub(channel);
  shared.match = v1::MatchService::NewStub(channel);
  shared.lifecycle = v1::LifecycleService::NewStub(channel);
  shared.journal = journal->get();
  shared.places = &places;
  shared.filters = StandardFilters(places);
  shared.run = absl::StrCat(absl::Hex(absl::ToUnixMillis(absl::Now())));
  shared.workers = options.workers;

  auto records = ScanActorRecords(*shared.actors);
  if (!records.ok()) {
    std::fprintf(stderr, "loadgen: %s\n", records.status().ToString().c_str());
    return records.status().code() == absl::StatusCode::kUnavailable
               ? kCrashServerGone
               : kCrashNotStarted;
  }
  auto baselines = BaselineBuilder(options, *ledger).Build(*records);
  if (!baselines.ok()) {
    std::fprintf(stderr, "loadgen: %s\n",
                 baselines.status().ToString().c_str());
    return kCrashNotStarted;
  }
  if (!options.ready_file.empty())
    std::ofstream(options.ready_file) << "ready\n";
  const absl::Time start = absl::Now();
  RunWorkers(options, &shared, *std::move(baselines));
  PrintSummary(shared.tally, absl::ToDoubleSeconds(absl::Now() - start));
  if (shared.journal_failed) return kCrashNotStarted;
  if (shared.tally.read_mismatches > 0) return kCrashViolation;
  if (shared.tally.unexpected > 0) return kCrashUnexpected;
  return kCrashClean;
}

}  // namespace maillage::loadgen

#ifndef MAILLAGE_SERVICES_WORKER_POOL_H_
#define MAILLAGE_SERVICES_WORKER_POOL_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace maillage::services {

// A fixed set of threads running request work (store I/O, fsync waits,
// matching) so that gRPC's callback threads are never blocked by it.
//
// Thread-safe. The destructor runs every task already scheduled, then joins.
class WorkerPool {
 public:
  // `nice`: the threads' nice value (0: the process's); +N lets other
  // threads run first when the CPU is short.
  explicit WorkerPool(int threads, int nice = 0);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task`; never refuses (continuations of admitted calls).
  void Schedule(std::function<void()> task);
  // Queues `task` unless `max_queued` tasks already wait for a thread;
  // returns whether it was queued (a new call, refused under overload).
  bool TrySchedule(std::function<void()> task, size_t max_queued);
  // Tasks waiting for a thread.
  size_t queued() const;

  // What the pool is doing, for the metrics (services/server.cc): a pool
  // whose threads are all busy and whose tasks wait is the bottleneck (the
  // writers' pool when the disk is slow to sync).
  struct Figures {
    int threads = 0;
    size_t queued = 0;  // tasks waiting for a thread now
    int busy = 0;       // threads running a task now
    uint64_t tasks_started = 0;
    // Summed over the tasks started: time from Schedule to a thread taking
    // them up.
    double queue_wait_seconds = 0;
    // Summed over the tasks ended: time they ran (a task still running is
    // counted when it ends).
    double busy_seconds = 0;
  };
  Figures figures() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Task {
    std::function<void()> run;
    Clock::time_point queued_at;
  };

  void Run();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> tasks_;  // guarded by mu_
  bool stopping_ = false;   // guarded by mu_
  uint64_t started_ = 0;    // guarded by mu_
  int64_t wait_nanos_ = 0;  // guarded by mu_
  std::atomic<int> busy_{0};
  std::atomic<int64_t> busy_nanos_{0};
  std::vector<std::thread> threads_;
};

}  // namespace maillage::services

#endif  // MAILLAGE_SERVICES_WORKER_POOL_H_

#ifndef MAILLAGE_SERVICES_WORKER_POOL_H_
#define MAILLAGE_SERVICES_WORKER_POOL_H_

#include <condition_variable>
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

 private:
  void Run();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace maillage::services

#endif  // MAILLAGE_SERVICES_WORKER_POOL_H_

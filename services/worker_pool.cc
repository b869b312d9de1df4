#include "services/worker_pool.h"

#include "base/thread_priority.h"

namespace maillage::services {

WorkerPool::WorkerPool(int threads, int nice) {
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this, nice] {
      base::SetThisThreadNice(nice);
      Run();
    });
  }
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void WorkerPool::Schedule(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    tasks_.push_back(Task{std::move(task), Clock::now()});
  }
  cv_.notify_one();
}

bool WorkerPool::TrySchedule(std::function<void()> task, size_t max_queued) {
  {
    std::lock_guard lock(mu_);
    if (tasks_.size() >= max_queued) return false;
    tasks_.push_back(Task{std::move(task), Clock::now()});
  }
  cv_.notify_one();
  return true;
}

size_t WorkerPool::queued() const {
  std::lock_guard lock(mu_);
  return tasks_.size();
}

WorkerPool::Figures WorkerPool::figures() const {
  Figures f;
  f.threads = static_cast<int>(threads_.size());
  {
    std::lock_guard lock(mu_);
    f.queued = tasks_.size();
    f.tasks_started = started_;
    f.queue_wait_seconds = static_cast<double>(wait_nanos_) / 1e9;
  }
  f.busy = busy_.load(std::memory_order_relaxed);
  f.busy_seconds =
      static_cast<double>(busy_nanos_.load(std::memory_order_relaxed)) / 1e9;
  return f;
}

void WorkerPool::Run() {
  for (;;) {
    std::function<void()> task;
    Clock::time_point started;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;  // stopping and drained
      task = std::move(tasks_.front().run);
      started = Clock::now();
      wait_nanos_ += std::chrono::duration_cast<std::chrono::nanoseconds>(
                         started - tasks_.front().queued_at)
                         .count();
      ++started_;
      tasks_.pop_front();
    }
    busy_.fetch_add(1, std::memory_order_relaxed);
    task();
    busy_nanos_.fetch_add(std::chrono::duration_cast<std::chrono::nanoseconds>(
                              Clock::now() - started)
                              .count(),
                          std::memory_order_relaxed);
    busy_.fetch_sub(1, std::memory_order_relaxed);
  }
}

}  // namespace maillage::services

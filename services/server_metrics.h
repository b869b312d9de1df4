#ifndef MAILLAGE_SERVICES_SERVER_METRICS_H_
#define MAILLAGE_SERVICES_SERVER_METRICS_H_

#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "core/maillage.h"
#include "prometheus/metric_family.h"
#include "services/worker_pool.h"

namespace prometheus {
template <typename T>
class Family;
class Gauge;
class Registry;
}  // namespace prometheus

namespace maillage::services {

// The figures of an open core read at each scrape (docs/OBSERVABILITY.md):
//   maillage_actors{kind, status="available" | "unavailable"} gauge: live
//     actors of each kind, available for matching or not (opted out or
//     dissolved);
//   maillage_actor_index_memory_bytes gauge: the in-memory index's heap
//     (recomputed at most once a minute: it walks every actor);
//   maillage_rocksdb_* (storage::StoreFigures): live data by family, table
//     files, pending compaction bytes, memtables, block cache usage,
//     capacity, hits and misses, write stalls, WAL syncs and bytes,
//     flushes and compactions.
// Thread-safe.
class CoreFigures {
 public:
  // `core` must stay open while Collect may run (the server detaches the
  // collector first; see ops::ScrapeCollector).
  explicit CoreFigures(core::Maillage* core) : core_(core) {}

  std::vector<prometheus::MetricFamily> Collect();

 private:
  // The index's heap, recomputed when older than a minute.
  double IndexMemoryBytes();

  core::Maillage* const core_;
  std::mutex mu_;
  absl::Time memory_read_ = absl::InfinitePast();  // guarded by mu_
  double memory_bytes_ = 0;                        // guarded by mu_
};

// The worker pools' figures (WorkerPool::Figures), each pool by its label:
//   maillage_worker_threads{pool} gauge; maillage_worker_busy{pool} gauge:
//     threads running a task; maillage_worker_queued{pool} gauge: tasks
//     waiting for a thread;
//   maillage_worker_tasks_total{pool}, maillage_worker_queue_wait_seconds_
//     total{pool}, maillage_worker_busy_seconds_total{pool} counters: tasks
//     started, their summed wait for a thread, their summed running time.
std::vector<prometheus::MetricFamily> PoolFamilies(
    const std::vector<std::pair<std::string, WorkerPool::Figures>>& pools);

// How long each phase of the server's start took:
//   maillage_startup_duration_seconds{phase} gauge, set once per phase
//   (docs/OBSERVABILITY.md lists them), each also logged as a
//   "startup.phase" event. Thread-safe.
class StartupMetrics {
 public:
  // Registers the family in `registry`, which must outlive this object.
  explicit StartupMetrics(prometheus::Registry& registry);
  void Phase(std::string_view phase, absl::Duration duration);

 private:
  prometheus::Family<prometheus::Gauge>* durations_ = nullptr;
};

}  // namespace maillage::services

#endif  // MAILLAGE_SERVICES_SERVER_METRICS_H_

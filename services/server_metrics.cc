#include "services/server_metrics.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/time/clock.h"
#include "base/log.h"
#include "maillage/v1/actor.pb.h"
#include "ops/collector.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "storage/store.h"

namespace maillage::services {
namespace {

using prometheus::MetricFamily;

// "association" for ACTOR_KIND_ASSOCIATION (matcher::Kind has the API's
// values).
std::string KindLabel(int kind) {
  constexpr std::string_view kPrefix = "ACTOR_KIND_";
  std::string name = v1::ActorKind_Name(static_cast<v1::ActorKind>(kind));
  if (name.rfind(kPrefix, 0) == 0) name.erase(0, kPrefix.size());
  return absl::AsciiStrToLower(name);
}

void AddGauge(std::vector<MetricFamily>& families, const char* name,
              const char* help, double value) {
  families.push_back(ops::GaugeFamily(name, help));
  ops::AddSample(families.back(), value);
}

void AddCounter(std::vector<MetricFamily>& families, const char* name,
                const char* help, double value) {
  families.push_back(ops::CounterFamily(name, help));
  ops::AddSample(families.back(), value);
}

// The maillage_rocksdb_* families of `f`.
void AddStoreFamilies(const storage::StoreFigures& f,
                      std::vector<MetricFamily>& families) {
  families.push_back(ops::GaugeFamily(
      "maillage_rocksdb_live_data_bytes",
      "Estimated live data (what a full compaction keeps), by column family."));
  for (size_t i = 0; i < f.live_data_bytes.size(); ++i) {
    ops::AddSample(
        families.back(), static_cast<double>(f.live_data_bytes[i]),
        {{"family",
          std::string(storage::FamilyName(static_cast<storage::Family>(i)))}});
  }
  AddGauge(families, "maillage_rocksdb_sst_files_bytes",
           "Bytes of every table file.", f.sst_files_bytes);
  AddGauge(families, "maillage_rocksdb_pending_compaction_bytes",
           "Bytes compactions have to rewrite to bring every level within "
           "its target; RocksDB slows writes when it grows.",
           f.pending_compaction_bytes);
  AddGauge(families, "maillage_rocksdb_background_write_limit_bytes",
           "What RocksDB's flushes and compactions may write a second now "
           "(limited while interactive calls are served and no import "
           "runs); 0 while unlimited.",
           f.background_write_rate);
  AddGauge(families, "maillage_rocksdb_memtable_bytes",
           "Bytes of the active and immutable memtables.", f.memtable_bytes);
  AddGauge(families, "maillage_rocksdb_table_readers_bytes",
           "Estimated memory of the open table files' readers, outside the "
           "block cache.",
           f.table_readers_bytes);
  AddGauge(families, "maillage_rocksdb_block_cache_usage_bytes",
           "Bytes held by the block cache.", f.block_cache_usage_bytes);
  AddGauge(families, "maillage_rocksdb_block_cache_capacity_bytes",
           "The block cache's capacity, bytes.", f.block_cache_capacity_bytes);
  AddCounter(families, "maillage_rocksdb_block_cache_hits_total",
             "Block reads served by the block cache.", f.block_cache_hits);
  AddCounter(families, "maillage_rocksdb_block_cache_misses_total",
             "Block reads that missed the block cache.", f.block_cache_misses);
  AddCounter(families, "maillage_rocksdb_write_stalls_total",
             "Times a column family's writes went from normal to delayed or "
             "stopped.",
             f.write_stalls);
  AddCounter(families, "maillage_rocksdb_write_stall_seconds_total",
             "Time writers were held back by write stalls.",
             static_cast<double>(f.write_stall_micros) / 1e6);
  AddGauge(families, "maillage_rocksdb_writes_stopped",
           "1 while RocksDB stops writes (a stall), else 0.",
           f.writes_stopped ? 1 : 0);
  AddCounter(families, "maillage_rocksdb_wal_syncs_total",
             "fsyncs of the write-ahead log.", f.wal_syncs);
  AddCounter(families, "maillage_rocksdb_wal_written_bytes_total",
             "Bytes written to the write-ahead log.", f.wal_bytes);
  AddCounter(families, "maillage_rocksdb_flushes_total", "Memtable flushes.",
             f.flushes);
  AddCounter(families, "maillage_rocksdb_compactions_total",
             "Compactions completed.", f.compactions);
  AddCounter(families, "maillage_rocksdb_compaction_read_bytes_total",
             "Bytes compactions read.", f.compaction_bytes_read);
  AddCounter(families, "maillage_rocksdb_compaction_written_bytes_total",
             "Bytes compactions wrote.", f.compaction_bytes_written);
}

}  // namespace

std::vector<MetricFamily> CoreFigures::Collect() {
  std::vector<MetricFamily> families;
  families.push_back(ops::GaugeFamily(
      "maillage_actors",
      "Live actors by kind, available for matching or not (opted out or "
      "dissolved)."));
  const auto counts = core_->actors().CountByKind();
  for (size_t k = 0; k < counts.size(); ++k) {
    const std::string kind = KindLabel(static_cast<int>(k));
    ops::AddSample(families.back(), static_cast<double>(counts[k].available),
                   {{"kind", kind}, {"status", "available"}});
    ops::AddSample(families.back(), static_cast<double>(counts[k].unavailable),
                   {{"kind", kind}, {"status", "unavailable"}});
  }
  AddGauge(families, "maillage_actor_index_memory_bytes",
           "Heap bytes of the in-memory actor index (estimated from its "
           "containers; refreshed at most once a minute).",
           IndexMemoryBytes());
  AddStoreFamilies(core_->store().Figures(), families);
  return families;
}

double CoreFigures::IndexMemoryBytes() {
  std::lock_guard lock(mu_);
  const absl::Time now = absl::Now();
  if (now - memory_read_ >= absl::Minutes(1)) {
    memory_bytes_ = static_cast<double>(core_->actors().IndexMemoryBytes());
    memory_read_ = now;
  }
  return memory_bytes_;
}

std::vector<MetricFamily> PoolFamilies(
    const std::vector<std::pair<std::string, WorkerPool::Figures>>& pools) {
  using Figures = WorkerPool::Figures;
  struct Column {
    bool counter;
    const char* name;
    const char* help;
    double (*value)(const Figures&);
  };
  static const Column kColumns[] = {
      {false, "maillage_worker_threads", "Threads of each worker pool.",
       [](const Figures& f) { return static_cast<double>(f.threads); }},
      {false, "maillage_worker_busy",
       "Threads of each worker pool running a task now.",
       [](const Figures& f) { return static_cast<double>(f.busy); }},
      {false, "maillage_worker_queued",
       "Tasks waiting for a thread of each worker pool now (new calls are "
       "shed past --max_queued_calls).",
       [](const Figures& f) { return static_cast<double>(f.queued); }},
      {true, "maillage_worker_tasks_total",
       "Tasks a thread of each worker pool took up.",
       [](const Figures& f) { return static_cast<double>(f.tasks_started); }},
      {true, "maillage_worker_queue_wait_seconds_total",
       "Summed time the tasks taken up waited for a thread; divided by the "
       "tasks' rate, the mean wait.",
       [](const Figures& f) { return f.queue_wait_seconds; }},
      {true, "maillage_worker_busy_seconds_total",
       "Summed running time of the tasks ended; its rate over the threads "
       "is the pool's utilisation.",
       [](const Figures& f) { return f.busy_seconds; }},
  };
  std::vector<MetricFamily> families;
  for (const Column& column : kColumns) {
    families.push_back(column.counter
                           ? ops::CounterFamily(column.name, column.help)
                           : ops::GaugeFamily(column.name, column.help));
    for (const auto& [label, figures] : pools) {
      ops::AddSample(families.back(), column.value(figures), {{"pool", label}});
    }
  }
  return families;
}

StartupMetrics::StartupMetrics(prometheus::Registry& registry)
    : durations_(&prometheus::BuildGauge()
                      .Name("maillage_startup_duration_seconds")
                      .Help("How long each phase of the server's start took "
                            "(phase \"total\": from the first to ready).")
                      .Register(registry)) {}

void StartupMetrics::Phase(std::string_view phase, absl::Duration duration) {
  durations_->Add({{"phase", std::string(phase)}})
      .Set(absl::ToDoubleSeconds(duration));
  base::Log(base::LogLevel::kInfo, "startup.phase")
      .Add("phase", phase)
      .Add("seconds", absl::ToDoubleSeconds(duration));
}

}  // namespace maillage::services

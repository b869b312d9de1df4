// Backups of a large store (issue #16: backup time and size for 1M actors),
// in process on the core with the real RocksDB store and backup folder.
//
//   build/bench/backup_bench                    # 1,000,000 actors
//   build/bench/backup_bench --actors=100000
//   build/bench/backup_bench --store=/tmp/import/store   # an imported store
//
// Writes N synthetic actors over the real communes (each with a description
// and a contact person), flushed and compacted as a store that has lived,
// then measures: a first (full) backup, while one client updates an actor
// after another (its slowest update is what writers feel of the backup);
// a second backup after 1% of the actors changed (incremental); verifying
// it (every checksum read back); restoring it into an empty folder; and
// opening the restored store. Sizes are bytes on disk.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/clock.h"
#include "core/maillage.h"

ABSL_FLAG(int, actors, 1000000, "Actors in the store.");
ABSL_FLAG(std::string, store, "",
          "Back up this existing store (e.g. the one scripts/bench-import.sh "
          "--phases=e2e --keep leaves in DIR/store) instead of writing "
          "--actors synthetic ones; it is changed (1% more actors).");
ABSL_FLAG(std::string, dir, "",
          "Work folder (default: a new one under $TMPDIR, removed at the "
          "end).");

namespace maillage {
namespace {

// `digits` random decimal digits: text that compresses as names, numbers
// and addresses do, not as a repeated template.
std::string Noise(std::mt19937_64& rng, int digits) {
  std::string out;
  for (int i = 0; i < digits; ++i)
    out.push_back(static_cast<char>('0' + rng() % 10));
  return out;
}

v1::Actor MakeActor(int i, const std::string& commune, int round) {
  std::mt19937_64 rng(static_cast<uint64_t>(i) * 1000003 + round);
  v1::Actor a;
  a.set_id("ext:bench:" + std::to_string(i));
  a.set_kind(i % 2 == 0 ? v1::ACTOR_KIND_ASSOCIATION : v1::ACTOR_KIND_COMPANY);
  a.set_name("Acteur " + Noise(rng, 8));
  a.set_home_commune(commune);
  a.add_themes(i % 3 == 0 ? "youth" : "digital_inclusion");
  a.set_description("Association n° " + Noise(rng, 10) + ", créée en " +
                    Noise(rng, 4) + ", " + Noise(rng, 3) +
                    " rue du Marché; version " + std::to_string(round) + ".");
  auto* c = a.add_contacts();
  c->set_name("Contact " + Noise(rng, 6));
  c->set_email("c" + Noise(rng, 9) + "@example.org");
  c->set_phone("01" + Noise(rng, 8));
  return a;
}

// Imports actors [first, last) in batches of 5,000; version `round`.
bool Write(core::Maillage& m, int first, int last, int round) {
  const territory::Geography& geo = m.geography();
  const uint32_t communes = geo.Count(territory::Level::kCommune);
  auth::Principal system = auth::Principal::System();
  for (int i = first; i < last; i += 5000) {
    v1::ImportActorsRequest batch;
    for (int j = i; j < std::min(last, i + 5000); ++j) {
      uint32_t c = static_cast<uint32_t>(j * 2654435761u) % communes;
      *batch.add_actors() = MakeActor(
          j, std::string(geo.Code(territory::Level::kCommune, c)), round);
    }
    auto result = m.actors().ImportBatch(&batch, system);
    if (!result.ok() || result->counts().rejected() > 0) return false;
  }
  return true;
}

uint64_t FolderBytes(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (e.is_regular_file(ec)) total += e.file_size(ec);
  }
  return total;
}

double Seconds(absl::Time start) {
  return absl::ToDoubleSeconds(absl::Now() - start);
}

// Ids of the writer's actors, across its runs.
std::atomic<int> next_writer_id{0};

// One client creating actor after actor (synced, as the server's default)
// while `work` runs; returns the slowest and the median write, in ms.
template <typename Work>
std::pair<double, double> WithWriter(core::Maillage& m, Work work) {
  std::atomic<bool> stop{false};
  std::vector<double> latencies;
  std::thread writer([&] {
    auth::Principal system = auth::Principal::System();
    const territory::Geography& geo = m.geography();
    while (!stop.load()) {
      int i = next_writer_id.fetch_add(1);
      v1::CreateActorRequest request;
      *request.mutable_actor() =
          MakeActor(0, std::string(geo.Code(territory::Level::kCommune, 0)), i);
      request.mutable_actor()->set_id("ext:bench-writer:" + std::to_string(i));
      absl::Time start = absl::Now();
      absl::StatusOr<v1::Actor> created = m.actors().Create(request, system);
      if (!created.ok()) {
        std::fprintf(stderr, "the writer stopped: %s\n",
                     created.status().ToString().c_str());
        break;
      }
      latencies.push_back(Seconds(start) * 1000);
    }
  });
  work();
  stop = true;
  writer.join();
  if (latencies.empty()) return {0, 0};
  std::sort(latencies.begin(), latencies.end());
  return {latencies.back(), latencies[latencies.size() / 2]};
}

int Run(const std::string& dir, int actors, const std::string& store) {
  core::Maillage::Options options;
  options.data_dir = store.empty() ? dir + "/store" : store;
  options.reference_dir = MAILLAGE_REFERENCE_DIR;
  options.contacts_purge_interval = absl::ZeroDuration();
  options.backups.dir = dir + "/backups";
  options.backups.retention.keep_last = 0;
  options.backups.retention.max_age = absl::ZeroDuration();
  auto opened = core::Maillage::Open(options);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().ToString().c_str());
    return 1;
  }
  std::unique_ptr<core::Maillage> m = std::move(*opened);
  absl::Time start = absl::Now();
  if (!store.empty()) actors = static_cast<int>(m->actors().size());
  std::fprintf(stderr, "%s %d actors...\n",
               store.empty() ? "writing" : "compacting", actors);
  if ((store.empty() && !Write(*m, 0, actors, 0)) ||
      !m->store()
           .ErasePhysically(
               {storage::Family::kActors, storage::Family::kContacts},
               absl::Minutes(5))
           .ok()) {
    std::fprintf(stderr, "populating the store failed\n");
    return 1;
  }
  std::printf(
      "| Store of %d actors, flushed and compacted | %.1f s | %.1f MiB |\n",
      actors, Seconds(start), FolderBytes(options.data_dir) / 1048576.0);

  auto [idle_slowest, idle_median] = WithWriter(
      *m, [] { std::this_thread::sleep_for(std::chrono::seconds(1)); });
  std::printf(
      "| The writer alone for 1 s (no backup) | | | writer: median "
      "%.2f ms, slowest %.1f ms |\n",
      idle_median, idle_slowest);

  absl::StatusOr<v1::CreateBackupResponse> first;
  start = absl::Now();
  auto [slowest, median] = WithWriter(
      *m, [&] { first = m->backups().Create(v1::CreateBackupRequest()); });
  if (!first.ok()) {
    std::fprintf(stderr, "%s\n", first.status().ToString().c_str());
    return 1;
  }
  std::printf(
      "| First backup (full), one writer running | %.2f s | %.1f MiB "
      "| writer: median %.2f ms, slowest %.1f ms |\n",
      Seconds(start), FolderBytes(options.backups.dir) / 1048576.0, median,
      slowest);

  uint64_t before = FolderBytes(options.backups.dir);
  if (!Write(*m, 0, actors / 100, 1)) return 1;
  start = absl::Now();
  auto second = m->backups().Create(v1::CreateBackupRequest());
  if (!second.ok()) return 1;
  std::printf(
      "| Second backup after 1%% of the actors changed | %.2f s | +%.1f MiB "
      "| |\n",
      Seconds(start), (FolderBytes(options.backups.dir) - before) / 1048576.0);

  v1::VerifyBackupRequest verify;
  verify.set_id(second->backup().id());
  start = absl::Now();
  if (!m->backups().Verify(verify).ok()) return 1;
  std::printf("| Verify the second backup (every checksum) | %.2f s | | |\n",
              Seconds(start));
  m.reset();

  start = absl::Now();
  auto restored = core::Backups::Restore(options.backups.dir, 0,
                                         dir + "/restored", dir + "/secret");
  if (!restored.ok()) return 1;
  std::printf(
      "| Restore the second backup into an empty folder | %.2f s | "
      "%.1f MiB | |\n",
      Seconds(start), FolderBytes(dir + "/restored") / 1048576.0);
  options.data_dir = dir + "/restored";
  options.key_digest_secret_file = dir + "/secret";
  options.backups = core::Backups::Options();
  start = absl::Now();
  auto reopened = core::Maillage::Open(options);
  if (!reopened.ok()) return 1;
  std::printf(
      "| Open the restored store (index rebuilt): %zu actors | %.2f s "
      "| | |\n",
      (*reopened)->actors().size(), Seconds(start));
  return 0;
}

}  // namespace
}  // namespace maillage

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  std::string dir = absl::GetFlag(FLAGS_dir);
  bool temporary = dir.empty();
  if (temporary) {
    dir = (std::filesystem::temp_directory_path() /
           ("maillage-backup-bench-" + std::to_string(getpid())))
              .string();
  }
  int status = maillage::Run(dir, absl::GetFlag(FLAGS_actors),
                             absl::GetFlag(FLAGS_store));
  if (temporary) std::filesystem::remove_all(dir);
  return status;
}

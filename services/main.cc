// maillage_server: flags in, Server out. Everything else is in server.cc.
#include <pthread.h>
#include <signal.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "services/server.h"

#ifndef MAILLAGE_REFERENCE_DIR
#define MAILLAGE_REFERENCE_DIR "reference"
#endif

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "Address to listen on (host:port; port 0 picks a free one).");
ABSL_FLAG(std::string, data_dir, "maillage-data",
          "RocksDB folder of the store; created when missing.");
ABSL_FLAG(std::string, reference_dir, MAILLAGE_REFERENCE_DIR,
          "Folder holding the reference data (geo/, vocab/).");
ABSL_FLAG(int, max_message_bytes, 64 << 20,
          "Largest request or response accepted, in bytes.");
ABSL_FLAG(bool, sync_writes, true,
          "fsync the write-ahead log before acknowledging a write, so that "
          "acknowledged writes survive a machine crash (not only a process "
          "crash).");
ABSL_FLAG(int, worker_threads, 16, "Threads running request work.");
ABSL_FLAG(int, max_queued_calls, 256,
          "Calls waiting for a worker beyond which new calls are refused "
          "with RESOURCE_EXHAUSTED and a retry delay (load shedding).");
ABSL_FLAG(int64_t, max_request_bytes, 4 << 20,
          "Largest request of a unary call, in bytes (refused before it is "
          "decoded); the import stream's messages may reach "
          "--max_message_bytes.");
ABSL_FLAG(int64_t, max_pairs_per_request, 300000,
          "Cost budget of one territory-wide matching (SuggestForTerritory): "
          "associations in the territory x candidates each.");
ABSL_FLAG(int64_t, min_free_disk_mb, 512,
          "Free space, in MiB, kept on the data folder's filesystem: a write "
          "that would leave less is refused with RESOURCE_EXHAUSTED (and the "
          "health service \"maillage.v1.Writes\" says NOT_SERVING) until "
          "space is freed; reads go on. It is what RocksDB needs to flush and "
          "compact; the write-ahead log is capped at half of it (at most "
          "256 MiB).");
ABSL_FLAG(bool, demo, false,
          "On an empty store, load the synthetic demo territory (320 "
          "fictitious actors in the Val-de-Marne, labelled \"(démo)\", "
          "ids ext:demo:…) so that suggestions work at once.");
ABSL_FLAG(int, cooling_days, 90,
          "Days during which a dismissed or declined pair is not proposed "
          "again.");
ABSL_FLAG(int, default_capacity, 3,
          "Capacity of an actor that does not state one.");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "The Maillage gRPC server (maillage.v1: actors, territories, matching).\n"
      "Usage: maillage_server [--listen=127.0.0.1:50051] "
      "[--data_dir=maillage-data]");
  absl::ParseCommandLine(argc, argv);

  // Signals are taken synchronously by this thread only.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  maillage::services::Server::Options options;
  options.listen_address = absl::GetFlag(FLAGS_listen);
  options.core.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.core.reference_dir = absl::GetFlag(FLAGS_reference_dir);
  options.core.sync_writes = absl::GetFlag(FLAGS_sync_writes);
  int64_t min_free_disk_mb = absl::GetFlag(FLAGS_min_free_disk_mb);
  if (min_free_disk_mb < 0) {
    std::fprintf(stderr, "maillage: --min_free_disk_mb must be >= 0\n");
    return 2;
  }
  options.core.min_free_disk_bytes = static_cast<uint64_t>(min_free_disk_mb)
                                     << 20;
  options.core.default_capacity = absl::GetFlag(FLAGS_default_capacity);
  options.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  options.worker_threads = absl::GetFlag(FLAGS_worker_threads);
  options.requests.max_queued_calls = absl::GetFlag(FLAGS_max_queued_calls);
  options.requests.max_request_bytes =
      static_cast<size_t>(absl::GetFlag(FLAGS_max_request_bytes));
  options.core.max_pairs_per_request =
      absl::GetFlag(FLAGS_max_pairs_per_request);
  options.demo = absl::GetFlag(FLAGS_demo);
  options.core.cooling_period =
      absl::Hours(24) * absl::GetFlag(FLAGS_cooling_days);

  auto server = maillage::services::Server::BuildAndStart(options);
  if (!server.ok()) {
    std::fprintf(stderr, "maillage: cannot start: %s\n",
                 server.status().ToString().c_str());
    return 1;
  }
  std::string host =
      options.listen_address.substr(0, options.listen_address.rfind(':'));
  std::fprintf(stderr, "maillage listening on %s:%d; store: %s\n", host.c_str(),
               (*server)->port(), (*server)->core().Describe().c_str());

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  std::fprintf(stderr,
               "maillage: %s received, draining and closing the store\n",
               signal_number == SIGINT ? "SIGINT" : "SIGTERM");
  (*server)->Shutdown();
  std::fprintf(stderr, "maillage: stopped cleanly\n");
  return 0;
}

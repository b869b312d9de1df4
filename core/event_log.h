#ifndef MAILLAGE_CORE_EVENT_LOG_H_
#define MAILLAGE_CORE_EVENT_LOG_H_

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "maillage/storage/records.pb.h"
#include "maillage/v1/lifecycle.pb.h"
#include "storage/store.h"

namespace maillage::core {

// The ordered log of suggestion and partnership changes that dashboards
// watch (column family "events", key = sequence number).
//
// Events are written in the same WriteBatch as the change they describe,
// and sequence numbers are assigned and committed under one mutex, so the
// log never shows event n+1 before event n is durable: a watcher resuming
// after token n misses nothing and sees nothing twice.
//
// Thread-safe.
class EventLog {
 public:
  explicit EventLog(storage::Store* store) : store_(store) {}

  // Reads the last sequence number. Call once before use.
  absl::Status Open();

  // An event to append: the payload, the workspace whose record changed
  // (only its watchers see it) and the home communes of the actors it
  // concerns (for territory filters).
  struct Pending {
    v1::WatchEvent event;
    std::string workspace;
    std::vector<std::string> communes;
  };

  // Adds the events to `batch`, writes it, then wakes the subscribers.
  // `sync` as in Store::Write.
  absl::Status Commit(storage::WriteBatch* batch, std::vector<Pending> events,
                      bool sync = true);

  // Events of `workspace` with a sequence > after, in order, at most
  // `limit`; `keep` chooses which of them to return (all are scanned; other
  // workspaces' events are never handed to it). *last is set to the last
  // sequence scanned (so a caller can resume after filtered-out events).
  absl::StatusOr<std::vector<v1::WatchEvent>> Read(
      uint64_t after, size_t limit, std::string_view workspace,
      const std::function<bool(const storage::EventRecord&)>& keep,
      uint64_t* last) const;

  uint64_t last_sequence() const;

  // `notify` is called (on the committing thread; keep it short) after
  // each commit. Returns a handle for Unsubscribe.
  int Subscribe(std::function<void()> notify);
  void Unsubscribe(int handle);

  static std::string Token(uint64_t sequence);
  // The sequence of a token; InvalidArgument when malformed.
  static absl::StatusOr<uint64_t> ParseToken(std::string_view token);

 private:
  storage::Store* store_;
  mutable std::mutex mu_;
  uint64_t last_ = 0;  // guarded by mu_
  std::mutex subscribers_mu_;
  int next_handle_ = 0;                               // guarded
  std::map<int, std::function<void()>> subscribers_;  // guarded
};

}  // namespace maillage::core

#endif  // MAILLAGE_CORE_EVENT_LOG_H_

#include "core/event_log.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "storage/store.h"
#include "tests/support/temp_dir.h"

namespace maillage::core {
namespace {

constexpr char kWorkspace[] = "w";

EventLog::Pending AnEvent(const std::string& suggestion_id) {
  EventLog::Pending p;
  p.event.mutable_suggestion()->set_id(suggestion_id);
  p.workspace = kWorkspace;
  return p;
}

std::vector<uint64_t> SequencesAfter(const EventLog& log, uint64_t after) {
  uint64_t last = 0;
  auto events = log.Read(
      after, /*limit=*/1'000'000, kWorkspace,
      [](const storage::EventRecord&) { return true; }, &last);
  EXPECT_TRUE(events.ok()) << events.status();
  std::vector<uint64_t> sequences;
  if (!events.ok()) return sequences;
  for (const v1::WatchEvent& e : *events) {
    sequences.push_back(*EventLog::ParseToken(e.token()));
  }
  return sequences;
}

// Commits run side by side (their writes share RocksDB's group commit);
// a reader polling meanwhile must see the events numbered without a gap,
// each once, and never one before all those numbered below it.
TEST(EventLogTest, ConcurrentCommitsAreShownInOrderWithoutGaps) {
  testing::TempDir dir;
  storage::Store::Options options;
  options.path = dir.path();
  auto store = storage::Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  EventLog log(store->get());
  ASSERT_TRUE(log.Open().ok());

  constexpr int kWriters = 8, kCommits = 150;
  std::atomic<int> writing{kWriters};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int c = 0; c < kCommits; ++c) {
        storage::WriteBatch batch;
        batch.Put(storage::Family::kMeta, absl::StrCat("test-", w), "x");
        std::vector<EventLog::Pending> events;
        for (int e = 0; e <= c % 3; ++e) {
          events.push_back(AnEvent(absl::StrCat(w, "-", c, "-", e)));
        }
        // Every other commit synced, as the directory's writes are.
        EXPECT_TRUE(
            log.Commit(&batch, std::move(events), /*sync=*/c % 2 == 0).ok());
      }
      --writing;
    });
  }
  uint64_t seen = 0;
  int reads = 0;
  for (bool last_pass = false; !last_pass; ++reads) {
    last_pass = writing.load() == 0;
    const uint64_t shown = log.last_sequence();
    std::vector<uint64_t> sequences = SequencesAfter(log, seen);
    // Read may go past the last_sequence read just before (more settled
    // meanwhile), never past a gap.
    ASSERT_GE(sequences.size(), shown - seen);
    for (uint64_t s : sequences) ASSERT_EQ(s, ++seen);
  }
  for (std::thread& t : writers) t.join();
  const uint64_t total = kWriters * (kCommits / 3 * 6);  // 1+2+3 per 3 commits
  EXPECT_EQ(seen, total);
  EXPECT_EQ(log.last_sequence(), total);
  EXPECT_GT(reads, 1);
}

// A commit whose write is refused (here a full disk) returns the error; its
// numbers are skipped: never shown, and the events after it are.
TEST(EventLogTest, AFailedCommitsNumbersAreSkipped) {
  testing::TempDir dir;
  auto available = std::make_shared<std::atomic<uint64_t>>(uint64_t{1} << 40);
  storage::Store::Options options;
  options.path = dir.path();
  options.min_free_disk_bytes = uint64_t{64} << 20;
  options.disk_probe = [available](const std::string&) {
    return absl::StatusOr<uint64_t>(available->load());
  };
  auto store = storage::Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  auto log = std::make_unique<EventLog>(store->get());
  ASSERT_TRUE(log->Open().ok());

  auto commit = [&log](const std::string& id) {
    storage::WriteBatch batch;
    std::vector<EventLog::Pending> events;
    events.push_back(AnEvent(id));
    events.push_back(AnEvent(id + "'"));
    return log->Commit(&batch, std::move(events));
  };
  ASSERT_TRUE(commit("a").ok());  // 1, 2
  available->store(uint64_t{1} << 20);
  (*store)->CheckWrites();
  EXPECT_EQ(commit("b").code(), absl::StatusCode::kResourceExhausted);  // 3, 4
  // Passed over at once: a later commit is not held back by the gap.
  EXPECT_EQ(log->last_sequence(), 4u);
  EXPECT_EQ(SequencesAfter(*log, 0), (std::vector<uint64_t>{1, 2}));
  available->store(uint64_t{1} << 40);
  (*store)->CheckWrites();
  ASSERT_TRUE(commit("c").ok());  // 5, 6
  EXPECT_EQ(log->last_sequence(), 6u);
  EXPECT_EQ(SequencesAfter(*log, 0), (std::vector<uint64_t>{1, 2, 5, 6}));

  // After a restart the numbers go on after the last one written.
  log = std::make_unique<EventLog>(store->get());
  ASSERT_TRUE(log->Open().ok());
  EXPECT_EQ(log->last_sequence(), 6u);
  ASSERT_TRUE(commit("d").ok());
  EXPECT_EQ(SequencesAfter(*log, 6), (std::vector<uint64_t>{7, 8}));
}

}  // namespace
}  // namespace maillage::core

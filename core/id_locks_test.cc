#include "core/id_locks.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace maillage::core {
namespace {

TEST(IdLocksTest, DisjointKeysDoNotWait) {
  IdLocks locks;
  auto a = locks.Lock(std::vector<std::string>{"siret:1", "siret:2"});
  auto b = locks.Lock({"siret:3", "req-1"});
  auto c = locks.Lock({"", ""});  // empty keys lock nothing
  SUCCEED();
}

TEST(IdLocksTest, SharedKeyWaitsForTheHolderAndMayBeReleasedElsewhere) {
  IdLocks locks;
  IdLocks::Held first = locks.Lock(std::vector<std::string>{"a", "b", "c"});
  std::atomic<bool> second_has_it{false};
  std::thread second([&] {
    auto held = locks.Lock({"c", "d"});
    second_has_it = true;
  });
  // Released on another thread than the one that locked.
  std::thread releaser([&, held = std::move(first)]() mutable {
    EXPECT_FALSE(second_has_it.load());
    held.Release();
  });
  releaser.join();
  second.join();
  EXPECT_TRUE(second_has_it.load());
  // Everything is free again.
  auto again = locks.Lock({"a", "b", "c", "d"});
}

TEST(IdLocksTest, ManyThreadsIncrementingSharedCountersLoseNothing) {
  IdLocks locks;
  int counters[4] = {0, 0, 0, 0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        int x = (t + i) % 4, y = (t + 2 * i + 1) % 4;
        auto held = locks.Lock(
            {std::to_string(x), std::to_string(y), std::to_string(x)});
        ++counters[x];
        if (y != x) ++counters[y];
      }
    });
  }
  for (auto& t : threads) t.join();
  int total = counters[0] + counters[1] + counters[2] + counters[3];
  int expected = 0;
  for (int t = 0; t < 8; ++t) {
    for (int i = 0; i < 2000; ++i) {
      expected += (t + i) % 4 == (t + 2 * i + 1) % 4 ? 1 : 2;
    }
  }
  EXPECT_EQ(total, expected);
}

}  // namespace
}  // namespace maillage::core

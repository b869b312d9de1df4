#include "auth/rate_limiter.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace maillage::auth {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

TEST(RateLimiterTest, LetsABurstThroughThenTellsWhenToRetry) {
  RateLimiter limiter({/*per_second=*/10, /*burst=*/5});
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(limiter.Acquire("key:a", kT0), absl::ZeroDuration()) << i;
  }
  absl::Duration wait = limiter.Acquire("key:a", kT0);
  EXPECT_GT(wait, absl::ZeroDuration());
  EXPECT_LE(wait, absl::Milliseconds(100));  // one token at 10/s
  // Refused calls take nothing: the token comes when announced.
  EXPECT_EQ(limiter.Acquire("key:a", kT0 + wait), absl::ZeroDuration());
  EXPECT_GT(limiter.Acquire("key:a", kT0 + wait), absl::ZeroDuration());
}

TEST(RateLimiterTest, PrincipalsHaveTheirOwnBuckets) {
  RateLimiter limiter({/*per_second=*/1, /*burst=*/2});
  EXPECT_EQ(limiter.Acquire("key:a", kT0), absl::ZeroDuration());
  EXPECT_EQ(limiter.Acquire("key:a", kT0), absl::ZeroDuration());
  EXPECT_GT(limiter.Acquire("key:a", kT0), absl::ZeroDuration());
  EXPECT_EQ(limiter.Acquire("key:b", kT0), absl::ZeroDuration());
}

TEST(RateLimiterTest, RefillsAtTheRateUpToTheBurst) {
  RateLimiter limiter({/*per_second=*/2, /*burst=*/3});
  for (int i = 0; i < 3; ++i) limiter.Acquire("key:a", kT0);
  // An hour idle refills 3 tokens, not 7200.
  absl::Time later = kT0 + absl::Hours(1);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(limiter.Acquire("key:a", later), absl::ZeroDuration());
  }
  EXPECT_GT(limiter.Acquire("key:a", later), absl::ZeroDuration());
  EXPECT_EQ(limiter.Acquire("key:a", later + absl::Milliseconds(500)),
            absl::ZeroDuration());
}

TEST(RateLimiterTest, ZeroRateIsUnlimited) {
  RateLimiter limiter({/*per_second=*/0, /*burst=*/1});
  EXPECT_FALSE(limiter.enabled());
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(limiter.Acquire("key:a", kT0), absl::ZeroDuration());
  }
  EXPECT_EQ(limiter.size(), 0u);
}

TEST(RateLimiterTest, AFloodOfPrincipalsKeepsMemoryBounded) {
  RateLimiter limiter({/*per_second=*/1, /*burst=*/1,
                       /*max_principals=*/160});
  for (int i = 0; i < 100000; ++i) {
    limiter.Acquire(absl::StrCat("key:", i), kT0);
  }
  EXPECT_LE(limiter.size(), 160u);
  // An active principal keeps its bucket through a flood of idle ones.
  limiter.Acquire("key:busy", kT0);
  EXPECT_GT(limiter.Acquire("key:busy", kT0), absl::ZeroDuration());
  for (int i = 0; i < 150; ++i) {
    limiter.Acquire(absl::StrCat("later:", i), kT0 + absl::Seconds(10));
  }
  EXPECT_LE(limiter.size(), 160u);
}

TEST(RateLimiterTest, ConcurrentCallersNeverGetMoreThanTheBurst) {
  RateLimiter limiter({/*per_second=*/0.001, /*burst=*/100});
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        if (limiter.Acquire("key:shared", kT0) == absl::ZeroDuration()) {
          ++admitted;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(admitted.load(), 100);
}

}  // namespace
}  // namespace maillage::auth

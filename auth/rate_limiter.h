#ifndef MAILLAGE_AUTH_RATE_LIMITER_H_
#define MAILLAGE_AUTH_RATE_LIMITER_H_

#include <array>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"

namespace maillage::auth {

// A token bucket per principal: each call takes a token; a bucket holds at
// most `burst` tokens and refills at `per_second`. A principal over its rate
// is told how long until its next token (the RetryInfo of the
// RESOURCE_EXHAUSTED it gets).
//
// Memory is bounded: at most max_principals buckets. A bucket that has
// refilled to `burst` is the same as no bucket, so idle buckets are
// forgotten when room is needed; when every bucket is in use (more distinct
// principals calling at once than max_principals), the least recently used
// one is forgotten, which only ever lets its principal through earlier.
//
// Thread-safe: the buckets are spread over shards, each with its own mutex,
// so concurrent calls of different principals rarely wait for each other.
class RateLimiter {
 public:
  struct Options {
    // Sustained calls per second of one principal; 0 or less: no limit.
    double per_second = 50;
    // Calls one principal may make at once after being idle (at least 1).
    double burst = 100;
    // Buckets kept at most (distinct principals tracked).
    size_t max_principals = 100000;
  };

  explicit RateLimiter(Options options);
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // Takes a token from `principal_id`'s bucket. Returns zero when the call
  // may go on; otherwise (and no token is taken) the wait until the bucket
  // holds a token.
  absl::Duration Acquire(std::string_view principal_id,
                         absl::Time now = absl::Now());

  bool enabled() const { return options_.per_second > 0; }
  // Buckets currently kept, for tests.
  size_t size() const;

 private:
  struct Bucket {
    double tokens = 0;
    absl::Time last;  // when `tokens` was computed
  };
  struct Shard {
    mutable std::mutex mu;
    absl::flat_hash_map<std::string, Bucket> buckets ABSL_GUARDED_BY(mu);
  };
  static constexpr size_t kShards = 16;

  // Tokens of `bucket` at `now`, refilled and capped at burst.
  double Refilled(const Bucket& bucket, absl::Time now) const;
  // Makes room for one more bucket in a full shard.
  void EvictLocked(Shard& shard, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu);

  const Options options_;
  const size_t shard_capacity_;
  std::array<Shard, kShards> shards_;
};

}  // namespace maillage::auth

#endif  // MAILLAGE_AUTH_RATE_LIMITER_H_

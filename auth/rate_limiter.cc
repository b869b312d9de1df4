#include "auth/rate_limiter.h"

#include <algorithm>
#include <functional>
#include <utility>

#include "base/strings.h"

namespace maillage::auth {

RateLimiter::RateLimiter(Options options)
    : options_([&] {
        options.burst = std::max(options.burst, 1.0);
        return options;
      }()),
      shard_capacity_(std::max<size_t>(1, options_.max_principals / kShards)) {}

double RateLimiter::Refilled(const Bucket& bucket, absl::Time now) const {
  double elapsed = std::max(0.0, absl::ToDoubleSeconds(now - bucket.last));
  return std::min(options_.burst,
                  bucket.tokens + elapsed * options_.per_second);
}

absl::Duration RateLimiter::Acquire(std::string_view principal_id,
                                    absl::Time now) {
  if (!enabled()) return absl::ZeroDuration();
  Shard& shard = shards_[std::hash<std::string_view>()(principal_id) % kShards];
  std::lock_guard lock(shard.mu);
  auto it = shard.buckets.find(AsAbsl(principal_id));
  if (it == shard.buckets.end()) {
    if (shard.buckets.size() >= shard_capacity_) EvictLocked(shard, now);
    it = shard.buckets
             .emplace(std::string(principal_id), Bucket{options_.burst, now})
             .first;
  }
  Bucket& bucket = it->second;
  bucket.tokens = Refilled(bucket, now);
  bucket.last = std::max(bucket.last, now);
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return absl::ZeroDuration();
  }
  return absl::Seconds((1 - bucket.tokens) / options_.per_second);
}

void RateLimiter::EvictLocked(Shard& shard, absl::Time now) {
  // One pass: forget every bucket that has refilled (no loss: a new bucket
  // starts full), and remember the least recently used in case none has.
  auto oldest = shard.buckets.end();
  for (auto it = shard.buckets.begin(); it != shard.buckets.end();) {
    if (Refilled(it->second, now) >= options_.burst) {
      shard.buckets.erase(it++);
      continue;
    }
    if (oldest == shard.buckets.end() ||
        it->second.last < oldest->second.last) {
      oldest = it;
    }
    ++it;
  }
  if (shard.buckets.size() >= shard_capacity_ &&
      oldest != shard.buckets.end()) {
    shard.buckets.erase(oldest);
  }
}

size_t RateLimiter::size() const {
  size_t n = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    n += shard.buckets.size();
  }
  return n;
}

}  // namespace maillage::auth

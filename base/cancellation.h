#ifndef MAILLAGE_BASE_CANCELLATION_H_
#define MAILLAGE_BASE_CANCELLATION_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace maillage::base {

// When the work of one request should stop: its caller went away (the call
// was cancelled, or the server is shutting down and gave up waiting), or its
// deadline passed. Long computations (territory-wide matching, coalitions,
// panels, exports) poll Check() between units of work a few milliseconds
// apart, so that nothing runs on after nobody waits for it.
//
// Check() is cheap (a clock read and the probe, an atomic load for a gRPC
// call) and thread-safe. The default instance never stops.
class Cancellation {
 public:
  // Returns true once the caller is gone. Must be thread-safe and cheap.
  using Probe = std::function<bool()>;

  Cancellation() = default;
  Cancellation(absl::Time deadline, Probe caller_gone)
      : deadline_(deadline), caller_gone_(std::move(caller_gone)) {}

  // A Cancellation that never stops anything.
  static const Cancellation& Never() {
    static const Cancellation* never = new Cancellation();
    return *never;
  }

  // OK while the work is still wanted; CANCELLED when the caller went away,
  // DEADLINE_EXCEEDED when its deadline passed. Once non-OK, stays non-OK.
  absl::Status Check() const {
    if (stopped_.load(std::memory_order_relaxed) == kNotStopped) {
      if (deadline_ != absl::InfiniteFuture() && absl::Now() >= deadline_) {
        stopped_.store(kDeadline, std::memory_order_relaxed);
      } else if (caller_gone_ && caller_gone_()) {
        stopped_.store(kCancelled, std::memory_order_relaxed);
      }
    }
    switch (stopped_.load(std::memory_order_relaxed)) {
      case kDeadline:
        return absl::DeadlineExceededError(
            "the call's deadline passed before the work was done; the "
            "server stopped it");
      case kCancelled:
        return absl::CancelledError(
            "the call was cancelled; the server stopped its work");
      default:
        return absl::OkStatus();
    }
  }

  absl::Time deadline() const { return deadline_; }

 private:
  enum : int { kNotStopped = 0, kCancelled, kDeadline };
  absl::Time deadline_ = absl::InfiniteFuture();
  Probe caller_gone_;
  mutable std::atomic<int> stopped_{kNotStopped};
};

}  // namespace maillage::base

#endif  // MAILLAGE_BASE_CANCELLATION_H_

#include "core/import_pacer.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <utility>

#include "absl/time/clock.h"

namespace maillage::core {

ImportPacer::ImportPacer(Options options, std::function<absl::Time()> now)
    : options_(options),
      now_(std::move(now)),
      last_interactive_ns_(std::numeric_limits<int64_t>::min()) {}

absl::Time ImportPacer::Now() const {
  if (now_) return now_();
  // Monotonic: a wall clock set back would make the server look busy.
  return absl::UnixEpoch() +
         absl::FromChrono(std::chrono::steady_clock::now().time_since_epoch());
}

void ImportPacer::NoteInteractiveCall() {
  if (!enabled()) return;
  last_interactive_ns_.store(absl::ToUnixNanos(Now()),
                             std::memory_order_relaxed);
}

absl::Duration ImportPacer::Charge(int64_t rows) {
  if (!enabled() || rows <= 0) return absl::ZeroDuration();
  const absl::Time now = Now();
  const int64_t last = last_interactive_ns_.load(std::memory_order_relaxed);
  const bool busy = last != std::numeric_limits<int64_t>::min() &&
                    now - absl::FromUnixNanos(last) <= options_.quiet_after;
  std::lock_guard lock(mu_);
  if (!busy) {
    paid_until_ = now;  // quiet: what the import ran ahead is forgiven
    return absl::ZeroDuration();
  }
  const double rate = options_.busy_rows_per_second;
  paid_until_ = std::max(paid_until_, now) +
                absl::Seconds(static_cast<double>(rows) / rate);
  const absl::Duration burst = absl::Seconds(options_.burst_rows / rate);
  return std::max(absl::ZeroDuration(), paid_until_ - now - burst);
}

absl::Duration ImportPacer::Pace(int64_t rows, absl::Duration max_wait) {
  const absl::Duration wait = std::min(Charge(rows), max_wait);
  if (wait <= absl::ZeroDuration()) return absl::ZeroDuration();
  absl::SleepFor(wait);
  return wait;
}

}  // namespace maillage::core

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
      last_interactive_ns_(std::numeric_limits<int64_t>::min()),
      last_import_ns_(std::numeric_limits<int64_t>::min()) {}

absl::Time ImportPacer::Now() const {
  if (now_) return now_();
  // Monotonic: a wall clock set back would make the server look busy.
  return absl::UnixEpoch() +
         absl::FromChrono(std::chrono::steady_clock::now().time_since_epoch());
}

bool ImportPacer::Within(int64_t last_ns, absl::Time now,
                         absl::Duration within) {
  return last_ns != std::numeric_limits<int64_t>::min() &&
         now - absl::FromUnixNanos(last_ns) <= within;
}

void ImportPacer::NoteInteractiveCall() {
  last_interactive_ns_.store(absl::ToUnixNanos(Now()),
                             std::memory_order_relaxed);
}

bool ImportPacer::ServingInteractiveCalls() const {
  return Within(last_interactive_ns_.load(std::memory_order_relaxed), Now(),
                options_.quiet_after);
}

bool ImportPacer::Importing(absl::Duration within) const {
  return Within(last_import_ns_.load(std::memory_order_relaxed), Now(), within);
}

absl::Duration ImportPacer::Charge(int64_t rows) {
  if (rows <= 0) return absl::ZeroDuration();
  const absl::Time now = Now();
  last_import_ns_.store(absl::ToUnixNanos(now), std::memory_order_relaxed);
  if (!enabled()) return absl::ZeroDuration();
  const bool busy = Within(last_interactive_ns_.load(std::memory_order_relaxed),
                           now, options_.quiet_after);
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

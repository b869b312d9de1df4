#include "core/retention.h"

#include <algorithm>
#include <cstdio>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "auth/pseudonym.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "core/request_log.h"

namespace maillage::core {
namespace {

// Writes one event "retention" in the server's log.
void Log(const std::string& line) {
  base::Log(base::LogLevel::kInfo, "retention").Add("message", line);
}

// "3 suggestion, 12 event" for the records a sweep purged; "" when none.
std::string Describe(const RetentionCounts& counts) {
  std::vector<std::string> parts;
  for (size_t i = 0; i < kRetentionRecordCount; ++i) {
    if (counts.of[i] == 0) continue;
    parts.push_back(absl::StrCat(
        counts.of[i], " ",
        AsAbsl(RetentionRecordName(static_cast<RetentionRecord>(i)))));
  }
  return absl::StrJoin(parts, ", ");
}

}  // namespace

std::string_view RetentionRecordName(RetentionRecord record) {
  switch (record) {
    case RetentionRecord::kSuggestion:
      return "suggestion";
    case RetentionRecord::kLifecyclePersonalFields:
      return "lifecycle_personal_fields";
    case RetentionRecord::kEvent:
      return "event";
    case RetentionRecord::kRequest:
      return "request";
    case RetentionRecord::kAuditEntry:
      return "audit_entry";
    case RetentionRecord::kCount:
      break;
  }
  return "unknown";
}

Retention::Retention(Parts parts, Options options, std::string pseudonym_secret,
                     RetentionReporter* reporter)
    : parts_(parts),
      options_(std::move(options)),
      pseudonym_secret_(std::move(pseudonym_secret)),
      reporter_(reporter) {}

Retention::~Retention() { Stop(); }

void Retention::Start() {
  if (options_.interval <= absl::ZeroDuration() || thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
  }
  thread_ = std::thread([this] { Run(); });
}

void Retention::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool Retention::stopping() const {
  std::lock_guard lock(mu_);
  return stopping_;
}

absl::Status Retention::Drain(
    RetentionRecord record,
    const std::function<absl::StatusOr<int64_t>(bool* done)>& step,
    RetentionCounts* counts) {
  bool done = false;
  while (!done) {
    if (stopping()) {
      return absl::CancelledError("retention: the server is stopping");
    }
    ASSIGN_OR_RETURN(int64_t purged, step(&done));
    if (purged == 0) continue;
    (*counts)[record] += purged;
    if (reporter_ != nullptr) reporter_->Purged(record, purged);
  }
  return absl::OkStatus();
}

absl::Status Retention::SweepEach(absl::Time now, RetentionCounts* counts) {
  const size_t batch = std::max<size_t>(options_.batch, 1);
  // What an erasure left is a pseudonym already (auth::Pseudonym returns
  // it unchanged).
  auto pseudonym = [this](std::string_view id) {
    return auth::Pseudonym(pseudonym_secret_, id);
  };
  // Where each scan by key stands between its steps.
  std::string untouched_after, closed_after, requests_after;
  struct Kind {
    RetentionRecord record;
    bool kept_forever;
    std::function<absl::StatusOr<int64_t>(bool* done)> step;
  };
  const absl::Duration zero = absl::ZeroDuration();
  const Kind kinds[] = {
      {RetentionRecord::kSuggestion, options_.untouched_suggestions <= zero,
       [&](bool* done) {
         return parts_.lifecycle->PurgeUntouchedSuggestions(
             now - options_.untouched_suggestions, batch, &untouched_after,
             done);
       }},
      {RetentionRecord::kLifecyclePersonalFields,
       options_.closed_personal_fields <= zero,
       [&](bool* done) {
         return parts_.lifecycle->PseudonymiseClosedSuggestions(
             now - options_.closed_personal_fields, pseudonym, batch,
             &closed_after, done);
       }},
      {RetentionRecord::kEvent, options_.events <= zero,
       [&](bool* done) {
         return parts_.events->Purge(now - options_.events, batch, done);
       }},
      {RetentionRecord::kRequest, false,
       [&](bool* done) {
         return RequestLog::Purge(parts_.store, now, batch, &requests_after,
                                  done);
       }},
      // The audit trail's period is its own (AuditLog::Options::retention).
      {RetentionRecord::kAuditEntry, false,
       [&](bool* done) { return parts_.audit->Purge(now, batch, done); }},
  };
  for (const Kind& kind : kinds) {
    if (!kind.kept_forever) {
      RETURN_IF_ERROR(Drain(kind.record, kind.step, counts));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<RetentionCounts> Retention::Sweep(absl::Time now) {
  std::lock_guard sweep(sweep_mu_);
  const absl::Time start = absl::Now();
  RetentionCounts counts;
  absl::Status status = SweepEach(now, &counts);
  const absl::Time end = absl::Now();
  if (reporter_ != nullptr) reporter_->SweepEnded(end, end - start, status);
  if (!status.ok()) return status;
  return counts;
}

void Retention::Run() {
  bool disk_full = false;  // logged, and not yet over
  for (;;) {
    absl::StatusOr<RetentionCounts> swept = Sweep(absl::Now());
    absl::Duration wait = options_.interval;
    if (swept.ok()) {
      if (disk_full) Log("purging again: the disk has room");
      disk_full = false;
      if (std::string purged = Describe(*swept); !purged.empty()) {
        Log(absl::StrCat("purged ", purged));
      }
    } else if (swept.status().code() == absl::StatusCode::kCancelled) {
      return;
    } else if (swept.status().code() == absl::StatusCode::kResourceExhausted) {
      if (!disk_full) {
        Log(
            absl::StrCat("the disk is full: purging waits for free space "
                         "(tried again every ",
                         absl::FormatDuration(options_.retry_delay), ")"));
      }
      disk_full = true;
      wait = std::min(wait, options_.retry_delay);
    } else {
      Log(absl::StrCat("sweep failed: ", swept.status().ToString()));
    }
    std::unique_lock lock(mu_);
    if (wake_.wait_for(lock, absl::ToChronoMilliseconds(wait),
                       [&] { return stopping_; })) {
      return;
    }
  }
}

}  // namespace maillage::core

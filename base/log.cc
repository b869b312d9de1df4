#include "base/log.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/strings.h"

namespace maillage::base {
namespace {

// The process's options. The level and format are read on every event
// without a lock; a sink is called under g_sink_mu, which also keeps lines
// whole.
std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::atomic<int> g_format{static_cast<int>(LogFormat::kJson)};
std::mutex g_sink_mu;
LogSink* g_sink = nullptr;  // guarded by g_sink_mu; null: stderr

// Writes all of `text` to stderr, retrying short writes.
void WriteToStderr(const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(STDERR_FILENO, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to report a broken stderr
    done += static_cast<size_t>(n);
  }
}

// Lines for stderr, written by a thread of their own in batches: a call
// appends its line to a buffer instead of making a system call, and the
// writer writes what gathered, then waits kGather for more (measured:
// one write(2) per request line cost 2-3% of GetActor's CPU). Lines keep
// their order and reach stderr within about kGather; a crash loses at most
// that much (FlushLog at exit loses nothing). When stderr cannot keep up,
// lines beyond kMaxPending are dropped and counted rather than stalling the
// server, and the count is logged once there is room.
class StderrWriter {
 public:
  static StderrWriter& Get() {
    static StderrWriter* const writer = new StderrWriter();  // never deleted
    return *writer;
  }

  void Append(const std::string& line) {
    std::lock_guard lock(mu_);
    if (pending_.size() + line.size() > kMaxPending) {
      ++dropped_;
      return;
    }
    pending_ += line;
    pending_ += '\n';
    if (idle_) wake_.notify_one();
  }

  // Returns once every line appended before the call is written.
  void Flush() {
    std::unique_lock lock(mu_);
    flush_requested_ = true;
    wake_.notify_one();
    flushed_.wait(lock, [this] { return pending_.empty() && !writing_; });
    flush_requested_ = false;
  }

 private:
  static constexpr size_t kMaxPending = size_t{8} << 20;
  static constexpr std::chrono::milliseconds kGather{10};

  StderrWriter() {
    std::thread([this] { Run(); }).detach();
    std::atexit([] { Get().Flush(); });
  }

  void Run() {
    std::unique_lock lock(mu_);
    for (;;) {
      idle_ = true;
      wake_.wait(lock, [this] { return !pending_.empty() || dropped_ > 0; });
      idle_ = false;
      std::string batch;
      batch.swap(pending_);
      if (dropped_ > 0) {
        absl::StrAppend(&batch,
                        "{\"level\":\"error\",\"event\":"
                        "\"log.dropped\",\"lines\":",
                        dropped_, "}\n");
        dropped_ = 0;
      }
      writing_ = true;
      lock.unlock();
      WriteToStderr(batch);
      lock.lock();
      writing_ = false;
      if (pending_.empty()) flushed_.notify_all();
      // Let lines gather, unless someone waits for them.
      wake_.wait_for(lock, kGather, [this] { return flush_requested_; });
    }
  }

  std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable flushed_;
  std::string pending_;           // guarded by mu_
  uint64_t dropped_ = 0;          // guarded by mu_
  bool idle_ = false;             // guarded by mu_: waiting for lines
  bool writing_ = false;          // guarded by mu_
  bool flush_requested_ = false;  // guarded by mu_
};

// Whether a text-format value can go unquoted: no space, quote, '=' nor
// control character, and not empty.
bool PlainText(std::string_view value) {
  if (value.empty()) return false;
  for (char c : value) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= ' ' || c == '"' || c == '=' || u == 0x7f) return false;
  }
  return true;
}

}  // namespace

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

std::optional<LogLevel> ParseLogLevel(std::string_view name) {
  std::string lower = absl::AsciiStrToLower(AsAbsl(name));
  if (lower == "debug") return LogLevel::kDebug;
  if (lower == "info") return LogLevel::kInfo;
  if (lower == "warning" || lower == "warn") return LogLevel::kWarning;
  if (lower == "error") return LogLevel::kError;
  return std::nullopt;
}

std::optional<LogFormat> ParseLogFormat(std::string_view name) {
  std::string lower = absl::AsciiStrToLower(AsAbsl(name));
  if (lower == "json") return LogFormat::kJson;
  if (lower == "text") return LogFormat::kText;
  return std::nullopt;
}

void SetLogOptions(LogOptions options) {
  g_level.store(static_cast<int>(options.level), std::memory_order_relaxed);
  g_format.store(static_cast<int>(options.format), std::memory_order_relaxed);
  std::lock_guard lock(g_sink_mu);
  delete g_sink;
  g_sink = options.sink ? new LogSink(std::move(options.sink)) : nullptr;
}

bool LogEnabled(LogLevel level) {
  return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed);
}

std::string JsonQuote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('"');
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      absl::StrAppendFormat(&out, "\\u%04x", u);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

Log::Log(LogLevel level, std::string_view event) : enabled_(LogEnabled(level)) {
  if (!enabled_) return;
  format_ = static_cast<LogFormat>(g_format.load(std::memory_order_relaxed));
  const std::string time = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                                            absl::UTCTimeZone());
  line_.reserve(256);
  if (format_ == LogFormat::kJson) {
    absl::StrAppend(&line_, "{\"time\":\"", time, "\",\"level\":\"",
                    AsAbsl(LogLevelName(level)),
                    "\",\"event\":", JsonQuote(event));
  } else {
    absl::StrAppend(&line_, time, " ", AsAbsl(LogLevelName(level)), " ",
                    AsAbsl(event));
  }
}

Log::~Log() {
  if (!enabled_) return;
  if (format_ == LogFormat::kJson) line_.push_back('}');
  {
    std::lock_guard lock(g_sink_mu);
    if (g_sink != nullptr) {
      (*g_sink)(line_);
      return;
    }
  }
  StderrWriter::Get().Append(line_);
}

void FlushLog() { StderrWriter::Get().Flush(); }

void Log::AddRendered(std::string_view key, std::string_view rendered) {
  if (format_ == LogFormat::kJson) {
    absl::StrAppend(&line_, ",", JsonQuote(key), ":", AsAbsl(rendered));
  } else {
    absl::StrAppend(&line_, " ", AsAbsl(key), "=", AsAbsl(rendered));
  }
}

Log& Log::Add(std::string_view key, std::string_view value) {
  if (!enabled_) return *this;
  if (format_ == LogFormat::kText && PlainText(value)) {
    AddRendered(key, value);
  } else {
    AddRendered(key, JsonQuote(value));
  }
  return *this;
}

Log& Log::Add(std::string_view key, bool value) {
  if (enabled_) AddRendered(key, value ? "true" : "false");
  return *this;
}

Log& Log::Add(std::string_view key, double value) {
  if (!enabled_) return *this;
  // JSON has no NaN nor infinity: such a value is written as a string.
  if (!std::isfinite(value)) return Add(key, absl::StrCat(value));
  AddRendered(key, absl::StrFormat("%.6g", value));
  return *this;
}

Log& Log::AddInteger(std::string_view key, int64_t value) {
  if (enabled_) AddRendered(key, absl::StrCat(value));
  return *this;
}

Log& Log::AddUnsigned(std::string_view key, uint64_t value) {
  if (enabled_) AddRendered(key, absl::StrCat(value));
  return *this;
}

}  // namespace maillage::base

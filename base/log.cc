#include "base/log.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
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

void AppendJsonQuoted(std::string* out, std::string_view text) {
  out->push_back('"');
  size_t plain = 0;  // start of the run of bytes copied as they are
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char u = static_cast<unsigned char>(text[i]);
    if (u >= 0x20 && u != '"' && u != '\\' && u != 0x7f) continue;
    out->append(text.data() + plain, i - plain);
    plain = i + 1;
    if (u == '"' || u == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(u));
    } else if (u == '\n') {
      out->append("\\n");
    } else if (u == '\t') {
      out->append("\\t");
    } else {
      absl::StrAppendFormat(out, "\\u%04x", u);
    }
  }
  out->append(text.data() + plain, text.size() - plain);
  out->push_back('"');
}

std::string JsonQuote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  AppendJsonQuoted(&out, text);
  return out;
}

namespace {

// Appends "2026-03-01T10:00:00.123Z" for `now`. The part up to the seconds is
// formatted once a second per thread (absl::FormatTime is the slowest step
// of a line otherwise).
void AppendTime(std::string* out, absl::Time now) {
  thread_local int64_t cached_second = INT64_MIN;
  thread_local std::string cached_text;
  const int64_t millis = absl::ToUnixMillis(now);
  const int64_t second = millis >= 0 ? millis / 1000 : (millis - 999) / 1000;
  if (second != cached_second) {
    cached_text =
        absl::FormatTime("%Y-%m-%dT%H:%M:%S", absl::FromUnixSeconds(second),
                         absl::UTCTimeZone());
    cached_second = second;
  }
  const int ms = static_cast<int>(millis - second * 1000);
  const char fraction[6] = {'.',
                            static_cast<char>('0' + ms / 100),
                            static_cast<char>('0' + ms / 10 % 10),
                            static_cast<char>('0' + ms % 10),
                            'Z',
                            '\0'};
  out->append(cached_text);
  out->append(fraction, 5);
}

}  // namespace

Log::Log(LogLevel level, std::string_view event) : enabled_(LogEnabled(level)) {
  if (!enabled_) return;
  format_ = static_cast<LogFormat>(g_format.load(std::memory_order_relaxed));
  line_.reserve(384);
  if (format_ == LogFormat::kJson) {
    line_.append("{\"time\":\"");
    AppendTime(&line_, absl::Now());
    absl::StrAppend(&line_, "\",\"level\":\"", AsAbsl(LogLevelName(level)),
                    "\",\"event\":");
    AppendJsonQuoted(&line_, event);
  } else {
    AppendTime(&line_, absl::Now());
    absl::StrAppend(&line_, " ", AsAbsl(LogLevelName(level)), " ",
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

void Log::AppendKey(std::string_view key) {
  if (format_ == LogFormat::kJson) {
    line_.push_back(',');
    AppendJsonQuoted(&line_, key);
    line_.push_back(':');
  } else {
    line_.push_back(' ');
    line_.append(key);
    line_.push_back('=');
  }
}

Log& Log::Add(std::string_view key, std::string_view value) {
  if (!enabled_) return *this;
  AppendKey(key);
  if (format_ == LogFormat::kText && PlainText(value)) {
    line_.append(value);
  } else {
    AppendJsonQuoted(&line_, value);
  }
  return *this;
}

Log& Log::Add(std::string_view key, bool value) {
  if (!enabled_) return *this;
  AppendKey(key);
  line_.append(value ? "true" : "false");
  return *this;
}

Log& Log::Add(std::string_view key, double value) {
  if (!enabled_) return *this;
  // JSON has no NaN nor infinity: such a value is written as a string.
  if (!std::isfinite(value)) return Add(key, absl::StrCat(value));
  AppendKey(key);
  char text[32];
  const int n = std::snprintf(text, sizeof text, "%.6g", value);
  line_.append(text, static_cast<size_t>(std::max(0, n)));
  return *this;
}

Log& Log::AddInteger(std::string_view key, int64_t value) {
  if (!enabled_) return *this;
  AppendKey(key);
  absl::StrAppend(&line_, value);
  return *this;
}

Log& Log::AddUnsigned(std::string_view key, uint64_t value) {
  if (!enabled_) return *this;
  AppendKey(key);
  absl::StrAppend(&line_, value);
  return *this;
}

}  // namespace maillage::base

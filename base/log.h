#ifndef MAILLAGE_BASE_LOG_H_
#define MAILLAGE_BASE_LOG_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

// The server's log: one line per event, on stderr by default (what journald
// and docker collect), either one JSON object per line or "key=value" text
// for a terminal. Every part of the server (storage and core included) logs
// through it, so that a log processor reads one format.
//
// A line is an event name (what happened: "request", "startup.phase",
// "storage.compaction") and fields; docs/OBSERVABILITY.md lists the events
// and their fields. Fields never hold personal data: no contact value, no
// free text written by people, no principal id (a pseudonym instead).
//
//   base::Log(base::LogLevel::kInfo, "import.end")
//       .Add("rows", 2000).Add("seconds", 0.8);
//
// The line is made when the temporary is destroyed (end of the statement)
// and goes to stderr whole, in order (lines of concurrent threads never
// mix), written in batches by a thread of the log's own within about 10 ms
// (a crash may lose those last milliseconds; FlushLog, which exit() runs,
// loses nothing). Thread-safe.
namespace maillage::base {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };
enum class LogFormat { kJson, kText };

// "debug", "info", "warning", "error".
std::string_view LogLevelName(LogLevel level);
// The level named `name` (the names above, "warn" too), or nullopt.
std::optional<LogLevel> ParseLogLevel(std::string_view name);
// "json" or "text", or nullopt.
std::optional<LogFormat> ParseLogFormat(std::string_view name);

// Receives each line written, without its final newline.
using LogSink = std::function<void(std::string_view line)>;

struct LogOptions {
  // Events below it are not written (nor formatted).
  LogLevel level = LogLevel::kInfo;
  LogFormat format = LogFormat::kJson;
  // Where lines go; empty: stderr.
  LogSink sink;
};

// Replaces the process's log options (the flags, at start; tests capture
// lines with a sink). Lines being written meanwhile go to the old sink or
// the new one, whole.
void SetLogOptions(LogOptions options);

// Whether an event at `level` is written: callers that would compute a
// costly field check first.
bool LogEnabled(LogLevel level);

// Returns once every line logged before the call is written to stderr.
void FlushLog();

// One event being described; written when destroyed (see above). Fields
// keep the order they are added in, after "time", "level" and "event".
class Log {
 public:
  Log(LogLevel level, std::string_view event);
  ~Log();
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;

  Log& Add(std::string_view key, std::string_view value);
  Log& Add(std::string_view key, const char* value) {
    return Add(key, std::string_view(value));
  }
  Log& Add(std::string_view key, const std::string& value) {
    return Add(key, std::string_view(value));
  }
  Log& Add(std::string_view key, bool value);
  Log& Add(std::string_view key, double value);
  template <typename Integer,
            typename = std::enable_if_t<std::is_integral_v<Integer> &&
                                        !std::is_same_v<Integer, bool>>>
  Log& Add(std::string_view key, Integer value) {
    if constexpr (std::is_signed_v<Integer>) {
      return AddInteger(key, static_cast<int64_t>(value));
    } else {
      return AddUnsigned(key, static_cast<uint64_t>(value));
    }
  }

 private:
  Log& AddInteger(std::string_view key, int64_t value);
  Log& AddUnsigned(std::string_view key, uint64_t value);
  // Appends the separator and `key` in the chosen format; the value follows.
  void AppendKey(std::string_view key);

  const bool enabled_;
  LogFormat format_ = LogFormat::kJson;
  std::string line_;
};

// `text` as a JSON string literal, quotes included: '"' and '\' escaped,
// control characters as \u00XX; other bytes (UTF-8) as they are.
std::string JsonQuote(std::string_view text);
// The same, appended to `out`.
void AppendJsonQuoted(std::string* out, std::string_view text);

}  // namespace maillage::base

#endif  // MAILLAGE_BASE_LOG_H_

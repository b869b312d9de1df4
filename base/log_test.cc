#include "base/log.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace maillage::base {
namespace {

using ::testing::ElementsAre;

// Captures the lines written while alive; restores stderr after.
class CapturedLog {
 public:
  CapturedLog(LogLevel level, LogFormat format) {
    SetLogOptions({level, format, [this](std::string_view line) {
                     lines.emplace_back(line);
                   }});
  }
  ~CapturedLog() { SetLogOptions({}); }
  std::vector<std::string> lines;
};

TEST(LogTest, WritesOneJsonObjectPerEvent) {
  CapturedLog log(LogLevel::kInfo, LogFormat::kJson);
  Log(LogLevel::kInfo, "import.end")
      .Add("rows", 2000)
      .Add("rate", 1.5)
      .Add("ok", true)
      .Add("unsigned", uint64_t{7})
      .Add("text", "a \"quoted\"\nline\x01");
  ASSERT_EQ(log.lines.size(), 1u);
  const std::string& line = log.lines[0];
  // "time" first, as 2024-01-02T03:04:05.678Z.
  ASSERT_EQ(line.rfind("{\"time\":\"", 0), 0u);
  EXPECT_EQ(line[9 + 4], '-');
  EXPECT_EQ(line[9 + 23], 'Z');
  EXPECT_EQ(line.substr(9 + 24),
            "\",\"level\":\"info\",\"event\":\"import.end\",\"rows\":2000,"
            "\"rate\":1.5,\"ok\":true,\"unsigned\":7,"
            "\"text\":\"a \\\"quoted\\\"\\nline\\u0001\"}");
}

TEST(LogTest, EventsBelowTheLevelAreNotWritten) {
  CapturedLog log(LogLevel::kWarning, LogFormat::kJson);
  EXPECT_FALSE(LogEnabled(LogLevel::kInfo));
  EXPECT_TRUE(LogEnabled(LogLevel::kError));
  Log(LogLevel::kInfo, "quiet").Add("x", 1);
  Log(LogLevel::kError, "loud");
  ASSERT_EQ(log.lines.size(), 1u);
  EXPECT_NE(log.lines[0].find("\"level\":\"error\",\"event\":\"loud\"}"),
            std::string::npos);
}

TEST(LogTest, TextFormatQuotesOnlyWhatNeedsIt) {
  CapturedLog log(LogLevel::kDebug, LogFormat::kText);
  Log(LogLevel::kDebug, "startup.phase")
      .Add("phase", "store_open")
      .Add("message", "two words")
      .Add("empty", "")
      .Add("n", -3);
  ASSERT_EQ(log.lines.size(), 1u);
  const std::string& line = log.lines[0];
  EXPECT_EQ(line.substr(24),
            " debug startup.phase phase=store_open "
            "message=\"two words\" empty=\"\" n=-3");
}

TEST(LogTest, NonFiniteNumbersStayValidJson) {
  CapturedLog log(LogLevel::kInfo, LogFormat::kJson);
  Log(LogLevel::kInfo, "e").Add("x", 0.0 / 0.0);
  ASSERT_EQ(log.lines.size(), 1u);
  EXPECT_NE(log.lines[0].find("\"x\":\"nan\""), std::string::npos);
}

// Runs `log` with stderr redirected to a file; returns what reached it.
std::string CaptureStderr(const std::function<void()>& log) {
  char path[] = "/tmp/maillage_log_test_XXXXXX";
  int file = mkstemp(path);
  EXPECT_GE(file, 0);
  const int saved = dup(STDERR_FILENO);
  dup2(file, STDERR_FILENO);
  log();
  FlushLog();
  dup2(saved, STDERR_FILENO);
  close(saved);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  close(file);
  unlink(path);
  return text.str();
}

TEST(LogTest, StderrGetsEveryLineWholeAndInOrder) {
  SetLogOptions({LogLevel::kInfo, LogFormat::kText, nullptr});
  constexpr int kThreads = 4;
  constexpr int kLines = 2000;
  const std::string text = CaptureStderr([] {
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([t] {
        for (int i = 0; i < kLines; ++i) {
          Log(LogLevel::kInfo, "e").Add("thread", t).Add("i", i);
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
  });
  SetLogOptions({});
  std::vector<int> next(kThreads, 0);
  int lines = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    ++lines;
    // "<time> info e thread=T i=I"
    std::vector<absl::string_view> words = absl::StrSplit(line, ' ');
    ASSERT_EQ(words.size(), 5u) << line;
    int t = -1;
    int i = -1;
    ASSERT_TRUE(absl::SimpleAtoi(words[3].substr(7), &t)) << line;
    ASSERT_TRUE(absl::SimpleAtoi(words[4].substr(2), &i)) << line;
    ASSERT_TRUE(t >= 0 && t < kThreads) << line;
    EXPECT_EQ(i, next[t]++) << line;  // each thread's lines in order
  }
  EXPECT_EQ(lines, kThreads * kLines);
}

TEST(LogTest, ParsesLevelsAndFormats) {
  EXPECT_EQ(ParseLogLevel("WARN"), LogLevel::kWarning);
  EXPECT_EQ(ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_FALSE(ParseLogLevel("loud").has_value());
  EXPECT_EQ(ParseLogFormat("text"), LogFormat::kText);
  EXPECT_FALSE(ParseLogFormat("xml").has_value());
  std::vector<std::string_view> names;
  for (LogLevel l : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarning,
                     LogLevel::kError}) {
    names.push_back(LogLevelName(l));
  }
  EXPECT_THAT(names, ElementsAre("debug", "info", "warning", "error"));
}

}  // namespace
}  // namespace maillage::base

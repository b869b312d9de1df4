#ifndef MAILLAGE_CLI_PROGRESS_H_
#define MAILLAGE_CLI_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>

// The progress line long imports draw on a terminal.
namespace maillage::cli {

// How far the process has read into a file it opened, in bytes: the offset
// of its descriptor (Linux /proc/self/fdinfo), which for a gzip'd file is
// the offset in the compressed bytes, so that it compares with the file's
// size either way.
using FileOffset = std::function<std::optional<int64_t>()>;
// The offset of the most recently opened descriptor of `path`; nullptr when
// the process has none (or the platform cannot tell).
FileOffset FindFileOffset(const std::string& path);

// "1,234,567 rows  152,300 rows/s  43 %  ETA 0:12": `done_bytes` and
// `total_bytes` 0 when unknown (no percentage, no ETA).
std::string ProgressText(int64_t rows, double seconds, int64_t done_bytes,
                         int64_t total_bytes);

// Redraws a progress line on `out` (a terminal), at most four times a
// second; Clear() erases it.
class ProgressLine {
 public:
  // `offset` may be null, or `total_bytes` 0: no percentage, no ETA.
  ProgressLine(std::ostream& out, int64_t total_bytes, FileOffset offset);

  // `rows` read so far; draws when 250 ms passed since the last drawing.
  void Update(int64_t rows);
  void Clear();

 private:
  std::ostream& out_;
  int64_t total_bytes_;
  FileOffset offset_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_;
  bool drawn_ = false;
};

}  // namespace maillage::cli

#endif  // MAILLAGE_CLI_PROGRESS_H_

// --format jsonl: one protobuf-JSON maillage.v1.Actor per line (what
// `maillage export` writes), parsed by protojson's fast path (protobuf's
// own parser for what it leaves), on several threads when asked.

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "importer/formats.h"
#include "importer/line_reader.h"
#include "protojson/reader.h"

namespace maillage::importer::internal {
namespace {

// Lines handed to a parsing thread at a time: enough to make the hand-over
// cheap, few enough to keep the first rows coming quickly.
constexpr size_t kChunkLines = 512;

// A run of consecutive lines of the file and the rows parsed from them.
struct LineChunk {
  int64_t sequence = 0;  // chunks are numbered in file order
  // The lines, decoded, back to back in `text`; a line the LineReader
  // refused has its error instead. Their bytes as in the file, for rejected
  // rows and keep_raw, in `raw` when they differ from the decoded text.
  std::string text;
  std::string raw;
  struct Line {
    int64_t row_number = 0;
    size_t begin = 0, end = 0;  // in `text`
    bool raw_is_text = true;
    size_t raw_begin = 0, raw_end = 0;  // in `raw` unless raw_is_text
    std::string error;
  };
  std::vector<Line> lines;
  // Parsed: rows[i] is lines[i]. Reused from chunk to chunk.
  std::vector<Row> rows;
  Encoding encoding = Encoding::kAuto;  // as of the chunk's last line
  size_t next = 0;                      // the next row to hand out
};

std::unique_ptr<protojson::JsonReader> NewActorReader() {
  static const auto* const schema =
      new std::shared_ptr<const protojson::Schema>(
          *protojson::Schema::For(v1::Actor::descriptor()));
  return std::make_unique<protojson::JsonReader>(*schema);
}

// Fills rows[i] from lines[i]: the actor, or its bytes when `encode`.
void ParseChunk(protojson::JsonReader& json, bool encode, LineChunk* chunk) {
  if (chunk->rows.size() < chunk->lines.size()) {
    chunk->rows.resize(chunk->lines.size());
  }
  for (size_t i = 0; i < chunk->lines.size(); ++i) {
    const LineChunk::Line& line = chunk->lines[i];
    Row& row = chunk->rows[i];
    row.row_number = line.row_number;
    row.outcome = Row::Outcome::kActor;
    row.reason.clear();
    row.encoded = encode;
    if (!line.error.empty()) {
      row.actor.Clear();
      row.encoded_actor.clear();
      row.outcome = Row::Outcome::kRejected;
      row.reason = line.error;
      continue;
    }
    std::string_view text(chunk->text.data() + line.begin,
                          line.end - line.begin);
    absl::Status status = encode ? json.ParseToWire(text, &row.encoded_actor)
                                 : json.Parse(text, &row.actor);
    if (!status.ok()) {
      row.actor.Clear();
      row.encoded_actor.clear();
      row.outcome = Row::Outcome::kRejected;
      row.reason =
          absl::StrCat("not a maillage.v1.Actor in JSON: ", status.message());
    }
  }
}

class JsonlReader final : public DirectoryReader {
 public:
  JsonlReader(std::unique_ptr<LineReader> lines, bool keep_raw, int threads,
              bool encode_actors)
      : lines_(std::move(lines)),
        keep_raw_rows_(keep_raw),
        threads_(std::max(threads, 1)),
        encode_actors_(encode_actors) {}

  ~JsonlReader() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread& worker : workers_) worker.join();
  }

 protected:
  bool ReadRow(Row* row) override;
  Encoding encoding() const override { return encoding_; }

 private:
  bool FillChunk(LineChunk* chunk);
  bool NextChunk();
  void Work();

  std::unique_ptr<LineReader> lines_;  // guarded by mu_ with threads
  const bool keep_raw_rows_;
  const int threads_;
  const bool encode_actors_;
  Encoding encoding_ = Encoding::kAuto;  // of the rows handed out
  std::unique_ptr<LineChunk> current_;   // the chunk being handed out
  // Sequential mode (one thread): the caller's parser.
  std::unique_ptr<protojson::JsonReader> json_;

  // With threads: chunks taken from the file, parsed by the workers, handed
  // out in sequence order.
  std::mutex mu_;
  std::condition_variable wake_;
  std::vector<std::thread> workers_;
  std::map<int64_t, std::unique_ptr<LineChunk>> parsed_;  // guarded by mu_
  std::vector<std::unique_ptr<LineChunk>> free_;          // guarded by mu_
  int64_t next_taken_ = 0;    // guarded by mu_: chunks read from the file
  int64_t next_handed_ = 0;   // guarded by mu_: chunks handed out
  bool input_done_ = false;   // guarded by mu_: the file is read (or failed)
  absl::Status read_status_;  // guarded by mu_
  bool stopping_ = false;     // guarded by mu_
};

// Reads up to kChunkLines lines into `chunk`. False when there was none
// (the end, or a read error: lines_->status()).
bool JsonlReader::FillChunk(LineChunk* chunk) {
  chunk->text.clear();
  chunk->raw.clear();
  chunk->lines.clear();
  chunk->next = 0;
  TextLine line;
  while (chunk->lines.size() < kChunkLines && lines_->Next(&line)) {
    LineChunk::Line& entry = chunk->lines.emplace_back();
    entry.row_number = line.row_number;
    entry.begin = chunk->text.size();
    if (line.ok()) {
      chunk->text.append(line.text.data(), line.text.size());
    } else {
      entry.error = std::move(line.error);
    }
    entry.end = chunk->text.size();
    entry.raw_is_text = line.ok() && line.raw == line.text;
    if (!entry.raw_is_text) {
      entry.raw_begin = chunk->raw.size();
      chunk->raw.append(line.raw.data(), line.raw.size());
      entry.raw_end = chunk->raw.size();
    }
  }
  chunk->encoding = lines_->encoding();
  return !chunk->lines.empty();
}

// Makes current_ the next chunk in file order. False at the end (status_
// set on a read error).
bool JsonlReader::NextChunk() {
  if (threads_ == 1) {
    if (current_ == nullptr) current_ = std::make_unique<LineChunk>();
    if (json_ == nullptr) json_ = NewActorReader();
    if (!FillChunk(current_.get())) {
      status_ = lines_->status();
      return false;
    }
    ParseChunk(*json_, encode_actors_, current_.get());
    return true;
  }
  std::unique_lock lock(mu_);
  if (current_ != nullptr) free_.push_back(std::move(current_));
  if (workers_.empty()) {
    for (int i = 0; i < threads_; ++i)
      workers_.emplace_back([this] { Work(); });
  }
  wake_.notify_all();  // a free chunk, room for one more
  wake_.wait(lock, [this] {
    return parsed_.count(next_handed_) > 0 ||
           (input_done_ && next_handed_ == next_taken_);
  });
  auto it = parsed_.find(next_handed_);
  if (it == parsed_.end()) {
    status_ = read_status_;
    return false;
  }
  current_ = std::move(it->second);
  parsed_.erase(it);
  ++next_handed_;
  return true;
}

// A parsing thread: takes the next lines of the file, parses them without
// the lock, and files them by sequence. At most 2 chunks per thread are
// read ahead of the caller.
void JsonlReader::Work() {
  std::unique_ptr<protojson::JsonReader> json = NewActorReader();
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait(lock, [this] {
      return stopping_ || input_done_ ||
             next_taken_ - next_handed_ < 2 * threads_;
    });
    if (stopping_ || input_done_) return;
    std::unique_ptr<LineChunk> chunk;
    if (free_.empty()) {
      chunk = std::make_unique<LineChunk>();
    } else {
      chunk = std::move(free_.back());
      free_.pop_back();
    }
    if (!FillChunk(chunk.get())) {
      input_done_ = true;
      read_status_ = lines_->status();
      wake_.notify_all();
      return;
    }
    chunk->sequence = next_taken_++;
    lock.unlock();
    ParseChunk(*json, encode_actors_, chunk.get());
    lock.lock();
    parsed_[chunk->sequence] = std::move(chunk);
    wake_.notify_all();
  }
}

bool JsonlReader::ReadRow(Row* row) {
  if (current_ == nullptr || current_->next == current_->lines.size()) {
    if (!NextChunk()) return false;
  }
  const LineChunk::Line& line = current_->lines[current_->next];
  Row& parsed = current_->rows[current_->next++];
  encoding_ = current_->encoding;
  row->row_number = parsed.row_number;
  row->outcome = parsed.outcome;
  row->encoded = parsed.encoded;
  if (parsed.encoded) {
    row->actor.Clear();
    row->encoded_actor.swap(parsed.encoded_actor);
  } else {
    row->actor.Swap(&parsed.actor);
  }
  row->reason.swap(parsed.reason);
  if (keep_raw_rows_ || parsed.outcome == Row::Outcome::kRejected) {
    if (line.raw_is_text) {
      row->raw.assign(current_->text, line.begin, line.end - line.begin);
    } else {
      row->raw.assign(current_->raw, line.raw_begin,
                      line.raw_end - line.raw_begin);
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<DirectoryReader>> OpenJsonl(
    const DirectoryOptions& options) {
  ASSIGN_OR_RETURN(auto input, OpenInput(options));
  auto lines = LineReader::FromSource(std::move(input), options.csv.encoding);
  return std::unique_ptr<DirectoryReader>(
      new JsonlReader(std::move(lines), options.keep_raw, options.parse_threads,
                      options.encode_actors));
}

}  // namespace maillage::importer::internal

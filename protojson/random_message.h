#ifndef MAILLAGE_PROTOJSON_RANDOM_MESSAGE_H_
#define MAILLAGE_PROTOJSON_RANDOM_MESSAGE_H_

#include <cstdint>
#include <random>
#include <string>

#include "google/protobuf/message.h"
#include "protojson/schema.h"

namespace maillage::protojson {

// Random messages and JSON texts that probe the corners of protobuf's JSON
// mapping (escapes, number spellings, enum numbers, timestamps, presence),
// for the differential tests of the reader and the writer against
// protobuf, the fuzz target's seeds and the benchmark. Deterministic for a
// seed. Not thread-safe.
class RandomMessages {
 public:
  explicit RandomMessages(uint64_t seed) : rng_(seed) {}

  // Clears `message` (of `plan`'s type) and sets random fields. With
  // `invalid_utf8`, a string now and then is not valid UTF-8 (what only the
  // writer can meet).
  void Fill(const MessagePlan& plan, google::protobuf::Message* message,
            bool invalid_utf8 = false);

  // A JSON text for `plan`'s type, built field by field: mostly what
  // protobuf prints, under either name, and now and then what it also
  // reads (numbers in strings, enum numbers, null, a lone value for a list,
  // whitespace...) or refuses (unknown fields, wrong types, names twice,
  // values out of range, broken syntax).
  std::string Json(const MessagePlan& plan);

  // `json` with one random byte-level change (deleted, inserted or changed
  // byte, cut short).
  std::string Mangle(std::string json);

  std::mt19937_64& rng() { return rng_; }

 private:
  bool Chance(double p);
  size_t Below(size_t n);
  void FillField(const FieldPlan& plan, google::protobuf::Message* message,
                 int depth);
  void FillMessage(const MessagePlan& plan, google::protobuf::Message* message,
                   int depth);
  std::string Text();
  double Double();
  int64_t Int64();
  std::string JsonObject(const MessagePlan& plan, int depth);
  std::string JsonValue(const FieldPlan& plan, int depth);
  std::string JsonCanonical(const FieldPlan& plan, int depth);
  std::string JsonOdd(const FieldPlan& plan);

  std::mt19937_64 rng_;
  bool invalid_utf8_ = false;
};

}  // namespace maillage::protojson

#endif  // MAILLAGE_PROTOJSON_RANDOM_MESSAGE_H_

// Key encoding and decoding (storage/keys.h) on arbitrary keys and parts.
//
// Decoding: a key read back from RocksDB that decodes re-encodes to the
// same bytes. Encoding: keys built from parts without 0x00 (validation
// refuses control characters in ids and codes) decode to those parts, and
// sort like the parts do.
//
// Input: a level byte and three parts (FuzzedDataProvider); the whole input
// is also decoded as a key.

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_support.h"
#include "storage/keys.h"

namespace maillage::fuzz {
namespace {

namespace keys = storage::keys;

void CheckDecoding(std::string_view key) {
  if (auto fact = keys::FactIdFromTerritoryKey(key)) {
    size_t code_end = key.size() - fact->size() - 1;
    FUZZ_CHECK(keys::FactByTerritory(static_cast<uint8_t>(key[0]),
                                     key.substr(1, code_end - 1),
                                     *fact) == key);
  }
  if (auto record = keys::RecordIdFromActorKey(key)) {
    std::string_view actor = key.substr(0, key.size() - record->size() - 1);
    FUZZ_CHECK(keys::ByActor(actor, *record) == key);
  }
  if (auto sequence = keys::EventSequence(key)) {
    FUZZ_CHECK(keys::Event(*sequence) == key);
  }
  std::string successor = keys::PrefixSuccessor(key);
  if (successor.empty()) {
    FUZZ_CHECK(key.find_first_not_of('\xFF') == std::string_view::npos);
  } else {
    FUZZ_CHECK(std::string_view(successor) > key);
    FUZZ_CHECK(successor.size() <= key.size());
    FUZZ_CHECK(std::string_view(successor).substr(0, key.size()) != key);
  }
}

// `a` and `b` hold no 0x00.
void CheckEncoding(uint8_t level, const std::string& a, const std::string& b,
                   const std::string& c, uint64_t sequence) {
  std::string fact_key = keys::FactByTerritory(level, a, b);
  FUZZ_CHECK(keys::FactIdFromTerritoryKey(fact_key) == b);
  FUZZ_CHECK(fact_key.rfind(keys::FactByTerritoryPrefix(level, a), 0) == 0);
  std::string by_actor = keys::ByActor(a, c);
  FUZZ_CHECK(keys::RecordIdFromActorKey(by_actor) == c);
  FUZZ_CHECK(by_actor.rfind(keys::ByActorPrefix(a), 0) == 0);
  // The same actor's entries sort by record id; different actors' by
  // actor id, whatever their record ids.
  if (a != b) {
    FUZZ_CHECK((keys::ByActor(a, c) < keys::ByActor(b, c)) == (a < b));
    FUZZ_CHECK((keys::ByActorPrefix(a) < keys::ByActorPrefix(b)) == (a < b));
  }
  FUZZ_CHECK((keys::ByActor(a, b) < keys::ByActor(a, c)) == (b < c));
  FUZZ_CHECK(keys::Request(a, c).rfind(a + std::string(1, '\0'), 0) == 0);
  FUZZ_CHECK(keys::EventSequence(keys::Event(sequence)) == sequence);
  FUZZ_CHECK((keys::Event(sequence) < keys::Event(sequence + 1)) ==
             (sequence != UINT64_MAX));
}

std::string PartWithoutNul(FuzzedDataProvider* input) {
  std::string part = input->ConsumeRandomLengthString(64);
  for (char& ch : part) {
    if (ch == '\0') ch = '\x01';
  }
  return part;
}

}  // namespace
}  // namespace maillage::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  maillage::fuzz::CheckDecoding(
      std::string_view(reinterpret_cast<const char*>(data), size));
  FuzzedDataProvider input(data, size);
  uint8_t level = input.ConsumeIntegral<uint8_t>();
  uint64_t sequence = input.ConsumeIntegral<uint64_t>();
  std::string a = maillage::fuzz::PartWithoutNul(&input);
  std::string b = maillage::fuzz::PartWithoutNul(&input);
  std::string c = input.ConsumeRemainingBytesAsString();
  maillage::fuzz::CheckEncoding(level, a, b, c, sequence);
  return 0;
}

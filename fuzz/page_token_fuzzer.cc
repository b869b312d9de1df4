// Page tokens (core/page_token.h) from arbitrary bytes: the tokens a client
// sends back, the positions the server encodes, and the fingerprint of the
// filters they are bound to.
//
// Input: the filters fingerprint (8 bytes), then the rest read both as a
// token and as a position, and parsed as a ListActorsRequest.

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/page_token.h"
#include "core/validation.h"
#include "fuzz/fuzz_support.h"
#include "google/protobuf/stubs/logging.h"
#include "maillage/v1/actor.pb.h"

namespace maillage::fuzz {
namespace {

// A token that decodes gives back a position that makes a token of its own,
// and no other filters accept it.
void CheckToken(const std::string& token, uint64_t filters) {
  auto position = core::DecodePageToken(token, filters);
  if (!position.ok()) {
    FUZZ_CHECK(position.status().code() == absl::StatusCode::kInvalidArgument);
    return;
  }
  if (token.empty()) {
    FUZZ_CHECK(position->empty());
    return;
  }
  auto again =
      core::DecodePageToken(core::EncodePageToken(filters, *position), filters);
  FUZZ_CHECK(again.ok() && *again == *position);
  FUZZ_CHECK(!core::DecodePageToken(token, filters + 1).ok());
}

// Whatever the position, its token decodes to it with the same filters
// only, as long as the token is within core::Limits::kPageTokenMax (the
// positions the server writes, keys of ids of at most 128 bytes, are far
// below it); a longer one is refused.
void CheckPosition(const std::string& position, uint64_t filters) {
  std::string token = core::EncodePageToken(filters, position);
  auto decoded = core::DecodePageToken(token, filters);
  if (token.size() > core::Limits::kPageTokenMax) {
    FUZZ_CHECK(!decoded.ok());
    return;
  }
  FUZZ_CHECK(decoded.ok() && *decoded == position);
  FUZZ_CHECK(!core::DecodePageToken(token, filters ^ 0x8000).ok());
}

// The fingerprint ignores page size, token and view, and nothing else.
void CheckFingerprint(const std::string& bytes) {
  v1::ListActorsRequest request;
  if (!request.ParseFromString(bytes)) return;
  uint64_t filters = core::FiltersFingerprint(request);
  v1::ListActorsRequest next_page = request;
  next_page.set_page_size(request.page_size() == 7 ? 8 : 7);
  next_page.set_page_token(request.page_token() + "x");
  next_page.set_view(v1::ACTOR_VIEW_FULL);
  FUZZ_CHECK(core::FiltersFingerprint(next_page) == filters);
}

}  // namespace
}  // namespace maillage::fuzz

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  // Many inputs hold invalid UTF-8, which protobuf logs at every parse.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider input(data, size);
  uint64_t filters = input.ConsumeIntegral<uint64_t>();
  std::string rest = input.ConsumeRemainingBytesAsString();
  maillage::fuzz::CheckToken(rest, filters);
  maillage::fuzz::CheckPosition(rest, filters);
  maillage::fuzz::CheckFingerprint(rest);
  return 0;
}

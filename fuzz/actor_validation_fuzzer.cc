// Actor validation (core/validation.h, ValidateActor) on actors parsed from
// arbitrary bytes, as the server receives them: the binary wire format
// (gRPC) or the JSON mapping (the CLI, grpcurl). Real geography and
// vocabulary.
//
// Input: one options byte, then the actor. Bit 0 of the options: JSON (1)
// or binary (0); bit 1: whether the id is required (update, import) or may
// be left empty (create).
//
// Validation normalises what it accepts, and the store holds only what it
// accepted; so an accepted actor must be a fixed point: validating it again
// finds nothing and changes nothing. It must also be valid UTF-8 (proto3
// refuses to send anything else) and its home commune, when set, a current
// commune code.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/territory_registry.h"
#include "core/validation.h"
#include "fuzz/fuzz_support.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"

namespace maillage::fuzz {
namespace {

const core::ValidationContext& Context() {
  static const core::TerritoryRegistry* registry =
      new core::TerritoryRegistry(&ReferenceGeography());
  static const core::ValidationContext context{
      registry, &ReferenceVocabulary(), {}};
  return context;
}

bool Parse(std::string_view bytes, bool json, v1::Actor* actor) {
  if (!json) return actor->ParseFromArray(bytes.data(), bytes.size());
  return google::protobuf::util::JsonStringToMessage(
             google::protobuf::StringPiece(bytes.data(), bytes.size()), actor)
      .ok();
}

void CheckAccepted(const v1::Actor& actor, core::ActorIdRule id_rule,
                   uint32_t commune) {
  FUZZ_CHECK(StringsAreUtf8(actor));
  std::string why;
  if (!actor.id().empty()) FUZZ_CHECK(core::IsValidActorId(actor.id(), &why));
  if (actor.home_commune().empty()) {
    FUZZ_CHECK(commune == territory::kNone);
  } else {
    FUZZ_CHECK(commune != territory::kNone);
    FUZZ_CHECK(ReferenceGeography().Code(territory::Level::kCommune, commune) ==
               actor.home_commune());
  }
  v1::Actor again = actor;
  core::FieldViolations violations;
  uint32_t commune_again = territory::kNone;
  core::ValidateActor(Context(), "actor", id_rule, &again, &violations,
                      &commune_again);
  FUZZ_CHECK(violations.empty());
  FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(actor, again));
  FUZZ_CHECK(commune_again == commune);
}

}  // namespace
}  // namespace maillage::fuzz

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  // Most inputs hold invalid UTF-8, which protobuf logs at every parse.
  google::protobuf::SetLogHandler(nullptr);
  maillage::fuzz::Context();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool json = (data[0] & 1) != 0;
  const maillage::core::ActorIdRule id_rule =
      (data[0] & 2) != 0 ? maillage::core::ActorIdRule::kRequired
                         : maillage::core::ActorIdRule::kEmptyOrClientKey;
  maillage::v1::Actor actor;
  if (!maillage::fuzz::Parse(
          std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1),
          json, &actor)) {
    return 0;
  }
  maillage::core::FieldViolations violations;
  uint32_t commune = maillage::territory::kNone;
  maillage::core::ValidateActor(maillage::fuzz::Context(), "actor", id_rule,
                                &actor, &violations, &commune);
  for (const auto& [field, description] : violations.list()) {
    FUZZ_CHECK(field.rfind("actor", 0) == 0);
    FUZZ_CHECK(!description.empty());
  }
  if (violations.empty()) {
    maillage::fuzz::CheckAccepted(actor, id_rule, commune);
  }
  return 0;
}

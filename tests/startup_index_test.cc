// The actor index rebuilt at start-up (ActorDirectory::LoadIndex): every
// stored actor is indexed, whichever of the two parsing threads read its
// record (chunks of 4,096 records alternate between the scanning thread and
// a helper), and a damaged record stops the open with DATA_LOSS naming it.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "core/maillage.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "maillage/v1/actor.pb.h"
#include "storage/store.h"
#include "tests/support/temp_dir.h"

namespace maillage {
namespace {

using ::testing::HasSubstr;

// More than two chunks of 4,096: both threads parse, and the last chunk is
// a partial one.
constexpr int kActors = 10'000;

std::string IdOf(int i) { return absl::StrFormat("ext:test:acteur-%05d", i); }

v1::Actor Association(int i) {
  v1::Actor a;
  a.set_id(IdOf(i));
  a.set_kind(v1::ACTOR_KIND_ASSOCIATION);
  a.set_name(absl::StrFormat("Association %d", i));
  a.set_home_commune(i % 2 == 0 ? "79191" : "86194");
  a.add_themes("youth");
  auto* need = a.add_needs();
  need->set_resource("funding");
  need->set_theme("youth");
  return a;
}

class StartupIndexTest : public ::testing::Test {
 protected:
  core::Maillage::Options Options() const {
    core::Maillage::Options options;
    options.data_dir = dir_.Sub("store");
    options.reference_dir = MAILLAGE_REFERENCE_DIR;
    options.sync_writes = false;
    return options;
  }

  // Creates kActors associations through the directory, then closes.
  void CreateActors() {
    auto opened = core::Maillage::Open(Options());
    ASSERT_TRUE(opened.ok()) << opened.status();
    const auth::Principal system = auth::Principal::System();
    for (int i = 0; i < kActors; ++i) {
      v1::CreateActorRequest create;
      *create.mutable_actor() = Association(i);
      auto created = (*opened)->actors().Create(create, system);
      ASSERT_TRUE(created.ok()) << created.status();
    }
  }

  // Replaces the stored record of actor `i` with `value`, the server closed.
  void Overwrite(int i, const std::string& value) {
    storage::Store::Options options;
    options.path = dir_.Sub("store");
    options.create_if_missing = false;
    options.min_free_disk_bytes = 0;
    auto store = storage::Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    storage::WriteBatch batch;
    batch.Put(storage::Family::kActors, IdOf(i), value);
    ASSERT_TRUE((*store)->Write(batch).ok());
  }

  testing::TempDir dir_;
};

TEST_F(StartupIndexTest, EveryStoredActorIsIndexedAfterAReopen) {
  ASSERT_NO_FATAL_FAILURE(CreateActors());
  auto reopened = core::Maillage::Open(Options());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ((*reopened)->actors().size(), static_cast<size_t>(kActors));
  const auth::Principal system = auth::Principal::System();
  // One actor of each chunk, the helper's included, and the very last.
  for (int i : {0, 4095, 4096, 8191, 8192, kActors - 1}) {
    v1::GetActorRequest get;
    get.set_id(IdOf(i));
    auto actor = (*reopened)->actors().Get(get, system);
    ASSERT_TRUE(actor.ok()) << IdOf(i) << ": " << actor.status();
    EXPECT_EQ(actor->name(), absl::StrFormat("Association %d", i));
  }
}

TEST_F(StartupIndexTest, AnUnparsableRecordInTheHelpersChunkStopsTheOpen) {
  ASSERT_NO_FATAL_FAILURE(CreateActors());
  // Records 4,096 to 8,191 (the second chunk, in id order) are the helper's.
  ASSERT_NO_FATAL_FAILURE(Overwrite(6000, "\xff\xff\xff not a message"));
  auto reopened = core::Maillage::Open(Options());
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(reopened.status().message(),
              HasSubstr("unparsable actor record at key '" + IdOf(6000)));
}

TEST_F(StartupIndexTest, ARecordHoldingAnotherIdStopsTheOpen) {
  ASSERT_NO_FATAL_FAILURE(CreateActors());
  // In the first chunk: the scanning thread's own.
  ASSERT_NO_FATAL_FAILURE(Overwrite(10, Association(11).SerializeAsString()));
  auto reopened = core::Maillage::Open(Options());
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(reopened.status().message(),
              HasSubstr("'" + IdOf(10) + "' holds id '" + IdOf(11) + "'"));
}

}  // namespace
}  // namespace maillage

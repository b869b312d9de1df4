// Backup and restore through the real binary: a backup taken while an
// import streams restores, with `maillage_server --restore_from`, into a
// store whose export is exactly the source's state at the backup's sequence
// number; verify detects a corrupted file; a restore never overwrites a
// store; an erasure made after a backup is made again when it is restored.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "gtest/gtest.h"
#include "maillage/v1/actor.grpc.pb.h"
#include "maillage/v1/admin.grpc.pb.h"
#include "maillage/v1/privacy.grpc.pb.h"
#include "tests/support/credentials.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

namespace maillage {
namespace {

constexpr int kBatch = 500;
constexpr int kBatches = 80;

std::vector<std::string> ServerArgs(const testing::TempDir& dir,
                                    const std::string& data) {
  return {"--listen=127.0.0.1:0",
          "--http_listen=", "--data_dir=" + dir.Sub(data),
          "--reference_dir=" MAILLAGE_REFERENCE_DIR,
          "--backup_dir=" + dir.Sub("backups")};
}

std::vector<v1::Actor> Rows() {
  std::vector<v1::Actor> rows;
  for (int i = 0; i < kBatch * kBatches; ++i) {
    v1::Actor a = testing::SampleActor(absl::StrCat("ext:backup:", i),
                                       absl::StrCat("Acteur ", i));
    a.add_themes(i % 2 ? "digital_inclusion" : "youth");
    rows.push_back(std::move(a));
  }
  return rows;
}

// An import of `rows` in batches of kBatch on its own thread, counting the
// batches sent and acknowledged (each is durable before its answer).
class StreamingImport {
 public:
  StreamingImport(v1::ActorService::Stub& stub,
                  const std::vector<v1::Actor>& rows)
      : stream_(stub.ImportActors(&context_)) {
    reader_ = std::thread([this] {
      v1::ImportActorsResponse answer;
      while (stream_->Read(&answer)) {
        if (!answer.done()) acknowledged_.fetch_add(1);
      }
    });
    writer_ = std::thread([this, &rows] {
      for (size_t i = 0; i < rows.size(); i += kBatch) {
        v1::ImportActorsRequest req;
        for (size_t j = i; j < i + kBatch; ++j) *req.add_actors() = rows[j];
        sent_.fetch_add(1);
        if (!stream_->Write(req)) break;
      }
      stream_->WritesDone();
    });
  }
  grpc::Status Finish() {
    writer_.join();
    reader_.join();
    return stream_->Finish();
  }
  int acknowledged() const { return acknowledged_.load(); }
  int sent() const { return sent_.load(); }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::ImportActorsRequest,
                                           v1::ImportActorsResponse>>
      stream_;
  std::atomic<int> acknowledged_{0};
  std::atomic<int> sent_{0};
  std::thread reader_;
  std::thread writer_;
};

TEST(BackupRestoreTest, BackupDuringAnImportRestoresTheStateAtItsSequence) {
  testing::TempDir dir;
  std::vector<v1::Actor> rows = Rows();
  testing::ServerProcess source(MAILLAGE_SERVER_BINARY,
                                ServerArgs(dir, "source"));
  ASSERT_TRUE(source.Start()) << source.error();
  auto channel = testing::ChannelWithToken(source.target(), source.admin_key());
  auto actors = v1::ActorService::NewStub(channel);
  auto admin = v1::AdminService::NewStub(channel);

  StreamingImport import(*actors, rows);
  while (import.acknowledged() < 10) std::this_thread::yield();
  int acknowledged_before = import.acknowledged();
  v1::CreateBackupResponse made;
  grpc::ClientContext backup_context;
  grpc::Status backup_status =
      admin->CreateBackup(&backup_context, v1::CreateBackupRequest(), &made);
  int sent_after = import.sent();
  ASSERT_TRUE(import.Finish().ok());
  ASSERT_TRUE(backup_status.ok()) << backup_status.error_message();
  // Taken in the middle of the import, not after it.
  ASSERT_LT(acknowledged_before, kBatches);
  EXPECT_GT(made.backup().sequence_number(), 0u);
  EXPECT_GT(made.backup().size_bytes(), 0);
  std::map<std::string, std::string> final_state =
      testing::ExportedContent(*actors);
  ASSERT_EQ(final_state.size(), rows.size());
  source.Signal(SIGTERM);

  testing::ServerProcess restored(
      MAILLAGE_SERVER_BINARY,
      {"--listen=127.0.0.1:0",
       "--http_listen=", "--data_dir=" + dir.Sub("restored"),
       "--reference_dir=" MAILLAGE_REFERENCE_DIR,
       "--admin_credentials_file=" + dir.Sub("restored.credentials"),
       "--restore_from=" + dir.Sub("backups"),
       absl::StrCat("--restore_backup_id=", made.backup().id())});
  ASSERT_TRUE(restored.Start()) << restored.error();
  EXPECT_NE(restored.output().find(absl::StrCat(
                "restored backup ", made.backup().id(), " (sequence ",
                made.backup().sequence_number(), ",")),
            std::string::npos)
      << restored.output();
  // The source's key works: the digest secret came back with the store.
  auto restored_actors = v1::ActorService::NewStub(
      testing::ChannelWithToken(restored.target(), source.admin_key()));
  std::map<std::string, std::string> state =
      testing::ExportedContent(*restored_actors);

  // Batches are atomic and applied in order: the backup holds the first k
  // of them, every one acknowledged before it was asked for, none sent after
  // it was made, each actor as the source stored it.
  size_t k = state.size() / kBatch;
  std::printf(
      "backup %u at sequence %llu: %zu of %d batches (%d acknowledged "
      "before it was asked for, %d sent when it was made)\n",
      made.backup().id(),
      static_cast<unsigned long long>(made.backup().sequence_number()), k,
      kBatches, acknowledged_before, sent_after);
  EXPECT_EQ(state.size() % kBatch, 0u);
  EXPECT_GE(static_cast<int>(k), acknowledged_before);
  EXPECT_LE(static_cast<int>(k), sent_after);
  std::map<std::string, std::string> expected;
  for (size_t i = 0; i < k * kBatch; ++i) {
    expected[rows[i].id()] = final_state[rows[i].id()];
  }
  EXPECT_TRUE(state == expected)
      << state.size() << " actors restored, " << expected.size() << " expected";
}

TEST(BackupRestoreTest, VerifyDetectsACorruptedFile) {
  testing::TempDir dir;
  testing::ServerProcess server(MAILLAGE_SERVER_BINARY,
                                ServerArgs(dir, "store"));
  ASSERT_TRUE(server.Start()) << server.error();
  auto channel = testing::ChannelWithToken(server.target(), server.admin_key());
  auto actors = v1::ActorService::NewStub(channel);
  auto admin = v1::AdminService::NewStub(channel);
  for (int i = 0; i < 50; ++i) {
    grpc::ClientContext ctx;
    v1::CreateActorRequest req;
    *req.mutable_actor() = testing::SampleActor(absl::StrCat("ext:v:", i), "A");
    v1::Actor created;
    ASSERT_TRUE(actors->CreateActor(&ctx, req, &created).ok());
  }
  v1::CreateBackupResponse made;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(
        admin->CreateBackup(&ctx, v1::CreateBackupRequest(), &made).ok());
  }
  v1::VerifyBackupRequest verify;
  verify.set_id(made.backup().id());
  {
    grpc::ClientContext ctx;
    v1::Backup verified;
    grpc::Status status = admin->VerifyBackup(&ctx, verify, &verified);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(verified.sequence_number(), made.backup().sequence_number());
  }
  // One byte of the largest table file changed, its size kept.
  std::filesystem::path largest;
  for (const auto& e : std::filesystem::directory_iterator(
           dir.Sub("backups/shared_checksum"))) {
    if (largest.empty() || e.file_size() > std::filesystem::file_size(largest))
      largest = e.path();
  }
  ASSERT_FALSE(largest.empty());
  {
    std::fstream f(largest, std::ios::in | std::ios::out | std::ios::binary);
    auto middle =
        static_cast<std::streamoff>(std::filesystem::file_size(largest) / 2);
    f.seekg(middle);
    char c = 0;
    f.get(c);
    f.seekp(middle);
    f.put(static_cast<char>(c ^ 0x01));
  }
  grpc::ClientContext ctx;
  v1::Backup verified;
  grpc::Status status = admin->VerifyBackup(&ctx, verify, &verified);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DATA_LOSS);
  EXPECT_NE(status.error_message().find(largest.filename().string()),
            std::string::npos)
      << status.error_message();
}

TEST(BackupRestoreTest, RestoreIntoANonEmptyFolderIsRefused) {
  testing::TempDir dir;
  {
    testing::ServerProcess server(MAILLAGE_SERVER_BINARY,
                                  ServerArgs(dir, "store"));
    ASSERT_TRUE(server.Start()) << server.error();
    auto admin = v1::AdminService::NewStub(
        testing::ChannelWithToken(server.target(), server.admin_key()));
    grpc::ClientContext ctx;
    v1::CreateBackupResponse made;
    ASSERT_TRUE(
        admin->CreateBackup(&ctx, v1::CreateBackupRequest(), &made).ok());
    server.Signal(SIGTERM);
  }
  std::vector<std::string> args = ServerArgs(dir, "store");
  args.push_back("--restore_from=" + dir.Sub("backups"));
  testing::ServerProcess refused(MAILLAGE_SERVER_BINARY, args);
  EXPECT_FALSE(refused.Start());
  EXPECT_NE(refused.error().find("is not empty"), std::string::npos)
      << refused.error();
  // The store is untouched: it still starts.
  testing::ServerProcess again(MAILLAGE_SERVER_BINARY,
                               ServerArgs(dir, "store"));
  EXPECT_TRUE(again.Start()) << again.error();
}

// Files under `folder` whose bytes contain `needle`.
std::vector<std::string> FilesContaining(const std::string& folder,
                                         const std::string& needle) {
  std::vector<std::string> found;
  for (const auto& e : std::filesystem::recursive_directory_iterator(folder)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)),
                      std::istreambuf_iterator<char>());
    if (bytes.find(needle) != std::string::npos) {
      found.push_back(e.path().string());
    }
  }
  return found;
}

TEST(BackupRestoreTest, AnErasureAfterTheBackupIsMadeAgainOnRestore) {
  const std::string email = "marie.backup.4711@example.fr";
  testing::TempDir dir;
  testing::ServerProcess source(MAILLAGE_SERVER_BINARY,
                                ServerArgs(dir, "source"));
  ASSERT_TRUE(source.Start()) << source.error();
  auto channel = testing::ChannelWithToken(source.target(), source.admin_key());
  auto admin = v1::AdminService::NewStub(channel);
  {
    grpc::ClientContext ctx;
    v1::CreateActorRequest req;
    *req.mutable_actor() = testing::SampleActor("ext:lab:asso", "Asso");
    v1::Contact* contact = req.mutable_actor()->add_contacts();
    contact->set_name("Marie Durand");
    contact->set_email(email);
    v1::Actor created;
    ASSERT_TRUE(v1::ActorService::NewStub(channel)
                    ->CreateActor(&ctx, req, &created)
                    .ok());
  }
  v1::CreateBackupResponse made;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(
        admin->CreateBackup(&ctx, v1::CreateBackupRequest(), &made).ok());
  }
  {
    grpc::ClientContext ctx;
    v1::ErasePersonalDataRequest req;
    req.mutable_subject()->set_email(email);
    v1::ErasePersonalDataResponse erased;
    grpc::Status status =
        v1::PrivacyService::NewStub(channel)->ErasePersonalData(&ctx, req,
                                                                &erased);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  // The backup still holds her: the journal, beside it, names her.
  const std::string journal = dir.Sub("backups/erasure-journal");
  ASSERT_TRUE(std::filesystem::exists(journal));
  EXPECT_GT(std::filesystem::file_size(journal), 0u);

  testing::ServerProcess restored(
      MAILLAGE_SERVER_BINARY,
      {"--listen=127.0.0.1:0",
       "--http_listen=", "--data_dir=" + dir.Sub("restored"),
       "--reference_dir=" MAILLAGE_REFERENCE_DIR,
       "--admin_credentials_file=" + dir.Sub("restored.credentials"),
       "--restore_from=" + dir.Sub("backups")});
  ASSERT_TRUE(restored.Start()) << restored.error();
  EXPECT_NE(restored.output().find("1 erasures to make again"),
            std::string::npos)
      << restored.output();
  EXPECT_NE(restored.output().find("made again after the restore"),
            std::string::npos);
  // Served nowhere, and in no file of the restored store.
  auto restored_actors = v1::ActorService::NewStub(
      testing::ChannelWithToken(restored.target(), source.admin_key()));
  std::map<std::string, std::string> state =
      testing::ExportedContent(*restored_actors);
  ASSERT_EQ(state.size(), 1u);
  EXPECT_EQ(state.begin()->second.find(email), std::string::npos);
  EXPECT_TRUE(FilesContaining(dir.Sub("restored"), email).empty());

  // Once no backup older than the erasure is left, the journal forgets her.
  {
    grpc::ClientContext ctx;
    v1::DeleteBackupRequest req;
    req.set_id(made.backup().id());
    google::protobuf::Empty empty;
    ASSERT_TRUE(admin->DeleteBackup(&ctx, req, &empty).ok());
  }
  {
    grpc::ClientContext ctx;
    v1::PurgeBackupsResponse purged;
    ASSERT_TRUE(
        admin->PurgeBackups(&ctx, v1::PurgeBackupsRequest(), &purged).ok());
  }
  EXPECT_EQ(std::filesystem::file_size(journal), 0u);
}

TEST(BackupRestoreTest, PeriodicBackupsKeepTheRetention) {
  testing::TempDir dir;
  std::vector<std::string> args = ServerArgs(dir, "store");
  args.push_back("--backup_interval=200ms");
  args.push_back("--backup_keep=2");
  testing::ServerProcess server(MAILLAGE_SERVER_BINARY, args);
  ASSERT_TRUE(server.Start()) << server.error();
  auto admin = v1::AdminService::NewStub(
      testing::ChannelWithToken(server.target(), server.admin_key()));
  v1::ListBackupsResponse list;
  for (int i = 0; i < 300; ++i) {  // up to a minute on a loaded machine
    grpc::ClientContext ctx;
    list.Clear();
    ASSERT_TRUE(admin->ListBackups(&ctx, v1::ListBackupsRequest(), &list).ok());
    // A new backup is listed an instant before the retention deletes the
    // oldest: wait for a listing between two backups.
    if (list.backups_size() > 0 &&
        list.backups(list.backups_size() - 1).id() >= 4 &&
        list.backups_size() <= 2) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_GT(list.backups_size(), 0);
  EXPECT_GE(list.backups(list.backups_size() - 1).id(), 4u);
  // Each new backup deleted those beyond the newest two.
  EXPECT_LE(list.backups_size(), 2);
  EXPECT_EQ(list.keep_last(), 2);
  // A backup is listed before its line is written: wait for the line.
  bool logged = false;
  for (int i = 0; i < 100 && !logged; ++i) {
    logged = server.output().find("maillage: backup ") != std::string::npos;
    if (!logged) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(logged);
}

TEST(BackupRestoreTest, WithoutABackupFolderBackupsAreRefused) {
  testing::TestServer server;
  server.Start();
  auto admin = v1::AdminService::NewStub(server.channel());
  grpc::ClientContext ctx;
  v1::ListBackupsResponse list;
  grpc::Status status =
      admin->ListBackups(&ctx, v1::ListBackupsRequest(), &list);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(status.error_message().find("--backup_dir"), std::string::npos);
}

}  // namespace
}  // namespace maillage

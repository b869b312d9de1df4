#include "storage/backup.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "rocksdb/db.h"
#include "rocksdb/env.h"
#include "rocksdb/utilities/backup_engine.h"
#include "storage/suggestion_merge.h"

namespace maillage::storage {
namespace {

// What Maillage records with each backup (RocksDB's application metadata):
// "maillage-backup 1", then key=value lines.
constexpr char kMetadataHeader[] = "maillage-backup 1";

std::string EncodeMetadata(uint64_t sequence) {
  return absl::StrCat(kMetadataHeader, "\nsequence=", sequence,
                      "\nschema=", kSchemaVersion, "\n");
}

// Fills the fields EncodeMetadata wrote; a backup made by another tool
// keeps zeros.
void DecodeMetadata(const std::string& metadata, BackupDescription* out) {
  std::vector<absl::string_view> lines = absl::StrSplit(metadata, '\n');
  if (lines.empty() || lines[0] != kMetadataHeader) return;
  for (absl::string_view line : lines) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(line, absl::MaxSplits('=', 1));
    int64_t value = 0;
    if (!absl::SimpleAtoi(kv.second, &value)) continue;
    if (kv.first == "sequence") out->sequence = static_cast<uint64_t>(value);
    if (kv.first == "schema") out->schema_version = static_cast<int>(value);
  }
}

BackupDescription Describe(const rocksdb::BackupInfo& info) {
  BackupDescription d;
  d.id = info.backup_id;
  d.create_time = absl::FromUnixSeconds(info.timestamp);
  d.size_bytes = info.size;
  d.file_count = info.number_files;
  DecodeMetadata(info.app_metadata, &d);
  return d;
}

// Errors of the backup folder name it: only admins see them, and the
// folder is what they act on.
absl::Status FromRocks(const rocksdb::Status& s, std::string_view what,
                       const std::string& dir) {
  if (s.ok()) return absl::OkStatus();
  std::string message =
      absl::StrCat(AsAbsl(what), " (backup folder ", dir, "): ", s.ToString());
  if (s.IsNotFound()) return absl::NotFoundError(message);
  if (s.IsCorruption()) return absl::DataLossError(message);
  if (s.IsInvalidArgument()) return absl::InvalidArgumentError(message);
  if (s.IsNoSpace()) return absl::ResourceExhaustedError(message);
  return absl::UnavailableError(message);
}

// Opens the checkpoint in `dir` read-only, every column family, for the
// backup engine (which only lists and reads its files).
absl::Status OpenCheckpoint(
    const std::string& dir, rocksdb::DB** db,
    std::vector<rocksdb::ColumnFamilyHandle*>* handles) {
  rocksdb::DBOptions options;
  std::vector<std::string> names;
  rocksdb::Status s = rocksdb::DB::ListColumnFamilies(options, dir, &names);
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const std::string& name : names) {
    families.emplace_back(name, rocksdb::ColumnFamilyOptions());
    // Operands in the checkpoint's log are replayed into a memtable.
    if (name == FamilyName(Family::kSuggestions)) {
      families.back().options.merge_operator = NewSuggestionMergeOperator();
    }
  }
  if (s.ok()) {
    s = rocksdb::DB::OpenForReadOnly(options, dir, families, handles, db);
  }
  if (!s.ok())
    return absl::UnavailableError(
        absl::StrCat("opening the checkpoint ", dir, ": ", s.ToString()));
  return absl::OkStatus();
}

// The backup engine's copy of the checkpoint in `dir`, with `metadata`.
absl::StatusOr<uint32_t> BackUpCheckpoint(rocksdb::BackupEngine* engine,
                                          const std::string& dir,
                                          const std::string& metadata,
                                          const std::string& backup_dir) {
  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  RETURN_IF_ERROR(OpenCheckpoint(dir, &db, &handles));
  rocksdb::BackupID id = 0;
  rocksdb::IOStatus s = engine->CreateNewBackupWithMetadata(
      rocksdb::CreateBackupOptions(), db, metadata, &id);
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  db->Close().PermitUncheckedError();
  delete db;
  RETURN_IF_ERROR(FromRocks(s, "backup", backup_dir));
  return id;
}

// Whether `dir` is missing or empty; when not, the first entry found.
absl::Status CheckEmptyOrMissing(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return absl::OkStatus();
  if (!std::filesystem::is_directory(dir, ec)) {
    return absl::FailedPreconditionError(
        absl::StrCat(dir, " is not a folder; restore into an empty folder"));
  }
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read ", dir, ": ", ec.message()));
  }
  if (it != std::filesystem::directory_iterator()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the data folder ", dir, " is not empty (it holds '",
        it->path().filename().string(),
        "'): a restore never overwrites a store; restore into an empty or "
        "missing folder, or move this one away first"));
  }
  return absl::OkStatus();
}

// Removes what is inside `dir` (a failed restore's files), not `dir`.
void EmptyFolder(const std::string& dir) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::filesystem::remove_all(entry.path(), ec);
  }
}

}  // namespace

BackupFolder::BackupFolder(std::string dir, rocksdb::BackupEngine* engine)
    : dir_(std::move(dir)), engine_(engine) {}

BackupFolder::~BackupFolder() = default;

absl::StatusOr<std::unique_ptr<BackupFolder>> BackupFolder::Open(
    const std::string& dir) {
  if (dir.empty()) return absl::InvalidArgumentError("backup folder is empty");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot create the backup folder ", dir, ": ", ec.message()));
  }
  rocksdb::BackupEngine* engine = nullptr;
  rocksdb::BackupEngineOptions options(dir);
  rocksdb::IOStatus s =
      rocksdb::BackupEngine::Open(options, rocksdb::Env::Default(), &engine);
  RETURN_IF_ERROR(FromRocks(s, "opening backups", dir));
  return std::unique_ptr<BackupFolder>(new BackupFolder(dir, engine));
}

absl::StatusOr<BackupDescription> BackupFolder::Create(
    Store& store, const std::string& scratch) {
  std::lock_guard lock(mu_);
  absl::Time start = absl::Now();
  // A checkpoint left by an interrupted backup goes first (its files are
  // hard links: the store's own files are untouched).
  std::error_code ec;
  std::filesystem::remove_all(scratch, ec);
  absl::StatusOr<uint64_t> sequence = store.CreateCheckpoint(scratch);
  absl::StatusOr<uint32_t> id =
      sequence.ok() ? BackUpCheckpoint(engine_.get(), scratch,
                                       EncodeMetadata(*sequence), dir_)
                    : absl::StatusOr<uint32_t>(sequence.status());
  std::filesystem::remove_all(scratch, ec);
  if (!id.ok()) return id.status();
  ASSIGN_OR_RETURN(BackupDescription description, DescribeLocked(*id));
  description.duration = absl::Now() - start;
  return description;
}

absl::StatusOr<BackupDescription> BackupFolder::DescribeLocked(
    uint32_t id) const {
  rocksdb::BackupInfo info;
  rocksdb::Status s = engine_->GetBackupInfo(id, &info);
  if (s.IsNotFound()) {
    return absl::NotFoundError(absl::StrCat("no backup ", id, " in ", dir_));
  }
  RETURN_IF_ERROR(FromRocks(s, "reading a backup", dir_));
  return Describe(info);
}

absl::StatusOr<std::vector<BackupDescription>> BackupFolder::List() const {
  std::lock_guard lock(mu_);
  std::vector<rocksdb::BackupInfo> infos;
  engine_->GetBackupInfo(&infos);
  std::vector<BackupDescription> out;
  for (const rocksdb::BackupInfo& info : infos) out.push_back(Describe(info));
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

absl::StatusOr<BackupDescription> BackupFolder::Verify(uint32_t id) const {
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(BackupDescription description, DescribeLocked(id));
  rocksdb::IOStatus s =
      engine_->VerifyBackup(id, /*verify_with_checksum=*/true);
  RETURN_IF_ERROR(FromRocks(s, absl::StrCat("verifying backup ", id), dir_));
  return description;
}

absl::Status BackupFolder::Delete(uint32_t id) {
  std::lock_guard lock(mu_);
  RETURN_IF_ERROR(DescribeLocked(id).status());
  return FromRocks(engine_->DeleteBackup(id), "deleting a backup", dir_);
}

absl::StatusOr<std::vector<uint32_t>> BackupFolder::Purge(
    const Retention& retention, absl::Time now) {
  ASSIGN_OR_RETURN(std::vector<BackupDescription> backups, List());
  std::lock_guard lock(mu_);
  std::vector<uint32_t> deleted;
  // Oldest first; the newest is never deleted.
  for (size_t i = 0; i + 1 < backups.size(); ++i) {
    size_t newer = backups.size() - 1 - i;  // backups newer than this one
    bool too_many = retention.keep_last > 0 &&
                    newer >= static_cast<size_t>(retention.keep_last);
    bool too_old = retention.max_age > absl::ZeroDuration() &&
                   now - backups[i].create_time > retention.max_age;
    if (!too_many && !too_old) continue;
    RETURN_IF_ERROR(FromRocks(engine_->DeleteBackup(backups[i].id),
                              "deleting a backup", dir_));
    deleted.push_back(backups[i].id);
  }
  return deleted;
}

absl::StatusOr<BackupDescription> RestoreBackup(const std::string& backup_dir,
                                                uint32_t id,
                                                const std::string& data_dir) {
  RETURN_IF_ERROR(CheckEmptyOrMissing(data_dir));
  std::error_code ec;
  if (!std::filesystem::is_directory(backup_dir, ec)) {
    return absl::NotFoundError(
        absl::StrCat("no backup folder at ", backup_dir));
  }
  rocksdb::BackupEngineReadOnly* raw = nullptr;
  rocksdb::IOStatus s = rocksdb::BackupEngineReadOnly::Open(
      rocksdb::BackupEngineOptions(backup_dir), rocksdb::Env::Default(), &raw);
  std::unique_ptr<rocksdb::BackupEngineReadOnly> engine(raw);
  RETURN_IF_ERROR(FromRocks(s, "opening backups", backup_dir));
  rocksdb::BackupInfo info;
  rocksdb::Status found = id == 0 ? engine->GetLatestBackupInfo(&info)
                                  : engine->GetBackupInfo(id, &info);
  if (found.IsNotFound()) {
    return absl::NotFoundError(
        id == 0 ? absl::StrCat("no backup in ", backup_dir)
                : absl::StrCat("no backup ", id, " in ", backup_dir));
  }
  RETURN_IF_ERROR(FromRocks(found, "reading a backup", backup_dir));
  std::filesystem::create_directories(data_dir, ec);
  if (ec) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot create the data folder ", data_dir, ": ", ec.message()));
  }
  s = engine->RestoreDBFromBackup(rocksdb::RestoreOptions(), info.backup_id,
                                  data_dir, data_dir);
  if (!s.ok()) {
    // The engine returns at the first failed file while its threads may
    // still be copying others: they are joined when it goes.
    engine.reset();
    EmptyFolder(data_dir);
    return FromRocks(s, absl::StrCat("restoring backup ", info.backup_id),
                     backup_dir);
  }
  return Describe(info);
}

}  // namespace maillage::storage

#include "core/backups.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "google/protobuf/util/time_util.h"

namespace maillage::core {
namespace {

using google::protobuf::util::TimeUtil;

constexpr char kSecretName[] = "api-key-digest.secret";
// Inside the data folder: the checkpoint's table files are hard links.
constexpr char kCheckpointName[] = "backup-checkpoint";

constexpr char kJournalName[] = "erasure-journal";
// A backup's time is when RocksDB began copying, a little after the store's
// checkpoint: erasures up to this long before it are made again after its
// restore, and kept in the journal while it exists (making an erasure again
// is harmless).
constexpr absl::Duration kJournalMargin = absl::Hours(24);

absl::Status Disabled() {
  return absl::FailedPreconditionError(
      "backups are off: start the server with --backup_dir (a folder "
      "outside the data folder, ideally on another disk)");
}

// Whether `inner` is `outer` or inside it, once both are made absolute.
bool IsWithin(const std::string& inner, const std::string& outer) {
  std::error_code ec;
  std::string a = std::filesystem::weakly_canonical(inner, ec).string();
  std::string b = std::filesystem::weakly_canonical(outer, ec).string();
  return a == b || absl::StartsWith(a, b + "/");
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// Writes `bytes` to `path`, owner-only, through a renamed temporary file.
absl::Status WritePrivateFile(const std::string& path,
                              const std::string& bytes) {
  std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) {
      return absl::UnavailableError(absl::StrCat("cannot write ", temporary));
    }
  }
  if (chmod(temporary.c_str(), 0600) != 0 ||
      std::rename(temporary.c_str(), path.c_str()) != 0) {
    return absl::UnavailableError(absl::StrCat("cannot write ", path));
  }
  return absl::OkStatus();
}

// One erasure of the journal: a line "<unix seconds>\t<DataSubject in
// base64>".
struct JournalEntry {
  absl::Time time;
  v1::DataSubject subject;
};

std::string JournalLine(absl::Time time, const v1::DataSubject& subject) {
  return absl::StrCat(absl::ToUnixSeconds(time), "\t",
                      absl::Base64Escape(subject.SerializeAsString()), "\n");
}

// The journal's entries; none when it does not exist. DATA_LOSS naming the
// line for one that does not read.
absl::StatusOr<std::vector<JournalEntry>> ReadJournal(const std::string& path) {
  std::vector<JournalEntry> entries;
  std::ifstream in(path);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    std::vector<std::string> fields = absl::StrSplit(line, '\t');
    int64_t seconds = 0;
    std::string bytes;
    JournalEntry entry;
    if (fields.size() != 2 || !absl::SimpleAtoi(fields[0], &seconds) ||
        !absl::Base64Unescape(fields[1], &bytes) ||
        !entry.subject.ParseFromString(bytes)) {
      return absl::DataLossError(
          absl::StrCat("unreadable line ", number, " in ", path));
    }
    entry.time = absl::FromUnixSeconds(seconds);
    entries.push_back(std::move(entry));
  }
  return entries;
}

// Appends `line` to `path` (created owner-only) and syncs it.
absl::Status AppendDurably(const std::string& path, const std::string& line) {
  int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("cannot open ", path));
  bool ok = write(fd, line.data(), line.size()) ==
                static_cast<ssize_t>(line.size()) &&
            fsync(fd) == 0;
  close(fd);
  if (!ok) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

}  // namespace

v1::Backup ToProto(const storage::BackupDescription& backup) {
  v1::Backup out;
  out.set_id(backup.id);
  *out.mutable_create_time() =
      TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(backup.create_time));
  out.set_sequence_number(backup.sequence);
  out.set_schema_version(backup.schema_version);
  out.set_size_bytes(static_cast<int64_t>(backup.size_bytes));
  out.set_file_count(static_cast<int32_t>(backup.file_count));
  if (backup.duration > absl::ZeroDuration()) {
    *out.mutable_duration() = TimeUtil::MillisecondsToDuration(
        absl::ToInt64Milliseconds(backup.duration));
  }
  return out;
}

Backups::Backups(storage::Store* store, Options options,
                 std::unique_ptr<storage::BackupFolder> folder)
    : store_(store), options_(std::move(options)), folder_(std::move(folder)) {}

absl::StatusOr<std::unique_ptr<Backups>> Backups::Open(storage::Store* store,
                                                       Options options) {
  // A checkpoint left by a backup the process did not finish holds old
  // table files (erased values among them): never kept.
  std::error_code ec;
  std::filesystem::remove_all(options.data_dir + "/" + kCheckpointName, ec);
  std::unique_ptr<storage::BackupFolder> folder;
  if (!options.dir.empty()) {
    if (IsWithin(options.dir, options.data_dir)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the backup folder ", options.dir, " is inside the data folder ",
          options.data_dir, ": choose a folder outside it"));
    }
    ASSIGN_OR_RETURN(folder, storage::BackupFolder::Open(options.dir));
  }
  std::unique_ptr<Backups> backups(
      new Backups(store, std::move(options), std::move(folder)));
  if (backups->folder_ != nullptr &&
      backups->options_.interval > absl::ZeroDuration()) {
    backups->periodic_ =
        std::thread([b = backups.get()] { b->PeriodicLoop(); });
  }
  return backups;
}

Backups::~Backups() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (periodic_.joinable()) periodic_.join();
}

absl::Status Backups::CheckEnabled() const {
  return folder_ != nullptr ? absl::OkStatus() : Disabled();
}

absl::Status Backups::SaveSecret() {
  std::string copy = options_.dir + "/" + kSecretName;
  std::error_code ec;
  if (std::filesystem::exists(copy, ec)) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::string secret, ReadFile(options_.secret_file));
  return WritePrivateFile(copy, secret);
}

absl::StatusOr<v1::CreateBackupResponse> Backups::Create(
    const v1::CreateBackupRequest&) {
  RETURN_IF_ERROR(CheckEnabled());
  RETURN_IF_ERROR(SaveSecret());
  ASSIGN_OR_RETURN(
      storage::BackupDescription backup,
      folder_->Create(*store_, options_.data_dir + "/" + kCheckpointName));
  v1::CreateBackupResponse response;
  *response.mutable_backup() = ToProto(backup);
  ASSIGN_OR_RETURN(std::vector<uint32_t> purged,
                   folder_->Purge(options_.retention, absl::Now()));
  for (uint32_t id : purged) response.add_purged_backup_ids(id);
  RETURN_IF_ERROR(PruneJournal());
  return response;
}

absl::StatusOr<v1::ListBackupsResponse> Backups::List(
    const v1::ListBackupsRequest&) const {
  RETURN_IF_ERROR(CheckEnabled());
  ASSIGN_OR_RETURN(std::vector<storage::BackupDescription> backups,
                   folder_->List());
  v1::ListBackupsResponse response;
  for (const auto& b : backups) *response.add_backups() = ToProto(b);
  response.set_keep_last(options_.retention.keep_last);
  if (options_.retention.max_age > absl::ZeroDuration()) {
    response.mutable_max_age()->set_seconds(
        absl::ToInt64Seconds(options_.retention.max_age));
  }
  return response;
}

absl::StatusOr<v1::Backup> Backups::Verify(
    const v1::VerifyBackupRequest& request) {
  RETURN_IF_ERROR(CheckEnabled());
  ASSIGN_OR_RETURN(storage::BackupDescription backup,
                   folder_->Verify(request.id()));
  return ToProto(backup);
}

absl::Status Backups::Delete(const v1::DeleteBackupRequest& request) {
  RETURN_IF_ERROR(CheckEnabled());
  return folder_->Delete(request.id());
}

absl::StatusOr<v1::PurgeBackupsResponse> Backups::Purge(
    const v1::PurgeBackupsRequest&) {
  RETURN_IF_ERROR(CheckEnabled());
  ASSIGN_OR_RETURN(std::vector<uint32_t> purged,
                   folder_->Purge(options_.retention, absl::Now()));
  v1::PurgeBackupsResponse response;
  for (uint32_t id : purged) response.add_purged_backup_ids(id);
  RETURN_IF_ERROR(PruneJournal());
  return response;
}

absl::Status Backups::RecordErasure(const v1::DataSubject& subject) {
  if (folder_ == nullptr) return absl::OkStatus();
  std::lock_guard lock(journal_mu_);
  return AppendDurably(options_.dir + "/" + kJournalName,
                       JournalLine(absl::Now(), subject));
}

absl::Status Backups::PruneJournal() {
  std::string path = options_.dir + "/" + kJournalName;
  ASSIGN_OR_RETURN(std::vector<storage::BackupDescription> backups,
                   folder_->List());
  std::lock_guard lock(journal_mu_);
  ASSIGN_OR_RETURN(std::vector<JournalEntry> entries, ReadJournal(path));
  // No backup left: none can bring an erased person back.
  absl::Time keep_from = backups.empty()
                             ? absl::InfiniteFuture()
                             : backups.front().create_time - kJournalMargin;
  std::string kept;
  size_t dropped = 0;
  for (const JournalEntry& e : entries) {
    if (e.time >= keep_from) {
      kept += JournalLine(e.time, e.subject);
    } else {
      ++dropped;
    }
  }
  if (dropped == 0) return absl::OkStatus();
  return WritePrivateFile(path, kept);
}

void Backups::PeriodicLoop() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait_for(lock, absl::ToChronoMilliseconds(options_.interval),
                   [this] { return stopping_; });
    if (stopping_) return;
    lock.unlock();
    auto made = Create(v1::CreateBackupRequest());
    if (made.ok()) {
      std::fprintf(stderr, "maillage: backup %u made in %lld ms (%lld bytes)\n",
                   made->backup().id(),
                   static_cast<long long>(TimeUtil::DurationToMilliseconds(
                       made->backup().duration())),
                   static_cast<long long>(made->backup().size_bytes()));
    } else {
      std::fprintf(stderr, "maillage: periodic backup failed: %s\n",
                   made.status().ToString().c_str());
    }
    lock.lock();
  }
}

absl::StatusOr<Backups::Restored> Backups::Restore(
    const std::string& backup_dir, uint32_t id, const std::string& data_dir,
    const std::string& secret_file) {
  // Read first: a journal that does not read stops the restore before it
  // writes anything.
  ASSIGN_OR_RETURN(std::vector<JournalEntry> journal,
                   ReadJournal(backup_dir + "/" + kJournalName));
  ASSIGN_OR_RETURN(storage::BackupDescription backup,
                   storage::RestoreBackup(backup_dir, id, data_dir));
  std::error_code ec;
  std::string saved = backup_dir + "/" + kSecretName;
  if (!std::filesystem::exists(secret_file, ec) &&
      std::filesystem::exists(saved, ec)) {
    ASSIGN_OR_RETURN(std::string secret, ReadFile(saved));
    RETURN_IF_ERROR(WritePrivateFile(secret_file, secret));
  }
  Restored restored;
  restored.backup = ToProto(backup);
  for (JournalEntry& e : journal) {
    if (e.time >= backup.create_time - kJournalMargin) {
      restored.erasures.push_back(std::move(e.subject));
    }
  }
  return restored;
}

}  // namespace maillage::core

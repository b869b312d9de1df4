#include "storage/store.h"

#include <cstring>
#include <filesystem>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"
#include "storage/keys.h"

namespace maillage::storage {
namespace {

constexpr int kFamilyCount = static_cast<int>(Family::kCount);

absl::Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return absl::OkStatus();
  std::string message = absl::StrCat(AsAbsl(what), ": ", s.ToString());
  if (s.IsNotFound()) return absl::NotFoundError(message);
  if (s.IsCorruption()) return absl::DataLossError(message);
  if (s.IsInvalidArgument()) return absl::InvalidArgumentError(message);
  if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
    return absl::FailedPreconditionError(
        absl::StrCat(message, " (is another server using this folder?)"));
  }
  return absl::UnavailableError(message);
}

rocksdb::ColumnFamilyOptions FamilyOptions(
    const std::shared_ptr<rocksdb::Cache>& cache, bool point_lookups) {
  rocksdb::ColumnFamilyOptions cf;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  if (point_lookups) {
    // Gets by id dominate actors/contacts/requests: a bloom filter saves a
    // block read per level for absent keys (imports probe many new ids).
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10, false));
  }
  table.cache_index_and_filter_blocks = true;
  if (point_lookups) {
    // Imports probe many ids that do not exist yet: a memtable bloom filter
    // answers those without walking the skiplist.
    cf.memtable_whole_key_filtering = true;
    cf.memtable_prefix_bloom_size_ratio = 0.05;
  }
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf.compression = rocksdb::kLZ4Compression;
  cf.bottommost_compression = rocksdb::kZSTD;
  return cf;
}

}  // namespace

std::string_view FamilyName(Family family) {
  switch (family) {
    case Family::kMeta:
      return rocksdb::kDefaultColumnFamilyName;
    case Family::kActors:
      return "actors";
    case Family::kContacts:
      return "contacts";
    case Family::kRequests:
      return "requests";
    case Family::kTerritories:
      return "territories";
    case Family::kFacts:
      return "facts";
    case Family::kFactsByTerritory:
      return "facts_by_territory";
    case Family::kSuggestions:
      return "suggestions";
    case Family::kSuggestionsByActor:
      return "suggestions_by_actor";
    case Family::kPartnerships:
      return "partnerships";
    case Family::kPartnershipsByActor:
      return "partnerships_by_actor";
    case Family::kEvents:
      return "events";
    case Family::kCount:
      break;
  }
  return "?";
}

WriteBatch::WriteBatch() = default;
WriteBatch::~WriteBatch() = default;

void WriteBatch::AppendOp(Family family, OpType type, std::string_view key,
                          size_t value_size) {
  char header[kOpHeaderBytes];
  header[0] = static_cast<char>(family);
  header[1] = static_cast<char>(type);
  uint32_t sizes[2] = {static_cast<uint32_t>(key.size()),
                       static_cast<uint32_t>(value_size)};
  std::memcpy(header + 2, sizes, sizeof(sizes));
  rep_.append(header, sizeof(header));
  rep_.append(key.data(), key.size());
  ++count_;
  bytes_ += key.size() + value_size;
}

void WriteBatch::Put(Family family, std::string_view key,
                     std::string_view value) {
  AppendOp(family, OpType::kPut, key, value.size());
  rep_.append(value.data(), value.size());
}

void WriteBatch::PutMessage(Family family, std::string_view key,
                            const google::protobuf::MessageLite& message) {
  size_t size = message.ByteSizeLong();
  AppendOp(family, OpType::kPut, key, size);
  size_t at = rep_.size();
  rep_.resize(at + size);
  message.SerializeWithCachedSizesToArray(
      reinterpret_cast<uint8_t*>(rep_.data() + at));
}

void WriteBatch::Delete(Family family, std::string_view key) {
  AppendOp(family, OpType::kDelete, key, 0);
}

void WriteBatch::Reserve(int ops, size_t bytes) {
  rep_.reserve(rep_.size() + ops * kOpHeaderBytes + bytes);
}

int WriteBatch::Count() const { return count_; }
size_t WriteBatch::ByteSize() const { return bytes_; }

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const Options& options) {
  if (options.path.empty()) {
    return absl::InvalidArgumentError("store path is empty");
  }
  std::error_code ec;
  if (options.create_if_missing) {
    std::filesystem::create_directories(options.path, ec);
    if (ec) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot create data folder ", options.path, ": ", ec.message()));
    }
  }

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = options.create_if_missing;
  db_options.create_missing_column_families = true;
  db_options.IncreaseParallelism(2);
  db_options.max_background_jobs = 2;
  // Bounded WAL so that start-up replay stays short after a crash.
  db_options.max_total_wal_size = uint64_t{256} << 20;
  db_options.keep_log_file_num = 5;

  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (int i = 0; i < kFamilyCount; ++i) {
    Family family = static_cast<Family>(i);
    bool point = family == Family::kActors || family == Family::kContacts ||
                 family == Family::kRequests || family == Family::kFacts ||
                 family == Family::kSuggestions ||
                 family == Family::kPartnerships;
    descriptors.emplace_back(std::string(FamilyName(family)),
                             FamilyOptions(cache, point));
  }

  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::Status s =
      rocksdb::DB::Open(db_options, options.path, descriptors, &handles, &db);
  if (!s.ok()) {
    // A store from a newer build may hold families this build does not know.
    if (s.IsInvalidArgument() &&
        s.ToString().find("column famil") != std::string::npos) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot open store at ", options.path, ": ",
                       s.ToString(), " (written by a newer Maillage?)"));
    }
    return FromRocks(s, absl::StrCat("cannot open store at ", options.path));
  }
  std::unique_ptr<Store> store(new Store(options, db, std::move(handles)));

  auto version = store->Get(Family::kMeta, keys::kSchemaVersion);
  if (!version.ok()) return version.status();
  if (!version->has_value()) {
    WriteBatch batch;
    batch.Put(Family::kMeta, keys::kSchemaVersion,
              absl::StrCat(kSchemaVersion));
    if (absl::Status w = store->Write(batch); !w.ok()) return w;
  } else {
    int stored = 0;
    if (!absl::SimpleAtoi(**version, &stored)) {
      return absl::DataLossError(absl::StrCat("store at ", options.path,
                                              " has an unreadable schema "
                                              "version: '",
                                              **version, "'"));
    }
    if (stored > kSchemaVersion) {
      return absl::FailedPreconditionError(
          absl::StrCat("store at ", options.path, " has schema version ",
                       stored, ", newer than the version ", kSchemaVersion,
                       " this server understands; run a newer Maillage on it"));
    }
  }
  return store;
}

Store::Store(Options options, rocksdb::DB* db,
             std::vector<rocksdb::ColumnFamilyHandle*> handles)
    : options_(std::move(options)), db_(db), handles_(std::move(handles)) {}

Store::~Store() {
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  // Close() waits for background work; the WAL already holds every
  // acknowledged write, so nothing is flushed here on purpose.
  db_->Close();
  delete db_;
}

rocksdb::ColumnFamilyHandle* Store::handle(Family family) const {
  return handles_[static_cast<int>(family)];
}

absl::StatusOr<std::optional<std::string>> Store::Get(
    Family family, std::string_view key) const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), handle(family),
                               rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s, "get");
  return std::optional<std::string>(std::move(value));
}

absl::StatusOr<bool> Store::GetMessage(
    Family family, std::string_view key,
    google::protobuf::MessageLite* message) const {
  rocksdb::PinnableSlice value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), handle(family),
                               rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return false;
  if (!s.ok()) return FromRocks(s, "get");
  if (!message->ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return absl::DataLossError(absl::StrCat("unparsable record in ",
                                            AsAbsl(FamilyName(family)),
                                            " at key '", AsAbsl(key), "'"));
  }
  return true;
}

absl::StatusOr<std::vector<std::optional<std::string>>> Store::MultiGet(
    Family family, const std::vector<std::string>& keys) const {
  return MultiGet(family,
                  std::vector<std::string_view>(keys.begin(), keys.end()));
}

absl::StatusOr<std::vector<std::optional<std::string>>> Store::MultiGet(
    Family family, const std::vector<std::string_view>& keys) const {
  std::vector<rocksdb::Slice> slices;
  slices.reserve(keys.size());
  for (std::string_view k : keys) slices.emplace_back(k.data(), k.size());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  db_->MultiGet(rocksdb::ReadOptions(), handle(family), slices.size(),
                slices.data(), values.data(), statuses.data());
  std::vector<std::optional<std::string>> out(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;
    if (!statuses[i].ok()) return FromRocks(statuses[i], "multiget");
    out[i] = values[i].ToString();
  }
  return out;
}

absl::Status Store::Scan(
    Family family, std::string_view start, std::string_view end,
    const std::function<bool(std::string_view, std::string_view)>& visit)
    const {
  rocksdb::ReadOptions read;
  // Scans read long runs of blocks (start-up, exports): read ahead, and do
  // not evict the point lookups' working set from the block cache.
  read.readahead_size = size_t{2} << 20;
  read.fill_cache = false;
  rocksdb::Slice upper(end.data(), end.size());
  if (!end.empty()) read.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, handle(family)));
  for (it->Seek(rocksdb::Slice(start.data(), start.size())); it->Valid();
       it->Next()) {
    rocksdb::Slice k = it->key();
    rocksdb::Slice v = it->value();
    if (!visit(std::string_view(k.data(), k.size()),
               std::string_view(v.data(), v.size()))) {
      break;
    }
  }
  return FromRocks(it->status(), "scan");
}

absl::StatusOr<std::optional<std::string>> Store::LastKey(Family family) const {
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), handle(family)));
  it->SeekToLast();
  if (!it->status().ok()) return FromRocks(it->status(), "seek");
  if (!it->Valid()) return std::optional<std::string>();
  return std::optional<std::string>(it->key().ToString());
}

absl::Status Store::Write(const WriteBatch& batch, bool sync) {
  rocksdb::WriteBatch wb(batch.ByteSize() + 24 + 16 * batch.Count());
  const char* p = batch.rep_.data();
  const char* end = p + batch.rep_.size();
  while (p < end) {
    Family family = static_cast<Family>(p[0]);
    auto type = static_cast<WriteBatch::OpType>(p[1]);
    uint32_t sizes[2];
    std::memcpy(sizes, p + 2, sizeof(sizes));
    p += WriteBatch::kOpHeaderBytes;
    rocksdb::Slice key(p, sizes[0]);
    rocksdb::Slice value(p + sizes[0], sizes[1]);
    p += sizes[0] + sizes[1];
    rocksdb::ColumnFamilyHandle* h = handle(family);
    rocksdb::Status s = type == WriteBatch::OpType::kDelete
                            ? wb.Delete(h, key)
                            : wb.Put(h, key, value);
    if (!s.ok()) return FromRocks(s, "batch");
  }
  rocksdb::WriteOptions write;
  write.sync = options_.sync_writes && sync;
  return FromRocks(db_->Write(write, &wb), "write");
}

uint64_t Store::EstimateKeys(Family family) const {
  uint64_t n = 0;
  db_->GetIntProperty(handle(family), "rocksdb.estimate-num-keys", &n);
  return n;
}

std::string Store::Describe() const {
  return absl::StrCat(
      "rocksdb at ", options_.path, " (schema ", kSchemaVersion,
      options_.sync_writes ? ", synced writes)" : ", unsynced writes)");
}

}  // namespace maillage::storage

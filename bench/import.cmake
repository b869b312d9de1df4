# Bulk import: a generator of synthetic SIRENE and RNA files, then the
# importer alone, raw RocksDB WriteBatch throughput of the same records, and
# end-to-end ImportActors through the real server (scripts/bench-import.sh).
maillage_bench(import_bench
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/import_bench.cc
  DEPS maillage_importer maillage_services maillage_bearer_channel RocksDB::rocksdb absl::flags
    absl::flags_parse)

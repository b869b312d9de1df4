# Backups of a large store (issue #16: backup time and size for 1M actors).
maillage_bench(backup_bench
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/backup_bench.cc
  DEPS maillage_core absl::flags absl::flags_parse)

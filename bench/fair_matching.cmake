# Territory-wide matching on a synthetic région: run time for 100,000
# associations, exposure spread fair vs independent top-k.
maillage_bench(fair_matching_bench
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fair_matching_bench.cc
  DEPS maillage_matcher_synthetic absl::flags absl::flags_parse)

# SuggestPartners in process on a store users built (a server's data dir):
# the engine's CPU per call for A/B comparisons of matcher changes.
maillage_bench(store_suggest_bench
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/store_suggest_bench.cc
  DEPS maillage_core absl::flags absl::flags_parse)

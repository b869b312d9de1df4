# SuggestPartners and SuggestCoalition through the real server over a
# synthetic France, next to an empty RPC; start-up (index rebuild) time and
# memory per actor.
maillage_bench(suggest_bench
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/suggest_bench.cc
  DEPS maillage_services maillage_bearer_channel maillage_test_protos absl::flags absl::flags_parse)

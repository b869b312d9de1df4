# The cost of territorial scopes on GetActor and SuggestPartners, in process
# (issue #11's target: at most 5% of the call).
maillage_bench(scope_bench
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/scope_bench.cc
  DEPS maillage_core)

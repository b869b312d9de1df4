# The erasure of one person on a large store (issue #12's target: under 10 s
# for one person on 1M actors).
maillage_bench(erasure_bench
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/erasure_bench.cc
  DEPS maillage_core)

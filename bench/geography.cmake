# The reference geography: load time and memory, Contains, postal codes,
# name search.
maillage_bench(geography_bench
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/geography_bench.cc
  DEPS maillage_territory)

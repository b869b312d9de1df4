# What observing one call costs (services/request_observer.h): the metrics,
# and the JSON log line written to stderr by the log's own thread.
maillage_bench(observability_bench
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/observability_bench.cc
  DEPS maillage_services)

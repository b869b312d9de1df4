# protobuf JSON of actors: protobuf's parser (heap, arena) and printer
# against the fast paths of protojson/ (what JSONL import and export use).
maillage_bench(protojson_bench
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/protojson_bench.cc
  DEPS maillage_protojson maillage_proto)

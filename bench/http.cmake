# The HTTP face's event fan-out (scripts/http-bench.sh): a plain program,
# not Google Benchmark, as it times events across 500 sockets.
add_executable(http_sse_fanout ${CMAKE_CURRENT_SOURCE_DIR}/http_sse_fanout.cc)
target_compile_options(http_sse_fanout PRIVATE ${MAILLAGE_WARNINGS})
target_link_libraries(http_sse_fanout PRIVATE absl::flags absl::flags_parse
  absl::strings)

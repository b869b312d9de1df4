maillage_bench(server_bench
  SOURCES server_bench.cc
  DEPS maillage_services maillage_bearer_channel maillage_test_protos)

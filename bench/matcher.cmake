# The matching engine's benchmarks (in process, no server).
# matcher_bench: latency and memory over a synthetic France of 1M actors.
maillage_bench(matcher_bench
  SOURCES matcher_bench.cc
  DEPS maillage_matcher_synthetic)

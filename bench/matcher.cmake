# The matching engine's benchmarks (in process, no server).
# matcher_bench: latency and memory over a synthetic France of 1M actors.
maillage_bench(matcher_bench
  SOURCES matcher_bench.cc
  DEPS maillage_matcher_synthetic)

# matcher_quality: recall@10 and NDCG@10 of SuggestPartners against simpler
# baselines on synthetic territories with a hidden truth.
maillage_bench(matcher_quality
  SOURCES matcher_quality.cc
  DEPS maillage_matcher_synthetic)

# The matching engine's benchmarks (in process, no server).
# matcher_bench: latency and memory over a synthetic France of 1M actors.
maillage_bench(matcher_bench
  SOURCES matcher_bench.cc
  DEPS maillage_matcher_synthetic)

# matcher_quality: recall@10 and NDCG@10 of SuggestPartners against simpler
# baselines on synthetic territories with a hidden truth
# (matcher_quality.cc), and the share of planted team members SuggestCoalition
# recovers against simpler ways of choosing a coalition (coalition_quality.cc).
maillage_bench(matcher_quality
  SOURCES matcher_quality.cc coalition_quality.cc
  DEPS maillage_matcher_synthetic)

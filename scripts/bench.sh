#!/usr/bin/env bash
# Every benchmark in one command (about 15 minutes on 2 cores); the figures
# recorded in BENCHMARKS.md come from this. Output goes to stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh server_bench suggest_bench matcher_bench matcher_quality \
  geography_bench import_bench fair_matching_bench >/dev/null
echo "== machine"; nproc; grep -m1 'model name' /proc/cpuinfo; free -g | head -2
uptime
echo "== geography_bench"; build/bench/geography_bench || echo "(failed: exit $?)"
echo "== server_bench"; build/bench/server_bench --benchmark_min_time=1 || echo "(failed: exit $?)"
echo "== suggest_bench"; build/bench/suggest_bench --actors=1000000 || echo "(failed: exit $?)"
echo "== import_bench"; build/bench/import_bench --rows=1000000 || echo "(failed: exit $?)"
echo "== fair_matching_bench"; build/bench/fair_matching_bench --associations=100000 || echo "(failed: exit $?)"
echo "== matcher_bench"; build/bench/matcher_bench || echo "(failed: exit $?)"
echo "== matcher_quality"; build/bench/matcher_quality || echo "(failed: exit $?)"

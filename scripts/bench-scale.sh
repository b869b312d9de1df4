#!/usr/bin/env bash
# All of France on one node (issue 17): one store grown 0 -> 1M -> 4M -> 16M
# actors through the real server and the real CLI, measured at each size.
#
#   scripts/bench-scale.sh                          # 1M, 4M, 16M
#   scripts/bench-scale.sh --sizes 200000,1000000   # a quicker run
#   scripts/bench-scale.sh --dir D --results R --requests 200 --keep
#   scripts/bench-scale.sh --server BIN      # another build of the server
#   scripts/bench-scale.sh --dir D --from 16000000 --sizes 16000000
#       # D/store (kept by --keep) already holds the first 16M rows: measure
#       # it again without importing (sizes up to --from import nothing)
#
# For each size, with the rows still missing (size - previous size):
# 1. bench/import_bench --phases= writes SIRENE establishments + legal units
#    and RNA rows over the real communes (population-weighted, 96% of
#    establishments in micro-enterprise head-count bands), numbered after
#    those already imported (--first_id); the files are deleted once imported;
# 2. `maillage import --format sirene --legal-units`, then `--format rna`,
#    into the running server (synced writes, as shipped); its /metrics is
#    sampled every second: import rows, RocksDB write stalls, writes stopped,
#    pending compaction bytes, load average -> the rate per 10 s window;
# 3. the server is stopped and started again: seconds to SERVING (launch to
#    the "listening on" line, and the server's own startup phase "total"),
#    RSS, index bytes (maillage_actor_index_memory_bytes), disk size;
# 4. h2load (one connection, one call at a time) with --log-file: p50/p99 of
#    SuggestPartners (preview, limit 20) for 8 actors (a company and an
#    association in each of 4 départements), SuggestCoalition (a theme) and
#    ListActors (page of 50) on those 4 départements; 10 calls of each body first, not
#    counted (warm-up).
# Sizes count input rows; the store holds fewer actors (closed
# establishments, sole proprietorships and dissolved associations are
# skipped, and RNA rows of associations in SIRENE merge into their actor):
# about 0.8 actor per row, in the CSV's live_actors.
# Results: RESULTS/scale.csv (one row per size), RESULTS/import-rate.csv,
# RESULTS/scale.png (gnuplot), RESULTS/run.log.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=1000000,4000000,16000000
work=""
results=""
requests=200
keep=false
server_bin=build/services/maillage_server
from=0
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) sizes=$2; shift ;;
    --dir) work=$2; shift ;;
    --results) results=$2; shift ;;
    --requests) requests=$2; shift ;;
    --keep) keep=true ;;
    --server) server_bin=$2; shift ;;
    --from) from=$2; shift ;;
    *) echo "usage: $0 [--sizes N,N,...] [--dir DIR] [--results DIR] [--requests N] [--keep] [--server BIN] [--from N]" >&2
       exit 2 ;;
  esac
  shift
done
scripts/build.sh maillage maillage_server import_bench >/dev/null
[ -n "$work" ] || work=$(mktemp -d "${TMPDIR:-/tmp}/maillage-scale.XXXXXX")
[ -n "$results" ] || results="build/scale-results/$(date -u +%Y%m%d-%H%M%S)"
mkdir -p "$work" "$results"
results=$(cd "$results" && pwd)
tool=bench/scale/scale_tool.py
# Départements asked, each with the theme of its SuggestCoalition.
depts=75:youth,59:employment_insertion,13:education_training,23:seniors_ageing
server_pid=""
sampler_pid=""
cleanup() {  # waits for its own children only: tee (below) outlives them
  local status=$?
  for pid in $sampler_pid $server_pid; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work/gen"
  if [ "$status" -ne 0 ]; then
    echo "== failed: the store and logs stay in $work"
  elif ! $keep; then
    rm -rf "$work"
  fi
}
trap cleanup EXIT
exec > >(tee -a "$results/run.log") 2>&1

load() { cut -d' ' -f1 /proc/loadavg; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.1f", b - a}'; }

# start_server: the server on $work/store; sets $server_pid, $port, $metrics,
# $key and $startup (seconds from launch to the "listening on" line).
start_server() {
  local log="$work/server.log" t0
  : >"$log"
  t0=$(now)
  "$server_bin" --listen=127.0.0.1:0 --http_listen= \
    --metrics_address=127.0.0.1:0 --data_dir="$work/store" \
    --admin_credentials_file="$work/credentials" --rate_limit_per_second=0 \
    2>"$log" &
  server_pid=$!
  until grep -q "listening on" "$log"; do
    kill -0 "$server_pid" 2>/dev/null || { tail "$log"; exit 1; }
    sleep 0.1
  done
  startup=$(since "$t0")
  port=$(sed -n 's/.*listening on [^;]*:\([0-9]*\);.*/\1/p' "$log")
  metrics=$(sed -n 's|.*metrics on http://\([^/]*\)/metrics.*|\1|p' "$log" | tail -1)
  key=$(awk '{print $2}' "$work/credentials" | tail -1)
}
stop_server() {  # its log, but for the request lines, goes to the results
  grep -v '"event":"request"' "$work/server.log" >>"$results/server-$size.log" || true
  kill "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}
cli() { MAILLAGE_SERVER=127.0.0.1:$port MAILLAGE_TOKEN=$key build/cli/maillage "$@"; }
metric() {  # name (a sum over its labels)
  curl -s --max-time 60 "http://$metrics/metrics" |
    awk -v n="$1" '$1 == n || index($1, n "{") == 1 {s += $NF} END {printf "%.0f", s}'
}
startup_phase() {  # the server's own "total" start-up phase, seconds
  grep '"startup.phase"' "$work/server.log" | grep '"total"' |
    sed -n 's/.*"seconds":\([0-9.e+-]*\).*/\1/p' | tail -1
}

# One line per second while an import runs: time, import rows, write
# stalls, stall seconds, writes stopped, pending compaction bytes, load,
# block cache hits and misses.
# A scrape that fails or times out leaves no line (the windows interpolate).
sample_metrics() {
  set +e +o pipefail
  while :; do
    curl -s --max-time 30 "http://$metrics/metrics" | awk -v t="$(now)" -v l="$(load)" '
      $1 ~ /^maillage_import_rows_total/ && $1 !~ /kept_opted_out/ {rows += $NF}
      $1 == "maillage_rocksdb_write_stalls_total" {st = $NF}
      $1 == "maillage_rocksdb_write_stall_seconds_total" {ss = $NF}
      $1 == "maillage_rocksdb_writes_stopped" {stop = $NF}
      $1 == "maillage_rocksdb_pending_compaction_bytes" {pend = $NF}
      $1 == "maillage_rocksdb_block_cache_hits_total" {hit = $NF}
      $1 == "maillage_rocksdb_block_cache_misses_total" {miss = $NF}
      END {if (NR > 0) printf "%s,%.0f,%.0f,%.3f,%.0f,%.0f,%s,%.0f,%.0f\n", t, rows, st, ss, stop, pend, l, hit, miss}'
    sleep 1
  done
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# CPU ticks of the server's RocksDB threads (flushes: rocksdb:high,
# compactions: rocksdb:low; the pools keep their threads).
rocksdb_ticks() {
  local t sum=0
  for t in /proc/"$1"/task/*; do
    case "$(cat "$t/comm" 2>/dev/null)" in
      rocksdb:*) sum=$((sum + $(awk '{print $14 + $15}' "$t/stat" 2>/dev/null || echo 0))) ;;
    esac
  done
  echo "$sum"
}

# import_files SIZE: the generated files through the CLI; sets $import_rows,
# $import_seconds (the CLI's, from its start: legal units and reference data
# loaded first), $rate (rows/s from the first row acknowledged to the last),
# $least_window, $stalls, $stall_seconds and $import_cpu
# (CPU seconds of the server and the CLI: what the import costs whatever
# the other users of the machine leave it) and $rocksdb_cpu (of which the
# server's flushes and compactions).
import_files() {
  sample_metrics >>"$work/samples.csv" &
  sampler_pid=$!
  sleep 1.5
  local t0 t1 ticks0 timed=(/usr/bin/time -f "%U %S" -a -o "$work/cli-cpu"
    env MAILLAGE_SERVER="127.0.0.1:$port" MAILLAGE_TOKEN="$key" build/cli/maillage)
  rm -f "$work/cli-cpu"
  ticks0=$(cpu_ticks "$server_pid")
  rocks0=$(rocksdb_ticks "$server_pid")
  t0=$(now)
  "${timed[@]}" import "$work/gen/StockEtablissement.csv" --format sirene \
    --legal-units "$work/gen/StockUniteLegale.csv" | tee "$work/import-sirene.txt"
  "${timed[@]}" import "$work/gen/rna_waldec.csv" --format rna | tee "$work/import-rna.txt"
  t1=$(now)
  import_cpu=$(awk -v a="$ticks0" -v b="$(cpu_ticks "$server_pid")" -v hz="$(getconf CLK_TCK)" \
    '{s += $1 + $2} END {printf "%.1f", s + (b - a) / hz}' "$work/cli-cpu")
  rocksdb_cpu=$(awk -v a="$rocks0" -v b="$(rocksdb_ticks "$server_pid")" -v hz="$(getconf CLK_TCK)" \
    'BEGIN {printf "%.1f", (b - a) / hz}')
  sleep 1.5
  kill "$sampler_pid" 2>/dev/null || true
  wait "$sampler_pid" 2>/dev/null || true
  sampler_pid=""
  import_seconds=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')
  import_rows=$(cat "$work"/import-*.txt | awk '/^read/ {gsub(/[^0-9]/, "", $2); s += $2} END {print s}')
  read -r rate least_window stalls stall_seconds < <(python3 "$tool" windows \
    "$work/samples.csv" "$t0" "$t1" "$1" "$results/import-rate.csv")
}

# latency NAME FILE...: p50 and p99 (ms) of $requests sequential calls of
# each request file to method NAME; sets $p50 and $p99.
latency() {
  local method=$1 f logs=()
  shift
  for f in "$@"; do
    local base
    base=$(basename "$f" .bin)
    for pass in warm run; do
      local n=$requests
      [ "$pass" = warm ] && n=10
      rm -f "$work/h2-$base-$pass.log"  # h2load appends to its log file
      h2load -n "$n" -c 1 -m 1 -H "authorization: Bearer $key" \
        -H "content-type: application/grpc" -H "te: trailers" -d "$f" \
        --log-file="$work/h2-$base-$pass.log" \
        "http://127.0.0.1:$port/$method" >"$work/h2-$base-$pass.txt" 2>&1
    done
    logs+=("$work/h2-$base-run.log")
    # Each body is answered: grpc-status 0 in the trailers.
    curl -s --http2-prior-knowledge -o /dev/null -D - -H "authorization: Bearer $key" \
      -H "content-type: application/grpc" -H "te: trailers" --data-binary @"$f" \
      "http://127.0.0.1:$port/$method" | grep -qi "grpc-status: 0" ||
      echo "warning: $method $base did not answer grpc-status 0"
  done
  read -r p50 p99 _ < <(python3 "$tool" percentiles "${logs[@]}")
}

# The askers: bench/scale/askers.sh (ids of the first size, queried again at
# every size).
. bench/scale/askers.sh

# import_step: the rows from $previous to $size generated and imported.
import_step() {
  echo "== $size actors: generating $((size - previous)) rows (load $(load))"
  rm -rf "$work/gen"
  build/bench/import_bench --phases= --dir="$work/gen" --rows=$((size - previous)) \
    --first_id="$previous" --micro_share=0.96 | grep generated
  [ -n "$server_pid" ] || start_server
  echo "== importing (load $(load))"
  import_files "$size"
  rm -rf "$work/gen"
  echo "== imported $import_rows rows in $import_seconds s: $rate rows/s from the first row to the last, least 10 s window $least_window rows/s, $stalls write stalls ($stall_seconds s), CPU $import_cpu s (server + CLI; RocksDB's flushes and compactions $rocksdb_cpu s) (load $(load))"
}

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/^Mem/ {print $2}') GiB"
echo "== commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' (modified)'), server $server_bin, sizes $sizes, work $work"
echo "== load at start: $(uptime | sed 's/.*load average/load average/')"
csv="$results/scale.csv"
echo "actors,load,import_rows,import_seconds,import_rows_per_s,least_10s_rows_per_s,write_stalls,stall_seconds,startup_s,server_startup_s,rss_mib,rss_bytes_per_actor,index_bytes_per_actor,disk_mib,disk_bytes_per_actor,partners_p50_ms,partners_p99_ms,coalition_p50_ms,coalition_p99_ms,list_p50_ms,list_p99_ms,import_cpu_s,rows_per_cpu_s,live_actors,rocksdb_cpu_s" >"$csv"
echo "actors,t,rows_per_s,write_stalls,stall_seconds,writes_stopped,pending_compaction_bytes,load,block_cache_hit_ratio" >"$results/import-rate.csv"
[ "$from" -gt 0 ] || rm -rf "$work/store" "$work/credentials"
size=$from
previous=$from
actors=""
for size in ${sizes//,/ }; do
  if [ "$size" -le "$previous" ]; then
    echo "== $size actors: already imported, measured again"
    import_rows=0 import_seconds=0 rate="" least_window="" stalls="" stall_seconds=""
    import_cpu="" rocksdb_cpu=""
  else
    import_step
  fi
  [ -z "$server_pid" ] || stop_server
  disk=$(du -sb "$work/store" | cut -f1)
  start_server
  live=$(metric maillage_actors)
  index=$(metric maillage_actor_index_memory_bytes)
  rss=$(awk '/^VmRSS/ {printf "%.0f", $2 * 1024}' "/proc/$server_pid/status")
  echo "== restarted: SERVING after $startup s (server: $(startup_phase) s), $live actors, RSS $((rss >> 20)) MiB, index $((index >> 20)) MiB, disk $((disk >> 20)) MiB (load $(load))"
  [ -n "$actors" ] || actors=$(pick_askers "$depts")
  echo "== actors asked: $actors"
  rm -f "$work"/*.bin
  python3 "$tool" frames "$work" "$actors" "$depts"
  latency maillage.v1.MatchService/SuggestPartners "$work"/partners-*.bin
  partners="$p50,$p99"
  latency maillage.v1.MatchService/SuggestCoalition "$work"/coalition-*.bin
  coalition="$p50,$p99"
  latency maillage.v1.ActorService/ListActors "$work"/list-*.bin
  list="$p50,$p99"
  echo "== latency p50,p99 ms: SuggestPartners $partners, SuggestCoalition $coalition, ListActors $list (load $(load))"
  echo "$size,$(load),$import_rows,$import_seconds,$rate,$least_window,$stalls,$stall_seconds,$startup,$(startup_phase),$((rss >> 20)),$((rss / live)),$((index / live)),$((disk >> 20)),$((disk / live)),$partners,$coalition,$list,$import_cpu,$(awk -v n="$import_rows" -v c="$import_cpu" 'BEGIN {if (c > 0) printf "%.0f", n / c}'),$live,$rocksdb_cpu" >>"$csv"
  previous=$size
done
stop_server
gnuplot -e "results='$results'; sizes='${sizes//,/ }'" bench/scale/scale.gp
echo "== load at end: $(uptime | sed 's/.*load average/load average/')"
column -s, -t "$csv"
echo "== results in $results"

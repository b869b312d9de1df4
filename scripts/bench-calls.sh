#!/usr/bin/env bash
# SuggestPartners and GetActor against the empty RPC on the real server at
# 1M actors, with h2load (Debian's nghttp2-client) as an independent gRPC
# client (issue 17, "Less CPU per suggestion"; BENCHMARKS.md, "Calls
# against the empty RPC at 1M actors").
#
#   scripts/bench-calls.sh [--dir D] [--requests N] [--rounds R]
#                          [--server BIN] [--keep]
#
# 1. The store: D/store if it exists, else 1M directory rows (795,756
#    actors) generated and imported by scripts/bench-scale.sh --sizes
#    1000000 (the real CLI, the real server).
# 2. The real server on it, as shipped but for --rate_limit_per_second=0.
# 3. Askers: a company and an association in each of 8 départements (Paris,
#    the Nord, the Bouches-du-Rhône, the Creuse, the Rhône, the Gironde, the
#    Haute-Garonne, the Val-de-Marne): 16 actors.
# 4. For each call (the health check, GetActor, SuggestPartners with
#    `preview`, SuggestPartners recorded as a dashboard's call is), R rounds
#    alternating the calls: 16 h2load processes at once, one per asker, each
#    one connection with 4 calls in flight (64 in all), N calls each after
#    100 not counted. Printed: calls/s (all calls over the batch's wall
#    time), the server's CPU per call (its /proc stat over the batch), p50
#    and p99 at 64 in flight (h2load --log-file), and the ratios to the
#    empty RPC in the same round. Then one call at a time (the askers in
#    turn, 50 each): p50 and p99 without queueing.
# Every body is first checked to be answered with grpc-status 0.
set -euo pipefail
cd "$(dirname "$0")/.."
work=/tmp/maillage-bench-calls
requests=2500
rounds=2
keep=false
server_bin=build/services/maillage_server
while [ $# -gt 0 ]; do
  case $1 in
    --dir) work=$2; shift ;;
    --requests) requests=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --server) server_bin=$2; shift ;;
    --keep) keep=true ;;
    *) echo "usage: $0 [--dir D] [--requests N] [--rounds R] [--server BIN] [--keep]" >&2
       exit 2 ;;
  esac
  shift
done
command -v h2load >/dev/null || { echo "h2load missing: apt-get install nghttp2-client" >&2; exit 1; }
tool=bench/scale/scale_tool.py
depts="75 59 13 23 69 33 31 94"
mkdir -p "$work"
if [ ! -d "$work/store" ]; then
  echo "== building the 1M-row store in $work (scripts/bench-scale.sh)"
  scripts/bench-scale.sh --sizes 1000000 --dir "$work" --results "$work/scale" \
    --requests 10 --keep | grep "^== imported\|^== restarted"
fi
scripts/build.sh maillage maillage_server >/dev/null
bodies=$work/bodies
rm -rf "$bodies"
mkdir -p "$bodies"
server_pid=""
cleanup() {
  [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  $keep || rm -rf "$work"
}
trap cleanup EXIT

log=$work/server.log
# Emptied first: the server's redirection truncates it only once the
# process is forked, and a loaded machine let the wait below read the last
# run's "listening on" line (then an empty port, "no actor found").
: >"$log"
"$server_bin" --listen=127.0.0.1:0 --http_listen= --data_dir="$work/store" \
  --metrics_address=127.0.0.1:0 --admin_credentials_file="$work/credentials" --rate_limit_per_second=0 2>"$log" &
server_pid=$!
until grep -q "listening on" "$log"; do
  kill -0 "$server_pid" 2>/dev/null || { tail "$log"; exit 1; }
  sleep 0.2
done
port=$(sed -n 's/.*listening on [^;]*:\([0-9]*\);.*/\1/p' "$log")
key=$(awk '{print $2}' "$work/credentials" | tail -1)
metrics=$(sed -n 's|.*metrics on http://\([^/]*\)/metrics.*|\1|p' "$log" | tail -1)
cli() { MAILLAGE_SERVER=127.0.0.1:$port MAILLAGE_TOKEN=$key build/cli/maillage "$@"; }

. bench/scale/askers.sh
IFS=, read -r -a askers <<<"$(pick_askers "$depts")"
n_askers=${#askers[@]}
[ "$n_askers" -gt 0 ] || { echo "no actor found in the store" >&2; exit 1; }
python3 "$tool" calls "$bodies" "$(IFS=,; echo "${askers[*]}")"

declare -A path=(
  [empty]=grpc.health.v1.Health/Check
  [get]=maillage.v1.ActorService/GetActor
  [preview]=maillage.v1.MatchService/SuggestPartners
  [recorded]=maillage.v1.MatchService/SuggestPartners)
declare -A label=([empty]="empty RPC (health check)" [get]="GetActor"
  [preview]="SuggestPartners preview" [recorded]="SuggestPartners recorded")
body() {  # call, asker number
  if [ "$1" = empty ]; then echo "$bodies/empty.bin"; else echo "$bodies/$1-$2.bin"; fi
}
h2() {  # h2load with the gRPC headers; the rest of the arguments follow
  h2load -H "authorization: Bearer $key" -H "content-type: application/grpc" \
    -H "te: trailers" "$@"
}
for call in empty get preview recorded; do
  for i in $(seq 0 $((n_askers - 1))); do
    curl -s --http2-prior-knowledge -o /dev/null -D - -H "authorization: Bearer $key" \
      -H "content-type: application/grpc" -H "te: trailers" \
      --data-binary @"$(body $call "$i")" "http://127.0.0.1:$port/${path[$call]}" |
      grep -qi "grpc-status: 0" || { echo "$call for ${askers[$i]}: not grpc-status 0" >&2; exit 1; }
  done
done

server_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
ticks_per_s=$(getconf CLK_TCK)
now() { date +%s.%N; }

# batch CALL N: the 16 processes at once; sets $calls, $seconds, $ticks.
batch() {
  local call=$1 n=$2 i pids=() t0 k0
  rm -f "$work"/h2-*.log "$work"/h2-*.txt
  k0=$(server_ticks)
  t0=$(now)
  for i in $(seq 0 $((n_askers - 1))); do
    h2 -n "$n" -c 1 -m 4 -d "$(body "$call" "$i")" --log-file="$work/h2-$i.log" \
      "http://127.0.0.1:$port/${path[$call]}" >"$work/h2-$i.txt" 2>&1 &
    pids+=($!)
  done
  wait "${pids[@]}"
  seconds=$(awk -v a="$t0" -v b="$(now)" 'BEGIN {print b - a}')
  ticks=$(( $(server_ticks) - k0 ))
  calls=$(cat "$work"/h2-*.txt | awk '/^requests:/ {s += $8} END {print s + 0}')
  local failed
  failed=$(cat "$work"/h2-*.txt | awk '/^requests:/ {s += $10 + $12} END {print s + 0}')
  [ "$failed" = 0 ] || echo "warning: $call: $failed calls failed or errored"
}

echo "== commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' (modified)'), server $server_bin"
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(uptime)"
live=$(curl -s "http://$metrics/metrics" | awk '$1 == "maillage_actors" || index($1, "maillage_actors{") == 1 {s += $NF} END {printf "%.0f", s}')
echo "== store: $live actors; askers: ${askers[*]}"
echo "== $n_askers h2load processes x 1 connection x 4 in flight, $requests calls each after 100 not counted"
printf '%-6s %-26s %9s %9s %11s %9s %9s %10s %10s\n' round call calls/s "x empty" "server µs" "x empty" "" "p50 ms" "p99 ms"
for round in $(seq "$rounds"); do
  for call in empty get preview recorded; do
    batch "$call" 100
    batch "$call" "$requests"
    rate=$(awk -v c="$calls" -v s="$seconds" 'BEGIN {printf "%.0f", c / s}')
    cpu=$(awk -v t="$ticks" -v h="$ticks_per_s" -v c="$calls" 'BEGIN {printf "%.1f", t / h * 1e6 / c}')
    read -r p50 p99 _ < <(python3 "$tool" percentiles "$work"/h2-*.log)
    if [ "$call" = empty ]; then empty_rate=$rate; empty_cpu=$cpu; fi
    printf '%-6s %-26s %9s %9s %11s %9s %9s %10s %10s\n' "$round" "${label[$call]}" "$rate" \
      "$(awk -v a="$rate" -v b="$empty_rate" 'BEGIN {printf "%.3f", a / b}')" "$cpu" \
      "$(awk -v a="$cpu" -v b="$empty_cpu" 'BEGIN {printf "%.1f", a / b}')" "" "$p50" "$p99"
  done
done

echo "== one call at a time, the askers in turn, 50 calls each after 10 not counted"
for call in empty get preview recorded; do
  rm -f "$work"/one-*.log
  for i in $(seq 0 $((n_askers - 1))); do
    h2 -n 10 -c 1 -m 1 -d "$(body "$call" "$i")" "http://127.0.0.1:$port/${path[$call]}" >/dev/null 2>&1
    h2 -n 50 -c 1 -m 1 -d "$(body "$call" "$i")" --log-file="$work/one-$i.log" \
      "http://127.0.0.1:$port/${path[$call]}" >/dev/null 2>&1
  done
  read -r p50 p99 count < <(python3 "$tool" percentiles "$work"/one-*.log)
  printf '%-33s p50 %6s ms  p99 %6s ms  (%s calls)\n' "${label[$call]}" "$p50" "$p99" "$count"
done
echo "== $(uptime)"

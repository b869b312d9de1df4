#!/usr/bin/env bash
# What per-call metrics and log lines cost (BENCHMARKS.md, "Observability
# overhead"): two servers on the demo territory, one as shipped
# (--observe_requests=true, --log_level=info: a metric update and a JSON
# line per call, stderr to a file as journald would take it) and one with
# both off (--observe_requests=false); h2load (Debian's nghttp2-client)
# drives GetActor and SuggestPartners over gRPC and HTTP/JSON, alternating
# the two servers round after round so that the machine's other load falls
# on both alike. Prints each run's req/s and, per round, on/off.
#   scripts/observability-bench.sh [ROUNDS] [REQUESTS] [CLIENTS]
# Environment: CALLS (default "get_grpc suggest_grpc get_http suggest_http"),
# ON_FLAGS and OFF_FLAGS (extra flags of each server), ON_BIN and OFF_BIN
# (another build of the server for either), to compare other variants.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
requests=${2:-20000}
clients=${3:-8}
scripts/build.sh maillage_server >/dev/null
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"' EXIT

start() {  # start NAME BINARY FLAGS...: a server; its pid and ports in $work/NAME.*
  local name=$1 binary=$2; shift 2
  "$binary" --listen=127.0.0.1:0 --http_listen=127.0.0.1:0 \
    --data_dir="$work/$name.data" --admin_credentials_file="$work/$name.key" \
    --demo --rate_limit_per_second=0 "$@" 2>"$work/$name.log" &
  pids+=($!)
  echo $! >"$work/$name.pid"
  for _ in $(seq 200); do grep -q "HTTP/JSON on" "$work/$name.log" && break; sleep 0.2; done
  sed -n 's/.*listening on [^;]*:\([0-9]*\);.*/\1/p' "$work/$name.log" >"$work/$name.grpc"
  sed -n 's/.*HTTP\/JSON on [^ ]*:\([0-9]*\).*/\1/p' "$work/$name.log" >"$work/$name.http"
}
# shellcheck disable=SC2086
start on "${ON_BIN:-build/services/maillage_server}" --observe_requests=true --log_level=info --log_format=json ${ON_FLAGS:-}
# shellcheck disable=SC2086
start off "${OFF_BIN:-build/services/maillage_server}" --observe_requests=false --log_level=info --log_format=json ${OFF_FLAGS:-}

python3 - "$work" <<'PY'
import struct, sys
def frame(m): return b"\0" + struct.pack(">I", len(m)) + m
aid = b"ext:demo:1000"
open(sys.argv[1] + "/get.bin", "wb").write(frame(b"\x0a" + bytes([len(aid)]) + aid))
open(sys.argv[1] + "/suggest.bin", "wb").write(
    frame(b"\x0a" + bytes([len(aid)]) + aid + b"\x10\x0a"))
open(sys.argv[1] + "/suggest.json", "w").write('{"limit": 10}')
PY

cpu_ticks() {  # cpu_ticks SERVER: utime + stime of its process, in ticks
  awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$(cat "$work/$1.pid")/stat"
}

rps() {  # rps SERVER CALL REQUESTS: "req/s cpu_us_per_request" of one run
  local server=$1 call=$2 n=$3
  local grpc_port http_port key
  grpc_port=$(cat "$work/$server.grpc"); http_port=$(cat "$work/$server.http")
  key=$(awk '{print $2}' "$work/$server.key" | tail -1)
  local auth=(-H "authorization: Bearer $key")
  local grpc=(-H "content-type: application/grpc" -H "te: trailers")
  local args
  case $call in
    get_grpc) args=("${grpc[@]}" -d "$work/get.bin"
      "http://127.0.0.1:$grpc_port/maillage.v1.ActorService/GetActor") ;;
    suggest_grpc) args=("${grpc[@]}" -d "$work/suggest.bin"
      "http://127.0.0.1:$grpc_port/maillage.v1.MatchService/SuggestPartners") ;;
    get_http) args=(--h1 "http://127.0.0.1:$http_port/v1/actors/ext:demo:1000") ;;
    suggest_http) args=(--h1 -H "content-type: application/json"
      -d "$work/suggest.json"
      "http://127.0.0.1:$http_port/v1/actors/ext:demo:1000:suggestPartners") ;;
  esac
  local before after
  before=$(cpu_ticks "$server")
  local rate
  rate=$(h2load -n "$n" -c "$clients" -m 1 "${auth[@]}" "${args[@]}" 2>&1 |
    awk '/^finished in/ {rps=$4} /^requests:/ {failed=$10}
         END {if (failed != 0) rps = "FAILED(" failed ")"; print rps}')
  after=$(cpu_ticks "$server")
  echo "$rate $(python3 -c "print(f'{($after - $before) * 1e6 / $(getconf CLK_TCK) / $n:.1f}')")"
}

echo "commit $(git rev-parse --short HEAD), $(nproc) cores, $(date -u +'%F %T')"
echo "on: --observe_requests=true ${ON_FLAGS:-}; off: --observe_requests=false ${OFF_FLAGS:-}"
echo "load before: $(uptime)"
for call in ${CALLS:-get_grpc suggest_grpc get_http suggest_http}; do
  n=$requests
  case $call in suggest_*) n=$((requests / 5)) ;; esac
  # Warm both (caches, connections), untimed.
  for server in on off; do rps "$server" "$call" "$((n / 4))" >/dev/null; done
  for round in $(seq "$rounds"); do
    # Alternate which goes first, so that neither always follows the other.
    if [ $((round % 2)) -eq 1 ]; then order=(on off); else order=(off on); fi
    declare -A got=()
    for server in "${order[@]}"; do got[$server]=$(rps "$server" "$call" "$n"); done
    read -r on_rps on_cpu <<<"${got[on]}"
    read -r off_rps off_cpu <<<"${got[off]}"
    ratios=$(python3 -c "print(f'{$on_rps / $off_rps:.3f} {$on_cpu / $off_cpu:.3f}')" 2>/dev/null || echo "? ?")
    read -r rps_ratio cpu_ratio <<<"$ratios"
    printf '%-13s round %d: on %9s req/s %6s us CPU/req, off %9s req/s %6s us CPU/req; on/off req/s %s, CPU/req %s\n' \
      "$call" "$round" "$on_rps" "$on_cpu" "$off_rps" "$off_cpu" "$rps_ratio" "$cpu_ratio"
  done
done
echo "load after: $(uptime)"
echo "request lines logged by the 'on' server: $(grep -c '"event":"request"' "$work/on.log")"
echo "request lines logged by the 'off' server: $(grep -c '"event":"request"' "$work/off.log" || true)"

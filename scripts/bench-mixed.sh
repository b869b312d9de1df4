#!/usr/bin/env bash
# Mixed load (issue 17, BENCHMARKS.md "Mixed load: queries during an
# import"): SuggestPartners latency seen by 8 querying clients before,
# during and after a 1M-row `maillage import --format jsonl` into a server
# already holding 1M actors. One command:
#
#   scripts/bench-mixed.sh                      # 1,000,000 + 1,000,000 rows, preview calls
#   scripts/bench-mixed.sh --rows 200000        # a quicker run
#   scripts/bench-mixed.sh --dir D --keep       # keep (and reuse) the JSONL files in D, and the server log (D/server.log)
#   QUERY=recorded scripts/bench-mixed.sh       # recorded calls, as dashboards make
#   RPS=0 scripts/bench-mixed.sh                # closed loop: each client as fast as it can
#   scripts/bench-mixed.sh -- --flag=value      # extra server flags (variants)
#   SERVER=path/to/maillage_server scripts/bench-mixed.sh   # another build
#   CLI_NICE=19 scripts/bench-mixed.sh          # the importing CLI at nice 19: what
#                                               # the server does when its client
#                                               # does not share its cores
#
# 1. bench/jsonl/generate_actors.py writes 2N synthetic actors over the real
#    communes (reused when D already holds them): the first N are the
#    store's, the last N (other ids) the import's;
# 2. a fresh server; the first N imported (untimed), so that a query costs
#    before the import what it costs at that size;
# 3. h2load (nghttp2-client, an independent gRPC client): 8 connections,
#    one call in flight each (8 clients), each sending RPS calls a second
#    (default 10, 80/s in all, dashboards at a brisk pace; RPS=0: closed loop, the
#    machine saturated, latency then mostly queueing), SuggestPartners for
#    the first actor of the file (ACTOR to choose another), `preview: true`
#    unless QUERY=recorded; every request's start and latency logged
#    (--log-file);
# 4. before: 15 s of queries alone; during: windows of 5 s while
#    `maillage import` streams the N rows (the CLI as users run it, on this
#    machine); after: 15 s alone again;
# 5. prints p50/p99/max and calls/s per window and per phase, the import's
#    rows/s and CPU (CLI, server), and the load average.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=1000000
work=""
keep=false
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows=$2; shift ;;
    --dir) work=$2; shift ;;
    --keep) keep=true ;;
    --) shift; break ;;
    *) echo "usage: $0 [--rows N] [--dir DIR] [--keep] [-- SERVER_FLAGS...]" >&2; exit 2 ;;
  esac
  shift
done
server_flags=("$@")
query=${QUERY:-preview}
server=${SERVER:-build/services/maillage_server}
rps=${RPS:-10}
rate=()
[ "$rps" -gt 0 ] && rate=(--rps="$rps")
scripts/build.sh maillage maillage_server >/dev/null
if [ -z "$work" ]; then work=$(mktemp -d "${TMPDIR:-/tmp}/maillage-mixed.XXXXXX"); fi
mkdir -p "$work"
server_pid=""
import_pid=""
cleanup() {
  [ -n "$import_pid" ] && kill "$import_pid" 2>/dev/null
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  wait 2>/dev/null || true
  # With --keep, the server's log stays beside the JSONL files.
  if $keep && [ -f "$work/run/log" ]; then cp "$work/run/log" "$work/server.log"; fi
  rm -rf "$work/run"
  if ! $keep; then rm -rf "$work"; fi
}
trap cleanup EXIT

if [ ! -s "$work/stream-$rows.jsonl" ]; then
  python3 bench/jsonl/generate_actors.py reference $((2 * rows)) "$work/all.jsonl"
  head -n "$rows" "$work/all.jsonl" >"$work/preload-$rows.jsonl"
  tail -n "$rows" "$work/all.jsonl" >"$work/stream-$rows.jsonl.part"
  rm "$work/all.jsonl"
  mv "$work/stream-$rows.jsonl.part" "$work/stream-$rows.jsonl"
fi
actor=${ACTOR:-$(head -1 "$work/preload-$rows.jsonl" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')}
rm -rf "$work/run"
mkdir -p "$work/run"
run=$work/run
"$server" --listen=127.0.0.1:0 --http_listen= \
  --data_dir="$run/data" --admin_credentials_file="$run/credentials" \
  --rate_limit_per_second=0 "${server_flags[@]}" 2>"$run/log" &
server_pid=$!
for _ in $(seq 600); do grep -qs "listening on" "$run/log" && break; sleep 0.2; done
port=$(sed -n 's/.*listening on [^;]*:\([0-9]*\);.*/\1/p' "$run/log")
key=$(awk '{print $2}' "$run/credentials" | tail -1)
cli() { MAILLAGE_SERVER=127.0.0.1:$port MAILLAGE_TOKEN=$key nice -n "${CLI_NICE:-0}" build/cli/maillage "$@"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# SuggestPartnersRequest{actor_id, limit: 20[, preview: true]}, gRPC-framed.
preview_field=$(grep -o 'bool preview = [0-9]*' proto/maillage/v1/matching.proto | awk '{print $4}')
python3 - "$run/request.bin" "$actor" "$preview_field" "$query" <<'PY'
import struct, sys
aid = sys.argv[2].encode()
body = b"\x0a" + bytes([len(aid)]) + aid + b"\x10\x14"
if sys.argv[4] == "preview":
    body += bytes([int(sys.argv[3]) << 3, 1])
open(sys.argv[1], "wb").write(b"\0" + struct.pack(">I", len(body)) + body)
PY
# queries NAME SECONDS: 8 clients for SECONDS; per-request log in NAME.log.
queries() {
  h2load -D "$2" -c 8 -m 1 "${rate[@]}" -H "authorization: Bearer $key" \
    -H "content-type: application/grpc" -H "te: trailers" -d "$run/request.bin" \
    --log-file="$run/$1.log" \
    "http://127.0.0.1:$port/maillage.v1.MatchService/SuggestPartners" >"$run/$1.out" 2>&1
  echo "$1 $(cut -d' ' -f1 /proc/loadavg)" >>"$run/loads"
}

echo "== commit $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (modified)'), $(nproc) cores," \
  "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u '+%F %T') UTC"
echo "== $rows rows in the store, $rows imported; SuggestPartners $query for $actor, 8 clients" \
  "($([ "$rps" -gt 0 ] && echo "$rps calls/s each" || echo "closed loop"))," \
  "server $server, flags: ${server_flags[*]:-none}"
cli import "$work/preload-$rows.jsonl" --format jsonl >"$run/preload.txt"
echo "== store loaded: $(grep -m1 '^created' "$run/preload.txt" | xargs)"
echo "== load at start: $(uptime | sed 's/.*load average/load average/')"
queries warmup 3
queries before 15
ticks0=$(cpu_ticks "$server_pid")
import_start=$(date +%s.%N)
echo "== import starts at $import_start (epoch seconds)"
( TIMEFORMAT='%R %U %S'
  { time cli import "$work/stream-$rows.jsonl" --format jsonl >"$run/import.txt" ; } 2>"$run/import.time" ) &
import_pid=$!
window=0
while kill -0 "$import_pid" 2>/dev/null; do
  queries "during$(printf %03d $window)" 5
  window=$((window + 1))
done
wait "$import_pid"
import_pid=""
import_end=$(date +%s.%N)
ticks1=$(cpu_ticks "$server_pid")
queries after 15
read -r wall user sys <"$run/import.time"
echo "== import: $(awk -v n="$rows" -v t="$wall" 'BEGIN {printf "%.1f s, %.0f rows/s", t, n / t}');" \
  "CPU: CLI $(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.1f", u + s}') s," \
  "server $(awk -v a="$ticks0" -v b="$ticks1" -v hz="$hz" 'BEGIN {printf "%.1f", (b - a) / hz}') s" \
  "(queries included); $(grep -m1 '^created' "$run/import.txt" | xargs)"
python3 - "$run" "$import_start" "$import_end" <<'PY'
import glob, os, sys
run, t0, t1 = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
loads = dict(line.split() for line in open(os.path.join(run, "loads")))
def stats(lat):
    lat = sorted(lat)
    if not lat:
        return "no calls"
    q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] / 1000
    return "%6d calls  p50 %6.2f ms  p99 %6.2f ms  max %7.2f ms" % (
        len(lat), q(0.5), q(0.99), lat[-1] / 1000)
def read(name):
    out = []
    for line in open(os.path.join(run, name + ".log")):
        start, status, micros = line.split()
        if status == "200":
            out.append((int(start) / 1e6, int(micros)))
    return out
phases = {"before": [], "during": [], "after": []}
for name in ["before"] + sorted(n[len(run) + 1:-4] for n in glob.glob(run + "/during*.log")) + ["after"]:
    calls = read(name)
    if not calls:
        continue
    span = max(s for s, _ in calls) - min(s for s, _ in calls)
    rate = len(calls) / span if span > 0 else 0
    print("%-10s t=%+6.1f s  %s  %7.0f calls/s  load %s" % (
        name, min(s for s, _ in calls) - t0, stats([m for _, m in calls]), rate, loads.get(name, "?")))
    for s, m in calls:
        phase = "before" if s < t0 else ("during" if s < t1 else "after")
        phases[phase].append(m)
print("== by phase (import from t=0 to t=%.1f s):" % (t1 - t0))
slowest = sorted(((m, s) for n in ["during%03d" % i for i in range(1000)]
                  if os.path.exists(os.path.join(run, n + ".log"))
                  for s, m in read(n)), reverse=True)[:10]
print("== slowest during the import (ms at s from its start): " + ", ".join(
    "%.0f at %+.2f" % (m / 1000, s - t0) for m, s in slowest))
for phase in ("before", "during", "after"):
    print("%-7s %s" % (phase, stats(phases[phase])))
PY
failed=$(cat "$run"/*.out | awk '/^requests:/ {f += $10} END {print f + 0}')
echo "== failed requests (h2load): $failed"
printf '== grpc-status of one call after the run: '
curl -s --http2-prior-knowledge -o /dev/null -D - -H "authorization: Bearer $key" \
  -H "content-type: application/grpc" -H "te: trailers" --data-binary @"$run/request.bin" \
  "http://127.0.0.1:$port/maillage.v1.MatchService/SuggestPartners" | grep -i "grpc-status" | tr -d '\r'
echo "== load at end: $(uptime | sed 's/.*load average/load average/')"

#!/usr/bin/env bash
# SuggestPartners as dashboards call it, measured with h2load (Debian's
# nghttp2-client, an independent gRPC client) against the real server, next
# to the empty RPC, in one run (BENCHMARKS.md, "Recording served
# suggestions"): the health check, SuggestPartners with `preview: true`
# (nothing recorded) and SuggestPartners recorded (the 20 served
# suggestions stored, as a dashboard's call does), one actor asked again and
# again, 64 calls in flight (16 connections x 4 streams).
#   scripts/suggest-h2load.sh [REQUESTS] [ROUNDS] [-- SERVER_FLAGS...]
# Without server flags the server loads the demo territory; pass e.g.
# -- --data_dir=DIR to use a store of your own (the actor asked is then
# $ACTOR, default ext:demo:1000). MAILLAGE_SERVER names another server
# binary (e.g. an older build, to compare two in one session).
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-20000}
rounds=${2:-3}
shift $(( $# >= 2 ? 2 : $# ))
[ "${1:-}" = "--" ] && shift
actor=${ACTOR:-ext:demo:1000}
work=$(mktemp -d)
trap 'kill "$server_pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
server_flags=("$@")
if [ ${#server_flags[@]} -eq 0 ]; then
  server_flags=(--data_dir="$work/data" --demo)
fi
"${MAILLAGE_SERVER:-build/services/maillage_server}" --listen=127.0.0.1:0 --http_listen= \
  --admin_credentials_file="$work/credentials" --rate_limit_per_second=0 \
  "${server_flags[@]}" 2>"$work/log" &
server_pid=$!
for _ in $(seq 600); do grep -q "listening on" "$work/log" && break; sleep 0.2; done
port=$(sed -n 's/.*listening on [^;]*:\([0-9]*\);.*/\1/p' "$work/log")
key=$(awk '{print $2}' "$work/credentials" | tail -1)

# gRPC-framed requests (flag 0, 4-byte length, then the message):
# HealthCheckRequest{}, SuggestPartnersRequest{actor_id, limit: 20[,
# preview: true]}.
python3 - "$work" "$actor" <<'PY'
import struct, sys
def frame(m): return b"\0" + struct.pack(">I", len(m)) + m
aid = sys.argv[2].encode()
body = b"\x0a" + bytes([len(aid)]) + aid + b"\x10\x14"
open(sys.argv[1] + "/empty.bin", "wb").write(frame(b""))
open(sys.argv[1] + "/recorded.bin", "wb").write(frame(body))
PY
preview_field=$(grep -o 'bool preview = [0-9]*' proto/maillage/v1/matching.proto | awk '{print $4}')
python3 - "$work" "$actor" "$preview_field" <<'PY'
import struct, sys
def frame(m): return b"\0" + struct.pack(">I", len(m)) + m
aid = sys.argv[2].encode()
tag = int(sys.argv[3]) << 3  # varint wire type 0
body = b"\x0a" + bytes([len(aid)]) + aid + b"\x10\x14" + bytes([tag, 1])
open(sys.argv[1] + "/preview.bin", "wb").write(frame(body))
PY

echo "commit $(git rev-parse --short HEAD), $(nproc) cores, $(date -u '+%F %T') UTC, actor $actor"
uptime
run() {  # name, path, request file
  printf '%-32s ' "$1"
  h2load -n "$requests" -c 16 -m 4 -H "authorization: Bearer $key" \
    -H "content-type: application/grpc" -H "te: trailers" -d "$3" \
    "http://127.0.0.1:$port/$2" 2>&1 |
    awk '/^finished in/ {rps=$4} /^requests:/ {ok=$8; failed=$10}
         /time for request:/ {mean=$6; max=$5}
         END {printf "%s req/s, %s ok, %s failed, mean %s\n", rps, ok, failed, mean}'
}
for round in $(seq "$rounds"); do
  echo "== round $round ($requests requests, 64 in flight)"
  run "empty RPC (health check)" grpc.health.v1.Health/Check "$work/empty.bin"
  run "SuggestPartners preview" maillage.v1.MatchService/SuggestPartners "$work/preview.bin"
  run "SuggestPartners recorded" maillage.v1.MatchService/SuggestPartners "$work/recorded.bin"
done
# Each call answered: grpc-status 0 in the trailers.
for f in preview recorded; do
  printf '%s: ' "$f"
  curl -s --http2-prior-knowledge -o /dev/null -D - -H "authorization: Bearer $key" \
    -H "content-type: application/grpc" -H "te: trailers" --data-binary @"$work/$f.bin" \
    "http://127.0.0.1:$port/maillage.v1.MatchService/SuggestPartners" | grep -i "grpc-status" | tr -d '\r'
done
uptime

#!/usr/bin/env bash
# The HTTP/JSON face next to gRPC, same server, same run (BENCHMARKS.md,
# "The HTTP/JSON face"): GetActor and SuggestPartners driven by h2load (an
# independent client, from Debian's nghttp2-client) over HTTP/1.1 + JSON
# and over HTTP/2 + gRPC (h2load posts a gRPC-framed request file), then
# 500 Server-Sent Events subscribers timed by build/bench/http_sse_fanout.
#   scripts/http-bench.sh [REQUESTS] [CLIENTS]
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-20000}
clients=${2:-16}
scripts/build.sh maillage_server http_sse_fanout >/dev/null
work=$(mktemp -d)
trap 'kill "$server_pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
build/services/maillage_server --listen=127.0.0.1:0 --http_listen=127.0.0.1:0 \
  --data_dir="$work/data" --admin_credentials_file="$work/credentials" \
  --demo --rate_limit_per_second=0 2>"$work/log" &
server_pid=$!
for _ in $(seq 100); do grep -q "HTTP/JSON on" "$work/log" && break; sleep 0.2; done
grpc_port=$(sed -n 's/.*listening on [^;]*:\([0-9]*\);.*/\1/p' "$work/log")
http_port=$(sed -n 's/.*HTTP\/JSON on [^ ]*:\([0-9]*\).*/\1/p' "$work/log")
key=$(awk '{print $2}' "$work/credentials" | tail -1)

# gRPC-framed requests (flag 0, 4-byte length, then the message):
# GetActorRequest{id}, SuggestPartnersRequest{actor_id, limit: 10}.
python3 - "$work" <<'PY'
import struct, sys
def frame(m): return b"\0" + struct.pack(">I", len(m)) + m
aid = b"ext:demo:1000"
open(sys.argv[1] + "/get.bin", "wb").write(frame(b"\x0a" + bytes([len(aid)]) + aid))
open(sys.argv[1] + "/suggest.bin", "wb").write(
    frame(b"\x0a" + bytes([len(aid)]) + aid + b"\x10\x0a"))
open(sys.argv[1] + "/suggest.json", "w").write('{"limit": 10}')
PY

echo "== machine"; nproc; uptime
run() {  # name, then h2load arguments
  local name=$1; shift
  printf '%-28s ' "$name"
  h2load -n "$requests" -c "$clients" -m 1 "$@" 2>&1 |
    awk '/^finished in/ {rps=$4} /^requests:/ {ok=$8; failed=$10}
         /time for request:/ {mean=$6; sd=$8}
         END {printf "%s req/s, %s ok, %s failed, mean %s\n", rps, ok, failed, mean}'
}
auth=(-H "authorization: Bearer $key")
grpc=(-H "content-type: application/grpc" -H "te: trailers")
for round in 1 2; do
  echo "== round $round ($requests requests, $clients connections)"
  run "GetActor gRPC" "${auth[@]}" "${grpc[@]}" -d "$work/get.bin" \
    "http://127.0.0.1:$grpc_port/maillage.v1.ActorService/GetActor"
  run "GetActor HTTP/JSON" --h1 "${auth[@]}" \
    "http://127.0.0.1:$http_port/v1/actors/ext:demo:1000"
  run "SuggestPartners gRPC" "${auth[@]}" "${grpc[@]}" -d "$work/suggest.bin" \
    "http://127.0.0.1:$grpc_port/maillage.v1.MatchService/SuggestPartners"
  run "SuggestPartners HTTP/JSON" --h1 "${auth[@]}" \
    -H "content-type: application/json" -d "$work/suggest.json" \
    "http://127.0.0.1:$http_port/v1/actors/ext:demo:1000:suggestPartners"
done
# One answer of each, to check they are answers and not errors.
curl -s --http2-prior-knowledge -o /dev/null -D - "${auth[@]}" "${grpc[@]}" \
  --data-binary @"$work/get.bin" \
  "http://127.0.0.1:$grpc_port/maillage.v1.ActorService/GetActor" |
  grep -i "grpc-status" || echo "(gRPC status in trailers; see curl -v)"
curl -s -o /dev/null -w "HTTP GetActor: %{http_code}\n" "${auth[@]}" \
  "http://127.0.0.1:$http_port/v1/actors/ext:demo:1000"

echo "== Server-Sent Events fan-out"
build/bench/http_sse_fanout --port="$http_port" --token="$key" \
  --subscribers=500 --writes=20

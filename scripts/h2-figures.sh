#!/usr/bin/env bash
# Replays issue 18's HTTP/2 attacks against a fresh server, without the
# transport limits ("before": gRPC 1.51's defaults and the former 64 MiB
# message size) and with them ("after": the defaults of maillage_server),
# and prints what happened: the figures of docs/SECURITY.md.
# Needs build/tests/h2_probe (scripts/build.sh builds it). Takes about 8 min
# and up to ~3 GB of memory on 2 cores; every attack is on loopback and
# bounded in count and time.
set -euo pipefail
cd "$(dirname "$0")/.."
probe=build/tests/h2_probe
before=(--max_concurrent_streams=0 --memory_quota_mb=0 --max_threads=0
  --max_metadata_bytes=0 --max_receive_message_bytes=67108864
  --max_send_message_bytes=67108864 --keepalive_time=0 --keepalive_timeout=0
  --min_ping_interval=0 --max_ping_strikes=0 --max_connection_idle=0
  --max_connection_age=0 --max_connection_age_grace=0 --handshake_timeout=0)

run() {  # run LABEL PROBE_FLAGS... [-- SERVER_FLAGS...]
  local label=$1
  shift
  echo "### $label: h2_probe $*"
  "$probe" "$@"
  echo
}

echo "commit $(git rev-parse --short HEAD), $(nproc) cores, $(date -u +%F)"
for mode in before after; do
  if [ "$mode" = before ]; then server=(-- "${before[@]}"); else server=(--); fi
  run "$mode" --attack=rapid_reset --seconds=10 --streams=1000000 --repeat=2 \
    "${server[@]}"
  run "$mode" --attack=continuation_many_headers --header_mb=21 "${server[@]}"
  run "$mode" --attack=large_request --request_mb=54 --settle_seconds=5 \
    "${server[@]}"
  run "$mode" --attack=large_request_x3 --request_mb=54 "${server[@]}"
  run "$mode" --attack=silent_streams --count=400 --wait_seconds=20 \
    "${server[@]}"
  run "$mode" --attack=ping_flood --count=100 "${server[@]}"
done
# The same parser in both modes (gRPC's default metadata limit is ours):
# one run. Minutes of CPU: the cost this attack is about.
run "both" --attack=continuation_one_header --header_mb=21 \
  --wait_seconds=180 --
# Waiting for the connection limits at their defaults takes minutes:
# idle connections (5 min) and silent sockets (10 s; gRPC's 120 s before).
run "before" --attack=idle_no_preface --count=400 --wait_seconds=150 \
  -- "${before[@]}"
run "after" --attack=idle_no_preface --count=400 --wait_seconds=150 --
run "before" --attack=idle_connections --count=400 --wait_seconds=360 \
  -- "${before[@]}"
run "after" --attack=idle_connections --count=400 --wait_seconds=360 --

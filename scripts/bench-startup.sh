#!/usr/bin/env bash
# Start-up to SERVING on an existing store, as a user restarts the server
# (issue 17, BENCHMARKS.md "Start-up on users' stores"). One command:
#
#   scripts/bench-startup.sh DATA_DIR [ROUNDS] [SERVER_BINARY...]
#
# Each round starts every given server binary (default: this tree's) in turn
# on DATA_DIR and times it from the process's start to the first 200 of
# GET /readyz (polled every 20 ms), then stops it. Several binaries
# alternate within a round, so that variants compare as ratios under the
# same load. Prints per start: wall seconds, the server's CPU seconds at
# SERVING, its own start-up phases (startup.phase log lines), and the load
# average. The store is only read (and its WAL recovered, if any): start
# once beforehand so that every timed start finds the same files.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:?usage: $0 DATA_DIR [ROUNDS] [SERVER_BINARY...]}
rounds=${2:-3}
shift $(( $# >= 2 ? 2 : 1 ))
binaries=("$@")
[ ${#binaries[@]} -eq 0 ] && binaries=(build/services/maillage_server)
work=$(mktemp -d)
server_pid=""
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
hz=$(getconf CLK_TCK)
echo "commit $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (modified)'), $(nproc) cores," \
  "$(date -u '+%F %T') UTC, store $data ($(du -sh "$data" | cut -f1))"
for round in $(seq "$rounds"); do
  for bin in "${binaries[@]}"; do
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    start=$(date +%s.%N)
    "$bin" --listen=127.0.0.1:0 --http_listen=127.0.0.1:$port --data_dir="$data" \
      --admin_credentials_file="$work/credentials" --rate_limit_per_second=0 \
      2>"$work/log" &
    server_pid=$!
    until curl -sf -o /dev/null "http://127.0.0.1:$port/readyz"; do
      kill -0 "$server_pid" 2>/dev/null || { cat "$work/log" >&2; exit 1; }
      sleep 0.02
    done
    end=$(date +%s.%N)
    ticks=$(awk '{print $14 + $15}' "/proc/$server_pid/stat")
    phases=$(sed -n 's/.*"phase":"\([a-z_]*\)","seconds":\([0-9.]*\).*/\1 \2/p' "$work/log" |
      awk '{printf "%s %.2f  ", $1, $2}')
    printf 'round %d %-40s %6.2f s wall, %5.1f s CPU | %s| load %s\n' "$round" "$bin" \
      "$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')" \
      "$(awk -v t="$ticks" -v hz="$hz" 'BEGIN {print t / hz}')" "$phases" \
      "$(cut -d' ' -f1-3 /proc/loadavg)"
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
    server_pid=""
  done
done

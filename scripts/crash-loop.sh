#!/usr/bin/env bash
# Crash loop (issue 18): runs the real server under the crash workload of
# maillage_loadgen (imports, creates, updates, deletes, suggestion lifecycle
# moves, reads, queries; every write journaled before it is sent and after
# its answer), kills it with SIGKILL at a random moment, restarts it on the
# same store and verifies it against the journal: nothing acknowledged lost,
# nothing unanswered half applied, the in-memory index equal to the records.
#
#   scripts/crash-loop.sh [cycles=100]
#
# Environment: CRASH_MIN_DELAY / CRASH_MAX_DELAY (seconds between the start
# of the writes and the kill, default 0.2 / 3), CRASH_WORKERS (client
# threads, 4), CRASH_WORKDIR (default a new folder in /tmp; kept on failure
# or with CRASH_KEEP=1), MAILLAGE_SERVER_BIN and MAILLAGE_LOADGEN_BIN (use
# these binaries instead of building). Exits 1 on any violation or
# unexpected answer, 2 when the loop itself could not run.
set -euo pipefail
cd "$(dirname "$0")/.."

cycles=${1:-100}
min_delay=${CRASH_MIN_DELAY:-0.2}
max_delay=${CRASH_MAX_DELAY:-3}
workers=${CRASH_WORKERS:-4}
if [[ -z "${MAILLAGE_SERVER_BIN:-}" || -z "${MAILLAGE_LOADGEN_BIN:-}" ]]; then
  scripts/build.sh maillage_server maillage_loadgen >/dev/null
fi
server_bin=${MAILLAGE_SERVER_BIN:-build/services/maillage_server}
loadgen_bin=${MAILLAGE_LOADGEN_BIN:-build/tools/loadgen/maillage_loadgen}
workdir=${CRASH_WORKDIR:-$(mktemp -d /tmp/maillage-crash.XXXXXX)}
mkdir -p "$workdir"
journal=$workdir/journal.txt
server_pid=
loadgen_pid=

cleanup() {
  [[ -n "$loadgen_pid" ]] && kill -9 "$loadgen_pid" 2>/dev/null || true
  [[ -n "$server_pid" ]] && kill -9 "$server_pid" 2>/dev/null || true
}
trap cleanup EXIT
trap 'die "stopped by SIGTERM"' TERM
trap 'die "stopped by SIGINT"' INT
trap 'die "stopped by SIGHUP"' HUP

die() {
  echo "crash-loop: $*" >&2
  echo "crash-loop: store, journal and logs kept in $workdir" >&2
  exit "${2:-2}"
}

# start_server LOG: starts the server on a free port; sets server_pid, target.
start_server() {
  local log=$1
  : >"$log"
  # --cooling_days=0: a dismissed or declined pair is proposed again at
  # once, so the lifecycle workload never runs out of suggestions and the
  # re-proposal path is crashed too.
  "$server_bin" --listen=127.0.0.1:0 --http_listen=127.0.0.1:0 --data_dir="$workdir/store" \
    --sync_writes=true --cooling_days=0 \
    --admin_credentials_file="$workdir/credentials" 2>"$log" &
  server_pid=$!
  for _ in $(seq 600); do
    target=$(sed -n 's/.*maillage listening on \([^;]*\);.*/\1/p' "$log")
    if [[ -n "$target" ]]; then
      # The admin key written at the first start (the port changes at each
      # restart; the key stays).
      MAILLAGE_TOKEN=$(sed -n 's/^[0-9][^ ]* //p' "$workdir/credentials" | tail -1)
      export MAILLAGE_TOKEN
      return 0
    fi
    kill -0 "$server_pid" 2>/dev/null || die "server did not start: $(cat "$log")"
    sleep 0.1
  done
  die "server not listening after 60 s"
}

# verify CYCLE: the store against the journal; stops the loop on a violation.
verify() {
  local out=$workdir/verify-$1.txt status=0
  "$loadgen_bin" verify --server="$target" --journal="$journal" >"$out" 2>&1 ||
    status=$?
  cat "$out" >>"$workdir/verify.log"
  if [[ $status -ne 0 ]]; then
    cat "$out" >&2
    die "verify after cycle $1 failed (exit $status)" 1
  fi
  # "N in doubt (a applied, b not applied, c either)": keys, not writes
  read -r doubt applied not_applied < <(sed -n \
    's/.* \([0-9]*\) in doubt (\([0-9]*\) applied, \([0-9]*\) not applied.*/\1 \2 \3/p' "$out")
  total_doubt_keys=$((total_doubt_keys + doubt))
  total_applied=$((total_applied + applied))
  total_not_applied=$((total_not_applied + not_applied))
  last_verify=$(tail -1 "$out")
}

# crash_cycle N: the workload, a SIGKILL after a random delay, its summary.
crash_cycle() {
  local n=$1 ready=$workdir/ready out=$workdir/workload-$1.txt status=0 delay
  rm -f "$ready"
  "$loadgen_bin" crash --server="$target" --journal="$journal" \
    --workers="$workers" --seconds=60 --seed="$((RANDOM * 32768 + RANDOM + 1))" \
    --ready_file="$ready" >"$out" 2>&1 &
  loadgen_pid=$!
  for _ in $(seq 600); do
    [[ -f "$ready" ]] && break
    kill -0 "$loadgen_pid" 2>/dev/null || break
    sleep 0.05
  done
  [[ -f "$ready" ]] || die "cycle $n: the workload did not start: $(cat "$out")"
  delay=$(awk -v r="$RANDOM" -v a="$min_delay" -v b="$max_delay" \
    'BEGIN { printf "%.2f", a + (b - a) * r / 32767 }')
  sleep "$delay"
  kill -9 "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=
  wait "$loadgen_pid" || status=$?
  loadgen_pid=
  cat "$out" >>"$workdir/workload.log"
  if [[ $status -ne 0 ]]; then
    cat "$out" >&2
    die "cycle $n: the workload reported a problem (exit $status)" 1
  fi
  # "writes sent S, acknowledged A, in doubt D, refused R, ..."
  read -r sent acked unanswered < <(sed -n \
    's/.*writes sent \([0-9]*\), acknowledged \([0-9]*\), in doubt \([0-9]*\),.*/\1 \2 \3/p' \
    "$out")
  total_sent=$((total_sent + sent))
  total_acked=$((total_acked + acked))
  total_unanswered=$((total_unanswered + unanswered))
  printf 'cycle %3d: killed after %5.2f s: %5d writes sent, %5d acknowledged, %2d in doubt\n' \
    "$n" "$delay" "$sent" "$acked" "$unanswered"
}

total_sent=0 total_acked=0 total_unanswered=0
total_doubt_keys=0 total_applied=0 total_not_applied=0
started=$SECONDS
echo "crash-loop: $cycles cycles, kill -9 after ${min_delay}-${max_delay} s," \
  "$workers client threads, work folder $workdir"
for ((cycle = 1; cycle <= cycles; ++cycle)); do
  start_server "$workdir/server-$cycle.log"
  verify "$((cycle - 1))"
  crash_cycle "$cycle"
done
start_server "$workdir/server-final.log"
verify "$cycles"
kill -TERM "$server_pid"
wait "$server_pid" || die "the server did not stop cleanly after the loop"
server_pid=

elapsed=$((SECONDS - started))
echo "crash-loop: PASS: $cycles cycles in ${elapsed} s; writes sent $total_sent," \
  "acknowledged $total_acked (none lost), in doubt at the kills" \
  "$total_unanswered writes touching $total_doubt_keys keys ($total_applied" \
  "applied, $total_not_applied not applied, the rest unchanged either way);" \
  "0 violations"
echo "crash-loop: last verify: $last_verify"
if [[ -z "${CRASH_KEEP:-}" && -z "${CRASH_WORKDIR:-}" ]]; then
  rm -rf "$workdir"
else
  echo "crash-loop: kept $workdir"
fi

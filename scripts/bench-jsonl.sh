#!/usr/bin/env bash
# JSONL import end to end, as a user runs it, next to PostgreSQL 15 COPY of
# the same rows in the same run (issue 17). One command:
#
#   scripts/bench-jsonl.sh                 # 1,000,000 actors
#   scripts/bench-jsonl.sh --rows 100000   # a quicker run
#   scripts/bench-jsonl.sh --dir D --keep  # keep (and reuse) the files in D
#
# 1. bench/jsonl/generate_actors.py writes N synthetic actors spread over the
#    real communes (its own generator, not the project's);
# 2. a first server imports them and `maillage export` writes them back as
#    JSONL (the lossless format) and CSV: the files users hold;
# 3. a fresh server: `maillage import actors.jsonl --format jsonl`, timed
#    (wall clock, CPU of the CLI and of the server);
# 4. a throwaway PostgreSQL 15 cluster (initdb in the work folder, run as
#    the postgres user when this runs as root): psql's \copy of the same
#    JSONL into a jsonb table keyed by id, and of the CSV into a typed
#    table keyed by id; both durable at commit (fsync and synchronous_commit
#    on, as shipped).
# 5. the floors of 3., in the same run: the same CLI command streaming to
#    import_bench's sink, a gRPC server that answers each message at once
#    (the CLI and the transport alone), then to the sink writing each
#    message's actors to a fresh RocksDB, one synced WriteBatch per message
#    (the least any server must do). No server design reaches more than
#    these on the same two cores.
# Needs Debian's postgresql package (scripts/install-deps.sh).
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
    *) echo "usage: $0 [--rows N] [--dir DIR] [--keep]" >&2; exit 2 ;;
  esac
  shift
done
scripts/build.sh maillage maillage_server import_bench >/dev/null
if [ -z "$work" ]; then work=$(mktemp -d "${TMPDIR:-/tmp}/maillage-jsonl.XXXXXX"); fi
mkdir -p "$work"
chmod 755 "$work"
pgbin=/usr/lib/postgresql/15/bin
pgport=$((50000 + RANDOM % 10000))
servers=()
cleanup() {
  for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ -f "$work/pg/data/postmaster.pid" ]; then as_postgres "$pgbin/pg_ctl" -D "$work/pg/data" -m fast stop >/dev/null 2>&1 || true; fi
  wait 2>/dev/null || true
  rm -rf "$work/a" "$work/b" "$work/pg" "$work/floor" "$work/floor-write"
  if ! $keep; then rm -rf "$work"; fi
}
trap cleanup EXIT
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# start_server NAME: a fresh server in $work/NAME; sets $port and $key.
start_server() {
  rm -rf "$work/$1"
  mkdir -p "$work/$1"
  build/services/maillage_server --listen=127.0.0.1:0 --http_listen=127.0.0.1:0 \
    --data_dir="$work/$1/data" --admin_credentials_file="$work/$1/credentials" \
    --rate_limit_per_second=0 2>"$work/$1/log" &
  servers+=($!)
  server_pid=$!
  for _ in $(seq 300); do grep -q "listening on" "$work/$1/log" && break; sleep 0.2; done
  port=$(sed -n 's/.*listening on [^;]*:\([0-9]*\);.*/\1/p' "$work/$1/log")
  key=$(awk '{print $2}' "$work/$1/credentials" | tail -1)
}
cli() { MAILLAGE_SERVER=127.0.0.1:$port MAILLAGE_TOKEN=$key build/cli/maillage "$@"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "== commit $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (modified)'), $rows actors"
echo "== load at start: $(uptime | sed 's/.*load average/load average/')"

if [ ! -s "$work/generated.jsonl" ] || [ "$(wc -l <"$work/generated.jsonl")" -ne "$rows" ]; then
  python3 bench/jsonl/generate_actors.py reference "$rows" "$work/generated.jsonl"
  rm -f "$work/actors.jsonl" "$work/actors.csv"
fi
if [ ! -s "$work/actors.jsonl" ]; then
  start_server a
  cli import "$work/generated.jsonl" --format jsonl >"$work/a/import.txt"
  cli export -o "$work/actors.jsonl"
  cli export --format csv -o "$work/actors.csv"
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
fi
bytes=$(stat -c %s "$work/actors.jsonl")
echo "== files: actors.jsonl $((bytes / 1048576)) MiB, $(wc -l <"$work/actors.jsonl") lines"

# timed_import DIR LABEL: `maillage import` of the JSONL into the server
# at $port (pid $server_pid), timed; prints a line, sets $rate.
timed_import() {
  local ticks0 ticks1 wall user sys created
  sync
  ticks0=$(cpu_ticks "$server_pid")
  TIMEFORMAT='%R %U %S'
  { time cli import "$work/actors.jsonl" --format jsonl >"$1/import.txt" ; } 2>"$1/time"
  ticks1=$(cpu_ticks "$server_pid")
  read -r wall user sys <"$1/time"
  created=$(awk '/^created/ {gsub(/[^0-9]/, "", $2); print $2}' "$1/import.txt")
  rate=$(awk -v n="$rows" -v t="$wall" 'BEGIN {printf "%.0f", n / t}')
  echo "== $2: $wall s, $rate rows/s (created $created);" \
    "CPU: CLI $(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.1f", u + s}') s," \
    "server $(awk -v a="$ticks0" -v b="$ticks1" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", (b - a) / hz}') s"
}

# 3. Maillage: JSONL into a fresh server.
start_server b
timed_import "$work/b" "maillage import --format jsonl"
maillage_rate=$rate
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true

# 5. The floors: the same command against import_bench's sink (see above).
# start_sink NAME [FLAGS]: sets $port and $server_pid (any token will do).
start_sink() {
  rm -rf "${work:?}/$1"
  mkdir -p "$work/$1"
  build/bench/import_bench --serve_sink "${@:2}" >"$work/$1/log" 2>&1 &
  servers+=($!)
  server_pid=$!
  for _ in $(seq 300); do grep -q "sink listening on" "$work/$1/log" && break; sleep 0.2; done
  port=$(sed -n 's/^sink listening on [^:]*:\([0-9]*\)$/\1/p' "$work/$1/log")
  key=floor
}
start_sink floor
timed_import "$work/floor" "floor: the CLI and the transport alone (the sink answers at once)"
floor_rate=$rate
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
start_sink floor-write --sink_store="$work/floor-write/rocksdb"
timed_import "$work/floor-write" "floor + each message's actors written to RocksDB (synced)"
floor_write_rate=$rate
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
rm -rf "$work/floor" "$work/floor-write"

# 4. PostgreSQL 15: the same rows with COPY.
mkdir -p "$work/pg"
chown postgres: "$work/pg" 2>/dev/null || true
as_postgres "$pgbin/initdb" -D "$work/pg/data" -A trust -U postgres >/dev/null
as_postgres "$pgbin/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w \
  -o "-k $work/pg -p $pgport -c listen_addresses=''" start >/dev/null
psql_run() { psql -X -q -v ON_ERROR_STOP=1 -h "$work/pg" -p "$pgport" -U postgres "$@"; }
psql_run -c "CREATE TABLE actors_json (doc jsonb NOT NULL,
               id text GENERATED ALWAYS AS (doc->>'id') STORED PRIMARY KEY)"
psql_run -c "CREATE TABLE actors_csv (id text PRIMARY KEY, kind text, subtype text,
  name text, home_commune text, themes text, needs text, offers text, siret text,
  siren text, rna text, naf_code text, association_purpose_codes text,
  size_band text, capacity integer, website text, latitude double precision,
  longitude double precision, status text, source text, description text)"
sync
start=$(date +%s.%N)
psql_run -c "\\copy actors_json(doc) from '$work/actors.jsonl' with (format csv, quote e'\\x01', delimiter e'\\x02')"
pg_json=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}')
start=$(date +%s.%N)
psql_run -c "\\copy actors_csv from '$work/actors.csv' with (format csv, header true)"
pg_csv=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}')
pg_json_rate=$(awk -v n="$rows" -v t="$pg_json" 'BEGIN {printf "%.0f", n / t}')
pg_csv_rate=$(awk -v n="$rows" -v t="$pg_csv" 'BEGIN {printf "%.0f", n / t}')
echo "== PostgreSQL COPY JSONL into jsonb (id primary key): $pg_json s, $pg_json_rate rows/s"
echo "== PostgreSQL COPY CSV into a typed table (id primary key): $pg_csv s, $pg_csv_rate rows/s"
echo "== ratios: maillage / COPY jsonb $(awk -v a="$maillage_rate" -v b="$pg_json_rate" 'BEGIN {printf "%.2f", a / b}') x," \
  "maillage / COPY CSV $(awk -v a="$maillage_rate" -v b="$pg_csv_rate" 'BEGIN {printf "%.2f", a / b}') x"
echo "== floors / COPY jsonb: transport alone $(awk -v a="$floor_rate" -v b="$pg_json_rate" 'BEGIN {printf "%.2f", a / b}') x," \
  "with the raw write $(awk -v a="$floor_write_rate" -v b="$pg_json_rate" 'BEGIN {printf "%.2f", a / b}') x;" \
  "maillage / floor with the write $(awk -v a="$maillage_rate" -v b="$floor_write_rate" 'BEGIN {printf "%.2f", a / b}') x"
echo "== load at end: $(uptime | sed 's/.*load average/load average/')"
sed -n '1,12p' "$work/b/import.txt"

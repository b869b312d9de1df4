#!/usr/bin/env bash
# The bulk-import benchmark in one command: builds bench/import_bench (in
# build/, as scripts/build.sh does), generates N synthetic SIRENE + RNA rows
# (default 1,000,000) and prints parse+map, raw RocksDB WriteBatch and
# end-to-end ImportActors throughput side by side. Arguments go to the
# benchmark, e.g.
#
#   scripts/bench-import.sh --rows=100000          # a quicker run
#   scripts/bench-import.sh --batch=5000 --streams=2
#   scripts/bench-import.sh --help                 # every flag
#
# The files and stores go to a fresh folder under $TMPDIR (about 1.2 GB for
# 1M rows), removed at the end unless --keep.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh import_bench >/dev/null
exec build/bench/import_bench "$@"

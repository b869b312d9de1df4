#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ in build-fuzz/ (clang-14, ASan and
# UBSan) and runs each of them, one after the other:
#
#   scripts/fuzz.sh --smoke                 30 s per target (what CI runs)
#   scripts/fuzz.sh --runs 10000000         the long run: N executions each
#   scripts/fuzz.sh --runs N --max-time S   ... but at most S seconds each
#   scripts/fuzz.sh --smoke keys geography  only these targets
#   scripts/fuzz.sh --runs N --workers 2 jsonl_reader
#                                           N executions shared by 2 processes
#                                           on the same corpus (each reloads
#                                           what the other finds), one per core
#   scripts/fuzz.sh --ubsan-only --runs N jsonl_reader
#                                           without ASan (build-fuzz-ubsan/):
#                                           for targets whose pace is ASan's
#                                           allocator; UBSan and the targets'
#                                           own checks still crash on a bug
#   scripts/fuzz.sh --replay jsonl_reader   every input kept in the corpus
#                                           run once under ASan + UBSan
#                                           (after an --ubsan-only run)
#
# Each target starts from its seeds (fuzz/corpus/<target>) and the inputs
# that once crashed it (fuzz/regressions/<target>); what it finds is kept in
# build-fuzz/corpus/<target> for the next run. Crash, leak and timeout
# inputs go to build-fuzz/artifacts/<target>/, logs to build-fuzz/logs/
# (build-fuzz-ubsan/artifacts and logs for --ubsan-only; the corpus is shared).
# Prints executions, exec/s, coverage and crashes per target; exits non-zero
# when any target crashed or was interrupted.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=0
max_time=0
workers=1
replay=0
build=build-fuzz
sanitizers=address,undefined
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) max_time=30 ;;
    --runs) runs="$2"; shift ;;
    --max-time) max_time="$2"; shift ;;
    --workers) workers="$2"; shift ;;
    --ubsan-only) build=build-fuzz-ubsan; sanitizers=undefined ;;
    --replay) replay=1 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    -*) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
    *) targets+=("$1") ;;
  esac
  shift
done
if [ "$replay" -eq 1 ] &&
  { [ "$build" != build-fuzz ] || [ "$runs" -gt 0 ] || [ "$max_time" -gt 0 ] ||
    [ "$workers" -gt 1 ]; }; then
  echo "--replay runs each kept input once under ASan, in one process:" \
    "leave out --ubsan-only, --smoke, --runs, --max-time and --workers" >&2
  exit 2
fi
if [ "$runs" -eq 0 ] && [ "$max_time" -eq 0 ] && [ "$replay" -eq 0 ]; then
  echo "say how long: --smoke, --runs N, --max-time S or --replay (see --help)" >&2
  exit 2
fi
if [ ${#targets[@]} -eq 0 ]; then
  targets=(csv_reader jsonl_reader protojson sirene_mapper rna_mapper
    mapped_csv actor_validation page_token keys geography jwt)
fi

scripts/install-deps.sh
if [ ! -f "$build/CMakeCache.txt" ]; then
  generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)
  # Line tables are enough for symbolized stacks and compile much faster
  # than full debug information.
  CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" "${generator[@]}" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -gline-tables-only" \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -gline-tables-only" \
    -DMAILLAGE_FUZZ=ON -DMAILLAGE_FUZZ_SANITIZERS="$sanitizers" \
    -DMAILLAGE_BUILD_BENCHMARKS=OFF -DMAILLAGE_WERROR=ON
fi
fuzzers=()
for target in "${targets[@]}"; do fuzzers+=("${target}_fuzzer"); done
cmake --build "$build" -j"$(nproc)" --target "${fuzzers[@]}"

# FUZZ_ASAN_EXTRA adds AddressSanitizer options, e.g. malloc_context_size=0
# (no allocation stacks in reports: the allocation-heavy targets run ~25%
# faster; a saved crash input replays with the full stacks).
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:symbolize=1${FUZZ_ASAN_EXTRA:+:$FUZZ_ASAN_EXTRA}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export ASAN_SYMBOLIZER_PATH=/usr/bin/llvm-symbolizer-14
# The directory readers read files: each target writes its input to one in
# a scratch folder, in memory when /dev/shm is there (ext4 flushes a file
# truncated and rewritten, thousands of times a second here).
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
  export TMPDIR="/dev/shm/maillage-fuzz-$$"
else
  export TMPDIR="$PWD/$build/tmp-$$"
fi
mkdir -p "$TMPDIR" "$build/logs"

# The dictionary of a target, if it has one.
dictionary() {
  case "$1" in
    csv_reader) echo fuzz/dict/csv.dict ;;
    sirene_mapper) echo fuzz/dict/sirene.dict ;;
    rna_mapper) echo fuzz/dict/rna.dict ;;
    mapped_csv) echo fuzz/dict/mapped_csv.dict ;;
    actor_validation | protojson) echo fuzz/dict/actor.dict ;;
  esac
}

# stat VALUE_NAME LOG: a number from libFuzzer's final statistics.
stat() { sed -n "s/^stat::$1: *//p" "$2" | tail -1; }

failed=()
printf '%-18s %12s %9s %7s %8s %11s %s\n' target executions exec/s cov ft \
  corpus result
for target in "${targets[@]}"; do
  binary="$build/fuzz/${target}_fuzzer"
  corpus="build-fuzz/corpus/$target"
  artifacts="$build/artifacts/$target"
  log="$build/logs/$target.log"
  mkdir -p "$corpus" "$artifacts"
  seeds=("fuzz/corpus/$target")
  [ -d "fuzz/regressions/$target" ] && seeds+=("fuzz/regressions/$target")
  options=(-print_final_stats=1 -timeout=25 -rss_limit_mb=4096
    -max_len=8192 "-artifact_prefix=$artifacts/")
  [ "$runs" -gt 0 ] && options+=("-runs=$(((runs + workers - 1) / workers))")
  # -runs=0: the corpus and seeds are run once each, nothing is mutated.
  [ "$replay" -eq 1 ] && options+=(-runs=0)
  [ "$max_time" -gt 0 ] && options+=("-max_total_time=$max_time")
  dict="$(dictionary "$target")"
  [ -n "$dict" ] && options+=("-dict=$dict")
  status=0
  if [ "$workers" -gt 1 ]; then
    # One process per worker on the same corpus folder; libFuzzer reloads
    # it periodically, so each picks up what the others found. Their logs
    # are $log.1, $log.2...; $log is the first's, with the executions and
    # exec/s of all appended (coverage and corpus are the first's).
    pids=()
    for w in $(seq "$workers"); do
      "$binary" "${options[@]}" "$corpus" "${seeds[@]}" >"$log.$w" 2>&1 &
      pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid" || status=$?; done
    total=0 rate=0
    for w in $(seq "$workers"); do
      n=$(stat number_of_executed_units "$log.$w")
      r=$(stat average_exec_per_sec "$log.$w")
      total=$((total + ${n:-0}))
      rate=$((rate + ${r:-0}))
    done
    cat "$log.1" >"$log"
    printf 'stat::number_of_executed_units: %s\nstat::average_exec_per_sec: %s\n' \
      "$total" "$rate" >>"$log"
  else
    "$binary" "${options[@]}" "$corpus" "${seeds[@]}" >"$log" 2>&1 || status=$?
  fi
  cov="$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)"
  ft="$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)"
  corp="$(grep -o 'corp: [0-9]*/[0-9]*[a-zA-Z]*' "$log" | tail -1 | cut -d' ' -f2)"
  result=ok
  if [ "$status" -eq 72 ]; then
    # libFuzzer's exit code when SIGINT or SIGTERM stopped it.
    result="INTERRUPTED by a signal, see $log"
    failed+=("$target")
  elif [ "$status" -ne 0 ]; then
    result="CRASH (exit $status), see $log and $artifacts/"
    failed+=("$target")
  fi
  printf '%-18s %12s %9s %7s %8s %11s %s\n' "$target" \
    "$(stat number_of_executed_units "$log")" \
    "$(stat average_exec_per_sec "$log")" "${cov:-?}" "${ft:-?}" \
    "${corp:-?}" "$result"
done
rm -rf "$TMPDIR"
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]}" >&2
  exit 1
fi

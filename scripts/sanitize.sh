#!/usr/bin/env bash
# Builds our code and tests with a sanitizer and runs the tests under it:
#
#   scripts/sanitize.sh address          ASan + UBSan + LSan (build-asan/), every test
#   scripts/sanitize.sh address --unit   the same, unit tests only (label `unit`)
#   scripts/sanitize.sh thread           TSan (build-tsan/), the tests labelled
#                                        `concurrency` (see tests/CMakeLists.txt)
#
# Further arguments go to ctest (e.g. -R concurrency_test). The servers and
# CLIs that tests start as child processes are the instrumented binaries of
# the same build. Every process writes its sanitizer reports into
# BUILD/sanitizer-logs/, so a report from a child whose stderr a test keeps
# to itself still fails the run. Exits non-zero on a failed test or any report.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  echo "usage: scripts/sanitize.sh address|thread [--unit] [ctest arguments...]" >&2
  exit 2
}
[ $# -ge 1 ] || usage
mode=$1
shift
unit=0
if [ "${1:-}" = "--unit" ]; then
  unit=1
  shift
fi

case "$mode" in
  address)
    build=build-asan
    if [ $unit = 1 ]; then
      target=maillage_unit_tests
      labels=(-L '^unit$')
    else
      target=all
      labels=()
    fi
    ;;
  thread)
    [ $unit = 0 ] || usage
    build=build-tsan
    target=maillage_concurrency_tests
    labels=(-L '^concurrency$')
    ;;
  *) usage ;;
esac

jobs=${MAILLAGE_JOBS:-$(nproc)}
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi

start=$SECONDS
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" "${generator[@]}" "${launcher[@]}" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMAILLAGE_WERROR=ON \
    -DMAILLAGE_BUILD_BENCHMARKS=OFF -DMAILLAGE_SANITIZE="$mode"
fi
cmake --build "$build" -j"$jobs" --target "$target"
built=$SECONDS

logs="$PWD/$build/sanitizer-logs"
rm -rf "$logs"
mkdir -p "$logs"
supp="$PWD/tests"
# halt_on_error: the first report ends the process with a non-zero status,
# so a test cannot pass over it. detect_leaks: LeakSanitizer at every
# process exit (tests/lsan.supp lists what is not ours, if anything).
# check_initialization_order + strict_init_order: a global initialised from
# another translation unit's global is reported even when the link order
# happens to make it work.
# gcc links UBSan as its own runtime beside ASan's: UBSAN_OPTIONS's log_path
# is what ends up directing ASan's and LSan's reports (so both say the same),
# while UBSan's own diagnostics always go to the process's stderr. A UBSan
# report in a spawned server or CLI therefore shows as that child exiting 1,
# which the tests that spawn them check (exit status, exit code).
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:check_initialization_order=1:strict_init_order=1:log_path=$logs/asan"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$logs/asan"
# second_deadlock_stack: both stacks of a lock-order inversion. history_size
# (default 2 of 0..7): a longer access history, so that the stack of the
# earlier access of a race is still known when it is reported. Debian's
# gRPC and Abseil are not instrumented: every test preloads a library that
# tells TSan about Abseil's mutexes (tests/support/tsan_absl_sync.cc, set up
# by CMake), and tests/tsan.supp lists what remains inside those libraries.
# halt_on_error=0 and exitcode=0: TSan reports do not stop or fail the
# process; scripts/tsan_triage.py judges them after the run, failing it on
# any report with a frame of ours and listing the libraries' own (see there).
export TSAN_OPTIONS="halt_on_error=0:exitcode=0:second_deadlock_stack=1:history_size=5:suppressions=$supp/tsan.supp:log_path=$logs/tsan"

status=0
ctest --test-dir "$build" --output-on-failure -j"$jobs" "${labels[@]}" "$@" || status=$?
ran=$SECONDS

reports=$(find "$logs" -type f | sort)
if [ "$mode" = thread ] && [ -n "$reports" ]; then
  # shellcheck disable=SC2086 # one argument per log file
  scripts/tsan_triage.py "$PWD" $reports || status=1
elif [ -n "$reports" ]; then
  for report in $reports; do
    echo "==== $report"
    cat "$report"
  done
  echo "sanitize.sh: $(echo "$reports" | wc -l) process(es) reported (above)" >&2
  status=1
fi
echo "sanitize.sh $mode: build $((built - start)) s, tests $((ran - built)) s," \
  "$([ $status = 0 ] && echo clean || echo FAILED)"
exit $status

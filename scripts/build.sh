#!/usr/bin/env bash
# Configures and builds everything (server, CLI, tests, benchmarks) in build/
# with warnings as errors. Arguments, if any, are the targets to build (all by
# default), e.g. scripts/build.sh maillage_server maillage.
set -euo pipefail
cd "$(dirname "$0")/.."
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
if [ ! -f build/CMakeCache.txt ]; then
  cmake -S . -B build "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMAILLAGE_WERROR=ON
fi
if [ $# -gt 0 ]; then
  cmake --build build -j"$(nproc)" --target "$@"
else
  cmake --build build -j"$(nproc)"
fi

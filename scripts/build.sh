#!/usr/bin/env bash
# Configures and builds everything (server, CLI, tests, benchmarks) in build/
# with warnings as errors. Extra arguments go to the build tool, e.g. a target.
set -euo pipefail
cd "$(dirname "$0")/.."
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
if [ ! -f build/CMakeCache.txt ]; then
  cmake -S . -B build "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMAILLAGE_WERROR=ON
fi
cmake --build build -j"$(nproc)" "$@"

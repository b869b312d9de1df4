#!/usr/bin/env bash
# Quick start, command 2: installs the dependencies, builds with -Werror and
# runs every test (unit, integration against the real server, kill -9,
# crash loop, full disk, HTTP/2 attacks, nginx proxy), then every fuzz target
# briefly.
# This is exactly what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
ctest --test-dir build --output-on-failure -j"$(nproc)" "$@"
# Every fuzz target for 30 s (clang-14, ASan + UBSan, build-fuzz/).
scripts/fuzz.sh --smoke

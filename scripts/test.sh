#!/usr/bin/env bash
# Quick start, command 2: installs the dependencies, builds with -Werror and
# runs every test (unit, integration against the real server, kill -9).
# This is exactly what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
ctest --test-dir build --output-on-failure -j"$(nproc)" "$@"

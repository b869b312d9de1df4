#!/usr/bin/env bash
# Installs everything Maillage needs to build, test and run on Debian 12.
# Idempotent: safe to run again; apt-get skips what is already there.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev librocksdb-dev zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libutf8proc-dev libxxhash-dev liblemon-dev
  # OpenSSL: API key digests, JWT signatures, TLS certificates in tests.
  libssl-dev
  # Boost.Beast/Asio (header-only): the HTTP/JSON face's listener.
  libboost-dev
  # scripts/http-bench.sh: h2load (nghttp2) and ab, independent HTTP clients.
  nghttp2-client apache2-utils
  # Prometheus metrics (ops/metrics.h): the registry and the /metrics endpoint.
  prometheus-cpp-dev
  # simdjson: the fast path of protobuf JSON in JSONL import (protojson/).
  libsimdjson-dev
  # jemalloc: the server's malloc (see CMakeLists.txt).
  libjemalloc-dev
  # tests/proxy_test.sh: deploy/nginx/maillage.conf in front of the server.
  # On a machine with systemd, installing nginx also starts its default site
  # on port 80 (`systemctl disable --now nginx` if unwanted); the test runs
  # its own nginx in a temporary folder.
  nginx openssl curl
  # tests/systemd_test.sh: systemd-analyze verify on deploy/maillage.service;
  # tests/deploy_test.py: the Kubernetes manifests parsed.
  systemd python3 python3-yaml
  # The fuzz targets (scripts/fuzz.sh): clang with libFuzzer, the
  # sanitizer runtimes, and llvm-symbolizer for readable crash stacks.
  clang-14 libfuzzer-14-dev libclang-rt-14-dev llvm-14
  # The dashboard's end-to-end test (tests/dashboard/): Debian's Chromium,
  # driven headless by puppeteer-core, and a font for its pages. The npm
  # packages (web/package-lock.json) are installed by the build (npm ci).
  chromium fonts-dejavu-core
)

if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# The dashboard (web/, built by npm ci and esbuild) and
# tests/openapi_validate.sh: node and npm, from
# Debian unless the machine already has them (another node distribution
# ships npm itself, and Debian's npm package would conflict with it).
if ! command -v npm >/dev/null; then
  for p in nodejs npm; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
fi

if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi

#!/usr/bin/env bash
# deploy/maillage.service through `systemd-analyze verify` (no warning
# accepted) and `systemd-analyze security` (exposure at most 2.0 of 10), in a
# scratch root where the unit's ExecStart exists: the build installed with
# `cmake --install` at the unit's own prefix, /usr/local. Skipped (77) where
# systemd-analyze is missing (scripts/install-deps.sh installs systemd).
#   tests/systemd_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
source=$2
command -v systemd-analyze >/dev/null || { echo "SKIP: no systemd-analyze"; exit 77; }
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
unit=$source/deploy/maillage.service
exec_start=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")
prefix=${exec_start%/bin/maillage_server}
[ "$prefix" != "$exec_start" ] || { echo "FAIL: ExecStart is not <prefix>/bin/maillage_server: $exec_start"; exit 1; }
cmake --install "$build" --prefix "$root$prefix" >/dev/null
# The targets the unit names (multi-user.target, network-online.target, …).
mkdir -p "$root/etc/systemd/system" "$root/usr/lib/systemd/system"
cp -L /usr/lib/systemd/system/*.target /usr/lib/systemd/system/*.slice \
  "$root/usr/lib/systemd/system/"
cp "$unit" "$root/etc/systemd/system/maillage.service"

out=$(systemd-analyze verify --root="$root" /etc/systemd/system/maillage.service 2>&1) ||
  { echo "FAIL: systemd-analyze verify:"; echo "$out"; exit 1; }
[ -z "$out" ] || { echo "FAIL: systemd-analyze verify warns:"; echo "$out"; exit 1; }
security=$(systemd-analyze security --offline=yes --root="$root" --threshold=20 \
  /etc/systemd/system/maillage.service 2>&1) ||
  { echo "FAIL: exposure above 2.0:"; echo "$security" | tail -30; exit 1; }
echo "$security" | tail -1
echo "systemd test: verify clean, ExecStart $exec_start installed"

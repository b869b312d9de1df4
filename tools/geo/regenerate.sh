#!/usr/bin/env bash
# Regenerates reference/geo/ from the pinned npm packages.
#
#   tools/geo/regenerate.sh                  fetch the packages with `npm pack`
#   tools/geo/regenerate.sh --from-dir DIR   use a folder that already holds the
#                                            JSON files and LICENSE.* files
#   tools/geo/regenerate.sh --out DIR        write somewhere else (default:
#                                            reference/geo of this checkout)
#
# Needs python3; the npm route also needs npm and network access to the npm
# registry. The output is deterministic: regenerating from the same versions
# leaves `git diff` empty.
set -euo pipefail

DECOUPAGE_VERSION=6.0.0
CODES_POSTAUX_VERSION=4.1.2

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/../.." && pwd)"
out="${root}/reference/geo"
from_dir=""

while [[ $# -gt 0 ]]; do
  case "$1" in
    --from-dir) from_dir="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "regenerate.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

if [[ -z "${from_dir}" ]]; then
  work="$(mktemp -d)"
  trap 'rm -rf "${work}"' EXIT
  (cd "${work}" && npm pack --silent \
      "@etalab/decoupage-administratif@${DECOUPAGE_VERSION}" \
      "codes-postaux@${CODES_POSTAUX_VERSION}" >/dev/null)
  mkdir -p "${work}/decoupage" "${work}/codes-postaux" "${work}/src"
  tar -xzf "${work}/etalab-decoupage-administratif-${DECOUPAGE_VERSION}.tgz" \
      -C "${work}/decoupage"
  # Only the small file: the package also ships a 68 MB codes-postaux-full.json.
  tar -xzf "${work}/codes-postaux-${CODES_POSTAUX_VERSION}.tgz" \
      -C "${work}/codes-postaux" package/codes-postaux.json package/LICENSE
  for f in communes epci ept departements regions; do
    cp "${work}/decoupage/package/data/${f}.json" "${work}/src/"
  done
  cp "${work}/decoupage/package/LICENSE" \
      "${work}/src/LICENSE.decoupage-administratif"
  cp "${work}/codes-postaux/package/codes-postaux.json" "${work}/src/"
  cp "${work}/codes-postaux/package/LICENSE" "${work}/src/LICENSE.codes-postaux"
  from_dir="${work}/src"
fi

python3 "${here}/build_geo.py" --from-dir "${from_dir}" --out "${out}" \
    --decoupage-version "${DECOUPAGE_VERSION}" \
    --codes-postaux-version "${CODES_POSTAUX_VERSION}"

#!/usr/bin/env python3
"""Builds Maillage's compact reference geography (reference/geo/*.tsv).

Input: a folder holding the JSON files of the npm packages
@etalab/decoupage-administratif (communes.json, epci.json, ept.json,
departements.json, regions.json) and codes-postaux (codes-postaux.json), plus
their licences as LICENSE.decoupage-administratif and LICENSE.codes-postaux.
tools/geo/regenerate.sh fetches the packages and lays them out that way.

Output: the TSV files described in reference/geo/README.md, sorted by code and
byte-for-byte reproducible from the same input. The script checks the
invariants the C++ loader (territory/geography.cc) relies on and fails loudly
when the source breaks one of them.

Python 3 standard library only.
"""

import argparse
import collections
import json
import os
import shutil
import sys

FORMAT_VERSION = 1
DEFAULT_DECOUPAGE_VERSION = "6.0.0"
DEFAULT_CODES_POSTAUX_VERSION = "4.1.2"

EPCI_TYPES = {"CC", "CA", "CU", "METRO", "MET69"}
ZONES = {"metro", "drom", "com"}

# Column headers: the loader compares the first non-comment line of each file
# with these, so a change of columns is a change of FORMAT_VERSION.
HEADERS = {
    "regions.tsv": ["code", "zone", "name"],
    "departements.tsv": ["code", "region", "name"],
    "epci.tsv": ["code", "type", "name"],
    "ept.tsv": ["code", "name"],
    "communes.tsv": ["code", "departement", "epci", "ept", "population",
                     "name", "postal_codes"],
    "aliases.tsv": ["code", "commune", "kind"],
}

LICENSES = ["LICENSE.decoupage-administratif", "LICENSE.codes-postaux"]


class SourceError(Exception):
    pass


def load(src, name):
    path = os.path.join(src, name)
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise SourceError(f"cannot read {path}: {e}") from e


def check(cond, message):
    if not cond:
        raise SourceError(message)


def clean(text):
    """A field value: no tab, no newline, surrounding spaces trimmed."""
    text = str(text).strip()
    check("\t" not in text and "\n" not in text and "\r" not in text,
          f"field with a tab or newline: {text!r}")
    return text


def build(src):
    communes = load(src, "communes.json")
    epcis = load(src, "epci.json")
    epts = load(src, "ept.json")
    departements = load(src, "departements.json")
    regions = load(src, "regions.json")
    postal_pairs = load(src, "codes-postaux.json")

    region_rows = {}
    for r in regions:
        code = clean(r["code"])
        check(code not in region_rows, f"duplicate région {code}")
        check(r["zone"] in ZONES, f"région {code}: unknown zone {r['zone']}")
        region_rows[code] = [code, r["zone"], clean(r["nom"])]

    departement_rows = {}
    for d in departements:
        code = clean(d["code"])
        check(code not in departement_rows, f"duplicate département {code}")
        check(d["region"] in region_rows,
              f"département {code}: unknown région {d['region']}")
        departement_rows[code] = [code, d["region"], clean(d["nom"])]

    current = {}
    arrondissements = {}
    secondary = collections.defaultdict(set)  # déléguée/associée -> chef-lieu
    for c in communes:
        kind = c["type"]
        code = clean(c["code"])
        if kind == "commune-actuelle":
            check(code not in current, f"duplicate commune {code}")
            current[code] = c
        elif kind == "arrondissement-municipal":
            arrondissements[code] = c["commune"]
        elif kind in ("commune-deleguee", "commune-associee"):
            secondary[code].add(c["chefLieu"])
        else:
            raise SourceError(f"commune {code}: unknown type {kind}")

    for code, c in current.items():
        dep = c["departement"]
        check(dep in departement_rows, f"commune {code}: unknown département {dep}")
        check(departement_rows[dep][1] == c["region"],
              f"commune {code}: région {c['region']} is not the région of "
              f"its département {dep}")
    for code, parent in arrondissements.items():
        check(parent in current,
              f"arrondissement {code}: unknown commune {parent}")

    # Former codes. A délégué or associated commune's current attachment wins
    # over a historical anciensCodes entry (55273 Lamarche-en-Woëvre is listed
    # in the anciensCodes of 55245 but is today associated with 55386). A code
    # that is also a current code (a commune déléguée keeping the code of the
    # new commune) is not an alias.
    historical = collections.defaultdict(set)
    for code, c in current.items():
        for old in c.get("anciensCodes", []):
            historical[old].add(code)
    aliases = {}
    warnings = []
    for old in sorted(set(historical) | set(secondary)):
        if old in current:
            continue
        check(old not in arrondissements, f"former code {old} is an arrondissement")
        targets = secondary.get(old) or historical[old]
        for t in targets:
            check(t in current, f"former code {old}: unknown commune {t}")
        if len(targets) > 1:
            warnings.append(f"former code {old} maps to {sorted(targets)}; "
                            f"keeping {min(targets)}")
        aliases[old] = (min(targets), "former")
    for code, parent in arrondissements.items():
        aliases[code] = (parent, "arrondissement")

    def to_current(code):
        if code in current:
            return code
        if code in aliases:
            return aliases[code][0]
        return None

    epci_rows = {}
    epci_of = {}
    for e in epcis:
        code = clean(e["code"])
        check(code not in epci_rows, f"duplicate EPCI {code}")
        check(e["type"] in EPCI_TYPES, f"EPCI {code}: unknown type {e['type']}")
        epci_rows[code] = [code, e["type"], clean(e["nom"])]
        check(e["membres"], f"EPCI {code} has no member")
        for m in e["membres"]:
            check(m["code"] in current, f"EPCI {code}: unknown commune {m['code']}")
            check(m["code"] not in epci_of,
                  f"commune {m['code']} in EPCIs {epci_of.get(m['code'])} and {code}")
            epci_of[m["code"]] = code

    ept_rows = {}
    ept_of = {}
    for e in epts:
        code = clean(e["code"])
        check(code not in ept_rows and code not in epci_rows,
              f"duplicate EPT {code}")
        ept_rows[code] = [code, clean(e["nom"])]
        check(e["membres"], f"EPT {code} has no member")
        for m in e["membres"]:
            check(m["code"] in current, f"EPT {code}: unknown commune {m['code']}")
            check(m["code"] not in ept_of, f"commune {m['code']} in two EPTs")
            ept_of[m["code"]] = code

    # Postal codes: the union of each commune's codesPostaux (arrondissements
    # folded into their commune) and of the codes-postaux pairs, every commune
    # code mapped to the current commune.
    postal = collections.defaultdict(set)
    for c in communes:
        if c["type"] in ("commune-actuelle", "arrondissement-municipal"):
            for p in c.get("codesPostaux", []):
                postal[to_current(c["code"])].add(p)
    unmapped = set()
    for pair in postal_pairs:
        code = to_current(pair["codeCommune"])
        if code is None:
            unmapped.add(pair["codeCommune"])
            continue
        postal[code].add(pair["codePostal"])
    if unmapped:
        warnings.append(f"{len(unmapped)} codes-postaux commune codes unknown, "
                        f"dropped: {sorted(unmapped)[:10]}")
    for code, codes in postal.items():
        for p in codes:
            check(len(p) == 5 and p.isdigit(), f"commune {code}: postal code {p!r}")

    commune_rows = {}
    for code, c in current.items():
        population = c.get("population")
        commune_rows[code] = [
            code, c["departement"], epci_of.get(code, ""), ept_of.get(code, ""),
            "" if population is None else str(int(population)),
            clean(c["nom"]), ",".join(sorted(postal.get(code, ()))),
        ]

    alias_rows = {code: [code, target, kind]
                  for code, (target, kind) in aliases.items()}

    tables = {
        "regions.tsv": region_rows,
        "departements.tsv": departement_rows,
        "epci.tsv": epci_rows,
        "ept.tsv": ept_rows,
        "communes.tsv": commune_rows,
        "aliases.tsv": alias_rows,
    }
    return tables, warnings


def write(out, tables, decoupage_version, codes_postaux_version):
    os.makedirs(out, exist_ok=True)
    provenance = (
        f"# maillage reference geography, format {FORMAT_VERSION}. Generated by "
        f"tools/geo/build_geo.py from @etalab/decoupage-administratif "
        f"{decoupage_version} and codes-postaux {codes_postaux_version} (MIT, "
        f"see README.md). Do not edit.\n")
    for name, rows in tables.items():
        tmp = os.path.join(out, name + ".tmp")
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            f.write(provenance)
            f.write("\t".join(HEADERS[name]) + "\n")
            # Byte order of the UTF-8 code, as the loader expects.
            for code in sorted(rows, key=lambda k: k.encode()):
                row = rows[code]
                assert len(row) == len(HEADERS[name])
                f.write("\t".join(row) + "\n")
        os.replace(tmp, os.path.join(out, name))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--from-dir", required=True,
                        help="folder with the source JSON files and licences")
    parser.add_argument("--out", required=True, help="output folder (reference/geo)")
    parser.add_argument("--decoupage-version", default=DEFAULT_DECOUPAGE_VERSION)
    parser.add_argument("--codes-postaux-version",
                        default=DEFAULT_CODES_POSTAUX_VERSION)
    args = parser.parse_args()

    try:
        tables, warnings = build(args.from_dir)
        for lic in LICENSES:
            path = os.path.join(args.from_dir, lic)
            check(os.path.isfile(path), f"missing licence {path}")
    except SourceError as e:
        print(f"build_geo.py: {e}", file=sys.stderr)
        return 1
    write(args.out, tables, args.decoupage_version, args.codes_postaux_version)
    for lic in LICENSES:
        shutil.copyfile(os.path.join(args.from_dir, lic),
                        os.path.join(args.out, lic))
    for w in warnings:
        print(f"build_geo.py: warning: {w}", file=sys.stderr)
    summary = ", ".join(f"{name} {len(rows)}" for name, rows in tables.items())
    print(f"build_geo.py: wrote {args.out}: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
